import DevProofCore
import DstackChain
import EVM

/// Policy inputs of `devproof appauth` (everything that is not chain evidence).
public struct AppAuthPolicy: Sendable, Equatable {
    /// Minimum notice (seconds) every path to new code must wait. Default 7 days.
    public var minNotice: Int64 = 7 * 86400
    /// Evaluation time (`--now`); nil = the pinned block's timestamp.
    public var now: Int64?
    /// Fail (instead of warn) when more than one compose hash is allowed.
    public var failOnMultipleHashes = false
    /// Pending proposals older than this are flagged: they never expire.
    public var staleProposalAge: Int64 = 30 * 86400
    /// Where the running compose hash came from ("--compose-hash", "attest report r.json").
    public var runningSource: String?
    /// Verdict of the attest report the running hash came from (nil: not from a report).
    public var attestVerdict: String?
    /// app_id claimed by the attest report (checked against the audited contract).
    public var attestAppId: Address?

    public init() {}
}

/// What kind of AppAuth contract the app is.
public enum AppAuthKind: String, Sendable, Equatable {
    case dstackApp = "dstack-app"
    case timelockAppAuth = "timelock-app-auth"
    case unknown
}

/// How long a change must be announced before it takes effect.
public enum NoticeDelay: Sendable, Equatable {
    case seconds(Int64)
    /// No one can take this path (e.g. the owner is the zero address).
    case never
    case unknown(String)

    static func + (a: NoticeDelay, b: NoticeDelay) -> NoticeDelay {
        switch (a, b) {
        case (.never, _), (_, .never): return .never
        case (.unknown(let r), _), (_, .unknown(let r)): return .unknown(r)
        case (.seconds(let x), .seconds(let y)): return .seconds(x.addingReportingOverflow(y).overflow ? Int64.max : x + y)
        }
    }

    var json: JSONValue {
        switch self {
        case .seconds(let s): return .int(s)
        case .never: return .string("never")
        case .unknown: return .null
        }
    }
    var text: String {
        switch self {
        case .seconds(let s): return s == 0 ? "instant" : DurationInput.format(s)
        case .never: return "never (no one can take it)"
        case .unknown(let r): return "unknown (\(r))"
        }
    }
}

/// One way the code an app runs can change (a hash becomes allowed, or the contract's code is replaced).
public struct ChangePath: Sendable, Equatable {
    public var id: String
    public var summary: String
    public var delay: NoticeDelay
    public var evidence: [String]

    var json: JSONValue {
        .obj([("id", .string(id)), ("summary", .string(summary)), ("delay_seconds", delay.json),
              ("delay", .string(delay.text)), ("evidence", .strings(evidence))])
    }
}

/// `devproof appauth`: pure judgement of an `AppAuthSnapshot` (no I/O).
public enum AppAuth {
    // MARK: classification

    public static func classify(_ s: AppAuthSnapshot) -> (kind: AppAuthKind, evidence: [String]) {
        var ev = [String]()
        let dstackSelectors: [AppAuthABI.Function] = [.isAppAllowed, .allowedComposeHashes, .addComposeHash, .removeComposeHash]
        let timelockSelectors: [AppAuthABI.Function] = [.isAppAllowed, .allowedComposeHashes, .noticePeriod,
                                                         .proposeComposeHash, .activateComposeHash]
        let iApp = s.supports(AppAuthABI.iAppAuth), iMgmt = s.supports(AppAuthABI.iAppAuthBasicManagement)
        if let iApp { ev.append("supportsInterface(IAppAuth \(AppAuthABI.iAppAuth)) = \(iApp)") }
        if let iMgmt { ev.append("supportsInterface(IAppAuthBasicManagement \(AppAuthABI.iAppAuthBasicManagement)) = \(iMgmt)") }
        if iApp == nil && iMgmt == nil { ev.append("supportsInterface: no answer") }
        func present(_ fs: [AppAuthABI.Function]) -> Bool { fs.allSatisfy { s.has($0) } }
        func missing(_ fs: [AppAuthABI.Function]) -> [String] { fs.filter { !s.has($0) }.map(\.name) }

        if present(dstackSelectors) {
            ev.append("code has isAppAllowed, allowedComposeHashes, addComposeHash, removeComposeHash")
            if iApp == false || iMgmt == false {
                ev.append("but ERC-165 denies a DstackApp interface: inconsistent, treated as unknown")
                return (.unknown, ev)
            }
            if s.has(.proposeComposeHash) { ev.append("also has proposeComposeHash (a hybrid): treated as unknown"); return (.unknown, ev) }
            if iApp == nil { ev.append("no ERC-165 answer (pre-ERC-165 DstackApp or a look-alike)") }
            return (.dstackApp, ev)
        }
        if present(timelockSelectors) {
            ev.append("code has isAppAllowed, allowedComposeHashes, noticePeriod, proposeComposeHash, activateComposeHash, no addComposeHash")
            if iMgmt == true { ev.append("but claims IAppAuthBasicManagement (which includes addComposeHash): treated as unknown"); return (.unknown, ev) }
            return (.timelockAppAuth, ev)
        }
        if !s.has(.isAppAllowed) { ev.append("code has no isAppAllowed: the KMS cannot use it as an AppAuth") }
        ev.append("not a known template: missing \(missing(dstackSelectors).joined(separator: ", ")) (DstackApp) and "
                  + "\(missing(timelockSelectors).joined(separator: ", ")) (TimelockAppAuth)")
        return (.unknown, ev)
    }

