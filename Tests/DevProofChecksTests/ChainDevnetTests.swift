import DevProofChecks
import DevProofCore
import DstackChain
import EVM
import Foundation
import Testing
import TestSupport

/// `devproof chain` against the project's devnet (real EVM, py-evm; contracts ABI-compatible with DstackApp,
/// DstackKms, TimelockAppAuth, TeeOracle). Read-only: every test reads the shared default scenario.
@Suite("chain: devnet integration", .serialized)
struct ChainDevnetTests {
    static func net() throws -> Devnet {
        try Devnet.shared("default")
    }

    func rpc(_ url: String...) -> RPCOptions {
        var o = RPCOptions(); o.urls = url; o.timeout = 20
        return o
    }

    func history(_ net: Devnet, _ app: String, url: String? = nil, configure: (inout ChainHistoryOptions) -> Void = { _ in }) throws -> Report {
        var o = ChainHistoryOptions()
        o.rpc = rpc(url ?? net.url); o.app = app.addressValue; o.progress = false
        configure(&o)
        return try Chain.history(o)
    }

    func events(_ r: Report) -> [(String, JSONValue)] {
        (r.fact("timeline")?.arrayValue ?? []).map { ($0["event"]?.stringValue ?? "", $0["args"] ?? .null) }
    }

    @Test func historyOfDstackApp() throws {
        let net = try Self.net()
        let app = try net.address("app_two_hashes")
        let r = try history(net, app)
        #expect(r.verdict == .pass, "\(r.checks)")
        #expect(r.fact("contract_kind")?.stringValue == "DstackApp")
        let ev = events(r)
        let added = ev.filter { $0.0 == "ComposeHashAdded" }.compactMap { $0.1["composeHash"]?.stringValue?.lowercased() }
        let allowed = (net.fact("apps.app_two_hashes.allowed_compose_hashes") as? [String] ?? []).map { $0.lowercased() }
        #expect(!allowed.isEmpty)
        #expect(Set(added) == Set(allowed))
        #expect(ev.contains { $0.0 == "OwnershipTransferred" })
        #expect(ev.contains { $0.0 == "PolicyChanged" && $0.1["policy_tag"]?.stringValue == "compose-hash" })
        // The deployment block was found by binary search on eth_getCode.
        let deploy = net.fact("apps.app_two_hashes.deploy_block") as? Int
        #expect(r.fact("from_block")?.int64Value == deploy.map(Int64.init))
        // Every entry has a block time and a transaction hash.
        for e in r.fact("timeline")?.arrayValue ?? [] {
            #expect(e["time"]?.int64Value != nil)
            #expect(e["tx"]?.stringValue?.count == 66)
        }
    }

    @Test func historyOfTimelockAppAuth() throws {
        let net = try Self.net()
        let r = try history(net, try net.address("timelock_app"))
        #expect(r.verdict == .pass)
        #expect(r.fact("contract_kind")?.stringValue == "TimelockAppAuth")
        let ev = events(r)
        let proposals = (net.fact("proposals") as? [[String: Any]] ?? []).filter { $0["app"] as? String == "timelock_app" }
        for p in proposals {
            let h = (p["compose_hash"] as? String ?? "").lowercased()
            #expect(ev.contains { $0.0 == "ComposeHashProposed" && $0.1["composeHash"]?.stringValue?.lowercased() == h })
            if p["status"] as? String == "cancelled" {
                #expect(ev.contains { $0.0 == "ComposeHashCancelled" && $0.1["composeHash"]?.stringValue?.lowercased() == h })
            }
            if let at = p["activates_at"] as? Int {
                #expect(ev.contains { $0.0 == "ComposeHashProposed" && $0.1["activatesAt"]?.stringValue == String(at) })
            }
        }
        // Proposed then Activated on the short-notice app.
        let short = events(try history(net, try net.address("timelock_app_short"))).map(\.0)
        let pi = short.firstIndex(of: "ComposeHashProposed"), ai = short.firstIndex(of: "ComposeHashActivated")
        #expect(pi != nil && ai != nil && pi! < ai!)
    }

    @Test func historyFailsOnEOAAndCapIsInconclusive() throws {
        let net = try Self.net()
        let eoa = net.accounts.first ?? ""
        #expect(try history(net, eoa).check("chain.history")?.status == .fail)
        let capped = try history(net, try net.address("app_two_hashes")) { $0.fromBlock = "0"; $0.initialChunk = 1; $0.maxRequests = 3 }
        #expect(capped.verdict == .inconclusive)
        #expect(capped.check("chain.history")?.status == .skip)
    }

