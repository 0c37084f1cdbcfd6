import COpenSSL
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

    public var der: Bytes
    /// SubjectPublicKeyInfo DER: what report_data binds.
    public var spkiDER: Bytes
    public var subject: String
    public var issuer: String
    /// Extension contents by dotted OID (the inner OCTET STRING unwrapped).
    public var extensions: [String: Bytes]

    public var quote: Bytes? { extensions[Self.oidQuote] }
    public var eventLogJSON: Bytes? { extensions[Self.oidEventLog] }
    public var appId: Bytes? { extensions[Self.oidAppId] }
    public var usage: String? { extensions[Self.oidUsage].map { String(decoding: $0, as: UTF8.self) } }
    public var attestation: Bytes? { extensions[Self.oidAttestation] }
    public var hasDstackEvidence: Bool { quote != nil || attestation != nil }

    /// The report_data an RA-TLS quote for this certificate must carry.
    public var expectedReportData: Bytes { Digest.sha512(Array("ratls-cert:".utf8) + spkiDER) }

    /// All certificates of a PEM bundle, in order (leaf first as dstack emits them).
    public static func parsePEMChain(_ pem: Bytes) throws -> [RATLSCertificate] {
        var out = [RATLSCertificate]()
        guard pem.count < Int(Int32.max) else { throw DevProofError.malformed("certificate input too large") }
        let bio = pem.withUnsafeBufferPointer { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw DevProofError.malformed("cannot allocate a BIO for the certificate") }
        defer { BIO_free(bio) }
        while true {
            guard let x = PEM_read_bio_X509(bio, nil, nil, nil) else { break }
            defer { X509_free(x) }
            out.append(try fromX509(x))
        }
        ERR_clear_error()
        guard !out.isEmpty else { throw DevProofError.malformed("no PEM certificate found") }
        return out
    }

    public static func parseDER(_ der: Bytes) throws -> RATLSCertificate {
        var p: UnsafePointer<UInt8>? = nil
        let x: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            p = buf.baseAddress
            return d2i_X509(nil, &p, buf.count)
        }
        guard let x else { ERR_clear_error(); throw DevProofError.malformed("certificate is not valid DER X.509") }
        defer { X509_free(x) }
        return try fromX509(x)
    }

    static func fromX509(_ x: OpaquePointer) throws -> RATLSCertificate {
        func i2d(_ f: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>) -> Int32) -> Bytes? {
            var ptr: UnsafeMutablePointer<UInt8>? = nil
            let n = f(&ptr)
            guard n > 0, let ptr else { return nil }
            defer { CRYPTO_free(ptr, #file, #line) }
            return Array(UnsafeBufferPointer(start: ptr, count: Int(n)))
        }
        guard let der = i2d({ i2d_X509(x, $0) }) else { throw DevProofError.malformed("cannot encode certificate") }
        guard let pk = X509_get_X509_PUBKEY(x), let spki = i2d({ i2d_X509_PUBKEY(pk, $0) }) else {
            throw DevProofError.malformed("certificate has no SubjectPublicKeyInfo")
        }
        var exts = [String: Bytes]()
        let n = X509_get_ext_count(x)
        if n > 0 {
            for i in 0..<n {
                guard let ext = X509_get_ext(x, i), let obj = X509_EXTENSION_get_object(ext) else { continue }
                var buf = [CChar](repeating: 0, count: 128)
                let len = OBJ_obj2txt(&buf, Int32(buf.count), obj, 1)
                guard len > 0 && len < 128 else { continue }
                let oid = String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard oid.hasPrefix("1.3.6.1.4.1.62397."), let data = X509_EXTENSION_get_data(ext) else { continue }
                let l = Int(ASN1_STRING_length(data))
                guard l >= 0, let p = ASN1_STRING_get0_data(data) else { continue }
                let raw = Array(UnsafeBufferPointer(start: p, count: l))
                exts[oid] = unwrapOctetString(raw) ?? raw
            }
        }
        return RATLSCertificate(der: der, spkiDER: spki, subject: name(X509_get_subject_name(x)),
                                issuer: name(X509_get_issuer_name(x)), extensions: exts)
    }

    static func name(_ n: OpaquePointer?) -> String {
        guard let n, let p = X509_NAME_oneline(n, nil, 0) else { return "" }
        defer { CRYPTO_free(p, #file, #line) }
        return String(cString: p)
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
