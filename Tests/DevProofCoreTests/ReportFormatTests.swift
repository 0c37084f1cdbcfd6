import DevProofCore
import Foundation
import Testing
import TestSupport

/// The renderers on synthetic reports: escaping of hostile strings, the trust-graph mapping, the timeline,
/// and each format read back by its real consumer (scripts/report_consumers.py, scripts/html_check.py).
@Suite("report formats (renderers)")
struct ReportFormatTests {
    /// A report touching every graph node, every status, a hostile summary and a chain timeline.
    static func sample(hostile: String = "<script>alert(1)</script> & \"quotes\" ]]> \u{1}\u{7F} <img src=http://evil.test/x>") -> Report {
        var r = Report(command: "attest")
        r.add(.pass("quote.structure", "TDX v4 quote"))
        r.add(.pass("collateral.signatures", "collateral verifies", .obj([("tcb_info_issuer", .string("TEST PCK CA"))])))
        r.add(.pass("quote.pck_chain", "PCK chain ok"))
        r.add(.fail("os.measurement", hostile, .obj([("mrtd", .string("aa" + hostile))])))
        r.add(.warn("evidence.claims", "claims differ"))
        r.add(.skip("keys.kms_root", "no --kms-root"))
        r.add(.info("app.identity", "app id 0x8fec"))
        r.add(.skip("appauth.notice_period", "no --rpc"))
        r.add(.pass("chain.history", "2 events"))
        r.add(.skip("quote.trailing_bytes", "optional"))
        r.setFact("app_id", .string("8fec3a110c6df38d348bcadaef23a486a6d393b0"))
        r.setFact("note", .string(hostile))
        r.setFact("timeline", .array([
            .obj([("block", .int(12)), ("time", .int(1768435200)), ("tx", .string("0x" + String(repeating: "ab", count: 32))),
                  ("log_index", .int(0)), ("event", .string("Upgraded")), ("args", .obj([("implementation", .string("0x1111111111111111111111111111111111111111"))]))]),
            .obj([("block", .int(40)), ("time", .null), ("tx", .string("0x" + String(repeating: "cd", count: 32))),
                  ("log_index", .int(3)), ("event", .string("ComposeHashAdded")), ("args", .obj([("composeHash", .string("0x" + String(repeating: "77", count: 32)))]))]),
        ]))
        r.banners = ["SIMULATOR MODE: test banner"]
        return r
    }

