import DevProofCore
import Foundation
import Testing
import TestSupport
@testable import EVM

/// ProvenChainReader against the local devnet (py-evm state trie, eth_getProof) and its lying proxy:
/// one provider is enough when the trusted block is the auditor's.
@Suite("ProvenChainReader on the devnet: proofs from py-evm verify; the lying proxy is caught", .serialized)
struct ProvenChainDevnetTests {
    static let net = Result { try Devnet.start(scenario: "default", liar: "blockhash,storage") }

    func trusted(_ c: RPCClient) throws -> TrustedBlock {
        let v = try c.request("eth_getBlockByNumber", [.string("latest"), .bool(false)])
        let h = try ExecutionHeader(json: v)
        #expect(h.hash.hex0x == v["hash"]?.stringValue, "the devnet's header hashes to its own hash (\(h.forkName), \(h.fields.count) fields)")
        return TrustedBlock(number: h.number, hash: h.hash)
    }

    @Test func honestDevnetStorageIsProvenAndEqualsGetStorageAt() throws {
        let net = try Self.net.get()
        let c = try RPCClient(urls: [net.url])
        let reader = try ProvenChainReader(client: c, trusted: try trusted(c))
        let app = try Address(try net.address("app_instant"))
        let slots: [Bytes] = (0..<4).map { [UInt8($0)] }
        let a = try reader.account(app, slots: slots)
        #expect(a.exists)
        for s in slots { #expect(a.value(at: s) == (try c.getStorageAt(app, slot: s, block: reader.anchor.number))) }
        #expect(Keccak.keccak256(try reader.code(app)) == a.codeHash)
        // An address that holds nothing: proven absent.
        #expect(try reader.account(try Address("0x00000000000000000000000000000000000000ee")).exists == false)
        if reader.anchor.number > 2 { #expect(try reader.header(reader.anchor.number - 2).number == reader.anchor.number - 2) }
    }

    @Test func lyingProxyIsCaughtWithOneProvider() throws {
        let net = try Self.net.get()
        let honest = try RPCClient(urls: [net.url])
        let t = try trusted(honest)
        let liar = try RPCClient(urls: [try #require(net.liarURL)])
        #expect(throws: ProofError.self) { _ = try ProvenChainReader(client: liar, trusted: t) }
    }
}
