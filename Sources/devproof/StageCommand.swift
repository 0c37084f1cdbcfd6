import ArgumentParser
import DevProofChecks
import DevProofCore
import Foundation

/// The inputs of `stage` and `collect`: the union of the sub-commands' inputs for one app.
struct StageInputs: ParsableArguments {
    @Option(help: "dstack evidence of the app (Info/GetQuote/KMS-Info response, …). Repeat for replicas (S2.2).")
    var evidence: [String] = []
    @Option(name: .customLong("phala-app"), help: "Phala Cloud app id: fetch every running instance's evidence from the Phala Cloud API (optional).")
    var phalaApp: String?
    @Option(name: .customLong("phala-api"), help: "Phala Cloud API base URL (default \(PhalaCloud.defaultBase), or $DEVPROOF_PHALA_API).")
    var phalaAPI: String?
    @Option(name: .customLong("app-compose"), help: "The app-compose.json the quote measures (raw bytes); audited for S1.4/S1.6/S1.7.")
    var appCompose: String?
    @OptionGroup var pipeline: AttestPipelineFlags

    @Option(name: .customLong("tls-url"), help: "The app's HTTPS endpoint: `devproof tls --url` (S1.6).")
    var tlsURL: String?
    @Option(name: .customLong("tls-cert"), help: "A captured certificate chain: `devproof tls --cert` (S1.6).")
    var tlsCert: String?

    @Option(name: .customLong("rpc"), help: "Ethereum JSON-RPC URL for appauth (repeatable).")
    var rpc: [String] = []
    @Option(help: "The app's AppAuth contract address (the on-chain app id).")
    var app: String?
    @Option(help: "appauth: block every read is pinned to (N, N:HASH, latest, safe, finalized).")
    var block: String?
    @Option(help: "appauth: providers that must answer identically.")
    var quorum: Int?

    @Option(help: "OCI image archive or layout of the app (repeatable): `devproof reproduce`.")
    var oci: [String] = []
    @Option(help: "build-manifest.json of the app's image.")
    var manifest: String?
    @Option(help: "docker-compose.yaml of the app (when there is no app-compose).")
    var compose: String?
    @Option(help: "The app's Dockerfile (lint).")
    var dockerfile: String?

    @Option(name: .customLong("keys"), help: "A key response of the app (03/05 shapes): `devproof keys --response`.")
    var keysResponse: String?
    @Option(name: .customLong("kms-root"), help: "Trusted KMS root for the key chain (address or public key).")
    var kmsRoot: String?

    @Option(help: "A human judgement, REQ=NOTE (e.g. S1.2=\"audited by X; https://…\"); settles an unknown requirement only. Repeatable.")
    var manual: [String] = []
    @Option(name: .customLong("require-stage"), help: "The stage the verdict gates on (0–2; default 1).")
    var requireStage = 1
    @Option(name: .customLong("min-notice"), help: "Required notice before new code runs (S1.5), e.g. 7d.")
    var minNotice = "7d"
    @Flag(name: .customLong("strict-platform"), help: "Count platform dependencies (dstack gateway) as S1.6 failures.")
    var strictPlatform = false
    @Option(name: .customLong("step-timeout"), help: "Seconds each sub-command may take.")
    var stepTimeout: Double = 600

    /// `fetch: false` validates only (collect checks the flags before it writes anything).
    func options(now: Int64, fetch: Bool = true) throws -> StageOptions {
        guard (0...2).contains(requireStage) else { throw DevProofError.usage("--require-stage takes 0, 1 or 2") }
        if !rpc.isEmpty && app == nil { throw DevProofError.usage("--rpc needs --app (the AppAuth address)") }
        if app != nil && rpc.isEmpty { throw DevProofError.usage("--app needs --rpc URL (or ETH_RPC_URL)") }
        if (block != nil || quorum != nil) && rpc.isEmpty { throw DevProofError.usage("--block/--quorum need --rpc") }
        if tlsURL != nil && tlsCert != nil { throw DevProofError.usage("give --tls-url or --tls-cert, not both") }
        if kmsRoot != nil && keysResponse == nil { throw DevProofError.usage("--kms-root is for --keys FILE") }
        if compose != nil && appCompose != nil { throw DevProofError.usage("give --compose or --app-compose, not both") }
        if dockerfile != nil && oci.isEmpty && manifest == nil && compose == nil && appCompose == nil {
            throw DevProofError.usage("--dockerfile is linted by reproduce: give it with --oci/--manifest/--compose")
        }
        if phalaAPI != nil && phalaApp == nil { throw DevProofError.usage("--phala-api goes with --phala-app") }
        var o = StageOptions(now: now)
        o.evidence = evidence
        if let phalaApp, fetch {
            // Each instance becomes an evidence file that attest verifies; the fetch goes through the tape.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("devproof-phala-\(ProcessInfo.processInfo.processIdentifier)")
            o.evidence += try PhalaCloud.fetchEvidence(appId: phalaApp, base: phalaAPI, client: HTTPClient(), into: dir)
        }
        o.appCompose = appCompose; o.attestArgs = pipeline.argv
        o.tlsURL = tlsURL; o.tlsCert = tlsCert
        o.rpc = rpc; o.app = app
        if let block { o.rpcArgs += ["--block", block] }
        if let quorum { o.rpcArgs += ["--quorum", String(quorum)] }
        o.oci = oci; o.manifest = manifest; o.compose = compose; o.dockerfile = dockerfile
        o.keysResponse = keysResponse; o.kmsRoot = kmsRoot
        o.manual = try manual.map(ManualJudgement.parse)
        o.policy.requireStage = requireStage
        o.policy.minNotice = try DurationInput.parse(minNotice)
        o.policy.strictPlatform = strictPlatform
        if evidence.isEmpty && phalaApp == nil && tlsURL == nil && tlsCert == nil && app == nil && oci.isEmpty && manifest == nil
            && compose == nil && appCompose == nil && keysResponse == nil {
            throw DevProofError.usage("stage needs evidence: --evidence, --tls-url, --rpc/--app, --oci/--manifest/--compose, or --bundle DIR")
        }
        return o
    }
}

struct StageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "The ERC-733 stage of a dstack app, and what blocks the next one (tutorial §6).",
        discussion: """
        Runs attest, appauth, reproduce, tls and keys on the inputs given (each as its own process, exactly as \
        the standalone command), audits the measured app-compose, and decides each requirement S1.1–S3.3. \
        Checks: docs/checks.md (stage); rules and limits: docs/stage.md.
        """
    )
    @OptionGroup var common: CommonOptions
    @OptionGroup var inputs: StageInputs

    func run() throws {
        CLI.run(common) {
            let o = try inputs.options(now: try common.resolvedNow())
            var r = SubcommandRunner(timeout: inputs.stepTimeout)
            if let tape = NetworkTape.current, tape.mode == .replay { r.tape = .replay(tape.directory) }
            let runner = r
            return try StageRun.run(o, executor: { name, argv in try runner.run(name, argv) })
        }
    }
}
