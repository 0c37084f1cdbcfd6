import DevProofCore
import Foundation

/// Options of DCAP verification (cryptographic rules; reporting policy lives in DevProofChecks).
public struct DCAPOptions: Sendable, Equatable {
    /// Apply Intel QVL's rules where dcap-qvl differs (docs/dcap.md, "Divergences").
    public var intelRules: Bool
    /// Accept a debug TD / enclave (dcap-qvl `allow_debug`). The QE itself must never be debug.
    public var allowDebug: Bool
    /// Accept a non-zero MRSERVICETD (dcap-qvl `allow_service_td`).
    public var allowServiceTD: Bool
    public init(intelRules: Bool = false, allowDebug: Bool = false, allowServiceTD: Bool = false) {
        self.intelRules = intelRules; self.allowDebug = allowDebug; self.allowServiceTD = allowServiceTD
    }
}

/// Each stage of DCAP verification, reported separately.
public enum DCAPStage: String, Sendable, CaseIterable {
    /// Root CA CRL: parses, signed by the root, not expired, root not revoked; PCK CRL parses.
    case rootCRL = "collateral.root_crl"
    /// TCB info: decodes, issuer chain to the root (with CRLs), signature over the exact JSON bytes.
    case tcbInfo = "collateral.tcb_info"
    /// QE identity: decodes, issuer chain, signature over the exact JSON bytes, id/version fit the TEE.
    case qeIdentity = "collateral.qe_identity"
    /// TCB info / QE identity issueDate ≤ now ≤ nextUpdate.
    case collateralDates = "collateral.dates"
    /// Header: QE vendor, attestation key type, TEE type vs version.
    case quoteHeader = "quote.header"
    /// PCK chain to the root (with CRLs), leaf not a CA, SGX extension.
    case pckChain = "quote.pck_chain"
    /// QE report signed by the PCK key.
    case qeReportSignature = "quote.qe_report_signature"
    /// QE report data = SHA-256(attestation key ‖ QE auth data).
    case qeBinding = "quote.qe_binding"
    /// Quote (header ‖ body) signed by the attestation key.
    case quoteSignature = "quote.signature"
    /// QE report matches the QE identity (MRSIGNER, ISVPRODID, MISCSELECT, ATTRIBUTES, not debug) and its TCB level.
    case qeIdentityMatch = "qe.identity"
    /// FMSPC match, platform TCB level, TDX module identity.
    case platformTCB = "tcb.platform"
    /// Merged status; Revoked is rejected.
    case tcbStatus = "tcb.status"
    /// TD attributes (debug, reserved bits, SEPT_VE_DISABLE), MRSERVICETD; SGX debug.
    case attributes = "td.attributes"
}

public enum DCAPFailureKind: String, Sendable, Equatable {
    /// Bad signature, wrong issuer, revoked, mismatch, malformed...
    case invalid
    /// Only a time window is violated (expired or not yet valid collateral, CRL or certificate).
    case expired
}

public enum DCAPOutcome: Sendable, Equatable {
    case pass
    case fail(String, DCAPFailureKind)
    /// Could not run because something it needs failed earlier.
    case skipped(String)

    public var isPass: Bool { self == .pass }
    public var message: String? {
        switch self {
        case .pass: return nil
        case .fail(let m, _), .skipped(let m): return m
        }
    }
}

public struct DCAPStageResult: Sendable, Equatable {
    public let stage: DCAPStage
    public let outcome: DCAPOutcome
}

/// Result of DCAP verification: one entry per stage, plus what was learnt.
public struct DCAPResult: Sendable {
    public var stages: [DCAPStageResult] = []
    /// Final (merged) status and advisory IDs; nil when it could not be determined.
    public var verdict: TCBVerdict?
    public var platformVerdict: TCBVerdict?
    public var qeVerdict: TCBVerdict?
    public var moduleVerdict: TCBVerdict?
    public var pckExtension: PCKExtension?
    public var pckLeaf: X509Certificate?
    /// The PCK chain failed because of a CRL (revoked, CRL missing/bad): a verdict that rests on the collateral.
    public var pckFailureFromCRL = false
    public var tcbInfo: TCBInfo?
    public var qeIdentity: QEIdentity?
    /// Time window (unix seconds, inclusive) in which the collateral and certificates are valid.
    public var validFrom: Int64?
    public var validUntil: Int64?

