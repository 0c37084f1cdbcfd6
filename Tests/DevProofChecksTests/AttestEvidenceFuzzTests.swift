import DevProofChecks
import DevProofCore
import Dstack
import Foundation
import TestSupport
import Testing

/// Random mutations of real evidence through the whole `attest --evidence` pipeline, in process: every
/// outcome must be a report or a typed DevProofError (exit 2/3), never a trap. Seeded, deterministic.
@Suite("attest evidence corpus fuzz: mutated evidence never traps")
struct AttestEvidenceFuzzTests {
    struct Rng {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static func mutate(_ b: Bytes, _ rng: inout Rng) -> Bytes {
        var m = b
        switch rng.below(4) {
        case 0: for _ in 0...rng.below(4) { let i = rng.below(m.count); m[i] ^= UInt8(1 << rng.below(8)) }
        case 1: m = Array(m.prefix(rng.below(m.count)))
        case 2: let i = rng.below(m.count); m.insert(contentsOf: Array(m[i..<min(m.count, i + rng.below(64))]), at: rng.below(m.count))
        default:
            let alphabet = Array("0123456789abcdef\"{}[],:".utf8)
            m[rng.below(m.count)] = alphabet[rng.below(alphabet.count)]
        }
        return m
    }

    @Test(arguments: ["dstack/tdx-lite-getquote.json", "dstack/tdx-lite-attestation.json", "dstack/quote-report.json",
                      "compose/rtmr3-based-report.json", "kms-info/prod5-pha.json"])
    func mutatedFilesGiveReportsOrTypedErrors(_ rel: String) throws {
        guard let path = TestPaths.corpusFile(rel) else {
            if TestPaths.corpusRequired { Issue.record("corpus required but missing") } else { print("SKIP: corpus absent") }
            return
        }
        let original = try InputFile.read(path)
        let dir = TestPaths.tempDir("dstack-fuzz"); defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("e.json").path
        var rng = Rng(s: UInt64(rel.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude) &+ 0xD57AC4)
        var reports = 0, errors = 0
        for _ in 0..<150 {
            try InputFile.write(f, Self.mutate(original, &rng))
            var o = AttestOptions(now: 1_768_435_200); o.evidencePath = f; o.noDCAP = true; o.offline = true
            do { _ = try Attest.run(o); reports += 1 } catch is DevProofError { errors += 1 }
        }
        #expect(reports + errors == 150)
        #expect(reports > 0 && errors > 0, "mutations should give both outcomes (reports \(reports), errors \(errors))")
    }

    @Test func mutatedSCALEAttestationsDecodeOrThrow() throws {
        guard let path = TestPaths.corpusFile("dstack/tdx-lite-attestation.json") else { print("SKIP: corpus absent"); return }
        let v = try JSONParser.parse(try InputFile.read(path))
        let att = try Hex.decode(v["attestation"]?.stringValue ?? "")
        var rng = Rng(s: 42)
        var ok = 0
        for _ in 0..<2000 {
            if (try? DstackAttestation.decode(Self.mutate(att, &rng))) != nil { ok += 1 }
        }
        #expect(ok < 2000)
    }
}
