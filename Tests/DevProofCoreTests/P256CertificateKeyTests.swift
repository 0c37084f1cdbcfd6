import DevProofCore
import Foundation
import Testing
import TestSupport

/// `X509Certificate.p256PublicKey()` reads the key from the SubjectPublicKeyInfo bytes instead of OpenSSL's key
/// decoders (a speed-up of DCAP verification), so it must refuse everything that is not a named-curve P-256
/// key as strictly as the decoder path did. Certificates are made by the openssl CLI at test time.
@Suite("core crypto: P-256 keys from certificates (openssl-made)")
struct P256CertificateKeyTests {
    /// A self-signed certificate for a key made by `openssl genpkey` with these options; nil when openssl refuses.
    func certificate(_ genpkey: [String]) throws -> (cert: X509Certificate, pubDER: Bytes)? {
        let dir = TestPaths.tempDir("devproof-p256")
        let key = dir.appendingPathComponent("k.pem").path, crt = dir.appendingPathComponent("c.pem").path
        let pub = dir.appendingPathComponent("p.der").path
        guard try Run.process("/usr/bin/openssl", ["genpkey"] + genpkey + ["-out", key]).status == 0 else { return nil }
        let made = try Run.process("/usr/bin/openssl", ["req", "-x509", "-new", "-key", key, "-subj", "/CN=p256 test",
                                                        "-days", "2", "-out", crt])
        #expect(made.status == 0, "\(made.stderr)")
        _ = try Run.process("/usr/bin/openssl", ["pkey", "-in", key, "-pubout", "-outform", "DER", "-out", pub])
        return (try X509Certificate.load(fileBytes: try InputFile.read(crt)), try InputFile.read(pub))
    }

    @Test func namedCurveP256KeyIsRead() throws {
        let made = try #require(try certificate(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]))
        let key = try made.cert.p256PublicKey()
        // The SPKI that openssl itself writes for the key is our prefix plus the raw point.
        #expect(key.spkiDER == made.pubDER)
        // The self-signature verifies with the key read this way.
        let again = try P256PublicKey(raw: key.raw)
        #expect(again == key)
        #expect(made.cert.isSignedBy(made.cert))
    }

    @Test(arguments: [
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
        ["-algorithm", "ED25519"],
        ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        // P-256 written with explicit curve parameters instead of the named-curve OID: refused, not guessed at.
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:explicit"],
    ])
    func otherKeysAreRefused(_ opts: [String]) throws {
        guard let made = try certificate(opts) else { return }  // this openssl cannot make it: nothing to refuse
        #expect(throws: CryptoError.self, "\(opts)") { try made.cert.p256PublicKey() }
        #expect(made.cert.p256RawPublicKey == nil)
    }

    @Test func pointsOffTheCurveAreRefused() throws {
        let made = try #require(try certificate(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]))
        var raw = try made.cert.p256PublicKey().raw
        raw[63] ^= 1
        #expect(throws: CryptoError.self) { try P256PublicKey(raw: raw) }
        #expect(throws: CryptoError.self) { try P256PublicKey(raw: Bytes(repeating: 0, count: 64)) }  // the point at infinity's stand-in
    }

    @Test func chainDecodingReusesIdenticalCertificates() throws {
        let a = try #require(try certificate(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]))
        let b = try #require(try certificate(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]))
        let pem = Array((PEM.encode(label: "CERTIFICATE", der: a.cert.der) + PEM.encode(label: "CERTIFICATE", der: b.cert.der)
                         + PEM.encode(label: "CERTIFICATE", der: a.cert.der)).utf8)
        var known: [Bytes: X509Certificate] = [:]
        let chain = try X509Certificate.chain(pem: pem, reusing: &known)
        #expect(chain.count == 3 && known.count == 2)
        #expect(chain[0] === chain[2] && chain[0] !== chain[1])
        #expect(chain.map(\.der) == [a.cert.der, b.cert.der, a.cert.der])
        // A certificate already known is returned as is, not decoded again.
        let again = try X509Certificate.chain(pem: Array(PEM.encode(label: "CERTIFICATE", der: b.cert.der).utf8), reusing: &known)
        #expect(again[0] === chain[1])
    }
}
