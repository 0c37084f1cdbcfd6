import Foundation

/// Writes an evidence bundle: input files copied under `inputs/`, network exchanges under `net/` (from a
/// recording `NetworkTape`), and `bundle.json` indexing all of them by sha256. See `EvidenceBundle`.
public final class BundleWriter {
    public let directory: URL
    private var commands: [EvidenceBundle.Command] = []
    private var copied: [String: String] = [:]  // source path → placeholder
    private var counter = 0

    /// Refuses a non-empty directory: a bundle is written whole, never merged into other files.
    public init(directory path: String) throws {
        directory = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        if fm.fileExists(atPath: directory.path) {
            let items = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? ["?"]
            guard items.isEmpty else { throw DevProofError.usage("--out \(path): the directory exists and is not empty") }
        }
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw DevProofError.unreadable("cannot create bundle directory '\(path)': \(error.localizedDescription)")
        }
    }

    /// The stored arguments of `name` with placeholders resolved to this directory.
    public func resolved(_ name: String) -> [String]? {
        guard let c = commands.last(where: { $0.name == name }) else { return nil }
        return c.args.map { $0.hasPrefix(EvidenceBundle.placeholder) ? directory.appendingPathComponent(String($0.dropFirst(EvidenceBundle.placeholder.count))).path : $0 }
    }

    /// Not recorded: how to print and when to evaluate belong to the replay.
    public static let droppedFlags: Set<String> = ["--json", "--format", "--output", "--now"]

    /// Output-only flags: their values are never inputs to copy.
    public static let outputFlags: Set<String> = ["--save-collateral", "--output", "--out"]

    /// Records a command's arguments; every value that names an existing file or directory (and is not
    /// an output flag's value) is copied into the bundle and replaced by its `@bundle/` placeholder.
    public func addCommand(_ name: String, _ args: [String]) throws {
        var out: [String] = []
        var previous = ""
        var skipNext = false
        for a in args {
            // Output and time flags are the replayer's to choose (the bundle records `now` once).
            if skipNext { skipNext = false; continue }
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if Self.droppedFlags.contains(name) { skipNext = !a.contains("=") && name != "--json"; continue }
            var value = a
            var prefix = ""
            // --flag=value forms
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                prefix = String(a[...eq]); value = String(a[a.index(after: eq)...])
            }
            let flag = prefix.isEmpty ? previous : String(prefix.dropLast())
            if !Self.outputFlags.contains(flag), !value.hasPrefix("-"), value != "", FileManager.default.fileExists(atPath: value) {
                out.append(prefix + (try copyInput(value)))
            } else {
                out.append(a)
            }
            previous = a
        }
        commands.append(.init(name: name, args: out))
    }

    func copyInput(_ path: String) throws -> String {
        let src = URL(fileURLWithPath: path).standardizedFileURL
        if let p = copied[src.path] { return p }
        // Already inside the bundle (a step of `collect` reading the copies): refer to it, copy nothing.
        if src.path.hasPrefix(directory.path + "/") {
            return EvidenceBundle.placeholder + String(src.path.dropFirst(directory.path.count + 1))
        }
        counter += 1
        let rel = "inputs/\(counter)-\(src.lastPathComponent.isEmpty ? "input" : src.lastPathComponent)"
        let dst = directory.appendingPathComponent(rel)
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: dst.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: src.resolvingSymlinksInPath(), to: dst)
            try materializeLinks(dst)
        } catch let e as DevProofError { throw e } catch {
            throw DevProofError.unreadable("cannot copy input '\(path)' into the bundle: \(error.localizedDescription)")
        }
        let placeholder = EvidenceBundle.placeholder + rel
        copied[src.path] = placeholder
        return placeholder
    }

    /// Bundles hold regular files only: a symlink inside a copied directory is replaced by its target's bytes.
    func materializeLinks(_ url: URL) throws {
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: url.path) else { return }
        for case let rel as String in e {
            let p = url.appendingPathComponent(rel)
            let attrs = try fm.attributesOfItem(atPath: p.path)
            if attrs[.type] as? FileAttributeType == .typeSymbolicLink {
                let target = p.resolvingSymlinksInPath()
                guard target.path.hasPrefix(url.path + "/") || fm.fileExists(atPath: target.path) else {
                    throw DevProofError.unreadable("input symlink '\(rel)' points nowhere")
                }
                let bytes = try InputFile.read(target.path, what: "linked input")
                try fm.removeItem(at: p)
                try InputFile.write(p.path, bytes)
            }
        }
    }

    /// Writes the exchange files and the index. Returns the index's sha256 (the bundle's identity).
    @discardableResult
    public func finish(now: Int64, tape: NetworkTape?, childExchanges: [NetworkTape.Exchange] = [], extra: [JSONMember] = []) throws -> String {
        for (name, bytes) in tape?.recordedFiles ?? [:] {
            let u = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
            try InputFile.write(u.path, bytes)
        }
        let onDisk = try EvidenceBundle.scan(directory).filter { $0.key != EvidenceBundle.indexName }
        var files: [JSONValue] = []
        for (path, size) in onDisk.sorted(by: { $0.key < $1.key }) {
            let h = try EvidenceBundle.hashFile(directory.appendingPathComponent(path))
            files.append(.obj([("path", .string(path)), ("sha256", .string(h)), ("size", .int(size))]))
        }
        let exchanges: [JSONValue] = ((tape?.recorded ?? []) + childExchanges).map(\.json)
        var index: [(String, JSONValue)] = [
            ("schema", .string(EvidenceBundle.schema)),
            ("tool", .obj([("name", .string("devproof")), ("version", .string(DevProofVersion.current))])),
            ("created", .string(TimeInput.format(TimeInput.currentUnixTime()))),
            ("now", .int(now)),
            ("commands", .array(commands.map { .obj([("name", .string($0.name)), ("args", .strings($0.args))]) })),
            ("files", .array(files)),
            ("exchanges", .array(exchanges)),
        ]
        index += extra.map { ($0.key, $0.value) }
        let bytes = Array((JSONValue.obj(index).serialized(JSONWriteOptions(pretty: true)) + "\n").utf8)
        try InputFile.write(directory.appendingPathComponent(EvidenceBundle.indexName).path, bytes)
        return Digest.sha256(bytes).hex
    }
}
