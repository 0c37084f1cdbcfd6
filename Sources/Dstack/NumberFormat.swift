/// Number formatting of the serializers whose output gets hashed: ECMAScript `Number::toString`
/// (JSON.stringify, RFC 8785 JCS) and Python's `float.__repr__` (json.dumps). Both start from the
/// shortest round-trip decimal digits, which Swift's `Double.description` also produces.
public enum NumberFormat {
    /// Shortest round-trip digits and decimal exponent: value = 0.d1d2d3… × 10^n. nil for 0/inf/nan.
    static func shortestDigits(_ x: Double) -> (digits: [UInt8], n: Int)? {
        guard x.isFinite, x != 0 else { return nil }
        let s = Array(abs(x).description.utf8)
        var mant = s[...], exp = 0
        if let e = s.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mant = s[..<e]
            exp = Int(String(decoding: s[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits = [UInt8](), point = 0, sawPoint = false
        for c in mant {
            if c == UInt8(ascii: ".") { sawPoint = true; continue }
            digits.append(c)
            if !sawPoint { point += 1 }
        }
        while let f = digits.first, f == UInt8(ascii: "0") { digits.removeFirst(); point -= 1 }
        while let l = digits.last, l == UInt8(ascii: "0") { digits.removeLast() }
        guard !digits.isEmpty else { return nil }
        return (digits, point + exp)
    }

    /// ECMAScript Number::toString(x) (radix 10).
    public static func ecmascript(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        if x == 0 { return "0" }
        guard let (d, n) = shortestDigits(x) else { return "0" }
        let k = d.count
        let ds = String(decoding: d, as: UTF8.self)
        let sign = x < 0 ? "-" : ""
        if k <= n && n <= 21 { return sign + ds + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 {
            return sign + String(decoding: d[0..<n], as: UTF8.self) + "." + String(decoding: d[n...], as: UTF8.self)
        }
        if -6 < n && n <= 0 { return sign + "0." + String(repeating: "0", count: -n) + ds }
        let e = n - 1
        let es = e >= 0 ? "+\(e)" : "-\(-e)"
        if k == 1 { return sign + ds + "e" + es }
        return sign + String(decoding: d[0..<1], as: UTF8.self) + "." + String(decoding: d[1...], as: UTF8.self) + "e" + es
    }

    /// Python repr(float): fixed notation for exponents -4 ≤ e < 16 (always with a fraction),
    /// else d.ddde±XX (at least two exponent digits).
    public static func pythonRepr(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        if x == 0 { return x.sign == .minus ? "-0.0" : "0.0" }
        guard let (d, n) = shortestDigits(x) else { return "0.0" }
        let sign = x < 0 ? "-" : ""
        let k = d.count, e = n - 1
        let ds = String(decoding: d, as: UTF8.self)
        if e >= -4 && e < 16 {
            if n <= 0 { return sign + "0." + String(repeating: "0", count: -n) + ds }
            if n >= k { return sign + ds + String(repeating: "0", count: n - k) + ".0" }
            return sign + String(decoding: d[0..<n], as: UTF8.self) + "." + String(decoding: d[n...], as: UTF8.self)
        }
        let mant = k == 1 ? ds : String(decoding: d[0..<1], as: UTF8.self) + "." + String(decoding: d[1...], as: UTF8.self)
        let ae = abs(e)
        return sign + mant + "e" + (e < 0 ? "-" : "+") + (ae < 10 ? "0\(ae)" : "\(ae)")
    }
}
