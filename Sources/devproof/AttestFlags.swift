import ArgumentParser
import DevProofChecks
import DevProofCore

/// The flags that steer the attest pipeline (collateral, trust anchor, policy, opt-outs). Shared by every
/// command that verifies a quote (attest, tls, lightclient, freshness, stage) so they mean the same
/// everywhere and none is dropped.
struct AttestPipelineFlags: ParsableArguments {
    @Option(help: "Collateral JSON (dcap-qvl QuoteCollateralV3).")
    var collateral: String?
    @Option(help: "Where to fetch collateral when no --collateral: 'phala' (default; or $DEVPROOF_PCCS), 'intel' (Intel PCS), or a PCCS base URL.")
    var pccs: String?
    @Option(name: .customLong("save-collateral"), help: "Write the collateral used to FILE, to replay the audit offline.")
    var saveCollateral: String?
    @Option(name: .customLong("root-ca"), help: "Trust this root CA (PEM/DER) instead of the pinned Intel SGX Root CA.")
    var rootCA: String?

    @Option(name: .customLong("allow-tcb-status"), help: "TCB status accepted by policy (repeatable; default UpToDate).")
    var allowTcbStatus: [String] = []
    @Option(name: .customLong("allow-advisory"), help: "Intel advisory ID accepted by policy (repeatable).")
    var allowAdvisory: [String] = []
    @Flag(name: .customLong("allow-debug"), help: "Accept debug TDs/enclaves (never for production).")
    var allowDebug = false
    @Flag(name: .customLong("intel-rules"), help: "Apply Intel QVL's rules where dcap-qvl differs (docs/dcap.md).")
    var intelRules = false

    @Option(name: .customLong("os-ref"), help: "Reference MRTD/RTMR0-2 JSON for the OS image.")
    var osRef: String?

    @Flag(name: .customLong("no-dcap"), help: "Skip the Intel DCAP checks explicitly (the verdict can then not be pass).")
    var noDcap = false
    @Flag(help: "Evidence from the dstack simulator: skip the Intel chain (the verdict can then not be pass).")
    var simulator = false

    /// Copies the flags onto the pipeline's options (evidence paths are the caller's).
    func apply(to o: inout AttestOptions, offline: Bool) {
        o.collateralPath = collateral; o.pccsURL = pccs; o.saveCollateralPath = saveCollateral
        o.rootCAPath = rootCA; o.offline = offline; o.osRefPath = osRef
        if !allowTcbStatus.isEmpty { o.allowedTCBStatuses = allowTcbStatus }
        o.allowedAdvisories = allowAdvisory; o.allowDebug = allowDebug; o.intelRules = intelRules
        o.noDCAP = noDcap; o.simulator = simulator
    }
}

extension AttestPipelineFlags {
    /// The flags as given, for the sub-commands `stage` runs (each must see exactly what the user wrote).
    /// A test parses a fully-set argv, serializes it and compares: a flag missing here fails it.
    var argv: [String] {
        var a: [String] = []
        func opt(_ name: String, _ v: String?) { if let v { a += [name, v] } }
        opt("--collateral", collateral); opt("--pccs", pccs); opt("--save-collateral", saveCollateral)
        opt("--root-ca", rootCA)
        for s in allowTcbStatus { a += ["--allow-tcb-status", s] }
        for s in allowAdvisory { a += ["--allow-advisory", s] }
        if allowDebug { a.append("--allow-debug") }
        if intelRules { a.append("--intel-rules") }
        opt("--os-ref", osRef)
        if noDcap { a.append("--no-dcap") }
        if simulator { a.append("--simulator") }
        return a
    }
}