    /// True when every stage passed: exactly when dcap-qvl (or Intel's rules with `intelRules`) accepts.
    public var accepted: Bool { !stages.isEmpty && stages.allSatisfy { $0.outcome.isPass } }
    /// The first failure in dcap-qvl's order, as one line.
    public var firstError: String? {
        for s in DCAPVerifier.dcapQVLOrder {
            if let r = stages.first(where: { $0.stage == s }), case .fail(let m, _) = r.outcome { return m }
        }
        return stages.first { !$0.outcome.isPass }?.outcome.message
    }
    public func outcome(_ s: DCAPStage) -> DCAPOutcome { stages.first { $0.stage == s }?.outcome ?? .skipped("not run") }

    mutating func set(_ s: DCAPStage, _ o: DCAPOutcome) {
        if let i = stages.firstIndex(where: { $0.stage == s }) { stages[i] = DCAPStageResult(stage: s, outcome: o) } else {
            stages.append(DCAPStageResult(stage: s, outcome: o))
        }
    }
}

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


public enum DCAPVerifier {
    /// dcap-qvl's order of checks, used to name the first error.
    public static let dcapQVLOrder: [DCAPStage] = [
        .rootCRL, .quoteHeader, .collateralDates, .tcbInfo, .qeIdentity, .pckChain, .qeReportSignature,
        .qeBinding, .qeIdentityMatch, .quoteSignature, .platformTCB, .tcbStatus, .attributes,
    ]

    /// One-shot verification (no cache reuse across calls).
    public static func verify(quote: Quote, collateral: QuoteCollateral, now: Int64, rootCA: X509Certificate?,
                              intelRules: Bool) -> DCAPResult {
        guard let root = rootCA ?? IntelRootCA.certificate else {
            var r = DCAPResult(); r.set(.rootCRL, .fail("no root CA", .invalid)); return r
        }
        return verify(quote: quote, verified: VerifiedCollateral(collateral: collateral, root: root), now: now,
                      options: DCAPOptions(intelRules: intelRules))
    }

