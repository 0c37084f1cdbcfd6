import DevProofCore
import Foundation
import TestSupport
import Testing

/// End-to-end runs of `devproof attest` on dstack evidence: the real corpus, mutations of it built at
/// test time (each must fail with its own check), and malformed inputs (exit 2).
enum DstackE2E {
    static func corpus(_ rel: String) throws -> String? {
        guard let p = TestPaths.corpusFile(rel) else {
            if TestPaths.corpusRequired { Issue.record("corpus required but missing (DEVPROOF_CORPUS)") }
            else { print("SKIP: corpus absent, \(rel) not tested (set DEVPROOF_CORPUS)") }
            return nil
        }
        return p
    }

    struct Outcome {
        let status: Int32
        let report: JSONValue
        let stderr: String
        func check(_ id: String) -> String? {
            report["checks"]?.arrayValue?.first { $0["id"]?.stringValue == id }?["status"]?.stringValue
        }
        func fact(_ k: String) -> JSONValue? { report["facts"]?[k] }
        var failing: [String] {
            (report["checks"]?.arrayValue ?? []).filter { $0["status"]?.stringValue == "fail" }.compactMap { $0["id"]?.stringValue }
        }
    }

    static func attest(_ args: [String]) throws -> Outcome {
        let r = try Run.devproof(["attest", "--json"] + args)
        let v = (try? JSONParser.parse(r.stdout)) ?? .null
        return Outcome(status: r.status, report: v, stderr: r.stderr)
    }

    static func write(_ dir: URL, _ name: String, _ bytes: Bytes) throws -> String {
        let p = dir.appendingPathComponent(name).path
        try InputFile.write(p, bytes)
        return p
    }

    static func json(_ path: String) throws -> JSONValue { try JSONParser.parse(try InputFile.read(path)) }

    /// Replaces a member of an object (keeps order).
    static func setting(_ v: JSONValue, _ key: String, _ new: JSONValue) -> JSONValue {
        guard case .object(var m) = v, let i = m.firstIndex(where: { $0.key == key }) else { return v }
        m[i] = JSONMember(key, new)
        return .object(m)
    }

    static func serialize(_ v: JSONValue) -> Bytes { Array(v.serialized().utf8) }

    /// Flips the last hex digit of a hex string.
    static func flipHex(_ s: String) -> String {
        guard let last = s.last else { return s }
        return String(s.dropLast()) + (last == "0" ? "1" : "0")
    }

    /// Patches the quote's report_data (TD 1.0 v4 quote: body at 48, report_data at body+520).
    static func patchReportData(_ quote: Bytes, _ rd: Bytes) -> Bytes {
        var q = quote
        let padded = rd + Bytes(repeating: 0, count: 64 - rd.count)
        q.replaceSubrange(568..<632, with: padded)
        return q
    }
}

