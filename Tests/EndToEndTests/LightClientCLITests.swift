import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof lightclient` on the generated tutorial-07 proofs (TEST PKI) and `lightclient verify`
/// on the corpus vectors: passes, each named attack refused, malformed input exit 2.
@Suite("e2e: lightclient CLI (fixtures and corpus)")
struct LightClientCLITests {
    static let F = TestPaths.fixture("lightclient")
    static let dcap = ["--collateral", TestPaths.fixture("dcap/collateral-tdx.json"), "--root-ca", TestPaths.fixture("dcap/pki/root-ca.der"), "--now", "1768435200"]

    static func blockHash() throws -> String {
        try #require(try InputFile.readJSON(F + "/block.json").value["hash"]?.stringValue)
    }

    static func run(_ args: [String]) throws -> (ProcessResult, [String: String]) {
        let r = try Run.devproof(["lightclient"] + args + ["--json"])
        var st = [String: String]()
        if let v = try? JSONParser.parse(r.stdout), let cs = v["checks"]?.arrayValue {
            for c in cs { if let id = c["id"]?.stringValue { st[id] = c["status"]?.stringValue } }
        }
        return (r, st)
    }

    static func write(_ text: String, _ name: String) throws -> String {
        let p = TestPaths.tempDir("lightclient").appendingPathComponent(name).path
        try InputFile.write(p, Array(text.utf8))
        return p
    }

    func full(_ proof: String = F + "/proof.json", compose: String = F + "/app-compose.json", header: String = F + "/block.json") throws -> (ProcessResult, [String: String]) {
        try Self.run(["--proof", proof, "--app-compose", compose, "--event-log", Self.F + "/event-log.json",
                      "--header", header, "--trusted-block", "21000000:" + Self.blockHash()] + Self.dcap)
    }

    @Test func generatedProofPassesEveryCheckItCanRun() throws {
        let (r, st) = try full()
        #expect(st["lightclient.claim_hash"] == "pass")
        #expect(st["lightclient.report_data"] == "pass")
        #expect(st["report_data.binding"] == "pass")
        #expect(st["quote.signature"] == "pass")
        #expect(st["lightclient.checkpoint.pinned"] == "pass")
        #expect(st["lightclient.block.canonical"] == "pass")
        #expect(st["lightclient.signature"] == "info")
        #expect(st["lightclient.call.result"] == "skip")   // no RPC: the call is not re-executed
        #expect(r.status == 3, "a required check (call, os.measurement) could not run: inconclusive, never pass")
    }

    @Test func unicodeClaimHashesLikePython() throws {
        let (_, st) = try full(Self.F + "/proof-unicode.json")
        #expect(st["lightclient.claim_hash"] == "pass")
        #expect(st["lightclient.report_data"] == "pass")
    }

    @Test func mutatedBlockHashFailsClaimHash() throws {
        var text = String(decoding: try InputFile.read(Self.F + "/proof.json"), as: UTF8.self)
        let h = try Self.blockHash()
        text = text.replacingOccurrences(of: h, with: "0x" + String(repeating: "ab", count: 32))
        let (r, st) = try full(try Self.write(text, "mutated.json"))
        #expect(st["lightclient.claim_hash"] == "fail")
        #expect(st["lightclient.report_data"] == "fail")
        #expect(st["lightclient.block.canonical"] == "fail")
        #expect(r.status == 1)
    }

    @Test func checkpointOtherThanTheComposeFails() throws {
        let (r, st) = try full(compose: Self.F + "/app-compose-other-checkpoint.json")
        #expect(st["lightclient.checkpoint.pinned"] == "fail")
        #expect(r.status == 1)
    }

    @Test func headerWithAlteredStateRootFails() throws {
        var text = String(decoding: try InputFile.read(Self.F + "/block.json"), as: UTF8.self)
        let sr = try #require(try InputFile.readJSON(Self.F + "/block.json").value["stateRoot"]?.stringValue)
        text = text.replacingOccurrences(of: sr, with: "0x" + String(repeating: "cd", count: 32))
        let (r, st) = try full(header: try Self.write(text, "block-lying.json"))
        #expect(st["lightclient.block.canonical"] == "fail")
        #expect(r.status == 1)
    }

    @Test func noQuoteIsInconclusive() throws {
        let (r, st) = try Self.run(["--proof", Self.F + "/proof-no-quote.json"])
        #expect(st["lightclient.report_data"] == "skip")
        #expect(st["lightclient.claim_hash"] == "pass")
        #expect(r.status == 3)
    }

    @Test func badInputExits2() throws {
        let (a, _) = try Self.run(["--proof", try Self.write("{\"claim\": 1}", "bad.json")])
        #expect(a.status == 2)
        let (b, _) = try Self.run(["--proof", Self.F + "/proof.json", "--trusted-block", "12"])
        #expect(b.status == 2 && b.stderr.contains("--trusted-block"))
        let (c, _) = try Self.run(["--proof", Self.F + "/proof.json", "--header", Self.F + "/block.json"])
        #expect(c.status == 2 && c.stderr.contains("--trusted-block"))
        let huge = "{\"claim\":{\"block_hash\":\"0x" + String(repeating: "ab", count: 600_000) + "\"}}"
        let (d, _) = try Self.run(["--proof", try Self.write(huge, "huge.json")])
        #expect(d.status == 2)
    }

    // MARK: verify (corpus)

    static func corpusResult(_ rel: String, line: Int = 3) throws -> String? {
        guard let p = TestPaths.corpusFile("lightclient/" + rel) else {
            if TestPaths.corpusRequired { Issue.record("corpus required") } else { print("SKIP: corpus absent") }
            return nil
        }
        let lines = String(decoding: try InputFile.read(p), as: UTF8.self).split(separator: "\n")
        let l = try #require(lines.first { $0.hasPrefix("<< ") && $0.contains("\"result\"") })
        _ = line
        return try write(String(l.dropFirst(3)), rel.replacingOccurrences(of: "/", with: "_"))
    }

    static let latest = "0xd226371d0b1551adb03fb52b71f08e3e11247fe9b1af994768af8cdaa8e7dcd7"

    @Test func corpusVerifyPassesAndMutationsFail() throws {
        guard let h = try Self.corpusResult("eth_getBlockByNumber/get-latest.io"),
              let p = try Self.corpusResult("eth_getProof/get-account-proof-with-storage.io") else { return }
        let ok = try Run.devproof(["lightclient", "verify", "--header", h, "--proof", p, "--trusted-hash", Self.latest])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let untrusted = try Run.devproof(["lightclient", "verify", "--header", h, "--proof", p])
        #expect(untrusted.status == 3)
        // A lying header (gasUsed changed) and a lying storage value (0x38 → 0x39).
        let htext = String(decoding: try InputFile.read(h), as: UTF8.self)
        let lied = htext.replacingOccurrences(of: "\"timestamp\":\"", with: "\"timestamp\":\"0x1").replacingOccurrences(of: "\"0x10x", with: "\"0x1")
        let lh = try Self.write(lied, "lying-header.json")
        let r1 = try Run.devproof(["lightclient", "verify", "--header", lh, "--trusted-hash", Self.latest])
        #expect(r1.status == 1 && r1.stdout.contains("lightclient.header.hash"))
        let ptext = String(decoding: try InputFile.read(p), as: UTF8.self)
        let lp = try Self.write(ptext.replacingOccurrences(of: "\"value\":\"0x38\"", with: "\"value\":\"0x39\""), "lying-proof.json")
        let r2 = try Run.devproof(["lightclient", "verify", "--header", h, "--proof", lp, "--trusted-hash", Self.latest])
        #expect(r2.status == 1 && r2.stdout.contains("proof shows 0x38"))
        let bad = try Self.write("{\"result\":\"0xf8\"}", "bad-header.json")
        let r3 = try Run.devproof(["lightclient", "verify", "--header", bad])
        #expect(r3.status == 2 && r3.stderr.contains("RLP"))
    }
}
