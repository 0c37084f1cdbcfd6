import DevProofCore
import Dstack
import EVM

/// The tutorial 07 oracle's output: `{claim:{type, network, checkpoint_root, block_number, block_hash,
/// state_root[, call:{to, data, result}]}, claimHash, signature, pubkey, quote}`.
public struct LightClientProofFile: Sendable {
    public struct Call: Sendable, Equatable {
        public var to: Address
        public var data: Bytes
        public var result: Bytes
    }

    /// The claim exactly as parsed: its Python `json.dumps(sort_keys=True)` is what was hashed.
    public var claim: JSONValue
    public var claimHash: Bytes
    public var signature: Bytes
    public var pubkey: Bytes
    public var quote: Bytes?

    public var type: String
    public var network: String
    public var checkpointRoot: Bytes
    public var blockNumber: UInt64
    public var blockHash: Bytes
    public var stateRoot: Bytes
    public var call: Call?

    public static let maxBytes = 1 << 20

    public init(_ v: JSONValue, source: String) throws {
        func bad(_ m: String) -> DevProofError { .malformed("\(source): \(m)") }
        guard case .object = v, let claim = v["claim"], case .object = claim else { throw bad("no claim object (not a tutorial 07 proof)") }
        func hex(_ value: JSONValue?, _ name: String, _ n: Int?) throws -> Bytes {
            guard let s = value?.stringValue, s.count <= 2 + 2 * 16_384 else { throw bad("\(name) is not a hex string") }
            let b: Bytes
            do { b = try Hex.decode(s) } catch { throw bad("\(name) is not hex") }
            if let n, b.count != n { throw bad("\(name) is \(b.count) bytes, expected \(n)") }
            return b
        }
        self.claim = claim
        claimHash = try hex(v["claimHash"], "claimHash", 32)
        signature = try hex(v["signature"], "signature", 64)
        pubkey = try hex(v["pubkey"], "pubkey", 64)
        if let q = v["quote"], !q.isNull { quote = try hex(q, "quote", nil) }
        guard let t = claim["type"]?.stringValue else { throw bad("claim.type is not a string") }
        guard let n = claim["network"]?.stringValue else { throw bad("claim.network is not a string") }
        type = t; network = n
        checkpointRoot = try hex(claim["checkpoint_root"], "claim.checkpoint_root", 32)
        guard let lit = claim["block_number"]?.numberLiteral, lit.count <= 20, let bn = UInt64(lit) else {
            throw bad("claim.block_number is not a non-negative integer")
        }
        blockNumber = bn
        blockHash = try hex(claim["block_hash"], "claim.block_hash", 32)
        stateRoot = try hex(claim["state_root"], "claim.state_root", 32)
        if let c = claim["call"], !c.isNull {
            guard let to = c["to"]?.stringValue else { throw bad("claim.call.to is not a string") }
            call = Call(to: try Address(to), data: try hex(c["data"], "claim.call.data", nil), result: try hex(c["result"], "claim.call.result", nil))
        }
    }

    public static func load(_ path: String) throws -> LightClientProofFile {
        let bytes = try InputFile.read(path, what: "--proof file")
        guard bytes.count <= maxBytes else { throw DevProofError.malformed("--proof \(path) is over \(maxBytes) bytes") }
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch { throw DevProofError.malformed("--proof \(path): \(error)") }
        return try LightClientProofFile(v, source: path)
    }

    /// sha256 of Python's `json.dumps(claim, sort_keys=True)`.
    public var canonicalClaim: String { PythonJSON.dumpsSorted.dumps(claim) }
    public var recomputedClaimHash: Bytes { Digest.sha256(Array(canonicalClaim.utf8)) }
    /// What the tutorial passes to GetQuote: the ASCII of hex(claimHash), 64 bytes.
    public static func reportData(_ claimHash: Bytes) -> Bytes { Array(claimHash.hex.utf8) }
}
