import DevProofCore
import Foundation
import TestSupport
import Testing
@testable import TDX

/// The project's generated DCAP fixtures (test PKI, scripts/gen_fixtures.py): every case of the manifest
/// must give the result dcap-qvl 0.7.0 gave when the generator ran.
@Suite("DCAP verification on generated fixtures")
struct DCAPFixtureTests {
    struct Case { let name: String; let quote: Quote; let collateral: QuoteCollateral; let root: X509Certificate; let now: Int64; let expected: JSONValue }

    static func cases() throws -> [Case] {
        let m = try InputFile.readJSON(TestPaths.fixture("dcap/manifest.json")).value
        return try (m["cases"]?.arrayValue ?? []).map { c in
            func path(_ k: String) -> String { TestPaths.fixture(c[k]?.stringValue ?? "") }
            return Case(name: c["name"]?.stringValue ?? "?",
                        quote: try Quote.load(fileBytes: InputFile.read(path("quote"))),
                        collateral: try QuoteCollateral.parse(json: InputFile.read(path("collateral"))),
                        root: try X509Certificate.load(fileBytes: InputFile.read(path("root_ca"))),
                        now: c["now"]?.int64Value ?? 0, expected: c["expected"] ?? .null)
        }
    }

    @Test func manifestCasesMatchDcapQvl() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 20)
        var intelCases = 0
        for c in cases {
            let r = DCAPVerifier.verify(quote: c.quote, verified: VerifiedCollateral(collateral: c.collateral, root: c.root), now: c.now)
            let q = c.expected["dcap_qvl"]
            let accepted = q?["accepted"]?.boolValue ?? false
            #expect(r.accepted == accepted, "\(c.name): devproof \(r.accepted) \(r.firstError ?? ""), dcap-qvl \(q?["error"]?.stringValue ?? "accepted")")
            if accepted {
                #expect(r.verdict?.status.rawValue == q?["status"]?.stringValue, "\(c.name)")
                #expect(r.verdict?.advisoryIDs == q?["advisory_ids"]?.arrayValue?.compactMap(\.stringValue), "\(c.name)")
            }
            // Cases where Intel's QVL differs (--intel-rules).
            if let ir = c.expected["intel_rules"], let acc = ir["accepted"]?.boolValue {
                let ri = DCAPVerifier.verify(quote: c.quote, verified: VerifiedCollateral(collateral: c.collateral, root: c.root),
                                             now: c.now, options: DCAPOptions(intelRules: true))
                #expect(ri.accepted == acc, "\(c.name) with intel rules: \(ri.firstError ?? "accepted")")
                intelCases += 1
            }
            // Against the pinned Intel root every fixture must fail.
            let intel = DCAPVerifier.verify(quote: c.quote, collateral: c.collateral, now: c.now, rootCA: nil, intelRules: false)
            #expect(!intel.accepted, "\(c.name) accepted under the Intel root")
        }
        #expect(intelCases >= 2)
    }
}
