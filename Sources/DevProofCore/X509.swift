import COpenSSL

/// X.509 certificates, CRLs and chain verification over OpenSSL (libcrypto 3.0).
/// All inputs are untrusted: every failure is a thrown `CryptoError`, never a trap.

// MARK: - Shared helpers

enum OpenSSLHelpers {
    static func unixTime(_ t: UnsafePointer<ASN1_TIME>?) -> Int64? {
        guard let t else { return nil }
        var tmv = tm()
        guard ASN1_TIME_to_tm(t, &tmv) == 1 else { ERR_clear_error(); return nil }
        return TimeInput.daysFromCivil(Int(tmv.tm_year) + 1900, Int(tmv.tm_mon) + 1, Int(tmv.tm_mday)) * 86400
            + Int64(tmv.tm_hour) * 3600 + Int64(tmv.tm_min) * 60 + Int64(tmv.tm_sec)
    }

    static func bytes(_ s: UnsafePointer<ASN1_STRING>?) -> Bytes {
        guard let s, let d = ASN1_STRING_get0_data(s) else { return [] }
        let n = Int(ASN1_STRING_length(s))
        return n > 0 ? Array(UnsafeBufferPointer(start: d, count: n)) : []
    }

    static func oid(_ o: OpaquePointer?) -> String {
        var buf = [CChar](repeating: 0, count: 128)
        let n = OBJ_obj2txt(&buf, Int32(buf.count), o, 1)
        guard n > 0, n < 128 else { return "" }
        return String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func nameString(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        var parts = [String]()
        let n = X509_NAME_entry_count(name)
        for i in 0..<n {
            guard let e = X509_NAME_get_entry(name, i) else { continue }
            let obj = X509_NAME_ENTRY_get_object(e)
            let nid = OBJ_obj2nid(obj)
            let key: String
            if nid != NID_undef, let sn = OBJ_nid2sn(nid) { key = String(cString: sn) } else { key = oid(obj) }
            let value = String(decoding: bytes(X509_NAME_ENTRY_get_data(e)), as: UTF8.self)
            parts.append("\(key)=\(value)")
        }
        return parts.joined(separator: ", ")
    }

    static func nameDER(_ name: OpaquePointer?) -> Bytes {
        guard let name else { return [] }
        var p: UnsafeMutablePointer<UInt8>?
        let n = i2d_X509_NAME(name, &p)
        guard n > 0, let p else { return [] }
        defer { CRYPTO_free(p, nil, 0) }
        return Array(UnsafeBufferPointer(start: p, count: Int(n)))
    }

    static func commonName(_ name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        let i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard i >= 0, let e = X509_NAME_get_entry(name, i) else { return nil }
        return String(decoding: bytes(X509_NAME_ENTRY_get_data(e)), as: UTF8.self)
    }

    /// The OpenSSL error queue as one line (and cleared).
    static func lastError() -> String {
        let e = ERR_get_error()
        ERR_clear_error()
        guard e != 0 else { return "unknown OpenSSL error" }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(e, &buf, buf.count)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// MARK: - Certificates

public struct X509Extension: Sendable, Equatable {
    public let oid: String
    public let critical: Bool
    /// The extnValue OCTET STRING contents (the DER of the extension value).
    public let value: Bytes
}

public final class X509Certificate: @unchecked Sendable, Equatable, CustomStringConvertible {
    let x509: OpaquePointer
    public let der: Bytes

    public init(der: Bytes) throws {
        let x: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            let r = d2i_X509(nil, &p, buf.count)
            // Reject trailing garbage after the certificate.
            if let r, let p, let base = buf.baseAddress, p - base != buf.count { X509_free(r); return nil }
            return r
        }
        guard let x else {
            ERR_clear_error()
            throw CryptoError("invalid X.509 certificate (DER does not parse)")
        }
        x509 = x
        self.der = der
    }

    deinit { X509_free(x509) }

    public static func == (a: X509Certificate, b: X509Certificate) -> Bool { a.der == b.der }
    public var description: String { subject }

    /// Every CERTIFICATE block of a PEM text, in order (trailing NULs and other text ignored).
    public static func chain(pem: Bytes) throws -> [X509Certificate] {
        do { return try PEM.certificates(pem).map { try X509Certificate(der: $0) } } catch let e as CryptoError {
            throw DevProofError.malformed("certificate chain: \(e.message)")
        }
    }
    public static func chain(pem: String) throws -> [X509Certificate] { try chain(pem: Array(pem.utf8)) }

    /// The same, reusing the already decoded certificate for a DER seen before and adding new ones to `known`:
    /// collateral repeats the same few certificates (root, TCB signing, platform CA) in several chains, and
    /// OpenSSL 3.0 decodes each certificate's key through its decoder framework, so decoding dominates.
    public static func chain(pem: Bytes, reusing known: inout [Bytes: X509Certificate]) throws -> [X509Certificate] {
        do {
            return try PEM.certificates(pem).map { der in
                if let c = known[der] { return c }
                let c = try X509Certificate(der: der)
                known[der] = c
                return c
            }
        } catch let e as CryptoError {
            throw DevProofError.malformed("certificate chain: \(e.message)")
        }
    }

    /// A single certificate from a file: PEM (first CERTIFICATE block) or DER.
    public static func load(fileBytes: Bytes) throws -> X509Certificate {
        if PEM.looksLikePEM(fileBytes) {
            guard let first = try chain(pem: fileBytes).first else { throw DevProofError.malformed("no CERTIFICATE block in PEM") }
            return first
        }
        do { return try X509Certificate(der: fileBytes) } catch let e as CryptoError { throw DevProofError.malformed(e.message) }
    }

    public var subject: String { OpenSSLHelpers.nameString(X509_get_subject_name(x509)) }
    public var issuer: String { OpenSSLHelpers.nameString(X509_get_issuer_name(x509)) }
    public var subjectCommonName: String? { OpenSSLHelpers.commonName(X509_get_subject_name(x509)) }
    public var issuerCommonName: String? { OpenSSLHelpers.commonName(X509_get_issuer_name(x509)) }
    public var subjectNameDER: Bytes { OpenSSLHelpers.nameDER(X509_get_subject_name(x509)) }
    public var issuerNameDER: Bytes { OpenSSLHelpers.nameDER(X509_get_issuer_name(x509)) }

    /// Serial number magnitude, big-endian.
    public var serialNumber: Bytes { OpenSSLHelpers.bytes(X509_get0_serialNumber(x509)) }
    public var notBefore: Int64 { OpenSSLHelpers.unixTime(X509_get0_notBefore(x509)) ?? Int64.max }
    public var notAfter: Int64 { OpenSSLHelpers.unixTime(X509_get0_notAfter(x509)) ?? Int64.min }

    /// basicConstraints cA = TRUE.
    public var isCA: Bool { X509_get_extension_flags(x509) & UInt32(EXFLAG_CA) != 0 }
    /// basicConstraints pathLenConstraint, nil when absent.
    public var pathLength: Int? {
        let p = X509_get_pathlen(x509)
        return p >= 0 ? Int(p) : nil
    }
    /// keyUsage bits (X509v3_KU_*), nil when the certificate has no keyUsage extension.
    public var keyUsage: UInt32? {
        X509_get_extension_flags(x509) & UInt32(EXFLAG_KUSAGE) != 0 ? X509_get_key_usage(x509) : nil
    }
    /// keyUsage permits certificate signing (true when the extension is absent, as RFC 5280 reads it).
    public var keyUsageAllowsCertSign: Bool { keyUsage.map { $0 & UInt32(X509v3_KU_KEY_CERT_SIGN) != 0 } ?? true }
    public var isSelfSigned: Bool { X509_get_extension_flags(x509) & UInt32(EXFLAG_SS) != 0 }

    public var extensions: [X509Extension] {
        let n = X509_get_ext_count(x509)
        var out = [X509Extension]()
        for i in 0..<n {
            guard let e = X509_get_ext(x509, i) else { continue }
            out.append(X509Extension(oid: OpenSSLHelpers.oid(X509_EXTENSION_get_object(e)),
                                     critical: X509_EXTENSION_get_critical(e) != 0,
                                     value: OpenSSLHelpers.bytes(X509_EXTENSION_get_data(e))))
        }
        return out
    }
    /// The extension with this dotted OID ("1.2.840.113741.1.13.1"), if present.
    public func `extension`(oid: String) -> X509Extension? { extensions.first { $0.oid == oid } }

    /// DER SubjectPublicKeyInfo.
    public var spkiDER: Bytes {
        guard let pk = X509_get_X509_PUBKEY(x509) else { return [] }
        var p: UnsafeMutablePointer<UInt8>?
        let n = i2d_X509_PUBKEY(pk, &p)
        guard n > 0, let p else { return [] }
        defer { CRYPTO_free(p, nil, 0) }
        return Array(UnsafeBufferPointer(start: p, count: Int(n)))
    }

    /// The subject key as a P-256 key (throws for other key types).
    /// Read from the SubjectPublicKeyInfo bytes directly (OpenSSL 3.0's key decoders cost more than a verification).
    public func p256PublicKey() throws -> P256PublicKey {
        var xy = Bytes(repeating: 0, count: 64)
        guard xy.withUnsafeMutableBufferPointer({ devproof_x509_p256_xy(x509, $0.baseAddress) }) == 1 else {
            throw CryptoError("not a P-256 uncompressed public key (SubjectPublicKeyInfo)")
        }
        return try P256PublicKey(raw: xy)
    }

    /// Raw x ‖ y of a P-256 subject key, nil for other key types.
    public var p256RawPublicKey: Bytes? { (try? p256PublicKey())?.raw }

    /// True when `issuer`'s key verifies this certificate's signature.
    public func isSignedBy(_ issuer: X509Certificate) -> Bool {
        guard let k = X509_get0_pubkey(issuer.x509) else { ERR_clear_error(); return false }
        let ok = X509_verify(x509, k) == 1
        if !ok { ERR_clear_error() }
        return ok
    }

    public var sha256Fingerprint: Bytes { Digest.sha256(der) }
}

// MARK: - CRLs

public final class X509CRL: @unchecked Sendable, Equatable {
    let crl: OpaquePointer
    public let der: Bytes

    public init(der: Bytes) throws {
        let c: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            let r = d2i_X509_CRL(nil, &p, buf.count)
            if let r, let p, let base = buf.baseAddress, p - base != buf.count { X509_CRL_free(r); return nil }
            return r
        }
        guard let c else { ERR_clear_error(); throw CryptoError("invalid CRL (DER does not parse)") }
        crl = c
        self.der = der
    }

    deinit { X509_CRL_free(crl) }

    public static func == (a: X509CRL, b: X509CRL) -> Bool { a.der == b.der }

    public var issuer: String { OpenSSLHelpers.nameString(X509_CRL_get_issuer(crl)) }
    public var issuerCommonName: String? { OpenSSLHelpers.commonName(X509_CRL_get_issuer(crl)) }
    public var issuerNameDER: Bytes { OpenSSLHelpers.nameDER(X509_CRL_get_issuer(crl)) }
    public var thisUpdate: Int64? { OpenSSLHelpers.unixTime(X509_CRL_get0_lastUpdate(crl)) }
    public var nextUpdate: Int64? { OpenSSLHelpers.unixTime(X509_CRL_get0_nextUpdate(crl)) }

    /// Serial numbers (big-endian magnitude) of every revoked certificate.
    public var revokedSerials: [Bytes] {
        guard let sk = X509_CRL_get_REVOKED(crl) else { return [] }
        let n = devproof_sk_X509_REVOKED_num(sk)
        return (0..<max(n, 0)).compactMap { i in
            devproof_sk_X509_REVOKED_value(sk, i).map { OpenSSLHelpers.bytes(X509_REVOKED_get0_serialNumber($0)) }
        }
    }

    public func isRevoked(_ cert: X509Certificate) -> Bool {
        var entry: OpaquePointer?
        return X509_CRL_get0_by_cert(crl, &entry, cert.x509) == 1
    }

    /// True when `issuer`'s key verifies this CRL's signature.
    public func isSignedBy(_ issuer: X509Certificate) -> Bool {
        guard let k = X509_get0_pubkey(issuer.x509) else { ERR_clear_error(); return false }
        let ok = X509_CRL_verify(crl, k) == 1
        if !ok { ERR_clear_error() }
        return ok
    }
}

// MARK: - Chain verification

/// Why a chain did not verify: OpenSSL's verify error code and text, and the certificate concerned.
public struct X509ChainError: Error, CustomStringConvertible, Sendable, Equatable {
    public let code: Int32
    /// Position in the chain (0 = leaf).
    public let depth: Int
    public let reason: String
    public let subject: String
    public var description: String { subject.isEmpty ? reason : "\(reason) (\(subject), depth \(depth))" }