    /// Verifies a quote against pre-verified collateral at unix time `now`.
    public static func verify(quote: Quote, verified vc: VerifiedCollateral, now: Int64, options: DCAPOptions = DCAPOptions()) -> DCAPResult {
        var r = DCAPResult()
        let sig = quote.signatureData
        var windows: [(Int64, Int64)] = []

        // Root CA against its CRL; both CRLs must parse.
        switch (vc.rootCRL, vc.pckCRL) {
        case (.failure(let e), _), (_, .failure(let e)): r.set(.rootCRL, .fail(e.message, e.kind))
        case (.success(let crl), _):
            // webpki's check_single_cert_crl(root): the root CRL (signature checked at init) must not list
            // the root and must not be expired; the root itself must be valid at `now`.
            let next = crl.nextUpdate ?? Int64.min
            if vc.rootRevoked {
                r.set(.rootCRL, .fail("root CA is revoked by the root CA CRL", .invalid))
            } else if now >= next {
                r.set(.rootCRL, .fail("root CA CRL has expired (nextUpdate \(TimeInput.format(next)))", .expired))
            } else if now < vc.root.notBefore || now > vc.root.notAfter {
                r.set(.rootCRL, .fail("root CA certificate is not valid at \(TimeInput.format(now))", .expired))
            } else {
                r.set(.rootCRL, .pass)
                windows.append((vc.root.notBefore, min(vc.root.notAfter, next - 1)))
            }
        }

        // Header.
        r.set(.quoteHeader, headerCheck(quote, options))

        // TCB info and QE identity: dates, chains, signatures.
        var dates = [String]()
        var datesExpiredOnly = true
        if case .success(let t) = vc.tcbInfo {
            r.tcbInfo = t
            windows.append((t.issueDate, t.nextUpdate))
            if now < t.issueDate { dates.append("TCBInfo issue date is in the future (\(t.issueDateText))") }
            if now > t.nextUpdate { dates.append("TCBInfo expired (nextUpdate \(t.nextUpdateText))") }
        }
        if case .success(let q) = vc.qeIdentity {
            r.qeIdentity = q
            windows.append((q.issueDate, q.nextUpdate))
            if now < q.issueDate { dates.append("QE Identity issue date is in the future (\(q.issueDateText))") }
            if now > q.nextUpdate { dates.append("QE Identity expired (nextUpdate \(q.nextUpdateText))") }
        }
        if case .failure = vc.tcbInfo { datesExpiredOnly = false }
        if case .failure = vc.qeIdentity { datesExpiredOnly = false }
        if !dates.isEmpty { r.set(.collateralDates, .fail(dates.joined(separator: "; "), .expired)) } else if datesExpiredOnly {
            r.set(.collateralDates, .pass)
        } else {
            r.set(.collateralDates, .skipped("TCB info or QE identity does not decode"))
        }

        r.set(.tcbInfo, signedCollateralCheck(vc, vc.tcbInfo.map { _ in () }, vc.tcbChain, vc.tcbInfoSignatureValid,
                                              key: vc.tcbChainKey, what: "tcb_info", now: now, windows: &windows))
        var qeOutcome = signedCollateralCheck(vc, vc.qeIdentity.map { _ in () }, vc.qeChain, vc.qeIdentitySignatureValid,
                                              key: vc.qeChainKey, what: "qe_identity", now: now, windows: &windows)
        if qeOutcome.isPass, case .success(let q) = vc.qeIdentity {
            let (wantID, versions) = quote.teeType == .sgx ? ("QE", [2]) : ("TD_QE", [2, 3])
            if q.id != wantID || !versions.contains(q.version) {
                qeOutcome = .fail("Unsupported QE Identity id/version for the quote TEE type: \(q.id) version \(q.version) (expected \(wantID) version \(versions))", .invalid)
            }
        }
        r.set(.qeIdentity, qeOutcome)

        // PCK chain.
        var pck: VerifiedCollateral.PCKEntry?
        let pem: Bytes?
        if let c = vc.collateral.pckCertificateChain { pem = Array(c.utf8) } else if sig.certType == 5 { pem = sig.certData } else { pem = nil }
        if let pem {
            let pemDigest = Digest.sha256(pem)
            switch vc.pckEntry(pem, digest: pemDigest) {
            case .failure(let e): r.set(.pckChain, .fail(e.message, e.kind))
            case .success(let e):
                pck = e
                r.pckLeaf = e.leaf
                let chainKey = "pck:" + pemDigest.hex
                switch vc.verifyChain(key: chainKey, e.certs, at: now) {
                case .failure(let err): r.set(.pckChain, .fail("PCK \(err.message)", err.kind)); r.pckFailureFromCRL = err.crlRelated
                case .success(let c):
                    windows.append((c.validFrom, c.validUntil))
                    switch e.ext {
                    case .failure(let err): r.set(.pckChain, .fail(err.message, .invalid))
                    case .success: r.set(.pckChain, .pass)
                    }
                }
                if case .success(let x) = e.ext { r.pckExtension = x }
            }
        } else {
            r.set(.pckChain, .fail("Unsupported DCAP PCK cert format: \(sig.certType) (only type 5, a PEM chain in the quote, or a chain in the collateral)", .invalid))
        }

        // QE report signature by the PCK key (checked whenever the leaf parsed, so the report is precise).
        if let key = pck?.key {
            r.set(.qeReportSignature, key.isValidSignature(raw: sig.qeReportSignature, message: sig.qeReport.raw)
                  ? .pass : .fail("Signature is invalid for qe_report in quote", .invalid))
        } else {
            r.set(.qeReportSignature, .skipped("no PCK leaf key"))
        }

        // QE report data binds the attestation key.
        if !options.intelRules && sig.qeAuthData.count != 32 {
            r.set(.qeBinding, .fail("Invalid QE auth data length \(sig.qeAuthData.count) (expected 32)", .invalid))
        } else {
            let h = Digest.sha256(sig.attestationKey + sig.qeAuthData)
            r.set(.qeBinding, bytesEqual(h, Array(sig.qeReport.reportData.prefix(32)))
                  ? .pass : .fail("QE report hash mismatch", .invalid))
        }

        // Quote signature by the attestation key.
        if let ak = vc.attestationKey(sig.attestationKey) {
            r.set(.quoteSignature, ak.isValidSignature(raw: sig.signature, message: quote.signedRegion)
                  ? .pass : .fail("ISV enclave report signature is invalid", .invalid))
        } else {
            r.set(.quoteSignature, .fail("ISV enclave report signature is invalid (attestation key is not a P-256 point)", .invalid))
        }

        // QE identity match.
        if case .success(let q) = vc.qeIdentity {
            switch qeIdentityMatch(sig.qeReport, q) {
            case .success(let v): r.qeVerdict = v; r.set(.qeIdentityMatch, .pass)
            case .failure(let e): r.set(.qeIdentityMatch, .fail(e.message, .invalid))
            }
        } else {
            r.set(.qeIdentityMatch, .skipped("QE identity does not decode"))
        }

        // Platform TCB.
        if case .success(let t) = vc.tcbInfo, let ext = r.pckExtension {
            switch platformTCB(t, quote, ext, options) {
            case .success(let (platform, module)):
                r.platformVerdict = platform; r.moduleVerdict = module; r.set(.platformTCB, .pass)
            case .failure(let e): r.set(.platformTCB, .fail(e.message, .invalid))
            }
        } else {
            r.set(.platformTCB, .skipped(r.pckExtension == nil ? "no PCK certificate extension" : "TCB info does not decode"))
        }

        // Final status.
        if let p = r.platformVerdict, let q = r.qeVerdict {
            let v = p.converged(q)
            r.verdict = v
            r.set(.tcbStatus, v.status == .revoked ? .fail("TCB status is invalid: Revoked", .invalid) : .pass)
        } else {
            r.set(.tcbStatus, .skipped("platform or QE TCB level unknown"))
        }

        r.set(.attributes, attributesCheck(quote, options))

        if !windows.isEmpty {
            r.validFrom = windows.map(\.0).max()
            r.validUntil = windows.map(\.1).min()
        }
        // Stable stage order for reports.
        r.stages.sort { a, b in
            (DCAPStage.allCases.firstIndex(of: a.stage) ?? 0) < (DCAPStage.allCases.firstIndex(of: b.stage) ?? 0)
        }
        return r
    }

