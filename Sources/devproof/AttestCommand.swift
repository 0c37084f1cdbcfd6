import ArgumentParser
import DevProofChecks
import DevProofCore

struct AttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Verify a TDX/SGX quote against Intel DCAP collateral, and dstack evidence bound to it.",
        discussion: "Checks are documented in docs/checks.md; what each proves in docs/attest.md."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Quote file (raw binary or hex).")
    var quote: String?
    @Option(help: "dstack evidence: GetQuote/Info/KMS-Info response, SCALE attestation, RA-TLS cert PEM, or oracle response.")
    var evidence: String?
    @Option(name: .customLong("event-log"), help: "Event log JSON (array or JSON string).")
    var eventLog: String?
    @Option(name: .customLong("app-compose"), help: "app-compose.json; its raw bytes are what is hashed.")
    var appCompose: String?
    @Option(name: .customLong("vm-config"), help: "vm_config JSON.")
    var vmConfig: String?
    @Option(name: .customLong("os-ref"), help: "Reference MRTD/RTMR0-2 JSON for the OS image.")
    var osRef: String?
    @Option(name: .customLong("bind"), help: "report_data binding: raw:HEX | sha512-tag:TAG:FILE | sha256-pad:FILE | hexascii-sha256:FILE (repeatable).")
    var bind: [String] = []

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

    @Flag(name: .customLong("no-dcap"), help: "Skip the Intel DCAP checks explicitly (shown prominently in the report).")
    var noDcap = false
    @Flag(help: "Evidence from the dstack simulator: skip the Intel chain, require everything else.")
    var simulator = false

    func run() throws {
        CLI.run(common) {
            var o = AttestOptions(now: try common.resolvedNow())
            o.quotePath = quote; o.evidencePath = evidence; o.eventLogPath = eventLog
            o.appComposePath = appCompose; o.vmConfigPath = vmConfig; o.osRefPath = osRef; o.bindings = bind
            o.collateralPath = collateral; o.pccsURL = pccs; o.saveCollateralPath = saveCollateral
            o.rootCAPath = rootCA; o.offline = common.offline
            if !allowTcbStatus.isEmpty { o.allowedTCBStatuses = allowTcbStatus }
            o.allowedAdvisories = allowAdvisory; o.allowDebug = allowDebug; o.intelRules = intelRules
            o.noDCAP = noDcap; o.simulator = simulator
            return try Attest.run(o)
        }
    }
}
