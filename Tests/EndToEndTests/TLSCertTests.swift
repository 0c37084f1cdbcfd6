import DevProofCore
import Foundation
import TestSupport
import Testing

/// `devproof tls --cert`: captured chains (the project's TEST PKI RA-TLS chains, and the corpus' real ones).
enum TLSE2E {
    static let dcap = ["--collateral", TestPaths.fixture("dcap/collateral-tdx.json"),
                       "--root-ca", TestPaths.fixture("dcap/pki/root-ca.der"), "--now", "1768435200"]
    static func f(_ rel: String) -> String { TestPaths.fixture("tls/" + rel) }
    static func tls(_ args: [String]) throws -> DstackE2E.Outcome {
        let r = try Run.devproof(["tls", "--json"] + args)
        return DstackE2E.Outcome(status: r.status, report: (try? JSONParser.parse(r.stdout)) ?? .null, stderr: r.stderr)
    }
}

@Suite("e2e: tls --cert (TEST PKI RA-TLS chains)")
struct TLSCertE2E {
    let v2 = ["--os-ref", TestPaths.fixture("dstack/v2/os-ref.json")]

    @Test func kmsChainPasses() throws {
        let o = try TLSE2E.tls(["--cert", TLSE2E.f("ratls/chain.pem")] + TLSE2E.dcap + v2 + ["--offline"])
        #expect(o.status == 0, "\(o.failing) \(o.stderr)")
        for id in ["tls.chain.signatures", "tls.chain.usage", "tls.chain.app_id", "tls.chain.kms_root", "tls.binding",
                   "tls.quote.truncated", "quote.signature", "eventlog.replay", "ratls.binding", "report_data.binding"] {
            #expect(o.check(id) == "pass", "\(id)")
        }
        // Real dstack CAs lack keyCertSign: a warning, not a failure.
        #expect(o.check("tls.chain.profile") == "warn")
        #expect(o.check("tls.key_origin") == "info")
        #expect(o.fact("chain_shape")?.stringValue?.hasPrefix("KMS-issued") == true)
    }

    @Test(arguments: [("chain-bad-signature.pem", "tls.chain.signatures"), ("chain-other-kms.pem", "tls.chain.kms_root"),
                      ("chain-wrong-app-id.pem", "tls.chain.app_id"), ("chain-wrong-usage.pem", "tls.chain.usage")])
    func negativeChainFailsWithItsCheck(_ file: String, _ id: String) throws {
        let o = try TLSE2E.tls(["--cert", TLSE2E.f("ratls/" + file)] + TLSE2E.dcap + v2 + ["--offline"])
        #expect(o.status == 1)
        #expect(o.failing == [id], "\(file): \(o.failing)")
    }

    @Test func kmsRootFlagWinsOverTheEvidence() throws {
        let good = try TLSE2E.tls(["--cert", TLSE2E.f("ratls/chain.pem"), "--kms-root", TLSE2E.f("ratls/kms-ca.pem")] + TLSE2E.dcap + v2)
        #expect(good.check("tls.chain.kms_root") == "pass")
        // The other KMS's chain is self-consistent; only the auditor's reference exposes it.
        let other = try TLSE2E.tls(["--cert", TLSE2E.f("ratls/chain.pem"), "--kms-root", TLSE2E.f("ratls/chain-other-kms.pem")] + TLSE2E.dcap + v2)
        #expect(other.status == 1)
        #expect(other.check("tls.chain.kms_root") == "fail")
        // --kms-root on a chain that has no KMS CA: fail, never ignored.
        let tut = try TLSE2E.tls(["--cert", TLSE2E.f("tutorial/server-cert.pem"), "--kms-root", TLSE2E.f("ratls/kms-ca.pem"), "--no-dcap"])
        #expect(tut.check("tls.chain.kms_root") == "fail")
    }

    @Test func wrongBindingFails() throws {
        let o = try TLSE2E.tls(["--cert", TestPaths.fixture("dstack/negative/ratls-cert-wrong-binding.pem")] + TLSE2E.dcap
                               + ["--os-ref", TestPaths.fixture("dstack/v1/os-ref.json")])
        #expect(o.status == 1)
        #expect(o.check("tls.binding") == "fail")
    }

    @Test func certificateWithoutEvidenceIsInconclusive() throws {
        let o = try TLSE2E.tls(["--cert", TLSE2E.f("tutorial/server-cert.pem")] + TLSE2E.dcap)
        #expect(o.status == 3)
        #expect(o.check("tls.binding") == "skip")
    }

    @Test func noDcapIsNeverPass() throws {
        let o = try TLSE2E.tls(["--cert", TLSE2E.f("ratls/chain.pem"), "--no-dcap"] + v2)
        #expect(o.status == 3)
        #expect(o.check("tls.binding") == "pass")
    }
}

