import DevProofCore
import TestSupport
import Testing

/// Real Intel certificates, CRLs and signatures from the corpus collateral.
private struct IntelMaterial {
    let collateral: JSONValue
    let quote: Bytes
    func str(_ k: String) -> String { collateral[k]?.stringValue ?? "" }
    func crl(_ k: String) throws -> X509CRL { try X509CRL(der: Hex.decode(str(k))) }

    static func load() throws -> IntelMaterial? {
        guard let dir = TestPaths.corpusFile("dcap") else {
            if TestPaths.corpusRequired { Issue.record("corpus required but missing") } else { print("SKIP: corpus absent") }
            return nil
        }
        let c = try InputFile.readJSON(dir + "/tdx_quote_collateral.json").value
        return IntelMaterial(collateral: c, quote: try InputFile.read(dir + "/tdx_quote"))
    }

    /// The PEM PCK chain inside the quote (offset 1258, 3678 bytes; see spec §1.6).
    var pckChainPEM: Bytes { Array(quote[1258..<(1258 + 3678)]) }
}

@Suite("core crypto: PEM, X.509, CRL, P-256 (corpus)")
struct X509CorpusTests {
    static let now: Int64 = 1752919234

    @Test func certificatesParse() throws {
        guard let m = try IntelMaterial.load() else { return }
        let tcb = try X509Certificate.chain(pem: m.str("tcb_info_issuer_chain"))
        #expect(tcb.count == 2)
        #expect(tcb[0].subjectCommonName == "Intel SGX TCB Signing")
        #expect(tcb[0].issuerCommonName == "Intel SGX Root CA")
        #expect(!tcb[0].isCA)
        #expect(tcb[1].isCA)
        #expect(tcb[1].isSelfSigned)
        #expect(tcb[1].pathLength == 1)
        #expect(tcb[1].subject == "CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US")
        #expect(Digest.sha256(tcb[1].spkiDER).hex == "a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e")
        #expect(tcb[1].sha256Fingerprint.hex == "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3")
        #expect(tcb[0].notBefore == TimeInput.parseRFC3339("2025-05-06T10:31:01Z") || tcb[0].notBefore < Self.now)
        #expect(tcb[0].notAfter > Self.now)
        #expect(tcb[0].isSignedBy(tcb[1]))
        #expect(!tcb[1].isSignedBy(tcb[0]))
        #expect(tcb[0].p256RawPublicKey?.count == 64)

        let pck = try X509Certificate.chain(pem: m.pckChainPEM)
        #expect(pck.count == 3)
        #expect(pck[0].subjectCommonName == "Intel SGX PCK Certificate")
        #expect(pck[1].subjectCommonName == "Intel SGX PCK Platform CA")
        #expect(pck[1].pathLength == 0)
        let ext = pck[0].extension(oid: "1.2.840.113741.1.13.1")
        #expect(ext != nil)
        #expect(ext?.critical == false)
        #expect(ext?.value.first == 0x30)
        #expect(pck[0].extension(oid: "2.5.29.19") != nil)
        #expect(pck[0].extension(oid: "1.2.3.4") == nil)
    }

    @Test func crlsParseAndVerify() throws {
        guard let m = try IntelMaterial.load() else { return }
        let root = try X509Certificate.chain(pem: m.str("tcb_info_issuer_chain"))[1]
        let platformCA = try X509Certificate.chain(pem: m.str("pck_crl_issuer_chain"))[0]
        let rootCRL = try m.crl("root_ca_crl")
        let pckCRL = try m.crl("pck_crl")
        #expect(rootCRL.issuerCommonName == "Intel SGX Root CA")
        #expect(rootCRL.revokedSerials.isEmpty)
        #expect(pckCRL.issuerCommonName == "Intel SGX PCK Platform CA")
        #expect(pckCRL.revokedSerials.count == 44)
        #expect(pckCRL.nextUpdate == 1752919235)
        #expect((pckCRL.thisUpdate ?? .max) < Self.now)
        #expect(rootCRL.isSignedBy(root))
        #expect(pckCRL.isSignedBy(platformCA))
        #expect(!pckCRL.isSignedBy(root))
        var bad = pckCRL.der; bad[bad.count - 5] ^= 1
        #expect(!(try X509CRL(der: bad)).isSignedBy(platformCA))
        #expect(throws: CryptoError.self) { try X509CRL(der: Array(pckCRL.der.prefix(100))) }
        #expect(throws: CryptoError.self) { try X509CRL(der: pckCRL.der + [0]) }
    }

