import DevProofCore

/// One tar member's header (ustar, GNU long names, PAX extended headers merged in).
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file, directory, symlink, hardlink, charDevice, blockDevice, fifo
        case other(UInt8)
        public var name: String {
            switch self {
            case .file: return "file"
            case .directory: return "dir"
            case .symlink: return "symlink"
            case .hardlink: return "hardlink"
            case .charDevice: return "char-device"
            case .blockDevice: return "block-device"
            case .fifo: return "fifo"
            case .other(let c): return "type '\(Character(Unicode.Scalar(c)))'"
            }
        }
    }
    public var name: String
    public var kind: Kind
    public var size: UInt64
    public var mode: UInt32
    public var uid: UInt64
    public var gid: UInt64
    /// As written (PAX may give fractional seconds); compared as text.
    public var mtime: String
    public var linkname: String
    public var uname: String
    public var gname: String
    public var devMajor: UInt64 = 0
    public var devMinor: UInt64 = 0
    /// Offset of this member's data in the (uncompressed) tar stream.
    public var dataOffset: UInt64
}

/// Streaming tar reader over any `ByteStream`: headers are parsed, data is streamed through `dataStream()`
/// or skipped, so a multi-GB layer never sits in memory and nothing is extracted to disk.
public final class TarReader {
    let src: ByteStream
    let label: String
    let buf: UnsafeMutableRawBufferPointer
    var pos = 0, len = 0
    /// Bytes of the current member's data not consumed yet, then its padding to 512.
    var remaining: UInt64 = 0
    var padding = 0
    public private(set) var offset: UInt64 = 0
    /// Bound on PAX/GNU long-name records (their contents are held in memory).
    public static let maxMetaRecord = 1 << 20

    public init(_ src: ByteStream, label: String, bufferSize: Int = 1 << 20) {
        self.src = src; self.label = label
        buf = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
    }
    deinit { buf.deallocate() }

    /// Refills the buffer; false at the end of the stream.
    func fill() throws -> Bool {
        if pos < len { return true }
        pos = 0; len = try src.read(into: buf)
        return len > 0
    }

