import DevProofCore
import Foundation
import TestSupport
import Testing

/// `devproof attest` over several inputs in one process (repeatable --evidence/--quote or a directory).
@Suite("e2e: attest batch (corpus + fixtures)", .serialized)
struct AttestBatchTests {
    static let fixNow = "1768435200"
    static var fixFlags: [String] {
        ["--collateral", TestPaths.fixture("dcap/collateral-tdx.json"), "--root-ca", TestPaths.fixture("dcap/pki/root-ca.der"),
         "--now", fixNow, "--os-ref", TestPaths.fixture("dstack/v1/os-ref.json")]
    }

    static func corpus(_ f: String) -> String? {
        guard let p = TestPaths.corpusFile(f) else {
            if TestPaths.corpusRequired { Issue.record("corpus required but missing") } else { print("SKIP: corpus absent") }
            return nil
        }
        return p
    }

    static func items(_ j: JSONValue) -> [(String, String, Int)] {
        (j["items"]?.arrayValue ?? []).map { ($0["input"]?.stringValue ?? "", $0["status"]?.stringValue ?? "", Int($0["exit_code"]?.serialized() ?? "") ?? -1) }
    }

    /// Validates a printed document with the real JSON-schema consumer (report and batch schemas).
    static func validate(_ out: String) throws -> ProcessResult {
        let f = TestPaths.tempDir().appendingPathComponent("doc.json").path
        try InputFile.write(f, Array(out.utf8))
        return try Run.python([TestPaths.root.appendingPathComponent("scripts/report_consumers.py").path, "json",
                               TestPaths.root.appendingPathComponent("docs/report.schema.json").path, f])
    }

    /// Corpus quotes mixed with a forged and a garbage one, given as a directory: per-input verdicts, the worst exit
    /// code, each item's report equal to the single run's, collateral verified once per FMSPC, schema-valid.
    @Test func quoteDirectoryMixedVerdicts() throws {
        guard let tdx = Self.corpus("dcap/tdx_quote"), let sgx = Self.corpus("dcap/sgx_quote"),
              let coll = Self.corpus("dcap/tdx_quote_collateral.json") else { return }
        let dir = TestPaths.tempDir("batch-quotes")
        func put(_ n: String, _ b: [UInt8]) throws { try InputFile.write(dir.appendingPathComponent(n).path, b) }
        let q = try InputFile.read(tdx)
        try put("a.quote", q); try put("b.quote", q); try put("c-sgx.quote", try InputFile.read(sgx))
        var forged = q; forged[700] ^= 1  // a signed TD report byte
        try put("d-forged.quote", forged); try put("e-garbage.quote", Array("garbage\n".utf8))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let flags = ["--collateral", coll, "--now", "1752919234"]
        let r = try Run.devproof(["attest", "--quote", dir.path] + flags + ["--json"])
        #expect(r.status == 1, "\(r.stderr)")
        let j = try JSONParser.parse(r.stdout)
        #expect(j["schema"] == .string("devproof.batch/v1"))
        #expect(Self.items(j).map(\.1) == ["pass", "pass", "inconclusive", "fail", "error"])
        #expect(Self.items(j).map(\.2) == [0, 0, 3, 1, 2])
        #expect(Self.items(j).map { ($0.0 as NSString).lastPathComponent } == ["a.quote", "b.quote", "c-sgx.quote", "d-forged.quote", "e-garbage.quote"])
        #expect(j["verdict"] == .string("fail"))
        #expect(j["totals"]?["inputs"] == .int(5))
        // One collateral file read once; verified once for the TDX FMSPC and once more for the SGX quote's FMSPC.
        #expect(j["facts"]?["collateral_loads"] == .int(1))
        #expect(j["facts"]?["collateral_verifications"] == .int(2))
        let tcb = j["items"]?.arrayValue?[2]["report"]?["checks"]?.arrayValue?.first { $0["id"] == .string("tcb.status") }
        #expect(tcb?["summary"]?.stringValue?.contains("FMSPC") == true)
        #expect(j["items"]?.arrayValue?[4]["error"]?.stringValue?.contains("48-byte header") == true)
        // Each item is exactly what the single run prints for that input.
        for (n, item) in (j["items"]?.arrayValue ?? []).enumerated() where item["report"] != nil {
            let input = item["input"]!.stringValue!
            let single = try Run.devproof(["attest", "--quote", input] + flags + ["--json"])
            #expect(Int32(Self.items(j)[n].2) == single.status)
            #expect(try JSONParser.parse(single.stdout) == item["report"]!, "\(input)")
        }
        let v = try Self.validate(r.stdout)
        #expect(v.status == 0, "\(v.stderr)")
        // The schema is not vacuous: an item report with a bad verdict is refused.
        let broken = r.stdout.replacingOccurrences(of: "\"verdict\": \"inconclusive\"", with: "\"verdict\": \"bogus\"")
        #expect(broken != r.stdout)
        #expect(try Self.validate(broken).status != 0)
    }

