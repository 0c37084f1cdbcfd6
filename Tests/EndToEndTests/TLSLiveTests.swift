import DevProofCore
import Foundation
import TestSupport
import Testing

/// `devproof tls --url` against loopback TLS servers started by the test (scripts/tls_test_server.py) with the
/// project's TEST PKI certificates and quotes.
@Suite("e2e: tls --url (loopback TLS servers)")
struct TLSLiveE2E {
    static let tut = ["--os-ref", TestPaths.fixture("dstack/v1/os-ref.json")] + TLSE2E.dcap
    static func server(_ mode: String, cert: String = "tutorial/server-cert.pem", key: String = "tutorial/server-key.pem",
                       body: String = "tutorial/attestation.json") throws -> LocalServer {
        try LocalServer(script: "tls_test_server.py", args: [mode, TLSE2E.f(cert), TLSE2E.f(key), TLSE2E.f(body)])
    }
    static func url(_ s: LocalServer) -> String { "https://127.0.0.1:\(s.port)" }

    @Test func honestTutorialServerPasses() throws {
        let s = try Self.server("honest")
        defer { s.stop() }
        let o = try TLSE2E.tls(["--url", Self.url(s)] + Self.tut)
        #expect(o.status == 0, "\(o.failing) \(o.stderr)")
        for id in ["tls.connect", "tls.attestation", "tls.quote.truncated", "tls.binding", "quote.signature", "eventlog.replay", "os.measurement"] {
            #expect(o.check(id) == "pass", "\(id)")
        }
        #expect(o.check("tls.fingerprint") == "info")
        #expect(o.fact("binding_profile")?.stringValue?.contains("tutorial") == true)
        #expect(o.report["checks"]?.arrayValue?.first { $0["id"]?.stringValue == "tls.quote.truncated" }?["summary"]?.stringValue?.contains("hex of hex") == true)
    }

    /// A relay presents its own certificate and forwards the honest attestation with certFingerprint rewritten:
    /// the tutorial's verify_tls.py accepts this; report_data exposes it.
    @Test func manInTheMiddleFails() throws {
        let s = try Self.server("mitm", cert: "tutorial/mitm-cert.pem", key: "tutorial/mitm-key.pem", body: "tutorial/attestation-mitm.json")
        defer { s.stop() }
        let o = try TLSE2E.tls(["--url", Self.url(s)] + Self.tut)
        #expect(o.status == 1)
        #expect(o.check("tls.binding") == "fail")
        #expect(o.check("tls.fingerprint") == "info")  // the forged fingerprint "matches": it proves nothing
        // The honest attestation relayed unchanged: the fingerprint now disagrees (warn) and the binding still fails.
        let s2 = try Self.server("mitm", cert: "tutorial/mitm-cert.pem", key: "tutorial/mitm-key.pem")
        defer { s2.stop() }
        let o2 = try TLSE2E.tls(["--url", Self.url(s2)] + Self.tut)
        #expect(o2.check("tls.binding") == "fail")
        #expect(o2.check("tls.fingerprint") == "warn")
    }

    /// The attestation only on a second connection: devproof never opens one, so nothing is bound.
    @Test func attestationOnlyOnSecondConnectionIsNotAccepted() throws {
        let s = try Self.server("second-conn")
        defer { s.stop() }
        let o = try TLSE2E.tls(["--url", Self.url(s)] + Self.tut)
        #expect(o.status == 3)
        #expect(o.check("tls.attestation") == "skip")
        #expect(o.check("tls.binding") == "skip")
        // The server counted exactly one TLS connection from devproof before this probe.
        let probe = try TLSClient(timeout: 5).exchange(host: "127.0.0.1", port: s.port, get: "/__count")
        #expect(probe.response.map { String(decoding: $0.body, as: UTF8.self) } == "1")
    }

    @Test func truncatedQuoteFails() throws {
        let s = try Self.server("honest", body: "tutorial/attestation-truncated.json")
        defer { s.stop() }
        let o = try TLSE2E.tls(["--url", Self.url(s)] + Self.tut)
        #expect(o.status == 1)
        #expect(o.failing == ["tls.quote.truncated"])
    }

