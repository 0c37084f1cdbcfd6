import DevProofCore
import Foundation
import TestSupport
import Testing

/// `attest` on the project's own generated dstack evidence (Fixtures/dstack, TEST PKI), with DCAP on:
/// every fact must equal the generator's manifest, every negative must fail with its own check.
@Suite("e2e: attest dstack fixtures (TEST PKI, DCAP on)")
struct AttestDstackFixturesE2E {
    static var manifest: JSONValue? {
        guard let b = try? InputFile.read(TestPaths.fixture("dstack/manifest.json")) else { return nil }
        return try? JSONParser.parse(b)
    }

    static func dcapArgs(_ v: JSONValue) -> [String] {
        let d = v["dcap"]
        return ["--collateral", TestPaths.fixture(d?["collateral"]?.stringValue ?? ""),
                "--root-ca", TestPaths.fixture(d?["root_ca"]?.stringValue ?? ""),
                "--now", d?["now"]?.numberLiteral ?? "0", "--offline"]
    }

    static func variant(_ i: Int) throws -> (dir: String, v: JSONValue)? {
        guard let m = manifest, let vs = m["variants"]?.arrayValue, i < vs.count else {
            Issue.record("Fixtures/dstack/manifest.json missing or without variant \(i)")
            return nil
        }
        let v = vs[i]
        let anyFile = v["files"]?.objectValue?.first?.value.stringValue ?? ""
        return (TestPaths.fixture((anyFile as NSString).deletingLastPathComponent), v)
    }

    @Test(arguments: [0, 1])
    func variantPassesWithManifestFacts(_ i: Int) throws {
        guard let (dir, v) = try Self.variant(i) else { return }
        let e = try #require(v["expected"])
        let rd = try #require(e["getquote_report_data"]?.stringValue)
        let common = Self.dcapArgs(v) + ["--os-ref", dir + "/os-ref.json"]
        let runs: [[String]] = [
            ["--evidence", dir + "/getquote.json", "--app-compose", dir + "/app-compose.json", "--bind", "raw:" + rd],
            ["--evidence", dir + "/info.json"],
            ["--evidence", dir + "/ratls-cert.pem", "--app-compose", dir + "/app-compose.json"],
        ]
        for args in runs {
            let o = try DstackE2E.attest(args + common)
            #expect(o.status == 0, "\(args): \(o.failing) \(o.stderr)")
            for k in ["app_id", "compose_hash", "instance_id", "device_id", "mr_aggregated", "mr_system", "os_image_hash"] {
                #expect(o.fact(k)?.stringValue == e[k]?.stringValue, "\(args.first!) \(args[1]) fact \(k)")
            }
            #expect(o.fact("key_provider")?["name"] == e["key_provider"]?["name"])
            #expect(o.fact("key_provider")?["id"] == e["key_provider"]?["id"])
            #expect(o.fact("tcb_status")?.stringValue == "UpToDate")
            for id in ["eventlog.replay", "compose.hash", "compose.mr_config_id", "os.measurement", "tcb.status", "quote.signature"] {
                #expect(o.check(id) == "pass", "\(args[1]) \(id)")
            }
        }
    }

    @Test func negativesFailWithTheirOwnCheck() throws {
        guard let m = Self.manifest, let negs = m["negative"]?.arrayValue, let (_, v0) = try Self.variant(0) else { return }
        let want = ["rtmr3_replay_mismatch": "eventlog.replay", "compose_hash_mismatch": "compose.hash",
                    "ratls_report_data_mismatch": "ratls.binding"]
        for n in negs {
            let file = TestPaths.fixture(try #require(n["file"]?.stringValue))
            let e = try #require(n["expected"])
            var args = ["--evidence", file]
            if let pair = n["pairs_with"]?.stringValue { args = ["--evidence", TestPaths.fixture(pair), "--app-compose", file] }
            let o = try DstackE2E.attest(args + Self.dcapArgs(v0))
            if e["accepted"]?.boolValue == false {
                let reason = e["reason"]?.stringValue ?? ""
                #expect(o.status == 1, "\(reason): \(o.stderr)")
                // The swapped compose-hash event also contradicts MRCONFIGID v1; the replay must fail in any case.
                #expect(o.failing.first == want[reason], "\(reason): \(o.failing)")
                if reason != "rtmr3_replay_mismatch" { #expect(o.failing.count == 1, "\(reason): \(o.failing)") }
            } else {
                #expect(o.failing.isEmpty, "\(n["name"]?.stringValue ?? "")")
                #expect(o.fact("compose_hash")?.stringValue == e["compose_hash"]?.stringValue)
                let late = try #require(e["ignored_late_compose_hash"]?.stringValue)
                #expect(o.fact("compose_hash")?.stringValue != late)
            }
        }
    }
}
