import DevProofCore

/// A presented or captured RA-TLS certificate chain, leaf first, with the facts a judge needs about each
/// link. dstack shapes (spec §5.2): KMS-issued `[leaf, "Dstack App CA" (usage app:ca, app id), "Dstack KMS CA"]`;
/// non-KMS `[leaf, self-signed "App Root Cert"]`; a lone self-signed certificate.
/// Signatures are checked link by link with the issuer's key (not by X.509 path validation: real dstack CA
/// certificates carry keyUsage digitalSignature without keyCertSign, which strict validation rejects).
public struct RATLSChain: Sendable {
    public static let maxCertificates = 16

    public struct Link: Sendable {
        public let index: Int
        public let cert: RATLSCertificate
        /// Signature verified with the next certificate's key (nil for the last one).
        public let signedByNext: Bool?
        /// The certificate's own key verifies its signature.
        public let selfSignatureValid: Bool
        public var subjectMatchesIssuerOfPrevious = true
    }

    public let links: [Link]
    public var certs: [RATLSCertificate] { links.map(\.cert) }
    public var leaf: RATLSCertificate { links[0].cert }
    /// The last certificate, when it is self-signed (signature valid with its own key, subject = issuer).
    public var selfSignedRoot: RATLSCertificate? {
        guard let l = links.last, l.selfSignatureValid, l.cert.subject == l.cert.issuer else { return nil }
        return l.cert
    }

    public enum Shape: String, Sendable {
        case kmsIssued = "KMS-issued (leaf → App CA → KMS CA)"
        case appRoot = "non-KMS (leaf → self-signed app root)"
        case selfSigned = "self-signed leaf"
        case other = "other"
    }

    public var shape: Shape {
        let cs = certs
        if cs.count == 1, selfSignedRoot != nil { return .selfSigned }
        if cs.count == 3, cs[1].usage == "app:ca" || cs[1].x509.subjectCommonName == "Dstack App CA",
           selfSignedRoot != nil { return .kmsIssued }
        if cs.count == 2, selfSignedRoot != nil, cs.contains(where: { $0.hasDstackEvidence || $0.usage != nil }) { return .appRoot }
        return .other
    }

    public init(_ certs: [RATLSCertificate]) throws {
        guard !certs.isEmpty else { throw DevProofError.malformed("certificate chain is empty") }
        guard certs.count <= Self.maxCertificates else {
            throw DevProofError.malformed("certificate chain has \(certs.count) certificates (at most \(Self.maxCertificates) accepted)")
        }
        var out = [Link]()
        for (i, c) in certs.enumerated() {
            let next = i + 1 < certs.count ? certs[i + 1] : nil
            var l = Link(index: i, cert: c, signedByNext: next.map { c.x509.isSignedBy($0.x509) },
                         selfSignatureValid: c.x509.isSignedBy(c.x509))
            if i > 0 { l.subjectMatchesIssuerOfPrevious = certs[i - 1].x509.issuerNameDER == c.x509.subjectNameDER }
            out.append(l)
        }
        links = out
    }

    public static func parsePEM(_ pem: Bytes) throws -> RATLSChain {
        let n = (try? PEM.blocks(pem).count) ?? 0
        guard n <= maxCertificates else {
            throw DevProofError.malformed("certificate chain has \(n) PEM blocks (at most \(maxCertificates) accepted)")
        }
        return try RATLSChain(RATLSCertificate.parsePEMChain(pem))
    }

    public static func fromDER(_ ders: [Bytes]) throws -> RATLSChain {
        try RATLSChain(ders.map(RATLSCertificate.parseDER))
    }

    /// How a key-provider id (hex, from the `key-provider` event) names this public key: the SPKI DER or the
    /// raw EC point (uncompressed, with or without the 0x04 prefix). nil when it names another key.
    public static func keyProviderForm(id: String, spki: Bytes, x509: X509Certificate) -> String? {
        guard let b = try? Hex.decode(id), !b.isEmpty else { return nil }
        if b == spki { return "SubjectPublicKeyInfo DER" }
        if let raw = x509.p256RawPublicKey {
            if b == [0x04] + raw { return "uncompressed EC point" }
            if b == raw { return "raw EC point x ‖ y" }
        }
        return nil
    }
}