    /// The certificate is listed in its issuer's CRL.
    public var isRevoked: Bool { code == X509_V_ERR_CERT_REVOKED }
    public var isCRLMissing: Bool { code == X509_V_ERR_UNABLE_TO_GET_CRL }
    public var isCRLExpired: Bool { code == X509_V_ERR_CRL_HAS_EXPIRED }
    public var isCRLSignatureInvalid: Bool { code == X509_V_ERR_CRL_SIGNATURE_FAILURE }
    /// Only a time window is violated: a certificate expired / not yet valid, or a CRL expired.
    public var isTimeRelated: Bool {
        code == X509_V_ERR_CRL_HAS_EXPIRED || code == X509_V_ERR_CERT_HAS_EXPIRED || code == X509_V_ERR_CERT_NOT_YET_VALID
    }
    /// Our own code: the leaf is a CA certificate.
    public static let caUsedAsEndEntity: Int32 = 10_001
}

/// A successfully verified chain: leaf first, trust anchor last, and the time window in which the
/// same verification would also succeed (all certificates valid, every CRL before its nextUpdate).
public struct X509VerifiedChain: Sendable {
    public let certificates: [X509Certificate]
    public var leaf: X509Certificate { certificates[0] }
    /// First and last unix second (inclusive) at which this chain verifies with these CRLs.
    public let validFrom: Int64
    public let validUntil: Int64
    public func isValid(at t: Int64) -> Bool { t >= validFrom && t <= validUntil }
}

public enum X509Chain {
    /// Verifies `chain` (leaf first; further certificates are untrusted intermediates, a copy of the root is
    /// allowed and ignored) to `root` at unix time `time`. CRLs are mandatory for every certificate
    /// including the root (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL): each must be issued by
    /// the certificate's issuer, carry a valid signature, and have `nextUpdate > time`.
    ///
    /// Semantics match webpki as used by dcap-qvl: notBefore ≤ time ≤ notAfter for each certificate,
    /// a CRL `thisUpdate` in the future is accepted, CRL nextUpdate == time is expired.
    /// `requireLeafNotCA`: a leaf with basicConstraints cA=TRUE is rejected (webpki CaUsedAsEndEntity).
    public static func verify(_ chain: [X509Certificate], root: X509Certificate, crls: [X509CRL], at time: Int64,
                              requireLeafNotCA: Bool = true) throws -> X509VerifiedChain {
        guard let leaf = chain.first else {
            throw X509ChainError(code: X509_V_ERR_UNSPECIFIED, depth: 0, reason: "empty certificate chain", subject: "")
        }
        guard let store = X509_STORE_new() else { throw X509ChainError(code: X509_V_ERR_OUT_OF_MEM, depth: 0, reason: "out of memory", subject: "") }
        defer { X509_STORE_free(store) }
        X509_STORE_add_cert(store, root.x509)
        guard let untrusted = devproof_sk_X509_new_null() else { throw X509ChainError(code: X509_V_ERR_OUT_OF_MEM, depth: 0, reason: "out of memory", subject: "") }
        defer { devproof_sk_X509_free(untrusted) }
        for c in chain.dropFirst() { devproof_sk_X509_push(untrusted, c.x509) }
        guard let crlStack = devproof_sk_X509_CRL_new_null() else { throw X509ChainError(code: X509_V_ERR_OUT_OF_MEM, depth: 0, reason: "out of memory", subject: "") }
        defer { devproof_sk_X509_CRL_free(crlStack) }
        for c in crls { devproof_sk_X509_CRL_push(crlStack, c.crl) }

        guard let ctx = X509_STORE_CTX_new() else { throw X509ChainError(code: X509_V_ERR_OUT_OF_MEM, depth: 0, reason: "out of memory", subject: "") }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, store, leaf.x509, untrusted) == 1 else {
            ERR_clear_error()
            throw X509ChainError(code: X509_V_ERR_UNSPECIFIED, depth: 0, reason: "cannot initialise verification", subject: "")
        }
        X509_STORE_CTX_set0_crls(ctx, crlStack)
        let param = X509_STORE_CTX_get0_param(ctx)
        X509_VERIFY_PARAM_set_flags(param, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
        X509_VERIFY_PARAM_set_time(param, time_t(time))
        X509_STORE_CTX_set_verify_cb(ctx, verifyCallback)

        let rc = X509_verify_cert(ctx)
        if rc != 1 {
            let code = X509_STORE_CTX_get_error(ctx)
            let depth = Int(X509_STORE_CTX_get_error_depth(ctx))
            let reason = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "verification failed"
            var subject = ""
            if let cur = X509_STORE_CTX_get_current_cert(ctx) { subject = OpenSSLHelpers.nameString(X509_get_subject_name(cur)) }
            ERR_clear_error()
            throw X509ChainError(code: code, depth: depth, reason: reason, subject: subject)
        }
        // The chain OpenSSL built (leaf … anchor), mapped back to our objects.
        var built = [X509Certificate]()
        if let sk = X509_STORE_CTX_get0_chain(ctx) {
            let all = chain + [root]
            for i in 0..<devproof_sk_X509_num(sk) {
                guard let x = devproof_sk_X509_value(sk, i) else { continue }
                if let c = all.first(where: { X509_cmp($0.x509, x) == 0 }) { built.append(c) }
            }
        }
        if built.isEmpty { built = [leaf, root] }
        if requireLeafNotCA, leaf.isCA {
            throw X509ChainError(code: X509ChainError.caUsedAsEndEntity, depth: 0,
                                 reason: "CA certificate used as end entity (CaUsedAsEndEntity)", subject: leaf.subject)
        }
        let from = built.map(\.notBefore).max() ?? time
        var until = built.map(\.notAfter).min() ?? time
        for c in crls { if let n = c.nextUpdate { until = min(until, n - 1) } }
        return X509VerifiedChain(certificates: built, validFrom: from, validUntil: until)
    }
}

/// Aligns OpenSSL with webpki/dcap-qvl: a CRL whose thisUpdate is in the future is accepted, and a
/// certificate is still valid at the very second of its notAfter.
private let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { ok, ctx in
    if ok == 1 { return 1 }
    guard let ctx else { return ok }
    let err = X509_STORE_CTX_get_error(ctx)
    if err == X509_V_ERR_CRL_NOT_YET_VALID { return 1 }
    if err == X509_V_ERR_CERT_HAS_EXPIRED, let cur = X509_STORE_CTX_get_current_cert(ctx),
       let notAfter = OpenSSLHelpers.unixTime(X509_get0_notAfter(cur)),
       Int64(X509_VERIFY_PARAM_get_time(X509_STORE_CTX_get0_param(ctx))) == notAfter {
        return 1
    }
    return ok
}
