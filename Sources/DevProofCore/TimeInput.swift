import Foundation

/// `--now <unix|RFC3339>` and friends: every time-dependent check takes time as an input.
public enum TimeInput {
    /// Parses unix seconds ("1752919234") or RFC 3339 ("2025-07-19T10:00:34Z", offsets and
    /// fractional seconds accepted). Returns unix seconds.
    public static func parse(_ text: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let v = Int64(t) { return v }
        if let d = parseRFC3339(t) { return d }
        throw DevProofError.usage("cannot read time '\(text)': expected unix seconds or RFC 3339 (e.g. 2025-07-19T10:00:34Z)")
    }

    public static func parseRFC3339(_ s: String) -> Int64? {
        // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
        let c = Array(s.utf8)
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= c.count else { return nil }
            var v = 0
            for k in a..<(a + n) { guard c[k] >= 0x30, c[k] <= 0x39 else { return nil }; v = v * 10 + Int(c[k] - 0x30) }
            return v
        }
        guard c.count >= 20, let y = num(0, 4), c[4] == 0x2d, let mo = num(5, 2), c[7] == 0x2d, let d = num(8, 2),
              c[10] == 0x54 || c[10] == 0x74 || c[10] == 0x20, let h = num(11, 2), c[13] == 0x3a, let mi = num(14, 2),
              c[16] == 0x3a, let se = num(17, 2) else { return nil }
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, se < 61 else { return nil }
        var i = 19
        if i < c.count, c[i] == 0x2e { i += 1; while i < c.count, c[i] >= 0x30, c[i] <= 0x39 { i += 1 } }
        guard i < c.count else { return nil }
        var offset = 0
        if c[i] == 0x5a || c[i] == 0x7a { i += 1 } else if c[i] == 0x2b || c[i] == 0x2d {
            guard let oh = num(i + 1, 2), c[i + 3] == 0x3a, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (c[i] == 0x2b ? 1 : -1)
            i += 6
        } else { return nil }
        guard i == c.count else { return nil }
        return daysFromCivil(y, mo, d) * 86400 + Int64(h * 3600 + mi * 60 + se) - Int64(offset)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146097 + doe - 719468)
    }

    /// RFC 3339 UTC rendering of unix seconds ("2025-07-19T10:00:34Z").
    public static func format(_ t: Int64) -> String {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func p2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(p2(m))-\(p2(d))T\(p2(secs / 3600)):\(p2(secs / 60 % 60)):\(p2(secs % 60))Z"
    }

    public static func currentUnixTime() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
