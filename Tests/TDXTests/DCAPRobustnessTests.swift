import DevProofCore
import Testing
@testable import TDX

/// Random corruption of real evidence: parsing and verification must throw or reject, never trap,
/// and a corrupted signed byte is never accepted.
@Suite("DCAP robustness on corrupted evidence (corpus)")
struct DCAPRobustnessTests {
    struct RNG { var s: UInt64; mutating func next() -> UInt64 { s = s &* 6364136223846793005 &+ 1442695040888963407; return s >> 11 } }

    @Test func corruptedQuotes() throws {
        guard let c = try DCAPCase.load("tdx_quote"), let raw = try corpusDCAP("tdx_quote") else { return }
        let vc = VerifiedCollateral(collateral: c.collateral, root: IntelRootCA.certificate!)
        var rng = RNG(s: 42)
        var accepted = 0
        for _ in 0..<1500 {
            var m = raw
            let flips = 1 + Int(rng.next() % 3)
            var touched = [Int]()
            for _ in 0..<flips {
                let i = Int(rng.next() % UInt64(c.quote.quoteLength))
                m[i] ^= UInt8(1 + rng.next() % 255)
                touched.append(i)
            }
            guard let q = try? Quote.parse(m) else { continue }
            let r = DCAPVerifier.verify(quote: q, verified: vc, now: 1752919234)
            if r.accepted {
                accepted += 1
                // Only unsigned bytes may change without rejection: the outer cert type/size, padding.
                #expect(touched.allSatisfy { $0 >= q.signedLength }, "accepted a change in the signed region at \(touched)")
            }
        }
        #expect(accepted < 100)
    }

    @Test func corruptedCollateral() throws {
        guard let raw = try corpusDCAP("tdx_quote_collateral.json"), let c = try DCAPCase.load("tdx_quote") else { return }
        var rng = RNG(s: 7)
        var accepted = 0
        for _ in 0..<150 {
            var m = raw
            let i = Int(rng.next() % UInt64(m.count))
            m[i] = UInt8(0x20 + rng.next() % 95)
            guard let coll = try? QuoteCollateral.parse(json: m) else { continue }
            let r = DCAPVerifier.verify(quote: c.quote, collateral: coll, now: 1752919234, rootCA: nil, intelRules: false)
            if r.accepted {
                accepted += 1
                // Only a change that leaves every signed object intact may pass (hex case, PEM line breaks).
                let o = c.collateral
                #expect(coll.tcbInfo == o.tcbInfo && coll.qeIdentity == o.qeIdentity && coll.pckCRL == o.pckCRL
                        && coll.rootCACRL == o.rootCACRL && coll.tcbInfoSignature == o.tcbInfoSignature
                        && coll.qeIdentitySignature == o.qeIdentitySignature, "accepted a change at byte \(i)")
            }
        }
        #expect(accepted < 150)
    }
}
