import DevProofCore
import Foundation
import TestSupport
import Testing
@testable import EVM

/// One untrusted provider serving the corpus chain's recorded answers, honestly or with a lie.
final class CorpusNode: RPCTransport, @unchecked Sendable {
    enum Lie { case none, headerField, storageValue, balance }
    let block: JSONValue
    let proof: JSONValue
    let lie: Lie

    init(block: JSONValue, proof: JSONValue, lie: Lie) { self.block = block; self.proof = proof; self.lie = lie }

    func replace(_ v: JSONValue, _ key: String, _ new: JSONValue) -> JSONValue {
        guard case .object(let m) = v else { return v }
        return .object(m.map { $0.key == key ? JSONMember(key, new) : $0 })
    }

    func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
        let req = try JSONParser.parse(body)
        let one = req.arrayValue?.first ?? req
        var result: JSONValue = .null
        switch one["method"]?.stringValue {
        case "eth_getBlockByNumber":
            result = lie == .headerField ? replace(block, "gasUsed", .string("0x1")) : block
        case "eth_getProof":
            result = proof
            if lie == .balance { result = replace(proof, "balance", .string("0x1")) }
            if lie == .storageValue, let sp = proof["storageProof"]?.arrayValue {
                result = replace(proof, "storageProof", .array(sp.map { replace($0, "value", .string("0x39")) }))
            }
        default: break
        }
        let resp = JSONValue.obj([("jsonrpc", .string("2.0")), ("id", one["id"] ?? .int(1)), ("result", result)])
        let out = req.arrayValue != nil ? JSONValue.array([resp]) : resp
        return (200, Array(out.serialized().utf8))
    }
}

@Suite("ProvenChainReader (corpus): one lying provider is caught by the trusted header and proofs")
struct ProvenChainReaderCorpusTests {
    static func node(_ lie: CorpusNode.Lie) throws -> CorpusNode? {
        guard let b = try ioExchanges("eth_getBlockByNumber/get-latest.io")?.first?.result,
              let p = try ioExchanges("eth_getProof/get-account-proof-with-storage.io")?.first?.result else { return nil }
        return CorpusNode(block: b, proof: p, lie: lie)
    }

    static let trusted = try! TrustedBlock(parsing: "54:" + latestHash)
    static let account = try! Address("0x7dcd17433742f4c0ca53122ab541d0ba67fc27df")

    func reader(_ lie: CorpusNode.Lie, _ t: TrustedBlock = trusted) throws -> ProvenChainReader? {
        guard let n = try Self.node(lie) else { return nil }
        return try ProvenChainReader(client: try RPCClient(urls: ["http://127.0.0.1:1"], transport: n), trusted: t)
    }

    @Test func honestProviderYieldsProvenStorage() throws {
        guard let r = try reader(.none) else { return }
        let a = try r.account(Self.account, slots: [[0]])
        #expect(a.exists && a.value(at: [0])?.last == 0x38)
    }

    @Test func alteredHeaderFieldIsRefused() throws {
        guard try Self.node(.none) != nil else { return }   // corpus absent: skipped (printed)
        #expect(throws: ProofError.self) { _ = try reader(.headerField) }
    }

    @Test func wrongTrustedHashIsRefused() throws {
        guard try Self.node(.none) != nil else { return }
        #expect(throws: ProofError.self) { _ = try reader(.none, TrustedBlock(number: 54, hash: Keccak.keccak256([1]))) }
    }

    @Test func alteredStorageValueAndBalanceAreRefused() throws {
        guard let r = try reader(.storageValue) else { return }
        #expect(throws: ProofError.self) { _ = try r.account(Self.account, slots: [[0]]) }
        guard let r2 = try reader(.balance) else { return }
        #expect(throws: ProofError.self) { _ = try r2.account(Self.account, slots: [[0]]) }
    }

    @Test func trustedBlockParsing() throws {
        #expect(throws: DevProofError.self) { try TrustedBlock(parsing: "54") }
        #expect(throws: DevProofError.self) { try TrustedBlock(parsing: "x:" + latestHash) }
        #expect(throws: DevProofError.self) { try TrustedBlock(parsing: "54:0x1234") }
        #expect(try TrustedBlock(parsing: "0x36:" + latestHash).number == 54)
    }
}