    @Test func bootSimulationsMatchTheContracts() throws {
        let net = try Self.net()
        let boots = net.fact("boot") as? [[String: Any]] ?? []
        #expect(boots.count >= 5)
        let kms = try net.address("kms")
        for b in boots {
            let bi = b["boot_info"] as? [String: Any] ?? [:]
            var o = ChainBootOptions()
            o.rpc = rpc(net.url)
            o.app = (bi["appId"] as? String)?.addressValue; o.composeHash = bi["composeHash"] as? String; o.instanceId = bi["instanceId"] as? String
            o.deviceId = bi["deviceId"] as? String; o.mrAggregated = bi["mrAggregated"] as? String; o.mrSystem = bi["mrSystem"] as? String
            o.osImageHash = bi["osImageHash"] as? String; o.tcbStatus = bi["tcbStatus"] as? String
            o.advisoryIds = bi["advisoryIds"] as? [String] ?? []
            o.kms = kms.addressValue
            let r = try Chain.boot(o)
            let id = (b["contract"] as? String) == "kms" ? "chain.boot_kms" : "chain.boot_app"
            let c = try #require(r.check(id), "\(b["name"] ?? "")")
            let allowed = b["allowed"] as? Bool ?? false, reason = b["reason"] as? String ?? ""
            #expect(c.status == (allowed ? .pass : .fail), "\(b["name"] ?? ""): \(c.summary)")
            #expect(c.details["reason"]?.stringValue == reason, "\(b["name"] ?? "")")
            if !allowed { #expect(c.summary.contains(reason)) }
        }
    }

    @Test func bootFromAttestReport() throws {
        let net = try Self.net()
        let boots = net.fact("boot") as? [[String: Any]] ?? []
        let b = try #require(boots.first { $0["name"] as? String == "allowed" })
        let bi = b["boot_info"] as? [String: Any] ?? [:]
        func bare(_ k: String) -> JSONValue { .string(String((bi[k] as? String ?? "").dropFirst(2)).lowercased()) }
        func attestReport(verdict: String) -> JSONValue { .obj([("schema", .string("devproof.report/v1")), ("command", .string("attest")),
                                                               ("verdict", .string(verdict)), ("facts", facts)]) }
        let facts = JSONValue.obj([
            ("app_id", bare("appId")), ("compose_hash", bare("composeHash")), ("instance_id", bare("instanceId")),
            ("device_id", bare("deviceId")), ("mr_aggregated", bare("mrAggregated")), ("mr_system", bare("mrSystem")),
            ("os_image_hash", bare("osImageHash")), ("tcb_status", .string(bi["tcbStatus"] as? String ?? "")),
            ("advisory_ids", .array([])),
        ])
        let path = TestPaths.tempDir("chain-boot").appendingPathComponent("attest.json").path
        try InputFile.write(path, Array(attestReport(verdict: "pass").serialized().utf8))
        // A failed attest report gives no boot info: usage error before any chain read (was: accepted).
        let failedPath = TestPaths.tempDir("chain-boot").appendingPathComponent("attest-fail.json").path
        try InputFile.write(failedPath, Array(attestReport(verdict: "fail").serialized().utf8))
        var f = ChainBootOptions()
        f.rpc = rpc(net.url); f.fromAttest = failedPath
        #expect(throws: DevProofError.usage("--from-attest \(failedPath): the attest verdict is fail, so its facts are not established; fix the attestation, or pass the values by flags if you accept them")) { try Chain.boot(f) }
        var o = ChainBootOptions()
        o.rpc = rpc(net.url); o.fromAttest = path; o.kms = try net.address("kms").addressValue
        let r = try Chain.boot(o)
        #expect(r.verdict == .pass, "\(r.checks.map { "\($0.id) \($0.summary)" })")
        #expect(r.check("chain.boot_info")?.status == .info)
        // A different compose hash on the command line wins over the report and is denied.
        o.composeHash = "0x" + String(repeating: "77", count: 32)
        let denied = try Chain.boot(o)
        #expect(denied.check("chain.boot_app")?.status == .fail)
    }

    func proofFile(_ net: Devnet, corrupt: Bool = false) throws -> String {
        let p = net.fact("oracle.proof") as? [String: Any] ?? [:]
        var m: [(String, JSONValue)] = []
        for k in ["messageHash", "messageSignature", "appSignature", "kmsSignature", "derivedCompressedPubkey", "appCompressedPubkey", "purpose"] {
            var v = p[k] as? String ?? ""
            if corrupt && k == "appSignature" {
                // Flip one bit in r.
                var b = try Hex.decode(v); b[5] ^= 0x01; v = b.hex0x
            }
            m.append((k, .string(v)))
        }
        m.append(("price", .number(String(net.fact("oracle.price") as? Int ?? 0))))
        m.append(("timestamp", .number(String(net.fact("oracle.price_timestamp") as? Int ?? 0))))
        let path = TestPaths.tempDir("chain-proof").appendingPathComponent("proof.json").path
        try InputFile.write(path, Array(JSONValue.obj(m).serialized().utf8))
        return path
    }

    @Test func oracleProofOnAndOffChain() throws {
        let net = try Self.net()
        var o = ChainProofOptions()
        o.rpc = rpc(net.url); o.proofPath = try proofFile(net)
        o.oracle = try net.address("tee_oracle").addressValue; o.kmsContract = try net.address("kms").addressValue
        o.appId = (net.fact("oracle.app_id") as? String)?.appIdValue
        let r = try Chain.verifyProof(o)
        #expect(r.verdict == .pass, "\(r.checks.map { "\($0.id) \($0.status) \($0.summary)" })")
        for id in ["chain.proof_offchain", "chain.proof_onchain", "chain.proof_agree", "chain.oracle_kms_root", "chain.oracle_app_id",
                   "chain.kms_root", "chain.proof_message_hash"] {
            #expect(r.check(id)?.status == .pass, "\(id)")
        }
        // A corrupted proof is rejected by both, and they agree.
        o.proofPath = try proofFile(net, corrupt: true)
        let bad = try Chain.verifyProof(o)
        #expect(bad.verdict == .fail)
        #expect(bad.check("chain.proof_offchain")?.status == .fail)
        #expect(bad.check("chain.proof_onchain")?.status == .fail)
        #expect(bad.check("chain.proof_agree")?.status == .pass)
        // The oracle checked against another app and another root.
        o.proofPath = try proofFile(net)
        o.kmsContract = nil; o.kmsRoot = ("0x" + String(repeating: "12", count: 20)).kmsRootValue
        o.appId = try net.address("app_two_hashes").appIdValue
        let other = try Chain.verifyProof(o)
        #expect(other.check("chain.oracle_kms_root")?.status == .fail)
        #expect(other.check("chain.oracle_app_id")?.status == .fail)
        #expect(other.check("chain.proof_offchain")?.status == .fail)
        #expect(other.check("chain.proof_agree")?.status == .fail)   // on-chain accepts what the audited root/app would not
    }

    /// A lying second provider (devnet/lying_proxy.py) under --quorum 2, and eth_getLogs range limits.
    @Test func lyingProviderAndRangeLimits() throws {
        let net = try Devnet.start(scenario: "default", maxLogRange: 4, liar: "call,logs")
        defer { net.stop() }
        let liar = try #require(net.liarURL)
        let kms = try net.address("kms")
        // Boot through honest + liar: eth_call answers differ → rpc.quorum fails naming the liar.
        var o = ChainBootOptions()
        o.rpc = rpc(net.url, liar); o.rpc.quorum = 2
        let b = (net.fact("boot") as? [[String: Any]] ?? []).first?["boot_info"] as? [String: Any] ?? [:]
        o.app = (b["appId"] as? String)?.addressValue; o.composeHash = b["composeHash"] as? String; o.kms = kms.addressValue
        let r = try Chain.boot(o)
        let q = try #require(r.check("rpc.quorum"))
        #expect(q.status == .fail)
        let liarHost = "http://127.0.0.1:" + (liar.split(separator: ":").last.map(String.init) ?? "")
        #expect(q.details["provider"]?.stringValue == liarHost)
        #expect(r.verdict == .fail)
        // History through the liar: it drops a log → disagreement on eth_getLogs.
        let h = try history(net, try net.address("app_two_hashes"), url: nil) { $0.rpc = self.rpc(net.url, liar) }
        #expect(h.check("rpc.quorum")?.status == .fail)
        // The honest node alone refuses ranges > 4 blocks: the scanner halves and still gets everything.
        let direct = try history(net, try net.address("app_two_hashes"))
        #expect(direct.verdict == .pass)
        let scan = direct.fact("scan")
        #expect((scan?["halvings"]?.int64Value ?? 0) >= 1)
        #expect(events(direct).contains { $0.0 == "ComposeHashAdded" })
    }
}
