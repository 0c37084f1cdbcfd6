import DevProofCore

/// An RA-TLS certificate (dstack `ra-tls`, OIDs 1.3.6.1.4.1.62397.1.*; spec §5).
/// Parsing only: the binding check (`report_data = sha512("ratls-cert:" ‖ SPKI DER)`) is done by the caller.
public struct RATLSCertificate: Sendable, Equatable {
    public static let oidQuote = "1.3.6.1.4.1.62397.1.1"
    public static let oidEventLog = "1.3.6.1.4.1.62397.1.2"
    public static let oidAppId = "1.3.6.1.4.1.62397.1.3"
    public static let oidUsage = "1.3.6.1.4.1.62397.1.4"
    public static let oidAttestation = "1.3.6.1.4.1.62397.1.8"
    public static let oidAppInfo = "1.3.6.1.4.1.62397.1.9"

    public let der: Bytes
    /// SubjectPublicKeyInfo DER: what report_data binds.
    public let spkiDER: Bytes
    public let subject: String
    public let issuer: String
    /// dstack extension contents by dotted OID (the inner OCTET STRING unwrapped).
    public let extensions: [String: Bytes]

    public var quote: Bytes? { extensions[Self.oidQuote] }
    public var eventLogJSON: Bytes? { extensions[Self.oidEventLog] }
    public var appId: Bytes? { extensions[Self.oidAppId] }
    public var usage: String? { extensions[Self.oidUsage].map { String(decoding: $0, as: UTF8.self) } }
    public var attestation: Bytes? { extensions[Self.oidAttestation] }
    public var hasDstackEvidence: Bool { quote != nil || attestation != nil }

    /// The report_data an RA-TLS quote for this certificate must carry.
    public var expectedReportData: Bytes { Digest.sha512(Array("ratls-cert:".utf8) + spkiDER) }

    /// The parsed certificate (DevProofCore X.509, OpenSSL).
    public let x509: X509Certificate

    public static func == (a: RATLSCertificate, b: RATLSCertificate) -> Bool { a.der == b.der }

    init(_ x: X509Certificate) {
        x509 = x; der = x.der; spkiDER = x.spkiDER; subject = x.subject; issuer = x.issuer
        var exts = [String: Bytes]()
        for e in x.extensions where e.oid.hasPrefix("1.3.6.1.4.1.62397.") {
            exts[e.oid] = Self.unwrapOctetString(e.value) ?? e.value
        }
        extensions = exts
    }

    /// All certificates of a PEM bundle, in order (leaf first as dstack emits them).
    public static func parsePEMChain(_ pem: Bytes) throws -> [RATLSCertificate] {
        let xs = try X509Certificate.chain(pem: pem)
        guard !xs.isEmpty else { throw DevProofError.malformed("no PEM certificate found") }
        return xs.map(RATLSCertificate.init)
    }

    public static func parseDER(_ der: Bytes) throws -> RATLSCertificate {
        do { return RATLSCertificate(try X509Certificate(der: der)) } catch {
            throw DevProofError.malformed("certificate is not valid DER X.509")
        }
    }

    /// DER OCTET STRING (tag 0x04) → its content, when the whole buffer is exactly one.
    static func unwrapOctetString(_ b: Bytes) -> Bytes? {
        guard b.count >= 2, b[0] == 0x04 else { return nil }
        var len = 0, off = 2
        if b[1] < 0x80 { len = Int(b[1]) } else {
            let k = Int(b[1] & 0x7f)
            guard k >= 1, k <= 4, b.count >= 2 + k else { return nil }
            for i in 0..<k { len = len << 8 | Int(b[2 + i]) }
            off = 2 + k
        }
        guard off + len == b.count else { return nil }
        return Array(b[off...])
    }
}
