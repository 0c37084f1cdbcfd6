import DevProofCore
import Foundation
import TestSupport
import Testing

@Suite("e2e: tls.sct corpus (real Let's Encrypt chain) and CT log list")
struct TLSSCTE2E {
    @Test func logListIDsAreKeyHashes() throws {
        for l in CTLog.all {
            #expect(Base64.encode(Digest.sha256(l.keyDER)) == l.logID, "\(l.name)")
            #expect((try? P256PublicKey(spkiDER: l.keyDER)) != nil, "\(l.name)")
        }
    }

    @Test func realSCTsVerifyAndATamperedOneFails() throws {
        guard let p = try DstackE2E.corpus("tls/gateway-dstack-base-prod7.pem") else { return }
        let o = try TLSE2E.tls(["--cert", p, "--now", "2025-09-01T00:00:00Z", "--offline"])
        #expect(o.check("tls.sct") == "pass")
        // Flip one byte of the first SCT's signature (DER ECDSA signature starting 30 45 02 21 00 DE 91 F0).
        let pem = try InputFile.read(p)
        var ders = try PEM.certificates(pem)
        let marker: Bytes = [0x30, 0x45, 0x02, 0x21, 0x00, 0xDE, 0x91, 0xF0]
        let at = try #require((0..<(ders[0].count - marker.count)).first { Array(ders[0][$0..<($0 + marker.count)]) == marker })
        ders[0][at + 12] ^= 0x01
        let bad = ders.map { PEM.encode(label: "CERTIFICATE", der: $0) }.joined()
        let f = try DstackE2E.write(TestPaths.tempDir("tls-sct"), "tampered.pem", Array(bad.utf8))
        let t = try TLSE2E.tls(["--cert", f, "--now", "2025-09-01T00:00:00Z", "--offline"])
        #expect(t.check("tls.sct") == "fail")
        #expect(t.status == 1)
        // Without the issuer certificate the SCTs cannot be checked: a non-required skip.
        let leafOnly = try DstackE2E.write(TestPaths.tempDir("tls-sct"), "leaf.pem", Array(PEM.encode(label: "CERTIFICATE", der: try PEM.certificates(pem)[0]).utf8))
        #expect(try TLSE2E.tls(["--cert", leafOnly, "--now", "2025-09-01T00:00:00Z", "--offline"]).check("tls.sct") == "skip")
    }

    @Test func unknownLogIsAWarning() throws {
        let dir = TestPaths.tempDir("tls-sct-unknown")
        let out = dir.appendingPathComponent("unknown-log.pem").path
        let script = """
        import sys, datetime, struct
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        ca = ec.derive_private_key(777, ec.SECP256R1()); k = ec.derive_private_key(778, ec.SECP256R1())
        cn = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST CA")]); ln = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")])
        t = datetime.datetime(2026, 1, 1)
        sig = b"\\x30\\x06\\x02\\x01\\x01\\x02\\x01\\x01"
        sct = bytes([0]) + b"\\x42" * 32 + struct.pack(">Q", 1767225600000) + b"\\x00\\x00" + b"\\x04\\x03" + struct.pack(">H", len(sig)) + sig
        lst = struct.pack(">H", len(sct) + 2) + struct.pack(">H", len(sct)) + sct
        ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), bytes([4, len(lst)]) + lst)
        def mk(sub, iss, pub, key, exts):
            b = x509.CertificateBuilder().subject_name(sub).issuer_name(iss).public_key(pub).serial_number(5).not_valid_before(t).not_valid_after(t + datetime.timedelta(days=9))
            for e in exts: b = b.add_extension(e, critical=False)
            return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        open(sys.argv[1], "wb").write(mk(ln, cn, k.public_key(), ca, [ext]) + mk(cn, cn, ca.public_key(), ca, []))
        """
        let py = try Run.python(["-c", script, out])
        try #require(py.status == 0, "\(py.stderr)")
        let o = try TLSE2E.tls(["--cert", out, "--now", "2026-01-02T00:00:00Z", "--offline"])
        #expect(o.check("tls.sct") == "warn", "\(o.stderr)")
    }
}