    @Test func exitCodePrecedence() throws {
        guard let tdx = Self.corpus("dcap/tdx_quote"), let sgx = Self.corpus("dcap/sgx_quote"),
              let coll = Self.corpus("dcap/tdx_quote_collateral.json") else { return }
        let garbage = TestPaths.tempDir().appendingPathComponent("garbage.quote").path
        try InputFile.write(garbage, Array("x".utf8))
        let flags = ["--collateral", coll, "--now", "1752919234"]
        func status(_ qs: [String]) throws -> Int32 { try Run.devproof(["attest"] + qs.flatMap { ["--quote", $0] } + flags).status }
        #expect(try status([tdx, tdx]) == 0)
        #expect(try status([tdx, sgx]) == 3)
        #expect(try status([tdx, garbage]) == 2)
        #expect(try status([sgx, garbage, tdx]) == 2)  // an input error outranks inconclusive
    }

    /// KMS/guest-agent evidence (TEST PKI fixtures) with a failing one, a malformed one and a real KMS Info of another
    /// FMSPC: text summary (a line per input + totals), exit 1, the cache not reused across FMSPCs.
    @Test func evidenceBatchTextAndFMSPC() throws {
        guard let kms = Self.corpus("kms-info/prod5-pha.json") else { return }
        let bad = TestPaths.tempDir().appendingPathComponent("truncated.json").path
        try InputFile.write(bad, Array(try InputFile.read(TestPaths.fixture("dstack/v1/info.json")).prefix(300)))
        let inputs = [TestPaths.fixture("dstack/v1/info.json"), TestPaths.fixture("dstack/v1/getquote.json"),
                      TestPaths.fixture("dstack/negative/getquote-rtmr3-mismatch.json"), bad]
        let r = try Run.devproof(["attest"] + inputs.flatMap { ["--evidence", $0] } + Self.fixFlags)
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("devproof attest batch: FAIL (exit 1) — 4 inputs: 2 pass, 1 fail, 0 inconclusive, 1 input error"))
        #expect(lines.contains { $0.hasPrefix("  [PASS]") && $0.hasSuffix("dstack/v1/info.json") })
        #expect(lines.contains { $0.hasPrefix("  [FAIL]") && $0.hasSuffix("getquote-rtmr3-mismatch.json") })
        #expect(lines.contains { $0.hasPrefix("  [ERROR]") && $0.contains("truncated.json:") })
        #expect(lines.contains("== [1/4] \(inputs[0]) =="))
        #expect(lines.contains("  collateral_verifications: 1"))
        #expect(r.stdout.contains("[FAIL] eventlog.replay"))