    @Test func chainVerification() throws {
        guard let m = try IntelMaterial.load() else { return }
        let root = try X509Certificate.chain(pem: m.str("tcb_info_issuer_chain"))[1]
        let crls = [try m.crl("root_ca_crl"), try m.crl("pck_crl")]
        let pck = try X509Certificate.chain(pem: m.pckChainPEM)

        let ok = try X509Chain.verify(pck, root: root, crls: crls, at: Self.now)
        #expect(ok.certificates.count == 3)
        #expect(ok.leaf == pck[0])
        #expect(ok.validUntil == 1752919234)
        #expect(ok.isValid(at: Self.now))
        // Root copy not needed; the TCB chain works with its leaf alone.
        _ = try X509Chain.verify(Array(pck.prefix(2)), root: root, crls: crls, at: Self.now)
        let tcb = try X509Certificate.chain(pem: m.str("tcb_info_issuer_chain"))
        _ = try X509Chain.verify([tcb[0]], root: root, crls: crls, at: Self.now)

        func expectChainError(_ f: () throws -> Void, _ pred: (X509ChainError) -> Bool, _ what: String) {
            do { try f(); Issue.record("accepted: \(what)") } catch let e as X509ChainError {
                #expect(pred(e), "\(what): \(e)")
            } catch { Issue.record("\(what): unexpected \(error)") }
        }
        // CRL nextUpdate is strict (dcap-qvl: CrlExpired at now == nextUpdate).
        expectChainError({ _ = try X509Chain.verify(pck, root: root, crls: crls, at: 1752919235) }, \.isCRLExpired, "CRL at nextUpdate")
        // Both CRLs are mandatory.
        expectChainError({ _ = try X509Chain.verify(pck, root: root, crls: [crls[0]], at: Self.now) }, \.isCRLMissing, "no PCK CRL")
        expectChainError({ _ = try X509Chain.verify(pck, root: root, crls: [crls[1]], at: Self.now) }, \.isCRLMissing, "no root CRL")
        // A CRL with a broken signature.
        var bad = crls[1].der; bad[bad.count - 5] ^= 1
        expectChainError({ _ = try X509Chain.verify(pck, root: root, crls: [crls[0], try X509CRL(der: bad)], at: Self.now) },
                         \.isCRLSignatureInvalid, "bad PCK CRL signature")
        // Wrong root.
        expectChainError({ _ = try X509Chain.verify(pck, root: pck[1], crls: crls, at: Self.now) }, { _ in true }, "wrong root")
        // A CA as leaf.
        expectChainError({ _ = try X509Chain.verify([pck[1]], root: root, crls: crls, at: Self.now) },
                         { $0.code == X509ChainError.caUsedAsEndEntity }, "CA leaf")
        // Out of the validity window.
        expectChainError({ _ = try X509Chain.verify(pck, root: root, crls: crls, at: 4_102_444_800) }, { _ in true }, "year 2100")
        expectChainError({ _ = try X509Chain.verify(pck, root: root, crls: crls, at: pck[0].notBefore - 1) }, { _ in true }, "before notBefore")
        // Swapped issuer chain: the TCB signing cert does not issue the PCK leaf.
        expectChainError({ _ = try X509Chain.verify([pck[0], tcb[0]], root: root, crls: crls, at: Self.now) }, { _ in true }, "wrong intermediate")
        expectChainError({ _ = try X509Chain.verify([], root: root, crls: crls, at: Self.now) }, { _ in true }, "empty chain")
    }

