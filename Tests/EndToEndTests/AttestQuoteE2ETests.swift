import DevProofCore
import Foundation
import TestSupport
import Testing

/// `devproof attest --quote` end to end: exit codes and JSON, on real Intel evidence (corpus) and the
/// project's fixtures.
@Suite("e2e: attest --quote (corpus)")
struct AttestQuoteE2ETests {
    static func corpus(_ f: String) -> String? {
        guard let p = TestPaths.corpusFile("dcap/" + f) else {
            if TestPaths.corpusRequired { Issue.record("corpus required but missing") } else { print("SKIP: corpus absent") }
            return nil
        }
        return p
    }

    static func json(_ r: ProcessResult) throws -> JSONValue { try JSONParser.parse(r.stdout) }

    @Test func realTDXQuotePasses() throws {
        guard let q = Self.corpus("tdx_quote"), let c = Self.corpus("tdx_quote_collateral.json") else { return }
        let r = try Run.devproof(["attest", "--quote", q, "--collateral", c, "--now", "1752919234", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try Self.json(r)
        #expect(j["verdict"] == .string("pass"))
        #expect(j["command"] == .string("attest"))
        #expect(j["facts"]?["tcb_status"] == .string("UpToDate"))
        #expect(j["facts"]?["fmspc"] == .string("B0C06F000000"))
        #expect(j["facts"]?["mr_td"] == .string("91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"))
        let ids = j["checks"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        for id in ["quote.structure", "collateral.signatures", "collateral.validity", "quote.pck_chain", "quote.signature",
                   "qe.identity", "tcb.status", "td.attributes"] { #expect(ids.contains(id), "\(id)") }
    }

    @Test func hexQuoteAndSGX() throws {
        guard let q = Self.corpus("sgx_quote"), let c = Self.corpus("sgx_quote_collateral.json") else { return }
        let hex = TestPaths.tempDir().appendingPathComponent("sgx.hex").path
        try InputFile.write(hex, Array(("0x" + (try InputFile.read(q)).hex + "\n").utf8))
        let r = try Run.devproof(["attest", "--quote", hex, "--collateral", c, "--now", "1752919277", "--json"])
        #expect(r.status == 1)  // ConfigurationAndSWHardeningNeeded is not allowed by default
        let j = try Self.json(r)
        #expect(j["facts"]?["tcb_status"] == .string("ConfigurationAndSWHardeningNeeded"))
        #expect(j["facts"]?["advisory_ids"] == .strings(["INTEL-SA-00289", "INTEL-SA-00615"]))
        let ok = try Run.devproof(["attest", "--quote", hex, "--collateral", c, "--now", "1752919277",
                                   "--allow-tcb-status", "ConfigurationAndSWHardeningNeeded",
                                   "--allow-advisory", "INTEL-SA-00289", "--allow-advisory", "INTEL-SA-00615"])
        #expect(ok.status == 0, "\(ok.stdout)")
    }

    @Test func expiredAndOutdatedFail() throws {
        guard let q = Self.corpus("tdx_quote"), let c = Self.corpus("tdx_quote_collateral.json"),
              let oq = Self.corpus("tdx_quote_outdated"), let oc = Self.corpus("tdx_quote_outdated_collateral.json") else { return }
        let exp = try Run.devproof(["attest", "--quote", q, "--collateral", c, "--now", "1752919235", "--json"])
        // Collateral expired at --now: inconclusive (exit 3), with the remedy; never "the quote is bad" (exit 1).
        #expect(exp.status == 3)
        let j = try Self.json(exp)
        let validity = j["checks"]?.arrayValue?.first { $0["id"] == .string("collateral.validity") }
        #expect(validity?["status"] == .string("skip"))
        #expect(validity?["summary"]?.stringValue?.contains("--now") == true)
        let out = try Run.devproof(["attest", "--quote", oq, "--collateral", oc, "--now", "2026-03-01T00:00:00Z", "--json"])
        #expect(out.status == 1)
        let tcb = try Self.json(out)["checks"]?.arrayValue?.first { $0["id"] == .string("tcb.status") }
        #expect(tcb?["summary"]?.stringValue?.contains("No matching TCB level found") == true)
    }

    @Test func noCollateralIsInconclusive() throws {
        guard let q = Self.corpus("tdx_quote") else { return }
        // --offline: no PCCS fetch, so no collateral at all.
        let r = try Run.devproof(["attest", "--quote", q, "--offline", "--json"])
        #expect(r.status == 3)
        #expect(try Self.json(r)["verdict"] == .string("inconclusive"))
    }

    @Test func malformedInputsExit2() throws {
        guard let q = Self.corpus("tdx_quote"), let c = Self.corpus("tdx_quote_collateral.json") else { return }
        let dir = TestPaths.tempDir()
        let badJSON = dir.appendingPathComponent("c.json").path
        try InputFile.write(badJSON, Array("{\"tcb_info\": ".utf8))
        var r = try Run.devproof(["attest", "--quote", q, "--collateral", badJSON])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        let garbage = dir.appendingPathComponent("q.bin").path
        try InputFile.write(garbage, Array((try InputFile.read(q)).prefix(700)))
        r = try Run.devproof(["attest", "--quote", garbage, "--collateral", c])
        #expect(r.status == 2)
        #expect(r.stderr.contains("malformed quote"))
        r = try Run.devproof(["attest", "--quote", q, "--collateral", c, "--root-ca", dir.appendingPathComponent("none.der").path])
        #expect(r.status == 2)
    }

    @Test func fixturesWithTestRoot() throws {
        let fx = { (p: String) in TestPaths.fixture("dcap/" + p) }
        let base = ["attest", "--collateral", fx("collateral-tdx.json"), "--root-ca", fx("pki/root-ca.pem"), "--now", "2026-01-15T00:00:00Z"]
        #expect(try Run.devproof(base + ["--quote", fx("tdx-v4-valid.quote")]).status == 0)
        #expect(try Run.devproof(base + ["--quote", fx("tdx-v4-debug.quote")]).status == 1)
        #expect(try Run.devproof(base + ["--quote", fx("tdx-v4-debug.quote"), "--allow-debug"]).status == 0)
        #expect(try Run.devproof(base + ["--quote", fx("tdx-v4-pceid-mismatch.quote")]).status == 0)
        #expect(try Run.devproof(base + ["--quote", fx("tdx-v4-pceid-mismatch.quote"), "--intel-rules"]).status == 1)
        // The test PKI is not Intel's: against the pinned root it fails.
        let intel = ["attest", "--collateral", fx("collateral-tdx.json"), "--now", "2026-01-15T00:00:00Z", "--quote", fx("tdx-v4-valid.quote")]
        #expect(try Run.devproof(intel).status == 1)
    }
}
