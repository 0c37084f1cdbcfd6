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
