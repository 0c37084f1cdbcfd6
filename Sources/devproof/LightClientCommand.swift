import ArgumentParser
import DevProofChecks
import DevProofCore

struct LightClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lightclient",
        abstract: "Verify a light-client attestation (tutorial 07): claim hash, quote binding, pinned checkpoint, the block on the chain.",
        discussion: "Checks are documented in docs/checks.md; what each proves in docs/lightclient.md.",
        subcommands: [LightClientCheck.self, LightClientVerifyCommand.self],
        defaultSubcommand: LightClientCheck.self
    )
}

struct LightClientCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a tutorial 07 proof ({claim, claimHash, signature, pubkey, quote}); the default subcommand."
    )
    @OptionGroup var common: CommonOptions
    @Option(help: "The proof JSON the light-client oracle printed.")
    var proof: String
    @Option(name: .customLong("event-log"), help: "Event log JSON of the CVM (for the attest pipeline).")
    var eventLog: String?
    @Option(name: .customLong("app-compose"), help: "app-compose.json: hashed by attest; its run.sh must pin the claim's CHECKPOINT.")
    var appCompose: String?
    @Option(name: .customLong("vm-config"), help: "vm_config JSON (for the attest pipeline).")
    var vmConfig: String?
    @OptionGroup var pipeline: AttestPipelineFlags

    @Option(name: .customLong("rpc"), help: "Ethereum JSON-RPC URL (repeatable; with several, answers must agree).")
    var rpc: [String] = []
    @Option(help: "Providers that must answer (default: all).")
    var quorum: Int?
    @Option(name: .customLong("rpc-timeout"), help: "Seconds per RPC request.")
    var rpcTimeout: Double = 30
    @Option(name: .customLong("trusted-block"), help: "N:HASH of a block you trust (your own node or light client): headers and proofs are checked against it, so one untrusted --rpc is enough.")
    var trustedBlock: String?
    @Option(help: "eth_getBlockByNumber result for the claimed block (offline, with --trusted-block for that block).")
    var header: String?
    @Option(name: .customLong("max-walk"), help: "Most parent links walked from --trusted-block back to the claimed block.")
    var maxWalk: Int = 256
    @Option(name: .customLong("checkpoint-ts"), help: "Timestamp of the slot after the checkpoint's (unix seconds or RFC 3339): age and EIP-4788 lookup.")
    var checkpointTs: String?
    @Option(name: .customLong("max-checkpoint-age"), help: "Fail when the checkpoint is older (e.g. 14d): weak subjectivity.")
    var maxCheckpointAge: String?
    @Option(name: .customLong("max-age"), help: "Fail when the claimed block is older than this (e.g. 1h).")
    var maxAge: String?

    func run() throws {
        CLI.run(common) {
            var o = LightClientOptions(now: try common.resolvedNow())
            o.proofPath = proof
            o.attest.eventLogPath = eventLog; o.attest.appComposePath = appCompose; o.attest.vmConfigPath = vmConfig
            pipeline.apply(to: &o.attest, offline: common.offline)
            o.rpc.urls = rpc; o.rpc.quorum = quorum; o.rpc.timeout = rpcTimeout
            if common.offline && !rpc.isEmpty { throw DevProofError.usage("--offline and --rpc exclude each other") }
            if rpc.isEmpty && quorum != nil { throw DevProofError.usage("--quorum needs --rpc") }
            o.trustedBlock = try trustedBlock.map { try LightClient.trustedBlock($0) }
            if header != nil && !rpc.isEmpty { throw DevProofError.usage("--header is the offline form: drop --rpc") }
            if header != nil && trustedBlock == nil { throw DevProofError.usage("--header needs --trusted-block N:HASH for that block") }
            if trustedBlock != nil && rpc.isEmpty && header == nil { throw DevProofError.usage("--trusted-block needs --rpc URL or --header FILE") }
            o.headerPath = header; o.maxWalk = max(1, min(maxWalk, 100_000))
            o.checkpointTimestamp = try checkpointTs.map { try TimeInput.parse($0) }
            o.maxCheckpointAge = try maxCheckpointAge.map { try DurationInput.parse($0) }
            if maxCheckpointAge != nil && checkpointTs == nil { throw DevProofError.usage("--max-checkpoint-age needs --checkpoint-ts") }
            o.maxAge = try maxAge.map { try DurationInput.parse($0) }
            return try LightClient.run(o)
        }
    }
}

struct LightClientVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Offline: hash a header (eth_getBlockByNumber result or raw RLP header) and verify eth_getProof results against it."
    )
    @OptionGroup var common: CommonOptions
    @Option(help: "eth_getBlockByNumber result (or JSON-RPC response), or a debug_getRawHeader hex string.")
    var header: String
    @Option(help: "eth_getProof result (or JSON-RPC response); repeatable.")
    var proof: [String] = []
    @Option(name: .customLong("trusted-hash"), help: "The block hash you trust: the header must hash to it.")
    var trustedHash: String?

    func run() throws {
        CLI.run(common) {
            var o = LightClientVerifyOptions()
            o.headerPath = header; o.proofPaths = proof
            if let t = trustedHash {
                guard t.count <= 66, let h = try? Hex.decode(t), h.count == 32 else { throw DevProofError.usage("--trusted-hash '\(t.prefix(80))' is not 32 bytes of hex") }
                o.trustedHash = h
            }
            return try LightClient.verify(o)
        }
    }
}