@Suite("e2e: tls --cert bad input")
struct TLSBadInputE2E {
    @Test func malformedInputsExit2() throws {
        let dir = TestPaths.tempDir("tls-bad")
        let leaf = try InputFile.read(TLSE2E.f("tutorial/server-cert.pem"))
        let cases: [(String, Bytes)] = [
            ("garbage.pem", Array("-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n".utf8)),
            ("garbage.der", Bytes(repeating: 0x30, count: 100)),
            ("empty.pem", Array("hello\n".utf8)),
            ("many.pem", Array((0..<1000).map { _ in leaf }.joined())),
            ("huge.pem", Array("-----BEGIN CERTIFICATE-----\n".utf8) + Bytes(repeating: 0x41, count: 2 << 20) + Array("\n-----END CERTIFICATE-----\n".utf8)),
        ]
        for (name, bytes) in cases {
            let p = try DstackE2E.write(dir, name, bytes)
            let t0 = Date()
            let r = try Run.devproof(["tls", "--cert", p, "--no-dcap"])
            #expect(r.status == 2, "\(name): \(r.status) \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(name): \(r.stderr)")
            #expect(Date().timeIntervalSince(t0) < 10)
        }
    }

    @Test func usageErrors() throws {
        for args in [["tls"], ["tls", "--cert", "a", "--url", "https://127.0.0.1:1"], ["tls", "--cert", "a", "--timeout", "3"],
                     ["tls", "--cert", "a", "--attestation-path", "/x"], ["tls", "--url", "http://127.0.0.1:1"],
                     ["tls", "--url", "https://127.0.0.1:1/attestation"], ["tls", "--url", "https://127.0.0.1:1", "--offline"]] {
            let r = try Run.devproof(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
        }
    }

    @Test func nonUTF8NamesAndHugeExtensionsAreHandled() throws {
        // Built by the venv's cryptography: a certificate whose CN is Latin-1 bytes and with a 200 KiB extension.
        let dir = TestPaths.tempDir("tls-odd")
        let out = dir.appendingPathComponent("odd.pem").path
        let script = """
        import sys, datetime
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        k = ec.derive_private_key(12345, ec.SECP256R1())
        n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caf\\u00e9 \\udcff".encode("utf-8", "surrogateescape").decode("latin-1"))])
        t = datetime.datetime(2026, 1, 1)
        c = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key()).serial_number(7)
             .not_valid_before(t).not_valid_after(t + datetime.timedelta(days=9))
             .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.62397.1.2"), b"\\x04\\x83\\x03\\x20\\x00" + b"[" * 204800), critical=False)
             .sign(k, hashes.SHA256()))
        open(sys.argv[1], "wb").write(c.public_bytes(serialization.Encoding.PEM))
        """
        let py = try Run.python(["-c", script, out])
        try #require(py.status == 0, "\(py.stderr)")
        let r = try Run.devproof(["tls", "--cert", out, "--no-dcap", "--json"])
        #expect(r.status == 1 || r.status == 2 || r.status == 3, "\(r.status) \(r.stderr)")
        #expect(r.status != 0)
    }
}

@Suite("e2e: tls --cert corpus (real dstack and Let's Encrypt chains)")
struct TLSCorpusE2E {
    @Test(arguments: ["prod5-pha", "prod7-eth", "prod9-base"])
    func kmsInfoAppCert(_ name: String) throws {
        guard let p = try DstackE2E.corpus("kms-info/\(name).json") else { return }
        let v = try DstackE2E.json(p)
        let pem = try #require(v["app_cert"]?.stringValue)
        let file = try DstackE2E.write(TestPaths.tempDir("tls-corpus"), "\(name).pem", Array(pem.utf8))
        let o = try TLSE2E.tls(["--cert", file, "--no-dcap"])
        #expect(o.status == 3, "\(o.failing)")  // --no-dcap: never pass
        #expect(o.failing.isEmpty)
        for id in ["tls.chain.signatures", "tls.binding", "eventlog.replay", "tls.quote.truncated"] { #expect(o.check(id) == "pass", "\(id)") }
        #expect(o.check("tls.chain.profile") == "warn")  // the real App Root Cert lacks keyCertSign
        #expect(o.fact("key_provider")?["name"]?.stringValue == "local-sgx")
        // One flipped byte in the leaf's signature: the chain must fail.
        var der = try #require(try PEM.certificates(Array(pem.utf8)).first)
        der[der.count - 5] ^= 0x01
        let bad = PEM.encode(label: "CERTIFICATE", der: der) + pem.components(separatedBy: "-----END CERTIFICATE-----\n").dropFirst().joined(separator: "-----END CERTIFICATE-----\n")
        let badFile = try DstackE2E.write(TestPaths.tempDir("tls-corpus"), "\(name)-bad.pem", Array(bad.utf8))
        let ob = try TLSE2E.tls(["--cert", badFile, "--no-dcap"])
        #expect(ob.check("tls.chain.signatures") == "fail", "\(ob.stderr)")
        #expect(ob.status == 1)
    }

    @Test func letsEncryptGatewayChain() throws {
        guard let p = try DstackE2E.corpus("tls/gateway-dstack-base-prod7.pem") else { return }
        let o = try TLSE2E.tls(["--cert", p, "--now", "2025-09-01T00:00:00Z", "--offline"])
        #expect(o.status == 3)  // no attestation in a WebPKI certificate: nothing binds it
        #expect(o.check("tls.chain.signatures") == "pass")
        #expect(o.check("tls.validity") == "info")
        let late = try TLSE2E.tls(["--cert", p, "--now", "2025-12-01T00:00:00Z", "--offline"])
        #expect(late.check("tls.validity") == "warn")  // expired: reported, never required
    }
}
