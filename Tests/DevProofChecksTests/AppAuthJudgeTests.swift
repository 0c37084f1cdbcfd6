import DevProofCore
@testable import DevProofChecks
import DstackChain
import EVM
import Testing

/// Builders for snapshots of the contract shapes devproof meets.
enum Snap {
    static let app = try! Address("0x00000000000000000000000000000000000a9900")
    static let impl = try! Address("0x0000000000000000000000000000000000001111")
    static let eoa = try! Address("0x000000000000000000000000000000000000e0a0")
    static let eoa2 = try! Address("0x000000000000000000000000000000000000e0a2")
    static let timelock = try! Address("0x0000000000000000000000000000000000007100")
    static let safe = try! Address("0x0000000000000000000000000000000000005afe")
    static let h1 = Bytes(repeating: 0x11, count: 32)
    static let h2 = Bytes(repeating: 0x22, count: 32)
    static let h3 = Bytes(repeating: 0x33, count: 32)
    static let block = AppAuthSnapshot.Block(number: 100, hash: Bytes(repeating: 0xbb, count: 32), timestamp: 1_700_000_000)

    static func sel(_ fs: [AppAuthABI.Function]) -> Set<String> { Set(fs.map(\.selectorHex)) }
    static let dstackSelectors = sel([.isAppAllowed, .allowedComposeHashes, .allowedDeviceIds, .allowAnyDevice, .requireTcbUpToDate,
                                      .addComposeHash, .removeComposeHash, .addDevice, .removeDevice, .setAllowAnyDevice,
                                      .disableUpgrades, .supportsInterface, .owner, .pendingOwner, .transferOwnership,
                                      .upgradeToAndCall, .proxiableUUID, .version])
    static let timelockSelectors = sel([.isAppAllowed, .allowedComposeHashes, .allowedDeviceIds, .allowAnyDevice, .owner,
                                        .noticePeriod, .proposedAt, .activatesAt, .proposeComposeHash, .activateComposeHash,
                                        .cancelProposal, .removeComposeHash])

    static func eoaOwner(_ a: Address = eoa) -> AppAuthSnapshot.Principal { .init(address: a, codeSize: 0) }
    static func timelockOwner(_ delay: UInt64) -> AppAuthSnapshot.Principal { .init(address: timelock, codeSize: 3000, minDelay: delay) }
    static func safeOwner(_ t: UInt64, _ n: Int) -> AppAuthSnapshot.Principal {
        .init(address: safe, codeSize: 170, threshold: t, owners: (0..<n).map { _ in eoa })
    }
    static let zeroOwner = AppAuthSnapshot.Principal(address: .zero)

    static func dstackApp(owner: AppAuthSnapshot.Principal?, hashes: [Bytes] = [h1]) -> AppAuthSnapshot {
        AppAuthSnapshot(app: app, chainId: 1337, block: block, codeSize: 400,
                        proxy: .init(implementation: impl, implementationCodeSize: 9000),
                        interfaces: [AppAuthABI.iAppAuth: true, AppAuthABI.iAppAuthBasicManagement: true, AppAuthABI.iERC165: true],
                        selectors: dstackSelectors, owner: owner, pendingOwner: .init(address: .zero),
                        allowAnyDevice: false, requireTcbUpToDate: true, version: 2, upgradesDisabledEvent: false,
                        history: .init(fromBlock: 1, toBlock: 100, events: []),
                        allowedHashes: hashes.map { .init(hash: $0, source: .event, block: 5) }, allowedHashesComplete: true)
    }

    static func timelockApp(notice: UInt64, owner: AppAuthSnapshot.Principal? = eoaOwner(),
                            proposals: [AppAuthSnapshot.Proposal] = []) -> AppAuthSnapshot {
        AppAuthSnapshot(app: app, chainId: 1337, block: block, codeSize: 3000, selectors: timelockSelectors,
                        owner: owner, noticePeriod: notice, allowAnyDevice: true,
                        history: .init(fromBlock: 1, toBlock: 100, events: []),
                        allowedHashes: [.init(hash: h1, source: .creation)], allowedHashesComplete: true, proposals: proposals)
    }