    @Test func ratlsServerPassesFromItsCertificate() throws {
        let s = try Self.server("honest", cert: "ratls/chain.pem", key: "ratls/leaf-key.pem", body: "tutorial/attestation.json")
        defer { s.stop() }
        let o = try TLSE2E.tls(["--url", Self.url(s), "--os-ref", TestPaths.fixture("dstack/v2/os-ref.json")] + TLSE2E.dcap)
        #expect(o.status == 0, "\(o.failing)")
        for id in ["tls.binding", "tls.chain.signatures", "tls.chain.kms_root", "tls.chain.app_id", "ratls.binding"] {
            #expect(o.check(id) == "pass", "\(id)")
        }
        #expect(o.fact("binding_profile")?.stringValue?.contains("RA-TLS") == true)
        // The served tutorial JSON names another certificate: informational warn only.
        #expect(o.check("tls.fingerprint") == "warn")
    }

    @Test(arguments: ["slow", "silent", "endless"])
    func slowSilentAndEndlessServersAreBounded(_ mode: String) throws {
        let s = try Self.server(mode)
        defer { s.stop() }
        let t0 = Date()
        let o = try TLSE2E.tls(["--url", Self.url(s), "--timeout", "2"] + Self.tut)
        let dt = Date().timeIntervalSince(t0)
        #expect(o.status == 3, "\(mode): \(o.status) \(o.stderr)")
        #expect(o.report["verdict"]?.stringValue == "inconclusive")
        #expect(dt < 6, "\(mode) took \(dt) s")
        #expect(o.check(mode == "slow" ? "tls.attestation" : "tls.connect") == "skip")
    }

    /// A server presenting 1000 certificates (or 40): malformed input, exit 2, in bounded time.
    @Test(arguments: [1000, 40])
    func hugeChainsAreRefused(_ n: Int) throws {
        let dir = TestPaths.tempDir("tls-huge-chain")
        let pem = try InputFile.read(TLSE2E.f("tutorial/server-cert.pem"))
        let chain = try DstackE2E.write(dir, "chain-\(n).pem", Array((0..<n).map { _ in pem }.joined()))
        let s = try LocalServer(script: "tls_test_server.py", args: ["honest", chain, TLSE2E.f("tutorial/server-key.pem"), TLSE2E.f("tutorial/attestation.json")])
        defer { s.stop() }
        let t0 = Date()
        let r = try Run.devproof(["tls", "--url", Self.url(s), "--timeout", "5"] + Self.tut)
        #expect(r.status == 2, "\(n): \(r.status) \(r.stderr)")
        #expect(r.stderr.contains("TLS"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(t0) < 8)
    }

    @Test func closedPortIsInconclusive() throws {
        let port = try LocalServer.closedPort()
        let o = try TLSE2E.tls(["--url", "https://127.0.0.1:\(port)"] + Self.tut)
        #expect(o.status == 3)
        #expect(o.check("tls.connect") == "skip")
    }
}

/// `tls --url` inside a bundle: the TLS session (presented chain and the answer on the same connection) is
/// recorded by `collect` and replayed by `--bundle` with the server gone.
@Suite("e2e: tls --url in an evidence bundle")
struct TLSBundleE2E {
    @Test func collectedSessionReplaysWithoutTheServer() throws {
        let s = try TLSLiveE2E.server("honest")
        let dir = TestPaths.tempDir("tls-bundle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("b").path
        let c = try Run.devproof(["collect", "--out", out, "--tls-url", TLSLiveE2E.url(s), "--json"] + TLSLiveE2E.tut)
        s.stop()
        let online = try JSONParser.parse(c.stdout)
        #expect(online["facts"]?["sub_reports"]?["tls"] == .string("pass"), "\(c.stderr)")
        let t = try Run.devproof(["tls", "--bundle", out, "--json"])
        #expect(t.status == 0, "\(t.stderr)")
        let r = try Run.devproof(["stage", "--bundle", out, "--json"])
        #expect(try JSONParser.parse(r.stdout)["facts"]?["sub_reports"]?["tls"] == .string("pass"), "\(r.stderr)")
        #expect(r.status == c.status)
    }
}
