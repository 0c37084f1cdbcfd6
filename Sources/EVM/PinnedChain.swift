import DevProofCore

/// Which block reads are pinned to: `--block N|N:HASH|latest|finalized|safe`.
public enum BlockSelector: Sendable, Equatable, CustomStringConvertible {
    case latest, finalized, safe
    case number(UInt64, hash: Bytes?)

    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "latest": self = .latest
        case "finalized": self = .finalized
        case "safe": self = .safe
        default:
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard let first = parts.first, let n = UInt64(first) ?? (first.hasPrefix("0x") ? UInt64(first.dropFirst(2), radix: 16) : nil) else {
                throw DevProofError.usage("--block '\(text)' must be a number, NUMBER:HASH, latest, safe or finalized")
            }
            var hash: Bytes?
            if parts.count == 2 {
                guard let h = try? Hex.decode(parts[1]), h.count == 32 else { throw DevProofError.usage("--block hash '\(parts[1])' is not 32 bytes of hex") }
                hash = h
            }
            self = .number(n, hash: hash)
        }
    }

    public var tag: String {
        switch self {
        case .latest: return "latest"
        case .finalized: return "finalized"
        case .safe: return "safe"
        case .number(let n, _): return RPCQuantity.encode(n)
        }
    }

    public var description: String {
        switch self {
        case .number(let n, let h): return h.map { "\(n):\($0.hex0x)" } ?? "\(n)"
        default: return tag
        }
    }
}

/// Reads pinned to one block, verified across providers.
///
/// Resolving: the selector is resolved once to a block number (a tag such as `latest` can differ per
/// provider, so it is resolved on the providers and the lowest answer is taken), then the header of that
/// number is read from every provider under the quorum rule (they must agree on its hash), and an expected
/// hash given with `--block N:HASH` must match. Every later read names that block number.
public struct PinnedChain: Sendable {
    public let client: RPCClient
    public let block: BlockHeader
    public let chainId: UInt64

    public static func pin(_ client: RPCClient, _ selector: BlockSelector) throws -> PinnedChain {
        let chainId = try client.chainId()
        let number: UInt64
        switch selector {
        case .number(let n, _): number = n
        default:
            // Each provider's view of the tag; the lowest is the block every provider has.
            var seen = [UInt64]()
            var firstError: RPCError?
            for ep in client.endpoints {
                do {
                    let one = try RPCClient(urls: [ep.url], quorum: 1, timeout: client.timeout, transport: client.transport)
                    if let b = try one.block(selector.tag) { seen.append(b.number) }
                    client.stats.record(posts: one.stats.posts, calls: one.stats.calls)
                } catch let e as RPCError { firstError = firstError ?? e }
            }
            guard seen.count >= client.quorum, let lowest = seen.min() else {
                throw firstError ?? RPCError.noQuorum(method: "eth_getBlockByNumber(\(selector.tag))", answered: seen.count, needed: client.quorum, errors: [])
            }
            number = lowest
        }
        guard let header = try client.block(number) else {
            throw RPCError.noQuorum(method: "eth_getBlockByNumber(\(number))", answered: 0, needed: client.quorum, errors: ["block \(number) does not exist"])
        }
        guard header.number == number else {
            throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_getBlockByNumber", message: "asked for block \(number), got \(header.number)")
        }
        if case .number(_, let expected?) = selector, expected != header.hash {
            throw BlockHashMismatch(number: number, expected: expected, actual: header.hash)
        }
        return PinnedChain(client: client, block: header, chainId: chainId)
    }

    /// Re-reads the pinned block's header: a different hash means the chain reorganized under the reads
    /// (possible with `latest`), so answers may come from two forks.
    public func recheck() throws {
        guard let h = try client.block(block.number), h.hash == block.hash else {
            throw BlockHashMismatch(number: block.number, expected: block.hash, actual: (try? client.block(block.number))??.hash ?? [],
                                    duringRun: true)
        }
    }

    public func call(to: Address, data: Bytes) throws -> CallOutcome { try client.call(to: to, data: data, block: block.number) }

    /// Calls a view function and decodes its outputs; reverts throw `CallReverted`.
    public func call(_ fn: ABIFunction, _ args: [ABIValue] = [], on to: Address) throws -> [ABIValue] {
        let out = try call(to: to, data: try fn.encodeCall(args)).data("\(fn.name) on \(to)")
        do { return try fn.decodeOutput(out) } catch let e as ABIError {
            throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_call \(fn.name)", message: e.description)
        }
    }

    public func getCode(_ a: Address) throws -> Bytes { try client.getCode(a, block: block.number) }
    public func getStorageAt(_ a: Address, slot: Bytes) throws -> Bytes { try client.getStorageAt(a, slot: slot, block: block.number) }

    /// Facts describing the pin, for reports.
    public var json: JSONValue {
        .obj([("chain_id", .int(chainId)), ("block", .int(block.number)), ("block_hash", .string(block.hash.hex0x)),
              ("block_time", .int(block.timestamp)), ("providers", .strings(client.endpoints.map(\.name))),
              ("quorum", .int(client.quorum))])
    }
}

public struct BlockHashMismatch: Error, CustomStringConvertible, Sendable {
    public let number: UInt64
    public let expected: Bytes
    public let actual: Bytes
    public var duringRun = false
    public var description: String {
        duringRun ? "block \(number) changed during the run (reorg): now \(actual.hex0x), was \(expected.hex0x); reads may mix forks"
            : "block \(number) has hash \(actual.hex0x), not the pinned \(expected.hex0x)"
    }
}
