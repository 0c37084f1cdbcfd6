import ArgumentParser
import DevProofChecks
import DevProofCore
import DstackChain
import EVM
import Foundation

struct ChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "On-chain authorization: oracle proofs, upgrade history, boot simulation (tutorial 05).",
        discussion: "Checks are documented in docs/checks.md; what each proves in docs/chain.md.",
        subcommands: [ChainVerifyProof.self, ChainHistory.self, ChainBoot.self]
    )
}

struct ChainVerifyProof: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Verify a TeeOracle proof off-chain exactly as TeeOracle.verify does; with --oracle also on-chain, and compare."
    )
    @OptionGroup var common: CommonOptions
    @OptionGroup var rpc: RPCFlags
    @Option(help: "Proof JSON: OracleProof fields or the 05 oracle response (GET /price).")
    var proof: String
    @Option(name: .customLong("kms-root"), help: "Trusted KMS root: address or secp256k1 public key (hex).", transform: { try KMSRoot($0) })
    var kmsRoot: KMSRoot?
    @Option(name: .customLong("kms"), help: "DstackKms contract: read the KMS root from kmsInfo() (needs --rpc).",
            transform: { try Address(flag: "--kms", $0) })
    var kms: Address?
    @Option(name: .customLong("app-id"), help: "The audited app id (20 bytes hex).", transform: { try Address(appId: $0) })
    var appId: Address?
    @Option(help: "Deployed TeeOracle: eth_call verify() and read kmsRoot()/appId() (needs --rpc).",
            transform: { try Address(flag: "--oracle", $0) })
    var oracle: Address?
    @Option(help: "Price the proof claims (overrides the file), to check messageHash.")
    var price: String?
    @Option(help: "Timestamp the proof claims (overrides the file).")
    var timestamp: String?

    func run() throws {
        CLI.run(common) {
            var o = ChainProofOptions()
            o.rpc = try rpc.options(common, command: "chain"); o.proofPath = proof; o.kmsRoot = kmsRoot; o.kmsContract = kms
            o.appId = appId; o.oracle = oracle; o.price = price; o.timestamp = timestamp
            if oracle == nil && kms == nil && rpc.anyGiven { throw DevProofError.usage("the --rpc flags are only used with --oracle or --kms") }
            if (oracle != nil || kms != nil) && o.rpc.urls.isEmpty { throw DevProofError.usage("--oracle and --kms need --rpc URL (or ETH_RPC_URL)") }
            return try Chain.verifyProof(o)
        }
    }
}

struct ChainHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Upgrade timeline of an AppAuth contract from its logs, from deployment to the pinned block."
    )
    @OptionGroup var common: CommonOptions
    @OptionGroup var rpc: RPCFlags
    @Option(help: "The AppAuth contract (app id).", transform: { try Address(flag: "--app", $0) })
    var app: Address
    @Option(name: .customLong("from-block"), help: "First block to scan, or auto (binary search for the deployment block with eth_getCode).")
    var fromBlock: String = "auto"
    @Option(help: "Contract kind for decoding: auto, dstack-app or timelock.")
    var kind: String = "auto"
    @Option(name: .customLong("max-requests"), help: "Stop (inconclusive) after this many eth_getLogs requests.")
    var maxRequests: Int = 5_000
    @Option(name: .customLong("max-blocks"), help: "Stop (inconclusive) after scanning this many blocks.")
    var maxBlocks: UInt64?
    @Option(name: .customLong("log-chunk"), help: "Initial eth_getLogs block range (adapts to provider limits).")
    var logChunk: UInt64 = 2_000

    func run() throws {
        CLI.run(common) {
            var o = ChainHistoryOptions()
            o.rpc = try rpc.options(common, command: "chain"); o.app = app; o.fromBlock = fromBlock; o.kind = kind
            o.maxRequests = maxRequests; o.maxBlocks = maxBlocks; o.initialChunk = max(1, logChunk)
            let r = try Chain.history(o)
            if !common.json {
                let lines = Chain.timelineLines(r)
                if !lines.isEmpty { print("Timeline of \(app):"); for l in lines { print("  " + l) }; print("") }
            }
            return r
        }
    }
}

struct ChainBoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot",
        abstract: "Simulate the KMS boot decision: eth_call isAppAllowed(AppBootInfo) on the app and on DstackKms."
    )
    @OptionGroup var common: CommonOptions
    @OptionGroup var rpc: RPCFlags
    @Option(help: "The app id (AppAuth contract address); default: app_id from --from-attest.", transform: { try Address(flag: "--app", $0) })
    var app: Address?
    @Option(help: "DstackKms contract address.", transform: { try Address(flag: "--kms", $0) })
    var kms: Address?
    @Option(name: .customLong("from-attest"), help: "JSON report of `devproof attest --json`: boot info from its facts.")
    var fromAttest: String?
    @Option(name: .customLong("compose-hash")) var composeHash: String?
    @Option(name: .customLong("instance-id")) var instanceId: String?
    @Option(name: .customLong("device-id")) var deviceId: String?
    @Option(name: .customLong("mr-aggregated")) var mrAggregated: String?
    @Option(name: .customLong("mr-system")) var mrSystem: String?
    @Option(name: .customLong("os-image-hash")) var osImageHash: String?
    @Option(name: .customLong("tcb-status")) var tcbStatus: String?
    @Option(name: .customLong("advisory-id"), help: "Advisory id (repeatable); replaces the report's list.")
    var advisoryId: [String] = []

    func run() throws {
        CLI.run(common) {
            var o = ChainBootOptions()
            o.rpc = try rpc.options(common, command: "chain"); o.app = app; o.kms = kms; o.fromAttest = fromAttest
            o.composeHash = composeHash; o.instanceId = instanceId; o.deviceId = deviceId; o.mrAggregated = mrAggregated
            o.mrSystem = mrSystem; o.osImageHash = osImageHash; o.tcbStatus = tcbStatus
            o.advisoryIds = advisoryId.isEmpty ? nil : advisoryId
            return try Chain.boot(o)
        }
    }
}
