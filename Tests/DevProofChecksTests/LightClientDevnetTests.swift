import DevProofCore
import EVM
import Foundation
import TestSupport
import Testing
@testable import DevProofChecks

/// `lightclient.checkpoint.eip4788` against the devnet's EIP-4788 beacon-roots contract (scenario "lightclient":
/// the contract's code and one ring-buffer entry set in the state, committed by a real devnet block), proven by
/// eth_getProof against that block's header through one provider.
@Suite("lightclient on the devnet: EIP-4788 checkpoint proven against a real header", .serialized)
struct LightClientDevnetTests {
    struct Env: @unchecked Sendable { let net: Devnet; let ts: Int64; let root: String; let block: UInt64; let hash: String; let stateRoot: String }

    static let env: Result<Env?, Error> = Result {
        guard TestPaths.python != nil else { print("SKIP: no Python venv: lightclient devnet tests skipped"); return nil }
        let net = try Devnet.shared("lightclient")
        let ts = try #require((net.fact("beacon_roots.timestamp") as? NSNumber)?.int64Value)
        let root = try #require(net.fact("beacon_roots.root") as? String)
        let c = try RPCClient(urls: [net.url])
        let h = try ExecutionHeader(json: try c.request("eth_getBlockByNumber", [.string("latest"), .bool(false)]))
        return Env(net: net, ts: ts, root: root, block: h.number, hash: h.hash.hex0x, stateRoot: h.stateRoot.hex0x)
    }

    func run(_ e: Env, url: String? = nil, checkpoint: String? = nil) throws -> [String: Check] {
        let claim = JSONValue.obj([("type", .string("lightclient_attestation")), ("network", .string("devnet")),
                                   ("checkpoint_root", .string(checkpoint ?? e.root)), ("block_number", .int(e.block)),
                                   ("block_hash", .string(e.hash)), ("state_root", .string(e.stateRoot))])
        let proof = JSONValue.obj([("claim", claim), ("claimHash", .string(String(repeating: "00", count: 32))),
                                   ("signature", .string(String(repeating: "00", count: 64))), ("pubkey", .string(String(repeating: "00", count: 64)))])
        let path = TestPaths.tempDir("lightclient-devnet").appendingPathComponent("proof.json").path
        try InputFile.write(path, Array(proof.serialized().utf8))
        var o = LightClientOptions(now: e.ts + 60)
        o.proofPath = path
        o.trustedBlock = try LightClient.trustedBlock("\(e.block):\(e.hash)")
        o.rpc.urls = [url ?? e.net.url]; o.rpc.timeout = 20
        o.checkpointTimestamp = e.ts
        let r = try LightClient.run(o)
        return Dictionary(r.checks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func checkpointIsProvenFromTheDevnetsBeaconRootsContract() throws {
        guard let e = try Self.env.get() else { return }
        let st = try run(e)
        #expect(st["lightclient.block.canonical"]?.status == .pass)
        #expect(st["lightclient.checkpoint.eip4788"]?.status == .pass, "\(String(describing: st["lightclient.checkpoint.eip4788"]))")
    }

    @Test func anotherCheckpointFails() throws {
        guard let e = try Self.env.get() else { return }
        var other = try Hex.decode(e.root); other[0] ^= 0xff
        let c = try #require(try run(e, checkpoint: other.hex0x)["lightclient.checkpoint.eip4788"])
        #expect(c.status == .fail)
        #expect(c.summary.contains(e.root))
    }

    @Test func providerChangingTheRootIsCaught() throws {
        guard let e = try Self.env.get() else { return }
        let liar = try e.net.startLiar("proofvalue")
        defer { liar.stop() }
        let c = try #require(try run(e, url: liar.url)["lightclient.checkpoint.eip4788"])
        #expect(c.status == .fail)
        #expect(c.summary.contains("refused"))
    }
}
