import ArgumentParser
import DevProofChecks
import DevProofCore
import DstackChain
import EVM
import Foundation

/// The one chain-read flag group of every command that talks to a chain (keys --kms-contract, chain *, appauth):
/// same flags, same meaning, same check IDs (`rpc.block`, `rpc.quorum`). Values are parsed here, once.
struct RPCFlags: ParsableArguments {
    @Option(name: .customLong("rpc"), help: "Ethereum JSON-RPC URL (repeatable: every provider is asked, answers must agree). Default: $ETH_RPC_URL.")
    var rpc: [String] = []
    @Option(help: "Providers that must answer (default: all --rpc). Any disagreement among those that answered fails rpc.quorum.")
    var quorum: Int?
    @Option(help: "Pin every read to this block: latest (default), safe, finalized, N or N:HASH.",
            transform: { try BlockSelector(parsing: $0) })
    var block: BlockSelector?
    @Option(name: .customLong("rpc-timeout"), help: "Seconds per RPC request (default 30).")
    var rpcTimeout: Double?
    @Option(name: .customLong("max-block-age"), help: "Largest age of the pinned block at --now (e.g. 1h, 90m, 3600). Default: 1h for latest/safe/finalized; not bounded for an explicit --block N unless given.",
            transform: { try DurationInput.parse($0) })
    var maxBlockAge: Int64?
    @Option(name: .customLong("max-head-spread"), help: "Largest difference in blocks between the providers' heads for a tag (default \(PinPolicy.defaultMaxHeadSpread)).")
    var maxHeadSpread: UInt64?
    @Option(name: .customLong("trusted-block"), help: "N:HASH of a block you trust (your own node or light client): reads are pinned to it, its header is hash-checked, and code and storage are proven by eth_getProof against its state root, so one --rpc is enough for proven values. eth_call-only values stay unproven and cannot make a check pass without a quorum.",
            transform: { try TrustedBlock(parsing: $0) })
    var trustedBlock: TrustedBlock?
    @Option(name: .customLong("storage-layout"), help: "Where dstack's contracts keep the proven values, with --trusted-block: dstack (upstream Solidity, default), devnet-vyper, or a JSON layout FILE (see docs/chain.md).",
            transform: { try DstackStorageLayout.parse($0) })
    var storageLayout: DstackStorageLayout?

    /// True when any flag of the group was given explicitly (not counting $ETH_RPC_URL).
    var anyGiven: Bool {
        !rpc.isEmpty || quorum != nil || block != nil || rpcTimeout != nil || maxBlockAge != nil || maxHeadSpread != nil
            || trustedBlock != nil || storageLayout != nil
    }

    /// The options for a command that reads the chain. `--offline` is refused: there is no recorded chain state yet.
    func options(_ common: CommonOptions, command: String) throws -> RPCOptions {
        if common.offline {
            throw DevProofError.usage("--offline is not offered by \(command): it reads the chain over --rpc (recorded chain state is not supported yet)")
        }
        var o = RPCOptions()
        o.urls = rpc
        if o.urls.isEmpty, let env = ProcessInfo.processInfo.environment["ETH_RPC_URL"], !env.isEmpty { o.urls = [env] }
        o.quorum = quorum
        o.block = block ?? .latest
        if let t = rpcTimeout {
            guard t > 0, t <= 3600 else { throw DevProofError.usage("--rpc-timeout \(t) must be between 0 and 3600 seconds") }
            o.timeout = t
        }
        o.maxBlockAge = maxBlockAge
        if trustedBlock != nil && block != nil {
            throw DevProofError.usage("--block and --trusted-block exclude each other: the trusted block is the pinned block")
        }
        if storageLayout != nil && trustedBlock == nil {
            throw DevProofError.usage("--storage-layout is only used with --trusted-block (it says where proven values are stored)")
        }
        o.trustedBlock = trustedBlock
        if let l = storageLayout { o.storageLayout = l }
        if let s = maxHeadSpread { o.maxHeadSpread = s }
        o.now = try common.resolvedNow()
        return o
    }
}
