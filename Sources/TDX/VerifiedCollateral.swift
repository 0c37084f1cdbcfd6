import DevProofCore
import Foundation

/// Collateral parsed and verified once, reusable across quotes and times (thread-safe).
///
/// Time-independent work (parsing CRLs, certificates and the TCB-info / QE-identity JSON, their
/// signatures) is done at init. Chain verifications are time-dependent: each successful one is cached
/// with the window in which it stays valid and recomputed only outside it. PCK chains are cached per
/// chain bytes, so warm verification of a quote costs two ECDSA verifications.
public final class VerifiedCollateral: @unchecked Sendable {
    public let collateral: QuoteCollateral
    public let root: X509Certificate

    let rootCRL: Result<X509CRL, StageError>
    let pckCRL: Result<X509CRL, StageError>
    let tcbInfo: Result<TCBInfo, StageError>
    let qeIdentity: Result<QEIdentity, StageError>
    let tcbChain: Result<[X509Certificate], StageError>
    let qeChain: Result<[X509Certificate], StageError>
    /// Signature over the exact JSON bytes by the chain's leaf (nil = the leaf key did not load).
    let tcbInfoSignatureValid: Bool
    let qeIdentitySignatureValid: Bool
    /// Chain cache keys: digest of the chain's certificates (TCB info and QE identity usually share one).
    let tcbChainKey: String
    let qeChainKey: String
    let rootRevoked: Bool

    private let lock = NSLock()
    private var chainCache: [String: X509VerifiedChain] = [:]
    /// Keyed by SHA-256 of the PEM chain.
    private var pckCache: [Bytes: PCKEntry] = [:]
    private var keyCache: [Bytes: P256PublicKey] = [:]
    /// Decoded certificates by DER (the root, the TCB signing and platform CA certificates recur in every chain).
    private var knownCertificates: [Bytes: X509Certificate] = [:]

    struct StageError: Error { let message: String; let kind: DCAPFailureKind
        /// The failure comes from a CRL (revoked, CRL missing or badly signed): from the collateral, not the chain itself.
        var crlRelated = false
        init(_ m: String, _ k: DCAPFailureKind = .invalid, crlRelated: Bool = false) { message = m; kind = k; self.crlRelated = crlRelated }
    }
    struct PCKEntry {
        let leaf: X509Certificate
        let key: P256PublicKey?
        let ext: Result<PCKExtension, StageError>
        let certs: [X509Certificate]
    }

    public convenience init(_ collateral: QuoteCollateral, rootCA: X509Certificate? = nil) throws {
        guard let root = rootCA ?? IntelRootCA.certificate else { throw DevProofError.malformed("no root CA") }
        self.init(collateral: collateral, root: root)
    }

    public init(collateral c: QuoteCollateral, root: X509Certificate) {
        collateral = c
        self.root = root
        rootCRL = Result { try X509CRL(der: c.rootCACRL) }.mapError { _ in StageError("Failed to parse root CA CRL") }
            .flatMap { crl in
                // The root_ca_crl field must be the root's own CRL (dcap-qvl checks its signature by the root).
                crl.isSignedBy(root) ? .success(crl)
                    : .failure(StageError("root CA CRL is not signed by the root CA (InvalidCrlSignatureForPublicKey)"))
            }
        pckCRL = Result { try X509CRL(der: c.pckCRL) }.mapError { _ in StageError("Failed to parse PCK CRL") }
        tcbInfo = Result { try TCBInfo.parse(c.tcbInfo) }.mapError {
            StageError("Failed to decode TcbInfo: \(($0 as? DecodeError)?.message ?? "\($0)")")
        }
        qeIdentity = Result { try QEIdentity.parse(c.qeIdentity) }.mapError {
            StageError("Failed to decode QeIdentity: \(($0 as? DecodeError)?.message ?? "\($0)")")
        }
        var known: [Bytes: X509Certificate] = [root.der: root]
        func chain(_ pem: String, _ what: String) -> Result<[X509Certificate], StageError> {
            do {
                let certs = try X509Certificate.chain(pem: Array(pem.utf8), reusing: &known)
                guard !certs.isEmpty else { return .failure(StageError("Certificate chain is too short for \(what)")) }
                return .success(certs)
            } catch { return .failure(StageError("Failed to parse \(what) issuer chain: \(error)")) }
        }
        tcbChain = chain(c.tcbInfoIssuerChain, "TCB Info")
        qeChain = chain(c.qeIdentityIssuerChain, "QE Identity")
        func sigOK(_ chain: Result<[X509Certificate], StageError>, _ sig: Bytes, _ msg: String) -> Bool {
            guard case .success(let certs) = chain, let key = try? certs[0].p256PublicKey() else { return false }
            return key.isValidSignature(raw: sig, message: Array(msg.utf8))
        }
        func key(_ chain: Result<[X509Certificate], StageError>) -> String {
            guard case .success(let certs) = chain else { return "none" }
            return "chain:" + Digest.sha256(certs.flatMap(\.der)).hex
        }
        tcbChainKey = key(tcbChain)
        qeChainKey = key(qeChain)
        if case .success(let crl) = rootCRL { rootRevoked = crl.isRevoked(root) } else { rootRevoked = false }
        tcbInfoSignatureValid = sigOK(tcbChain, c.tcbInfoSignature, c.tcbInfo)
        qeIdentitySignatureValid = sigOK(qeChain, c.qeIdentitySignature, c.qeIdentity)
        knownCertificates = known
    }

