import DevProofCore
@testable import DevProofChecks
import DstackChain
import EVM
import Foundation
import Testing
import TestSupport

/// `devproof appauth` against the project's devnet (scripts/devnet, scenario "default"; docs/devnet.md).
enum AADevnet {
    static func run(_ net: Devnet, _ name: String, _ f: (inout AppAuthOptions) -> Void = { _ in }) throws -> Report {
        var o = AppAuthOptions()
        o.app = try net.address(name).addressValue
        o.rpc.urls = [net.url]
        // These tests time-travel (--now days after the pinned block): the block-age bound is not their subject
        // (ChainPinDevnetTests and PinPolicyTests cover it).
        o.rpc.maxBlockAge = .max / 4
        o.progress = false
        f(&o)
        return try AppAuth.run(o)
    }
    static func hash(_ net: Devnet, _ label: String) -> String { (net.fact("compose_hashes.\(label)") as? String ?? "").lowercased() }
    static func int(_ net: Devnet, _ path: String) -> Int64? { (net.fact(path) as? NSNumber)?.int64Value }
    static func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap { $0.stringValue?.lowercased() } ?? [] }
    static func pad(_ n: Int64) -> String { String(String(n, radix: 16)).leftPad(64) }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

@Suite("appauth devnet: DstackApp owners")
struct AppAuthDevnetDstackTests {
    @Test func instantUpgradeEOAOwnerFailsNotice() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_instant")
        #expect(r.verdict == .fail)
        #expect(r.fact("kind") == .string("dstack-app"))
        #expect(r.fact("proxy") == .bool(true))
        #expect(r.fact("implementation")?.stringValue?.lowercased() == (try net.address("app_impl")).lowercased())
        #expect(r.fact("owner_kind") == .string("eoa"))
        #expect(r.fact("owner")?.stringValue?.lowercased() == (net.fact("apps.app_instant.owner") as? String)?.lowercased())
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.instant_path")?.status == .fail)
        #expect(Set(AADevnet.strings(r.fact("instant_paths"))) == ["add-compose-hash", "proxy-upgrade"])
        #expect(r.fact("notice_seconds") == .int(0))
        // The owner's one-transaction power was simulated at the pinned block.
        let paths = r.fact("change_paths")?.arrayValue ?? []
        #expect(paths.contains { ($0["evidence"]?.arrayValue ?? []).contains { $0.stringValue?.contains("succeeded") == true } })
        #expect(AADevnet.strings(r.fact("allowed_hashes")) == [AADevnet.hash(net, "H1")])
        #expect(r.fact("allowed_hashes_complete") == .bool(true))
        #expect(r.check("appauth.allowed_hashes")?.status == .pass)
        #expect(r.fact("chain_id") == .int(net.chainId))
        #expect(r.fact("allow_any_device") == .bool(false))
        #expect(r.check("appauth.devices")?.summary.contains("1 found") == true)
        #expect(r.check("appauth.tcb_required")?.status == .warn)
    }

    @Test func runningHashAllowedOrNot() throws {
        let net = try Devnet.shared("default")
        let ok = try AADevnet.run(net, "app_instant") { $0.composeHash = AADevnet.hash(net, "H1") }
        #expect(ok.check("appauth.running_allowed")?.status == .pass)
        let bad = try AADevnet.run(net, "app_instant") { $0.composeHash = AADevnet.hash(net, "H6") }
        #expect(bad.check("appauth.running_allowed")?.status == .fail)
        #expect(bad.fact("running_allowed") == .bool(false))
    }

    @Test func twoAllowedHashesWarnOrFail() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_two_hashes")
        #expect(r.check("appauth.allowed_hashes")?.status == .warn)
        #expect(Set(AADevnet.strings(r.fact("allowed_hashes"))) == [AADevnet.hash(net, "H1"), AADevnet.hash(net, "H2")])
        #expect(r.fact("allow_any_device") == .bool(true))
        let strict = try AADevnet.run(net, "app_two_hashes") { $0.strictHashes = true }
        #expect(strict.check("appauth.allowed_hashes")?.status == .fail)
    }

    @Test func pinnedBlockBeforeTheSecondHash() throws {
        let net = try Devnet.shared("default")
        guard let deployed = AADevnet.int(net, "apps.app_two_hashes.deploy_block") else { Issue.record("no deploy_block fact"); return }
        // Registration follows deployment; the second hash is added after: two blocks later at the earliest.
        let r = try AADevnet.run(net, "app_two_hashes") { $0.rpc.block = .number(UInt64(deployed), hash: nil) }
        #expect(r.fact("block_number") == .int(deployed))
        #expect(AADevnet.strings(r.fact("allowed_hashes")) == [AADevnet.hash(net, "H1")])
        #expect(r.check("appauth.allowed_hashes")?.status == .pass)
    }

    @Test func timelockControllerOwnerWithLongDelayPasses() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_timelock_owner")
        #expect(r.verdict == .pass)
        #expect(r.fact("owner_kind") == .string("timelock-controller"))
        #expect(r.check("appauth.notice_period")?.status == .pass)
        #expect(r.check("appauth.instant_path")?.status == .pass)
        #expect(r.fact("notice_seconds") == .int(8 * 86400))
        // The scheduled addComposeHash(H2) on the owner's timelock is reported with its ready time.
        let pending = r.fact("pending")?.arrayValue ?? []
        #expect(pending.count == 1)
        #expect(pending.first?["function"] == .string("addComposeHash"))
        #expect(pending.first?["hash"]?.stringValue?.lowercased() == AADevnet.hash(net, "H2"))
        #expect(pending.first?["activates_at"]?.int64Value == AADevnet.int(net, "timelock_owner.pending_operation.ready_at"))
        #expect(pending.first?["activatable"] == .bool(false))
        #expect(r.check("appauth.pending")?.status == .info)
        // A policy longer than the timelock's delay fails.
        let strict = try AADevnet.run(net, "app_timelock_owner") { $0.minNotice = 9 * 86400 }
        #expect(strict.check("appauth.notice_period")?.status == .fail)
        #expect(strict.check("appauth.instant_path")?.status == .pass)
        // --now at the ready time: the operation is executable.
        let later = try AADevnet.run(net, "app_timelock_owner") { $0.now = AADevnet.int(net, "timelock_owner.pending_operation.ready_at") }
        #expect(later.check("appauth.pending")?.status == .warn)
    }

    @Test func safeOwnerIsNoNotice() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_safe_owner")
        #expect(r.fact("owner_kind") == .string("safe"))
        #expect(r.check("appauth.owner")?.summary.contains("threshold 2 of 3") == true)
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.allowed_hashes")?.status == .warn) // H2 added through the Safe
    }

    @Test func renouncedOwnerIsFrozen() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_renounced")
        #expect(r.fact("owner_kind") == .string("zero-address"))
        #expect(r.check("appauth.notice_period")?.status == .pass)
        #expect(r.check("appauth.instant_path")?.status == .pass)
        #expect(r.fact("notice_seconds") == .string("never"))
        #expect(r.fact("code_upgradable") == .bool(false))
        #expect(r.verdict == .pass)
    }

    @Test func upgradesDisabledStillInstantForHashes() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_upgrades_disabled")
        #expect(r.fact("upgrades_disabled") == .bool(true))
        #expect(r.fact("code_upgradable") == .bool(false))
        #expect(AADevnet.strings(r.fact("instant_paths")) == ["add-compose-hash"])
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(try AADevnet.run(net, "app_instant").fact("upgrades_disabled") == .bool(false))
    }

    @Test func pendingOwnerTransfer() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_pending_owner")
        #expect(r.check("appauth.owner")?.status == .warn)
        #expect(r.fact("pending_owner")?.stringValue?.lowercased() == (net.fact("apps.app_pending_owner.pending_owner") as? String)?.lowercased())
        #expect(AADevnet.strings(r.fact("instant_paths")).contains("pending-owner"))
    }

    @Test func upgradedProxyWithTcbRequirement() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "app_upgraded")
        #expect(r.fact("implementation")?.stringValue?.lowercased() == (try net.address("app_impl_v2")).lowercased())
        #expect(r.check("appauth.tcb_required")?.status == .pass)
        #expect(r.fact("require_tcb_up_to_date") == .bool(true))
    }

    @Test func addressWithoutCodeFailsExists() throws {
        let net = try Devnet.shared("default")
        var o = AppAuthOptions()
        o.app = "0x000000000000000000000000000000000000dead".addressValue
        o.rpc.urls = [net.url]
        o.progress = false
        let r = try AppAuth.run(o)
        #expect(r.check("appauth.exists")?.status == .fail)
        #expect(r.verdict == .fail)
    }

    @Test func aNonAppContractIsUnknownAndInconclusive() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "kms")
        #expect(r.fact("kind") == .string("unknown"))
        #expect(r.check("appauth.kind")?.status == .warn)
        #expect(r.verdict == .inconclusive)
    }
}

