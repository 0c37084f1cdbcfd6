import DevProofCore

/// What a layer's tar says about one path (for explaining why two layers differ, like diffoci).
public struct LayerFile: Sendable, Equatable {
    public var kind: String
    public var size: UInt64
    public var mode: UInt32
    public var uid: UInt64
    public var gid: UInt64
    public var mtime: String
    public var linkname: String
    /// sha256 of the content (regular files only).
    public var sha256: Bytes?
    /// `.wh.<name>` (deletes a lower path) or `.wh..wh..opq` (opaque directory).
    public var whiteout: Bool
}

public enum LayerDiff {
    /// Bound on listed paths per layer (the listing is held in memory; contents are streamed).
    public static let maxPaths = 2_000_000

    /// Streams a member of an archive again (the scan keeps only digests). Directory: the file itself;
    /// tar: re-read sequentially up to the member.
    public static func withMember<T>(_ scan: ArchiveScan, _ name: String, _ body: (ByteStream) throws -> T) throws -> T {
        let label = "--oci \(scan.path)"
        if scan.kind == .directory { return try body(try FileStream(path: scan.path + "/" + name)) }
        let head = try PeekStream(try FileStream(path: scan.path), count: 4)
        let outer = try decompressing(head, Compression.sniff(head.prefix), label: label, limit: ExpansionLimit())
        let tar = TarReader(outer, label: label)
        while let e = try tar.next() {
            if (try? ArchiveScanner.normalize(e.name, label: label)) == name, e.kind == .file {
                return try body(tar.dataStream(name: name))
            }
        }
        throw DevProofError.unreadable("\(label): member '\(name)' vanished between two reads")
    }

    /// Lists a layer blob (compressed or not): every path with its metadata and content hash.
    public static func list(_ blob: ByteStream, label: String, limit: ExpansionLimit = ExpansionLimit()) throws -> [String: LayerFile] {
        let peek = try PeekStream(blob, count: 4)
        let tar = TarReader(try decompressing(peek, Compression.sniff(peek.prefix), label: label, limit: limit), label: label)
        var out = [String: LayerFile]()
        while let e = try tar.next() {
            guard out.count < maxPaths else { throw DevProofError.malformed("\(label): more than \(maxPaths) paths") }
            var path = e.name
            while path.hasPrefix("./") { path.removeFirst(2) }
            while path.hasSuffix("/") && path.count > 1 { path.removeLast() }
            var sha: Bytes?
            if e.kind == .file {
                let h = StreamingDigest(.sha256)
                try drain(tar.dataStream(name: path)) { h.update($0) }
                sha = h.finalize()
            }
            let base = path.split(separator: "/").last.map(String.init) ?? path
            out[path] = LayerFile(kind: e.kind.name, size: e.kind == .file ? e.size : 0, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid,
                                  mtime: e.mtime, linkname: e.linkname, sha256: sha, whiteout: base.hasPrefix(".wh."))
        }
        return out
    }

    /// Path-by-path differences, sorted by path; each line names the path and what differs.
    public static func compare(_ a: [String: LayerFile], _ b: [String: LayerFile]) -> [String] {
        var out = [String]()
        for p in Set(a.keys).union(b.keys).sorted() {
            switch (a[p], b[p]) {
            case (let x?, nil): out.append("\(p): only in the first image\(x.whiteout ? " (whiteout)" : "")")
            case (nil, let y?): out.append("\(p): only in the second image\(y.whiteout ? " (whiteout)" : "")")
            case (let x?, let y?):
                var d = [String]()
                if x.kind != y.kind { d.append("type \(x.kind) ≠ \(y.kind)") }
                if x.sha256 != y.sha256 { d.append("content sha256 \(short(x.sha256)) ≠ \(short(y.sha256))") }
                if x.size != y.size { d.append("size \(x.size) ≠ \(y.size)") }
                if x.mode != y.mode { d.append("mode \(String(x.mode, radix: 8)) ≠ \(String(y.mode, radix: 8))") }
                if x.uid != y.uid || x.gid != y.gid { d.append("uid/gid \(x.uid):\(x.gid) ≠ \(y.uid):\(y.gid)") }
                if x.mtime != y.mtime { d.append("mtime \(x.mtime) ≠ \(y.mtime)") }
                if x.linkname != y.linkname { d.append("link target '\(x.linkname)' ≠ '\(y.linkname)'") }
                if !d.isEmpty { out.append("\(p): " + d.joined(separator: ", ")) }
            default: break
            }
        }
        return out
    }

    static func short(_ b: Bytes?) -> String { b.map { String($0.hex.prefix(12)) } ?? "-" }

    /// Differences between two image configs: top-level members and those of `config` (Env, Entrypoint,
    /// Cmd, Labels, …), `history` entries and `rootfs`, as "key: A ≠ B" lines.
    public static func compareConfigs(_ a: JSONValue?, _ b: JSONValue?) -> [String] {
        guard let a, let b else { return a == nil && b == nil ? [] : ["config present in only one image"] }
        var out = [String]()
        func cmp(_ x: JSONValue?, _ y: JSONValue?, _ prefix: String) {
            let keys = (x?.keys ?? []) + (y?.keys ?? []).filter { !(x?.keys ?? []).contains($0) }
            for k in keys {
                let vx = x?[k], vy = y?[k]
                if vx == vy { continue }
                if k == "config" && prefix.isEmpty { cmp(vx, vy, "config."); continue }
                if k == "history", let hx = vx?.arrayValue, let hy = vy?.arrayValue {
                    if hx.count != hy.count { out.append("history: \(hx.count) entries ≠ \(hy.count)") }
                    for i in 0..<min(hx.count, hy.count) where hx[i] != hy[i] {
                        out.append("history[\(i)]: \(text(hx[i])) ≠ \(text(hy[i]))")
                    }
                    continue
                }
                out.append("\(prefix)\(k): \(text(vx)) ≠ \(text(vy))")
            }
        }
        cmp(a, b, "")
        return out
    }

    static func text(_ v: JSONValue?) -> String {
        guard let v else { return "(absent)" }
        let s = v.serialized()
        return s.count > 160 ? String(s.prefix(157)) + "..." : s
    }
}
