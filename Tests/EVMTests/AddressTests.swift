import DevProofCore
import EVM
import Testing

@Suite("evm: addresses (EIP-55)")
struct AddressTests {
    // Vectors from EIP-55.
    @Test(arguments: ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                      "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"])
    func checksumVectors(_ s: String) throws {
        let a = try Address(s)
        #expect(a.checksummed == s)
        #expect(try Address(s.lowercased()) == a)
    }

    @Test func rejectsBadChecksumAndLength() {
        #expect(throws: DevProofError.self) { try Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD") }
        #expect(throws: DevProofError.self) { try Address("0x1234") }
        #expect(throws: DevProofError.self) { try Address("0xzzAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") }
    }
}