        // Same batch + a real KMS Info (another platform, another FMSPC): its collateral entry is not the TEST one's.
        let j = try JSONParser.parse(try Run.devproof(["attest"] + (inputs.prefix(2) + [kms]).flatMap { ["--evidence", $0] } + Self.fixFlags + ["--json"]).stdout)
        #expect(j["facts"]?["collateral_verifications"] == .int(2))
        let fmspcs = Set((j["items"]?.arrayValue ?? []).compactMap { $0["report"]?["facts"]?["fmspc"]?.stringValue })
        #expect(fmspcs.count == 2)
    }

    /// Collateral fetched per FMSPC from a loopback PCS: one fetch per FMSPC however many inputs.
    @Test func fetchedOncePerFMSPC() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [TestPaths.fixture("dcap/collateral-tdx.json")])
        defer { server.stop() }
        let q = TestPaths.fixture("dcap/tdx-v4-valid.quote"), sgx = TestPaths.fixture("dcap/sgx-v3-valid.quote")
        let r = try Run.devproof(["attest", "--quote", q, "--quote", q, "--quote", TestPaths.fixture("dcap/tdx-v4-trailing-zeros.quote"),
                                  "--quote", sgx, "--root-ca", TestPaths.fixture("dcap/pki/root-ca.der"),
                                  "--pccs", server.baseURL, "--now", Self.fixNow, "--json"])
        let j = try JSONParser.parse(r.stdout)
        #expect(Self.items(j).map(\.1) == ["pass", "pass", "pass", "inconclusive"], "\(r.stderr)")
        #expect(j["facts"]?["collateral_loads"] == .int(2))           // one fetch per FMSPC target
        #expect(j["facts"]?["collateral_verifications"] == .int(1))   // the SGX FMSPC has no TCB info on this server
        let log = try OnlineCollateral.requests(server)
        #expect(log.filter { $0.contains("/tcb?") }.count == 2, "\(log)")
        #expect(log.filter { $0.contains("/tdx/certification/v4/tcb?") }.count == 1, "\(log)")
    }

    @Test func junitHasOneSuitePerInput() throws {
        let out = TestPaths.tempDir().appendingPathComponent("batch.xml").path
        let bad = TestPaths.tempDir().appendingPathComponent("x.json").path
        try InputFile.write(bad, Array("{".utf8))
        let r = try Run.devproof(["attest", "--evidence", TestPaths.fixture("dstack/v1/info.json"), "--evidence", bad,
                                  "--format", "junit", "--output", out] + Self.fixFlags)
        #expect(r.status == 2, "\(r.stderr)")
        let xml = String(decoding: try InputFile.read(out), as: UTF8.self)
        #expect(xml.components(separatedBy: "<testsuite ").count - 1 == 2)
        let c = try Run.python([TestPaths.root.appendingPathComponent("scripts/report_consumers.py").path, "junit", out])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("\"input\", \"error\""))
    }

    @Test func batchUsageErrors() throws {
        let a = TestPaths.fixture("dstack/v1/info.json"), b = TestPaths.fixture("dstack/v1/getquote.json")
        func two(_ extra: [String]) throws -> ProcessResult { try Run.devproof(["attest", "--evidence", a, "--evidence", b] + Self.fixFlags + extra) }
        for (extra, needle) in [(["--format", "sarif"], "--format sarif"), (["--format", "html"], "--format html"),
                                (["--bind", "raw:00"], "--bind"), (["--save-collateral", "/tmp/x.json"], "--save-collateral"),
                                (["--app-compose", a], "--app-compose"), (["--quote", TestPaths.fixture("dcap/tdx-v4-valid.quote")], "--quote")] {
            let r = try two(extra)
            #expect(r.status == 2, "\(extra)")
            #expect(r.stderr.contains(needle) && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let empty = TestPaths.tempDir("empty-batch")
        let e = try Run.devproof(["attest", "--evidence", empty.path] + Self.fixFlags)
        #expect(e.status == 2 && e.stderr.contains("holds no regular file"))
        // A bad --collateral is one error for the whole batch, not one per input.
        let badColl = TestPaths.tempDir().appendingPathComponent("c.json").path
        try InputFile.write(badColl, Array("{}".utf8))
        let c = try Run.devproof(["attest", "--evidence", a, "--evidence", b, "--collateral", badColl, "--now", Self.fixNow])
        #expect(c.status == 2 && c.stdout.isEmpty && c.stderr.contains("c.json"))
    }

    /// One --evidence FILE keeps printing a plain devproof.report/v1 (not a batch).
    @Test func singleInputUnchanged() throws {
        let r = try Run.devproof(["attest", "--evidence", TestPaths.fixture("dstack/v1/info.json"), "--json"] + Self.fixFlags)
        #expect(r.status == 0)
        #expect(try JSONParser.parse(r.stdout)["schema"] == .string("devproof.report/v1"))
        #expect(!r.stdout.contains("devproof.batch"))
    }
}
