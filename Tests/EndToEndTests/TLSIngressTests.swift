import DevProofCore
import Foundation
import TestSupport
import Testing

/// `devproof tls --ingress-evidence DIR`: dstack-ingress /evidences/ files (Fixtures/tls/ingress, TEST PKI).
@Suite("e2e: tls --ingress-evidence")
struct TLSIngressE2E {
    static func i(_ f: String) -> String { TLSE2E.f("ingress/" + f) }
    static let common = ["--os-ref", TestPaths.fixture("dstack/v1/os-ref.json")] + TLSE2E.dcap

    @Test func honestEvidencePasses() throws {
        let o = try TLSE2E.tls(["--ingress-evidence", Self.i("evidences"), "--cert", Self.i("presented.pem"), "--caa", Self.i("caa.txt")] + Self.common)
        #expect(o.status == 0, "\(o.failing) \(o.stderr)")
        for id in ["tls.ingress.files", "tls.ingress.binding", "tls.ingress.cert", "tls.caa", "quote.signature"] { #expect(o.check(id) == "pass", "\(id)") }
    }

    @Test func tamperedCertificateFileFails() throws {
        let o = try TLSE2E.tls(["--ingress-evidence", Self.i("evidences-tampered"), "--cert", Self.i("presented.pem"), "--caa", Self.i("caa.txt")] + Self.common)
        #expect(o.status == 1)
        #expect(o.check("tls.ingress.files") == "fail")
    }

    @Test func otherServedCertificateAndForeignCAAFail() throws {
        let o = try TLSE2E.tls(["--ingress-evidence", Self.i("evidences"), "--cert", TLSE2E.f("gateway/chain.pem"),
                                "--caa", TLSE2E.f("gateway/caa.txt")] + Self.common)
        #expect(o.check("tls.ingress.cert") == "fail")
        #expect(o.check("tls.caa") == "fail")
    }

    /// A rewritten sha256sum.txt (same files, lines swapped): every file still hashes right, the quote does not bind it.
    @Test func rewrittenSumsFailTheBinding() throws {
        let dir = TestPaths.tempDir("tls-ingress")
        let src = Self.i("evidences")
        for n in try FileManager.default.contentsOfDirectory(atPath: src) {
            var b = try InputFile.read(src + "/" + n)
            if n == "sha256sum.txt" {
                let lines = String(decoding: b, as: UTF8.self).split(separator: "\n")
                b = Array((lines.reversed().joined(separator: "\n") + "\n").utf8)
            }
            _ = try DstackE2E.write(dir, n, b)
        }
        let o = try TLSE2E.tls(["--ingress-evidence", dir.path, "--cert", Self.i("presented.pem"), "--caa", Self.i("caa.txt")] + Self.common)
        #expect(o.status == 1)
        #expect(o.check("tls.ingress.files") == "pass")
        #expect(o.check("tls.ingress.binding") == "fail")
    }

    /// `--dns-txt`: the domain's _dstack-app-address TXT record must route to the attested (measured) app id.
    @Test func dnsTXTRoutesToTheAttestedApp() throws {
        let base = ["--ingress-evidence", Self.i("evidences"), "--cert", Self.i("presented.pem"), "--caa", Self.i("caa.txt")] + Self.common
        let plain = try TLSE2E.tls(base)
        #expect(plain.status == 0 && plain.check("tls.dns.txt") == "skip", "no --dns-txt: a non-required skip")
        let app = try #require(plain.fact("app_id")?.stringValue)
        let dir = TestPaths.tempDir("tls-dns-txt")
        let good = try DstackE2E.write(dir, "good.txt", Array("_dstack-app-address.ingress.devproof.test. 300 IN TXT \"\(app):443\"\n".utf8))
        let split = try DstackE2E.write(dir, "split.txt", Array("\"\(app.prefix(10))\" \"\(app.dropFirst(10)):8443\"\n".utf8))
        let other = try DstackE2E.write(dir, "other.txt", Array("_dstack-app-address.ingress.devproof.test. 300 IN TXT \"\(String(repeating: "ab", count: 20)):443\"\n".utf8))
        let bad = try DstackE2E.write(dir, "bad.txt", Array("_dstack-app-address.x. 300 IN TXT \"not-an-app\"\n".utf8))
        let empty = try DstackE2E.write(dir, "empty.txt", Array("; no answer\n".utf8))
        for f in [good, split] {
            let o = try TLSE2E.tls(base + ["--dns-txt", f])
            #expect(o.status == 0 && o.check("tls.dns.txt") == "pass", "\(f): \(o.failing)")
        }
        let o = try TLSE2E.tls(base + ["--dns-txt", other])
        #expect(o.status == 1 && o.check("tls.dns.txt") == "fail")
        #expect(try TLSE2E.tls(base + ["--dns-txt", empty]).check("tls.dns.txt") == "fail")
        #expect(try Run.devproof(["tls", "--json", "--dns-txt", bad] + base).status == 2)
        #expect(try Run.devproof(["tls", "--acme-info", TLSE2E.f("gateway/acme-info.json"), "--dns-txt", good]).status == 2)
        // An app id that is not verified (opted out of DCAP: app.identity cannot pass) is never compared.
        let unverified = try TLSE2E.tls(["--ingress-evidence", Self.i("evidences"), "--cert", Self.i("presented.pem"), "--no-dcap", "--dns-txt", good])
        #expect(unverified.check("tls.dns.txt") != "pass")
    }

    @Test func badInputs() throws {
        let dir = TestPaths.tempDir("tls-ingress-bad")
        _ = try DstackE2E.write(dir, "sha256sum.txt", Array("abc  ../../etc/passwd\n".utf8))
        #expect(try Run.devproof(["tls", "--ingress-evidence", dir.path, "--no-dcap"]).status == 2)
        _ = try DstackE2E.write(dir, "sha256sum.txt", Array("\(String(repeating: "00", count: 32))  ../x\n".utf8))
        #expect(try Run.devproof(["tls", "--ingress-evidence", dir.path, "--no-dcap"]).status == 2)
        // The live form takes its presented chain from the handshake and needs the network.
        #expect(try Run.devproof(["tls", "--ingress-evidence", "https://example.invalid/evidences/", "--cert", Self.i("presented.pem")]).status == 2)
        #expect(try Run.devproof(["tls", "--ingress-evidence", "https://example.invalid/evidences/", "--offline"]).status == 2)
        #expect(try Run.devproof(["tls", "--ingress-evidence", Self.i("evidences"), "--ct-log", TLSE2E.f("gateway/ct.json")]).status == 2)
    }
}

/// `devproof tls --ingress-evidence https://DOMAIN`: the live form against a loopback TLS server serving the
/// fixture `/evidences/` files (scripts/tls_test_server.py files mode).
@Suite("e2e: tls --ingress-evidence URL (loopback TLS server)")
struct TLSIngressLiveE2E {
    static func server(_ evidences: String, cert: String = "ingress/presented.pem", key: String = "ingress/presented.key") throws -> LocalServer {
        try LocalServer(script: "tls_test_server.py", args: ["files", TLSE2E.f(cert), TLSE2E.f(key), TLSE2E.f(evidences)])
    }
    static func run(_ s: LocalServer, _ extra: [String] = []) throws -> DstackE2E.Outcome {
        try TLSE2E.tls(["--ingress-evidence", "https://127.0.0.1:\(s.port)", "--caa", TLSIngressE2E.i("caa.txt"), "--timeout", "10"]
                       + TLSIngressE2E.common + extra)
    }