@Suite("appauth devnet: TimelockAppAuth")
struct AppAuthDevnetTimelockTests {
    @Test func pendingProposalAndCancelledOne() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "timelock_app")
        #expect(r.verdict == .pass)
        #expect(r.fact("kind") == .string("timelock-app-auth"))
        #expect(r.fact("notice_seconds") == .int(8 * 86400))
        #expect(r.check("appauth.notice_period")?.status == .pass)
        #expect(r.check("appauth.instant_path")?.status == .pass)
        // The constructor's hash has no event: found in the creation transaction, confirmed by the view.
        #expect(AADevnet.strings(r.fact("allowed_hashes")) == [AADevnet.hash(net, "H1")])
        #expect(r.fact("allowed_hashes_complete") == .bool(true))
        let hashes = r.check("appauth.allowed_hashes")?.details["hashes"]?.arrayValue ?? []
        #expect(hashes.first?["source"] == .string("creation"))
        // H3 pending (activatesAt reported), H4 cancelled (not pending).
        let pending = r.fact("pending")?.arrayValue ?? []
        #expect(pending.count == 1)
        #expect(pending.first?["hash"]?.stringValue?.lowercased() == AADevnet.hash(net, "H3"))
        #expect(pending.first?["activates_at"]?.int64Value == AADevnet.int(net, "proposals.0.activates_at"))
        #expect(pending.first?["activatable"] == .bool(false))
        #expect(r.check("appauth.pending")?.status == .info)
        #expect(r.check("appauth.tcb_required")?.status == .warn)
        #expect(r.fact("allow_any_device") == .bool(true))
    }

    @Test func shortNoticeFailsButIsNotInstant() throws {
        let net = try Devnet.shared("default")
        let r = try AADevnet.run(net, "timelock_app_short")
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.instant_path")?.status == .pass)
        #expect(r.fact("notice_seconds") == .int(120))
        // H1 (constructor) and H5 (activated after the notice) are both allowed.
        #expect(Set(AADevnet.strings(r.fact("allowed_hashes"))) == [AADevnet.hash(net, "H1"), AADevnet.hash(net, "H5")])
        #expect(r.check("appauth.allowed_hashes")?.status == .warn)
        let ok = try AADevnet.run(net, "timelock_app_short") { $0.minNotice = 120 }
        #expect(ok.check("appauth.notice_period")?.status == .pass)
    }

    @Test func nowMakesTheProposalActivatable() throws {
        let net = try Devnet.shared("default")
        guard let at = AADevnet.int(net, "proposals.0.activates_at") else { Issue.record("no proposal fact"); return }
        let before = try AADevnet.run(net, "timelock_app") { $0.now = at - 1 }
        #expect(before.fact("pending")?.arrayValue?.first?["activatable"] == .bool(false))
        let after = try AADevnet.run(net, "timelock_app") { $0.now = at }
        #expect(after.fact("pending")?.arrayValue?.first?["activatable"] == .bool(true))
        #expect(after.check("appauth.pending")?.status == .warn)
        #expect(after.check("appauth.pending")?.summary.contains("activatable since") == true)
    }
}

