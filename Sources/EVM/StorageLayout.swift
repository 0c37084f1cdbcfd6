import DevProofCore

/// Where a contract keeps a value in storage, so that the value can be proven with `eth_getProof` against a
/// trusted state root instead of taken from `eth_call`. Compilers differ: Solidity hashes a mapping key as
/// keccak(key . slot), Vyper as keccak(slot . key); Solidity packs small scalars into one slot at a byte
/// offset from the right; OpenZeppelin v5 keeps upgradeable state at ERC-7201 namespace roots; `bytes`
/// and `string` are stored differently by each compiler.
public enum StorageSlot {
    /// Mapping key hashing per compiler.
    public enum KeyHashing: String, Sendable, Equatable { case solidity, vyper }

    /// A 32-byte slot number from a small integer.
    public static func number(_ n: UInt64) -> Bytes { Word(n).bytes }

    /// The 32-byte ABI word of a mapping key (bytes32 as is; address/bool/uint left-padded).
    public static func keyWord(_ key: Bytes) -> Bytes { Bytes(repeating: 0, count: max(0, 32 - key.count)) + key.suffix(32) }

    /// The slot of `mapping[key]` whose mapping variable sits at `base`.
    public static func mapping(_ base: Bytes, key: Bytes, hashing: KeyHashing) -> Bytes {
        let k = keyWord(key), b = keyWord(base)
        switch hashing {
        case .solidity: return Keccak.keccak256(k + b)
        case .vyper: return Keccak.keccak256(b + k)
        }
    }

    /// ERC-7201 namespace root: keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~0xff.
    public static func erc7201(_ id: String) -> Bytes {
        var h = Keccak.keccak256(Array(id.utf8))
        var i = 31
        while true {  // h - 1 (big-endian, with borrow)
            if h[i] > 0 { h[i] -= 1; break }
            h[i] = 0xff
            if i == 0 { break }
            i -= 1
        }
        var out = Keccak.keccak256(h)
        out[31] = 0
        return out
    }

    /// `slot + n` (32-byte big-endian, wrapping like the EVM).
    public static func add(_ slot: Bytes, _ n: UInt64) -> Bytes {
        var out = keyWord(slot), carry = n
        var i = 31
        while carry > 0 && i >= 0 {
            let s = UInt64(out[i]) + (carry & 0xff)
            out[i] = UInt8(s & 0xff)
            carry = (carry >> 8) + (s >> 8)
            i -= 1
        }
        return out
    }
}

/// A scalar packed into one slot: `size` bytes at byte `offset` counted from the right (Solidity's packing;
/// a Vyper scalar has offset 0 and fills the word).
public struct PackedScalar: Sendable, Equatable {
    public var slot: Bytes
    public var offset: Int
    public var size: Int
    public init(slot: Bytes, offset: Int = 0, size: Int = 32) {
        self.slot = StorageSlot.keyWord(slot); self.offset = offset; self.size = size
    }

    /// The scalar's bytes within the proven 32-byte word.
    public func extract(_ word: Bytes) -> Bytes {
        let w = StorageSlot.keyWord(word)
        return Array(w[(32 - offset - size)..<(32 - offset)])
    }

    /// The scalar as a bool; nil when the stored byte is neither 0 nor 1.
    public func bool(_ word: Bytes) -> Bool? {
        let b = extract(word)
        guard b.dropLast().allSatisfy({ $0 == 0 }), let last = b.last, last <= 1 else { return nil }
        return last == 1
    }

    public var description: String { "slot \(slot.hex0x)" + (offset == 0 && size == 32 ? "" : " bytes [\(offset), \(offset + size)) from the right") }
}

/// How a `bytes`/`string` value is laid out.
public enum DynamicBytesLayout: String, Sendable, Equatable {
    /// Solidity: short (≤ 31 bytes) in the slot with 2·len in the low byte; long: 2·len+1 in the slot and the
    /// data from keccak256(slot) on.
    case solidity
    /// Vyper: the length in the slot, the data in the following slots.
    case vyper

    /// The slots to prove first (the head slot); `dataSlots` then gives the rest from the head's value.
    public func dataSlots(head slot: Bytes, headValue: Bytes, maxLength: Int) throws -> (length: Int, slots: [Bytes], inline: Bytes?) {
        let w = StorageSlot.keyWord(headValue)
        switch self {
        case .solidity:
            if w[31] & 1 == 0 {
                let n = Int(w[31] / 2)
                guard n <= 31 else { throw ProofError("bytes at \(slot.hex0x): short form with length \(n) > 31") }
                return (n, [], Array(w[0..<n]))
            }
            guard w[..<24].allSatisfy({ $0 == 0 }) else { throw ProofError("bytes at \(slot.hex0x): length word \(w.hex0x) is too large") }
            let raw = w[24..<32].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let n = Int(clamping: (raw - 1) / 2)
            guard n >= 32, n <= maxLength else { throw ProofError("bytes at \(slot.hex0x): length \(n) is outside 32...\(maxLength)") }
            let base = Keccak.keccak256(StorageSlot.keyWord(slot))
            return (n, (0..<UInt64((n + 31) / 32)).map { StorageSlot.add(base, $0) }, nil)
        case .vyper:
            guard w[..<24].allSatisfy({ $0 == 0 }) else { throw ProofError("bytes at \(slot.hex0x): length word \(w.hex0x) is too large") }
            let n = Int(clamping: w[24..<32].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            guard n <= maxLength else { throw ProofError("bytes at \(slot.hex0x): length \(n) is over \(maxLength)") }
            return (n, (0..<UInt64((n + 31) / 32)).map { StorageSlot.add(slot, 1 + $0) }, nil)
        }
    }

    /// Joins the data words into the value of `length` bytes.
    public static func join(_ words: [Bytes], length: Int) -> Bytes {
        Array(words.flatMap { StorageSlot.keyWord($0) }.prefix(length))
    }
}