    /// Reads exactly `n` bytes (headers, PAX records); nil on a clean EOF before the first byte.
    func readExact(_ n: Int) throws -> Bytes? {
        var out = Bytes(); out.reserveCapacity(n)
        while out.count < n {
            guard try fill() else {
                if out.isEmpty { return nil }
                throw DevProofError.malformed("\(label): truncated tar at offset \(offset)")
            }
            let k = min(n - out.count, len - pos)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[pos..<(pos + k)]))
            pos += k; offset += UInt64(k)
        }
        return out
    }

    func skip(_ n: UInt64, what: String) throws {
        var left = n
        while left > 0 {
            guard try fill() else { throw DevProofError.malformed("\(label): \(what) is truncated: the archive ends \(left) bytes early (declared size larger than the file)") }
            let k = Int(min(UInt64(len - pos), left))
            pos += k; offset += UInt64(k); left -= UInt64(k)
        }
    }

    /// The rest of the current member's data as a stream (then `next()` continues after it).
    public func dataStream(name: String) -> ByteStream { EntryStream(self, name: name) }

    final class EntryStream: ByteStream {
        let r: TarReader
        let name: String
        init(_ r: TarReader, name: String) { self.r = r; self.name = name }
        func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
            if r.remaining == 0 { return 0 }
            guard try r.fill() else {
                throw DevProofError.malformed("\(r.label): entry '\(name)' is truncated: it declares more bytes than the archive holds (\(r.remaining) missing)")
            }
            let k = Int(min(UInt64(min(out.count, r.len - r.pos)), r.remaining))
            out.baseAddress!.copyMemory(from: r.buf.baseAddress! + r.pos, byteCount: k)
            r.pos += k; r.offset += UInt64(k); r.remaining -= UInt64(k)
            return k
        }
    }

    /// The next member, or nil at the end-of-archive marker / end of stream.
    public func next() throws -> TarEntry? {
        try skip(remaining, what: "an entry"); remaining = 0
        try skip(UInt64(padding), what: "padding"); padding = 0
        var longName: String?, longLink: String?
        var pax: [String: String] = [:]
        while true {
            let headerOffset = offset
            guard let h = try readExact(512) else { return nil }
            if h.allSatisfy({ $0 == 0 }) { return nil }
            guard checksumOK(h) else { throw DevProofError.malformed("\(label): bad tar header checksum at offset \(headerOffset)") }
            let type = h[156]
            let size = try number(h, 124, 12, at: headerOffset)
            let pad = Int((512 - size % 512) % 512)
            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
                guard size <= UInt64(Self.maxMetaRecord) else {
                    throw DevProofError.malformed("\(label): tar metadata record at offset \(headerOffset) is \(size) bytes (bound \(Self.maxMetaRecord))")
                }
                guard let body = try readExact(Int(size)) else { throw DevProofError.malformed("\(label): truncated tar at offset \(offset)") }
                try skip(UInt64(pad), what: "padding")
                if type == UInt8(ascii: "x") { try parsePAX(body, at: headerOffset, into: &pax) }
                if type == UInt8(ascii: "L") { longName = cString(body[...]) }
                if type == UInt8(ascii: "K") { longLink = cString(body[...]) }
                continue // "g" (global) records describe the archive, not a member: ignored
            default: break
            }
            var name = cString(h[0..<100])
            let magic = Array(h[257..<263])
            if magic == Array("ustar\0".utf8) {
                let prefix = cString(h[345..<500])
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            var e = TarEntry(
                name: name, kind: Self.kind(type), size: size,
                mode: UInt32(truncatingIfNeeded: try number(h, 100, 8, at: headerOffset)),
                uid: try number(h, 108, 8, at: headerOffset), gid: try number(h, 116, 8, at: headerOffset),
                mtime: String(try number(h, 136, 12, at: headerOffset)), linkname: cString(h[157..<257]),
                uname: cString(h[265..<297]), gname: cString(h[297..<329]), dataOffset: 0)
            if magic.starts(with: Array("ustar".utf8)) {
                e.devMajor = (try? number(h, 329, 8, at: headerOffset)) ?? 0
                e.devMinor = (try? number(h, 337, 8, at: headerOffset)) ?? 0
            }
            if let l = longName { e.name = l }
            if let l = longLink { e.linkname = l }
            if let v = pax["path"] { e.name = v }
            if let v = pax["linkpath"] { e.linkname = v }
            if let v = pax["uid"], let n = UInt64(v) { e.uid = n }
            if let v = pax["gid"], let n = UInt64(v) { e.gid = n }
            if let v = pax["mtime"] { e.mtime = v }
            if let v = pax["uname"] { e.uname = v }
            if let v = pax["gname"] { e.gname = v }
            if let v = pax["size"] {
                guard let n = UInt64(v) else { throw DevProofError.malformed("\(label): PAX size '\(v)' of '\(e.name)' is not a number") }
                e.size = n
            }
            // Links, directories and devices carry no data whatever their size field says (POSIX).
            switch e.kind {
            case .file, .other: remaining = e.size
            default: remaining = 0
            }
            padding = Int((512 - remaining % 512) % 512)
            e.dataOffset = offset
            return e
        }
    }

    static func kind(_ t: UInt8) -> TarEntry.Kind {
        switch t {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): return .file
        case UInt8(ascii: "1"): return .hardlink
        case UInt8(ascii: "2"): return .symlink
        case UInt8(ascii: "3"): return .charDevice
        case UInt8(ascii: "4"): return .blockDevice
        case UInt8(ascii: "5"): return .directory
        case UInt8(ascii: "6"): return .fifo
        default: return .other(t)
        }
    }

    func checksumOK(_ h: Bytes) -> Bool {
        var sum: UInt64 = 0
        for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 32 : UInt64(b) }
        guard let stored = try? number(h, 148, 8, at: 0) else { return false }
        return stored == sum
    }

    /// Octal ASCII (NUL/space terminated) or GNU base-256 (high bit of the first byte set).
    func number(_ h: Bytes, _ off: Int, _ len: Int, at headerOffset: UInt64) throws -> UInt64 {
        let f = h[off..<(off + len)]
        if let first = f.first, first & 0x80 != 0 {
            guard first == 0x80 else { throw DevProofError.malformed("\(label): negative base-256 number in tar header at offset \(headerOffset)") }
            var v: UInt64 = 0
            for (i, b) in f.enumerated() where i > 0 {
                guard v >> 56 == 0 else { throw DevProofError.malformed("\(label): tar number overflows at offset \(headerOffset)") }
                v = v << 8 | UInt64(b)
            }
            return v
        }
        var v: UInt64 = 0
        var seen = false
        for b in f {
            if b == 0 || (b == 32 && seen) { break }
            if b == 32 { continue }
            guard b >= 0x30, b <= 0x37, v >> 60 == 0 else {
                throw DevProofError.malformed("\(label): bad octal number in tar header at offset \(headerOffset + UInt64(off))")
            }
            v = v * 8 + UInt64(b - 0x30); seen = true
        }
        return v
    }

    func parsePAX(_ body: Bytes, at headerOffset: UInt64, into pax: inout [String: String]) throws {
        var i = 0
        while i < body.count {
            var j = i
            while j < body.count, body[j] != 32 { j += 1 }
            guard j < body.count, let n = Int(String(decoding: body[i..<j], as: UTF8.self)), n > j - i + 1, i + n <= body.count,
                  body[i + n - 1] == 10 else {
                throw DevProofError.malformed("\(label): bad PAX record in the header at offset \(headerOffset)")
            }
            let rec = body[(j + 1)..<(i + n - 1)]
            guard let eq = rec.firstIndex(of: UInt8(ascii: "=")) else {
                throw DevProofError.malformed("\(label): bad PAX record in the header at offset \(headerOffset)")
            }
            pax[String(decoding: rec[rec.startIndex..<eq], as: UTF8.self)] = String(decoding: rec[(eq + 1)...], as: UTF8.self)
            i += n
        }
    }

    func cString(_ s: ArraySlice<UInt8>) -> String {
        String(decoding: s.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}
