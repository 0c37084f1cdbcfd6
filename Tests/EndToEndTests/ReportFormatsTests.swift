import DevProofCore
import Foundation
import Testing
import TestSupport

/// `--format`/`--output` on real commands, each format read by a real consumer: JSON by `jsonschema` against
/// docs/report.schema.json, SARIF by `jsonschema` against the official SARIF 2.1.0 schema, JUnit by
/// `junitparser`, HTML by headless Chromium. Every format must show the JSON's verdict and check count.
@Suite("e2e: report formats")
struct ReportFormatsTests {
    static let F = TestPaths.fixtures.path
    static let dcap = ["--collateral", "\(F)/dcap/collateral-tdx.json", "--root-ca", "\(F)/dcap/pki/root-ca.der", "--now", "1768435200"]
    static let keysArgs = ["--purpose", "signing", "--app-id", "8fec3a110c6df38d348bcadaef23a486a6d393b0",
                           "--kms-root", "0x96383d6302783721Dc2bFC4C31d6Cb8feBF1B138"]

    /// Real commands on the generated fixtures, one per verdict and per subcommand that needs no chain.
    static let cases: [(name: String, args: [String], exit: Int32)] = [
        ("attest-pass", ["attest", "--quote", "\(F)/dcap/tdx-v4-valid.quote"] + dcap, 0),
        ("attest-fail-revoked", ["attest", "--quote", "\(F)/dcap/tdx-v4-revoked-pck.quote"] + dcap, 1),
        ("attest-inconclusive-no-collateral", ["attest", "--quote", "\(F)/dcap/tdx-v4-valid.quote", "--offline", "--now", "1768435200"], 3),
        ("attest-dstack-v2", ["attest", "--evidence", "\(F)/dstack/v2/info.json", "--os-ref", "\(F)/dstack/v2/os-ref.json"] + dcap, 0),
        ("attest-dstack-rtmr3-mismatch", ["attest", "--evidence", "\(F)/dstack/negative/getquote-rtmr3-mismatch.json",
                                          "--os-ref", "\(F)/dstack/v1/os-ref.json"] + dcap, 1),
        ("keys-pass", ["keys", "--response", "\(F)/dstack/keys/getkey.json"] + keysArgs, 0),
        ("keys-fail-rogue", ["keys", "--response", "\(F)/dstack/keys/getkey-rogue-kms.json"] + keysArgs, 1),
    ]