    static var policy: AppAuthPolicy { AppAuthPolicy() }
}

@Suite("appauth: judgement")
struct AppAuthJudgeTests {
    func judge(_ s: AppAuthSnapshot, _ p: AppAuthPolicy = Snap.policy) -> Report { AppAuth.judge(s, p) }

    // MARK: kind

    @Test func classifiesDstackAppBehindProxy() {
        let r = judge(Snap.dstackApp(owner: Snap.eoaOwner()))
        #expect(r.check("appauth.kind")?.status == .pass)
        #expect(r.check("appauth.kind")?.summary.contains("ERC-1967 proxy") == true)
        #expect(r.fact("kind") == .string("dstack-app"))
        #expect(r.fact("proxy") == .bool(true))
    }

    @Test func classifiesTimelockAppAuthBySelectors() {
        let r = judge(Snap.timelockApp(notice: 8 * 86400))
        #expect(r.fact("kind") == .string("timelock-app-auth"))
        #expect(r.check("appauth.kind")?.status == .pass)
    }

    @Test func unknownKindWarnsAndIsNeverPassedOnNotice() {
        var s = Snap.timelockApp(notice: 30 * 86400)
        s.selectors = Snap.sel([.isAppAllowed, .allowedComposeHashes, .owner])
        let r = judge(s)
        #expect(r.fact("kind") == .string("unknown"))
        #expect(r.check("appauth.kind")?.status == .warn)
        #expect(r.check("appauth.notice_period")?.status == .skip)
        #expect(r.verdict == .inconclusive)
    }

    @Test func erc165DenialMakesLookAlikeUnknown() {
        var s = Snap.dstackApp(owner: Snap.timelockOwner(30 * 86400))
        s.interfaces[AppAuthABI.iAppAuthBasicManagement] = false
        #expect(AppAuth.classify(s).kind == .unknown)
    }

    @Test func timelockTemplateWithAddComposeHashIsNotTheTemplate() {
        var s = Snap.timelockApp(notice: 30 * 86400)
        s.selectors.insert(AppAuthABI.Function.addComposeHash.selectorHex)
        let r = judge(s)
        #expect(r.fact("kind") == .string("unknown"))
        // The EOA owner can add instantly: a known failing path beats the unknown ones.
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.instant_path")?.status == .fail)
    }

    @Test func noCodeFailsExists() {
        var s = Snap.dstackApp(owner: nil)
        s.codeSize = 0
        let r = judge(s)
        #expect(r.check("appauth.exists")?.status == .fail)
        #expect(r.verdict == .fail)
    }

    // MARK: notice / instant paths

    @Test func eoaOwnedDstackAppFailsNoticeAndInstant() {
        let r = judge(Snap.dstackApp(owner: Snap.eoaOwner()))
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.instant_path")?.status == .fail)
        #expect(r.fact("notice_seconds") == .int(0))
        let ids = r.fact("instant_paths")?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(ids.contains("add-compose-hash"))
        #expect(ids.contains("proxy-upgrade"))
        #expect(r.fact("owner_kind") == .string("eoa"))
        #expect(r.verdict == .fail)
    }

    @Test func safeOwnerIsInstantToo() {
        let r = judge(Snap.dstackApp(owner: Snap.safeOwner(2, 3)))
        #expect(r.fact("owner_kind") == .string("safe"))
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.owner")?.summary.contains("threshold 2 of 3") == true)
        #expect(r.check("appauth.owner")?.status == .info)
        let single = judge(Snap.dstackApp(owner: Snap.safeOwner(1, 1)))
        #expect(single.check("appauth.owner")?.status == .warn)
    }

    @Test func longTimelockOwnerPasses() {
        let r = judge(Snap.dstackApp(owner: Snap.timelockOwner(14 * 86400)))
        #expect(r.check("appauth.notice_period")?.status == .pass)
        #expect(r.check("appauth.instant_path")?.status == .pass)
        #expect(r.fact("notice_seconds") == .int(14 * 86400))
        #expect(r.verdict == .pass)
    }

