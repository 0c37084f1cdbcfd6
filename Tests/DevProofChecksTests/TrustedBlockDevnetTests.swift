import DevProofChecks
import DevProofCore
import DstackChain
import EVM
import Foundation
import Testing
import TestSupport

/// `--trusted-block N:HASH` for chain, appauth and keys on the devnet: one provider is enough for values proven by
/// eth_getProof; a provider lying behind devnet/lying_proxy.py about an eth_call answer, a storage value, a header
/// field or a proof node is caught (fail or inconclusive, never pass); eth_call-only values cannot make a required
/// check pass without a quorum.
@Suite("trusted block: proven reads with one provider, liars caught (devnet)", .serialized)
struct TrustedBlockDevnetTests {
    struct Env: @unchecked Sendable {
        let net: Devnet
        let trusted: TrustedBlock
        let boot: [String: Any]
        let kms: String
        let getkey: String, appId: String, purpose: String
    }

    static let env: Result<Env?, Error> = Result {
        guard TestPaths.python != nil else { print("SKIP: no Python venv: trusted-block devnet tests skipped"); return nil }
        let net = try Devnet.shared("default")
        let c = try RPCClient(urls: [net.url])
        let h = try ExecutionHeader(json: try c.request("eth_getBlockByNumber", [.string("latest"), .bool(false)]))
        let boot = try #require((net.fact("boot") as? [[String: Any]] ?? []).first { $0["name"] as? String == "allowed" }?["boot_info"] as? [String: Any])
        let chain = try #require(net.fact("oracle.chain.signature_chain") as? [String])
        let getkey = JSONValue.obj([("key", .string(try #require(net.fact("oracle.chain.derived_private_key") as? String))), ("signature_chain", .strings(chain))])
        let path = TestPaths.tempDir("trusted-block").appendingPathComponent("getkey.json").path
        try InputFile.write(path, Array(getkey.serialized().utf8))
        return Env(net: net, trusted: TrustedBlock(number: h.number, hash: h.hash), boot: boot, kms: try net.address("kms"),
                   getkey: path, appId: try #require(net.fact("oracle.chain.app_id") as? String),
                   purpose: try #require(net.fact("oracle.chain.purpose") as? String))
    }

    /// devnet/contracts' layout (DstackApp.layout.json and `vyper -f layout DstackKms.vy`) in --storage-layout form.
    static let devnetLayoutJSON = """
        {"name": "devnet-file", "origin": "vyper -f layout",
         "app": {"mapping_hashing": "vyper", "allowedComposeHashes": "0", "allowedDeviceIds": "2",
                 "upgradesDisabled": {"slot": "1", "offset": 0, "size": 1}, "allowAnyDevice": {"slot": "1", "offset": 1, "size": 1},
                 "requireTcbUpToDate": {"slot": "3", "offset": 0, "size": 32},
                 "owner": {"slot": "65173360639460082030725920392146925864023520599682862633725751242436743107328", "offset": 0, "size": 20},
                 "pendingOwner": {"slot": "16053720875717120191110171845200109550086765943194951757191984851604933389312", "offset": 0, "size": 20}},
         "kms": {"mapping_hashing": "vyper", "bytes": "vyper", "k256Pubkey": "0", "registeredApps": "541",
                 "kmsAllowedAggregatedMrs": "542", "kmsAllowedDeviceIds": "543", "allowedOsImages": "544",
                 "owner": {"slot": "546", "offset": 0, "size": 20}}}
        """

    func rpc(_ e: Env, _ urls: [String], trusted: TrustedBlock? = nil, quorum: Int? = nil) -> RPCOptions {
        var o = RPCOptions()
        o.urls = urls; o.timeout = 20; o.quorum = quorum
        o.trustedBlock = trusted ?? e.trusted
        o.storageLayout = .devnetVyper
        return o
    }

    func boot(_ e: Env, _ o: RPCOptions, composeHash: String? = nil) throws -> Report {
        var b = ChainBootOptions()
        b.rpc = o
        b.app = (e.boot["appId"] as? String)?.addressValue; b.composeHash = composeHash ?? e.boot["composeHash"] as? String
        b.kms = e.kms.addressValue
        b.instanceId = e.boot["instanceId"] as? String; b.deviceId = e.boot["deviceId"] as? String
        b.mrAggregated = e.boot["mrAggregated"] as? String; b.mrSystem = e.boot["mrSystem"] as? String
        b.osImageHash = e.boot["osImageHash"] as? String; b.tcbStatus = e.boot["tcbStatus"] as? String; b.advisoryIds = []
        return try Chain.boot(b)
    }

    func appauth(_ e: Env, _ o: RPCOptions, app: String, hash: String) throws -> Report {
        var a = AppAuthOptions()
        a.app = app.addressValue; a.rpc = o; a.composeHash = hash; a.progress = false
        return try AppAuth.run(a)
    }

    func keys(_ e: Env, _ o: RPCOptions) throws -> Report {
        var k = KeysOptions()
        k.response = e.getkey; k.appId = e.appId.appIdValue; k.purpose = e.purpose; k.kmsContract = e.kms.addressValue
        k.rpc = o
        return try Keys.run(k)
    }

    func status(_ r: Report, _ id: String) -> CheckStatus? { r.check(id)?.status }

    @Test func honestSingleProviderPassesOnProvenStorage() throws {
        guard let e = try Self.env.get() else { return }
        let b = try boot(e, rpc(e, [e.net.url]))
        #expect(b.verdict == .pass, "\(b.checks)")
        #expect(status(b, "rpc.trusted_block") == .pass && status(b, "rpc.proof") == .pass)
        #expect(status(b, "chain.boot_app") == .pass && status(b, "chain.boot_kms") == .pass)
        let proven = b.fact("proofs")?["proven"]?.arrayValue ?? []
        #expect(proven.contains { $0["value"]?.stringValue?.hasPrefix("allowedComposeHashes(") == true })
        #expect(proven.contains { $0["value"]?.stringValue?.hasPrefix("registeredApps(") == true })
        #expect(b.fact("proofs")?["unproven"]?.arrayValue?.isEmpty == true)

        let k = try keys(e, rpc(e, [e.net.url]))
        #expect(status(k, "keys.kms_root") == .pass, "\(k.checks)")
        #expect(status(k, "rpc.proof") == .pass)
        #expect(k.fact("proofs")?["proven"]?.arrayValue?.contains { $0["value"]?.stringValue == "kmsInfo().k256Pubkey" } == true)
    }

    @Test func unprovenEthCallCannotPassARequiredCheckWithoutQuorum() throws {
        guard let e = try Self.env.get() else { return }
        let app = try e.net.address("app_timelock_owner")
        let apps = e.net.fact("apps") as? [String: [String: Any]] ?? [:]
        let hash = try #require((apps["app_timelock_owner"]?["allowed_compose_hashes"] as? [String])?.first)
        let one = try appauth(e, rpc(e, [e.net.url]), app: app, hash: hash)
        // The running hash is proven from storage; the owner's delay (getMinDelay), simulations and logs are not.
        #expect(status(one, "appauth.running_allowed") == .pass, "\(one.checks)")
        let notice = try #require(one.check("appauth.notice_period"))
        #expect(notice.status == .skip, "\(notice)")
        #expect(notice.summary.contains("eth_call (unproven)"))
        #expect(one.verdict == .inconclusive)
        #expect(one.fact("proofs")?["unproven"]?.arrayValue?.contains { $0["value"]?.stringValue == "getMinDelay()" } == true)
    }

    /// TeeOracle's kmsRoot()/appId() are immutables (in code, not storage): no proof covers them, so with one provider
    /// chain.oracle_kms_root cannot pass; a quorum of two providers (the second a proxy that only lies about
    /// eth_blockNumber, which a trusted pin never asks) makes the same eth_call answers count.
    @Test func unprovenOracleValuesNeedAQuorum() throws {
        guard let e = try Self.env.get() else { return }
        let chainTests = ChainDevnetTests()
        var o = ChainProofOptions()
        o.proofPath = try chainTests.proofFile(e.net)
        o.oracle = try e.net.address("tee_oracle").addressValue; o.kmsContract = e.kms.addressValue
        o.appId = (e.net.fact("oracle.app_id") as? String)?.appIdValue
        o.rpc = rpc(e, [e.net.url])
        let one = try Chain.verifyProof(o)
        #expect(status(one, "chain.kms_root") == .pass, "\(one.checks)")
        let oracleRoot = try #require(one.check("chain.oracle_kms_root"))
        #expect(oracleRoot.status == .skip && oracleRoot.summary.contains("eth_call (unproven)"), "\(oracleRoot)")
        #expect(one.verdict == .inconclusive)
        let second = try e.net.startLiar("head")
        defer { second.stop() }
        o.rpc = rpc(e, [e.net.url, second.url], quorum: 2)
        let two = try Chain.verifyProof(o)
        #expect(status(two, "chain.oracle_kms_root") == .pass, "\(two.checks)")
        #expect(two.verdict == .pass, "\(two.checks)")
    }

    @Test func liarAboutEthCallIsCaught() throws {
        guard let e = try Self.env.get() else { return }
        let liar = try e.net.startLiar("call")
        defer { liar.stop() }
        // A hash this app never allowed: the liar's eth_call says allowed (the last byte flipped), the proof says no.
        let hashes = e.net.fact("compose_hashes") as? [String: String] ?? [:]
        let app = try #require(e.boot["appId"] as? String)
        let notAllowed = try #require(hashes["H6"])
        let r = try appauth(e, rpc(e, [liar.url]), app: app, hash: notAllowed)
        #expect(status(r, "appauth.running_allowed") == .fail, "\(r.checks)")
        let proof = try #require(r.check("rpc.proof"))
        #expect(proof.status == .fail)
        let contradicted = r.fact("proofs")?["contradicted"]?.arrayValue ?? []
        #expect(contradicted.contains { $0["value"]?.stringValue == "allowedComposeHashes(\(notAllowed))" && $0["eth_call"]?.stringValue == "true"
            && $0["result"]?.stringValue == "false" && $0["slots"]?.arrayValue?.count == 1 }, "\(contradicted)")
        // The owner (OpenZeppelin's ERC-7201 slot) is proven too: the liar's eth_call answer is named as contradicted.
        #expect(contradicted.contains { $0["value"]?.stringValue == "owner" && $0["eth_call"]?.stringValue != $0["result"]?.stringValue })
        #expect(r.verdict == .fail)
        // The allowed hash: the liar says not allowed, the proof says allowed: never a pass on contradicted evidence.
        let allowed = try appauth(e, rpc(e, [liar.url]), app: app, hash: try #require(e.boot["composeHash"] as? String))
        #expect(status(allowed, "appauth.running_allowed") != .pass)
        #expect(allowed.verdict != .pass)
        // keys: the liar's kmsInfo() answer no longer decodes (malformed, exit 2) or fails rpc.proof: never a pass.
        #expect((try? keys(e, rpc(e, [liar.url])))?.verdict != .pass)
        #expect(try boot(e, rpc(e, [liar.url])).verdict != .pass)
    }

    @Test func liarAboutStorageProofsOrHeadersIsCaught() throws {
        guard let e = try Self.env.get() else { return }
        for mode in ["storage", "proofnode"] {
            let liar = try e.net.startLiar(mode)
            defer { liar.stop() }
            for r in [try boot(e, rpc(e, [liar.url])), try keys(e, rpc(e, [liar.url]))] {
                #expect(status(r, "rpc.proof") == .fail, "\(mode): \(r.checks)")
                #expect(r.verdict == .fail, "\(mode)")
            }
        }
        let liar = try e.net.startLiar("header")
        defer { liar.stop() }
        let r = try boot(e, rpc(e, [liar.url]))
        #expect(status(r, "rpc.trusted_block") == .fail, "\(r.checks)")
        #expect(r.check("chain.boot_app") == nil)
        #expect(r.verdict == .fail)
    }

    @Test func wrongTrustedHashFailsAndAMissingBlockIsInconclusive() throws {
        guard let e = try Self.env.get() else { return }
        var wrong = e.trusted.hash; wrong[31] ^= 1
        let r = try boot(e, rpc(e, [e.net.url], trusted: TrustedBlock(number: e.trusted.number, hash: wrong)))
        #expect(status(r, "rpc.trusted_block") == .fail)
        #expect(r.verdict == .fail)
        let missing = try boot(e, rpc(e, [e.net.url], trusted: TrustedBlock(number: e.trusted.number + 1_000, hash: wrong)))
        #expect(status(missing, "rpc.trusted_block") == .skip)
        #expect(missing.verdict == .inconclusive)
        // The devnet's layout given as a file (--storage-layout FILE) proves the same values.
        let file = TestPaths.tempDir("trusted-layout").appendingPathComponent("devnet.json").path
        try InputFile.write(file, Array(Self.devnetLayoutJSON.utf8))
        var fromFile = rpc(e, [e.net.url]); fromFile.storageLayout = try DstackStorageLayout.parse(file)
        let viaFile = try boot(e, fromFile)
        #expect(viaFile.verdict == .pass && status(viaFile, "rpc.proof") == .pass, "\(viaFile.checks)")
        // The upstream Solidity layout does not fit the devnet's Vyper mappings: the cross-check says so.
        var solidity = rpc(e, [e.net.url]); solidity.storageLayout = .dstack
        let mis = try boot(e, solidity)
        #expect(status(mis, "rpc.proof") == .fail && mis.verdict != .pass, "\(mis.checks)")
    }
}
