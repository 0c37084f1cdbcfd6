import DevProofCore
import EVM

/// What `AppAuthReader` needs from a chain, every read pinned to one block. `AppAuthRPCChain` implements it
/// over JSON-RPC; tests use in-memory fakes.
public protocol AppAuthChain {
    var block: AppAuthSnapshot.Block { get }
    var chainId: UInt64 { get }
    /// `eth_call` at the pinned block (`from` set for simulations). Transport failures throw.
    func call(to: Address, data: Bytes, from: Address?) throws -> AppAuthCallResult
    func code(_ a: Address) throws -> Bytes
    func storage(_ a: Address, slot: Bytes) throws -> Bytes
    /// Logs emitted by `a` in [from, to], ordered by (block, log index).
    func logs(_ a: Address, from: UInt64, to: UInt64) throws -> AppAuthLogs
    /// First block where `a` has code; nil when it cannot be found (e.g. the provider keeps no history).
    func deploymentBlock(_ a: Address) throws -> UInt64?
    /// Inputs of the transactions of `block` that may have created `a`: the creation transaction whose receipt
    /// names `a` when there is one, else every transaction of the block (a factory created it).
    func creationInputs(_ a: Address, block: UInt64) throws -> [Bytes]
    /// A hint before reads one by one: the storage slots of `a`, and the compose hashes and device ids whose
    /// allowlist entries `read` will ask about. A chain that proves its reads (`--trusted-block`) proves them in
    /// one request; the others ignore it.
    func prefetch(_ a: Address, slots: [Bytes], composeHashes: [Bytes], deviceIds: [Bytes]) throws
}

extension AppAuthChain {
    public func prefetch(_ a: Address, slots: [Bytes], composeHashes: [Bytes], deviceIds: [Bytes]) throws {}
}

public enum AppAuthCallResult: Sendable, Equatable {
    case returned(Bytes)
    case reverted(String?)
    /// The node answered with an error that is not a revert (e.g. it refused to run the call): no evidence.
    case failed(String)
}

public struct AppAuthLog: Sendable, Equatable {
    public var topics: [Bytes]
    public var data: Bytes
    public var block: UInt64
    public var txHash: Bytes?
    public init(topics: [Bytes], data: Bytes, block: UInt64, txHash: Bytes? = nil) {
        self.topics = topics; self.data = data; self.block = block; self.txHash = txHash
    }
}

public struct AppAuthLogs: Sendable, Equatable {
    public var logs: [AppAuthLog]
    /// False when the scan stopped early (provider limits): absence of an event is then not evidence.
    public var complete: Bool
    public var reason: String?
    public init(logs: [AppAuthLog], complete: Bool = true, reason: String? = nil) {
        self.logs = logs; self.complete = complete; self.reason = reason
    }
}
