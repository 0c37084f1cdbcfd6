import DevProofCore
import Foundation
import TestSupport
import Testing

/// `devproof tls --acme-info/--gateway`: the TEST gateway's acme-info (Fixtures/tls/gateway), CAA and CT files.
@Suite("e2e: tls gateway modes (acme-info, CAA, CT)")
struct TLSGatewayE2E {
    static func g(_ f: String) -> String { TLSE2E.f("gateway/" + f) }
    static let common = ["--os-ref", TestPaths.fixture("dstack/v1/os-ref.json")] + TLSE2E.dcap
    static func run(info: String = "acme-info.json", cert: String = "chain.pem", caa: String? = "caa.txt", ct: String? = "ct.json") throws -> DstackE2E.Outcome {
        var a = ["--acme-info", g(info), "--cert", g(cert)]
        if let caa { a += ["--caa", g(caa)] }
        if let ct { a += ["--ct-log", g(ct)] }
        return try TLSE2E.tls(a + common)
    }

    @Test func honestGatewayPasses() throws {
        let o = try Self.run()
        #expect(o.status == 0, "\(o.failing) \(o.stderr)")
        for id in ["tls.acme.account", "tls.acme.keys", "tls.acme.cert_key", "tls.caa", "tls.ct", "quote.signature", "eventlog.replay"] {
            #expect(o.check(id) == "pass", "\(id)")
        }
    }

    @Test(arguments: [("acme-info-wrong-account.json", "chain.pem", "caa.txt", "ct.json", "tls.acme.account"),
                      ("acme-info-wrong-key-quote.json", "chain.pem", "caa.txt", "ct.json", "tls.acme.keys"),
                      ("acme-info.json", "rogue-chain.pem", "caa.txt", "ct.json", "tls.acme.cert_key"),
                      ("acme-info.json", "chain.pem", "caa-open.txt", "ct.json", "tls.caa"),
                      ("acme-info.json", "chain.pem", "caa.txt", "ct-rogue.json", "tls.ct")])
    func eachAttackFailsItsCheck(_ info: String, _ cert: String, _ caa: String, _ ct: String, _ id: String) throws {
        let o = try Self.run(info: info, cert: cert, caa: caa, ct: ct)
        #expect(o.status == 1)
        #expect(o.check(id) == "fail", "\(info)/\(cert)/\(caa)/\(ct): \(o.failing)")
    }

    @Test func missingCAAAndCTAreInconclusive() throws {
        let o = try Self.run(caa: nil, ct: nil)
        #expect(o.status == 3)
        #expect(o.check("tls.caa") == "skip")
        #expect(o.check("tls.ct") == "skip")
    }

    @Test func liveGatewayAndImpostor() throws {
        let honest = try LocalServer(script: "tls_test_server.py", args: ["honest", Self.g("chain.pem"), Self.g("key.pem"), Self.g("acme-info.json")])
        defer { honest.stop() }
        let o = try TLSE2E.tls(["--gateway", "https://127.0.0.1:\(honest.port)", "--caa", Self.g("caa.txt"), "--ct-log", Self.g("ct.json")] + Self.common)
        #expect(o.status == 0, "\(o.failing) \(o.stderr)")
        #expect(o.check("tls.acme.cert_key") == "pass")
        // A server relaying the real acme-info while presenting a certificate for a key the TD never quoted.
        let rogue = try LocalServer(script: "tls_test_server.py", args: ["mitm", Self.g("rogue-chain.pem"), Self.g("rogue-key.pem"), Self.g("acme-info.json")])
        defer { rogue.stop() }
        let r = try TLSE2E.tls(["--gateway", "https://127.0.0.1:\(rogue.port)", "--caa", Self.g("caa.txt"), "--ct-log", Self.g("ct.json")] + Self.common)
        #expect(r.status == 1)
        #expect(r.failing == ["tls.acme.cert_key"])
    }

    @Test func malformedGatewayInputsExit2() throws {
        let dir = TestPaths.tempDir("tls-gw-bad")
        let bad: [(String, String, Bytes)] = [
            ("--acme-info", "a.json", Array("{\"account_uri\": 5}".utf8)),
            ("--acme-info", "b.json", Array("not json".utf8)),
            ("--caa", "c.txt", Array("CAA issue letsencrypt.org\n".utf8)),
            ("--ct-log", "d.json", Array("[{\"id\": 1, \"certificate\": \"@@@\"}]".utf8)),
        ]
        for (flag, name, bytes) in bad {
            let p = try DstackE2E.write(dir, name, bytes)
            var args = ["tls", "--acme-info", Self.g("acme-info.json"), "--cert", Self.g("chain.pem"), "--no-dcap"]
            if flag == "--acme-info" { args[2] = p } else { args += [flag, p] }
            let r = try Run.devproof(args)
            #expect(r.status == 2, "\(name): \(r.status) \(r.stderr)")
        }
        for args in [["tls", "--cert", Self.g("chain.pem"), "--caa", Self.g("caa.txt")],
                     ["tls", "--acme-info", Self.g("acme-info.json"), "--kms-root", Self.g("chain.pem")],
                     ["tls", "--gateway", "https://127.0.0.1:1", "--url", "https://127.0.0.1:1"]] {
            #expect(try Run.devproof(args).status == 2, "\(args)")
        }
    }
}
