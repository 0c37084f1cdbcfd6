import DevProofCore
import Foundation

/// What one streaming pass over an image archive (tar) or layout (directory) found: every regular member
/// with its sha256, size and — when it is gzip/zstd — the sha256 of its decompressed bytes, plus the small
/// JSON documents (index, manifests, configs) kept in memory. Nothing is extracted.
public struct ArchiveScan: Sendable {
    public struct Member: Sendable {
        public var name: String
        public var size: UInt64
        public var sha256: Bytes
        public var compression: Compression
        /// sha256 and size of the decompressed bytes (equal to the raw ones when not compressed).
        public var uncompressedSHA256: Bytes
        public var uncompressedSize: UInt64
        /// The member's bytes when small and JSON-looking (bounded by `Limits.jsonBlob`).
        public var json: Bytes?
    }
    public enum Kind: String, Sendable { case tar, directory }

    public var path: String
    public var kind: Kind
    /// sha256 of the archive file itself (the tutorial's `image_hash`); nil for a directory.
    public var fileSHA256: Bytes?
    public var fileSize: UInt64
    public var members: [String: Member]

    public func member(_ name: String) -> Member? { members[name] }
}

public struct ScanLimits: Sendable {
    public var maxMembers = 1_000_000
    public var jsonBlob = 4 << 20
    public var jsonTotal = 64 << 20
    public var expansion = ExpansionLimit()
    public init() {}
}

