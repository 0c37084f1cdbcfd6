@testable import DevProofChecks
import DevProofCore
import Foundation
@testable import TDX
import TestSupport
import Testing

/// `attest --quote` checks on the project's generated fixtures (test PKI; scripts/gen_fixtures.py).
/// Every check has a case where it passes and one where it fails for the right reason.
@Suite("attest --quote checks (fixtures)")
struct AttestQuoteTests {
    static let now: Int64 = 1768435200  // fixtures' now (2026-01-15)
    static func fx(_ p: String) -> String { TestPaths.fixture("dcap/" + p) }

    static func options(_ collateral: String? = "collateral-tdx.json", now: Int64 = now) -> AttestOptions {
        var o = AttestOptions(now: now)
        o.collateralPath = collateral.map { fx($0) }
        o.rootCAPath = fx("pki/root-ca.der")
        return o
    }
    static func quote(_ name: String) throws -> Quote { try Quote.load(fileBytes: InputFile.read(fx(name))) }

    static func run(_ q: Quote, _ o: AttestOptions) throws -> Report {
        let (checks, facts) = try AttestQuote.dcapChecks(quote: q, options: o)
        return Report(command: "attest", checks: checks, facts: facts)
    }
    static func status(_ r: Report, _ id: String) -> CheckStatus? { r.check(id)?.status }

    @Test func validQuotePassesEveryCheck() throws {
        let r = try Self.run(try Self.quote("tdx-v4-valid.quote"), Self.options())
        #expect(r.verdict == .pass)
        for id in ["quote.structure", "collateral.signatures", "collateral.validity", "quote.pck_chain", "quote.signature",
                   "qe.identity", "tcb.status", "td.attributes"] {
            #expect(Self.status(r, id) == .pass, "\(id): \(r.check(id)?.summary ?? "missing")")
        }
        #expect(r.fact("tcb_status") == .string("UpToDate"))
        #expect(r.fact("fmspc") == .string("DE7E57000001"))
        #expect(r.fact("mr_td")?.stringValue?.count == 96)
        #expect(r.fact("rtmr3")?.stringValue?.count == 96)
        #expect(r.fact("report_data")?.stringValue?.count == 128)
        #expect(r.fact("advisory_ids") == .array([]))
        let sgx = try Self.run(try Self.quote("sgx-v3-valid.quote"), Self.options("collateral-sgx.json"))
        #expect(sgx.verdict == .pass)
        #expect(sgx.fact("mr_enclave")?.stringValue?.count == 64)
        #expect(sgx.fact("mr_signer")?.stringValue?.count == 64)
        #expect(sgx.fact("tee_type") == .string("sgx"))
    }

    @Test func structureFailsOnUnsupportedKeyType() throws {
        var raw = try InputFile.read(Self.fx("tdx-v4-valid.quote"))
        raw[2] = 3  // ECDSA-384: not supported
        let r = try Self.run(try Quote.parse(raw), Self.options())
        #expect(Self.status(r, "quote.structure") == .fail)
        #expect(r.check("quote.structure")?.summary.contains("attestation key type") == true)
        #expect(r.verdict == .fail)
    }

    @Test func trailingBytes() throws {
        var raw = try InputFile.read(Self.fx("tdx-v4-valid.quote"))
        raw += [0, 0, 7]
        let r = try Self.run(try Quote.parse(raw), Self.options())
        #expect(Self.status(r, "quote.trailing_bytes") == .warn)
        #expect(r.verdict == .pass)
        let z = try Self.run(try Self.quote("tdx-v4-trailing-zeros.quote"), Self.options())
        #expect(Self.status(z, "quote.trailing_bytes") == .info)
        #expect(z.verdict == .pass)
    }