    @Test func shortTimelockOwnerFailsNoticeButHasNoInstantPath() {
        let r = judge(Snap.dstackApp(owner: Snap.timelockOwner(3600)))
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.notice_period")?.summary.contains("1h") == true)
        #expect(r.check("appauth.instant_path")?.status == .pass)
    }

    @Test func minNoticeIsThePolicy() {
        var p = Snap.policy
        p.minNotice = 3600
        #expect(judge(Snap.dstackApp(owner: Snap.timelockOwner(3600)), p).check("appauth.notice_period")?.status == .pass)
        p.minNotice = 3601
        #expect(judge(Snap.dstackApp(owner: Snap.timelockOwner(3600)), p).check("appauth.notice_period")?.status == .fail)
    }

    @Test func timelockWhoseDelayOthersCanChangeIsInstant() {
        var o = Snap.timelockOwner(30 * 86400)
        o.delayChangeableByOthers = true
        let r = judge(Snap.dstackApp(owner: o))
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.check("appauth.owner")?.status == .warn)
    }

    @Test func renouncedOwnerFreezesTheApp() {
        let r = judge(Snap.dstackApp(owner: Snap.zeroOwner))
        #expect(r.fact("owner_kind") == .string("zero-address"))
        #expect(r.check("appauth.notice_period")?.status == .pass)
        #expect(r.check("appauth.notice_period")?.summary.contains("no one") == true)
        #expect(r.check("appauth.instant_path")?.status == .pass)
        #expect(r.fact("notice_seconds") == .string("never"))
    }

    @Test func renouncedOwnerButTransparentAdminIsNotFrozen() {
        var s = Snap.dstackApp(owner: Snap.zeroOwner)
        s.proxy.admin = Snap.eoa2
        s.proxyAdmin = Snap.eoaOwner(Snap.eoa2)
        let r = judge(s)
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.fact("instant_paths") == .strings(["proxy-admin-upgrade"]))
    }

    @Test func unclassifiedProxyAdminIsInconclusive() {
        var s = Snap.dstackApp(owner: Snap.timelockOwner(30 * 86400))
        s.proxy.admin = Snap.eoa2
        s.proxyAdmin = .init(address: Snap.eoa2, codeSize: 500)
        #expect(judge(s).check("appauth.notice_period")?.status == .skip)
    }

    @Test func pendingOwnerEOAUndoesTheTimelock() {
        var s = Snap.dstackApp(owner: Snap.timelockOwner(30 * 86400))
        s.pendingOwner = Snap.eoaOwner(Snap.eoa2)
        let r = judge(s)
        #expect(r.check("appauth.owner")?.status == .warn)
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.fact("instant_paths") == .strings(["pending-owner"]))
        #expect(r.fact("pending_owner") == .string(Snap.eoa2.description))
    }

    @Test func upgradesDisabledClosesOnlyTheUpgradePath() {
        var s = Snap.dstackApp(owner: Snap.eoaOwner())
        s.upgradesDisabledEvent = true
        let r = judge(s)
        // Finding 9: disableUpgrades does not freeze the compose allowlist.
        #expect(r.check("appauth.notice_period")?.status == .fail)
        #expect(r.fact("instant_paths") == .strings(["add-compose-hash"]))
        #expect(r.check("appauth.upgrades_disabled")?.summary.contains("does not freeze") == true)
        #expect(r.fact("upgrades_disabled") == .bool(true))
    }

    @Test func revertedSimulationClosesPathOnlyOnKnownTemplates() {
        var s = Snap.dstackApp(owner: Snap.eoaOwner())
        s.upgradesDisabledEvent = nil
        s.simulations = [.init(name: "upgradeToAndCall", from: Snap.eoa, to: Snap.app, succeeded: false, revertReason: "disabled")]
        #expect(judge(s).fact("instant_paths") == .strings(["add-compose-hash"]))
    }

    @Test func unknownOwnerContractIsInconclusive() {
        let r = judge(Snap.dstackApp(owner: .init(address: Snap.timelock, codeSize: 1200)))
        #expect(r.fact("owner_kind") == .string("unknown-contract"))
        #expect(r.check("appauth.notice_period")?.status == .skip)
        #expect(r.check("appauth.instant_path")?.status == .skip)
        #expect(r.verdict == .inconclusive)
    }

    @Test func missingOwnerAnswerIsInconclusive() {
        let r = judge(Snap.dstackApp(owner: nil))
        #expect(r.check("appauth.owner")?.status == .warn)
        #expect(r.check("appauth.notice_period")?.status == .skip)
    }

    @Test func eip7702DelegatedOwnerIsAnEOA() {
        let o = AppAuthSnapshot.Principal(address: Snap.eoa, codeSize: 23, delegatesTo: Snap.impl)
        #expect(o.kind == .eoa)
        #expect(judge(Snap.dstackApp(owner: o)).check("appauth.notice_period")?.status == .fail)
    }

    @Test func timelockAppAuthNoticeAgainstMinimum() {
        #expect(judge(Snap.timelockApp(notice: 8 * 86400)).check("appauth.notice_period")?.status == .pass)
        // Removing a hash or cancelling a proposal stays instant for the EOA owner: reported, not a code path.
        let c = judge(Snap.timelockApp(notice: 8 * 86400)).check("appauth.instant_path")
        #expect(c?.status == .pass)
        #expect(c?.details["instant_policy_changes"] == .strings(["removeComposeHash", "cancelProposal"]))
        let short = judge(Snap.timelockApp(notice: 120))
        #expect(short.check("appauth.notice_period")?.status == .fail)
        #expect(short.check("appauth.instant_path")?.status == .pass) // 120 s is short, not instant
        #expect(short.fact("notice_seconds") == .int(120))
    }

    @Test func timelockAppAuthOwnedByTimelockAddsDelays() {
        let r = judge(Snap.timelockApp(notice: 4 * 86400, owner: Snap.timelockOwner(4 * 86400)))
        #expect(r.fact("notice_seconds") == .int(8 * 86400))
        #expect(r.check("appauth.notice_period")?.status == .pass)
    }

    @Test func noticeSetterIsAnInstantPath() {
        var s = Snap.timelockApp(notice: 30 * 86400)
        s.selectors.insert(AppAuthABI.Function.setNoticePeriod.selectorHex)
        let r = judge(s)
        #expect(r.fact("instant_paths") == .strings(["shorten-notice"]))
        #expect(r.check("appauth.notice_period")?.status == .fail)
    }

    @Test func renouncedTimelockAppAuthIsFrozen() {
        let r = judge(Snap.timelockApp(notice: 120, owner: Snap.zeroOwner))
        #expect(r.check("appauth.notice_period")?.status == .pass)
    }

    // MARK: pending

    @Test func pendingProposalNotYetActivatable() {
        let t = Snap.block.timestamp
        let r = judge(Snap.timelockApp(notice: 8 * 86400, proposals: [.init(hash: Snap.h2, proposedAt: t - 100, activatesAt: t + 86400)]))
        let c = r.check("appauth.pending")
        #expect(c?.status == .info)
        #expect(c?.summary.contains("1d") == true)
        #expect(r.fact("pending")?.arrayValue?.first?["activatable"] == .bool(false))
        #expect(r.fact("pending")?.arrayValue?.first?["activates_at"] == .int(t + 86400))
    }

    @Test func pendingProposalActivatableWithNowOrLaterBlock() {
        let t = Snap.block.timestamp
        let s = Snap.timelockApp(notice: 8 * 86400, proposals: [.init(hash: Snap.h2, proposedAt: t - 100, activatesAt: t + 86400)])
        var p = Snap.policy
        p.now = t + 86400
        let r = judge(s, p)
        #expect(r.check("appauth.pending")?.status == .warn)
        #expect(r.check("appauth.pending")?.summary.contains("(by anyone) activatable since") == true)
        #expect(r.fact("pending")?.arrayValue?.first?["activatable"] == .bool(true))
    }

    @Test func staleProposalIsFlagged() {
        let t = Snap.block.timestamp
        let s = Snap.timelockApp(notice: 8 * 86400, proposals: [.init(hash: Snap.h2, proposedAt: t - 400 * 86400, activatesAt: t - 392 * 86400)])
        let c = judge(s).check("appauth.pending")
        #expect(c?.status == .warn)
        #expect(c?.summary.contains("never expire") == true)
    }

    @Test func noPendingProposals() {
        #expect(judge(Snap.timelockApp(notice: 8 * 86400)).check("appauth.pending")?.status == .info)
        var s = Snap.timelockApp(notice: 8 * 86400)
        s.history = nil
        #expect(judge(s).check("appauth.pending")?.status == .skip)
        #expect(judge(s).verdict == .pass) // not required
        #expect(judge(Snap.dstackApp(owner: Snap.zeroOwner)).check("appauth.pending")?.summary.contains("no proposal mechanism") == true)
    }

    // MARK: hashes, devices, tcb, running

    @Test func oneAllowedHashPasses() {
        #expect(judge(Snap.dstackApp(owner: Snap.zeroOwner)).check("appauth.allowed_hashes")?.status == .pass)
    }

    @Test func twoAllowedHashesWarnByDefaultFailOnRequest() {
        let s = Snap.dstackApp(owner: Snap.zeroOwner, hashes: [Snap.h1, Snap.h2])
        let r = judge(s)
        #expect(r.check("appauth.allowed_hashes")?.status == .warn)
        #expect(r.verdict == .pass)
        #expect(r.fact("allowed_hashes") == .strings([Snap.h1.hex0x, Snap.h2.hex0x]))
        var p = Snap.policy
        p.failOnMultipleHashes = true
        #expect(judge(s, p).check("appauth.allowed_hashes")?.status == .fail)
        #expect(judge(s, p).verdict == .fail)
    }

    @Test func incompleteEnumerationIsNeverAPass() {
        var s = Snap.dstackApp(owner: Snap.zeroOwner)
        s.allowedHashesComplete = false
        let c = judge(s).check("appauth.allowed_hashes")
        #expect(c?.status == .warn)
        #expect(c?.summary.contains("at least") == true)
    }

    @Test func noAllowedHash() {
        #expect(judge(Snap.dstackApp(owner: Snap.zeroOwner, hashes: [])).check("appauth.allowed_hashes")?.status == .warn)
    }

    @Test func devicesAndTcb() {
        let d = judge(Snap.dstackApp(owner: Snap.zeroOwner))
        #expect(d.check("appauth.devices")?.status == .info)
        #expect(d.check("appauth.tcb_required")?.status == .pass)
        let t = judge(Snap.timelockApp(notice: 8 * 86400))
        #expect(t.check("appauth.devices")?.summary.contains("any device") == true)
        #expect(t.check("appauth.tcb_required")?.status == .warn)
        var off = Snap.dstackApp(owner: Snap.zeroOwner)
        off.requireTcbUpToDate = false
        #expect(judge(off).check("appauth.tcb_required")?.status == .warn)
        #expect(judge(off).fact("require_tcb_up_to_date") == .bool(false))
    }

    @Test func runningHashAllowedOrNot() {
        var s = Snap.dstackApp(owner: Snap.zeroOwner)
        #expect(judge(s).check("appauth.running_allowed")?.status == .info)
        #expect(judge(s).verdict == .pass)
        s.runningHash = Snap.h1; s.runningHashAllowed = true
        #expect(judge(s).check("appauth.running_allowed")?.status == .pass)
        s.runningHash = Snap.h3; s.runningHashAllowed = false
        #expect(judge(s).check("appauth.running_allowed")?.status == .fail)
        #expect(judge(s).verdict == .fail)
        s.runningHashAllowed = nil
        #expect(judge(s).verdict == .inconclusive)
    }

    @Test func runningHashFromAFailedAttestOrAnotherApp() {
        var s = Snap.dstackApp(owner: Snap.zeroOwner)
        s.runningHash = Snap.h1; s.runningHashAllowed = true
        var p = Snap.policy
        p.attestVerdict = "fail"
        #expect(judge(s, p).check("appauth.running_allowed")?.status == .warn)
        p.attestVerdict = "pass"
        p.attestAppId = Snap.eoa
        #expect(judge(s, p).check("appauth.running_allowed")?.status == .fail)
    }

    @Test func factsCarryWhatStageNeeds() {
        let r = judge(Snap.dstackApp(owner: Snap.timelockOwner(14 * 86400)))
        for k in ["kind", "owner", "owner_kind", "notice_seconds", "instant_paths", "allowed_hashes", "pending",
                  "upgrades_disabled", "allow_any_device", "require_tcb_up_to_date", "block_number", "block_hash", "chain_id"] {
            #expect(r.fact(k) != nil, "missing fact \(k)")
        }
        #expect(r.fact("chain_id") == .int(1337))
    }
}

