import DevProofCore
import EVM
import Foundation
import TestSupport
import Testing
@testable import DevProofChecks

/// One provider serving the generated block and beacon-roots proof (Fixtures/lightclient), honestly or lying.
final class FixtureNode: RPCTransport, @unchecked Sendable {
    let block: JSONValue, proof: JSONValue
    let lieRoot: Bool
    init(lieRoot: Bool) throws {
        block = try InputFile.readJSON(TestPaths.fixture("lightclient/block.json")).value
        proof = try InputFile.readJSON(TestPaths.fixture("lightclient/beacon-roots-proof.json")).value
        self.lieRoot = lieRoot
    }
    func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
        let req = try JSONParser.parse(body)
        let one = req.arrayValue?.first ?? req
        var result: JSONValue = .null
        switch one["method"]?.stringValue {
        case "eth_getBlockByNumber": result = block
        case "eth_getProof":
            // Asked slots in order; the generated proof lists (timestamp slot, root slot) in that order too.
            var text = proof.serialized()
            if lieRoot, let v = proof["storageProof"]?.arrayValue?.last?["value"]?.stringValue {
                text = text.replacingOccurrences(of: "\"\(v)\"", with: "\"0x1234\"")
            }
            result = try JSONParser.parse(text)
        default: break
        }
        let resp = JSONValue.obj([("jsonrpc", .string("2.0")), ("id", one["id"] ?? .int(1)), ("result", result)])
        return (200, Array((req.arrayValue != nil ? JSONValue.array([resp]) : resp).serialized().utf8))
    }
}

@Suite("lightclient chain checks: block via --trusted-block and one RPC, EIP-4788 checkpoint by storage proof")
struct LightClientChainTests {
    func run(lie: Bool, ts: Int64 = 1_768_435_200 - 3600) throws -> [String: CheckStatus] {
        var o = LightClientOptions(now: 1_768_435_200)
        o.proofPath = TestPaths.fixture("lightclient/proof-no-quote.json")
        let hash = try #require(try InputFile.readJSON(TestPaths.fixture("lightclient/block.json")).value["hash"]?.stringValue)
        o.trustedBlock = try LightClient.trustedBlock("21000000:" + hash)
        o.rpc.urls = ["http://127.0.0.1:1"]; o.rpc.transport = try FixtureNode(lieRoot: lie)
        o.checkpointTimestamp = ts
        o.maxCheckpointAge = 14 * 86_400
        o.maxAge = 3600
        let r = try LightClient.run(o)
        return Dictionary(r.checks.map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func honestProviderProvesBlockAndCheckpoint() throws {
        let st = try run(lie: false)
        #expect(st["lightclient.block.canonical"] == .pass)
        #expect(st["lightclient.checkpoint.eip4788"] == .pass)
        #expect(st["lightclient.checkpoint.age"] == .pass)
        #expect(st["lightclient.block.age"] == .pass)
        #expect(st["lightclient.call.result"] == .skip)   // the fake node has no eth_call
    }

    @Test func lyingStorageFailsEIP4788() throws {
        #expect(try run(lie: true)["lightclient.checkpoint.eip4788"] == .fail)
    }

    @Test func oldCheckpointFailsAge() throws {
        let st = try run(lie: false, ts: 1_768_435_200 - 400 * 86_400)
        #expect(st["lightclient.checkpoint.age"] == .fail)
        // The fake node answers with the proof of other slots than the ones asked: refused, never a pass.
        #expect(st["lightclient.checkpoint.eip4788"] == .fail)
    }
}
