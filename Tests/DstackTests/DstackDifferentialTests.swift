import DevProofCore
import Foundation
import TestSupport
import Testing
@testable import Dstack

/// Differential tests against independent implementations: dstack-sdk's `get_compose_hash` (Python venv)
/// for the canonical compose form, Node for ECMAScript Number::toString, CPython for float repr.
@Suite("dstack: differential against dstack-sdk, Node and CPython")
struct DstackDifferentialTests {
    @Test("canonical compose form == dstack_sdk.get_compose_hash on generated composes",
          .enabled(if: TestPaths.python != nil, "Python venv not found (set DEVPROOF_PYTHON): dstack-sdk oracle not run"))
    func composeHashMatchesSDK() throws {
        let script = TestPaths.root.appendingPathComponent("scripts/compose_hash_oracle.py").path
        let r = try Run.python([script, "20261125", "300"])
        try #require(r.status == 0, "oracle failed: \(r.stderr)")
        var n = 0
        for line in r.stdout.split(separator: "\n") {
            let row = try JSONParser.parse(String(line))
            let text = try #require(row["text"]?.stringValue), want = try #require(row["hash"]?.stringValue)
            let v = try JSONParser.parse(text)
            let got = try ComposeHash.canonicalSDKHash(v), form = try ComposeHash.canonicalSDKForm(v)
            #expect(got.hex == want, "compose: \(text) → \(form)")
            n += 1
        }
        #expect(n == 300)
    }

    /// Random doubles across the whole range (plus edge cases) as IEEE bit patterns.
    static func sampleDoubles() -> [Double] {
        var rng = SplitMix(seed: 0x5eed_d57a_c4)
        var out: [Double] = [0.1, 1e21, 1e-7, 1e-6, 123456789012345680000, 5e-324, 2.2250738585072014e-308,
                             1.7976931348623157e308, 9007199254740993, 0.000001, 1e16, 1e15, 100, -1.5]
        for _ in 0..<2000 {
            let bits = rng.next()
            let d = Double(bitPattern: bits)
            if d.isFinite { out.append(d) }
            out.append(Double(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60)) / Double(1 << (rng.next() % 40)))
        }
        return out
    }

    static func bitsHex(_ ds: [Double]) -> String { ds.map { String($0.bitPattern, radix: 16) }.joined(separator: "\n") }

    @Test("NumberFormat.ecmascript == Node's String(x)")
    func ecmascriptMatchesNode() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/node") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/node") else {
            print("SKIP: node not installed: ECMAScript number differential not run"); return
        }
        let ds = Self.sampleDoubles()
        let js = "const l=require('fs').readFileSync(0,'utf8').trim().split('\\n');const b=Buffer.alloc(8);for(const h of l){b.writeBigUInt64LE(BigInt('0x'+h));console.log(String(b.readDoubleLE(0)))}"
        let r = try Run.process("/usr/bin/env", ["node", "-e", js], stdin: Array(Self.bitsHex(ds).utf8))
        try #require(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == ds.count)
        for (d, s) in zip(ds, lines) { #expect(NumberFormat.ecmascript(d) == s, "\(d.bitPattern)") }
    }

    @Test("NumberFormat.pythonRepr == CPython repr(float)",
          .enabled(if: TestPaths.python != nil, "Python venv not found: repr differential not run"))
    func pythonReprMatchesCPython() throws {
        let ds = Self.sampleDoubles()
        let py = "import sys,struct\nfor h in sys.stdin.read().split():\n    print(repr(struct.unpack('<d', int(h,16).to_bytes(8,'little'))[0]))"
        let r = try Run.python(["-c", py], stdin: Array(Self.bitsHex(ds).utf8))
        try #require(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == ds.count)
        for (d, s) in zip(ds, lines) { #expect(NumberFormat.pythonRepr(d) == s, "\(d.bitPattern)") }
    }
}

/// Deterministic 64-bit generator for reproducible samples.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
