import DevProofCore
import Foundation

/// Dockerfile lint for reproducibility (tutorial 02 check 5, tutorial 07's Helios download). Warnings
/// only: a lint can show that an input is mutable, never that the build is reproducible.
enum ReproduceDockerfile {
    struct Instruction { var line: Int; var keyword: String; var args: String }

    static let maxBytes = 1 << 20

    /// Instructions with line continuations joined and comments dropped.
    static func parse(_ text: String) -> [Instruction] {
        var out = [Instruction]()
        var cur = "", start = 0
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if cur.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            if !cur.isEmpty && line.hasPrefix("#") { continue }
            if cur.isEmpty { start = i + 1 }
            if line.hasSuffix("\\") { cur += String(line.dropLast()) + " "; continue }
            cur += line
            let kw = cur.prefix(while: { !$0.isWhitespace })
            out.append(Instruction(line: start, keyword: kw.uppercased(), args: cur.dropFirst(kw.count).trimmingCharacters(in: .whitespaces)))
            cur = ""
        }
        return out
    }

    static func checks(_ text: String, path: String) -> [Check] {
        let ins = parse(text)
        return [fromDigest(ins, path), sourceDateEpoch(ins, path), npmCI(ins, path), aptPinned(ins, path), downloads(ins, path)]
    }

    static let ids = ["reproduce.dockerfile.from_digest", "reproduce.dockerfile.source_date_epoch", "reproduce.dockerfile.npm_ci",
                      "reproduce.dockerfile.apt_pinned", "reproduce.dockerfile.download_checksum"]

    /// Lints every Dockerfile given (`--dockerfile` and the compose's `dockerfile_inline` texts), one check
    /// per ID: a warning in any file is a warning, naming the file.
    static func checks(_ files: [(text: String, label: String)]) -> [Check] {
        guard !files.isEmpty else { return ids.map { Check.notApplicable($0, "no --dockerfile and no dockerfile_inline in the compose") } }
        let perFile = files.map { checks($0.text, path: $0.label) }
        return ids.enumerated().map { k, id in
            let cs = perFile.map { $0[k] }
            let warned = cs.filter { $0.status != .pass }
            if warned.isEmpty { return files.count == 1 ? cs[0] : Check(id, .pass, cs[0].summary + " (\(files.count) Dockerfiles)") }
            return Check(id, .warn, warned.map(\.summary).joined(separator: "; "))
        }
    }

    static func fromDigest(_ ins: [Instruction], _ path: String) -> Check {
        var stages = Set<String>(), bad = [String]()
        for i in ins where i.keyword == "FROM" {
            let words = i.args.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--") }
            guard let image = words.first else { continue }
            let earlierStage = stages.contains(image.lowercased())
            if words.count >= 3, words[1].uppercased() == "AS" { stages.insert(words[2].lowercased()) }
            if image == "scratch" || earlierStage { continue }
            if !image.contains("@sha256:") { bad.append("\(path):\(i.line): FROM \(image)") }
        }
        if bad.isEmpty { return .pass("reproduce.dockerfile.from_digest", "every FROM is pinned by digest (or scratch / an earlier stage)") }
        return .warn("reproduce.dockerfile.from_digest", "base image not pinned by digest (a tag can be moved): \(bad.joined(separator: "; "))")
    }

    static func sourceDateEpoch(_ ins: [Instruction], _ path: String) -> Check {
        if ins.contains(where: { ($0.keyword == "ARG" || $0.keyword == "ENV") && $0.args.hasPrefix("SOURCE_DATE_EPOCH") }) {
            return .pass("reproduce.dockerfile.source_date_epoch", "SOURCE_DATE_EPOCH is declared (ARG/ENV)")
        }
        return .warn("reproduce.dockerfile.source_date_epoch", "\(path): no ARG/ENV SOURCE_DATE_EPOCH: file times and image dates follow the build clock")
    }

    static func runs(_ ins: [Instruction]) -> [Instruction] { ins.filter { $0.keyword == "RUN" } }

    static func npmCI(_ ins: [Instruction], _ path: String) -> Check {
        let bad = runs(ins).filter { r in
            let w = r.args.split(whereSeparator: { " ;&|".contains($0) }).map(String.init)
            return zip(w, w.dropFirst()).contains { $0 == "npm" && ($1 == "install" || $1 == "i" || $1 == "add") }
        }
        if bad.isEmpty { return .pass("reproduce.dockerfile.npm_ci", "no `npm install` (dependencies come from the lockfile, if any, via npm ci)") }
        return .warn("reproduce.dockerfile.npm_ci", "`npm install` resolves versions at build time; use `npm ci` with a lockfile: " + bad.map { "\(path):\($0.line)" }.joined(separator: ", "))
    }

    static func aptPinned(_ ins: [Instruction], _ path: String) -> Check {
        var bad = [String]()
        for r in runs(ins) {
            for cmd in r.args.components(separatedBy: "&&").flatMap({ $0.components(separatedBy: ";") }) {
                let w = cmd.split(separator: " ").map(String.init)
                guard let k = w.firstIndex(where: { $0 == "apt-get" || $0 == "apt" }), w.dropFirst(k + 1).contains("install") else { continue }
                let pkgs = w.drop(while: { $0 != "install" }).dropFirst().filter { !$0.hasPrefix("-") }
                bad += pkgs.filter { !$0.contains("=") }.map { "\(path):\(r.line): \($0)" }
            }
        }
        if bad.isEmpty { return .pass("reproduce.dockerfile.apt_pinned", "apt installs (if any) pin package versions") }
        return .warn("reproduce.dockerfile.apt_pinned", "apt packages without a version pin (and a snapshot mirror): \(bad.prefix(10).joined(separator: "; "))")
    }

    /// curl|sh, and curl/wget/ADD downloads with no checksum verified in the same step.
    static func downloads(_ ins: [Instruction], _ path: String) -> Check {
        var bad = [String]()
        let verifiers = ["sha256sum", "sha512sum", "shasum", "gpg --verify", "cosign verify", "--checksum"]
        for i in ins {
            let a = i.args
            if i.keyword == "ADD", a.contains("http://") || a.contains("https://"), !a.contains("--checksum=") {
                bad.append("\(path):\(i.line): ADD of a URL without --checksum")
            }
            guard i.keyword == "RUN" else { continue }
            // A download is curl/wget run as a command (first word of a segment), not `apt install curl`.
            let segments = a.components(separatedBy: CharacterSet(charactersIn: "&|;"))
            let fetch = segments.contains { seg in
                let w = seg.split(separator: " ").map(String.init).drop { $0 == "sudo" || $0.contains("=") }
                return w.first == "curl" || w.first == "wget"
            }
            guard fetch else { continue }
            let piped = a.range(of: #"(curl|wget)[^|]*\|\s*(sudo\s+)?(sh|bash|tar|python3?)\b"#, options: .regularExpression) != nil
            let checked = verifiers.contains { a.contains($0) }
            if piped && !checked { bad.append("\(path):\(i.line): download piped into a shell/extractor (curl|sh) without a checksum") }
            else if !checked { bad.append("\(path):\(i.line): download without a checksum") }
        }
        if bad.isEmpty { return .pass("reproduce.dockerfile.download_checksum", "no unchecked downloads") }
        return .warn("reproduce.dockerfile.download_checksum", bad.joined(separator: "; "))
    }
}
