/// Human and JSON renderings of a `Report`. Pure functions; the CLI only prints the result.
public enum ReportRenderer {
    public static func json(_ r: Report) -> String {
        r.json.serialized(JSONWriteOptions(pretty: true)) + "\n"
    }

    /// Plain text for a terminal. `color` adds ANSI colors to statuses.
    public static func human(_ r: Report, color: Bool = false) -> String {
        var out = ""
        for b in r.banners { out += "*** \(b) ***\n" }
        let v = r.verdict.rawValue.uppercased()
        out += "devproof \(r.command): \(paint(v, r.verdict == .pass ? .pass : r.verdict == .fail ? .fail : .skip, color))\n"
        let width = min(max(r.checks.map(\.id.count).max() ?? 0, 10), 34)
        for c in r.checks {
            let tag = paint(c.status.rawValue.uppercased().padding(4), c.status, color)
            out += "  [\(tag)] \(c.id.padding(width))  \(c.summary)\n"
        }
        if !r.facts.isEmpty {
            out += "facts:\n"
            for f in r.facts {
                out += "  \(f.key): \(plain(f.value))\n"
            }
        }
        return out
    }

    /// A fact or detail value as one line of text (strings unquoted, everything else as compact JSON).
    static func plain(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null: return "-"
        default: return v.serialized()
        }
    }

    private static func paint(_ s: String, _ st: CheckStatus, _ on: Bool) -> String {
        guard on else { return s }
        let code: String
        switch st {
        case .pass: code = "32"
        case .fail: code = "31"
        case .warn: code = "33"
        case .skip: code = "35"
        case .info: code = "36"
        }
        return "\u{1B}[\(code)m\(s)\u{1B}[0m"
    }
}

extension String {
    fileprivate func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
