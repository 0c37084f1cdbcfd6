import DevProofCore
import Foundation

/// One account and the storage slots to prove for it (each a 32-byte word; duplicates dropped, order kept).
public struct ProofRequest: Sendable, Equatable {
    public var address: Address
    public var slots: [Bytes]

    public init(_ address: Address, slots: [Bytes] = []) {
        self.address = address
        var seen = Set<Bytes>(), out = [Bytes]()
        for s in slots.map(StorageSlot.keyWord) where seen.insert(s).inserted { out.append(s) }
        self.slots = out
    }
}

/// Reads through one untrusted RPC, with every answer proven against a trusted header: the header is
/// hash-checked, accounts and storage come from eth_getProof verified against its state root, code
/// is checked against the proven code hash. Nothing read here depends on the provider's honesty.
///
/// Cost: a check that knows its slots up front asks for them with `prefetch`, which sends one `eth_getProof` per
/// account with all of its slots (and the `eth_getCode` it wants) in a single JSON-RPC batch. Values proven at the
/// anchor are kept for the run (a proof against the trusted state root stays true), so a later read of a proven
/// slot or code costs no request.
public final class ProvenChainReader: @unchecked Sendable {
    public let client: RPCClient
    public let anchor: ExecutionHeader
    public let maxWalk: Int
    /// Calls, and storage slots, per JSON-RPC batch (a longer prefetch is sent in several): a storage proof is a
    /// few kB, so 1,024 slots keep an answer to a few MB, far below the HTTP client's body bound.
    public static let maxBatch = 64
    public static let maxBatchSlots = 1024

    private let lock = NSLock()
    /// Accounts proven at the anchor (storage left empty) and their proven slots.
    private var accounts = [Address: ProvenAccount]()
    private var slotValues = [Address: [Bytes: Bytes]]()
    /// Code whose keccak equals the anchor's proven code hash.
    private var codes = [Address: Bytes]()

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
    /// The storage comes back in the order asked (duplicates once). At the anchor, proven values are reused.
    public func account(_ address: Address, slots: [Bytes] = [], at header: ExecutionHeader? = nil) throws -> ProvenAccount {
        let want = ProofRequest(address, slots: slots)
        if let header, header.hash != anchor.hash {
            guard let a = try fetch([want], code: [], at: header).accounts[address] else { throw ProofError("no proof of \(address.hex)") }
            return a
        }
        try prefetch([want])
        lock.lock(); defer { lock.unlock() }
        guard var a = accounts[address], let values = slotValues[address] else { throw ProofError("no proof of \(address.hex)") }
        a.storage = try want.slots.map { s in
            guard let v = values[s] else { throw ProofError("eth_getProof of \(address.hex) lacks slot \(s.hex0x)") }
            return (s, v)
        }
        return a
    }

    /// Contract code whose keccak equals the proven code hash.
    public func code(_ address: Address) throws -> Bytes {
        try prefetch([], code: [address])
        lock.lock(); defer { lock.unlock() }
        guard let c = codes[address] else { throw ProofError("no proven code of \(address.hex)") }
        return c
    }

    /// Proves, at the anchor, every slot of `requests` and the code of `code` not proven yet: one `eth_getProof` per
    /// account with all its slots, plus `eth_getCode`, in one JSON-RPC batch. Throws `ProofError` when a proof does
    /// not verify against the trusted state root, answers other slots than asked, or code does not hash to the
    /// proven code hash; nothing of a refused answer is kept.
    public func prefetch(_ requests: [ProofRequest], code: [Address] = []) throws {
        lock.lock()
        var missing = [ProofRequest]()
        for r in requests {
            let known = slotValues[r.address] ?? [:]
            let need = r.slots.filter { known[$0] == nil }
            if accounts[r.address] == nil || !need.isEmpty { missing.append(ProofRequest(r.address, slots: need)) }
        }
        var wantCode = [Address]()
        for a in code where codes[a] == nil && !wantCode.contains(a) {
            wantCode.append(a)
            // The code hash comes from the account proof: ask for it in the same batch when not proven yet.
            if accounts[a] == nil, !missing.contains(where: { $0.address == a }) { missing.append(ProofRequest(a)) }
        }
        lock.unlock()
        guard !missing.isEmpty || !wantCode.isEmpty else { return }
        let got = try fetch(missing, code: wantCode, at: anchor)
        lock.lock(); defer { lock.unlock() }
        for (a, acct) in got.accounts {
            if let prev = accounts[a], prev.storageRoot != acct.storageRoot || prev.codeHash != acct.codeHash {
                throw ProofError("two proofs of \(a.hex) against the same state root disagree")
            }
            var stored = acct; stored.storage = []
            accounts[a] = stored
            var values = slotValues[a] ?? [:]
            for (s, v) in acct.storage { values[s] = v }
            slotValues[a] = values
        }
        for (a, c) in got.codes {
            guard let hash = accounts[a]?.codeHash else { throw ProofError("no proven code hash of \(a.hex)") }
            guard Keccak.keccak256(c) == hash else {
                throw ProofError("eth_getCode of \(a.hex) does not hash to the proven codeHash \(hash.hex0x)")
            }
            codes[a] = c
        }
    }

