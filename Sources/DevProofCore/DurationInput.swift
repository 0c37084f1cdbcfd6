import Foundation

/// Durations on the command line (`--min-notice 7d`): plain seconds ("3600") or a sequence of
/// number+unit terms ("7d", "36h", "1d12h", "90m", "2w", "30s"). Units: s, m, h, d, w.
public enum DurationInput {
    public static func parse(_ text: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        func bad() -> DevProofError {
            .usage("cannot read duration '\(text)': expected seconds or e.g. 7d, 36h, 1d12h, 90m (units s m h d w)")
        }
        guard !t.isEmpty else { throw bad() }
        if let v = Int64(t) { guard v >= 0 else { throw bad() }; return v }
        var total: Int64 = 0
        var digits = ""
        for c in t {
            if c.isASCII, c.isNumber { digits.append(c); continue }
            let unit: Int64
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            case "w": unit = 604_800
            default: throw bad()
            }
            guard let n = Int64(digits) else { throw bad() }
            let (p, o1) = n.multipliedReportingOverflow(by: unit)
            let (s, o2) = total.addingReportingOverflow(p)
            guard !o1, !o2 else { throw bad() }
            total = s
            digits = ""
        }
        guard digits.isEmpty else { throw bad() }
        return total
    }

    /// Short human form: "7d", "1d 12h", "2m 5s", "0s".
    public static func format(_ seconds: Int64) -> String {
        if seconds < 0 { return "-" + format(-seconds) }
        if seconds == 0 { return "0s" }
        var rest = seconds
        var parts = [String]()
        for (unit, name) in [(Int64(86400), "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            parts.append("\(rest / unit)\(name)")
            rest %= unit
            if parts.count == 2 { break }
        }
        return parts.joined(separator: " ")
    }
}
