import Foundation
import Testing
import DevProofCore
import TestSupport

/// The check catalog is the one place that says which IDs exist and which skips are required; docs/checks.md
/// and the code that emits checks must agree with it.
@Suite("core: check catalog")
struct CheckCatalogTests {
    /// Rows of docs/checks.md: `| `id` | yes|no | …`, grouped by the preceding `<!-- section: X -->` marker.
    static func docRows() throws -> [(section: String, id: String, required: Bool)] {
        let text = try String(contentsOf: TestPaths.root.appendingPathComponent("docs/checks.md"), encoding: .utf8)
        var section = ""
        var rows: [(String, String, Bool)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("<!-- section: ") {
                section = String(line.dropFirst("<!-- section: ".count).prefix { $0 != " " })
                continue
            }
            guard line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 3 else { continue }
            let id = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            rows.append((section, id, cells[2] == "yes"))
        }
        return rows
    }

    @Test("docs/checks.md lists every catalog ID once, in its section, with the catalog's required flag")
    func docsMatchCatalog() throws {
        let rows = try Self.docRows()
        var seen = Set<String>()
        for r in rows {
            #expect(seen.insert(r.id).inserted, "\(r.id) is listed twice in docs/checks.md")
            guard let spec = CheckCatalog.spec(r.id) else {
                Issue.record("docs/checks.md lists \(r.id), which is not in the catalog"); continue
            }
            #expect(spec.section == r.section, "\(r.id): docs section \(r.section), catalog \(spec.section)")
            #expect(spec.required == r.required, "\(r.id): docs req \(r.required), catalog \(spec.required)")
        }
        for s in CheckCatalog.all where !seen.contains(s.id) {
            Issue.record("catalog ID \(s.id) has no row in docs/checks.md")
        }
    }

    @Test("every check ID emitted in Sources is in the catalog")
    func emittedIDsAreCatalogued() throws {
        let pattern = try NSRegularExpression(pattern: #"\.(pass|fail|skip|warn|info|notApplicable)\("([a-z][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)+)""#)
        let sources = TestPaths.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var found = 0
        for f in files {
            let text = try String(contentsOf: f, encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let id = String(text[Range(m.range(at: 2), in: text)!])
                found += 1
                #expect(CheckCatalog.spec(id) != nil, "\(f.lastPathComponent) emits \(id), which is not in the catalog")
            }
        }
        #expect(found > 50, "the scan found only \(found) check sites: the pattern is stale")
    }

    @Test("required comes from the catalog: a skip of a required ID is inconclusive, of an optional one is not")
    func requiredFromCatalog() {
        var r = Report(command: "attest", checks: [.pass("quote.structure", "ok"), .skip("quote.signature", "opted out")])
        #expect(r.checks[1].required)
        #expect(r.verdict == .inconclusive)
        r.checks[1] = .skip("quote.trailing_bytes", "nothing after the quote")
        #expect(r.verdict == .pass)
        r.checks[1] = .notApplicable("compose.hash", "no app-compose")
        #expect(r.checks[1].status == .info && r.checks[1].summary.hasPrefix("not applicable"))
        #expect(r.verdict == .pass)
        // An ID nobody catalogued is required: it can never turn a skip into a pass.
        r.checks[1] = .skip("made.up_id", "x")
        #expect(r.verdict == .inconclusive)
    }

    @Test("--json carries required per check")
    func jsonCarriesRequired() throws {
        let r = Report(command: "attest", checks: [.skip("quote.signature", "opted out"), .info("app.identity", "x")])
        let j = ReportRenderer.json(r)
        #expect(j.contains(#""required": true"#) && j.contains(#""required": false"#))
    }
}