    @Test func trustGraphMapsByLongestPrefix() {
        #expect(TrustGraph.nodeKey(for: "quote.pck_chain") == "intel")
        #expect(TrustGraph.nodeKey(for: "quote.signature") == "quote")
        #expect(TrustGraph.nodeKey(for: "collateral.validity") == "intel")
        #expect(TrustGraph.nodeKey(for: "eventlog.replay") == "os")
        #expect(TrustGraph.nodeKey(for: "compose.hash") == "app")
        #expect(TrustGraph.nodeKey(for: "keys.kms_root") == "kms")
        #expect(TrustGraph.nodeKey(for: "chain.kms_root") == "kms")
        #expect(TrustGraph.nodeKey(for: "chain.history") == "appauth")
        #expect(TrustGraph.nodeKey(for: "appauth.owner") == "owner")
        #expect(TrustGraph.nodeKey(for: "appauth.kind") == "appauth")
        #expect(TrustGraph.nodeKey(for: "quote") == nil)
        #expect(TrustGraph.nodeKey(for: "quote.pck_chainx") == "quote")   // not a prefix of a dotted segment
        #expect(TrustGraph.nodeKey(for: "zzz.unknown") == nil)
        // Every catalogued ID lands on a node.
        for s in CheckCatalog.all where !TrustGraph.summarySections.contains(s.section) {
            #expect(TrustGraph.nodeKey(for: s.id) != nil, "\(s.id) is outside the trust graph")
        }
        #expect(TrustGraph.nodeKey(for: "stage.S1.1") == nil)
        let g = TrustGraph(Self.sample())
        let states = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.key, $0.state) })
        #expect(states == ["intel": "pass", "quote": "pass", "os": "fail", "app": "warn", "kms": "inconclusive",
                           "appauth": "pass", "owner": "inconclusive"])
        var empty = Report(command: "keys"); empty.add(.info("zzz.x", "unknown"))
        let e = TrustGraph(empty)
        #expect(e.nodes.allSatisfy { $0.state == "none" })
        #expect(e.unmapped.map(\.id) == ["zzz.x"])
    }

    @Test func htmlEscapesEverythingAndHasNoExternalReference() {
        let h = ReportRenderer.html(Self.sample())
        #expect(!h.contains("<script"))
        #expect(!h.contains("<img"))
        #expect(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!h.contains("\u{1}") && !h.contains("\u{7F}"))
        #expect(h.contains("default-src 'none'"))
        // The page's own markup (a sample without hostile text) names no remote resource at all.
        let plain = ReportRenderer.html(Self.sample(hostile: "plain"))
        #expect(plain.range(of: #"(src|href)\s*=\s*["']?\s*(https?:)?//"#, options: [.regularExpression, .caseInsensitive]) == nil)
        #expect(plain.range(of: #"url\(\s*['"]?\s*(https?:)?//"#, options: [.regularExpression, .caseInsensitive]) == nil)
        #expect(!plain.contains("http://") && !plain.contains("https://"))
        #expect(h.contains("data-verdict=\"fail\" data-checks=\"10\""))
        #expect(h.contains("Upgrade timeline (2 events)"))
        #expect(h.contains("ComposeHashAdded") && h.contains("2026-01-15T00:00:00Z"))
        // No timeline section without the fact.
        var r = Self.sample(); r.facts.removeAll { $0.key == "timeline" }
        #expect(!ReportRenderer.html(r).contains("id=\"timeline\""))
    }

    @Test func junitAndSarifReadByRealConsumers() throws {
        let dir = TestPaths.tempDir("render-ci")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = Self.sample()
        let j = dir.appendingPathComponent("r.xml").path, s = dir.appendingPathComponent("r.sarif").path
        try ReportFormat.junit.render(r).write(toFile: j, atomically: true, encoding: .utf8)
        try ReportFormat.sarif.render(r).write(toFile: s, atomically: true, encoding: .utf8)
        let script = TestPaths.root.appendingPathComponent("scripts/report_consumers.py").path
        let ju = try Run.python([script, "junit", j]), sa = try Run.python([script, "sarif", s])
        try #require(ju.status == 0, "\(ju.stderr)")
        try #require(sa.status == 0, "\(sa.stderr)")
        let jv = try JSONParser.parse(ju.stdout), sv = try JSONParser.parse(sa.stdout)
        #expect(jv["verdict"]?.stringValue == "fail" && jv["checks"]?.int64Value == 10)
        let kinds = (jv["cases"]?.arrayValue ?? []).map { $0.arrayValue?[1].stringValue ?? "" }
        #expect(kinds == ["passed", "passed", "passed", "failure", "passed", "error", "passed", "error", "passed", "skipped"])
        // The hostile summary survives as text.
        #expect(jv["properties"]?["fact.note"]?.stringValue?.hasPrefix("<script>alert(1)</script> & \"quotes\" ]]>") == true)
        #expect(sv["verdict"]?.stringValue == "fail" && sv["checks"]?.int64Value == 10)
        let results = (sv["results"]?.arrayValue ?? []).map { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
        #expect(results == [["os.measurement", "fail", "error"], ["evidence.claims", "fail", "warning"],
                            ["keys.kms_root", "open", "none"], ["appauth.notice_period", "open", "none"]])
    }

    /// The sample page in headless Chromium (screenshot kept in DEVPROOF_KEEP_SCREENSHOTS when set).
    @Test func htmlSampleInChromium() throws {
        let dir = TestPaths.tempDir("render-html")
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("sample.html").path
        try ReportFormat.html.render(Self.sample()).write(toFile: page, atomically: true, encoding: .utf8)
        let shot = (ProcessInfo.processInfo.environment["DEVPROOF_KEEP_SCREENSHOTS"] ?? dir.path) + "/sample.png"
        let b = try Run.python([TestPaths.root.appendingPathComponent("scripts/html_check.py").path, page, shot])
        try #require(b.status == 0, "chromium: \(b.stderr)")
        let v = try JSONParser.parse(b.stdout)
        #expect(v["page_connections"]?.arrayValue?.isEmpty == true, "\(b.stdout)")
        #expect(v["verdict"]?.stringValue == "fail" && v["rows"]?.int64Value == 10)
        #expect(v["nodes"]?["os"]?.stringValue == "fail" && v["nodes"]?["kms"]?.stringValue == "inconclusive")
    }
}
