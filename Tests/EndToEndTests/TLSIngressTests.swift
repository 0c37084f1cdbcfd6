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

    @Test func badInputs() throws {
        let dir = TestPaths.tempDir("tls-ingress-bad")
        _ = try DstackE2E.write(dir, "sha256sum.txt", Array("abc  ../../etc/passwd\n".utf8))
        #expect(try Run.devproof(["tls", "--ingress-evidence", dir.path, "--no-dcap"]).status == 2)
        _ = try DstackE2E.write(dir, "sha256sum.txt", Array("\(String(repeating: "00", count: 32))  ../x\n".utf8))
        #expect(try Run.devproof(["tls", "--ingress-evidence", dir.path, "--no-dcap"]).status == 2)
        #expect(try Run.devproof(["tls", "--ingress-evidence", "https://example.invalid/evidences/"]).status == 2)
        #expect(try Run.devproof(["tls", "--ingress-evidence", Self.i("evidences"), "--ct-log", TLSE2E.f("gateway/ct.json")]).status == 2)
    }
}
