import DevProofCore

/// Everything `devproof attest` can be given. Plain values; the CLI maps flags onto it.
public struct AttestOptions: Sendable {
    // Evidence
    public var quotePath: String?
    public var evidencePath: String?
    public var eventLogPath: String?
    public var appComposePath: String?
    public var vmConfigPath: String?
    public var osRefPath: String?
    public var bindings: [String] = []

    // DCAP collateral
    public var collateralPath: String?
    public var pccsURL: String?
    public var saveCollateralPath: String?
    public var rootCAPath: String?
    public var offline = false

    // Policy (separate from cryptographic verification)
    public var allowedTCBStatuses: [String] = ["UpToDate"]
    public var allowedAdvisories: [String] = []
    public var allowDebug = false
    /// Apply Intel QVL's rules where dcap-qvl differs (see docs/dcap.md).
    public var intelRules = false

    /// `--policy FILE` (JSON or YAML, docs/policy.md): reference values and TCB policy; flags override it.
    public var policyPath: String?
    /// Reference values from the `--expect-*` flags (merged over the policy's by `AttestPolicy.resolve`).
    public var references = AttestReferences()
    /// Whether the TCB policy flags were given (they then override the policy file).
    public var tcbStatusesGiven = false
    public var advisoriesGiven = false
    public var debugGiven = false

    // Modes
    public var noDCAP = false
    public var simulator = false

    public var now: Int64

    /// Set by a batch (`AttestBatch`): collateral read/fetched and verified once, shared by every input.
    public var collateralCache: AttestCollateralCache?

    public init(now: Int64) { self.now = now }
}
