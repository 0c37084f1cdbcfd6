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
        let js = "const l=require('fs').readFileSync(process.argv[1],'utf8').trim().split('\\n');const b=Buffer.alloc(8);for(const h of l){b.writeBigUInt64LE(BigInt('0x'+h));console.log(String(b.readDoubleLE(0)))}"
        let r = try Run.process("/usr/bin/env", ["node", "-e", js, try inputFile(Self.bitsHex(ds))])
        try #require(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == ds.count)
        for (d, s) in zip(ds, lines) { #expect(NumberFormat.ecmascript(d) == s, "\(d.bitPattern)") }
    }

    @Test("NumberFormat.pythonRepr == CPython repr(float)",
          .enabled(if: TestPaths.python != nil, "Python venv not found: repr differential not run"))
    func pythonReprMatchesCPython() throws {
        let ds = Self.sampleDoubles()
        let py = "import sys,struct\nfor h in open(sys.argv[1]).read().split():\n    print(repr(struct.unpack('<d', int(h,16).to_bytes(8,'little'))[0]))"
        let r = try Run.python(["-c", py, try inputFile(Self.bitsHex(ds))])
        try #require(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == ds.count)
        for (d, s) in zip(ds, lines) { #expect(NumberFormat.pythonRepr(d) == s, "\(d.bitPattern)") }
    }
}

/// Input for a child process, passed as a file: a stdin pipe can be inherited by other children spawned
/// concurrently by parallel tests, and then never reaches EOF.
func inputFile(_ text: String) throws -> String {
    let u = TestPaths.tempDir("dstack-diff").appendingPathComponent("input.txt")
    try InputFile.write(u.path, Array(text.utf8))
    return u.path
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

@Suite("dstack: JSON.stringify differential against Node")
struct JSStringifyNodeTests {
    /// Random statements (nested objects/arrays, varied number literals, non-ASCII and control characters,
    /// integer-like and duplicate keys): our re-serialization must equal (documents with duplicate keys are refused) Node's JSON.stringify(JSON.parse(text)).
    @Test func stringifyMatchesNode() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/node") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/node") else {
            print("SKIP: node not installed: JSON.stringify differential not run"); return
        }
        var rng = SplitMix(seed: 0x0dd_c0de)
        let strs = ["a", "Z", "é", "你好", "😀", "\\u2028", "\\u0001", "\\\"", "\\\\", "/", "\\n", "\\ud834\\udd1e", " ", "\\u007f"]
        let nums = ["0", "-0", "1", "1.0", "1e21", "1E+21", "1e-7", "0.000001", "123.456e3", "-1.5e-300", "9007199254740993",
                    "1703347200000", "0.1", "2e308", "5e-324", "100e-2", "12345678901234567890"]
        let keys = ["price", "source", "tlsIssuer", "b", "a", "2", "10", "1", "01", "4294967295", "4294967294", "é", "__proto", "dup"]
        func str() -> String { "\"" + (0..<Int(rng.next() % 4)).map { _ in strs[Int(rng.next() % UInt64(strs.count))] }.joined() + "\"" }
        func value(_ d: Int) -> String {
            switch rng.next() % (d < 3 ? 7 : 4) {
            case 0: return str()
            case 1: return nums[Int(rng.next() % UInt64(nums.count))]
            case 2: return ["true", "false", "null"][Int(rng.next() % 3)]
            case 3: return nums[Int(rng.next() % UInt64(nums.count))]
            case 4, 5:
                let n = Int(rng.next() % 5)
                return "{" + (0..<n).map { _ in "\"\(keys[Int(rng.next() % UInt64(keys.count))])\" : " + value(d + 1) }.joined(separator: ",\n ") + "}"
            default:
                return "[" + (0..<Int(rng.next() % 4)).map { _ in value(d + 1) }.joined(separator: ", ") + "]"
            }
        }
        var docs = [String]()
        for _ in 0..<400 { docs.append("{" + (0..<Int(1 + rng.next() % 6)).map { _ in "\"\(keys[Int(rng.next() % UInt64(keys.count))])\": " + value(0) }.joined(separator: ",\n  ") + "}") }
        let input = docs.map { Base64.encode(Array($0.utf8)) }.joined(separator: "\n")
        let js = "for (const l of require('fs').readFileSync(process.argv[1],'utf8').trim().split('\\n')) console.log(Buffer.from(JSON.stringify(JSON.parse(Buffer.from(l,'base64').toString('utf8'))),'utf8').toString('base64'))"
        let r = try Run.process("/usr/bin/env", ["node", "-e", js, try inputFile(input)])
        try #require(r.status == 0, "\(r.stderr)")
        let outs = r.stdout.split(separator: "\n").map(String.init)
        try #require(outs.count == docs.count)
        var compared = 0, rejected = 0
        for (doc, b64) in zip(docs, outs) {
            let want = String(decoding: try Base64.decode(b64), as: UTF8.self)
            // Duplicate keys: Node keeps the last, devproof refuses the document (a parser differential
            // must not decide what was signed). Every other document must re-serialize exactly as Node does.
            do {
                let v = try JSONParser.parse(doc)
                #expect(JSStringify.stringify(v) == want, "\(doc)")
                compared += 1
            } catch let e as JSONParseError {
                #expect(e.message.contains("duplicate key"), "\(doc): \(e)")
                rejected += 1
            }
        }
        #expect(compared > 100 && rejected > 0, "compared \(compared), rejected \(rejected)")
    }
}
