import DevProofCore
import EVM

/// `AppAuthChain` over JSON-RPC: every read at the pinned block, under the client's quorum rule; logs through
/// the adaptive `LogScanner`.
public final class AppAuthRPCChain: AppAuthChain, @unchecked Sendable {
    public let pinned: PinnedChain
    /// Log scans stop (incomplete, said in the report) after this many requests.
    public var maxLogRequests = 5_000
    public var progress: (@Sendable (LogScanProgress) -> Void)?
    private var deployments = [Address: UInt64?]()
    /// With a trusted block: the app whose DstackApp views are proven from storage (`layout`), the rest being
    /// recorded as `eth_call (unproven)` in the pin's ledger.
    public var provenApp: Address?
    public var layout: DstackStorageLayout = .dstack
    /// Whether `provenApp` runs DstackApp code (the layout applies); nil until asked.
    var appIsDstackApp: Bool?

    public init(_ pinned: PinnedChain) { self.pinned = pinned }

    public var block: AppAuthSnapshot.Block {
        .init(number: pinned.block.number, hash: pinned.block.hash, timestamp: Int64(clamping: pinned.block.timestamp))
    }
    public var chainId: UInt64 { pinned.chainId }

    public func call(to: Address, data: Bytes, from: Address?) throws -> AppAuthCallResult {
        let answer = try rawCall(to: to, data: data, from: from)
        guard let proven = DstackProvenReads(pinned, layout: layout) else { return answer }
        return try provenView(proven, to: to, data: data, from: from, answer)
    }

    func rawCall(to: Address, data: Bytes, from: Address?) throws -> AppAuthCallResult {
        do {
            switch try pinned.client.call(to: to, data: data, block: pinned.block.number, from: from) {
            case .returned(let b): return .returned(b)
            case .reverted(_, let r): return .reverted(r.reason)
            }
        } catch let e as RPCError {
            // Answered with a JSON-RPC error that is not a revert (e.g. "sender cannot afford gas"): no evidence,
            // but not an outage either. Transport failures, missing quorum and disagreement propagate.
            if case .rpc(_, _, _, let message, _) = e { return .failed(message) }
            throw e
        }
    }

    public func code(_ a: Address) throws -> Bytes { try pinned.getCode(a) }
    public func storage(_ a: Address, slot: Bytes) throws -> Bytes { try pinned.getStorageAt(a, slot: slot) }

    public func logs(_ a: Address, from: UInt64, to: UInt64) throws -> AppAuthLogs {
        var scanner = LogScanner(addresses: [a])
        scanner.maxRequests = maxLogRequests
        scanner.progress = progress
        let r = try scanner.scan(pinned.client, from: from, to: to)
        pinned.ledger?.unproven("eth_getLogs [\(from), \(to)]", on: a, value: "\(r.logs.count) log(s)", checks: AppAuthRPCChain.logChecks)
        let logs = r.logs.filter { $0.address == a }.map {
            AppAuthLog(topics: $0.topics, data: $0.data, block: $0.blockNumber, txHash: $0.transactionHash)
        }
        return AppAuthLogs(logs: logs, complete: r.complete, reason: r.reason)
    }

    /// Binary search on eth_getCode; a provider that keeps no old state answers with an RPC error, which
    /// means "unknown" (nil), not a failure. Transport errors still propagate.
    public func deploymentBlock(_ a: Address) throws -> UInt64? {
        if let known = deployments[a] { return known }
        var found: UInt64?
        do {
            found = try DeploymentFinder.deploymentBlock(pinned.client, a, head: pinned.block.number)
        } catch let e as RPCError {
            if case .rpc = e { found = nil } else { throw e }
        }
        deployments[a] = found
        return found
    }

    public func creationInputs(_ a: Address, block: UInt64) throws -> [Bytes] {
        // Providers present transactions with different extra fields: compare what is used.
        let b = try pinned.client.request("eth_getBlockByNumber", [.string(RPCQuantity.encode(block)), .bool(true)], compare: { _, v in
            .obj([("hash", (v["hash"] ?? .null).lowercasedHex),
                  ("transactions", .array((v["transactions"]?.arrayValue ?? []).map { t in
                      .obj([("hash", (t["hash"] ?? .null).lowercasedHex), ("to", (t["to"] ?? .null).lowercasedHex),
                            ("input", (t["input"] ?? t["data"] ?? .null).lowercasedHex)])
                  }))])
        })
        guard b["hash"]?.stringValue.flatMap({ try? Hex.decode($0) }) != nil else { return [] }
        guard let txs = b["transactions"]?.arrayValue else { return [] }
        var all = [Bytes]()
        for tx in txs {
            guard let inputHex = (tx["input"] ?? tx["data"])?.stringValue, let input = try? Hex.decode(inputHex) else { continue }
            all.append(input)
            let to = tx["to"]
            if to == nil || to == .null, let hash = tx["hash"]?.stringValue {
                let receipt = try pinned.client.request("eth_getTransactionReceipt", [.string(hash)], compare: { _, v in
                    .obj([("contractAddress", (v["contractAddress"] ?? .null).lowercasedHex), ("status", v["status"] ?? .null)])
                })
                if let created = receipt["contractAddress"]?.stringValue, let addr = try? Address(created), addr == a {
                    return [input]
                }
            }
        }
        return all
    }
}
