/// Hex encoding/decoding. Decoding accepts an optional 0x prefix and ignores ASCII whitespace.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0f)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> Bytes {
        var chars = Array(text.utf8).filter { !($0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09) }
        if chars.count >= 2, chars[0] == 0x30, chars[1] == 0x78 || chars[1] == 0x58 { chars.removeFirst(2) }
        guard chars.count % 2 == 0 else { throw DevProofError.malformed("hex string has an odd number of digits (\(chars.count))") }
        var out = Bytes(); out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else {
                throw DevProofError.malformed("invalid hex digit near position \(i)")
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// True when the text (after trimming and an optional 0x) is non-empty even-length hex.
    public static func isHex(_ text: String) -> Bool {
        var chars = Array(text.utf8).filter { !($0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09) }
        if chars.count >= 2, chars[0] == 0x30, chars[1] == 0x78 || chars[1] == 0x58 { chars.removeFirst(2) }
        return !chars.isEmpty && chars.count % 2 == 0 && chars.allSatisfy { nibble($0) != nil }
    }

    @inline(__always) static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

extension Array where Element == UInt8 {
    public var hex: String { Hex.encode(self) }
    public var hex0x: String { "0x" + Hex.encode(self) }
}

/// Base64 (standard alphabet, padding optional on decode; whitespace ignored).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: Bytes) -> String {
        var out = [UInt8](); out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for s in stride(from: 18, through: 0, by: -6) { out.append(alphabet[Int((n >> UInt32(s)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            var n = UInt32(bytes[i]) << 16
            if rest == 2 { n |= UInt32(bytes[i + 1]) << 8 }
            out.append(alphabet[Int((n >> 18) & 63)]); out.append(alphabet[Int((n >> 12) & 63)])
            out.append(rest == 2 ? alphabet[Int((n >> 6) & 63)] : 0x3d); out.append(0x3d)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Canonical-only (one encoding per byte string, so no two parsers can read different bytes or a
    /// signature check see other bytes than a consumer): one alphabet (standard or URL-safe, not mixed),
    /// `=` only at the end and only as much as completes a 4-character group, unused low bits zero.
    /// Whitespace (PEM line breaks) is ignored.
    public static func decode(_ text: String) throws -> Bytes { try decode(utf8: text.utf8) }

    /// The same over raw bytes (PEM bodies are decoded without building Strings).
    public static func decode(utf8 text: some Collection<UInt8>) throws -> Bytes {
        var vals = [UInt8]()
        vals.reserveCapacity(text.count)
        var pads = 0, standard = false, urlSafe = false
        for c in text {
            if c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 { continue }
            if c == 0x3d { pads += 1; continue }
            guard pads == 0 else { throw DevProofError.malformed("base64: data after '=' padding") }
            switch c {
            case 0x41...0x5a: vals.append(c - 0x41)
            case 0x61...0x7a: vals.append(c - 0x61 + 26)
            case 0x30...0x39: vals.append(c - 0x30 + 52)
            case 0x2b: vals.append(62); standard = true
            case 0x2d: vals.append(62); urlSafe = true
            case 0x2f: vals.append(63); standard = true
            case 0x5f: vals.append(63); urlSafe = true
            default: throw DevProofError.malformed("invalid base64 character \(UnicodeScalar(c))")
            }
        }
        guard !(standard && urlSafe) else { throw DevProofError.malformed("base64 mixes the standard and URL-safe alphabets") }
        guard vals.count % 4 != 1 else { throw DevProofError.malformed("invalid base64 length") }
        if pads > 0 && ((vals.count + pads) % 4 != 0 || pads > 2) {
            throw DevProofError.malformed("base64 padding does not complete the last group")
        }
        if let last = vals.last, (vals.count % 4 == 2 && last & 0x0f != 0) || (vals.count % 4 == 3 && last & 0x03 != 0) {
            throw DevProofError.malformed("non-canonical base64: unused bits of the last character are not zero")
        }
        var out = Bytes(); out.reserveCapacity(vals.count * 3 / 4)
        var i = 0
        while i < vals.count {
            let k = min(4, vals.count - i)
            var n: UInt32 = 0
            for j in 0..<k { n |= UInt32(vals[i + j]) << UInt32(18 - 6 * j) }
            out.append(UInt8((n >> 16) & 0xff))
            if k > 2 { out.append(UInt8((n >> 8) & 0xff)) }
            if k > 3 { out.append(UInt8(n & 0xff)) }
            i += 4
        }
        return out
    }
}
