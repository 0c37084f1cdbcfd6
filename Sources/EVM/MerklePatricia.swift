import DevProofCore

/// Why a Merkle-Patricia proof was refused. A refusal is evidence against the claim (the node that
/// served it lied or the proof was altered), so checks report it as `fail` with this reason.
public struct ProofError: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Verification of a Merkle-Patricia trie proof (the node list of EIP-1186 `eth_getProof`) against
/// a root. Every node is reached from the root by hash, or embedded in its parent when its encoding
/// is under 32 bytes (geth leaves such nodes out of the list; py-trie lists them; both are accepted).
/// The walk consumes at least one key nibble per node, so it ends within 65 nodes; a proof with
/// nodes the path does not use is refused (it is not the proof of this key).
public enum MerklePatricia {
    /// keccak256(RLP("")): the root of an empty trie.
    public static let emptyRoot = Keccak.keccak256([0x80])

    public static let maxNodes = 65
    /// A branch is at most 17 × 33 + 3 bytes; leaves in the state and storage tries are far smaller.
    public static let maxNodeSize = 1024

    /// The value stored under `key` (RLP-encoded as the trie holds it), or nil when the proof shows
    /// the key is absent. Throws `ProofError` when the proof does not verify against `root`.
    public static func verify(root: Bytes, key: Bytes, proof: [Bytes]) throws -> Bytes? {
        guard root.count == 32 else { throw ProofError("root is \(root.count) bytes, not 32") }
        guard proof.count <= maxNodes else { throw ProofError("proof has \(proof.count) nodes (bound \(maxNodes))") }
        for (i, n) in proof.enumerated() where n.count > maxNodeSize {
            throw ProofError("proof node \(i) is \(n.count) bytes (bound \(maxNodeSize))")
        }
        if root == emptyRoot {
            // An empty trie: nothing is stored; a proof may be empty or the single empty node.
            guard proof.isEmpty || proof == [[0x80]] else { throw ProofError("root is the empty trie but the proof has \(proof.count) nodes") }
            return nil
        }
        var nibbles = [UInt8]()
        nibbles.reserveCapacity(key.count * 2)
        for b in key { nibbles.append(b >> 4); nibbles.append(b & 0x0f) }

        var next = 0          // index of the next proof entry
        var pos = 0           // nibbles consumed
        var ref = RLP.bytes(root)
        var isRoot = true

        func resolve(_ r: RLP) throws -> (RLP, String) {
            switch r {
            case .bytes(let h) where h.count == 32:
                guard next < proof.count else { throw ProofError("missing node: proof ends at node \(next), a node with hash \(h.hex0x) is needed") }
                let node = proof[next]
                guard Keccak.keccak256(node) == h else {
                    throw ProofError(isRoot ? "node 0 does not hash to the root \(h.hex0x) (wrong root or altered node)"
                                            : "node \(next) does not hash to \(h.hex0x), the reference in its parent (altered or wrong node)")
                }
                next += 1
                do { return (try RLP.decode(node, maxDepth: 32), "node \(next - 1)") }
                catch { throw ProofError("node \(next - 1) is not canonical RLP: \(error)") }
            case .list:
                // Embedded node (under 32 bytes). py-trie also lists it as a proof entry: skip that copy.
                if next < proof.count, proof[next] == r.encoded() { next += 1 }
                return (r, "embedded node")
            case .bytes(let b):
                throw ProofError("a child reference of \(b.count) bytes is neither a hash nor an embedded node")
            }
        }

        for _ in 0...(2 * maxNodes) {
            let (node, where_) = try resolve(ref)
            isRoot = false
            guard case .list(let items) = node else { throw ProofError("\(where_) is not a list") }
            switch items.count {
            case 17:
                if pos == nibbles.count {
                    guard case .bytes(let v) = items[16] else { throw ProofError("\(where_): branch value is a list") }
                    return try finish(v.isEmpty ? nil : v, next, proof.count)
                }
                let child = items[Int(nibbles[pos])]
                pos += 1
                if case .bytes(let c) = child, c.isEmpty { return try finish(nil, next, proof.count) }
                ref = child
            case 2:
                guard case .bytes(let enc) = items[0], !enc.isEmpty else { throw ProofError("\(where_): path is not a byte string") }
                let flag = enc[0] >> 4
                guard flag <= 3 else { throw ProofError("\(where_): invalid hex-prefix flag \(flag)") }
                let odd = flag & 1 == 1, leaf = flag & 2 == 2
                guard odd || enc[0] & 0x0f == 0 else { throw ProofError("\(where_): even hex-prefix path with a nonzero pad nibble") }
                var path = [UInt8]()
                if odd { path.append(enc[0] & 0x0f) }
                for b in enc.dropFirst() { path.append(b >> 4); path.append(b & 0x0f) }
                let rest = nibbles[pos...]
                if leaf {
                    guard case .bytes(let v) = items[1] else { throw ProofError("\(where_): leaf value is a list") }
                    if Array(rest) == path { return try finish(v, next, proof.count) }
                    return try finish(nil, next, proof.count)     // the leaf is another key's: proven absent
                }
                // A zero-length extension would loop without consuming the key.
                guard !path.isEmpty else { throw ProofError("\(where_): extension with an empty path (loop)") }
                guard rest.count >= path.count, Array(rest.prefix(path.count)) == path else {
                    return try finish(nil, next, proof.count)     // key diverges from the extension: absent
                }
                pos += path.count
                ref = items[1]
            default:
                throw ProofError("\(where_) has \(items.count) items (a trie node has 2 or 17)")
            }
            guard pos <= nibbles.count else { throw ProofError("path longer than the key") }
        }
        throw ProofError("proof does not terminate (loop)")
    }

    private static func finish(_ v: Bytes?, _ used: Int, _ total: Int) throws -> Bytes? {
        guard used == total else { throw ProofError("proof has \(total - used) node(s) after the end of the path (not a proof of this key)") }
        return v
    }
}
