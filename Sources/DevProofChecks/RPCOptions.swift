import DevProofCore
import DstackChain
import EVM

/// The chain-read options shared by every command that talks to a chain (keys --kms-contract, chain, appauth):
/// providers, quorum, block pin, timeout, and the bounds that keep one provider from steering the pin.
/// The CLI fills it from one flag group (`RPCFlags`); values arrive parsed.
public struct RPCOptions: Sendable {
    public var urls: [String] = []
    /// Providers that must answer (default: all). Counted over providers that answered; all answers must agree.
    public var quorum: Int?
    public var block: BlockSelector = .latest
    /// Seconds per RPC request.
    public var timeout: Double = 30
    /// Largest age of the pinned block at `now` (seconds). nil: one hour for latest/safe/finalized, unbounded for
    /// an explicit block number (the auditor chose that block on purpose).
    public var maxBlockAge: Int64?
    /// Largest spread between the providers' heads for a tag (blocks).
    public var maxHeadSpread: UInt64 = PinPolicy.defaultMaxHeadSpread
    /// The audit time (`--now`); nil: the real clock.
    public var now: Int64?
    /// Injected transport (tests); nil = HTTP.
    public var transport: RPCTransport?
    /// `--trusted-block N:HASH`: the auditor's anchor. The pin is that block; its header is hash-checked, and code
    /// and storage reads are proven by eth_getProof against its state root (see `TrustedReads`).
    public var trustedBlock: TrustedBlock?
    /// Where dstack's contracts keep the proven values (`--storage-layout`).
    public var storageLayout: DstackStorageLayout = .dstack
    public init() {}

    public var policy: PinPolicy {
        let age: Int64?
        switch block {
        case .number: age = maxBlockAge
        default: age = maxBlockAge ?? PinPolicy.defaultMaxBlockAge
        }
        return PinPolicy(now: now ?? TimeInput.currentUnixTime(), maxBlockAge: age, maxHeadSpread: maxHeadSpread)
    }

    public func client() throws -> RPCClient {
        guard !urls.isEmpty else { throw DevProofError.usage("--rpc URL is required (or set ETH_RPC_URL)") }
        if let transport { return try RPCClient(urls: urls, quorum: quorum, timeout: timeout, transport: transport) }
        return try RPCClient(urls: urls, quorum: quorum, timeout: timeout)
    }

    /// Connects and pins the block; the `rpc.block` check and the `chain` fact describe the pin. Refusals and
    /// unreachable providers throw; run it inside `RPCGuard.run`, which turns them into checks.
    public func pin(into r: inout Report) throws -> PinnedChain {
        if let t = trustedBlock { return try TrustedReads.pin(self, t, into: &r) }
        return try pinUntrusted(into: &r)
    }

    func pinUntrusted(into r: inout Report, client given: RPCClient? = nil) throws -> PinnedChain {
        let selector = block
        let policy = self.policy
        let pin = try PinnedChain.pin(try given ?? client(), selector, policy: policy)
        r.setFact("chain", pin.json)
        let n = pin.client.endpoints.count
        let age = policy.now - Int64(clamping: pin.block.timestamp)
        var summary = "reads pinned to block \(pin.block.number) (\(pin.block.hash.hex0x)) on chain \(pin.chainId), \(age) s old at --now"
        if n > 1 { summary += ", header confirmed by \(n) providers" }
        if trustedBlock != nil { summary += ", the trusted block (--trusted-block)" }
        if pin.heads.count > 1, let lo = pin.heads.map(\.number).min(), let hi = pin.heads.map(\.number).max() {
            summary += ", heads within \(hi - lo) block(s)"
        }
        r.add(.pass("rpc.block", summary,
                    .obj([("selector", .string(selector.description)), ("block", .int(pin.block.number)),
                          ("hash", .string(pin.block.hash.hex0x)), ("timestamp", .int(pin.block.timestamp)), ("chain_id", .int(pin.chainId)),
                          ("age", .int(age)), ("max_block_age", policy.maxBlockAge.map { .int($0) } ?? .null),
                          ("max_head_spread", .int(policy.maxHeadSpread)),
                          ("heads", .array(pin.heads.map { .obj([("provider", .string($0.provider)), ("head", .int($0.number))]) }))])))
        return pin
    }
}

/// Turns chain-read failures into report checks, the same way for every command:
/// provider disagreement → `rpc.quorum` fail; a pinned hash that differs or changes during the run → `rpc.block`
/// fail; a refused pin (head spread, block age) or an unreachable provider → `rpc.block` skip (inconclusive, the
/// report is still printed); malformed answers → `DevProofError.malformed` (exit 2).
public enum RPCGuard {
    public static func run(_ r: inout Report, _ body: (inout Report) throws -> Void) throws {
        do {
            try body(&r)
            if r.check("rpc.quorum") == nil, r.check("rpc.block")?.status == .pass, let chain = r.fact("chain") {
                let n = chain["providers"]?.arrayValue?.count ?? 1
                if n > 1 {
                    r.add(.pass("rpc.quorum", "\(n) providers agreed on the block and on every result (quorum \(chain["quorum"]?.int64Value ?? 0))"))
                } else {
                    r.add(.info("rpc.quorum", "one provider: its answers were not cross-checked (give --rpc several times)"))
                }
            }
        } catch let e as RPCError {
            if case .disagreement(let method, let provider, let detail) = e {
                r.add(.fail("rpc.quorum", "providers disagree on \(method): \(provider) \(detail)",
                            .obj([("method", .string(method)), ("provider", .string(provider)), ("detail", .string(detail))])))
                return
            }
            let d = e.asDevProofError
            guard case .unavailable(let why) = d else { throw d }
            setBlock(&r, .skip("rpc.block", "chain read failed: \(why)", .obj([("error", .string(why))])))
        } catch let e as PinRefused {
            setBlock(&r, .skip("rpc.block", e.reason, e.details))
        } catch let e as TrustedBlockRefused {
            setBlock(&r, .skip("rpc.block", "no block pinned: \(e.reason)"))
        } catch let e as ProofError {
            // A code, storage or header answer that does not verify against the trusted block: the provider lied
            // (or serves another chain). Like a quorum disagreement, the evidence is contradicted: fail.
            r.add(.fail("rpc.proof", "an answer does not verify against the trusted block \(r.fact("chain")?["block"]?.int64Value.map(String.init) ?? "?"): \(e.reason)",
                        .obj([("error", .string(e.reason))])))
        } catch let e as BlockHashMismatch {
            setBlock(&r, .fail("rpc.block", e.description))
        } catch let e as ABIError {
            throw e.asDevProofError
        } catch let e as DevProofError {
            guard case .unavailable(let why) = e else { throw e }
            setBlock(&r, .skip("rpc.block", "chain read failed: \(why)", .obj([("error", .string(why))])))
        }
    }

    static func setBlock(_ r: inout Report, _ c: Check) {
        if let i = r.checks.firstIndex(where: { $0.id == "rpc.block" }) { r.checks[i] = c } else { r.add(c) }
    }
}
