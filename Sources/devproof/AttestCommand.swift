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
    @Option(name: .customLong("bind"), help: "report_data binding: raw:HEX | sha512-tag:TAG:FILE | sha256-pad:FILE | hexascii-sha256:FILE (repeatable).")
    var bind: [String] = []

    @OptionGroup var pipeline: AttestPipelineFlags

    func run() throws {
        CLI.run(common) {
            var o = AttestOptions(now: try common.resolvedNow())
            o.quotePath = quote; o.evidencePath = evidence; o.eventLogPath = eventLog
            o.appComposePath = appCompose; o.vmConfigPath = vmConfig; o.bindings = bind
            pipeline.apply(to: &o, offline: common.offline)
            return try Attest.run(o)
        }
    }
}