    @Test func p256Signatures() throws {
        guard let m = try IntelMaterial.load() else { return }
        let signer = try X509Certificate.chain(pem: m.str("tcb_info_issuer_chain"))[0].p256PublicKey()
        let tcbInfo = Array(m.str("tcb_info").utf8)
        let sig = try Hex.decode(m.str("tcb_info_signature"))
        #expect(signer.isValidSignature(raw: sig, message: tcbInfo))
        #expect(!signer.isValidSignature(raw: sig, message: tcbInfo + [0x20]))
        var s2 = sig; s2[10] ^= 1
        #expect(!signer.isValidSignature(raw: s2, message: tcbInfo))
        #expect(!signer.isValidSignature(raw: Bytes(repeating: 0, count: 64), message: tcbInfo))
        #expect(!signer.isValidSignature(raw: Bytes(repeating: 0xff, count: 64), message: tcbInfo))
        #expect(!signer.isValidSignature(raw: [1, 2, 3], message: tcbInfo))
        let der = try #require(P256.derSignature(raw: sig))
        #expect(signer.isValidSignature(der: der, message: tcbInfo))
        #expect(P256.rawSignature(der: der) == sig)
        // Raw-key constructor round trip; 0x04 prefix accepted; off-curve point rejected.
        let k2 = try P256PublicKey(raw: signer.raw)
        #expect(k2.isValidSignature(raw: sig, message: tcbInfo))
        _ = try P256PublicKey(raw: [0x04] + signer.raw)
        var off = signer.raw; off[63] ^= 1
        #expect(throws: CryptoError.self) { try P256PublicKey(raw: off) }
        #expect(throws: CryptoError.self) { try P256PublicKey(raw: Bytes(repeating: 0, count: 10)) }
    }

    @Test func derSignatureEncoding() {
        // High bit set gets a 00 prefix; leading zeros are stripped; zero encodes as 02 01 00.
        let raw = [UInt8](repeating: 0x80, count: 32) + [UInt8](repeating: 0, count: 31) + [1]
        #expect(P256.derSignature(raw: raw)?.hex == "3026022100" + String(repeating: "80", count: 32) + "020101")
        #expect(P256.derSignature(raw: Bytes(repeating: 0, count: 64))?.hex == "3006020100020100")
        #expect(P256.derSignature(raw: Bytes(repeating: 0, count: 63)) == nil)
        #expect(P256.rawSignature(der: [0x30, 0x00]) == nil)
    }
}

@Suite("core: PEM")
struct PEMTests {
    @Test func blocks() throws {
        let der: Bytes = Array(0..<100)
        let pem = PEM.encode(label: "CERTIFICATE", der: der) + "junk\n" + PEM.encode(label: "X", der: [1, 2]) + "\0"
        let b = try PEM.blocks(Array(pem.utf8))
        #expect(b.map(\.label) == ["CERTIFICATE", "X"])
        #expect(b[0].der == der)
        #expect(try PEM.certificates(Array(pem.utf8)) == [der])
        #expect(throws: DevProofError.self) { try PEM.blocks("-----BEGIN CERTIFICATE-----\nAAAA\n") }
        #expect(throws: DevProofError.self) { try PEM.blocks("-----BEGIN A-----\nAAAA\n-----END B-----\n") }
        #expect(throws: DevProofError.self) { try PEM.blocks("-----BEGIN A-----\n!!!!\n-----END A-----\n") }
        #expect(try PEM.blocks("no pem here").isEmpty)
        #expect(throws: DevProofError.self) { try X509Certificate.chain(pem: PEM.encode(label: "CERTIFICATE", der: der)) }
    }
}
