import DevProofCore

/// A 20-byte Ethereum address. Parsing accepts 0x-prefixed or bare hex; when the input is mixed-case it
/// must carry a valid EIP-55 checksum (a wrong checksum is a typo, not an address).
public struct Address: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let bytes: Bytes

    public init(bytes: Bytes) throws {
        guard bytes.count == 20 else { throw DevProofError.malformed("address must be 20 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }

    public init(_ text: String) throws {
        let t = text.hasPrefix("0x") || text.hasPrefix("0X") ? String(text.dropFirst(2)) : text
        guard t.count == 40, Hex.isHex(t) else { throw DevProofError.malformed("'\(text)' is not a 20-byte hex address") }
        let b = try Hex.decode(t)
        let hasUpper = t.contains { $0.isUppercase }, hasLower = t.contains { $0.isLowercase }
        if hasUpper && hasLower, Address.checksum(b) != "0x" + t {
            throw DevProofError.malformed("address '\(text)' has an invalid EIP-55 checksum")
        }
        self.bytes = b
    }

    public static let zero = try! Address(bytes: Bytes(repeating: 0, count: 20))

    public var isZero: Bool { bytes.isAllZero }
    /// Lowercase 0x-hex.
    public var hex: String { bytes.hex0x }
    /// EIP-55 mixed-case checksum form.
    public var checksummed: String { Address.checksum(bytes) }
    public var description: String { checksummed }

    public static func < (a: Address, b: Address) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    static func checksum(_ b: Bytes) -> String {
        let lower = b.hex
        let h = Keccak.keccak256(Array(lower.utf8))
        var out = "0x"
        for (i, c) in lower.enumerated() {
            let nibble = (h[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0x0f
            out.append(c.isLetter && nibble >= 8 ? Character(c.uppercased()) : c)
        }
        return out
    }
}