    // MARK: governance

    static func describe(_ p: AppAuthSnapshot.Principal) -> String {
        switch p.kind {
        case .renounced: return "the zero address (renounced)"
        case .eoa:
            if let d = p.delegatesTo { return "\(p.address), an EOA delegating its code to \(d) (EIP-7702)" }
            return "\(p.address), an EOA (no code)"
        case .timelock: return "\(p.address), a TimelockController-like contract (getMinDelay = \(DurationInput.format(Int64(clamping: p.minDelay ?? 0))))"
        case .safe: return "\(p.address), a Safe-like multisig (threshold \(p.threshold ?? 0) of \(p.owners?.count ?? 0))"
        case .contract: return "\(p.address), a contract of unknown kind (\(p.codeSize) bytes; no getMinDelay, no getThreshold/getOwners)"
        }
    }

    /// The notice an account gives before it acts.
    static func delay(of p: AppAuthSnapshot.Principal?, _ role: String) -> NoticeDelay {
        guard let p else { return .unknown("\(role) not readable") }
        switch p.kind {
        case .renounced: return .never
        case .eoa, .safe: return .seconds(0)
        case .timelock:
            if p.delayChangeableByOthers == true { return .seconds(0) }
            return .seconds(Int64(clamping: p.minDelay ?? 0))
        case .contract: return .unknown("\(role) \(p.address) is a contract of unknown kind")
        }
    }

