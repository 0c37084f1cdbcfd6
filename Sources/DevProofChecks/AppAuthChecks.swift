import DevProofCore
import DstackChain
import EVM

/// The individual checks `AppAuth.judge` assembles, one function each (pure: snapshot and policy in, Check out).
extension AppAuth {
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
