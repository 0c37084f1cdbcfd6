import DevProofCore
import Foundation

/// `--bundle DIR`: every command replays its recorded run from an evidence bundle and touches no network.
///
/// Handled before argument parsing: the bundle is verified whole (exit 2 naming any tampered, missing,
/// extra or linked file), the process-wide tape is set to replay, and the command line becomes the
/// recorded one (paths resolved into the bundle) plus the user's output flags. The recorded `now` is the
/// evaluation time unless `--now` is given.
enum BundleArgs {
    /// Flags a user may add to a replay: they change the output or the time, never the evidence.
    static let outputFlags: Set<String> = ["--json", "--format", "--output", "--now", "--step-timeout"]
    static let valueFlags: Set<String> = ["--format", "--output", "--now", "--step-timeout"]

    static func rewrite(_ argv: [String]) throws -> [String] {
        guard argv.contains(where: { $0 == "--bundle" || $0.hasPrefix("--bundle=") }) else { return argv }
        var words: [String] = []      // the command path ("attest", "chain boot"…)
        var extras: [String] = []
        var dir: String?, pin: String?
        var i = 0
        var inFlags = false
        func value(_ flag: String) throws -> String {
            if let eq = argv[i].firstIndex(of: "=") { return String(argv[i][argv[i].index(after: eq)...]) }
            i += 1
            guard i < argv.count else { throw DevProofError.usage("\(flag) needs a value") }
            return argv[i]
        }
        while i < argv.count {
            let a = argv[i]
            let flag = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if flag == "--bundle" { dir = try value("--bundle") }
            else if flag == "--bundle-sha256" { pin = try value("--bundle-sha256") }
            else if !a.hasPrefix("-") && !inFlags { words.append(a) }
            else if outputFlags.contains(flag) {
                inFlags = true
                extras.append(a)
                if valueFlags.contains(flag) && !a.contains("=") { i += 1; if i < argv.count { extras.append(argv[i]) } }
            } else {
                throw DevProofError.usage("with --bundle the inputs come from the bundle: \(a) cannot be added (only --json, --format, --output, --now)")
            }
            i += 1
        }
        guard let dir else { throw DevProofError.usage("--bundle needs a directory") }
        guard let name = words.first else { throw DevProofError.usage("--bundle goes with a command, e.g. devproof stage --bundle DIR") }
        if name == "collect" { throw DevProofError.usage("collect writes a bundle; it does not read one") }
        let bundle = try EvidenceBundle.open(dir, expectedSHA256: pin)
        let key = words.joined(separator: " ")
        guard let args = bundle.arguments(for: key) else {
            let have = bundle.commands.map(\.name).joined(separator: ", ")
            throw DevProofError.usage("the bundle holds no '\(key)' run (it holds: \(have))")
        }
        NetworkTape.current = bundle.replayTape()
        FileHandle.standardError.write("devproof: replaying \(key) from bundle \(dir) (bundle.json sha256 \(bundle.indexSHA256)); no network is used\n")
        var out = words + args + extras
        if !extras.contains(where: { $0 == "--now" || $0.hasPrefix("--now=") }) { out += ["--now", String(bundle.now)] }
        return out
    }
}