    /// Every way the app's code can change, with the notice each gives.
    public static func changePaths(_ s: AppAuthSnapshot, kind: AppAuthKind) -> (open: [ChangePath], closed: [ChangePath]) {
        var open = [ChangePath](), closed = [ChangePath]()
        let ownerDelay = delay(of: s.owner, "owner")
        let ownerText = s.owner.map { "owner " + describe($0) } ?? "owner (owner() did not answer)"
        let known = kind != .unknown
        func simEvidence(_ name: String) -> [String] {
            guard let sim = s.simulation(name) else { return [] }
            return ["simulated \(name) from \(sim.from) at block \(s.block.number): "
                    + (sim.succeeded ? "succeeded" : "reverted" + (sim.revertReason.map { " (\($0))" } ?? ""))]
        }
        /// A reverted simulation closes a path only on a known template (whose revert conditions are known).
        func closedBySimulation(_ name: String) -> Bool { known && s.simulation(name)?.succeeded == false }
        var ownerIntrinsic = [NoticeDelay]()

        if s.has(.addComposeHash) {
            var p = ChangePath(id: "add-compose-hash",
                               summary: "\(ownerText) calls addComposeHash: the new hash is allowed in the same transaction",
                               delay: ownerDelay, evidence: ["addComposeHash \(AppAuthABI.Function.addComposeHash.selectorHex) in the code"] + simEvidence("addComposeHash"))
            if closedBySimulation("addComposeHash") { p.summary = "addComposeHash reverts for the owner"; closed.append(p) } else {
                open.append(p); ownerIntrinsic.append(.seconds(0))
            }
        }
        if s.has(.proposeComposeHash) && s.has(.activateComposeHash) {
            let np: NoticeDelay = s.noticePeriod.map { .seconds(Int64(clamping: $0)) } ?? .unknown("noticePeriod() did not answer")
            open.append(ChangePath(id: "propose-activate",
                                   summary: "\(ownerText) proposes a hash; anyone activates it after noticePeriod "
                                       + "(\(s.noticePeriod.map { DurationInput.format(Int64(clamping: $0)) } ?? "unknown"))",
                                   delay: ownerDelay + np,
                                   evidence: ["proposeComposeHash/activateComposeHash in the code",
                                              "noticePeriod() = \(s.noticePeriod.map(String.init) ?? "no answer")"]))
            ownerIntrinsic.append(np)
            let setters: [AppAuthABI.Function] = [.setNoticePeriod, .updateNoticePeriod, .setDelay, .updateDelay]
            for f in setters where s.has(f) {
                let p = ChangePath(id: "shorten-notice",
                                   summary: "\(ownerText) calls \(f.name) to shorten the notice, then proposes and activates",
                                   delay: ownerDelay, evidence: ["\(f.rawValue) \(f.selectorHex) in the code"] + simEvidence(f.name))
                if closedBySimulation(f.name) { closed.append(p) } else {
                    open.append(p); ownerIntrinsic.append(.seconds(0))
                }
            }
        }
        if s.proxy.implementation != nil {
            let impl = s.proxy.implementation.map(\.description) ?? "?"
            if s.has(.upgradeToAndCall) || s.has(.upgradeTo) {
                var p = ChangePath(id: "proxy-upgrade",
                                   summary: "\(ownerText) calls upgradeToAndCall on the ERC-1967 proxy: replaces all of the contract's code",
                                   delay: ownerDelay,
                                   evidence: ["ERC-1967 implementation slot = \(impl)", "upgradeToAndCall/upgradeTo in the code"]
                                       + simEvidence("upgradeToAndCall"))
                let disabledByEvent = s.upgradesDisabledEvent == true, disabledBySlot = s.upgradesDisabledStorage == true
                if kind == .dstackApp && (disabledByEvent || disabledBySlot) {
                    p.summary = "UUPS upgrades disabled (DstackApp.disableUpgrades is irreversible)"
                    p.evidence.append(disabledByEvent ? "UpgradesDisabled event in the logs" : "storage slot 1 byte 0 = 1")
                    closed.append(p)
                } else if closedBySimulation("upgradeToAndCall") {
                    p.summary = "upgradeToAndCall reverts for the owner"; closed.append(p)
                } else {
                    if !known { p.evidence.append("unknown kind: who may upgrade is assumed to be the owner") }
                    open.append(p); ownerIntrinsic.append(.seconds(0))
                }
            }
            if let admin = s.proxy.admin {
                open.append(ChangePath(id: "proxy-admin-upgrade",
                                       summary: "the ERC-1967 admin " + (s.proxyAdmin.map(describe) ?? admin.description)
                                           + " can upgrade the proxy regardless of the app's owner",
                                       delay: delay(of: s.proxyAdmin, "proxy admin"),
                                       evidence: ["ERC-1967 admin slot = \(admin)"]))
            }
        }
        if let beacon = s.proxy.beacon {
            open.append(ChangePath(id: "beacon-upgrade",
                                   summary: "the ERC-1967 beacon \(beacon) decides the implementation; its controller was not classified",
                                   delay: .unknown("beacon controller not classified"), evidence: ["ERC-1967 beacon slot = \(beacon)"]))
        }
        if let po = s.pendingOwner, !po.address.isZero {
            let intrinsic = ownerIntrinsic.reduce(NoticeDelay.never) { best, d in
                switch (best, d) {
                case (.never, _): return d
                case (.seconds(let a), .seconds(let b)): return .seconds(min(a, b))
                case (.unknown, .seconds(0)): return d
                case (.unknown, _): return best
                case (_, .unknown): return d
                default: return best
                }
            }
            open.append(ChangePath(id: "pending-owner",
                                   summary: "pending owner \(describe(po)) can acceptOwnership at any time, then act as owner",
                                   delay: delay(of: po, "pending owner") + intrinsic,
                                   evidence: ["pendingOwner() = \(po.address)"]))
        }
        if !known {
            open.append(ChangePath(id: "unknown-mechanism",
                                   summary: "the contract is not a known template: other ways to change what it allows cannot be ruled out",
                                   delay: .unknown("contract of unknown kind"), evidence: ["kind = unknown"]))
        }
        return (open, closed)
    }

    // MARK: report

