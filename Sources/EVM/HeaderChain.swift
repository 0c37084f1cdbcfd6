import DevProofCore

/// A block the auditor trusts (`--trusted-block N:HASH`, from their own node or light client).
public struct TrustedBlock: Sendable, Equatable, CustomStringConvertible {
    public let number: UInt64
    public let hash: Bytes

    public init(number: UInt64, hash: Bytes) { self.number = number; self.hash = hash }

    /// `N:HASH` (N decimal or 0x-hex, HASH 32 bytes hex).
    public init(parsing text: String, flag: String = "--trusted-block") throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].count <= 20,
              let n = UInt64(parts[0]) ?? (parts[0].hasPrefix("0x") ? UInt64(parts[0].dropFirst(2), radix: 16) : nil) else {
            throw DevProofError.usage("\(flag) '\(text.prefix(100))' must be NUMBER:HASH")
        }
        guard parts[1].count <= 66, let h = try? Hex.decode(parts[1]), h.count == 32 else {
            throw DevProofError.usage("\(flag) hash '\(parts[1].prefix(80))' is not 32 bytes of hex")
        }
        self.init(number: n, hash: h)
    }

    public var description: String { "\(number):\(hash.hex0x)" }
}

/// Header-chain links: a newer trusted header vouches for older ones through parentHash, and (from
/// Prague) through the EIP-2935 history contract, whose storage the newer state root commits to.
public enum HeaderChain {
    /// EIP-2935 history storage (Prague): block hash of N at slot N % 8191, for the last 8191 blocks.
    public static let historyContract = try! Address("0x0000f90827f1c53a10cb7a02335b175320002935")
    public static let historyWindow: UInt64 = 8191
    /// EIP-4788 beacon roots (Cancun): timestamp at ts % 8191, root at ts % 8191 + 8191.
    public static let beaconRootsContract = try! Address("0x000f3df6d732807ef1319fb7b8bb8522d0beac02")
    public static let beaconRootsWindow: UInt64 = 8191

    public static func historySlot(_ number: UInt64) -> Bytes { Word(number % historyWindow).bytes }
    public static func beaconTimestampSlot(_ ts: UInt64) -> Bytes { Word(ts % beaconRootsWindow).bytes }
    public static func beaconRootSlot(_ ts: UInt64) -> Bytes { Word(ts % beaconRootsWindow + beaconRootsWindow).bytes }

    /// Checks that `headers`, newest first, each name the next as parent and count down by one.
    public static func verifyLinks(_ headers: [ExecutionHeader]) throws {
        for (a, b) in zip(headers, headers.dropFirst()) {
            guard a.parentHash == b.hash else {
                throw ProofError("block \(a.number)'s parentHash \(a.parentHash.hex0x) is not the hash \(b.hash.hex0x) of the header given for block \(b.number)")
            }
            guard a.number == b.number + 1 else { throw ProofError("block \(a.number) follows block \(b.number): numbers are not consecutive") }
        }
    }

    /// Walks parentHash from `trusted` down to block `target` (at most `maxLength` headers fetched).
    /// Every fetched header is accepted only if its recomputed hash is the one its child names.
    public static func walk(from trusted: ExecutionHeader, to target: UInt64, maxLength: Int,
                            fetch: (UInt64) throws -> ExecutionHeader) throws -> ExecutionHeader {
        guard target <= trusted.number else { throw ProofError("block \(target) is newer than the trusted block \(trusted.number)") }
        guard trusted.number - target <= UInt64(maxLength) else {
            throw ProofError("block \(target) is \(trusted.number - target) blocks before the trusted block (bound \(maxLength))")
        }
        var cur = trusted
        while cur.number > target {
            let parent = try fetch(cur.number - 1)
            try verifyLinks([cur, parent])
            cur = parent
        }
        return cur
    }
}

/// Reads through one untrusted RPC, with every answer proven against a trusted header: the header is
/// hash-checked, accounts and storage come from eth_getProof verified against its state root, code
/// is checked against the proven code hash. Nothing read here depends on the provider's honesty.
public final class ProvenChainReader: @unchecked Sendable {
    public let client: RPCClient
    public let anchor: ExecutionHeader
    public let maxWalk: Int

    /// Fetches the trusted block's header and checks that it hashes to the trusted hash.
    /// Throws `ProofError` when it does not (a lying or wrong-chain provider).
    public init(client: RPCClient, trusted: TrustedBlock, maxWalk: Int = 256) throws {
        self.client = client
        self.maxWalk = maxWalk
        let h = try ProvenChainReader.fetchHeader(client, trusted.number)
        guard h.hash == trusted.hash else {
            throw ProofError("the provider's header for block \(trusted.number) hashes to \(h.hash.hex0x), not the trusted \(trusted.hash.hex0x)")
        }
        anchor = h
    }

    static func fetchHeader(_ client: RPCClient, _ number: UInt64) throws -> ExecutionHeader {
        let v = try client.request("eth_getBlockByNumber", [.string(RPCQuantity.encode(number)), .bool(false)])
        if v.isNull { throw DevProofError.unavailable("the provider has no block \(number)") }
        let h = try ExecutionHeader(json: v)
        guard h.number == number else { throw ProofError("asked for block \(number), the provider answered block \(h.number)") }
        return h
    }

    /// The header of an older block, linked to the anchor through parentHash.
    public func header(_ number: UInt64) throws -> ExecutionHeader {
        if number == anchor.number { return anchor }
        return try HeaderChain.walk(from: anchor, to: number, maxLength: maxWalk) { try ProvenChainReader.fetchHeader(client, $0) }
    }

    /// An account and the given slots (32-byte or shorter big-endian), proven at `at` (default: the anchor).
    public func account(_ address: Address, slots: [Bytes] = [], at header: ExecutionHeader? = nil) throws -> ProvenAccount {
        let h = header ?? anchor
        let keys: [JSONValue] = slots.map { .string((Bytes(repeating: 0, count: max(0, 32 - $0.count)) + $0).hex0x) }
        let v = try client.request("eth_getProof", [.string(address.hex), .array(keys), .string(RPCQuantity.encode(h.number))])
        let p = try AccountProof(json: v)
        guard p.address == address else { throw ProofError("asked for the proof of \(address.hex), got \(p.address.hex)") }
        let want = keys.compactMap(\.stringValue)
        guard p.storage.map(\.key.hex0x) == want else { throw ProofError("the provider returned proofs for other slots than asked") }
        return try EIP1186.verify(p, stateRoot: h.stateRoot)
    }

    /// Contract code whose keccak equals the proven code hash.
    public func code(_ address: Address) throws -> Bytes {
        let acct = try account(address)
        let code = try client.getCode(address, block: anchor.number)
        guard Keccak.keccak256(code) == acct.codeHash else {
            throw ProofError("eth_getCode of \(address.hex) does not hash to the proven codeHash \(acct.codeHash.hex0x)")
        }
        return code
    }

    /// The hash of an older block from the EIP-2935 history contract in the anchor's state
    /// (one proof instead of a header walk); nil when the block is outside the window or the
    /// contract holds no matching entry.
    public func historicalHash(_ number: UInt64) throws -> Bytes? {
        guard number < anchor.number, anchor.number - number <= HeaderChain.historyWindow else { return nil }
        let a = try account(HeaderChain.historyContract, slots: [HeaderChain.historySlot(number)])
        guard a.exists, let v = a.storage.first?.value, !v.isAllZero else { return nil }
        return v
    }
}