@Suite("e2e: attest dstack corpus")
struct AttestDstackCorpusE2E {
    @Test func liteGetQuote() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let o = try DstackE2E.attest(["--evidence", p, "--no-dcap"])
        #expect(o.check("eventlog.replay") == "pass")
        #expect(o.check("compose.mr_config_id") == "pass")
        // The evidence's own vm_config is only self-consistency; without an auditor reference os.measurement skips.
        #expect(o.check("os.self_consistency") == "pass")
        #expect(o.check("os.measurement") == "skip")
        #expect(o.check("td.debug") == "pass")
        #expect(o.status == 3, "--no-dcap is an opt-out: everything else verified, but never pass")
        #expect(o.check("tcb.status") == "skip")
        #expect(o.check("quote.structure") == "pass")
        #expect(o.fact("app_id")?.stringValue == "86b0e55f2fa8e4fb69d890f14f54d5612707646e")
        #expect(o.fact("compose_hash")?.stringValue == "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9")
        #expect(o.fact("instance_id")?.stringValue == "050bf89570575fe8fab4cb8f0a62a9e64efe8ead")
        #expect(o.fact("mode")?.stringValue == "no-dcap")
        for k in ["app_id", "compose_hash", "instance_id", "device_id", "key_provider", "os_image_hash", "mr_system",
                  "mr_aggregated", "tcb_status", "advisory_ids"] {
            #expect(o.fact(k) != nil, "fact \(k) missing")
        }
    }

    @Test func liteVmConfigChanged() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let vcText = try #require(v["vm_config"]?.stringValue)
        let vc = try JSONParser.parse(vcText)
        for (k, nv) in [("memory_size", JSONValue.number("4294967296")), ("os_image_hash", .string(String(repeating: "ab", count: 32)))] {
            let f = try DstackE2E.write(dir, "gq-\(k).json", DstackE2E.serialize(DstackE2E.setting(v, "vm_config", .string(DstackE2E.setting(vc, k, nv).serialized()))))
            let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
            #expect(o.status == 1, "\(k)")
            #expect(o.failing == ["os.self_consistency"], "\(k)")
        }
    }

    @Test func osRefMismatch() throws {
        guard let p = try DstackE2E.corpus("dstack/quote-report.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let o0 = try DstackE2E.attest(["--evidence", p, "--no-dcap"])
        func hex(_ k: String) -> String { o0.fact(k)?.stringValue ?? "" }
        let good = try DstackE2E.write(dir, "ref.json", Array(#"{"mrtd":"\#(hex("mr_td"))","rtmr0":"\#(hex("rtmr0"))","rtmr1":"\#(hex("rtmr1"))","rtmr2":"\#(hex("rtmr2"))"}"#.utf8))
        #expect(try DstackE2E.attest(["--evidence", p, "--no-dcap", "--os-ref", good]).check("os.measurement") == "pass")
        let bad = try DstackE2E.write(dir, "bad.json", Array(#"{"mrtd":"\#(DstackE2E.flipHex(hex("mr_td")))","rtmr0":"\#(hex("rtmr0"))","rtmr1":"\#(hex("rtmr1"))","rtmr2":"\#(hex("rtmr2"))"}"#.utf8))
        let o = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--os-ref", bad])
        #expect(o.status == 1 && o.failing == ["os.measurement"])
        let broken = try DstackE2E.write(dir, "broken.json", Array(#"{"mrtd":"00"}"#.utf8))
        #expect(try Run.devproof(["attest", "--evidence", p, "--no-dcap", "--os-ref", broken]).status == 2)
    }

    @Test func liteAttestation() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-attestation.json") else { return }
        let o = try DstackE2E.attest(["--evidence", p, "--no-dcap"])
        #expect(o.check("eventlog.replay") == "pass")
        #expect(o.check("compose.mr_config_id") == "pass")
        #expect(o.fact("compose_hash")?.stringValue == "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9")
        #expect(o.fact("evidence_kind")?.stringValue == "SCALE attestation")
        #expect(o.check("os.self_consistency") == "pass")
        #expect(o.check("os.measurement") == "skip")
    }

    @Test func quoteReportWithRawBinding() throws {
        guard let p = try DstackE2E.corpus("dstack/quote-report.json") else { return }
        let ok = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--bind", "raw:1234"])
        #expect(ok.check("eventlog.replay") == "pass")
        #expect(ok.check("report_data.binding") == "pass")
        #expect(ok.check("compose.mr_config_id") == "info")
        #expect(ok.fact("application_events")?.arrayValue?.first?.stringValue == "LIUM_MINER_HOTKEY")
        let bad = try DstackE2E.attest(["--evidence", p, "--no-dcap", "--bind", "raw:1235"])
        #expect(bad.status == 1)
        #expect(bad.failing == ["report_data.binding"])
    }

    @Test func rtmr3BasedWithSeparateCompose() throws {
        guard let r = try DstackE2E.corpus("compose/rtmr3-based-report.json"),
              let c = try DstackE2E.corpus("compose/rtmr3-based-app-compose.json") else { return }
        let o = try DstackE2E.attest(["--evidence", r, "--app-compose", c, "--no-dcap"])
        #expect(o.check("eventlog.replay") == "pass")
        #expect(o.check("compose.hash") == "pass")
        #expect(o.fact("compose_hash")?.stringValue == "06768e6df639ce3be65e9e5321f8b2d82dbffb01c74323462d34c2feb9653aff")
        let canon = try #require(o.fact("compose_hash_sdk_canonical")?.stringValue)
        #expect(canon != "06768e6df639ce3be65e9e5321f8b2d82dbffb01c74323462d34c2feb9653aff", "re-serializing changes the hash")
        #expect(o.fact("app_id")?.stringValue == "06768e6df639ce3be65e9e5321f8b2d82dbffb01")
    }

    @Test(arguments: ["prod5-pha.json", "prod7-eth.json", "prod9-base.json"])
    func kmsInfo(_ name: String) throws {
        guard let p = try DstackE2E.corpus("kms-info/\(name)") else { return }
        let o = try DstackE2E.attest(["--evidence", p, "--no-dcap"])
        for id in ["eventlog.replay", "eventlog.digests", "compose.hash", "compose.mr_config_id", "ratls.binding", "td.debug"] {
            #expect(o.check(id) == "pass", "\(name): \(id)")
        }
        #expect(o.failing.isEmpty)
        let v = try DstackE2E.json(p)
        #expect(o.fact("compose_hash")?.stringValue == v["compose_hash"]?.stringValue)
        #expect(o.fact("mr_aggregated")?.stringValue == v["mr_aggregated"]?.stringValue)
        #expect(o.fact("app_id")?.stringValue == v["app_id"]?.stringValue)
    }

    @Test func separateParts() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let q = try DstackE2E.write(dir, "quote.hex", Array(try #require(v["quote"]?.stringValue).utf8))
        let l = try DstackE2E.write(dir, "log.json", Array(try #require(v["event_log"]?.stringValue).utf8))
        let c = try DstackE2E.write(dir, "vm.json", Array(try #require(v["vm_config"]?.stringValue).utf8))
        let o = try DstackE2E.attest(["--quote", q, "--event-log", l, "--vm-config", c, "--no-dcap"])
        #expect(o.status == 3) // --no-dcap: never pass
        #expect(o.check("eventlog.replay") == "pass" && o.check("os.self_consistency") == "pass")
        #expect(o.fact("evidence_kind")?.stringValue == "separate files")
        let twice = try Run.devproof(["attest", "--evidence", p, "--quote", q, "--no-dcap"])
        #expect(twice.status == 2, "two quotes is a usage error")
        let noLog = try DstackE2E.attest(["--quote", q, "--vm-config", c, "--no-dcap"])
        #expect(noLog.status == 3 && noLog.check("eventlog.replay") == "skip")
    }

    /// An RA-TLS certificate carrying the SCALE attestation in OID .1.8 (made here with `cryptography`):
    /// the attestation's quote/log are used; its report_data binds the original key, not this one.
    @Test(.enabled(if: TestPaths.python != nil, "Python venv not found: certificate generator not run"))
    func ratlsAttestationOID8() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-attestation.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("cert.pem").path
        let py = """
        import json, sys, datetime
        from cryptography import x509
        from cryptography.x509.oid import NameOID
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        att = bytes.fromhex(json.load(open(sys.argv[1]))["attestation"])
        def octets(b):
            n = len(b)
            l = bytes([n]) if n < 128 else (bytes([0x82]) + n.to_bytes(2, "big") if n < 65536 else bytes([0x83]) + n.to_bytes(3, "big"))
            return bytes([4]) + l + b
        k = ec.derive_private_key(7, ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "devproof test oid8")])
        t = datetime.datetime(2026, 1, 1)
        c = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(k.public_key())
             .serial_number(1).not_valid_before(t).not_valid_after(t + datetime.timedelta(days=1))
             .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.62397.1.8"), octets(att)), False)
             .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.62397.1.4"), octets(b"app:custom")), False)
             .sign(k, hashes.SHA256()))
        open(sys.argv[2], "wb").write(c.public_bytes(serialization.Encoding.PEM))
        """
        let r = try Run.python(["-c", py, p, out])
        try #require(r.status == 0, "\(r.stderr)")
        let o = try DstackE2E.attest(["--evidence", out, "--no-dcap"])
        #expect(o.check("eventlog.replay") == "pass")
        #expect(o.check("os.self_consistency") == "pass")
        #expect(o.failing == ["ratls.binding"], "the quote binds dstack's key, not this test key")
    }

    @Test func ratlsCertificatePEMAlone() throws {
        guard let p = try DstackE2E.corpus("kms-info/prod9-base.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let pem = try #require(try DstackE2E.json(p)["app_cert"]?.stringValue)
        let f = try DstackE2E.write(dir, "cert.pem", Array(pem.utf8))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.check("ratls.binding") == "pass")
        #expect(o.check("eventlog.replay") == "pass")
        #expect(o.fact("evidence_kind")?.stringValue == "RA-TLS certificate")
    }

    @Test func withoutNoDcapTheVerdictIsNotPass() throws {
        guard let p = try DstackE2E.corpus("kms-info/prod5-pha.json") else { return }
        let o = try DstackE2E.attest(["--evidence", p, "--offline"])
        #expect(o.status == 3, "no collateral offline: inconclusive, never pass")
        #expect(o.report["verdict"]?.stringValue == "inconclusive")
    }

    @Test func simulatorBannerAndMode() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let r = try Run.devproof(["attest", "--evidence", p, "--simulator"])
        #expect(r.stdout.split(separator: "\n").first?.contains("NOT VERIFIED: --simulator") == true)
        let o = try DstackE2E.attest(["--evidence", p, "--simulator"])
        #expect(o.fact("mode")?.stringValue == "simulator")
        let human = try Run.devproof(["attest", "--evidence", p, "--no-dcap"])
        #expect(human.stdout.split(separator: "\n").first?.contains("--no-dcap") == true)
    }
}

@Suite("e2e: attest dstack corpus mutations fail with their own check")
struct AttestDstackCorpusMutationsE2E {
    @Test func appComposeByteChanged() throws {
        guard let p = try DstackE2E.corpus("kms-info/prod7-eth.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let tcb = try JSONParser.parse(try #require(v["tcb_info"]?.stringValue))
        var compose = Array(try #require(tcb["app_compose"]?.stringValue).utf8)
        let i = try #require(compose.firstIndex(of: UInt8(ascii: "a")))
        compose[i] = UInt8(ascii: "b")
        let tcb2 = DstackE2E.setting(tcb, "app_compose", .string(String(decoding: compose, as: UTF8.self)))
        let f = try DstackE2E.write(dir, "info.json", DstackE2E.serialize(DstackE2E.setting(v, "tcb_info", .string(tcb2.serialized()))))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.status == 1)
        #expect(o.failing == ["compose.hash"])
    }

    @Test func runtimeEventPayloadChanged() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let log = try JSONParser.parse(try #require(v["event_log"]?.stringValue))
        let events = try #require(log.arrayValue).map { e -> JSONValue in
            guard e["event"]?.stringValue == "instance-id", let pl = e["event_payload"]?.stringValue else { return e }
            return DstackE2E.setting(e, "event_payload", .string(DstackE2E.flipHex(pl)))
        }
        let f = try DstackE2E.write(dir, "gq.json", DstackE2E.serialize(DstackE2E.setting(v, "event_log", .string(JSONValue.array(events).serialized()))))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.status == 1)
        #expect(o.failing.contains("eventlog.replay"))
        #expect(!o.failing.contains("eventlog.digests"), "the stripped log has no digests to contradict")
    }

    @Test func runtimeEventPayloadChangedWithLoggedDigest() throws {
        guard let p = try DstackE2E.corpus("dstack/quote-report.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let log = try JSONParser.parse(try #require(v["event_log"]?.stringValue))
        let events = try #require(log.arrayValue).map { e -> JSONValue in
            guard e["event"]?.stringValue == "app-id", let pl = e["event_payload"]?.stringValue else { return e }
            return DstackE2E.setting(e, "event_payload", .string(DstackE2E.flipHex(pl)))
        }
        let f = try DstackE2E.write(dir, "qr.json", DstackE2E.serialize(DstackE2E.setting(v, "event_log", .string(JSONValue.array(events).serialized()))))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.status == 1)
        #expect(o.check("eventlog.digests") == "fail")
    }

    @Test func bootEventDigestChanged() throws {
        guard let p = try DstackE2E.corpus("dstack/quote-report.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let logText = try #require(v["event_log"]?.stringValue)
        var events = try #require(try JSONParser.parse(logText).arrayValue)
        let i = try #require(events.firstIndex { $0["imr"]?.int64Value == 1 })
        events[i] = DstackE2E.setting(events[i], "digest", .string(DstackE2E.flipHex(try #require(events[i]["digest"]?.stringValue))))
        let f = try DstackE2E.write(dir, "qr.json", DstackE2E.serialize(DstackE2E.setting(v, "event_log", .string(JSONValue.array(events).serialized()))))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.status == 1)
        #expect(o.failing == ["eventlog.replay"])
    }

    @Test func ratlsLeafKeyChanged() throws {
        guard let p = try DstackE2E.corpus("kms-info/prod5-pha.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let pem = try #require(v["app_cert"]?.stringValue)
        // Leaf = first PEM block; flip one byte of the EC point inside its SubjectPublicKeyInfo.
        let blocks = pem.components(separatedBy: "-----END CERTIFICATE-----")
        let b64 = blocks[0].replacingOccurrences(of: "-----BEGIN CERTIFICATE-----", with: "")
        var der = try Base64.decode(b64)
        let spkiPrefix: Bytes = [0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
        let at = try #require((0..<(der.count - spkiPrefix.count)).first { Array(der[$0..<($0 + spkiPrefix.count)]) == spkiPrefix })
        der[at + 90] ^= 0x01  // inside the 65-byte point (SPKI is 91 bytes)
        let leaf = "-----BEGIN CERTIFICATE-----\n" + Base64.encode(der) + "\n-----END CERTIFICATE-----"
        let newPEM = ([leaf] + blocks.dropFirst()).joined(separator: "-----END CERTIFICATE-----").replacingOccurrences(
            of: "-----END CERTIFICATE----------END CERTIFICATE-----", with: "-----END CERTIFICATE-----")
        let f = try DstackE2E.write(dir, "info.json", DstackE2E.serialize(DstackE2E.setting(v, "app_cert", .string(newPEM))))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.status == 1)
        #expect(o.failing == ["ratls.binding"])
    }

    @Test func appCertOfOneInfoWithTcbInfoOfAnother() throws {
        guard let a = try DstackE2E.corpus("kms-info/prod5-pha.json"), let b = try DstackE2E.corpus("kms-info/prod9-base.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let va = try DstackE2E.json(a), vb = try DstackE2E.json(b)
        let mixed = DstackE2E.setting(va, "tcb_info", try #require(vb["tcb_info"]))
        let f = try DstackE2E.write(dir, "mixed.json", DstackE2E.serialize(mixed))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.status == 1)
        #expect(o.check("eventlog.replay") == "fail")
        #expect(o.check("ratls.binding") == "pass", "the certificate itself is intact")
    }

    @Test func infoClaimsThatLieAreFlagged() throws {
        guard let p = try DstackE2E.corpus("kms-info/prod9-base.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        let f = try DstackE2E.write(dir, "info.json", DstackE2E.serialize(DstackE2E.setting(v, "mr_aggregated", .string(String(repeating: "ab", count: 32)))))
        let o = try DstackE2E.attest(["--evidence", f, "--no-dcap"])
        #expect(o.check("evidence.claims") == "warn")
        #expect(o.failing.isEmpty)
        #expect(o.fact("mr_aggregated")?.stringValue == v["mr_aggregated"]?.stringValue, "the verified value is reported, not the claim")
        #expect(try DstackE2E.attest(["--evidence", p, "--no-dcap"]).check("evidence.claims") == "info")
    }

    /// The lite GetQuote rewritten with V2 (JCS) runtime events and the quote's RTMR3 patched to their replay
    /// (the quote signature no longer verifies; --no-dcap). Digests blank, and with preimages.
    @Test func runtimeEventsV2() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let v = try DstackE2E.json(p)
        var quote = try Hex.decode(try #require(v["quote"]?.stringValue))
        let logText = try #require(v["event_log"]?.stringValue)
        var rtmr3 = Bytes(repeating: 0, count: 48)
        func v2(_ e: JSONValue, preimage: Bool, tamper: Bool) -> JSONValue {
            guard e["event_type"]?.int64Value == 134217729, case .object(var m) = e else { return e }
            let name = e["event"]?.stringValue ?? "", payload = e["event_payload"]?.stringValue ?? ""
            var pre = "{\"name\":"; JSONValue.writeString(name, &pre)
            pre += ",\"payload\":\"\(payload)\",\"type\":134217729}"
            let d = Digest.sha384(Array(pre.utf8))
            if !tamper { rtmr3 = Digest.sha384(rtmr3 + d) }
            m.append(JSONMember("version", .number("2")))
            if preimage {
                let shown = tamper && name == "app-id" ? pre.replacingOccurrences(of: "\"type\"", with: "\"type\" ") : pre
                m.append(JSONMember("preimage", .string(Array(shown.utf8).hex)))
            }
            return .object(m)
        }
        let events = try #require(try JSONParser.parse(logText).arrayValue)
        let blank = events.map { v2($0, preimage: false, tamper: false) }
        quote.replaceSubrange(520..<568, with: rtmr3)
        let withPre = events.map { v2($0, preimage: true, tamper: true) }
        func file(_ name: String, _ evs: [JSONValue]) throws -> String {
            var o = DstackE2E.setting(v, "event_log", .string(JSONValue.array(evs).serialized()))
            o = DstackE2E.setting(o, "quote", .string(quote.hex))
            return try DstackE2E.write(dir, name, DstackE2E.serialize(o))
        }
        let ok = try DstackE2E.attest(["--evidence", try file("v2.json", blank), "--no-dcap"])
        #expect(ok.check("eventlog.replay") == "pass")
        #expect(ok.failing.isEmpty)
        // V1 digests for the same events would not replay: the version field matters.
        let asV1 = try DstackE2E.attest(["--evidence", try file("v1.json", events), "--no-dcap"])
        #expect(asV1.failing == ["eventlog.replay"])
        let badPre = try DstackE2E.attest(["--evidence", try file("v2pre.json", withPre), "--no-dcap"])
        #expect(badPre.failing == ["eventlog.digests"])
    }

    static func oracle(statement: String, quote: Bytes, hashOf: String? = nil) -> Bytes {
        let stmt = try! JSONParser.parse(statement)
        let h = Digest.sha256(Array((hashOf ?? statement).utf8)).hex
        let q = DstackE2E.patchReportData(quote, Array(h.utf8))
        // Pretty-printed like the app's response.
        let v: JSONValue = .obj([("statement", stmt), ("reportDataHash", .string(h)), ("quote", .string(q.hex))])
        return Array(v.serialized(JSONWriteOptions(pretty: true)).utf8)
    }

    @Test func oracleStatementEditedAfterSigning() throws {
        guard let p = try DstackE2E.corpus("dstack/tdx-lite-getquote.json") else { return }
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let quote = try Hex.decode(try #require(try DstackE2E.json(p)["quote"]?.stringValue))
        // As JSON.stringify printed it (insertion order, JS numbers, non-ASCII kept).
        let signed = #"{"source":"api.coingecko.com","price":0.1,"tlsFingerprint":"AB:CD","tlsIssuer":"Gandi Ünïcode ✓","tlsValidTo":"Jan  1 00:00:00 2027 GMT","timestamp":1703347200000}"#
        // The same statement with the literals written differently must still verify.
        let rewritten = #"{"source":"api.coingecko.com","price":1.0e-1,"tlsFingerprint":"AB:CD","tlsIssuer":"Gandi \u00dcn\u00efcode \u2713","tlsValidTo":"Jan  1 00:00:00 2027 GMT","timestamp":1.7033472e12}"#
        let good = try DstackE2E.write(dir, "good.json", Self.oracle(statement: rewritten, quote: quote, hashOf: signed))
        let o = try DstackE2E.attest(["--evidence", good, "--no-dcap"])
        #expect(o.check("report_data.binding") == "pass")
        let edited = signed.replacingOccurrences(of: "\"price\":0.1", with: "\"price\":0.2")
        let bad = try DstackE2E.write(dir, "bad.json", Self.oracle(statement: edited, quote: quote, hashOf: signed))
        let b = try DstackE2E.attest(["--evidence", bad, "--no-dcap"])
        #expect(b.status == 1)
        #expect(b.failing == ["report_data.binding"])
    }
}

@Suite("e2e: attest dstack malformed input exits 2")
struct AttestDstackMalformedE2E {
    @Test(arguments: [
        ("unknown.json", #"{"hello":"world"}"#), ("notjson.json", "{not json"), ("empty.json", ""),
        ("badhex.json", #"{"quote":"zz"}"#), ("shortquote.json", #"{"quote":"0400"}"#),
        ("attest.json", #"{"attestation":"0000ffff"}"#), ("log.json", #"{"quote":"00","event_log":"[{\"imr\":3}]"}"#),
        ("cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        ("info.json", #"{"app_cert":"","tcb_info":""}"#),
    ])
    func malformedEvidence(_ name: String, _ text: String) throws {
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let f = try DstackE2E.write(dir, name, Array(text.utf8))
        let r = try Run.devproof(["attest", "--evidence", f, "--no-dcap"])
        #expect(r.status == 2, "\(name): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(name): one-line error, got \(r.stderr)")
    }

    @Test func badBindIsUsageError() throws {
        guard let p = try DstackE2E.corpus("dstack/quote-report.json") else { return }
        let r = try Run.devproof(["attest", "--evidence", p, "--no-dcap", "--bind", "sha999:x"])
        #expect(r.status == 2)
        let m = try Run.devproof(["attest", "--evidence", p, "--no-dcap", "--bind", "sha256-pad:/nonexistent"])
        #expect(m.status == 2)
    }

    @Test func unknownShapeNamesWhatWasExpected() throws {
        let dir = TestPaths.tempDir("dstack-e2e"); defer { try? FileManager.default.removeItem(at: dir) }
        let f = try DstackE2E.write(dir, "x.json", Array(#"{"a":1}"#.utf8))
        let r = try Run.devproof(["attest", "--evidence", f])
        #expect(r.status == 2)
        #expect(r.stderr.contains("GetQuote") && r.stderr.contains("RA-TLS"))
    }
}