    // MARK: - Stages

    public static func headerCheck(_ q: Quote, _ o: DCAPOptions) -> DCAPOutcome {
        let h = q.header
        guard h.qeVendorID == QuoteHeader.intelQEVendorID else { return .fail("Unknown QE vendor ID \(h.qeVendorID.hex)", .invalid) }
        switch q.teeType {
        case .sgx where h.version != 3: return .fail("SGX TEE quote must have version 3", .invalid)
        case .tdx where h.version != 4 && h.version != 5: return .fail("TDX TEE quote must have version 4 or 5", .invalid)
        default: break
        }
        guard h.attestationKeyType == 2 else { return .fail("Unsupported DCAP attestation key type \(h.attestationKeyType)", .invalid) }
        if let d = q.bodyDescriptor {
            let expected: Int
            switch q.body {
            case .sgx: expected = EnclaveReport.size
            case .td10: expected = TDReport.size10
            case .td15: expected = TDReport.size15
            }
            if Int(d.size) != expected { return .fail("Invalid body size: v5 body size \(d.size) does not match body type \(d.type) (\(expected))", .invalid) }
        }
        if o.intelRules, let t = q.signatureData.outerCertType, t != 6 {
            return .fail("certification data type \(t), expected 6 (QE report certification data) [intel-rules]", .invalid)
        }
        return .pass
    }

