import DevProofCore

/// An EIP-1186 `eth_getProof` result, parsed but not yet verified.
public struct AccountProof: Sendable, Equatable {
    public struct StorageEntry: Sendable, Equatable {
        /// The slot, left-padded to 32 bytes.
        public var key: Bytes
        /// The claimed value, big-endian without leading zeros (empty = 0).
        public var value: Bytes
        public var proof: [Bytes]
    }

    public var address: Address
    public var nonce: Bytes
    public var balance: Bytes
    public var storageHash: Bytes
    public var codeHash: Bytes
    public var accountProof: [Bytes]
    public var storage: [StorageEntry]

    /// Bounds for untrusted input: slots per response, hex characters per value.
    public static let maxSlots = 256

    public init(json: JSONValue) throws {
        guard case .object = json else { throw DevProofError.malformed("eth_getProof result is not an object") }
        func str(_ k: String, _ v: JSONValue? = nil) throws -> String {
            guard let s = (v ?? json[k])?.stringValue else { throw DevProofError.malformed("eth_getProof result lacks \(k)") }
            guard s.count <= 2 + 2 * MerklePatricia.maxNodeSize else { throw DevProofError.malformed("eth_getProof \(k) is over \(MerklePatricia.maxNodeSize) bytes") }
            return s
        }
        func fixed(_ k: String, _ n: Int) throws -> Bytes {
            let b = try Hex.decode(try str(k))
            guard b.count == n else { throw DevProofError.malformed("eth_getProof \(k) is \(b.count) bytes, expected \(n)") }
            return b
        }
        func nodes(_ v: JSONValue?, _ what: String) throws -> [Bytes] {
            guard let a = v?.arrayValue else { throw DevProofError.malformed("eth_getProof \(what) is not an array") }
            guard a.count <= MerklePatricia.maxNodes else { throw DevProofError.malformed("eth_getProof \(what) has \(a.count) nodes (bound \(MerklePatricia.maxNodes))") }
            return try a.map { try Hex.decode(try str(what, $0)) }
        }
        address = try Address(try str("address"))
        nonce = try AccountProof.quantity(try str("nonce"), "nonce")
        balance = try AccountProof.quantity(try str("balance"), "balance")
        storageHash = try fixed("storageHash", 32)
        codeHash = try fixed("codeHash", 32)
        accountProof = try nodes(json["accountProof"], "accountProof")
        guard let sp = json["storageProof"]?.arrayValue else { throw DevProofError.malformed("eth_getProof result lacks storageProof") }
        guard sp.count <= AccountProof.maxSlots else { throw DevProofError.malformed("eth_getProof has \(sp.count) storage proofs (bound \(AccountProof.maxSlots))") }
        storage = try sp.map { e in
            let k = try AccountProof.quantity(try str("storageProof.key", e["key"]), "storageProof.key")
            return StorageEntry(key: Bytes(repeating: 0, count: 32 - k.count) + k,
                                value: try AccountProof.quantity(try str("storageProof.value", e["value"]), "storageProof.value"),
                                proof: try nodes(e["proof"], "storageProof.proof"))
        }
    }

    /// A hex quantity or 32-byte word → big-endian without leading zeros; at most 32 bytes.
    static func quantity(_ s: String, _ what: String) throws -> Bytes {
        guard s.hasPrefix("0x"), s.count > 2, s.count <= 66 else {
            throw DevProofError.malformed("eth_getProof \(what) '\(s.prefix(80))' is not a hex quantity of at most 32 bytes")
        }
        var digits = String(s.dropFirst(2))
        if digits.count % 2 == 1 { digits = "0" + digits }
        return Array(try Hex.decode(digits).drop { $0 == 0 })
    }
}

