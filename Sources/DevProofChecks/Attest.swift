import DevProofCore
import Dstack

/// `devproof attest`: produces the report. Quote-only inputs go to the DCAP quote verifier;
/// dstack evidence (event log, app-compose, RA-TLS, ...) goes through the dstack pipeline,
/// which runs the quote verifier on the embedded quote.
public enum Attest {
    public static func run(_ o: AttestOptions) throws -> Report {
        let mode = try AttestMode.validate(o)
        let resolved = try AttestPolicy.resolve(o)
        switch mode {
        case .quote: return try AttestQuote.run(resolved)
        case .evidence: return try AttestEvidence.run(resolved)
        }
    }
}

/// The input mode, decided and validated before anything is read: every flag given must be used by the
/// mode (an unused flag is a usage error, exit 2, never silently ignored).
public enum AttestMode: Sendable, Equatable {
    /// `--quote FILE` alone: DCAP verification of a bare quote (+ register references, `--os-ref`).
    case quote
    /// `--evidence FILE` and/or parts (`--event-log`, `--app-compose`, `--vm-config`, `--bind`), with or without `--quote`.
    case evidence

    public static func validate(_ o: AttestOptions) throws -> AttestMode {
        let parts = o.eventLogPath != nil || o.appComposePath != nil || o.vmConfigPath != nil || !o.bindings.isEmpty
        let mode: AttestMode
        if o.quotePath != nil && o.evidencePath == nil && !parts {
            mode = .quote
        } else if o.quotePath == nil && o.evidencePath == nil {
            throw DevProofError.usage("attest needs --quote FILE or --evidence FILE")
        } else {
            mode = .evidence
        }
        // Typed at the edge: a bad --bind is a usage error before any file is read.
        for b in o.bindings { _ = try ReportDataBinding.parse(b) }
        if mode == .quote, let f = o.references.identityFlags.first {
            throw DevProofError.usage("\(f) needs the app's event log (--evidence FILE, or --event-log FILE with --quote); a bare quote carries no app identity")
        }
        if o.noDCAP && o.simulator { throw DevProofError.usage("--no-dcap and --simulator are both opt-outs of DCAP; give one") }
        if o.noDCAP || o.simulator {
            let optOut = o.simulator ? "--simulator" : "--no-dcap"
            var unused = [String]()
            if o.collateralPath != nil { unused.append("--collateral") }
            if o.pccsURL != nil { unused.append("--pccs") }
            if o.saveCollateralPath != nil { unused.append("--save-collateral") }
            if o.rootCAPath != nil { unused.append("--root-ca") }
            if o.tcbStatusesGiven { unused.append("--allow-tcb-status") }
            if o.advisoriesGiven { unused.append("--allow-advisory") }
            if o.intelRules { unused.append("--intel-rules") }
            if !o.references.deviceId.isEmpty { unused.append("--expect-device-id") }
            if let f = unused.first { throw DevProofError.usage("\(f) is not used with \(optOut) (DCAP is not run)") }
        } else {
            if o.pccsURL != nil && o.collateralPath != nil { throw DevProofError.usage("--pccs is not used with --collateral (the file is the collateral)") }
            if o.saveCollateralPath != nil && o.offline && o.collateralPath == nil {
                throw DevProofError.usage("--save-collateral is not used with --offline and no --collateral (there is no collateral to save)")
            }
            if o.pccsURL != nil && o.offline { throw DevProofError.usage("--pccs is not used with --offline (nothing is fetched)") }
        }
        return mode
    }
}