    public static func judge(_ s: AppAuthSnapshot, _ policy: AppAuthPolicy) -> Report {
        var r = Report(command: "appauth")
        let now = policy.now ?? s.block.timestamp
        r.setFact("app", .string(s.app.description))
        r.setFact("chain_id", s.chainId.map { .int($0) } ?? .null)
        r.setFact("block_number", .int(s.block.number))
        r.setFact("block_hash", .string(s.block.hash.hex0x))
        r.setFact("block_timestamp", .int(s.block.timestamp))
        r.setFact("now", .int(now))

        guard s.codeSize > 0 else {
            r.add(.fail("appauth.exists", "no contract code at \(s.app) at block \(s.block.number): the KMS refuses apps without an AppAuth contract",
                        .obj([("app", .string(s.app.description)), ("block", .int(s.block.number))])))
            r.setFact("kind", .string("none"))
            return r
        }
        r.add(.pass("appauth.exists", "contract code at \(s.app) (\(s.codeSize) bytes) at block \(s.block.number)",
                    .obj([("code_size", .int(s.codeSize)), ("code_hash", s.codeHash.map { .string($0.hex0x) } ?? .null)])))

        // Kind
        let (kind, kindEvidence) = classify(s)
        var kindDetails: [(String, JSONValue)] = [("kind", .string(kind.rawValue)), ("evidence", .strings(kindEvidence)),
                                                  ("proxy", .bool(s.proxy.isProxy))]
        if let impl = s.proxy.implementation {
            kindDetails.append(("implementation", .string(impl.description)))
            kindDetails.append(("implementation_code_hash", s.proxy.implementationCodeHash.map { .string($0.hex0x) } ?? .null))
        }
        if let v = s.version { kindDetails.append(("version", .int(v))) }
        let proxyText = s.proxy.implementation.map { " behind an ERC-1967 proxy (implementation \($0))" } ?? ""
        switch kind {
        case .dstackApp: r.add(.pass("appauth.kind", "DstackApp\(proxyText)", .obj(kindDetails)))
        case .timelockAppAuth: r.add(.pass("appauth.kind", "TimelockAppAuth (tutorial 08 template)\(proxyText)", .obj(kindDetails)))
        case .unknown: r.add(.warn("appauth.kind", "not a known AppAuth template\(proxyText): conclusions below are limited to what its selectors show", .obj(kindDetails)))
        }
        r.setFact("kind", .string(kind.rawValue))
        r.setFact("proxy", .bool(s.proxy.isProxy))
        r.setFact("implementation", s.proxy.implementation.map { .string($0.description) } ?? .null)

        r.add(ownerCheck(s))
        r.setFact("owner", s.owner.map { .string($0.address.description) } ?? .null)
        r.setFact("owner_kind", s.owner.map { .string($0.kind.rawValue) } ?? .null)
        r.setFact("pending_owner", s.pendingOwner.flatMap { $0.address.isZero ? nil : .string($0.address.description) } ?? .null)

        // Notice and instant paths
        let (open, closed) = changePaths(s, kind: kind)
        let (notice, effective) = noticeCheck(open: open, closed: closed, policy: policy)
        r.add(notice)
        r.add(instantCheck(open: open, closed: closed, policyChanges: instantPolicyChanges(s)))
        r.setFact("min_notice_seconds", .int(policy.minNotice))
        r.setFact("notice_seconds", effective)
        r.setFact("instant_paths", .strings(open.filter { $0.delay == .seconds(0) }.map(\.id)))
        r.setFact("change_paths", .array(open.map(\.json)))

        r.add(pendingCheck(s, kind: kind, now: now, policy: policy))
        r.setFact("pending", .array(s.proposals.map { p in
            .obj([("hash", .string(p.hash.hex0x)), ("activates_at", .int(p.activatesAt)), ("activatable", .bool(now >= p.activatesAt))])
        } + s.scheduled.map { c in
            .obj([("timelock_operation", .string(c.id.hex0x)), ("function", .string(c.function)),
                  ("hash", c.argument.map { .string($0.hex0x) } ?? .null), ("activates_at", .int(c.readyAt)),
                  ("activatable", .bool(now >= c.readyAt))])
        }))
        r.add(allowedHashesCheck(s, kind: kind, policy: policy))
        r.setFact("allowed_hashes", .strings(s.allowedHashes.map { $0.hash.hex0x }))
        r.setFact("allowed_hashes_complete", .bool(s.allowedHashesComplete && kind != .unknown))

        r.add(upgradesDisabledCheck(s, kind: kind))
        r.setFact("upgrades_disabled", s.proxy.isProxy ? (upgradesDisabled(s).map { .bool($0) } ?? .null) : .null)
        let upgradePaths: Set<String> = ["proxy-upgrade", "proxy-admin-upgrade", "beacon-upgrade"]
        r.setFact("code_upgradable", .bool(open.contains { upgradePaths.contains($0.id) && $0.delay != .never }))
        r.add(devicesCheck(s))
        r.setFact("allow_any_device", s.allowAnyDevice.map { .bool($0) } ?? .null)
        r.add(tcbCheck(s))
        r.setFact("require_tcb_up_to_date", s.requireTcbUpToDate.map { .bool($0) } ?? .null)

        r.add(runningCheck(s, policy: policy))
        r.setFact("running_compose_hash", s.runningHash.map { .string($0.hex0x) } ?? .null)
        r.setFact("running_allowed", s.runningHashAllowed.map { .bool($0) } ?? .null)
        if !s.notes.isEmpty { r.setFact("notes", .strings(s.notes)) }
        return r
    }
}
