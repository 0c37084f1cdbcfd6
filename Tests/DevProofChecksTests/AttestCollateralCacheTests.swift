@testable import DevProofChecks
import DevProofCore
import Foundation
@testable import TDX
import TestSupport
import Testing

/// The batch's collateral cache (fixtures, TEST PKI): one verification per (collateral content, FMSPC, root, now).
@Suite("attest batch: collateral cache keys (fixtures)")
struct AttestCollateralCacheTests {
    static func fx(_ p: String) -> String { TestPaths.fixture("dcap/" + p) }
    static func quote(_ n: String) throws -> Quote { try Quote.load(fileBytes: InputFile.read(fx(n))) }
    static func options(_ c: String = "collateral-tdx.json") -> AttestOptions {
        var o = AttestOptions(now: 1768435200)
        o.collateralPath = fx(c); o.rootCAPath = fx("pki/root-ca.der")
        return o
    }

    @Test func verifiedOncePerKey() throws {
        let cache = AttestCollateralCache()
        let o = Self.options()
        let tdx = try Self.quote("tdx-v4-valid.quote"), tdx2 = try Self.quote("tdx-v4-trailing-zeros.quote")
        let sgx = try Self.quote("sgx-v3-valid.quote")
        let root = try cache.root(o.rootCAPath)
        let (c, d) = try #require(try cache.collateral(quote: tdx, options: o, root: root))
        let a = cache.verified(c, digest: d, quote: tdx, root: root, now: o.now)
        // Another quote of the same platform (same FMSPC), same time: the same verified object.
        #expect(cache.verified(c, digest: d, quote: tdx2, root: root, now: o.now) === a)
        #expect(cache.verifications == 1)
        // Another --now: never reused.
        #expect(cache.verified(c, digest: d, quote: tdx, root: root, now: o.now + 1) !== a)
        #expect(cache.verifications == 2)
        // Another FMSPC: never reused, even with the same collateral bytes.
        #expect(cache.targetKey(sgx) != cache.targetKey(tdx))
        #expect(cache.verified(c, digest: d, quote: sgx, root: root, now: o.now) !== a)
        #expect(cache.verifications == 3)
        // Other collateral content (another file): its own entry.
        let (c2, d2) = try #require(try cache.collateral(quote: sgx, options: Self.options("collateral-sgx.json"), root: root))
        #expect(d2 != d)
        #expect(cache.verified(c2, digest: d2, quote: tdx, root: root, now: o.now) !== a)
        #expect(cache.verifications == 4)
        // Each collateral file was read once however often it was asked for.
        _ = try cache.collateral(quote: tdx2, options: o, root: root)
        #expect(cache.loads == 2)
    }

    /// A batch's reports equal single runs' (the cache changes cost, never a verdict), also for a failing quote.
    @Test func batchReportsEqualSingleRuns() throws {
        let names = ["tdx-v4-valid.quote", "tdx-v4-revoked-pck.quote", "tdx-v4-outofdate.quote", "tdx-v4-valid.quote"]
        let b = try AttestBatch.run(Self.options(), kind: .quote, inputs: names.map(Self.fx))
        #expect(b.items.count == 4)
        for (n, item) in b.items.enumerated() {
            var o = Self.options(); o.quotePath = Self.fx(names[n])
            let single = try Attest.run(o)
            #expect(item.report?.json == single.json, "\(names[n])")
        }
        #expect(b.items.map(\.status) == ["pass", "fail", "fail", "pass"])
        #expect(b.exitCode == 1)
        #expect(b.facts.first { $0.key == "collateral_verifications" }?.value == .int(1))
    }

    /// A directory input: its regular files sorted, subdirectories skipped; bounded; a missing path is exit 2.
    @Test func expandDirectories() throws {
        let dir = TestPaths.tempDir("batch-expand")
        for n in ["b.json", "a.json", ".hidden"] { try InputFile.write(dir.appendingPathComponent(n).path, [0x7B]) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let got = try AttestBatch.expand([dir.path, Self.fx("tdx-v4-valid.quote")], flag: "evidence")
        #expect(got.map { ($0 as NSString).lastPathComponent } == [".hidden", "a.json", "b.json", "tdx-v4-valid.quote"])
        #expect(throws: DevProofError.self) { try AttestBatch.expand([dir.appendingPathComponent("nope").path], flag: "evidence") }
        let big = TestPaths.tempDir("batch-big")
        for i in 0...AttestBatch.maxInputs { FileManager.default.createFile(atPath: big.appendingPathComponent("\(i)").path, contents: nil) }
        do { _ = try AttestBatch.expand([big.path], flag: "evidence"); Issue.record("no bound") } catch let e as DevProofError {
            #expect(e.category == .usage && e.description.contains("more than \(AttestBatch.maxInputs)"))
        }
        try? FileManager.default.removeItem(at: big)
    }
}
