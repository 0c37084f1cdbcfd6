import DevProofCore

/// A 256-bit EVM word, big-endian. Used for `uint<N>`/`int<N>` ABI values, block numbers, balances, storage.
/// Only what a verifier needs: exact conversion to and from integers and decimal/hex text, comparison.
public struct Word: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Exactly 32 bytes, big-endian.
    public let bytes: Bytes

    public static let zero = Word(uncheckedBytes: Bytes(repeating: 0, count: 32))

    init(uncheckedBytes: Bytes) { self.bytes = uncheckedBytes }

    /// From at most 32 big-endian bytes (left-padded with zeros).
    public init(bigEndian b: Bytes) throws {
        guard b.count <= 32 else { throw DevProofError.malformed("integer wider than 256 bits (\(b.count) bytes)") }
        self.bytes = Bytes(repeating: 0, count: 32 - b.count) + b
    }

    public init<T: BinaryInteger>(_ v: T) {
        if v < 0 {
            // Two's complement over 256 bits.
            let m = UInt64(truncatingIfNeeded: Int64(v))
            self.bytes = Bytes(repeating: 0xff, count: 24) + Bytes.be(m)
        } else {
            self.bytes = Bytes(repeating: 0, count: 24) + Bytes.be(UInt64(v))
        }
    }

    /// Parses decimal ("1234"), or 0x-hex ("0x4d2"; quantity form, any length up to 64 digits).
    public init(parsing text: String) throws {
        let t = text
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            var digits = String(t.dropFirst(2))
            guard !digits.isEmpty, digits.count <= 64, digits.allSatisfy(\.isHexDigit) else {
                throw DevProofError.malformed("'\(text)' is not a 256-bit hex quantity")
            }
            if digits.count % 2 == 1 { digits = "0" + digits }
            self = try Word(bigEndian: Hex.decode(digits))
            return
        }
        guard !t.isEmpty, t.count <= 78, t.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw DevProofError.malformed("'\(text)' is not a decimal or 0x-hex integer")
        }
        var acc = Bytes(repeating: 0, count: 32)
        for c in t.utf8 {
            // acc = acc * 10 + digit
            var carry = UInt32(c - 0x30)
            for i in stride(from: 31, through: 0, by: -1) {
                let v = UInt32(acc[i]) * 10 + carry
                acc[i] = UInt8(v & 0xff); carry = v >> 8
            }
            guard carry == 0 else { throw DevProofError.malformed("'\(text)' does not fit in 256 bits") }
        }
        self.bytes = acc
    }

    /// The value when it fits in 64 bits.
    public var uint64: UInt64? {
        guard bytes[0..<24].allSatisfy({ $0 == 0 }) else { return nil }
        return bytes[24..<32].reduce(0) { $0 << 8 | UInt64($1) }
    }
    public var isZero: Bool { bytes.isAllZero }
    /// Sign bit set (as int256).
    public var isNegative: Bool { bytes[0] & 0x80 != 0 }

    /// Unsigned decimal.
    public var decimal: String {
        var n = bytes
        var digits = [UInt8]()
        while !n.isAllZero {
            var rem: UInt32 = 0
            for i in 0..<32 {
                let cur = rem << 8 | UInt32(n[i])
                n[i] = UInt8(cur / 10); rem = cur % 10
            }
            digits.append(UInt8(rem) + 0x30)
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
    }

    /// Signed decimal (two's complement int256).
    public var signedDecimal: String {
        guard isNegative else { return decimal }
        return "-" + negated.decimal
    }

    /// Two's complement negation.
    public var negated: Word {
        var out = bytes.map { ~$0 }
        var i = 31
        while i >= 0 { out[i] &+= 1; if out[i] != 0 { break }; i -= 1 }
        return Word(uncheckedBytes: out)
    }

    /// Minimal 0x-hex quantity ("0x0", "0x1a").
    public var quantity: String {
        let h = bytes.hex.drop(while: { $0 == "0" })
        return "0x" + (h.isEmpty ? "0" : String(h))
    }

    public var description: String { decimal }

    public static func < (a: Word, b: Word) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