@Suite("appauth: durations and ABI")
struct AppAuthInputTests {
    @Test(arguments: [("7d", Int64(604_800)), ("36h", 129_600), ("3600", 3600), ("1d12h", 129_600), ("90m", 5400),
                      ("2w", 1_209_600), ("30s", 30), ("0", 0), (" 7D ", 604_800)])
    func durations(_ t: String, _ v: Int64) throws { #expect(try DurationInput.parse(t) == v) }

    @Test(arguments: ["", "7x", "d", "-5", "7d3", "1.5h", "99999999999999999999d"])
    func badDurations(_ t: String) {
        #expect(throws: DevProofError.self) { try DurationInput.parse(t) }
    }

    @Test func formatDurations() {
        #expect(DurationInput.format(604_800) == "7d")
        #expect(DurationInput.format(129_600) == "1d 12h")
        #expect(DurationInput.format(0) == "0s")
        #expect(DurationInput.format(125) == "2m 5s")
    }

    /// Values from dstack-formats.md Appendix A and tutorial.md §2.6/§9.
    @Test func selectorsAndTopicsMatchTheSpec() {
        let expected: [(AppAuthABI.Function, String)] = [
            (.allowedComposeHashes, "0x2f6622e5"), (.allowedDeviceIds, "0xbf8b211b"), (.allowAnyDevice, "0x3440a16a"),
            (.requireTcbUpToDate, "0x0aa58c83"), (.owner, "0x8da5cb5b"), (.pendingOwner, "0xe30c3978"), (.version, "0x54fd4d50"),
            (.supportsInterface, "0x01ffc9a7"), (.isAppAllowed, "0x1e079198"), (.addComposeHash, "0xdfc77223"),
            (.removeComposeHash, "0x67b3f22c"), (.disableUpgrades, "0xec669036"), (.addDevice, "0x2a819728"),
            (.setAllowAnyDevice, "0x7c4beeb8"), (.upgradeToAndCall, "0x4f1ef286"), (.proxiableUUID, "0x52d1902d"),
            (.noticePeriod, "0x9b14d4c6"), (.proposedAt, "0x7c9fb258"), (.activatesAt, "0xa6e38615"),
            (.proposeComposeHash, "0xdc04e893"), (.activateComposeHash, "0x28e7654f"), (.cancelProposal, "0x37376ca8"),
            (.getThreshold, "0xe75235b8"), (.getOwners, "0xa0e67e2b"), (.getMinDelay, "0xf27a0c92"), (.hasRole, "0x91d14854"),
            (.transferOwnership, "0xf2fde38b"), (.acceptOwnership, "0x79ba5097"),
        ]
        for (f, hex) in expected { #expect(f.selectorHex == hex, "\(f.rawValue)") }
        let topics: [(AppAuthABI.Event, String)] = [
            (.composeHashAdded, "fecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af"),
            (.composeHashRemoved, "755b79bd4b0eeab344d032284a99003b2ddc018b646752ac72d681593a6e8947"),
            (.upgradesDisabled, "0e5daa943fcd7e7182d0e893d180695c2ea9f6f1b4a1c5432faf14cf17b774e8"),
            (.policyChanged, "341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c32375"),
            (.composeHashProposed, "2b3ff6b39f4956cfa375c9a4b597368184735cb754b210fd1000453de9950cdc"),
            (.composeHashActivated, "5e36a46d8be30f7baf6cdf6b16d611fdc8150e8b0c9e1cd83711c0e324f9ddc3"),
            (.composeHashCancelled, "7bf67ea6551aca0d94f47c8207ab7409f440a4e8471024acea4cd1245437490a"),
            (.ownershipTransferStarted, "38d16b8cac22d99fc7c124b9cd0de2d3fa1faef420bfe791d8c362d765e22700"),
        ]
        for (e, hex) in topics { #expect(e.topic.hex == hex, "\(e.rawValue)") }
        #expect(AppAuthABI.policyTag("compose-hash").hex == "56bdf4352a9ceb1ba8f5c68066725c095e69c1d3f8a437290f0ac1da8fb4e19c")
        #expect(AppAuthABI.policyTag("upgrades-disabled").hex == "f6943036509aad7f2319e01f7ed528873bcbdaaf6d25921b03e395124e6a46d3")
        // ERC-1967 slots are keccak("eip1967.proxy.<x>") - 1.
        for (name, slot) in [("implementation", AppAuthABI.implementationSlot), ("admin", AppAuthABI.adminSlot), ("beacon", AppAuthABI.beaconSlot)] {
            var k = Keccak.keccak256(Array("eip1967.proxy.\(name)".utf8))
            var i = 31
            while k[i] == 0 { k[i] = 0xff; i -= 1 }
            k[i] -= 1
            #expect(k == slot, "\(name)")
        }
    }

    @Test func selectorScan() {
        let add = AppAuthABI.Function.addComposeHash.selector
        let code: Bytes = [0x60, 0x80, 0x63] + add + [0x14, 0x57]
        #expect(AppAuthABI.selectorsPresent(in: code) == [AppAuthABI.Function.addComposeHash.selectorHex])
        #expect(AppAuthABI.selectorsPresent(in: [0x63, 0xdf, 0xc7, 0x72]).isEmpty)
        #expect(AppAuthABI.selectorsPresent(in: []).isEmpty)
    }

    @Test func eip7702Designator() throws {
        let target = try Address("0x00000000000000000000000000000000000000aa")
        #expect(AppAuthABI.delegation(in: [0xef, 0x01, 0x00] + target.bytes) == target)
        #expect(AppAuthABI.delegation(in: [0xef, 0x01, 0x01] + target.bytes) == nil)
        #expect(AppAuthABI.delegation(in: [0x60, 0x80]) == nil)
    }
}

@Suite("appauth: timelock-owner operations")
struct AppAuthScheduledTests {
    @Test func scheduledAddOnOwnerTimelockIsReported() {
        let t = Snap.block.timestamp
        var s = Snap.dstackApp(owner: Snap.timelockOwner(14 * 86400))
        s.scheduled = [.init(id: Bytes(repeating: 0x77, count: 32), target: Snap.app, function: "addComposeHash",
                             argument: Snap.h2, readyAt: t + 3600, scheduledBlock: 90)]
        let r = AppAuth.judge(s, Snap.policy)
        #expect(r.check("appauth.pending")?.status == .info)
        #expect(r.check("appauth.pending")?.summary.contains("addComposeHash") == true)
        #expect(r.fact("pending")?.arrayValue?.first?["hash"] == .string(Snap.h2.hex0x))
        var p = Snap.policy
        p.now = t + 3600
        #expect(AppAuth.judge(s, p).check("appauth.pending")?.status == .warn)
    }

    @Test func noScheduledOperation() {
        let r = AppAuth.judge(Snap.dstackApp(owner: Snap.timelockOwner(14 * 86400)), Snap.policy)
        #expect(r.check("appauth.pending")?.summary.contains("no pending operation") == true)
    }
}

@Suite("appauth: options and attest reports")
struct AppAuthOptionTests {
    func report(_ facts: String, verdict: String = "pass", command: String = "attest") throws -> JSONValue {
        try JSONParser.parse("{\"schema\":\"devproof.report/v1\",\"command\":\"\(command)\",\"verdict\":\"\(verdict)\",\"checks\":[],\"facts\":{\(facts)}}")
    }

    @Test func readsComposeHashAndAppId() throws {
        let facts = "\"app_id\":\"\(String(repeating: "ab", count: 20))\",\"compose_hash\":\"\(String(repeating: "11", count: 32))\""
        let c = try AppAuth.attestClaim(try report(facts), "r.json")
        #expect(c.composeHash == Bytes(repeating: 0x11, count: 32))
        #expect(c.appId == (try Address(String(repeating: "ab", count: 20))))
        #expect(c.verdict == "pass")
        // A failed or inconclusive attestation establishes nothing: an input error (exit 2), not a claim.
        for v in ["fail", "inconclusive"] {
            do { _ = try AppAuth.attestClaim(try report(facts, verdict: v), "r.json"); Issue.record("accepted a \(v) report") }
            catch let e as DevProofError {
                guard case .usage(let m) = e else { Issue.record("wrong category \(e)"); continue }
                #expect(m.contains("verdict is \(v)"))
            }
        }
    }

    @Test func rejectsWhatIsNotAnAttestReport() throws {
        #expect(throws: DevProofError.self) { try AppAuth.attestClaim(try report("\"compose_hash\":\"\(String(repeating: "11", count: 32))\"", command: "keys"), "r.json") }
        #expect(throws: DevProofError.self) { try AppAuth.attestClaim(try report(""), "r.json") }
        #expect(throws: DevProofError.self) { try AppAuth.attestClaim(try report("\"compose_hash\":null"), "r.json") }
        #expect(throws: DevProofError.self) { try AppAuth.attestClaim(try report("\"compose_hash\":\"1234\""), "r.json") }
        #expect(throws: DevProofError.self) {
            try AppAuth.attestClaim(try report("\"compose_hash\":\"\(String(repeating: "11", count: 32))\",\"app_id\":\"zz\""), "r.json")
        }
    }

    @Test func usageErrorsBeforeAnyNetwork() {
        func run(_ f: (inout AppAuthOptions) -> Void) -> DevProofError? {
            var o = AppAuthOptions()
            o.app = "0x00000000000000000000000000000000000a9900".addressValue
            o.rpc.urls = ["http://127.0.0.1:1"]
            f(&o)
            do { _ = try AppAuth.run(o); return nil } catch let e as DevProofError { return e } catch { return nil }
        }
        #expect(run { $0.app = nil }?.exitCode == 2)
        // --app and --min-notice are parsed at the CLI edge; their parsers give usage errors (exit 2).
        #expect(throws: DevProofError.self) { try Address(flag: "--app", "0x1234") }
        if case .usage = (try? DurationInput.parse("soon")).map({ _ in DevProofError.malformed("parsed") }) ?? .usage("") {} else { Issue.record("duration") }
        #expect(run { $0.rpc.urls = [] }?.exitCode == 2)
        #expect(run { $0.composeHash = "0x12" }?.exitCode == 2)
        #expect(run { $0.composeHash = Bytes(repeating: 1, count: 32).hex; $0.fromAttest = "/x" }?.exitCode == 2)
        #expect(run { $0.fromAttest = "/nonexistent/attest.json" }?.exitCode == 2)
        // --block is parsed once, at the CLI edge (BlockSelector); a bad one is a usage error.
        #expect(throws: DevProofError.usage("--block 'yesterday' must be a number, NUMBER:HASH, latest, safe or finalized")) { try BlockSelector(parsing: "yesterday") }
        #expect(run { $0.rpc.quorum = 3 }?.exitCode == 2)
    }
}
