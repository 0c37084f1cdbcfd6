import ArgumentParser
import DevProofChecks
import DevProofCore

struct AttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Verify a TDX/SGX quote against Intel DCAP collateral, and dstack evidence bound to it.",
        discussion: "Checks are documented in docs/checks.md; what each proves in docs/attest.md. Several --evidence (or --quote) values, or a directory, verify a batch in one process (docs/attest.md, Batch)."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Quote file (raw binary or hex). Repeatable, or a directory: a batch of bare quotes.")
    var quote: [String] = []
    @Option(help: "dstack evidence: GetQuote/Info/KMS-Info response, SCALE attestation, RA-TLS cert PEM, or oracle response. Repeatable, or a directory: a batch.")
    var evidence: [String] = []
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
        if AttestBatch.isBatch(evidence) || AttestBatch.isBatch(quote) { runBatch() }
        CLI.run(common) {
            var o = try options()
            o.quotePath = quote.first; o.evidencePath = evidence.first
            return try Attest.run(o)
        }
    }

    func options() throws -> AttestOptions {
        var o = AttestOptions(now: try common.resolvedNow())
        o.eventLogPath = eventLog; o.appComposePath = appCompose; o.vmConfigPath = vmConfig; o.bindings = bind
        pipeline.apply(to: &o, offline: common.offline)
        return o
    }

    /// Several inputs: one report per input plus a summary (`BatchReport`), exit code the worst verdict.
    func runBatch() -> Never {
        do {
            let format = common.reportFormat
            guard [.text, .json, .junit].contains(format) else {
                throw DevProofError.usage("--format \(format.rawValue) is not available for a batch (several inputs); use text, json or junit, or run one input per call")
            }
            var o = try options()
            let kind: AttestBatch.Kind = evidence.isEmpty ? .quote : .evidence
            if kind == .evidence, let q = quote.first { o.quotePath = q }
            let inputs = try AttestBatch.expand(kind == .evidence ? evidence : quote, flag: kind.rawValue)
            CLI.finish(try AttestBatch.run(o, kind: kind, inputs: inputs), common)
        } catch let e as DevProofError {
            CLI.fail(e)
        } catch {
            CLI.fail(.malformed("\(error)"))
        }
    }
}
