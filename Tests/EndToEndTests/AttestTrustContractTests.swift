import DevProofCore
import Foundation
import TestSupport
import Testing

/// Issue 7 (attest half): the auditor's references win, no flag is dropped, opt-outs never pass, inputs are
/// bounded and strictly decoded. Each attack is tried and must be refused.
@Suite("e2e: attest trust contract (fixtures)")
struct AttestTrustContractFixtureE2E {
    static func fx(_ p: String) -> String { TestPaths.fixture("dcap/" + p) }
    static let base = ["--collateral", fx("collateral-tdx.json"), "--root-ca", fx("pki/root-ca.pem"), "--now", "2026-01-15T00:00:00Z",
                       "--quote", fx("tdx-v4-valid.quote")]
    static func attest(_ extra: [String]) throws -> DstackE2E.Outcome { try DstackE2E.attest(base + extra) }
    static func flip(_ hex: String) -> String { DstackE2E.flipHex(hex) }

    @Test func osRefIsHonouredWithABareQuote() throws {
        let o0 = try Self.attest([])
        #expect(o0.status == 0 && o0.check("os.measurement") == nil, "no --os-ref: no OS claim")
        func hex(_ k: String) -> String { o0.fact(k)?.stringValue ?? "" }
        let dir = TestPaths.tempDir("trust"); defer { try? FileManager.default.removeItem(at: dir) }
        let good = try DstackE2E.write(dir, "ref.json", Array(#"{"mrtd":"\#(hex("mr_td"))","rtmr0":"\#(hex("rtmr0"))","rtmr1":"\#(hex("rtmr1"))","rtmr2":"\#(hex("rtmr2"))"}"#.utf8))
        let ok = try Self.attest(["--os-ref", good])
        #expect(ok.status == 0 && ok.check("os.measurement") == "pass")
        let bad = try DstackE2E.write(dir, "bad.json", Array(#"{"mrtd":"\#(Self.flip(hex("mr_td")))","rtmr0":"\#(hex("rtmr0"))","rtmr1":"\#(hex("rtmr1"))","rtmr2":"\#(hex("rtmr2"))"}"#.utf8))
        let no = try Self.attest(["--os-ref", bad])
        #expect(no.status == 1 && no.failing == ["os.measurement"], "the --os-ref of a bare quote was ignored before")
    }

    @Test func registerAndDeviceReferences() throws {
        let o0 = try Self.attest([])
        func hex(_ k: String) -> String { o0.fact(k)?.stringValue ?? "" }
        let flags: [(String, String, String)] = [("--expect-mrtd", "mr_td", "ref.mr_td"), ("--expect-rtmr3", "rtmr3", "ref.rtmr3"),
                                                 ("--expect-mr-config-id", "mr_config_id", "ref.mr_config_id"),
                                                 ("--expect-report-data", "report_data", "ref.report_data")]
        for (flag, fact, id) in flags {
            let ok = try Self.attest([flag, hex(fact)])
            #expect(ok.status == 0 && ok.check(id) == "pass", "\(flag)")
            let bad = try Self.attest([flag, Self.flip(hex(fact))])
            #expect(bad.status == 1 && bad.failing == [id], "\(flag)")
        }
        // device_id: either definition matches, and the check says which.
        for fact in ["device_id", "device_id_qe_user_data"] {
            let ok = try Self.attest(["--expect-device-id", hex(fact), "--expect-device-id", String(repeating: "00", count: 32)])
            #expect(ok.status == 0 && ok.check("ref.device_id") == "pass", "\(fact)")
            let summary = ok.report["checks"]?.arrayValue?.first { $0["id"]?.stringValue == "ref.device_id" }?["summary"]?.stringValue ?? ""
            #expect(summary.contains(fact == "device_id" ? "sha256(ppid)" : "sha256(qe_user_data)"), "\(summary)")
        }
        #expect(try Self.attest(["--expect-device-id", String(repeating: "11", count: 32)]).failing == ["ref.device_id"])
    }

    @Test func aFlagTheModeDoesNotUseIsAUsageError() throws {
        let cases: [([String], String)] = [
            (["--expect-compose-hash", String(repeating: "ab", count: 32)], "--expect-compose-hash needs the app's event log"),
            (["--expect-app-id", String(repeating: "ab", count: 20)], "--expect-app-id needs"),
            (["--no-dcap"], "--collateral is not used with --no-dcap"),
            (["--simulator"], "--collateral is not used with --simulator"),
        ]
        for (extra, msg) in cases {
            let r = try Run.devproof(["attest"] + Self.base + extra)
            #expect(r.status == 2 && r.stderr.contains(msg), "\(extra): \(r.stderr)")
        }
        let both = try Run.devproof(["attest", "--quote", Self.fx("tdx-v4-valid.quote"), "--no-dcap", "--simulator"])
        #expect(both.status == 2)
        let allow = try Run.devproof(["attest", "--quote", Self.fx("tdx-v4-valid.quote"), "--no-dcap", "--allow-tcb-status", "OutOfDate"])
        #expect(allow.status == 2 && allow.stderr.contains("--allow-tcb-status is not used with --no-dcap"))
        let sgx = try Run.devproof(["attest", "--quote", Self.fx("sgx-v3-valid.quote"), "--collateral", Self.fx("collateral-sgx.json"),
                                    "--root-ca", Self.fx("pki/root-ca.pem"), "--expect-mrtd", String(repeating: "00", count: 48)])
        #expect(sgx.status == 2 && sgx.stderr.contains("SGX"))
    }

    @Test func typedValuesAreParsedAtTheEdge() throws {
        for extra in [["--expect-app-id", "abcd"], ["--expect-app-id", String(repeating: "zz", count: 20)],
                      ["--expect-compose-hash", String(repeating: "a", count: 63)], ["--allow-tcb-status", "Fine"],
                      ["--expect-mrtd", " " + String(repeating: "00", count: 48)]] {
            let r = try Run.devproof(["attest"] + Self.base + extra)
            #expect(r.status == 2 && r.stdout.isEmpty, "\(extra): \(r.stderr)")
        }
    }

    @Test func optOutsNeverPassAndShareOneBanner() throws {
        let q = try Run.devproof(["attest", "--quote", Self.fx("tdx-v4-valid.quote"), "--no-dcap"])
        #expect(q.status == 3)
        #expect(q.stdout.split(separator: "\n").first?.contains("NOT VERIFIED: --no-dcap") == true, "\(q.stdout)")
        // Evidence mode (quote + binding) with the quote's signature zeroed: still exit 3, same banner.
        var raw = try InputFile.read(Self.fx("tdx-v4-valid.quote"))
        let sigOffset = 632 + 4
        for i in sigOffset..<(sigOffset + 64) { raw[i] = 0 }
        let dir = TestPaths.tempDir("trust"); defer { try? FileManager.default.removeItem(at: dir) }
        let zeroed = try DstackE2E.write(dir, "zeroed.quote", raw)
        let e = try Run.devproof(["attest", "--quote", zeroed, "--bind", "raw:00", "--no-dcap"])
        #expect(e.status == 3 || e.status == 1, "never pass: \(e.status)")
        #expect(e.status != 0)
        #expect(e.stdout.split(separator: "\n").first?.contains("NOT VERIFIED: --no-dcap") == true, "\(e.stdout)")
    }

    @Test func inputsAreBounded() throws {
        let dir = TestPaths.tempDir("trust"); defer { try? FileManager.default.removeItem(at: dir) }
        let big = try DstackE2E.write(dir, "big.quote", Bytes(repeating: 0x30, count: (1 << 20) + 1))
        let r = try Run.devproof(["attest", "--quote", big, "--no-dcap"])
        #expect(r.status == 2 && r.stderr.contains("larger than 1048576 bytes"), "\(r.stderr)")
    }
}

/// References against real dstack evidence (corpus) and the policy file.
@Suite("e2e: attest references and policy (corpus)")
struct AttestReferencesCorpusE2E {
    @Test func referencesWinOverTheEvidencesSelfDescription() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let dir = TestPaths.tempDir("trust"); defer { try? FileManager.default.removeItem(at: dir) }
        let o0 = try DstackE2E.attest(["--evidence", p, "--no-dcap"])
        func hex(_ k: String) -> String { o0.fact(k)?.stringValue ?? "" }
        // A reference of another OS image: the evidence's own (self-consistent) vm_config cannot override it.
        let other = try DstackE2E.write(dir, "other.json", Array(#"{"mrtd":"\#(DstackE2E.flipHex(hex("mr_td")))","rtmr0":"\#(hex("rtmr0"))","rtmr1":"\#(hex("rtmr1"))","rtmr2":"\#(hex("rtmr2"))"}"#.utf8))
        let o = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--os-ref", other])
        #expect(o.status == 1 && o.failing == ["os.measurement"])
        #expect(o.check("os.self_consistency") == "pass")
        let same = try DstackE2E.write(dir, "same.json", Array(#"{"mrtd":"\#(hex("mr_td"))","rtmr0":"\#(hex("rtmr0"))","rtmr1":"\#(hex("rtmr1"))","rtmr2":"\#(hex("rtmr2"))"}"#.utf8))
        #expect(try DstackE2E.attest(["--evidence", p, "--no-dcap", "--os-ref", same]).check("os.measurement") == "pass")
        // The os-image-hash fact is the measured event's value.
        #expect(o0.fact("os_image_hash_source")?.stringValue == "os-image-hash event")
    }

    @Test func identityReferencesAndPolicy() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let dir = TestPaths.tempDir("trust"); defer { try? FileManager.default.removeItem(at: dir) }
        let o0 = try DstackE2E.attest(["--evidence", p, "--no-dcap"])
        func hex(_ k: String) -> String { o0.fact(k)?.stringValue ?? "" }
        let ch = hex("compose_hash"), app = hex("app_id"), inst = hex("instance_id")
        let ok = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--expect-compose-hash", ch, "--expect-app-id", app, "--expect-instance-id", inst])
        for id in ["ref.compose_hash", "ref.app_id", "ref.instance_id"] { #expect(ok.check(id) == "pass", "\(id)") }
        #expect(ok.status == 3, "--no-dcap: never pass")
        let bad = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--expect-compose-hash", DstackE2E.flipHex(ch)])
        #expect(bad.status == 1 && bad.failing == ["ref.compose_hash"])

        // Policy file (YAML): the same references; a flag overrides the file's value for its key.
        let yaml = try DstackE2E.write(dir, "p.yaml", Array("""
            reference:
              compose_hash: [\(DstackE2E.flipHex(ch))]
              app_id: "\(app)"
            tcb:
              allowed_statuses: [UpToDate, SWHardeningNeeded]
            """.utf8))
        let fromFile = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--policy", yaml])
        #expect(fromFile.failing == ["ref.compose_hash"] && fromFile.check("ref.app_id") == "pass")
        let overridden = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--policy", yaml, "--expect-compose-hash", ch])
        #expect(overridden.failing.isEmpty && overridden.check("ref.compose_hash") == "pass")
        let json = try DstackE2E.write(dir, "p.json", Array(#"{"reference":{"app_id":["\#(app)"]}}"#.utf8))
        #expect(try DstackE2E.attest(["--evidence", p, "--no-dcap", "--policy", json]).check("ref.app_id") == "pass")

        // Malformed policies: exit 2 naming the problem.
        for (name, text, msg) in [("dup.json", #"{"reference":{"app_id":"\#(app)","app_id":"\#(app)"}}"#, "duplicate key \"app_id\""),
                                  ("dup.yaml", "reference:\n  app_id: \(app)\n  app_id: \(app)\n", "duplicate key 'app_id'"),
                                  ("unknown.yaml", "reference:\n  compose_hsh: \(ch)\n", "unknown key 'reference.compose_hsh'"),
                                  ("short.json", #"{"reference":{"app_id":"abcd"}}"#, "expected 20 bytes")] {
            let f = try DstackE2E.write(dir, name, Array(text.utf8))
            let r = try Run.devproof(["attest", "--evidence", p, "--no-dcap", "--policy", f])
            #expect(r.status == 2 && r.stderr.contains(msg), "\(name): \(r.stderr)")
        }
    }

    @Test func rawBinaryAttestationIsAccepted() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-attestation.json") else { return }
        let dir = TestPaths.tempDir("trust"); defer { try? FileManager.default.removeItem(at: dir) }
        let raw = try Hex.decode(try #require(try DstackE2E.json(p)["attestation"]?.stringValue))
        let f = try DstackE2E.write(dir, "att.bin", raw)
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        let wrapped = try DstackE2E.attest(["--evidence", p, "--no-dcap"])
        #expect(o.fact("evidence_kind")?.stringValue == "SCALE attestation")
        #expect(o.check("eventlog.replay") == "pass" && o.fact("compose_hash") == wrapped.fact("compose_hash"))
        // The V1 msgpack form is refused with a clear message, exit 2.
        let mp = try DstackE2E.write(dir, "att.msgpack", [0x82, 0xa1, 0x76, 0x01])
        let r = try Run.devproof(["attest", "--evidence", mp, "--no-dcap"])
        #expect(r.status == 2 && r.stderr.contains("msgpack"), "\(r.stderr)")
    }
}