    static func consumer(_ args: [String]) throws -> [JSONValue] {
        let r = try Run.python([TestPaths.root.appendingPathComponent("scripts/report_consumers.py").path] + args)
        guard r.status == 0 else { throw TestSupportError("report_consumers \(args.first ?? ""): exit \(r.status): \(r.stderr)") }
        return try r.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// Runs every case with --json; returns (case, exit, JSON file).
    static func jsonReports(_ dir: URL) throws -> [(String, Int32, String)] {
        try cases.map { c in
            let path = dir.appendingPathComponent("\(c.name).json").path
            let r = try Run.devproof(c.args + ["--json"])
            try r.stdout.write(toFile: path, atomically: true, encoding: .utf8)
            return (c.name, r.status, path)
        }
    }

    @Test func jsonReportsValidateAgainstTheSchema() throws {
        let dir = TestPaths.tempDir("formats-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try Self.jsonReports(dir)
        for ((name, status, _), c) in zip(reports, Self.cases) { #expect(status == c.exit, "\(name): exit \(status)") }
        let seen = try Self.consumer(["json", TestPaths.root.appendingPathComponent("docs/report.schema.json").path] + reports.map(\.2))
        #expect(seen.count == reports.count)
        for ((name, status, _), v) in zip(reports, seen) {
            let want = status == 0 ? "pass" : status == 1 ? "fail" : "inconclusive"
            #expect(v["verdict"]?.stringValue == want, "\(name)")
        }
    }

    /// The schema is not a rubber stamp: reports that break the model's rules are refused.
    @Test func schemaRefusesInconsistentReports() throws {
        let dir = TestPaths.tempDir("formats-schema-neg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Run.devproof(Self.cases[1].args + ["--json"])   // a fail report
        let good = r.stdout
        let mutations: [(String, String)] = [
            ("fail-claimed-pass", good.replacingOccurrences(of: "\"verdict\": \"fail\"", with: "\"verdict\": \"pass\"")),
            ("no-required", good.replacingOccurrences(of: "\"required\": true,", with: "")),
            ("bad-status", good.replacingOccurrences(of: "\"status\": \"fail\"", with: "\"status\": \"failed\"")),
            ("wrong-schema", good.replacingOccurrences(of: "devproof.report/v1", with: "devproof.report/v2")),
        ]
        for (name, text) in mutations {
            #expect(text != good, "\(name): mutation did not apply")
            let path = dir.appendingPathComponent("\(name).json").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let v = try Run.python([TestPaths.root.appendingPathComponent("scripts/report_consumers.py").path, "json",
                                    TestPaths.root.appendingPathComponent("docs/report.schema.json").path, path])
            #expect(v.status == 1, "\(name): the schema accepted it")
            #expect(v.stderr.contains("INVALID"), "\(name): \(v.stderr)")
        }
    }

    @Test func junitAndSarifAgreeWithJSON() throws {
        let dir = TestPaths.tempDir("formats-ci")
        defer { try? FileManager.default.removeItem(at: dir) }
        var junit = [String](), sarif = [String](), json = [JSONValue]()
        for c in Self.cases {
            let j = try Run.devproof(c.args + ["--json"])
            json.append(try JSONParser.parse(j.stdout))
            for (fmt, list) in [("junit", "junit"), ("sarif", "sarif")] {
                let path = dir.appendingPathComponent("\(c.name).\(fmt)").path
                let r = try Run.devproof(c.args + ["--format", fmt, "--output", path])
                #expect(r.status == j.status, "\(c.name) \(fmt): exit \(r.status) vs \(j.status)")
                #expect(r.stdout.isEmpty, "\(c.name) \(fmt): --output must keep stdout empty")
                if list == "junit" { junit.append(path) } else { sarif.append(path) }
            }
        }
        let ju = try Self.consumer(["junit"] + junit), sa = try Self.consumer(["sarif"] + sarif)
        for (i, c) in Self.cases.enumerated() {
            let checks = json[i]["checks"]?.arrayValue ?? []
            let verdict = json[i]["verdict"]?.stringValue
            #expect(ju[i]["verdict"]?.stringValue == verdict, "\(c.name): junit verdict")
            #expect(ju[i]["checks"]?.int64Value == Int64(checks.count), "\(c.name): junit testcases")
            #expect(sa[i]["verdict"]?.stringValue == verdict, "\(c.name): sarif verdict")
            #expect(sa[i]["checks"]?.int64Value == Int64(checks.count), "\(c.name): sarif check count")
            // Mapping: each check's outcome as the consumer sees it.
            let cases = ju[i]["cases"]?.arrayValue ?? []
            var wantResults = [[String]]()
            for (k, chk) in checks.enumerated() {
                let st = chk["status"]?.stringValue ?? "", req = chk["required"]?.boolValue ?? true, id = chk["id"]?.stringValue ?? ""
                let want = st == "fail" ? "failure" : st == "skip" ? (req ? "error" : "skipped") : "passed"
                #expect(cases[k].arrayValue?[0].stringValue == id, "\(c.name): junit order")
                #expect(cases[k].arrayValue?[1].stringValue == want, "\(c.name) \(id): junit \(cases[k]) for \(st)")
                switch (st, req) {
                case ("fail", _): wantResults.append([id, "fail", "error"])
                case ("warn", _): wantResults.append([id, "fail", "warning"])
                case ("skip", true): wantResults.append([id, "open", "none"])
                default: break
                }
            }
            let got = (sa[i]["results"]?.arrayValue ?? []).map { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
            #expect(got == wantResults, "\(c.name): sarif results")
            let rules = Set((sa[i]["rules"]?.arrayValue ?? []).compactMap(\.stringValue))
            #expect(rules == Set(checks.compactMap { $0["id"]?.stringValue }), "\(c.name): one rule per check ID")
        }
        // The fail and the inconclusive fixture runs must really exercise failure/error mapping.
        #expect(ju[1]["cases"]?.arrayValue?.contains { $0.arrayValue?[1].stringValue == "failure" } == true)
        #expect(ju[2]["cases"]?.arrayValue?.contains { $0.arrayValue?[1].stringValue == "error" } == true)
    }

    @Test func htmlRendersInChromiumWithoutRequestsAndAgreesWithJSON() throws {
        let dir = TestPaths.tempDir("formats-html")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Keep screenshots for a human look when DEVPROOF_KEEP_SCREENSHOTS is a directory.
        let keep = ProcessInfo.processInfo.environment["DEVPROOF_KEEP_SCREENSHOTS"]
        for c in [Self.cases[0], Self.cases[1], Self.cases[2], Self.cases[3], Self.cases[5]] {
            let j = try JSONParser.parse(try Run.devproof(c.args + ["--json"]).stdout)
            let page = dir.appendingPathComponent("\(c.name).html").path
            let r = try Run.devproof(c.args + ["--format", "html", "--output", page])
            #expect(r.status == c.exit, "\(c.name)")
            let shot = (keep ?? dir.path) + "/\(c.name).png"
            let b = try Run.python([TestPaths.root.appendingPathComponent("scripts/html_check.py").path, page, shot])
            try #require(b.status == 0, "chromium: \(b.stderr)")
            let v = try JSONParser.parse(b.stdout)
            let n = j["checks"]?.arrayValue?.count ?? -1
            #expect(v["page_connections"]?.arrayValue?.isEmpty == true, "\(c.name): the page made requests: \(b.stdout)")
            #expect(v["external_refs"]?.arrayValue?.isEmpty == true, "\(c.name): external references: \(b.stdout)")
            #expect(v["verdict"]?.stringValue == j["verdict"]?.stringValue, "\(c.name): DOM verdict")
            #expect(v["checks"]?.stringValue == String(n) && v["check_count"]?.stringValue == String(n), "\(c.name): DOM count")
            #expect(v["rows"]?.int64Value == Int64(n), "\(c.name): one row per check")
            #expect((v["screenshot_bytes"]?.int64Value ?? 0) > 20_000, "\(c.name): screenshot looks empty")
            #expect(v["nodes"]?.objectValue?.count == 7, "\(c.name): trust graph nodes")
        }
    }

    /// The request detector of the HTML test sees a page that does fetch (so its silence above means something).
    @Test func htmlCheckDetectsExternalRequests() throws {
        let dir = TestPaths.tempDir("formats-html-ctl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("fetching.html").path
        try "<!DOCTYPE html><html><body><p>control</p><img src=\"http://devproof-control.invalid/pixel.png\"></body></html>"
            .write(toFile: page, atomically: true, encoding: .utf8)
        let b = try Run.python([TestPaths.root.appendingPathComponent("scripts/html_check.py").path, page, dir.appendingPathComponent("c.png").path])
        try #require(b.status == 0, "chromium: \(b.stderr)")
        let v = try JSONParser.parse(b.stdout)
        #expect(v["page_connections"]?.arrayValue?.contains { $0["host"]?.stringValue == "devproof-control.invalid" } == true, "\(b.stdout)")
        #expect(v["external_refs"]?.arrayValue?.isEmpty == false)
    }

    @Test func formatUsageErrors() throws {
        let base = Self.cases[0].args
        let a = try Run.devproof(base + ["--json", "--format", "sarif"])
        #expect(a.status == 2)
        #expect(a.stderr.contains("--json") && a.stderr.contains("--format"), "\(a.stderr)")
        let b = try Run.devproof(base + ["--format", "yaml"])
        #expect(b.status == 2)
        let c = try Run.devproof(base + ["--output", "/nonexistent-dir/report.json"])
        #expect(c.status == 2)
        #expect(c.stderr.contains("--output"), "\(c.stderr)")
        // --json --format json is the same thing said twice: allowed.
        let d = try Run.devproof(base + ["--json", "--format", "json"])
        #expect(d.status == 0)
        #expect(try JSONParser.parse(d.stdout)["verdict"]?.stringValue == "pass")
        for x in [a, b, c] { #expect(!x.stderr.contains("Fatal error")) }
    }

    /// --output: the file holds the report, stdout stays empty, the exit code still tells the verdict
    /// (also for a failing run), and an unwritable destination is exit 2.
    @Test func outputFile() throws {
        let dir = TestPaths.tempDir("formats-output")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.txt").path
        let r = try Run.devproof(Self.cases[1].args + ["--output", path])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("devproof attest: FAIL"))
        #expect(!text.contains("\u{1B}["), "no ANSI colors in a file")
        let ro = dir.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: ro, withIntermediateDirectories: true)
        let w = try Run.devproof(Self.cases[0].args + ["--output", ro.path])   // a directory is not a file
        #expect(w.status == 2)
        #expect(w.stderr.contains("--output"), "\(w.stderr)")
    }
}
