/// A minimal, bounds-checked DER (ASN.1) reader for walking certificate extensions.
public struct DERNode: Sendable, Equatable {
    public let tag: UInt8
    public let content: Bytes

    public static let sequence: UInt8 = 0x30
    public static let integer: UInt8 = 0x02
    public static let octetString: UInt8 = 0x04
    public static let oid: UInt8 = 0x06
    public static let enumerated: UInt8 = 0x0a
    public static let boolean: UInt8 = 0x01

    /// Children of a constructed node (SEQUENCE / SET).
    public func children() throws -> [DERNode] { try DER.parseAll(content) }

    /// Dotted OID text of an OBJECT IDENTIFIER node.
    public var oidString: String? {
        guard tag == DERNode.oid, !content.isEmpty else { return nil }
        var parts = [UInt64]()
        var v: UInt64 = 0
        for (i, b) in content.enumerated() {
            guard v < (1 << 56) else { return nil }
            v = v << 7 | UInt64(b & 0x7f)
            if b & 0x80 == 0 {
                if parts.isEmpty {
                    let first = min(v / 40, 2)
                    parts.append(first); parts.append(v - first * 40)
                } else { parts.append(v) }
                v = 0
            } else if i == content.count - 1 { return nil }
        }
        return parts.map(String.init).joined(separator: ".")
    }

    /// Non-negative INTEGER / ENUMERATED value (up to 64 bits).
    public var unsignedValue: UInt64? {
        guard tag == DERNode.integer || tag == DERNode.enumerated, !content.isEmpty, content[0] & 0x80 == 0 else { return nil }
        let mag = content.drop { $0 == 0 }
        guard mag.count <= 8 else { return nil }
        return mag.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

public enum DER {
    /// Exactly one TLV spanning all of `bytes`.
    public static func parse(_ bytes: Bytes) throws -> DERNode {
        var i = 0
        let n = try node(bytes, &i)
        guard i == bytes.count else { throw DevProofError.malformed("DER: \(bytes.count - i) trailing bytes") }
        return n
    }

    /// A concatenation of TLVs.
    public static func parseAll(_ bytes: Bytes) throws -> [DERNode] {
        var i = 0
        var out = [DERNode]()
        while i < bytes.count { out.append(try node(bytes, &i)) }
        return out
    }

    static func node(_ b: Bytes, _ i: inout Int) throws -> DERNode {
        guard i + 2 <= b.count else { throw DevProofError.malformed("DER: truncated header") }
        let tag = b[i]
        guard tag & 0x1f != 0x1f else { throw DevProofError.malformed("DER: multi-byte tags unsupported") }
        var len = Int(b[i + 1])
        i += 2
        if len & 0x80 != 0 {
            let n = len & 0x7f
            guard n >= 1, n <= 4, i + n <= b.count else { throw DevProofError.malformed("DER: bad length") }
            len = 0
            for k in 0..<n { len = len << 8 | Int(b[i + k]) }
            i += n
        }
        guard len <= b.count - i else { throw DevProofError.malformed("DER: length \(len) beyond the end") }
        let content = Array(b[i..<(i + len)])
        i += len
        return DERNode(tag: tag, content: content)
    }
}
