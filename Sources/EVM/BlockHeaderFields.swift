import DevProofCore

/// A full execution-layer block header: every field the block hash commits to, for each fork's
/// field set. The hash is keccak256(RLP(fields)); it is recomputed, never taken from the input.
/// (`BlockHeader` in RPCClient is the small number/hash/parent/timestamp view used by the log scanner.)
public struct ExecutionHeader: Sendable, Equatable {
    /// How a field is encoded: fixed-size byte strings, integers (minimal big-endian), or free bytes.
    enum Kind { case fixed(Int), quantity, data }

    /// Field names in RLP order, as eth_getBlockByNumber spells them.
    static let layout: [(name: String, kind: Kind)] = [
        ("parentHash", .fixed(32)), ("sha3Uncles", .fixed(32)), ("miner", .fixed(20)),
        ("stateRoot", .fixed(32)), ("transactionsRoot", .fixed(32)), ("receiptsRoot", .fixed(32)),
        ("logsBloom", .fixed(256)), ("difficulty", .quantity), ("number", .quantity),
        ("gasLimit", .quantity), ("gasUsed", .quantity), ("timestamp", .quantity),
        ("extraData", .data), ("mixHash", .fixed(32)), ("nonce", .fixed(8)),
        ("baseFeePerGas", .quantity),                                   // London (EIP-1559)
        ("withdrawalsRoot", .fixed(32)),                                 // Shanghai (EIP-4895)
        ("blobGasUsed", .quantity), ("excessBlobGas", .quantity),        // Cancun (EIP-4844)
        ("parentBeaconBlockRoot", .fixed(32)),                           // Cancun (EIP-4788)
        ("requestsHash", .fixed(32)),                                    // Prague (EIP-7685)
    ]

    /// Field counts each fork defines, and its name (for reports).
    public static let forks: [(count: Int, name: String)] = [
        (15, "pre-London"), (16, "London/Paris"), (17, "Shanghai"), (20, "Cancun"), (21, "Prague"),
    ]

    /// The raw field values in RLP order (integers minimal big-endian).
    public let fields: [Bytes]
    /// keccak256 of the RLP encoding: the block hash.
    public let hash: Bytes
    public let rlp: Bytes

    public init(fields: [Bytes]) throws {
        guard let _ = ExecutionHeader.forks.first(where: { $0.count == fields.count }) else {
            throw DevProofError.malformed("header has \(fields.count) fields; known field sets have 15, 16, 17, 20 or 21")
        }
        for (i, f) in fields.enumerated() {
            let (name, kind) = ExecutionHeader.layout[i]
            switch kind {
            case .fixed(let n):
                guard f.count == n else { throw DevProofError.malformed("header field \(name) is \(f.count) bytes, expected \(n)") }
            case .quantity:
                guard f.count <= 32 else { throw DevProofError.malformed("header field \(name) is \(f.count) bytes, over 256 bits") }
                guard f.first != 0 else { throw DevProofError.malformed("header field \(name) has a leading zero byte (non-canonical)") }
            case .data:
                guard f.count <= 1024 else { throw DevProofError.malformed("header field \(name) is \(f.count) bytes (bound 1024)") }
            }
        }
        self.fields = fields
        self.rlp = RLP.list(fields.map { .bytes($0) }).encoded()
        self.hash = Keccak.keccak256(rlp)
        // Integers the rest of the code relies on must fit 64 bits.
        for name in ["number", "timestamp", "gasLimit", "gasUsed"] { _ = try quantity(name) }
    }

    /// From a raw RLP header (debug_getRawHeader, or the first item of a block in chain.rlp).
    public init(rlp data: Bytes) throws {
        guard data.count <= 4096 else { throw DevProofError.malformed("raw header is \(data.count) bytes (bound 4096)") }
        try self.init(item: RLP.decode(data, maxDepth: 1))
    }

    public init(item: RLP) throws {
        guard case .list(let items) = item else { throw DevProofError.malformed("header RLP is not a list") }
        var fields = [Bytes]()
        for (i, it) in items.enumerated() {
            guard case .bytes(let b) = it else {
                throw DevProofError.malformed("header field \(i < ExecutionHeader.layout.count ? ExecutionHeader.layout[i].name : "#\(i)") is a list")
            }
            fields.append(b)
        }
        try self.init(fields: fields)
    }

    /// From an eth_getBlockByNumber/ByHash result. The field set is the longest prefix of the layout
    /// present; a later fork's field without an earlier one is malformed. The result's own `hash` is
    /// returned separately (`claimedHash`) so the caller compares it with the recomputed `hash`.
    public init(json: JSONValue) throws {
        guard case .object = json else { throw DevProofError.malformed("block is not a JSON object") }
        var fields = [Bytes]()
        var missing: String?
        for (name, kind) in ExecutionHeader.layout {
            guard let v = json[name], !v.isNull else { missing = missing ?? name; continue }
            if let m = missing { throw DevProofError.malformed("block has \(name) but lacks \(m)") }
            guard let s = v.stringValue, s.count <= 2 + 2 * 1024 else {
                throw DevProofError.malformed("block field \(name) is not a hex string (or is over 1024 bytes)")
            }
            switch kind {
            case .quantity:
                guard s.hasPrefix("0x"), s.count > 2, s.count <= 66 else { throw DevProofError.malformed("block field \(name) '\(s.prefix(80))' is not a hex quantity") }
                var digits = String(s.dropFirst(2))
                if digits.count % 2 == 1 { digits = "0" + digits }
                fields.append(Array(try Hex.decode(digits).drop { $0 == 0 }))
            case .fixed, .data:
                guard s.hasPrefix("0x") else { throw DevProofError.malformed("block field \(name) lacks 0x") }
                fields.append(try Hex.decode(s))
            }
        }
        try self.init(fields: fields)
    }

    func field(_ name: String) -> Bytes? {
        guard let i = ExecutionHeader.layout.firstIndex(where: { $0.name == name }), i < fields.count else { return nil }
        return fields[i]
    }

    func quantity(_ name: String) throws -> UInt64 {
        guard let b = field(name) else { throw DevProofError.malformed("header lacks \(name)") }
        guard b.count <= 8 else { throw DevProofError.malformed("header field \(name) exceeds 64 bits") }
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var forkName: String { ExecutionHeader.forks.first { $0.count == fields.count }?.name ?? "?" }
    public var parentHash: Bytes { fields[0] }
    public var stateRoot: Bytes { fields[3] }
    public var number: UInt64 { (try? quantity("number")) ?? 0 }
    public var timestamp: UInt64 { (try? quantity("timestamp")) ?? 0 }
    public var parentBeaconBlockRoot: Bytes? { field("parentBeaconBlockRoot") }
    /// The small view used elsewhere in EVM.
    public var summary: BlockHeader { BlockHeader(number: number, hash: hash, parentHash: parentHash, timestamp: timestamp) }

    /// Field name → value as an RPC result would spell it (for reports and mutation tests).
    public func named() -> [(String, Bytes)] { zip(ExecutionHeader.layout.map(\.name), fields).map { ($0, $1) } }
}
