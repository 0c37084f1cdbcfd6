import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof freshness` flag rules (exit 2, the flag named) and a compose-only run.
@Suite("e2e: freshness CLI")
struct FreshnessCLITests {
    @Test func usageErrorsExit2() throws {
        let none = try Run.devproof(["freshness"])
        #expect(none.status == 2 && none.stderr.contains("--response"))
        let noAge = try Run.devproof(["freshness", "--response", "/dev/null"])
        #expect(noAge.status == 2 && noAge.stderr.contains("--max-age"))
        let orphan = try Run.devproof(["freshness", "--app-compose", TestPaths.fixture("dstack/v1/app-compose.json"), "--kms-root", "0x" + String(repeating: "11", count: 20)])
        #expect(orphan.status == 2 && orphan.stderr.contains("--receipts"))
        let half = try Run.devproof(["freshness", "--receipts", "/dev/null", "--rpc", "http://127.0.0.1:9"])
        #expect(half.status == 2 && half.stderr.contains("--trusted-block"))
    }

    @Test func composeSignalsOnly() throws {
        let r = try Run.devproof(["freshness", "--app-compose", TestPaths.fixture("dstack/v1/app-compose.json"), "--json"])
        #expect(r.status == 0, "only info checks: nothing required was skipped")
        #expect(r.stdout.contains("freshness.secure_time"))
    }
}

/// Nonce challenge against a loopback endpoint that serves one canned quote (the project's TEST PKI fixture):
/// a fresh random nonce exposes the replay; the nonce the quote actually carries passes, with the quote
/// DCAP-verified; a forged or unreachable answer never passes.
@Suite("e2e: freshness --url nonce challenge")
struct FreshnessNonceE2E {
    static let quote = TestPaths.fixture("dcap/tdx-v4-valid.quote")
    static let dcap = ["--collateral", TestPaths.fixture("dcap/collateral-tdx.json"), "--root-ca", TestPaths.fixture("dcap/pki/root-ca.der"),
                       "--now", "1768435200"]
    /// The fixture quote's report_data starts with these 32 bytes.
    static let carried = "62a40bf22325cf93a8f800d4faa2dd984050e3c0197cb6cdf3100a949fd87fba"

    func run(_ args: [String]) throws -> (ProcessResult, JSONValue) {
        let r = try Run.devproof(["freshness", "--json"] + args)
        return (r, (try? JSONParser.parse(r.stdout)) ?? .null)
    }
    func status(_ j: JSONValue, _ id: String) -> String? { j["checks"]?.arrayValue?.first { $0["id"] == .string(id) }?["status"]?.stringValue }

    @Test func replayedQuoteFailsAFreshNonce() throws {
        let s = try LocalServer(script: "quote_server.py", args: [Self.quote])
        defer { s.stop() }
        let (r, j) = try run(["--url", s.baseURL + "/quote"] + Self.dcap)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(status(j, "freshness.nonce.bound") == "fail")
        #expect(status(j, "quote.signature") == "pass")  // a genuine quote, just not a fresh one
        #expect(j["facts"]?["nonce"]?.stringValue?.count == 64)
    }

    @Test func theCarriedNoncePassesOnlyWithDCAP() throws {
        let s = try LocalServer(script: "quote_server.py", args: [Self.quote])
        defer { s.stop() }
        let (r, j) = try run(["--url", s.baseURL + "/quote", "--nonce", Self.carried] + Self.dcap)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(status(j, "freshness.nonce.bound") == "pass")
        // Without DCAP (opt-out) the binding alone is never a pass: anyone can write report_data into a blob.
        let (o, oj) = try run(["--url", s.baseURL + "/quote", "--nonce", Self.carried, "--no-dcap", "--now", "1768435200"])
        #expect(o.status == 3)
        #expect(status(oj, "freshness.nonce.bound") == "pass" && status(oj, "quote.signature") == "skip")
    }

    @Test func unreachableOrNoQuoteIsInconclusiveWithAReport() throws {
        let (r, j) = try run(["--url", "http://127.0.0.1:9/quote"] + Self.dcap)
        #expect(r.status == 3)
        #expect(status(j, "freshness.nonce.bound") == "skip")
        let s = try LocalServer(script: "quote_server.py", args: [Self.quote])
        defer { s.stop() }
        let (m, mj) = try run(["--url", s.baseURL + "/missing"] + Self.dcap)
        #expect(m.status == 3 && status(mj, "freshness.nonce.bound") == "skip")
    }

    @Test func badNonceOrStrayFlagsAreUsageErrors() throws {
        #expect(try run(["--url", "http://127.0.0.1:9/quote", "--nonce", "xyz"]).0.status == 2)
        #expect(try run(["--url", "http://127.0.0.1:9/quote", "--nonce", String(repeating: "ab", count: 65)]).0.status == 2)
        #expect(try run(["--nonce", Self.carried, "--app-compose", TestPaths.fixture("dstack/v2/app-compose.json")]).0.status == 2)
        #expect(try run(["--collateral", TestPaths.fixture("dcap/collateral-tdx.json"), "--app-compose", TestPaths.fixture("dstack/v2/app-compose.json")]).0.status == 2)
        #expect(try run(["--url", "ftp://x/quote"]).0.status == 2)
    }
}
