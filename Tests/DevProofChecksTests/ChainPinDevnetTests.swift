import DevProofChecks
import DevProofCore
import EVM
import Foundation
import Testing
import TestSupport

/// Issue 7 §4: one provider must not steer the block pin. A lying provider answers `latest` with an old block
/// (devnet/lying_proxy.py `stale=N`); before, the lowest head won the pin and the honest provider confirmed that
/// old block's hash, so `keys --kms-contract` passed on a rotated root and `chain boot` on a revoked compose hash.
@Suite("chain pin: a stale provider cannot steer the audit (devnet)", .serialized)
struct ChainPinDevnetTests {
    static let lag = 30

    struct Attack {
        let net: Devnet
        let liar: String
        let getkey: String
        let appId: String, purpose: String, kms: String
        let boot: [String: Any]
    }

    /// A private devnet behind a `stale=30` liar; then the KMS root is rotated and the booted app's compose hash
    /// revoked, and 29 blocks mined: the liar's `latest` is the last block before both changes.
    static func attack() throws -> Attack? {
        guard TestPaths.python != nil else { print("SKIP: no Python venv"); return nil }
        let net = try Devnet.start(scenario: "default", liar: "stale=\(lag)")
        let liar = try #require(net.liarURL)
        func s(_ p: String) throws -> String { try #require(net.fact(p) as? String, "fact \(p)") }
        let chain = try #require(net.fact("oracle.chain.signature_chain") as? [String])
        let getkey = JSONValue.obj([("key", .string(try s("oracle.chain.derived_private_key"))), ("signature_chain", .strings(chain))])
        let path = TestPaths.tempDir("chain-pin").appendingPathComponent("getkey.json").path
        try InputFile.write(path, Array(getkey.serialized().utf8))
        let boot = try #require((net.fact("boot") as? [[String: Any]] ?? []).first { $0["name"] as? String == "allowed" })
        let bi = try #require(boot["boot_info"] as? [String: Any])
        let kms = try net.address("kms")

        // Rotate the KMS root (DstackKms.setKmsInfo by its owner).
        let newRoot = try Secp256k1.PublicKey(privateKey: Bytes(repeating: 0x42, count: 32)).compressed
        let rotate = try ABI.encodeCall("setKmsInfo((bytes,bytes,bytes,bytes))", [.tuple([.bytes(newRoot), .bytes([]), .bytes([]), .bytes([])])])
        try net.send(from: try s("kms.owner"), to: kms, data: rotate.hex0x)
        // Revoke the booted app's compose hash (removeComposeHash by the app's owner).
        let app = try #require(bi["appId"] as? String)
        let apps = net.fact("apps") as? [String: [String: Any]] ?? [:]
        let owner = try #require(apps.values.first { ($0["address"] as? String)?.lowercased() == app.lowercased() }?["owner"] as? String)
        let hash = try Hex.decode(try #require(bi["composeHash"] as? String))
        try net.send(from: owner, to: app, data: try ABI.encodeCall("removeComposeHash(bytes32)", [.fixedBytes(hash)]).hex0x)
        try net.mine(lag - 1)
        return Attack(net: net, liar: liar, getkey: path, appId: try s("oracle.chain.app_id"), purpose: try s("oracle.chain.purpose"),
                      kms: kms, boot: bi)
    }

    func keys(_ a: Attack, _ urls: [String], configure: (inout RPCOptions) -> Void = { _ in }) throws -> Report {
        var o = KeysOptions()
        o.response = a.getkey; o.appId = a.appId.appIdValue; o.purpose = a.purpose; o.kmsContract = a.kms.addressValue
        o.rpc.urls = urls; o.rpc.timeout = 20
        configure(&o.rpc)
        return try Keys.run(o)
    }

    func boot(_ a: Attack, _ urls: [String], configure: (inout RPCOptions) -> Void = { _ in }) throws -> Report {
        var o = ChainBootOptions()
        o.rpc.urls = urls; o.rpc.timeout = 20
        configure(&o.rpc)
        o.app = (a.boot["appId"] as? String)?.addressValue; o.composeHash = a.boot["composeHash"] as? String; o.kms = a.kms.addressValue
        o.instanceId = a.boot["instanceId"] as? String; o.deviceId = a.boot["deviceId"] as? String
        o.mrAggregated = a.boot["mrAggregated"] as? String; o.mrSystem = a.boot["mrSystem"] as? String
        o.osImageHash = a.boot["osImageHash"] as? String; o.tcbStatus = a.boot["tcbStatus"] as? String
        o.advisoryIds = a.boot["advisoryIds"] as? [String] ?? []
        return try Chain.boot(o)
    }

    @Test func staleLiarCannotPinAnOldState() throws {
        guard let a = try Self.attack() else { return }
        defer { a.net.stop() }
        // The honest provider alone sees the rotation and the revocation.
        let honestKeys = try keys(a, [a.net.url])
        #expect(honestKeys.check("keys.kms_root")?.status == .fail, "\(honestKeys.checks)")
        let honestBoot = try boot(a, [a.net.url])
        #expect(honestBoot.check("chain.boot_app")?.status == .fail, "\(honestBoot.checks)")

        // Honest + stale liar: the heads differ by 30 blocks > --max-head-spread 16 → the pin is refused,
        // rpc.block skip, inconclusive; never pass on the old state (was: pass on both).
        for r in [try keys(a, [a.net.url, a.liar]), try boot(a, [a.net.url, a.liar])] {
            #expect(r.verdict == .inconclusive, "\(r.checks.map { "\($0.id) \($0.status) \($0.summary)" })")
            let pin = try #require(r.check("rpc.block"))
            #expect(pin.status == .skip)
            #expect(pin.summary.contains("max-head-spread"))
            #expect(r.checks.allSatisfy { $0.id != "keys.kms_root" || $0.status != .pass })
        }
        // A spread bound the auditor widens past the lag lets the pin through — at the *honest* head's distance:
        // the lowest head is pinned, so the verdict is the old state's. This is why the default is small.
        let wide = try boot(a, [a.net.url, a.liar]) { $0.maxHeadSpread = 100 }
        #expect(wide.check("rpc.block")?.status == .pass)

        // The liar alone: no second head to compare, but the block's age at --now bounds how old a state it can
        // serve: --now two hours after its block → refused (default --max-block-age 1h for latest).
        let head = try a.net.rpc("eth_getBlockByNumber", ["latest", false]) as? [String: Any]
        let t = Int64((head?["timestamp"] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) } ?? 0)
        let aged = try keys(a, [a.liar]) { $0.now = t + 7200 }
        #expect(aged.verdict == .inconclusive)
        #expect(aged.check("rpc.block")?.summary.contains("max-block-age") == true)
        #expect(aged.check("keys.kms_root")?.status == .skip)
        // An explicit --block N is the auditor's choice of state: no age bound unless --max-block-age is given.
        let n = try a.net.blockNumber() - UInt64(Self.lag)
        let explicit = try keys(a, [a.net.url]) { $0.now = t + 7200; $0.block = .number(n, hash: nil) }
        #expect(explicit.check("rpc.block")?.status == .pass)
        let bounded = try keys(a, [a.net.url]) { $0.now = t + 7200; $0.block = .number(n, hash: nil); $0.maxBlockAge = 3600 }
        #expect(bounded.check("rpc.block")?.status == .skip)
    }
}
