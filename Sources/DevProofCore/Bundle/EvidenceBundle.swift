import Foundation

/// An evidence bundle (`devproof collect --out DIR`, replayed with `--bundle DIR`): a directory with
/// `bundle.json` (schema `devproof.bundle/v1`) indexing every other file by sha256 and size.
///
/// Opening a bundle verifies the whole directory before anything is judged: every listed file present
/// with its hash and size, no file that is not listed, no symlink, no path leaving the directory, every
/// file under a size cap. Any deviation is malformed input (exit 2) naming the file. The index itself is
/// only as trustworthy as its source: its sha256 is reported (`bundle_sha256`) and can be pinned with
/// `--bundle-sha256` when the bundle was published.
public struct EvidenceBundle: Sendable {
    public static let schema = "devproof.bundle/v1"
    public static let indexName = "bundle.json"
    public static let maxFileBytes = 256 << 20
    public static let maxTotalBytes = 1 << 30
    public static let maxFiles = 10_000

    /// One command the bundle can replay: its name and arguments, with input paths written as
    /// `@bundle/<relative path>`.
    public struct Command: Sendable, Equatable {
        public var name: String
        public var args: [String]
        public init(name: String, args: [String]) { self.name = name; self.args = args }
    }

    public struct FileEntry: Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var size: Int
    }

    public var directory: URL
    public var created: String
    /// The evaluation time of the collected run (unix seconds): replays use it unless `--now` is given.
    public var now: Int64
    public var commands: [Command]
    public var files: [FileEntry]
    public var exchanges: [NetworkTape.Exchange]
    /// sha256 of bundle.json's bytes.
    public var indexSHA256: String
    /// Exchange bodies (only those; input files stay on disk, verified).
    public var exchangeBytes: [String: Bytes]

    public static let placeholder = "@bundle/"

    /// Arguments of `command` with `@bundle/` placeholders resolved to this directory.
    public func arguments(for command: String) -> [String]? {
        guard let c = commands.first(where: { $0.name == command }) else { return nil }
        return c.args.map { $0.hasPrefix(Self.placeholder) ? directory.appendingPathComponent(String($0.dropFirst(Self.placeholder.count))).path : $0 }
    }

    public func replayTape() -> NetworkTape {
        NetworkTape(replaying: exchanges, files: exchangeBytes, directory: directory)
    }

    // MARK: - Open and verify

    public static func open(_ path: String, expectedSHA256: String? = nil) throws -> EvidenceBundle {
        let dir = URL(fileURLWithPath: path).standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw DevProofError.unreadable("bundle '\(path)' is not a directory")
        }
        let onDisk = try scan(dir)
        let indexURL = dir.appendingPathComponent(indexName)
        guard let indexSize = onDisk[indexName] else { throw DevProofError.malformed("bundle '\(path)': no \(indexName)") }
        guard indexSize <= 16 << 20 else { throw DevProofError.malformed("bundle: \(indexName) is larger than 16 MiB") }
        let indexBytes = try InputFile.read(indexURL.path, what: "bundle index")
        let indexHash = Digest.sha256(indexBytes).hex
        if let want = expectedSHA256, want.lowercased() != indexHash {
            throw DevProofError.malformed("bundle: \(indexName) has sha256 \(indexHash), not the pinned --bundle-sha256 \(want)")
        }
        let v: JSONValue
        do { v = try JSONParser.parse(indexBytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("bundle: \(indexName) is not valid JSON: \(e.message) (byte \(e.offset))")
        }
        var b = try parseIndex(v, dir: dir, indexHash: indexHash)

        // The directory holds exactly the listed files.
        let listed = Set(b.files.map(\.path))
        for name in onDisk.keys.sorted() where name != indexName && !listed.contains(name) {
            throw DevProofError.malformed("bundle: '\(name)' is not listed in \(indexName) (extra file)")
        }
        var total = 0
        for f in b.files {
            guard let size = onDisk[f.path] else { throw DevProofError.malformed("bundle: '\(f.path)' is listed but missing") }
            guard size == f.size else { throw DevProofError.malformed("bundle: '\(f.path)' has \(size) bytes, the index says \(f.size)") }
            total += size
            guard total <= maxTotalBytes else { throw DevProofError.malformed("bundle: more than \(maxTotalBytes >> 20) MiB in total") }
            let got = try hashFile(dir.appendingPathComponent(f.path))
            guard got == f.sha256 else {
                throw DevProofError.malformed("bundle: '\(f.path)' has sha256 \(got), the index says \(f.sha256) (tampered or corrupted)")
            }
        }
        for x in b.exchanges {
            for name in [x.requestFile, x.responseFile].compactMap({ $0 }) {
                guard listed.contains(name) else { throw DevProofError.malformed("bundle: exchange file '\(name)' is not listed") }
                b.exchangeBytes[name] = try InputFile.read(dir.appendingPathComponent(name).path, what: "bundle file")
            }
        }
        return b
    }

    /// For child processes of a replaying `stage`: the parent verified the whole bundle; the child loads
    /// the index and the exchange files, re-checking those files' hashes (the ones it will trust).
    public static func openExchanges(_ path: String) throws -> EvidenceBundle {
        let dir = URL(fileURLWithPath: path).standardizedFileURL
        let indexBytes = try InputFile.read(dir.appendingPathComponent(indexName).path, what: "bundle index")
        var b = try parseIndex(try JSONParser.parse(indexBytes), dir: dir, indexHash: Digest.sha256(indexBytes).hex)
        let hashes = Dictionary(uniqueKeysWithValues: b.files.map { ($0.path, $0.sha256) })
        for x in b.exchanges {
            for name in [x.requestFile, x.responseFile].compactMap({ $0 }) {
                let bytes = try InputFile.read(dir.appendingPathComponent(name).path, what: "bundle file")
                guard hashes[name] == Digest.sha256(bytes).hex else { throw DevProofError.malformed("bundle: '\(name)' does not match its index hash") }
                b.exchangeBytes[name] = bytes
            }
        }
        return b
    }

    /// Relative path → size of every regular file below `dir`; a symlink or other special file is refused.
    static func scan(_ dir: URL) throws -> [String: Int] {
        var out: [String: Int] = [:]
        let fm = FileManager.default
        func walk(_ rel: String) throws {
            let full = rel.isEmpty ? dir.path : dir.appendingPathComponent(rel).path
            for name in try fm.contentsOfDirectory(atPath: full).sorted() {
                let r = rel.isEmpty ? name : rel + "/" + name
                let attrs = try fm.attributesOfItem(atPath: dir.appendingPathComponent(r).path)  // lstat: links are not followed
                switch attrs[.type] as? FileAttributeType {
                case .typeDirectory?: try walk(r)
                case .typeRegular?:
                    let size = (attrs[.size] as? NSNumber)?.intValue ?? 0
                    guard size <= maxFileBytes else { throw DevProofError.malformed("bundle: '\(r)' is larger than \(maxFileBytes >> 20) MiB") }
                    out[r] = size
                    guard out.count <= maxFiles else { throw DevProofError.malformed("bundle: more than \(maxFiles) files") }
                case .typeSymbolicLink?: throw DevProofError.malformed("bundle: '\(r)' is a symbolic link (bundles hold regular files only)")
                default: throw DevProofError.malformed("bundle: '\(r)' is not a regular file")
                }
            }
        }
        try walk("")
        return out
    }

    static func hashFile(_ url: URL) throws -> String {
        guard let h = FileHandle(forReadingAtPath: url.path) else { throw DevProofError.unreadable("cannot read bundle file '\(url.path)'") }
        defer { try? h.close() }
        let d = StreamingDigest(.sha256)
        while true {
            let chunk = h.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            d.update(Array(chunk))
        }
        return d.finalize().hex
    }

    static func safeRelative(_ p: String) -> Bool {
        !p.isEmpty && !p.hasPrefix("/") && !p.contains("\\") && !p.contains("\0")
            && !p.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." || $0.isEmpty })
    }

    static func parseIndex(_ v: JSONValue, dir: URL, indexHash: String) throws -> EvidenceBundle {
        func bad(_ m: String) -> DevProofError { .malformed("bundle: \(indexName): \(m)") }
        guard v["schema"]?.stringValue == schema else { throw bad("schema is not \(schema)") }
        guard let now = v["now"]?.int64Value else { throw bad("'now' (unix seconds) missing") }
        var commands: [Command] = []
        for c in v["commands"]?.arrayValue ?? [] {
            guard let n = c["name"]?.stringValue, let a = c["args"]?.arrayValue?.compactMap(\.stringValue) else { throw bad("a command lacks name/args") }
            commands.append(Command(name: n, args: a))
        }
        var files: [FileEntry] = []
        for f in v["files"]?.arrayValue ?? [] {
            guard let p = f["path"]?.stringValue, let h = f["sha256"]?.stringValue, let s = f["size"]?.int64Value else { throw bad("a file entry lacks path/sha256/size") }
            guard safeRelative(p), p != indexName else { throw bad("file path '\(p)' is not a plain relative path inside the bundle") }
            guard h.count == 64, Hex.isHex(h), h == h.lowercased() else { throw bad("'\(p)': sha256 must be 64 lowercase hex digits") }
            guard s >= 0 else { throw bad("'\(p)': negative size") }
            files.append(FileEntry(path: p, sha256: h, size: Int(s)))
        }
        guard Set(files.map(\.path)).count == files.count else { throw bad("a file is listed twice") }
        let exchanges = try (v["exchanges"]?.arrayValue ?? []).map(NetworkTape.Exchange.init(json:))
        return EvidenceBundle(directory: dir, created: v["created"]?.stringValue ?? "", now: now, commands: commands, files: files,
                              exchanges: exchanges, indexSHA256: indexHash, exchangeBytes: [:])
    }
}