    @Test func honestLiveIngressPasses() throws {
        let s = try Self.server("ingress/evidences")
        defer { s.stop() }
        let o = try Self.run(s)
        #expect(o.status == 0, "\(o.failing) \(o.stderr)")
        for id in ["tls.connect", "tls.ingress.files", "tls.ingress.binding", "tls.ingress.cert", "tls.caa", "quote.signature"] {
            #expect(o.check(id) == "pass", "\(id)")
        }
        #expect(o.fact("evidence_dir")?.stringValue?.hasSuffix("/evidences/") == true)
    }

    /// The server publishes a certificate file its quote does not cover (sha256sum.txt no longer matches).
    @Test func tamperedLiveFilesFail() throws {
        let s = try Self.server("ingress/evidences-tampered")
        defer { s.stop() }
        let o = try Self.run(s)
        #expect(o.status == 1)
        #expect(o.check("tls.ingress.files") == "fail")
    }

    /// A man in the middle presents its own certificate while relaying the honest evidence files.
    @Test func otherPresentedCertificateFails() throws {
        let s = try Self.server("ingress/evidences", cert: "tutorial/mitm-cert.pem", key: "tutorial/mitm-key.pem")
        defer { s.stop() }
        let o = try Self.run(s)
        #expect(o.status == 1)
        #expect(o.check("tls.ingress.files") == "pass" && o.check("tls.ingress.binding") == "pass")
        #expect(o.check("tls.ingress.cert") == "fail")
    }

    /// No quote.json published: nothing binds the files, so inconclusive (not a pass); no server at all: the same.
    @Test func missingQuoteOrServerIsInconclusive() throws {
        let dir = TestPaths.tempDir("tls-ingress-noquote")
        for n in ["acme-account.json", "cert-ingress.devproof.test.pem", "sha256sum.txt"] {
            _ = try DstackE2E.write(dir, n, try InputFile.read(TLSIngressE2E.i("evidences") + "/" + n))
        }
        let s = try LocalServer(script: "tls_test_server.py", args: ["files", TLSE2E.f("ingress/presented.pem"), TLSE2E.f("ingress/presented.key"), dir.path])
        let o = try Self.run(s)
        s.stop()
        #expect(o.status == 3, "\(o.failing) \(o.stderr)")
        #expect(o.check("tls.ingress.files") == "pass" && o.check("tls.ingress.binding") == "skip")
        let gone = try TLSE2E.tls(["--ingress-evidence", "https://127.0.0.1:\(s.port)", "--timeout", "3"] + TLSIngressE2E.common)
        #expect(gone.status == 3 && gone.check("tls.connect") == "skip")
    }
}

