import DevProofCore
import Testing
@testable import EVM

@Suite("storage layout: ERC-7201 roots, mapping key hashing, packed scalars, bytes")
struct StorageLayoutTests {
    @Test func erc7201RootsAreOpenZeppelinsConstants() throws {
        // The values OpenZeppelin v5 hard-codes as OwnableStorageLocation / Ownable2StepStorageLocation.
        #expect(StorageSlot.erc7201("openzeppelin.storage.Ownable").hex0x == "0x9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c199300")
        #expect(StorageSlot.erc7201("openzeppelin.storage.Ownable2Step").hex0x == "0x237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c00")
        #expect(StorageSlot.erc7201("openzeppelin.storage.Initializable").hex0x == "0xf0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00")
    }

    @Test func mappingKeysHashInCompilerOrder() throws {
        let key = Bytes(repeating: 0xab, count: 32), slot = StorageSlot.number(2)
        #expect(StorageSlot.mapping(slot, key: key, hashing: .solidity) == Keccak.keccak256(key + slot))
        #expect(StorageSlot.mapping(slot, key: key, hashing: .vyper) == Keccak.keccak256(slot + key))
        #expect(StorageSlot.mapping(slot, key: key, hashing: .vyper) != StorageSlot.mapping(slot, key: key, hashing: .solidity))
        // An address key is left-padded to a word.
        let a = Bytes(repeating: 0x11, count: 20)
        #expect(StorageSlot.mapping(slot, key: a, hashing: .solidity) == Keccak.keccak256(Bytes(repeating: 0, count: 12) + a + slot))
        #expect(StorageSlot.add(Bytes(repeating: 0xff, count: 32), 1) == Bytes(repeating: 0, count: 32))
    }

    @Test func packedScalarsReadTheirBytes() throws {
        // DstackApp slot 1: _upgradesDisabled at byte 0, allowAnyDevice at byte 1 (from the right).
        let w = Bytes(repeating: 0, count: 30) + [1, 0]
        #expect(PackedScalar(slot: [1], offset: 1, size: 1).bool(w) == true)
        #expect(PackedScalar(slot: [1], offset: 0, size: 1).bool(w) == false)
        #expect(PackedScalar(slot: [1], offset: 0, size: 1).bool(Bytes(repeating: 0, count: 31) + [2]) == nil)
        let owner = Bytes(repeating: 0, count: 12) + Bytes(repeating: 0x22, count: 20)
        #expect(PackedScalar(slot: [0], offset: 0, size: 20).extract(owner) == Bytes(repeating: 0x22, count: 20))
    }

    @Test func bytesLayouts() throws {
        let slot = StorageSlot.number(0)
        // Solidity short form: data left-aligned, 2·len in the low byte.
        let short = Bytes(repeating: 0x33, count: 5) + Bytes(repeating: 0, count: 26) + [10]
        let s = try DynamicBytesLayout.solidity.dataSlots(head: slot, headValue: short, maxLength: 128)
        #expect(s.length == 5 && s.inline == Bytes(repeating: 0x33, count: 5) && s.slots.isEmpty)
        // Long form (33 bytes): 2·33+1 in the slot, data from keccak(slot).
        let long = try DynamicBytesLayout.solidity.dataSlots(head: slot, headValue: StorageSlot.number(67), maxLength: 128)
        #expect(long.length == 33 && long.slots == [Keccak.keccak256(slot), StorageSlot.add(Keccak.keccak256(slot), 1)])
        // Vyper: the length in the slot, the data right after.
        let v = try DynamicBytesLayout.vyper.dataSlots(head: slot, headValue: StorageSlot.number(33), maxLength: 128)
        #expect(v.length == 33 && v.slots == [StorageSlot.number(1), StorageSlot.number(2)])
        #expect(throws: ProofError.self) { _ = try DynamicBytesLayout.vyper.dataSlots(head: slot, headValue: StorageSlot.number(5000), maxLength: 128) }
        #expect(throws: ProofError.self) { _ = try DynamicBytesLayout.solidity.dataSlots(head: slot, headValue: StorageSlot.number(5001), maxLength: 128) }
        #expect(DynamicBytesLayout.join([Bytes(repeating: 1, count: 32), [2]], length: 33) == Bytes(repeating: 1, count: 32) + [0])
    }
}