public enum ArchiveScanner {
    /// Scans a tar file (OCI archive or docker-save) or an OCI layout directory.
    public static func scan(_ path: String, limits: ScanLimits = ScanLimits()) throws -> ArchiveScan {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DevProofError.unreadable("cannot read --oci '\(path)': no such file or directory")
        }
        return isDir.boolValue ? try scanDirectory(path, limits) : try scanTar(path, limits)
    }

    /// Member names are relative and never leave the archive: an absolute name or a `..` component is
    /// refused (a reader that extracts would write outside its directory).
    public static func normalize(_ raw: String, label: String) throws -> String {
        var n = raw
        while n.hasPrefix("./") { n.removeFirst(2) }
        if n.hasPrefix("/") { throw DevProofError.malformed("\(label): member '\(raw)' has an absolute name") }
        let parts = n.split(separator: "/", omittingEmptySubsequences: true)
        if parts.contains("..") { throw DevProofError.malformed("\(label): member '\(raw)' escapes the archive ('..' path traversal)") }
        return parts.filter { $0 != "." }.joined(separator: "/")
    }

    static func scanTar(_ path: String, _ limits: ScanLimits) throws -> ArchiveScan {
        let label = "--oci \(path)"
        // The file's own sha256 is computed on a read-ahead thread while this one parses and hashes blobs.
        let hashing = ReadAheadHashingStream(try FileStream(path: path))
        var outer: ByteStream = hashing
        // A gzip-compressed archive (image.tar.gz) is read through the decoder; image_hash stays the file's.
        let head = try PeekStream(hashing, count: 4)
        outer = head
        if Compression.sniff(head.prefix) != .none {
            outer = try decompressing(head, Compression.sniff(head.prefix), label: label, limit: limits.expansion)
        }
        let tar = TarReader(outer, label: label)
        var members = [String: ArchiveScan.Member]()
        var jsonTotal = 0
        var count = 0
        while let e = try tar.next() {
            count += 1
            guard count <= limits.maxMembers else { throw DevProofError.malformed("\(label): more than \(limits.maxMembers) members") }
            let name = try normalize(e.name, label: label)
            switch e.kind {
            case .directory: continue
            case .file: break
            case .symlink, .hardlink:
                throw DevProofError.malformed("\(label): member '\(e.name)' is a \(e.kind.name) to '\(e.linkname)'; an image archive holds regular files only (links are not followed)")
            default:
                throw DevProofError.malformed("\(label): member '\(e.name)' is a \(e.kind.name); an image archive holds regular files only")
            }
            guard members[name] == nil else { throw DevProofError.malformed("\(label): member '\(name)' appears twice (which copy a reader takes is ambiguous)") }
            let m = try hashMember(tar.dataStream(name: name), name: name, label: label, limits: limits, jsonBudget: limits.jsonTotal - jsonTotal)
            jsonTotal += m.json?.count ?? 0
            members[name] = m
        }
        // Whatever follows the end-of-archive marker is part of the file and of its hash.
        try drain(outer) { _ in }
        let fileSHA = try hashing.finalize()
        return ArchiveScan(path: path, kind: .tar, fileSHA256: fileSHA, fileSize: hashing.count, members: members)
    }

    static func scanDirectory(_ root: String, _ limits: ScanLimits) throws -> ArchiveScan {
        let label = "--oci \(root)"
        var members = [String: ArchiveScan.Member]()
        var jsonTotal = 0
        var stack = [""]
        while let rel = stack.popLast() {
            let dir = rel.isEmpty ? root : root + "/" + rel
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted() } catch {
                throw DevProofError.unreadable("\(label): cannot list '\(dir)'")
            }
            for n in names {
                let r = rel.isEmpty ? n : rel + "/" + n
                let full = root + "/" + r
                var st = stat()
                guard lstat(full, &st) == 0 else { throw DevProofError.unreadable("\(label): cannot stat '\(r)'") }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: stack.append(r)
                case S_IFREG:
                    guard members.count < limits.maxMembers else { throw DevProofError.malformed("\(label): more than \(limits.maxMembers) files") }
                    let m = try hashMember(try FileStream(path: full), name: r, label: label, limits: limits, jsonBudget: limits.jsonTotal - jsonTotal)
                    jsonTotal += m.json?.count ?? 0
                    members[r] = m
                case S_IFLNK:
                    throw DevProofError.malformed("\(label): '\(r)' is a symbolic link; a layout holds regular files only (links are not followed)")
                default:
                    throw DevProofError.malformed("\(label): '\(r)' is not a regular file")
                }
            }
        }
        return ArchiveScan(path: root, kind: .directory, fileSHA256: nil, fileSize: 0, members: members)
    }

    /// Hashes one member; when it starts like gzip/zstd, also decompresses and hashes the result in the
    /// same pass (the config's diff_ids are digests of the uncompressed layers).
    static func hashMember(_ data: ByteStream, name: String, label: String, limits: ScanLimits, jsonBudget: Int) throws -> ArchiveScan.Member {
        let raw = HashingStream(data)
        let peek = try PeekStream(raw, count: 4)
        let compression = Compression.sniff(peek.prefix)
        var json: Bytes?
        let firstNonSpace = peek.prefix.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 })
        let looksJSON = firstNonSpace.map { [UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "n")].contains($0) } ?? false
        var uSHA: Bytes, uSize: UInt64
        if compression == .none {
            var keep = Bytes()
            let budget = min(limits.jsonBlob, max(jsonBudget, 0))
            var tooBig = false
            try drain(peek) { chunk in
                if looksJSON && !tooBig {
                    if keep.count + chunk.count <= budget { keep.append(contentsOf: chunk) } else { tooBig = true; keep = [] }
                }
            }
            if looksJSON && !tooBig { json = keep }
            uSHA = raw.hasher.finalize(); uSize = raw.count
            return ArchiveScan.Member(name: name, size: raw.count, sha256: uSHA, compression: .none,
                                      uncompressedSHA256: uSHA, uncompressedSize: uSize, json: json)
        }
        let dec = try decompressing(peek, compression, label: "\(label): member '\(name)'", limit: limits.expansion)
        let uh = StreamingDigest(.sha256)
        var n: UInt64 = 0
        try drain(dec) { chunk in uh.update(chunk); n += UInt64(chunk.count) }
        // Bytes after the compressed stream's end still belong to the blob and its digest.
        try drain(raw) { _ in }
        return ArchiveScan.Member(name: name, size: raw.count, sha256: raw.hasher.finalize(), compression: compression,
                                  uncompressedSHA256: uh.finalize(), uncompressedSize: n, json: nil)
    }
}

/// Reads the first `count` bytes ahead (to sniff magic numbers) and replays them.
public final class PeekStream: ByteStream {
    let inner: ByteStream
    public private(set) var prefix: Bytes
    var used = 0
    public init(_ inner: ByteStream, count: Int) throws {
        self.inner = inner
        var p = Bytes(repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = try p.withUnsafeMutableBytes { try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
            if n == 0 { break }
            got += n
        }
        prefix = Array(p.prefix(got))
    }
    public func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int {
        if used < prefix.count {
            let k = min(buf.count, prefix.count - used)
            prefix.withUnsafeBytes { buf.baseAddress!.copyMemory(from: $0.baseAddress! + used, byteCount: k) }
            used += k
            return k
        }
        return try inner.read(into: buf)
    }
}
