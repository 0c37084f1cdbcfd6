import ArgumentParser
import DevProofChecks
import DevProofCore

/// The flags that steer the attest pipeline (collateral, trust anchor, policy, opt-outs). Shared by every
/// command that verifies a quote (attest, tls, lightclient, freshness, stage) so they mean the same
/// everywhere and none is dropped.
struct AttestPipelineFlags: ParsableArguments {
    @Option(help: "Collateral: dcap-qvl QuoteCollateralV3 JSON, or a directory of raw Intel PCS responses (docs/attest.md).")
    var collateral: String?
    @Option(help: "Where to fetch collateral when no --collateral: 'phala' (default; or $DEVPROOF_PCCS), 'intel' (Intel PCS), or a PCCS base URL.")
    var pccs: String?
    @Option(name: .customLong("save-collateral"), help: "Write the collateral used to FILE, to replay the audit offline.")
    var saveCollateral: String?
    @Option(name: .customLong("root-ca"), help: "Trust this root CA (PEM/DER) instead of the pinned Intel SGX Root CA.")
    var rootCA: String?

    @Option(name: .customLong("allow-tcb-status"), help: "TCB status accepted by policy (repeatable; default UpToDate).")
    var allowTcbStatus: [TCBStatusValue] = []
    @Option(name: .customLong("allow-advisory"), help: "Intel advisory ID accepted by policy (repeatable).")
    var allowAdvisory: [String] = []
    @Flag(name: .customLong("allow-debug"), help: "Accept debug TDs/enclaves (never for production).")
    var allowDebug = false
    @Flag(name: .customLong("intel-rules"), help: "Apply Intel QVL's rules where dcap-qvl differs (docs/dcap.md).")
    var intelRules = false

    @Option(name: .customLong("os-ref"), help: "Reference MRTD/RTMR0-2 JSON for the OS image (decides os.measurement in every mode).")
    var osRef: String?
    @Option(help: "Policy file (JSON or YAML, docs/policy.md): reference values and TCB policy; flags override it key by key.")
    var policy: String?

    // Reference values (go-tdx-guest `check`-like). Each given value becomes a required ref.* check.
    @Option(name: .customLong("expect-compose-hash"), help: "Expected compose hash (32-byte hex; repeatable: any of).")
    var expectComposeHash: [Hash32Value] = []
    @Option(name: .customLong("expect-app-id"), help: "Expected app id (20-byte hex; repeatable: any of).")
    var expectAppId: [AppIDValue] = []
    @Option(name: .customLong("expect-mr-config-id"), help: "Expected MRCONFIGID (48-byte hex; repeatable: any of).")
    var expectMrConfigId: [Register48Value] = []
    @Option(name: .customLong("expect-os-image-hash"), help: "Expected os-image-hash event (32-byte hex; repeatable: any of).")
    var expectOsImageHash: [Hash32Value] = []
    @Option(name: .customLong("expect-key-provider-id"), help: "Expected key-provider id (hex; repeatable: any of).")
    var expectKeyProviderId: [HexIDValue] = []
    @Option(name: .customLong("expect-instance-id"), help: "Expected instance id (hex; repeatable: any of).")
    var expectInstanceId: [HexIDValue] = []
    @Option(name: .customLong("expect-device-id"), help: "Expected device id, sha256(PPID) or sha256(QE user data) (32-byte hex; repeatable: any of).")
    var expectDeviceId: [Hash32Value] = []
    @Option(name: .customLong("expect-mrtd"), help: "Expected MRTD (48-byte hex).")
    var expectMrtd: Register48Value?
    @Option(name: .customLong("expect-rtmr0"), help: "Expected RTMR0 (48-byte hex).")
    var expectRtmr0: Register48Value?
    @Option(name: .customLong("expect-rtmr1"), help: "Expected RTMR1 (48-byte hex).")
    var expectRtmr1: Register48Value?
    @Option(name: .customLong("expect-rtmr2"), help: "Expected RTMR2 (48-byte hex).")
    var expectRtmr2: Register48Value?
    @Option(name: .customLong("expect-rtmr3"), help: "Expected RTMR3 (48-byte hex).")
    var expectRtmr3: Register48Value?
    @Option(name: .customLong("expect-report-data"), help: "Expected report_data (64-byte hex).")
    var expectReportData: ReportData64Value?

    @Flag(name: .customLong("no-dcap"), help: "Skip the Intel DCAP checks explicitly (the verdict can then not be pass).")
    var noDcap = false
    @Flag(help: "Evidence from the dstack simulator: skip the Intel chain (the verdict can then not be pass).")
    var simulator = false

    /// Copies the flags onto the pipeline's options (evidence paths are the caller's).
    func apply(to o: inout AttestOptions, offline: Bool) {
        o.collateralPath = collateral; o.pccsURL = pccs; o.saveCollateralPath = saveCollateral
        o.rootCAPath = rootCA; o.offline = offline; o.osRefPath = osRef
        if !allowTcbStatus.isEmpty { o.allowedTCBStatuses = allowTcbStatus.map(\.name); o.tcbStatusesGiven = true }
        if !allowAdvisory.isEmpty { o.allowedAdvisories = allowAdvisory; o.advisoriesGiven = true }
        if allowDebug { o.allowDebug = true; o.debugGiven = true }
        o.intelRules = intelRules
        o.noDCAP = noDcap; o.simulator = simulator
        o.policyPath = policy
        var r = AttestReferences()
        r.composeHash = expectComposeHash; r.appId = expectAppId; r.mrConfigId = expectMrConfigId
        r.osImageHash = expectOsImageHash; r.keyProviderId = expectKeyProviderId; r.instanceId = expectInstanceId
        r.deviceId = expectDeviceId; r.mrTD = expectMrtd; r.rtmr = [expectRtmr0, expectRtmr1, expectRtmr2, expectRtmr3]
        r.reportData = expectReportData
        o.references = r
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
        for s in allowTcbStatus { a += ["--allow-tcb-status", s.name] }
        for s in allowAdvisory { a += ["--allow-advisory", s] }
        if allowDebug { a.append("--allow-debug") }
        if intelRules { a.append("--intel-rules") }
        opt("--os-ref", osRef); opt("--policy", policy)
        func many<T: CustomStringConvertible>(_ name: String, _ vs: [T]) { for v in vs { a += [name, v.description] } }
        many("--expect-compose-hash", expectComposeHash); many("--expect-app-id", expectAppId)
        many("--expect-mr-config-id", expectMrConfigId); many("--expect-os-image-hash", expectOsImageHash)
        many("--expect-key-provider-id", expectKeyProviderId); many("--expect-instance-id", expectInstanceId)
        many("--expect-device-id", expectDeviceId)
        opt("--expect-mrtd", expectMrtd?.description)
        for (i, r) in [expectRtmr0, expectRtmr1, expectRtmr2, expectRtmr3].enumerated() { opt("--expect-rtmr\(i)", r?.description) }
        opt("--expect-report-data", expectReportData?.description)
        if noDcap { a.append("--no-dcap") }
        if simulator { a.append("--simulator") }
        return a
    }
}