    var crls: [X509CRL] {
        var out = [X509CRL]()
        if case .success(let r) = rootCRL { out.append(r) }
        if case .success(let p) = pckCRL { out.append(p) }
        return out
    }

    /// Verifies a chain at `now`, reusing a cached success whose window contains `now`.
    func verifyChain(key: String, _ certs: [X509Certificate], at now: Int64, leafNotCA: Bool = true) -> Result<X509VerifiedChain, StageError> {
        lock.lock()
        if let c = chainCache[key], c.isValid(at: now) { lock.unlock(); return .success(c) }
        lock.unlock()
        do {
            let v = try X509Chain.verify(certs, root: root, crls: crls, at: now, requireLeafNotCA: leafNotCA)
            lock.lock(); if chainCache.count > 256 { chainCache.removeAll() }; chainCache[key] = v; lock.unlock()
            return .success(v)
        } catch let e as X509ChainError {
            return .failure(StageError("certificate chain: \(e)", e.isTimeRelated ? .expired : .invalid,
                                       crlRelated: e.isRevoked || e.isCRLMissing || e.isCRLSignatureInvalid || e.isCRLExpired))
        } catch {
            return .failure(StageError("certificate chain: \(error)"))
        }
    }

    func pckEntry(_ pem: Bytes, digest: Bytes) -> Result<PCKEntry, StageError> {
        lock.lock()
        if let e = pckCache[digest] { lock.unlock(); return .success(e) }
        lock.unlock()
        let certs: [X509Certificate]
        lock.lock(); var known = knownCertificates; lock.unlock()
        do { certs = try X509Certificate.chain(pem: pem, reusing: &known) } catch {
            return .failure(StageError("Failed to extract PCK certificates: \(error)"))
        }
        // Bounded: a long-running verifier sees one platform CA and root per collateral, plus one leaf per platform.
        lock.lock(); if known.count <= 64 { knownCertificates = known }; lock.unlock()
        guard let leaf = certs.first else { return .failure(StageError("Certificate chain is too short in quote")) }
        let ext = Result { try PCKExtension.parse(certificate: leaf) }.mapError { StageError("\($0)") }
        let e = PCKEntry(leaf: leaf, key: try? leaf.p256PublicKey(), ext: ext, certs: certs)
        lock.lock(); if pckCache.count > 256 { pckCache.removeAll() }; pckCache[digest] = e; lock.unlock()
        return .success(e)
    }

    func attestationKey(_ raw: Bytes) -> P256PublicKey? {
        lock.lock()
        if let k = keyCache[raw] { lock.unlock(); return k }
        lock.unlock()
        guard let k = try? P256PublicKey(raw: raw) else { return nil }
        lock.lock(); if keyCache.count > 256 { keyCache.removeAll() }; keyCache[raw] = k; lock.unlock()
        return k
    }
}
