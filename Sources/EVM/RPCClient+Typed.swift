import DevProofCore
import Foundation

/// Typed helpers over `RPCClient.request` (block given explicitly; see PinnedChain for pinned reads).
extension RPCClient {
    public func chainId() throws -> UInt64 {
        let v = try request("eth_chainId", [])
        guard let s = v.stringValue else { throw RPCError.malformed(provider: endpoints[0].name, method: "eth_chainId", message: "not a string") }
        return try RPCQuantity.parse(s, "chain id")
    }

    /// `eth_getBlockByNumber(tag, false)`. Providers must agree on number, hash, parent hash and timestamp (a
    /// provider lying about a block's time would move the age check); other fields may differ in presentation.
    /// nil when the block does not exist.
    public func block(_ tag: String) throws -> BlockHeader? {
        let v = try request("eth_getBlockByNumber", [.string(tag), .bool(false)], compare: RPCClient.headerFields)
        if v.isNull { return nil }
        return try BlockHeader(json: v)
    }

    /// The header fields providers must agree on.
    public static let headerFields: @Sendable (String, JSONValue) -> JSONValue = { _, b in
        .obj(["number", "hash", "parentHash", "timestamp"].map { ($0, (b[$0] ?? .null).lowercasedHex) })
    }

    /// Runs `body` on a single-provider client per endpoint, concurrently; a provider that fails gives nil.
    /// For reads that legitimately differ per provider (a tag such as `latest`); counts into `stats`.
    public func perProvider<T: Sendable>(_ body: @escaping @Sendable (RPCClient) throws -> T?) throws -> [(RPCEndpoint, T?)] {
        let singles = try endpoints.map { try RPCClient(urls: [$0.url], quorum: 1, timeout: timeout, transport: transport) }
        let out = PerProviderBox<T>(singles.count)
        DispatchQueue.concurrentPerform(iterations: singles.count) { i in out.set(i, try? body(singles[i])) }
        for c in singles { stats.record(posts: c.stats.posts, calls: c.stats.calls) }
        return zip(endpoints, out.values).map { ($0, $1) }
    }

    public func block(_ number: UInt64) throws -> BlockHeader? { try block(RPCQuantity.encode(number)) }

    /// `eth_call` at a block: the return data, or a decoded revert.
    public func call(to: Address, data: Bytes, block: UInt64, from: Address? = nil) throws -> CallOutcome {
        var tx: [(String, JSONValue)] = [("to", .string(to.hex)), ("data", .string(data.hex0x))]
        if let from { tx.insert(("from", .string(from.hex)), at: 0) }
        let r = try batch([RPCCall("eth_call", [.obj(tx), .string(RPCQuantity.encode(block))])])[0]
        switch r {
        case .success(let v):
            guard let s = v.stringValue else { throw RPCError.malformed(provider: endpoints[0].name, method: "eth_call", message: "result is not a hex string") }
            do { return .returned(try Hex.decode(s)) } catch {
                throw RPCError.malformed(provider: endpoints[0].name, method: "eth_call", message: "result is not hex")
            }
        case .failure(let e):
            if let d = e.revertData { return .reverted(d, ABI.decodeRevert(d)) }
            throw e
        }
    }

    public func getCode(_ address: Address, block: UInt64) throws -> Bytes {
        try hexResult("eth_getCode", [.string(address.hex), .string(RPCQuantity.encode(block))])
    }

    public func getStorageAt(_ address: Address, slot: Bytes, block: UInt64) throws -> Bytes {
        let w = try hexResult("eth_getStorageAt", [.string(address.hex), .string((try Word(bigEndian: slot)).quantity), .string(RPCQuantity.encode(block))])
        guard w.count <= 32 else { throw RPCError.malformed(provider: endpoints[0].name, method: "eth_getStorageAt", message: "more than 32 bytes") }
        return Bytes(repeating: 0, count: 32 - w.count) + w
    }

    func hexResult(_ method: String, _ params: [JSONValue]) throws -> Bytes {
        let v = try request(method, params)
        guard let s = v.stringValue, let b = try? Hex.decode(s) else {
            throw RPCError.malformed(provider: endpoints[0].name, method: method, message: "result is not a hex string")
        }
        return b
    }

    /// `eth_getLogs` over [from, to] for the given addresses and topic0 alternatives.
    public func getLogs(addresses: [Address], topic0: [Bytes]? = nil, from: UInt64, to: UInt64) throws -> [EthLog] {
        var filter: [(String, JSONValue)] = [
            ("fromBlock", .string(RPCQuantity.encode(from))), ("toBlock", .string(RPCQuantity.encode(to))),
            ("address", addresses.count == 1 ? .string(addresses[0].hex) : .array(addresses.map { .string($0.hex) })),
        ]
        if let topic0 { filter.append(("topics", .array([.array(topic0.map { .string($0.hex0x) })]))) }
        let v = try request("eth_getLogs", [.obj(filter)], compare: { _, v in
            // Compare what the verifier uses; providers add non-standard fields.
            .array((v.arrayValue ?? []).map { l in
                .obj(["address", "topics", "data", "blockNumber", "blockHash", "transactionHash", "logIndex"].map { ($0, (l[$0] ?? .null).lowercasedHex) })
            })
        })
        guard let arr = v.arrayValue else { throw RPCError.malformed(provider: endpoints[0].name, method: "eth_getLogs", message: "result is not an array") }
        return try arr.map { j in
            do { return try EthLog(json: j) } catch let e as DevProofError {
                throw RPCError.malformed(provider: endpoints[0].name, method: "eth_getLogs", message: e.description)
            }
        }
    }
}
