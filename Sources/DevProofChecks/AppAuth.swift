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

    static func principalJSON(_ p: AppAuthSnapshot.Principal) -> JSONValue {
        var o: [(String, JSONValue)] = [("address", .string(p.address.description)), ("kind", .string(p.kind.rawValue)),
                                        ("code_size", .int(p.codeSize))]
        if let d = p.delegatesTo { o.append(("eip7702_delegate", .string(d.description))) }
        if let d = p.minDelay { o.append(("min_delay", .int(d))) }
        if let t = p.threshold { o.append(("threshold", .int(t))) }
        if let os = p.owners { o.append(("owners", .strings(os.map(\.description)))) }
        if let a = p.timelockAdmins { o.append(("timelock_admins", .strings(a.map(\.description)))) }
        if let c = p.delayChangeableByOthers { o.append(("delay_changeable_by_others", .bool(c))) }
        return .obj(o)
    }

    static func ownerCheck(_ s: AppAuthSnapshot) -> Check {
        guard let o = s.owner else {
            return .warn("appauth.owner", "owner() did not answer: who controls the contract is not known")
        }
        var details: [(String, JSONValue)] = [("owner", principalJSON(o))]
        var summary = "owner is " + describe(o)
        var warn = false
        switch o.kind {
        case .renounced: summary += ": no one can call owner-only functions"
        case .safe where (o.threshold ?? 0) <= 1: summary += ": one signature suffices, as for an EOA"; warn = true
        case .contract: warn = true
        case .timelock:
            if let admins = o.timelockAdmins {
                let others = admins.filter { $0 != o.address }
                if !others.isEmpty {
                    summary += "; timelock admin role also held by \(others.map(\.description).joined(separator: ", "))"
                    warn = true
                }
            }
            switch o.delayChangeableByOthers {
            case true?: summary += "; its delay can be changed without waiting"; warn = true
            case nil: summary += "; whether others can call its updateDelay could not be simulated (see notes)"; warn = true
            default: break
            }
        default: break
        }
        if let po = s.pendingOwner, !po.address.isZero {
            summary += "; ownership transfer pending to " + describe(po)
            details.append(("pending_owner", principalJSON(po)))
            warn = true
        }
        if let a = s.proxyAdmin { details.append(("proxy_admin", principalJSON(a))) }
        return warn ? .warn("appauth.owner", summary, .obj(details)) : .info("appauth.owner", summary, .obj(details))
    }

    static func noticeCheck(open: [ChangePath], closed: [ChangePath], policy: AppAuthPolicy) -> (Check, JSONValue) {
        let min = policy.minNotice
        let failing = open.filter { if case .seconds(let d) = $0.delay { return d < min }; return false }
        let unknown = open.filter { if case .unknown = $0.delay { return true }; return false }
        let timed = open.compactMap { p -> Int64? in if case .seconds(let d) = p.delay { return d }; return nil }
        let effective: JSONValue = unknown.isEmpty || !failing.isEmpty ? (timed.min().map { .int($0) } ?? .null) : .null
        let details: JSONValue = .obj([("min_notice_seconds", .int(min)), ("effective_notice_seconds", effective),
                                       ("paths", .array(open.map(\.json))), ("closed_paths", .array(closed.map(\.json)))])
        let minText = DurationInput.format(min)
        if let worst = failing.min(by: { a, b in
            if case .seconds(let x) = a.delay, case .seconds(let y) = b.delay { return x < y }; return false
        }) {
            return (.fail("appauth.notice_period",
                          "notice \(worst.delay.text) < required \(minText): \(worst.summary)", details), effective)
        }
        if let u = unknown.first {
            return (.skip("appauth.notice_period",
                          "notice could not be established: \(u.summary) — \(u.delay.text)", details), .null)
        }
        if timed.isEmpty {
            return (.pass("appauth.notice_period",
                          "no one can change the allowed code: every path is closed or held by the zero address", details), .string("never"))
        }
        let best = timed.min() ?? 0
        return (.pass("appauth.notice_period",
                      "every path to new code waits at least \(DurationInput.format(best)) (required \(minText))", details), effective)
    }

    /// Owner functions that change policy, not code (no new hash): instant when the owner acts without delay.
    static func instantPolicyChanges(_ s: AppAuthSnapshot) -> [String] {
        guard let o = s.owner, o.kind == .eoa || o.kind == .safe else { return [] }
        let fs: [AppAuthABI.Function] = [.setRequireTcbUpToDate, .setAllowAnyDevice, .addDevice, .removeComposeHash,
                                         .cancelProposal, .removeDevice]
        return fs.filter { s.has($0) }.map(\.name)
    }

    static func instantCheck(open: [ChangePath], closed: [ChangePath], policyChanges: [String] = []) -> Check {
        let instant = open.filter { $0.delay == .seconds(0) }
        let unknown = open.filter { if case .unknown = $0.delay { return true }; return false }
        let details: JSONValue = .obj([("instant", .array(instant.map(\.json))), ("unknown", .array(unknown.map(\.json))),
                                       ("closed", .array(closed.map(\.json))),
                                       ("instant_policy_changes", .strings(policyChanges))])
        if !instant.isEmpty {
            return .fail("appauth.instant_path",
                         "\(instant.count) instant path(s): " + instant.map(\.summary).joined(separator: "; "), details)
        }
        if let u = unknown.first {
            return .skip("appauth.instant_path", "instant paths cannot be ruled out: \(u.summary)", details)
        }
        let policy = policyChanges.isEmpty ? "" : "; the owner can still change policy instantly (no new code): "
            + policyChanges.joined(separator: ", ")
        return .pass("appauth.instant_path",
                     "no instant path: \(open.count) delayed or frozen path(s), \(closed.count) closed" + policy, details)
    }

    static func pendingCheck(_ s: AppAuthSnapshot, kind: AppAuthKind, now: Int64, policy: AppAuthPolicy) -> Check {
        let proposalsApply = s.has(.proposeComposeHash)
        let timelockOwner = s.owner?.kind == .timelock
        guard proposalsApply || timelockOwner else {
            return .info("appauth.pending", "no proposal mechanism: changes take effect when the owner's transaction lands (see appauth.notice_period)")
        }
        if proposalsApply && s.history == nil {
            return .skip("appauth.pending", "logs could not be read: pending proposals unknown")
        }
        var items = [JSONValue]()
        var armed = [String](), stale = [String](), waiting = [String]()
        func note(_ label: String, _ at: Int64, _ since: Int64?) {
            if now >= at { armed.append("\(label) activatable since \(TimeInput.format(at))") } else {
                waiting.append("\(label) at \(TimeInput.format(at)) (in \(DurationInput.format(at - now)))")
            }
            if let since, now - since > policy.staleProposalAge { stale.append("\(label) proposed \(DurationInput.format(now - since)) ago") }
        }
        for p in s.proposals.sorted(by: { $0.activatesAt < $1.activatesAt }) {
            let age = p.proposedAt.map { now - $0 }
            items.append(.obj([("kind", .string("proposal")), ("hash", .string(p.hash.hex0x)),
                               ("proposed_at", p.proposedAt.map { .int($0) } ?? .null),
                               ("activates_at", .int(p.activatesAt)),
                               ("activates_at_utc", .string(TimeInput.format(p.activatesAt))),
                               ("seconds_remaining", .int(max(0, p.activatesAt - now))),
                               ("activatable_now", .bool(now >= p.activatesAt)),
                               ("age_seconds", age.map { .int($0) } ?? .null),
                               ("proposed_block", p.proposedBlock.map { .int($0) } ?? .null)]))
            note("proposal \(String(p.hash.hex0x.prefix(12)))… (by anyone)", p.activatesAt, p.proposedAt)
        }
        for c in s.scheduled.sorted(by: { $0.readyAt < $1.readyAt }) {
            items.append(.obj([("kind", .string("timelock-operation")), ("id", .string(c.id.hex0x)),
                               ("target", .string(c.target.description)), ("function", .string(c.function)),
                               ("argument", c.argument.map { .string($0.hex0x) } ?? .null),
                               ("ready_at", .int(c.readyAt)), ("ready_at_utc", .string(TimeInput.format(c.readyAt))),
                               ("seconds_remaining", .int(max(0, c.readyAt - now))),
                               ("executable_now", .bool(now >= c.readyAt)),
                               ("scheduled_block", c.scheduledBlock.map { .int($0) } ?? .null)]))
            let arg = c.argument.map { "(\(String($0.hex0x.prefix(12)))…)" } ?? ""
            note("timelock operation \(c.function)\(arg) (by its executors)", c.readyAt, nil)
        }
        let details: JSONValue = .obj([("now", .int(now)), ("pending", .array(items))])
        let total = s.proposals.count + s.scheduled.count
        if total == 0 {
            let scope = proposalsApply ? "no pending proposal" : "no pending operation on the owner's timelock targeting the app"
            return .info("appauth.pending", scope + (s.history.map { " (logs \($0.fromBlock)…\($0.toBlock))" } ?? ""), details)
        }
        if !armed.isEmpty || !stale.isEmpty {
            return .warn("appauth.pending",
                         "\(total) pending: " + (armed + waiting).joined(separator: "; ")
                             + (stale.isEmpty ? "" : "; proposals never expire: " + stale.joined(separator: "; ")), details)
        }
        return .info("appauth.pending", "\(total) pending, notice running: " + waiting.joined(separator: "; "), details)
    }

    static func allowedHashesCheck(_ s: AppAuthSnapshot, kind: AppAuthKind, policy: AppAuthPolicy) -> Check {
        var s = s
        // A contract of unknown kind may allow hashes in ways no event shows.
        if kind == .unknown { s.allowedHashesComplete = false }
        let n = s.allowedHashes.count
        let list = s.allowedHashes.map { h -> JSONValue in
            .obj([("hash", .string(h.hash.hex0x)), ("source", .string(h.source.rawValue)),
                  ("block", h.block.map { .int($0) } ?? .null),
                  ("running", .bool(s.runningHash == h.hash))])
        }
        let details: JSONValue = .obj([("count", .int(n)), ("complete", .bool(s.allowedHashesComplete)), ("hashes", .array(list)),
                                       ("history", s.history.map { .obj([("from_block", .int($0.fromBlock)), ("to_block", .int($0.toBlock)),
                                                                         ("events", .int($0.events.count))]) } ?? .null)])
        let incomplete = s.allowedHashesComplete ? "" : " (at least: hashes allowed without an event or outside the logs read are not enumerable)"
        if n > 1 {
            let others = s.runningHash.map { r in s.allowedHashes.filter { $0.hash != r }.count } ?? (n - 1)
            let summary = "\(n) compose hashes allowed\(incomplete): the operator can switch to any of them, including back to an "
                + "older version, with no notice (\(others) besides the running one)"
            return policy.failOnMultipleHashes ? .fail("appauth.allowed_hashes", summary, details) : .warn("appauth.allowed_hashes", summary, details)
        }
        if !s.allowedHashesComplete {
            return .warn("appauth.allowed_hashes", "\(n) compose hash(es) found\(incomplete)", details)
        }
        if n == 0 { return .warn("appauth.allowed_hashes", "no compose hash is allowed: no instance can obtain keys from the KMS", details) }
        return .pass("appauth.allowed_hashes", "exactly one compose hash allowed (\(s.allowedHashes[0].hash.hex0x)): no silent downgrade", details)
    }

    static func upgradesDisabled(_ s: AppAuthSnapshot) -> Bool? {
        if s.upgradesDisabledEvent == true || s.upgradesDisabledStorage == true { return true }
        if s.upgradesDisabledEvent == false || s.upgradesDisabledStorage == false { return false }
        return nil
    }

    static func upgradesDisabledCheck(_ s: AppAuthSnapshot, kind: AppAuthKind) -> Check {
        let details: JSONValue = .obj([("event", s.upgradesDisabledEvent.map { .bool($0) } ?? .null),
                                       ("storage_slot1_byte0", s.upgradesDisabledStorage.map { .bool($0) } ?? .null),
                                       ("proxy", .bool(s.proxy.isProxy))])
        guard s.proxy.isProxy else {
            return .info("appauth.upgrades_disabled", "not a proxy: the contract's own code cannot be replaced", details)
        }
        switch upgradesDisabled(s) {
        case true?:
            let extra = s.has(.addComposeHash) ? "; addComposeHash stays available to the owner: this does not freeze the allowed code" : ""
            return .info("appauth.upgrades_disabled", "UUPS upgrades disabled (the contract's code is fixed)\(extra)", details)
        case false?:
            return .info("appauth.upgrades_disabled", "upgrades not disabled: the owner can replace the contract's code", details)
        case nil:
            return .info("appauth.upgrades_disabled", "whether upgrades are disabled could not be read (no logs, no known layout)", details)
        }
    }

    static func devicesCheck(_ s: AppAuthSnapshot) -> Check {
        let details: JSONValue = .obj([("allow_any_device", s.allowAnyDevice.map { .bool($0) } ?? .null),
                                       ("devices", .strings(s.devices.map(\.hex0x))),
                                       ("device_setter", .bool(s.has(.addDevice) || s.has(.setAllowAnyDevice)))])
        switch s.allowAnyDevice {
        case true?: return .info("appauth.devices", "any device may run the app (allowAnyDevice = true): permissionless hosting", details)
        case false?:
            let setter = s.has(.addDevice) ? "" : " and the contract has no addDevice: no device can ever be allowed"
            return .info("appauth.devices", "only listed devices may run the app: \(s.devices.count) found\(setter)", details)
        case nil: return .info("appauth.devices", "allowAnyDevice() did not answer", details)
        }
    }

    static func tcbCheck(_ s: AppAuthSnapshot) -> Check {
        switch s.requireTcbUpToDate {
        case true?: return .pass("appauth.tcb_required", "requireTcbUpToDate = true: platforms with an out-of-date TCB are refused")
        case false?: return .warn("appauth.tcb_required", "requireTcbUpToDate = false: hosts with an out-of-date TCB (known vulnerable firmware) may run the app")
        case nil: return .warn("appauth.tcb_required", "the contract has no requireTcbUpToDate: the TCB status is not enforced by the app's policy")
        }
    }

    static func runningCheck(_ s: AppAuthSnapshot, policy: AppAuthPolicy) -> Check {
        if let claimed = policy.attestAppId, claimed != s.app {
            return .fail("appauth.running_allowed", "the attest report is for app \(claimed), not \(s.app)",
                         .obj([("attest_app_id", .string(claimed.description)), ("app", .string(s.app.description))]))
        }
        guard let h = s.runningHash else {
            return .notApplicable("appauth.running_allowed", "no running compose hash given (--compose-hash or --from-attest)")
        }
        let source = policy.runningSource ?? "input"
        let details: JSONValue = .obj([("compose_hash", .string(h.hex0x)), ("source", .string(source)),
                                       ("attest_verdict", policy.attestVerdict.map { .string($0) } ?? .null)])
        switch s.runningHashAllowed {
        case true?:
            if let v = policy.attestVerdict, v != "pass" {
                return .warn("appauth.running_allowed", "\(h.hex0x) is allowed, but it comes from an attest report whose verdict is \(v): the running hash itself is unverified", details)
            }
            return .pass("appauth.running_allowed", "running compose hash \(h.hex0x) (\(source)) is allowed at block \(s.block.number)", details)
        case false?:
            return .fail("appauth.running_allowed", "running compose hash \(h.hex0x) (\(source)) is NOT allowed at block \(s.block.number)", details)
        case nil:
            return .skip("appauth.running_allowed", "allowedComposeHashes(\(h.hex0x)) did not answer", details)
        }
    }
}