/// Changes chain state (time travel, activation): runs on its own devnet.
@Suite("appauth devnet: time travel", .serialized)
struct AppAuthDevnetTimeTravelTests {
    @Test func proposalBecomesActivatableThenActive() throws {
        let net = try Devnet.start(scenario: "default")
        defer { net.stop() }
        let app = try net.address("timelock_app")
        let h3 = AADevnet.hash(net, "H3")
        let r0 = try AADevnet.run(net, "timelock_app")
        #expect(r0.fact("pending")?.arrayValue?.first?["activatable"] == .bool(false))

        try net.increaseTime(8 * 86400 + 5)
        let r1 = try AADevnet.run(net, "timelock_app")
        #expect(r1.fact("pending")?.arrayValue?.first?["activatable"] == .bool(true))
        #expect(r1.check("appauth.pending")?.status == .warn)

        // Anyone can activate: a stranger does.
        let stranger = net.accounts.last ?? ""
        let data = "0x" + AppAuthABI.Function.activateComposeHash.selector.hex + h3.dropFirst(2)
        let rc = try net.send(from: stranger, to: app, data: data)
        #expect((rc["status"] as? String) == "0x1")
        let r2 = try AADevnet.run(net, "timelock_app")
        #expect(r2.fact("pending")?.arrayValue?.isEmpty == true)
        #expect(Set(AADevnet.strings(r2.fact("allowed_hashes"))) == [AADevnet.hash(net, "H1"), h3])
        #expect(r2.check("appauth.allowed_hashes")?.status == .warn)
        let events = r2.check("appauth.allowed_hashes")?.details["history"]?["events"]?.int64Value ?? 0
        #expect(events >= 4) // Proposed ×2, Cancelled, Activated
        #expect(try AADevnet.run(net, "timelock_app") { $0.composeHash = h3 }.check("appauth.running_allowed")?.status == .pass)
    }

    /// Public-RPC-like limits (eth_getLogs range 5) and a lying second provider.
    @Test func rangeLimitedLogsAndALyingProvider() throws {
        let net = try Devnet.start(scenario: "default", maxLogRange: 5, liar: "call")
        defer { net.stop() }
        let r = try AADevnet.run(net, "timelock_app")
        #expect(r.fact("allowed_hashes_complete") == .bool(true))
        #expect(r.fact("pending")?.arrayValue?.count == 1)
        #expect(r.verdict == .pass)
        guard let liar = net.liarURL else { Issue.record("no liar URL"); return }
        let q = try AADevnet.run(net, "timelock_app") { $0.rpc.urls = [net.url, liar] }
        #expect(q.check("rpc.quorum")?.status == .fail)
        #expect(q.verdict == .fail)
    }
}