    /// Sends the proofs (an account's slots split at `AccountProof.maxSlots`) and code reads in batches of at most
    /// `maxBatch` calls; verifies every proof against `header`'s state root. Code is returned unchecked.
    func fetch(_ requests: [ProofRequest], code: [Address], at header: ExecutionHeader) throws -> (accounts: [Address: ProvenAccount], codes: [Address: Bytes]) {
        let block = JSONValue.string(RPCQuantity.encode(header.number))
        var asked = [ProofRequest](), calls = [RPCCall]()
        for r in requests {
            let chunks = r.slots.isEmpty ? [[]] : stride(from: 0, to: r.slots.count, by: AccountProof.maxSlots).map {
                Array(r.slots[$0..<min($0 + AccountProof.maxSlots, r.slots.count)])
            }
            for c in chunks {
                asked.append(ProofRequest(r.address, slots: c))
                calls.append(RPCCall("eth_getProof", [.string(r.address.hex), .array(c.map { .string($0.hex0x) }), block]))
            }
        }
        calls += code.map { RPCCall("eth_getCode", [.string($0.hex), block]) }
        var results = [Result<JSONValue, RPCError>](), pending = [RPCCall](), slots = 0
        for (i, call) in calls.enumerated() {
            let n = i < asked.count ? asked[i].slots.count : 0
            if !pending.isEmpty, pending.count == ProvenChainReader.maxBatch || slots + n > ProvenChainReader.maxBatchSlots {
                results += try client.batch(pending); pending = []; slots = 0
            }
            pending.append(call); slots += n
        }
        if !pending.isEmpty { results += try client.batch(pending) }
        var accounts = [Address: ProvenAccount]()
        for (i, r) in asked.enumerated() {
            let acct = try ProvenChainReader.verify(try AccountProof(json: try results[i].get()), asked: r, stateRoot: header.stateRoot)
            if var prev = accounts[r.address] { prev.storage += acct.storage; accounts[r.address] = prev } else { accounts[r.address] = acct }
        }
        var codes = [Address: Bytes]()
        for (j, a) in code.enumerated() {
            guard let s = try results[asked.count + j].get().stringValue, let c = try? Hex.decode(s) else {
                throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_getCode", message: "result is not a hex string")
            }
            codes[a] = c
        }
        return (accounts, codes)
    }

    /// A proof answers exactly what was asked (the account, and the slots in the order asked: none missing, none
    /// added) and verifies against `stateRoot`.
    static func verify(_ p: AccountProof, asked r: ProofRequest, stateRoot: Bytes) throws -> ProvenAccount {
        guard p.address == r.address else { throw ProofError("asked for the proof of \(r.address.hex), got \(p.address.hex)") }
        let got = p.storage.map(\.key)
        guard got == r.slots else {
            let missing = r.slots.filter { !got.contains($0) }, extra = got.filter { !r.slots.contains($0) }
            var why = [String]()
            if !missing.isEmpty { why.append("lacks \(missing.count) slot(s) asked (\(missing[0].hex0x)…)") }
            if !extra.isEmpty { why.append("adds \(extra.count) slot(s) not asked (\(extra[0].hex0x)…)") }
            if why.isEmpty { why.append("answers \(got.count) storage proof(s) for \(r.slots.count) slot(s) asked, or in another order") }
            throw ProofError("the provider returned proofs for other slots than asked: eth_getProof of \(r.address.hex) " + why.joined(separator: ", "))
        }
        return try EIP1186.verify(p, stateRoot: stateRoot)
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
