import COpenSSL

/// RFC 6962 Signed Certificate Timestamps embedded in a certificate (extension 1.3.6.1.4.1.11129.2.4.2) and
/// their verification against a CT log's key: each SCT signs the precertificate entry
/// (issuer key hash ‖ the TBSCertificate without the SCT extension).
public struct SignedCertificateTimestamp: Sendable, Equatable {
    public let version: UInt8
    public let logID: Bytes
    /// Milliseconds since the epoch.
    public let timestamp: UInt64
    public let extensions: Bytes
    public let hashAlgorithm: UInt8
    public let signatureAlgorithm: UInt8
    public let signature: Bytes

    public static let oid = "1.3.6.1.4.1.11129.2.4.2"
    public static let maxCount = 64

    /// The SCTs embedded in `cert` (empty when it has none). Malformed lists throw `malformed`.
    public static func embedded(in cert: X509Certificate) throws -> [SignedCertificateTimestamp] {
        guard let ext = cert.extension(oid: oid) else { return [] }
        let inner = try DER.parse(ext.value)
        guard inner.tag == DERNode.octetString else { throw DevProofError.malformed("SCT extension is not an OCTET STRING") }
        var r = ByteReader(inner.content, context: "SCT list")
        do {
            let total = Int(try r.u16be("list length"))
            guard total == r.remaining else { throw DevProofError.malformed("SCT list length \(total) ≠ \(r.remaining) bytes present") }
            var out = [SignedCertificateTimestamp]()
            while !r.isAtEnd {
                guard out.count < maxCount else { throw DevProofError.malformed("more than \(maxCount) SCTs") }
                let n = Int(try r.u16be("SCT length"))
                var s = ByteReader(try r.read(n, "SCT"), context: "SCT")
                let v = try s.u8("version")
                let id = try s.read(32, "log id")
                let ts = try s.u64be("timestamp")
                let ext = try s.read(Int(try s.u16be("extensions length")), "extensions")
                let h = try s.u8("hash algorithm"), a = try s.u8("signature algorithm")
                let sig = try s.read(Int(try s.u16be("signature length")), "signature")
                guard s.isAtEnd else { throw DevProofError.malformed("SCT has \(s.remaining) trailing bytes") }
                out.append(SignedCertificateTimestamp(version: v, logID: id, timestamp: ts, extensions: ext,
                                                      hashAlgorithm: h, signatureAlgorithm: a, signature: sig))
            }
            return out
        } catch let e as ByteReaderError { throw DevProofError.malformed("SCT list: \(e.message)") }
    }

    /// The TBSCertificate with the SCT extension removed, re-encoded (what the log signed).
    public static func precertificateTBS(_ cert: X509Certificate) throws -> Bytes {
        guard let dup = X509_dup(cert.x509) else { ERR_clear_error(); throw CryptoError("cannot copy the certificate") }
        defer { X509_free(dup) }
        let idx = X509_get_ext_by_NID(dup, NID_ct_precert_scts, -1)
        if idx >= 0, let e = X509_delete_ext(dup, idx) { X509_EXTENSION_free(e) }
        var p: UnsafeMutablePointer<UInt8>?
        let n = i2d_re_X509_tbs(dup, &p)
        guard n > 0, let p else { ERR_clear_error(); throw CryptoError("cannot re-encode the TBSCertificate") }
        defer { CRYPTO_free(p, nil, 0) }
        return Array(UnsafeBufferPointer(start: p, count: Int(n)))
    }

    /// The digitally-signed struct of RFC 6962 §3.2 for an embedded (precert) SCT.
    public func signedData(issuerSPKI: Bytes, precertTBS: Bytes) -> Bytes {
        var b: Bytes = [version, 0]  // signature_type certificate_timestamp
        for i in (0..<8).reversed() { b.append(UInt8(truncatingIfNeeded: timestamp >> (8 * UInt64(i)))) }
        b += [0, 1]  // entry_type precert_entry
        b += Digest.sha256(issuerSPKI)
        b += [UInt8(truncatingIfNeeded: precertTBS.count >> 16), UInt8(truncatingIfNeeded: precertTBS.count >> 8), UInt8(truncatingIfNeeded: precertTBS.count)]
        b += precertTBS
        b += [UInt8(truncatingIfNeeded: extensions.count >> 8), UInt8(truncatingIfNeeded: extensions.count)] + extensions
        return b
    }

    /// ECDSA P-256 / SHA-256 signatures only (what current logs use); other algorithms are reported unsupported.
    public func verify(logKeySPKI: Bytes, issuerSPKI: Bytes, precertTBS: Bytes) -> Bool? {
        guard hashAlgorithm == 4, signatureAlgorithm == 3, let k = try? P256PublicKey(spkiDER: logKeySPKI) else { return nil }
        return k.isValidSignature(der: signature, message: signedData(issuerSPKI: issuerSPKI, precertTBS: precertTBS))
    }
}