    @Test func collateralSignaturesFailOnOneSpace() throws {
        var c = try QuoteCollateral.parse(json: InputFile.read(Self.fx("collateral-tdx.json")))
        c.tcbInfo = c.tcbInfo.replacingOccurrences(of: "\"id\":", with: "\"id\": ")
        let path = TestPaths.tempDir().appendingPathComponent("c.json").path
        try InputFile.write(path, c.jsonBytes())
        var o = Self.options(); o.collateralPath = path
        let r = try Self.run(try Self.quote("tdx-v4-valid.quote"), o)
        // Bad collateral is the source's fault, not the quote's: inconclusive, naming the source and what to do.
        #expect(Self.status(r, "collateral.signatures") == .skip)
        let s = r.check("collateral.signatures")?.summary ?? ""
        #expect(s.contains("Signature is invalid for tcb_info") && s.contains("file \(path)") && s.contains("refetch") && s.contains("--collateral"), "\(s)")
        #expect(r.verdict == .inconclusive)
        // Nothing that rests on that collateral passes.
        for id in ["tcb.status", "qe.identity"] { #expect(Self.status(r, id) == .skip, "\(id)") }
    }

    @Test func collateralValidity() throws {
        let r = try Self.run(try Self.quote("tdx-v4-valid.quote"), Self.options("collateral-tdx-tcbinfo-expired.json"))
        // Expired at --now: inconclusive (exit 3) with the remedy, not "the evidence contradicts a claim".
        #expect(Self.status(r, "collateral.validity") == .skip)
        let s = r.check("collateral.validity")?.summary ?? ""
        #expect(s.contains("TCBInfo expired") && s.contains("--now") && s.contains("refetch"), "\(s)")
        #expect(r.verdict == .inconclusive)
        #expect(Self.status(r, "tcb.status") == .skip)
        let crl = try Self.run(try Self.quote("tdx-v4-valid.quote"), Self.options("collateral-tdx-expired-crl.json"))
        #expect(Self.status(crl, "collateral.validity") == .skip)
        #expect(crl.check("collateral.validity")?.summary.contains("CRL has expired") == true)
        #expect(Self.status(crl, "quote.pck_chain") == .skip)
        #expect(crl.verdict == .inconclusive)
        // Before the collateral was issued.
        let early = try Self.run(try Self.quote("tdx-v4-valid.quote"), Self.options(now: Self.now - 40 * 86400))
        #expect(Self.status(early, "collateral.validity") == .skip)
        #expect(early.verdict == .inconclusive)
    }

    @Test func pckChain() throws {
        let revoked = try Self.run(try Self.quote("tdx-v4-revoked-pck.quote"), Self.options())
        #expect(Self.status(revoked, "quote.pck_chain") == .fail)
        #expect(revoked.check("quote.pck_chain")?.summary.contains("revoked") == true)
        let ca = try Self.run(try Self.quote("tdx-v4-valid.quote"), Self.options("collateral-tdx-ca-revoked.json"))
        #expect(Self.status(ca, "quote.pck_chain") == .fail)
        // The pinned Intel root does not issue the test PKI.
        var o = Self.options(); o.rootCAPath = nil
        let intel = try Self.run(try Self.quote("tdx-v4-valid.quote"), o)
        // The quote's own chain does not reach the root: fail, whatever the collateral.
        #expect(Self.status(intel, "quote.pck_chain") == .fail)
        #expect(Self.status(intel, "collateral.signatures") == .skip)
        #expect(intel.verdict == .fail)
    }

    /// Attack: a PCK certificate that quote.pck_chain rejects still carries a key that signs the QE report and an
    /// FMSPC whose TCB level is UpToDate. Nothing that rests on it may pass: the dependants skip, naming it.
    @Test func checksDependingOnARejectedPCKSkip() throws {
        let r = try Self.run(try Self.quote("tdx-v4-revoked-pck.quote"), Self.options())
        #expect(Self.status(r, "quote.pck_chain") == .fail)
        for id in ["quote.signature", "tcb.status"] {
            #expect(Self.status(r, id) == .skip, "\(id)")
            #expect(r.check(id)?.summary.contains("depends on quote.pck_chain") == true, "\(id): \(r.check(id)?.summary ?? "")")
        }
        #expect(r.verdict == .fail)
    }

    @Test func quoteSignature() throws {
        let base = try InputFile.read(Self.fx("tdx-v4-valid.quote"))
        let q = try Quote.parse(base)
        for (what, off, word) in [("body", 48 + 200, "ISV enclave report signature"),
                                  ("attestation key", q.signatureData.offsets.attestationKey + 5, "QE report hash mismatch"),
                                  ("QE report signature", q.signatureData.offsets.qeReportSignature + 3, "qe_report"),
                                  ("QE auth data", q.signatureData.offsets.qeAuthData, "QE report hash mismatch")] {
            var m = base; m[off] ^= 0x01
            let r = try Self.run(try Quote.parse(m), Self.options())
            #expect(Self.status(r, "quote.signature") == .fail, "\(what)")
            #expect(r.check("quote.signature")?.summary.contains(word) == true, "\(what): \(r.check("quote.signature")?.summary ?? "")")
        }
    }

    @Test func qeIdentity() throws {
        var m = try InputFile.read(Self.fx("tdx-v4-valid.quote"))
        let q = try Quote.parse(m)
        m[q.signatureData.offsets.qeReport + 128] ^= 1  // QE MRSIGNER
        let r = try Self.run(try Quote.parse(m), Self.options())
        // The QE report no longer verifies, so its identity is not evaluated (no check passes on rejected input).
        #expect(Self.status(r, "quote.signature") == .fail)
        #expect(Self.status(r, "qe.identity") == .skip)
        #expect(r.check("qe.identity")?.summary.contains("depends on quote.signature") == true)
        #expect(r.verdict == .fail)
    }

    /// qe.identity fails on a QE report that verified but does not match the identity (stage outcomes given directly).
    @Test func qeIdentityFailsOnAVerifiedReport() throws {
        let q = try Self.quote("tdx-v4-valid.quote")
        var d = DCAPResult()
        d.stages = DCAPStage.allCases.map { DCAPStageResult(stage: $0, outcome: $0 == .qeIdentityMatch ? .fail("MRSIGNER mismatch", .invalid) : .pass) }
        let checks = AttestDCAPChecks.checks(d, quote: q, options: Self.options())
        #expect(checks.first { $0.id == "qe.identity" }?.status == .fail)
        #expect(checks.first { $0.id == "qe.identity" }?.summary.contains("MRSIGNER") == true)
        #expect(checks.first { $0.id == "tcb.status" }?.status == .skip)
    }

    @Test func tcbStatusPolicy() throws {
        let q = try Self.quote("tdx-v4-outofdate.quote")
        let def = try Self.run(q, Self.options())
        #expect(Self.status(def, "tcb.status") == .fail)
        #expect(def.check("tcb.status")?.summary.contains("OutOfDate") == true)
        #expect(def.verdict == .fail)
        var o = Self.options(); o.allowedTCBStatuses = ["UpToDate", "OutOfDate"]
        let noAdv = try Self.run(q, o)
        #expect(Self.status(noAdv, "tcb.status") == .fail)
        #expect(noAdv.check("tcb.status")?.summary.contains("advisories not allowed") == true)
        o.allowedAdvisories = ["TEST-SA-00001", "TEST-SA-00002"]
        let ok = try Self.run(q, o)
        #expect(Self.status(ok, "tcb.status") == .pass)
        #expect(ok.verdict == .pass)
        #expect(ok.fact("advisory_ids") == .strings(["TEST-SA-00001", "TEST-SA-00002"]))
        let rev = try Self.run(try Self.quote("tdx-v4-revoked-tcb.quote"), Self.options())
        #expect(Self.status(rev, "tcb.status") == .fail)
        let fm = try Self.run(try Self.quote("tdx-v4-valid.quote"), Self.options("collateral-tdx-wrong-fmspc.json"))
        // TCB info for another platform: the source served the wrong collateral (inconclusive, naming both FMSPCs).
        #expect(Self.status(fm, "tcb.status") == .skip)
        #expect(fm.check("tcb.status")?.summary.contains("FMSPC") == true)
        #expect(fm.check("tcb.status")?.summary.contains("DE7E57000001") == true)
        #expect(fm.verdict == .inconclusive)
    }

    @Test func tdAttributes() throws {
        let q = try Self.quote("tdx-v4-debug.quote")
        let r = try Self.run(q, Self.options())
        #expect(Self.status(r, "td.attributes") == .fail)
        var o = Self.options(); o.allowDebug = true
        let allowed = try Self.run(q, o)
        #expect(Self.status(allowed, "td.attributes") == .warn)
        #expect(allowed.verdict == .pass)
        for name in ["tdx-v4-no-sept-ve.quote", "tdx-v4-migratable.quote", "tdx-v4-reserved-attr.quote", "tdx-v5-service-td.quote"] {
            #expect(Self.status(try Self.run(try Self.quote(name), o), "td.attributes") == .fail, "\(name)")
        }
        let sgx = try Self.run(try Self.quote("sgx-v3-debug.quote"), Self.options("collateral-sgx.json"))
        #expect(Self.status(sgx, "td.attributes") == .fail)
    }

    @Test func noCollateralIsInconclusiveNeverPass() throws {
        var off = Self.options(nil); off.offline = true  // no PCCS fetch
        let r = try Self.run(try Self.quote("tdx-v4-valid.quote"), off)
        #expect(r.verdict == .inconclusive)
        #expect(Self.status(r, "tcb.status") == .skip)
        #expect(Self.status(r, "quote.signature") == .skip)
        var o = Self.options(); o.noDCAP = true
        #expect(try Self.run(try Self.quote("tdx-v4-valid.quote"), o).verdict == .inconclusive)
        o = Self.options(); o.simulator = true
        let sim = try Self.run(try Self.quote("tdx-v4-valid.quote"), o)
        #expect(Self.status(sim, "quote.signature") == .skip)
    }

    @Test func badInputsAreMalformed() throws {
        let dir = TestPaths.tempDir()
        let bad = dir.appendingPathComponent("bad.json").path
        try InputFile.write(bad, Array("{\"pck_crl\": 1}".utf8))
        var o = Self.options(); o.collateralPath = bad
        #expect(throws: DevProofError.self) { try Self.run(try Self.quote("tdx-v4-valid.quote"), o) }
        o = Self.options(); o.allowedTCBStatuses = ["uptodate"]
        #expect(throws: DevProofError.usage("unknown TCB status 'uptodate' in --allow-tcb-status (one of: \(TCBStatus.allCases.map(\.rawValue).joined(separator: ", ")))")) {
            try Self.run(try Self.quote("tdx-v4-valid.quote"), o)
        }
        o = Self.options(); o.rootCAPath = dir.appendingPathComponent("missing.der").path
        #expect(throws: DevProofError.self) { try Self.run(try Self.quote("tdx-v4-valid.quote"), o) }
        let garbage = dir.appendingPathComponent("root.pem").path
        try InputFile.write(garbage, Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8))
        o = Self.options(); o.rootCAPath = garbage
        #expect(throws: DevProofError.self) { try Self.run(try Self.quote("tdx-v4-valid.quote"), o) }
    }

    @Test func intelRules() throws {
        let q = try Self.quote("tdx-v4-pceid-mismatch.quote")
        #expect(try Self.run(q, Self.options()).verdict == .pass)
        var o = Self.options(); o.intelRules = true
        let r = try Self.run(q, o)
        #expect(Self.status(r, "tcb.status") == .fail)
        #expect(r.fact("rules") == .string("intel-qvl"))
        let t5 = try Self.run(try Self.quote("tdx-v4-outer-cert-type-5.quote"), o)
        #expect(Self.status(t5, "quote.structure") == .fail)
    }
}
