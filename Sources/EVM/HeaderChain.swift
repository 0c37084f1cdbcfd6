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
