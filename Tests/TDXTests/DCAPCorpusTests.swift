import DevProofCore
import Testing
@testable import TDX

/// A corpus case: quote + collateral.
struct DCAPCase {
    let quote: Quote
    let collateral: QuoteCollateral
    static func load(_ name: String) throws -> DCAPCase? {
        guard let q = try corpusDCAP(name), let c = try corpusDCAP(name + "_collateral.json") else { return nil }
        return DCAPCase(quote: try Quote.parse(q), collateral: try QuoteCollateral.parse(json: c))
    }
    func verify(_ now: Int64, _ o: DCAPOptions = DCAPOptions()) -> DCAPResult {
        DCAPVerifier.verify(quote: quote, verified: VerifiedCollateral(collateral: collateral, root: IntelRootCA.certificate!), now: now, options: o)
    }
}

@Suite("DCAP verification (corpus)")
struct DCAPCorpusTests {
    @Test func tdxUpToDate() throws {
        guard let c = try DCAPCase.load("tdx_quote") else { return }
        let r = c.verify(1752919234)
        #expect(r.accepted, "\(r.stages)")
        #expect(r.verdict == TCBVerdict(.upToDate, []))
        #expect(r.qeVerdict?.status == .upToDate)
        #expect(r.pckExtension?.fmspc.hex == "b0c06f000000")
        #expect(r.pckExtension?.ppid.hex == "811dca2a26b952e85bb6448b097ba4fd")
        #expect(r.pckExtension?.pceSVN == 11)
        #expect(r.pckExtension?.cpuSVN.hex == "03030202040100050000000000000000")
        #expect(r.validUntil == 1752919234)
        #expect(r.stages.count == DCAPStage.allCases.count)
    }

    @Test func sgxConfigurationAndSWHardeningNeeded() throws {
        guard let c = try DCAPCase.load("sgx_quote") else { return }
        let r = c.verify(1752919277)
        #expect(r.accepted, "\(r.stages)")
        #expect(r.verdict == TCBVerdict(.configurationAndSWHardeningNeeded, ["INTEL-SA-00289", "INTEL-SA-00615"]))
        #expect(r.qeVerdict?.status == .upToDate)
        #expect(r.pckExtension?.fmspc.hex == "00a067110000")
    }

    @Test func outdatedHasNoMatchingLevel() throws {
        guard let c = try DCAPCase.load("tdx_quote_outdated") else { return }
        let r = c.verify(1772323200)
        #expect(!r.accepted)
        #expect(r.outcome(.platformTCB) == .fail("No matching TCB level found", .invalid))
        #expect(r.firstError == "No matching TCB level found")
        // Everything else about it is fine.
        for s in DCAPStage.allCases where s != .platformTCB && s != .tcbStatus {
            #expect(r.outcome(s).isPass, "\(s): \(r.outcome(s))")
        }
        let early = c.verify(1752919234)
        #expect(early.outcome(.collateralDates).message?.contains("TCBInfo issue date is in the future") == true)
    }

    @Test func timeWindows() throws {
        guard let c = try DCAPCase.load("tdx_quote") else { return }
        let atCRLNextUpdate = c.verify(1752919235)
        #expect(!atCRLNextUpdate.accepted)
        guard case .fail(let m, .expired) = atCRLNextUpdate.outcome(.pckChain) else {
            Issue.record("expected an expiry failure: \(atCRLNextUpdate.outcome(.pckChain))"); return
        }
        #expect(m.contains("CRL has expired"))
        let old = c.verify(1750320802)
        #expect(!old.accepted)
        #expect(old.outcome(.collateralDates).message?.contains("TCBInfo issue date is in the future") == true)
        // One result object is reusable across times (cached chains are re-checked outside their window).
        let vc = VerifiedCollateral(collateral: c.collateral, root: IntelRootCA.certificate!)
        #expect(DCAPVerifier.verify(quote: c.quote, verified: vc, now: 1752919234).accepted)
        #expect(!DCAPVerifier.verify(quote: c.quote, verified: vc, now: 1752919235).accepted)
        #expect(DCAPVerifier.verify(quote: c.quote, verified: vc, now: 1752919234).accepted)
    }

    @Test func embeddedRootCA() throws {
        let root = try #require(IntelRootCA.certificate)
        #expect(root.sha256Fingerprint.hex == IntelRootCA.derSHA256)
        #expect(Digest.sha256(root.spkiDER).hex == IntelRootCA.spkiSHA256)
        #expect(root.subjectCommonName == "Intel SGX Root CA")
    }

    @Test func collateralRoundTrip() throws {
        guard let raw = try corpusDCAP("tdx_quote_collateral.json") else { return }
        let c = try QuoteCollateral.parse(json: raw)
        #expect(try QuoteCollateral.parse(json: c.jsonBytes()) == c)
        #expect(c.tcbInfo.hasPrefix("{\"id\":\"TDX\""))
        #expect(throws: DevProofError.self) { try QuoteCollateral.parse(json: Array("{}".utf8)) }
        #expect(throws: DevProofError.self) { try QuoteCollateral.parse(json: Array("[1]".utf8)) }
        #expect(throws: DevProofError.self) { try QuoteCollateral.parse(json: Array("{\"pck_crl\":".utf8)) }
    }
}

@Suite("DCAP PCK chain from the collateral (corpus)")
struct DCAPCollateralPCKChainTests {
    @Test func collateralChainIsPreferred() throws {
        guard let t = try DCAPCase.load("tdx_quote"), let s = try DCAPCase.load("sgx_quote") else { return }
        var c = t.collateral
        c.pckCertificateChain = String(decoding: t.quote.signatureData.certData.filter { $0 != 0 }, as: UTF8.self)
        let ok = DCAPVerifier.verify(quote: t.quote, collateral: c, now: 1752919234, rootCA: nil, intelRules: false)
        #expect(ok.accepted, "\(ok.firstError ?? "")")
        #expect(try QuoteCollateral.parse(json: c.jsonBytes()).pckCertificateChain == c.pckCertificateChain)
        // Another platform's PCK chain: the QE report signature and the FMSPC no longer match.
        c.pckCertificateChain = String(decoding: s.quote.signatureData.certData.filter { $0 != 0 }, as: UTF8.self)
        let bad = DCAPVerifier.verify(quote: t.quote, collateral: c, now: 1752919234, rootCA: nil, intelRules: false)
        #expect(!bad.accepted)
        #expect(bad.outcome(.qeReportSignature) == .fail("Signature is invalid for qe_report in quote", .invalid))
        // An empty chain is an error, not a fallback to the quote's chain.
        c.pckCertificateChain = ""
        let empty = DCAPVerifier.verify(quote: t.quote, collateral: c, now: 1752919234, rootCA: nil, intelRules: false)
        #expect(!empty.accepted)
        #expect(empty.outcome(.pckChain).message?.contains("too short") == true)
    }
}