    static func signedCollateralCheck(_ vc: VerifiedCollateral, _ decoded: Result<Void, VerifiedCollateral.StageError>,
                                      _ chain: Result<[X509Certificate], VerifiedCollateral.StageError>, _ sigValid: Bool,
                                      key: String, what: String, now: Int64, windows: inout [(Int64, Int64)]) -> DCAPOutcome {
        if case .failure(let e) = decoded { return .fail(e.message, .invalid) }
        guard case .success(let certs) = chain else {
            if case .failure(let e) = chain { return .fail(e.message, .invalid) }
            return .fail("no issuer chain", .invalid)
        }
        var failure: DCAPOutcome?
        switch vc.verifyChain(key: key, certs, at: now) {
        case .success(let c): windows.append((c.validFrom, c.validUntil))
        case .failure(let e): failure = .fail("\(what) issuer \(e.message)", e.kind)
        }
        if !sigValid { return .fail("Signature is invalid for \(what) in quote_collateral", .invalid) }
        return failure ?? .pass
    }

    typealias StageError = VerifiedCollateral.StageError

    static func qeIdentityMatch(_ qe: EnclaveReport, _ id: QEIdentity) -> Result<TCBVerdict, StageError> {
        if qe.mrSigner != id.mrSigner { return .failure(StageError("QE MRSIGNER mismatch: expected \(id.mrSigner.hex), got \(qe.mrSigner.hex)")) }
        if qe.isDebug { return .failure(StageError("QE report validation failed: Debug mode is enabled")) }
        if qe.isvProdID != id.isvProdID { return .failure(StageError("QE ISVPRODID mismatch: expected \(id.isvProdID), got \(qe.isvProdID)")) }
        func le32(_ b: Bytes) -> UInt32 { b.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) } }
        let mask = le32(id.miscSelectMask)
        if qe.miscSelect & mask != le32(id.miscSelect) & mask {
            return .failure(StageError("QE MISCSELECT mismatch"))
        }
        let attrs = qe.attributes
        for i in 0..<16 where attrs[i] & id.attributesMask[i] != id.attributes[i] & id.attributesMask[i] {
            return .failure(StageError("QE ATTRIBUTES mismatch at byte \(i)"))
        }
        for l in id.levels where qe.isvSVN >= l.isvSVN {
            guard TCBStatus.qeLevelStatuses.contains(l.verdict.status) else {
                return .failure(StageError("Unrecognized TCB status \(l.verdict.status.rawValue) in QE Identity"))
            }
            return .success(l.verdict)
        }
        if let last = id.levels.last { return .failure(StageError("QE ISVSVN \(qe.isvSVN) is below minimum required \(last.isvSVN) from QE Identity")) }
        return .failure(StageError("No TCB levels found in QE Identity"))
    }

    /// Platform TCB: FMSPC, TCB info kind, level matching, TDX module identity, TD 1.5 relaunch evaluation.
    /// Returns (platform status incl. module, module status).
    static func platformTCB(_ t: TCBInfo, _ q: Quote, _ pck: PCKExtension, _ o: DCAPOptions)
        -> Result<(TCBVerdict, TCBVerdict?), StageError> {
        guard let fm = try? Hex.decode(t.fmspc) else { return .failure(StageError("Failed to decode TCB FMSPC")) }
        if fm != pck.fmspc { return .failure(StageError("Fmspc mismatch: TCB info \(t.fmspc.uppercased()), PCK \(pck.fmspc.hex.uppercased())")) }
        if o.intelRules, (try? Hex.decode(t.pceID)) != pck.pceID {
            return .failure(StageError("PCEID mismatch: TCB info \(t.pceID), PCK \(pck.pceID.hex) [intel-rules]"))
        }
        switch q.teeType {
        case .tdx where t.version < 3 || t.id != "TDX": return .failure(StageError("TDX quote with non-TDX TCB info in the collateral"))
        case .sgx where t.version < 2 || t.id != "SGX": return .failure(StageError("SGX quote with non-SGX TCB info in the collateral"))
        default: break
        }
        guard let td = q.tdReport else {
            return matchLevel(t, pck, teeTCBSVN: nil).map { ($0.verdict, nil) }
        }
        let launch: (TCBVerdict, TCBVerdict?)
        switch evaluateTDX(t, pck, td, svn: td.teeTCBSVN, o) {
        case .failure(let e): return .failure(e)
        case .success(let v): launch = v
        }
        // TD 1.5: evaluate the current TDX module (TEE_TCB_SVN2) too; relaunching may be advised.
        guard let svn2 = td.teeTCBSVN2 else { return .success(launch) }
        let current: TCBVerdict
        switch evaluateTDX(t, pck, td, svn: svn2, o) {
        case .failure(let e): return .failure(StageError("Failed to evaluate the current TDX TCB (TEE_TCB_SVN2): \(e.message)"))
        case .success(let v): current = v.0
        }
        var v = launch.0
        let outdated: Set<TCBStatus> = [.outOfDate, .outOfDateConfigurationNeeded]
        if current.status == .revoked {
            v.status = .revoked
        } else if outdated.contains(v.status) && !outdated.contains(current.status) {
            let config = v.status == .outOfDateConfigurationNeeded
                || current.status == .configurationNeeded || current.status == .configurationAndSWHardeningNeeded
            v.status = config ? .tdRelaunchAdvisedConfigurationNeeded : .tdRelaunchAdvised
        }
        return .success((v, launch.1))
    }

    /// One TDX evaluation for a given TEE_TCB_SVN: platform level, module identity, converged.
    static func evaluateTDX(_ t: TCBInfo, _ pck: PCKExtension, _ td: TDReport, svn: Bytes, _ o: DCAPOptions)
        -> Result<(TCBVerdict, TCBVerdict?), StageError> {
        let level: TCBInfo.Level
        switch matchLevel(t, pck, teeTCBSVN: svn) {
        case .failure(let e): return .failure(e)
        case .success(let l): level = l
        }
        switch tdxModule(t, td, svn: svn, o) {
        case .failure(let e): return .failure(e)
        case .success(let m):
            return .success((m.map { level.verdict.converged($0) } ?? level.verdict, m))
        }
    }

    /// The first level (canonical order) the platform meets. TDX components are compared from index 2
    /// when the module major version (TEE_TCB_SVN[1]) is non-zero, as Intel QVL and dcap-qvl 0.7 do.
    static func matchLevel(_ t: TCBInfo, _ pck: PCKExtension, teeTCBSVN svn: Bytes?) -> Result<TCBInfo.Level, StageError> {
        for level in t.levels {
            if pck.pceSVN < level.pceSVN { continue }
            if level.sgxComponents.count != pck.cpuSVN.count {
                return .failure(StageError("SGX component count mismatch: expected \(pck.cpuSVN.count), got \(level.sgxComponents.count)"))
            }
            if zip(pck.cpuSVN, level.sgxComponents).contains(where: { $0 < $1 }) { continue }
            if let svn {
                if level.tdxComponents.count != svn.count {
                    return .failure(StageError("TDX component count mismatch: expected \(svn.count), got \(level.tdxComponents.count)"))
                }
                let start = svn[1] > 0 ? 2 : 0
                if (start..<16).contains(where: { svn[$0] < level.tdxComponents[$0] }) { continue }
            }
            guard TCBStatus.platformLevelStatuses.contains(level.verdict.status) else {
                return .failure(StageError("Unrecognized TCB status \(level.verdict.status.rawValue) in TCB Info"))
            }
            return .success(level)
        }
        return .failure(StageError("No matching TCB level found"))
    }

    static func tdxModule(_ t: TCBInfo, _ td: TDReport, svn: Bytes, _ o: DCAPOptions) -> Result<TCBVerdict?, StageError> {
        guard t.id == "TDX", t.version >= 3 else { return .success(nil) }
        let isvsvn = svn[0], ver = svn[1]
        guard let base = t.tdxModule else { return .failure(StageError("TDX TCB Info is missing tdxModule field")) }
        var m = base
        var levels: [TCBInfo.ModuleLevel]?
        if ver > 0 {
            let want = String(format: "TDX_%02X", ver)
            guard let ident = t.tdxModuleIdentities.first(where: { $0.id.uppercased() == want }) else {
                return .failure(StageError("TDX module TCB level check: No TDX module identity with id \(want) found in TCB Info"))
            }
            m = ident.module
            levels = ident.levels
        }
        func fixed(_ s: String, _ n: Int) -> Bytes? { (try? Hex.decode(s)).flatMap { $0.count == n ? $0 : nil } }
        guard let signer = fixed(m.mrSigner, 48), let attrs = fixed(m.attributes, 8), let mask = fixed(m.attributesMask, 8) else {
            return .failure(StageError("TDX module identity check: malformed mrsigner/attributes/attributesMask"))
        }
        if td.mrSignerSeam != signer {
            return .failure(StageError("TDX module identity check: TDX module MRSIGNER mismatch: expected \(signer.hex), got \(td.mrSignerSeam.hex)"))
        }
        let seam = td.seamAttributes
        if o.intelRules && !seam.isAllZero { return .failure(StageError("TDX module identity check: SEAMATTRIBUTES must be zero [intel-rules]")) }
        for i in 0..<8 {
            if seam[i] & mask[i] != attrs[i] & mask[i] {
                return .failure(StageError("TDX module identity check: TDX module SEAMATTRIBUTES mismatch at byte \(i)"))
            }
            if seam[i] & ~mask[i] != 0 {
                return .failure(StageError("TDX module identity check: TDX module SEAMATTRIBUTES has bits set outside mask at byte \(i)"))
            }
        }
        guard let levels else { return .success(nil) }
        for l in levels where isvsvn >= l.isvSVN {
            guard TCBStatus.moduleLevelStatuses.contains(l.verdict.status) else {
                return .failure(StageError("TDX module TCB level check: Unrecognized TCB status \(l.verdict.status.rawValue) in TDX module identity"))
            }
            return .success(l.verdict)
        }
        return .failure(StageError("TDX module TCB level check: TDX module ISVSVN \(isvsvn) is below minimum required from TDX module TCB levels"))
    }

    /// TD attributes as dcap-qvl 0.7 checks them (bit numbers of the little-endian u64):
    /// 0 DEBUG (unless allowed); 1-3, 7, 8-15, 23-26, 32-61 reserved; 4-6 profiling; 17 SERVTD_EXT;
    /// 28 SEPT_VE_DISABLE required; 29 MIGRATABLE rejected; 16, 18-22, 27, 30, 31, 62, 63 allowed.
    static func attributesCheck(_ q: Quote, _ o: DCAPOptions) -> DCAPOutcome {
        switch q.body {
        case .sgx(let r):
            return r.isDebug && !o.allowDebug ? .fail("Debug mode is enabled", .invalid) : .pass
        case .td10(let td), .td15(let td):
            if let s = td.mrServiceTD, !s.isAllZero, !o.allowServiceTD { return .fail("Invalid MR service TD (non-zero MRSERVICETD)", .invalid) }
            let a = td.tdAttributesValue
            func bits(_ r: ClosedRange<Int>) -> UInt64 { r.reduce(0) { $0 | (1 << UInt64($1)) } }
            let reserved = bits(1...3) | bits(7...7) | bits(8...15) | bits(23...26) | bits(32...61)
            if a & reserved != 0 { return .fail("Reserved bits in TD attributes are set", .invalid) }
            if a & 1 != 0 && !o.allowDebug { return .fail("Debug mode is enabled", .invalid) }
            if a & bits(4...6) != 0 { return .fail("TD profiling is enabled", .invalid) }
            if a & (1 << 17) != 0 { return .fail("SERVTD_EXT is enabled", .invalid) }
            if a & (1 << 28) == 0 { return .fail("SEPT_VE_DISABLE is not enabled", .invalid) }
            if a & (1 << 29) != 0 { return .fail("TD migration is enabled", .invalid) }
            return .pass
        }
    }
}
