import DevProofCore

/// Recursive Length Prefix (Ethereum yellow paper, appendix B). Decoding is strict: every length uses
/// the shortest form, a single byte below 0x80 is never wrapped, long lengths carry no leading zero
/// byte, and the input holds exactly one item (or, for `decodeSequence`, items back to back).
/// Anything else is rejected, because a hash over a re-encoded, non-canonical item would not be
/// the hash the chain committed to.
public indirect enum RLP: Sendable, Equatable {
    case bytes(Bytes)
    case list([RLP])

    public static let empty = RLP.bytes([])

    /// An unsigned integer: big-endian without leading zeros (0 is the empty string).
    public static func uint(_ v: UInt64) -> RLP {
        var b = Bytes()
        var x = v
        while x > 0 { b.insert(UInt8(x & 0xff), at: 0); x >>= 8 }
        return .bytes(b)
    }

    /// A big-endian integer given as bytes (leading zeros dropped).
    public static func uint(bigEndian b: Bytes) -> RLP { .bytes(Array(b.drop { $0 == 0 })) }

    public var bytesValue: Bytes? { if case .bytes(let b) = self { return b }; return nil }
    public var listValue: [RLP]? { if case .list(let l) = self { return l }; return nil }

    // MARK: encoding

    public func encoded() -> Bytes {
        var out = Bytes()
        encode(into: &out)
        return out
    }

    public func encode(into out: inout Bytes) {
        switch self {
        case .bytes(let b):
            if b.count == 1 && b[0] < 0x80 { out.append(b[0]); return }
            RLP.header(b.count, short: 0x80, into: &out)
            out.append(contentsOf: b)
        case .list(let items):
            var body = Bytes()
            for i in items { i.encode(into: &body) }
            RLP.header(body.count, short: 0xc0, into: &out)
            out.append(contentsOf: body)
        }
    }

    private static func header(_ len: Int, short: UInt8, into out: inout Bytes) {
        if len <= 55 { out.append(short + UInt8(len)); return }
        var lb = Bytes()
        var x = len
        while x > 0 { lb.insert(UInt8(x & 0xff), at: 0); x >>= 8 }
        out.append(short + 55 + UInt8(lb.count))
        out.append(contentsOf: lb)
    }

    // MARK: decoding

    /// Decodes exactly one item spanning all of `data`. Errors are `.malformed` with the byte offset.
    public static func decode(_ data: Bytes, maxDepth: Int = 16) throws -> RLP {
        var d = Decoder(data: data, maxDepth: maxDepth)
        let item = try d.item(end: data.count, depth: 0)
        guard d.pos == data.count else {
            throw DevProofError.malformed("RLP: \(data.count - d.pos) trailing bytes after the item at offset \(d.pos)")
        }
        return item
    }

    /// Decodes items written back to back (e.g. a chain.rlp file of blocks), at most `maxItems`.
    public static func decodeSequence(_ data: Bytes, maxItems: Int, maxDepth: Int = 16) throws -> [RLP] {
        var d = Decoder(data: data, maxDepth: maxDepth)
        var out = [RLP]()
        while d.pos < data.count {
            guard out.count < maxItems else { throw DevProofError.malformed("RLP: more than \(maxItems) items") }
            out.append(try d.item(end: data.count, depth: 0))
        }
        return out
    }

    /// An RLP integer field as UInt64: canonical (no leading zero byte), at most 8 bytes.
    public func uint64(_ what: String) throws -> UInt64 {
        guard case .bytes(let b) = self else { throw DevProofError.malformed("RLP: \(what) is a list, not an integer") }
        guard b.count <= 8 else { throw DevProofError.malformed("RLP: \(what) is \(b.count) bytes, over 64 bits") }
        guard b.first != 0 else { throw DevProofError.malformed("RLP: \(what) has a leading zero byte (non-canonical integer)") }
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    struct Decoder {
        let data: Bytes
        let maxDepth: Int
        var pos = 0

        init(data: Bytes, maxDepth: Int) { self.data = data; self.maxDepth = maxDepth }

        mutating func item(end: Int, depth: Int) throws -> RLP {
            guard depth <= maxDepth else { throw DevProofError.malformed("RLP: nesting deeper than \(maxDepth) at offset \(pos)") }
            guard pos < end else { throw DevProofError.malformed("RLP: truncated, item expected at offset \(pos)") }
            let start = pos
            let p = data[pos]
            pos += 1
            switch p {
            case 0x00...0x7f:
                return .bytes([p])
            case 0x80...0xb7:
                let len = Int(p - 0x80)
                let b = try take(len, end: end, at: start)
                if len == 1 && b[0] < 0x80 {
                    throw DevProofError.malformed("RLP: single byte 0x\(Hex.encode([b[0]])) wrapped in a string header at offset \(start) (non-canonical)")
                }
                return .bytes(b)
            case 0xb8...0xbf:
                let len = try longLength(Int(p - 0xb7), end: end, at: start)
                return .bytes(try take(len, end: end, at: start))
            case 0xc0...0xf7:
                return .list(try listBody(Int(p - 0xc0), end: end, depth: depth, at: start))
            default:
                let len = try longLength(Int(p - 0xf7), end: end, at: start)
                return .list(try listBody(len, end: end, depth: depth, at: start))
            }
        }

        mutating func take(_ n: Int, end: Int, at start: Int) throws -> Bytes {
            guard n <= end - pos else {
                throw DevProofError.malformed("RLP: item at offset \(start) declares \(n) bytes but only \(end - pos) remain")
            }
            defer { pos += n }
            return Array(data[pos..<pos + n])
        }

        mutating func longLength(_ lenOfLen: Int, end: Int, at start: Int) throws -> Int {
            guard lenOfLen <= end - pos else { throw DevProofError.malformed("RLP: truncated length at offset \(start)") }
            guard data[pos] != 0 else { throw DevProofError.malformed("RLP: length with a leading zero byte at offset \(start) (non-canonical)") }
            guard lenOfLen <= 4 else { throw DevProofError.malformed("RLP: \(lenOfLen)-byte length at offset \(start) is beyond any bound") }
            var len = 0
            for k in 0..<lenOfLen { len = len << 8 | Int(data[pos + k]) }
            pos += lenOfLen
            guard len > 55 else { throw DevProofError.malformed("RLP: long form for a \(len)-byte payload at offset \(start) (non-canonical)") }
            return len
        }

        mutating func listBody(_ len: Int, end: Int, depth: Int, at start: Int) throws -> [RLP] {
            guard len <= end - pos else {
                throw DevProofError.malformed("RLP: list at offset \(start) declares \(len) bytes but only \(end - pos) remain")
            }
            let listEnd = pos + len
            var items = [RLP]()
            while pos < listEnd { items.append(try item(end: listEnd, depth: depth + 1)) }
            return items
        }
    }
}
