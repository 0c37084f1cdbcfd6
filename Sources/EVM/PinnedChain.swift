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

/// How far a pin may be steered: the spread of the providers' heads and the age of the pinned block.
public struct PinPolicy: Sendable, Equatable {
    /// Largest allowed difference (blocks) between the highest and the lowest head the providers report for
    /// a tag. A provider whose `latest` is far behind the others is stale or lying: the audit stops (inconclusive).
    public var maxHeadSpread: UInt64 = PinPolicy.defaultMaxHeadSpread
    /// Largest allowed age (seconds) of the pinned block at `now`. nil: not bounded (explicit `--block N`
    /// without `--max-block-age`).
    public var maxBlockAge: Int64?
    /// The audit time (`--now`).
    public var now: Int64

    public static let defaultMaxHeadSpread: UInt64 = 16
    /// Default age bound for `latest`, `safe` and `finalized` (one hour).
    public static let defaultMaxBlockAge: Int64 = 3600

    public init(now: Int64, maxBlockAge: Int64? = nil, maxHeadSpread: UInt64 = PinPolicy.defaultMaxHeadSpread) {
        self.now = now; self.maxBlockAge = maxBlockAge; self.maxHeadSpread = maxHeadSpread
    }
}

/// The pin was refused: no block every provider confirms near its head, or the block is too old. Not an input
/// error and not a contradiction of the audited claim: the run is inconclusive (skip `rpc.block`).
public struct PinRefused: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: String
    public let details: JSONValue
    public var description: String { reason }
}

/// Reads pinned to one block, verified across providers.
///
/// Resolving a tag (`latest`, `safe`, `finalized`): every provider is asked for its head under that tag. At least
/// `quorum` must answer; the heads of those that answered may differ by at most `maxHeadSpread` blocks (a provider
/// answering an old block for `latest` cannot steer the audit back to a state the others have left), and the
/// lowest of them is pinned, so every provider has it within the spread of its head. Then the header of that
/// number is read from every provider under the quorum rule (number, hash, parent hash and timestamp must agree),
/// an expected hash given with `--block N:HASH` must match, and the block may be at most `maxBlockAge` old at `now`.
/// Every later read names that block number.
public struct PinnedChain: Sendable {
    public let client: RPCClient
    public let block: BlockHeader
    public let chainId: UInt64
    /// Each answering provider's head for the tag (empty for an explicit block number).
    public var heads: [(provider: String, number: UInt64)] = []
    /// With `--trusted-block`: the reader whose anchor is the pinned block. Code and storage reads then go through
    /// eth_getProof against the anchor's state root (a provider that lies about them throws `ProofError`).
    public var prover: ProvenChainReader?
    /// With `--trusted-block`: what each verdict value rests on (storage proof or eth_call).
    public var ledger: ProofLedger?

    public static func pin(_ client: RPCClient, _ selector: BlockSelector, policy: PinPolicy) throws -> PinnedChain {
        let chainId = try client.chainId()
        let number: UInt64
        var heads: [(provider: String, number: UInt64)] = []
        switch selector {
        case .number(let n, _): number = n
        default:
            let answers = try client.perProvider { try $0.block(selector.tag) }
            for (ep, h) in answers { if let h { heads.append((ep.name, h.number)) } }
            guard heads.count >= client.quorum, let lo = heads.min(by: { $0.number < $1.number }),
                  let hi = heads.max(by: { $0.number < $1.number }) else {
                throw RPCError.noQuorum(method: "eth_getBlockByNumber(\(selector.tag))", answered: heads.count, needed: client.quorum,
                                        errors: answers.filter { $0.1 == nil }.map { "\($0.0.name): no block" })
            }
            let headsJSON = JSONValue.array(heads.map { .obj([("provider", .string($0.provider)), ("head", .int($0.number))]) })
            if hi.number - lo.number > policy.maxHeadSpread {
                throw PinRefused(reason: "providers' '\(selector.tag)' heads differ by \(hi.number - lo.number) blocks (\(lo.provider): \(lo.number), \(hi.provider): \(hi.number)), more than --max-head-spread \(policy.maxHeadSpread): one is stale or lying, so no block is confirmed near every head",
                                 details: .obj([("selector", .string(selector.tag)), ("heads", headsJSON), ("max_head_spread", .int(policy.maxHeadSpread))]))
            }
            number = lo.number
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
        if let maxAge = policy.maxBlockAge {
            let age = policy.now - Int64(clamping: header.timestamp)
            if age > maxAge {
                throw PinRefused(reason: "block \(number) (\(selector)) is \(age) s old at --now \(TimeInput.format(policy.now)) (block time \(TimeInput.format(Int64(clamping: header.timestamp)))), more than --max-block-age \(maxAge) s: the providers may be stale, or serve an old state",
                                 details: .obj([("block", .int(number)), ("block_time", .int(header.timestamp)), ("now", .int(policy.now)),
                                                ("age", .int(age)), ("max_block_age", .int(maxAge))]))
            }
        }
        var p = PinnedChain(client: client, block: header, chainId: chainId)
        p.heads = heads
        return p
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

    /// Code, checked against the proven code hash when a trusted block anchors the reads.
    public func getCode(_ a: Address) throws -> Bytes {
        if let prover {
            let code = try prover.code(a)
            ledger?.proven("code", on: a, slots: [], value: "\(code.count) bytes, keccak \(Keccak.keccak256(code).hex0x)", call: nil, checks: [])
            return code
        }
        return try client.getCode(a, block: block.number)
    }

    /// A storage word, proven against the trusted state root when a trusted block anchors the reads.
    public func getStorageAt(_ a: Address, slot: Bytes) throws -> Bytes {
        if let prover {
            let v = try provenStorage(a, slots: [slot], prover: prover)[0]
            ledger?.proven("storage", on: a, slots: [StorageSlot.keyWord(slot)], value: v.hex0x, call: nil, checks: [])
            return v
        }
        return try client.getStorageAt(a, slot: slot, block: block.number)
    }

    /// Storage words proven in one eth_getProof (32 bytes each, in the order asked).
    public func provenStorage(_ a: Address, slots: [Bytes], prover: ProvenChainReader) throws -> [Bytes] {
        let acct = try prover.account(a, slots: slots)
        return try slots.map { s in
            guard let v = acct.value(at: s) else { throw ProofError("eth_getProof of \(a.hex) lacks slot \(s.hex0x)") }
            return v
        }
    }

    /// Facts describing the pin, for reports.
    public var json: JSONValue {
        .obj([("chain_id", .int(chainId)), ("block", .int(block.number)), ("block_hash", .string(block.hash.hex0x)),
              ("block_time", .int(block.timestamp)), ("providers", .strings(client.endpoints.map(\.name))),
              ("quorum", .int(client.quorum)),
              ("heads", .array(heads.map { .obj([("provider", .string($0.provider)), ("head", .int($0.number))]) }))])
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