/// What an account proof established against a state root.
public struct ProvenAccount: Sendable, Equatable {
    public var address: Address
    /// False when the proof shows the account does not exist (all fields are then the empty account's).
    public var exists: Bool
    public var nonce: UInt64
    public var balance: Bytes
    public var storageRoot: Bytes
    public var codeHash: Bytes
    /// Slot (32 bytes) → value (32 bytes), each proven against `storageRoot`.
    public var storage: [(slot: Bytes, value: Bytes)]

    public static func == (a: ProvenAccount, b: ProvenAccount) -> Bool {
        a.address == b.address && a.exists == b.exists && a.nonce == b.nonce && a.balance == b.balance
            && a.storageRoot == b.storageRoot && a.codeHash == b.codeHash
            && a.storage.map(\.slot) == b.storage.map(\.slot) && a.storage.map(\.value) == b.storage.map(\.value)
    }

    public func value(at slot: Bytes) -> Bytes? {
        let k = Bytes(repeating: 0, count: max(0, 32 - slot.count)) + slot
        return storage.first { $0.slot == k }?.value
    }
}

public enum EIP1186 {
    public static let emptyCodeHash = Keccak.keccak256([UInt8]())

    /// Verifies the account proof against `stateRoot` and every storage proof against the proven
    /// storage root; the returned values are the proven ones. Any claimed field that differs from
    /// what the proof shows is a `ProofError` naming the field.
    public static func verify(_ p: AccountProof, stateRoot: Bytes) throws -> ProvenAccount {
        let leaf = try MerklePatricia.verify(root: stateRoot, key: Keccak.keccak256(p.address.bytes), proof: p.accountProof)
        var acct = ProvenAccount(address: p.address, exists: leaf != nil, nonce: 0, balance: [],
                                 storageRoot: MerklePatricia.emptyRoot, codeHash: emptyCodeHash, storage: [])
        if let leaf {
            let item: RLP
            do { item = try RLP.decode(leaf, maxDepth: 1) } catch { throw ProofError("account leaf is not canonical RLP: \(error)") }
            guard let f = item.listValue, f.count == 4, let bal = f[1].bytesValue, let sr = f[2].bytesValue,
                  let ch = f[3].bytesValue, sr.count == 32, ch.count == 32 else {
                throw ProofError("account leaf is not [nonce, balance, storageRoot, codeHash]")
            }
            do { acct.nonce = try f[0].uint64("account nonce") } catch { throw ProofError("\(error)") }
            guard bal.first != 0, bal.count <= 32 else { throw ProofError("account balance is not a canonical integer") }
            acct.balance = bal; acct.storageRoot = sr; acct.codeHash = ch
        }
        var mismatches = [String]()
        if p.nonce != RLP.uint(acct.nonce).bytesValue! { mismatches.append("nonce") }
        if p.balance != acct.balance { mismatches.append("balance") }
        if p.storageHash != acct.storageRoot { mismatches.append("storageHash") }
        if p.codeHash != acct.codeHash { mismatches.append("codeHash") }
        guard mismatches.isEmpty else {
            throw ProofError("account \(p.address.hex): the response's \(mismatches.joined(separator: ", ")) differ(s) from the proven account")
        }
        for s in p.storage {
            let v = try MerklePatricia.verify(root: acct.storageRoot, key: Keccak.keccak256(s.key), proof: s.proof)
            var proven = Bytes()
            if let v {
                let item: RLP
                do { item = try RLP.decode(v, maxDepth: 0) } catch { throw ProofError("slot \(s.key.hex0x): value is not canonical RLP: \(error)") }
                guard let b = item.bytesValue, !b.isEmpty, b.first != 0, b.count <= 32 else {
                    throw ProofError("slot \(s.key.hex0x): stored value is not a canonical nonzero integer")
                }
                proven = b
            }
            guard proven == s.value else {
                throw ProofError("slot \(s.key.hex0x): the response says \(s.value.hex0x) but the proof shows \(proven.hex0x)")
            }
            acct.storage.append((s.key, Bytes(repeating: 0, count: 32 - proven.count) + proven))
        }
        return acct
    }
}
