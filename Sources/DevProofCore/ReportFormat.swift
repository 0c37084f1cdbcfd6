/// The output formats of every subcommand (`--format`). One report model, several views: each renderer is a
/// pure function of the `Report` (and the check catalog for metadata), and each shows the same verdict and
/// the same number of checks as the JSON document, which is the source of truth (docs/formats.md).
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, junit, sarif, html

    /// Renders `r`. `color` only affects `text` (ANSI colors on a terminal).
    public func render(_ r: Report, color: Bool = false) -> String {
        switch self {
        case .text: return ReportRenderer.human(r, color: color)
        case .json: return ReportRenderer.json(r)
        case .junit: return ReportRenderer.junit(r)
        case .sarif: return ReportRenderer.sarif(r)
        case .html: return ReportRenderer.html(r)
        }
    }
}

/// Escaping shared by the XML-based renderers (JUnit, HTML).
enum Markup {
    /// Escapes text for XML/HTML content and attribute values. Characters XML 1.0 cannot carry at all
    /// (controls other than tab/LF/CR, lone surrogates cannot occur in a Swift String) become U+FFFD, so a
    /// hostile summary can never make the document unparseable.
    /// `attribute: false` (element content) leaves quotes as they are, for readable `<system-out>`/`<pre>`.
    static func escape(_ s: String, attribute: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
