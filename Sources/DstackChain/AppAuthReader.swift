import DevProofCore
import EVM

/// Fills an `AppAuthSnapshot` from a chain. Views are authoritative; logs are only used to *discover*
/// candidates (hashes, devices, proposals), each then confirmed by a view call at the pinned block, so
/// event-layout differences (indexed or not) and reorderings cannot put a wrong value in the snapshot.
public struct AppAuthReader {
    public var chain: any AppAuthChain
    /// First block of the log scan; nil = the app's deployment block (0 when it cannot be found).
    public var fromBlock: UInt64?
    /// Most trailing words of a creation transaction tried as TimelockAppAuth's initial hash.
    public var maxCreationCandidates = 48

    public init(chain: any AppAuthChain, fromBlock: UInt64? = nil) { self.chain = chain; self.fromBlock = fromBlock }

    typealias F = AppAuthABI.Function

    public func read(app: Address, runningHash: Bytes? = nil) throws -> AppAuthSnapshot {
        let block = chain.block
        try chain.prefetch(app, slots: [AppAuthABI.implementationSlot, AppAuthABI.adminSlot, AppAuthABI.beaconSlot, StorageSlot.number(1)],
                           composeHashes: runningHash.map { [$0] } ?? [], deviceIds: [])
        let code = try chain.code(app)
        var s = AppAuthSnapshot(app: app, chainId: chain.chainId, block: block, codeSize: code.count)
        guard !code.isEmpty else { return s }
        s.codeHash = Keccak.keccak256(code)
        var notes = [String]()

        // Proxy slots and the code that answers calls.
        var scanned = code
        if let impl = try slotAddress(app, AppAuthABI.implementationSlot, "implementation", &notes) {
            let implCode = try chain.code(impl)
            s.proxy.implementation = impl
            s.proxy.implementationCodeSize = implCode.count
            s.proxy.implementationCodeHash = implCode.isEmpty ? nil : Keccak.keccak256(implCode)
            if implCode.isEmpty { notes.append("ERC-1967 implementation \(impl) has no code") }
            scanned += implCode
        }
        s.proxy.admin = try slotAddress(app, AppAuthABI.adminSlot, "admin", &notes)
        if let beacon = try slotAddress(app, AppAuthABI.beaconSlot, "beacon", &notes) {
            s.proxy.beacon = beacon
            // IBeacon.implementation()
            if let impl = address(try chain.call(to: beacon, data: [0x5c, 0x60, 0xda, 0x1b], from: nil)) {
                scanned += try chain.code(impl)
            }
        }
        s.selectors = AppAuthABI.selectorsPresent(in: scanned)
        func has(_ f: F) -> Bool { s.selectors.contains(f.selectorHex) }

        // ERC-165 and plain getters.
        for id in [AppAuthABI.iAppAuth, AppAuthABI.iAppAuthBasicManagement, AppAuthABI.iERC165] {
            let arg = (try? Hex.decode(id)) ?? []
            if let b = bool(try chain.call(to: app, data: F.supportsInterface.selector + arg + Bytes(repeating: 0, count: 28), from: nil)) {
                s.interfaces[id] = b
            }
        }
        let owner = address(try view(app, .owner))
        let pending = address(try view(app, .pendingOwner))
        s.noticePeriod = uint(try view(app, .noticePeriod))
        s.allowAnyDevice = bool(try view(app, .allowAnyDevice))
        s.requireTcbUpToDate = bool(try view(app, .requireTcbUpToDate))
        s.version = uint(try view(app, .version))

        if let owner {
            var p = try principal(owner, &notes)
            if p.kind == .timelock { s.scheduled = try inspectTimelock(&p, app: app, &notes) }
            s.owner = p
        }
        if let pending, !pending.isZero {
            var p = try principal(pending, &notes)
            if p.kind == .timelock { _ = try inspectTimelock(&p, app: app, &notes) }
            s.pendingOwner = p
        }
        if let admin = s.proxy.admin {
            var p = try adminPrincipal(admin, &notes)
            // Operations the admin's timelock has scheduled (on the proxy, or on a ProxyAdmin it owns) are pending changes too.
            if p.kind == .timelock { s.scheduled += try inspectTimelock(&p, app: app, also: [admin], &notes) }
            s.proxyAdmin = p
            var seen = Set<Bytes>()
            s.scheduled = s.scheduled.filter { seen.insert($0.id).inserted }
        }

        // History: discover candidates from logs, confirm each with a view.
        let deployment = try chain.deploymentBlock(app)
        let from = fromBlock ?? deployment ?? 0
        var logsComplete = false
        var hashCandidates = [Bytes: UInt64](), deviceCandidates = [Bytes](), proposalBlocks = [Bytes: UInt64]()
        if from <= block.number {
            let scan = try chain.logs(app, from: from, to: block.number)
            logsComplete = scan.complete
            if !scan.complete { notes.append("log scan incomplete: \(scan.reason ?? "stopped early")") }
            var events = [AppAuthSnapshot.Event]()
            var sawUpgradesDisabled = false
            for l in scan.logs {
                guard let t0 = l.topics.first, let ev = AppAuthABI.Event.named(topic: t0) else { continue }
                let subject = firstWord(l)
                var value = subject?.hex0x
                switch ev {
                case .composeHashAdded, .composeHashActivated:
                    if let h = subject { hashCandidates[h] = l.block }
                case .composeHashProposed:
                    if let h = subject { proposalBlocks[h] = l.block; hashCandidates[h] = hashCandidates[h] ?? l.block }
                case .deviceAdded:
                    if let d = subject, !deviceCandidates.contains(d) { deviceCandidates.append(d) }
                case .upgradesDisabled: sawUpgradesDisabled = true
                case .allowAnyDeviceSet, .requireTcbUpToDateSet:
                    value = subject.map { $0.isAllZero ? "false" : "true" }
                case .policyChanged:
                    // PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled)
                    guard l.topics.count == 4 else { break }
                    let policy = l.topics[2], v = l.topics[3]
                    value = "\(policyName(policy)) \(v.hex0x) \(l.data.suffix(32).isAllZero ? "disabled" : "enabled")"
                    if policy == AppAuthABI.policyTag("compose-hash") { hashCandidates[v] = l.block }
                    if policy == AppAuthABI.policyTag("device"), !deviceCandidates.contains(v) { deviceCandidates.append(v) }
                    if policy == AppAuthABI.policyTag("upgrades-disabled") { sawUpgradesDisabled = true }
                case .ownershipTransferred, .ownershipTransferStarted, .adminChanged:
                    value = l.topics.count >= 3 ? addressWord(l.topics[2])?.description : nil
                case .upgraded:
                    value = l.topics.count >= 2 ? addressWord(l.topics[1])?.description : nil
                default: break
                }
                events.append(.init(block: l.block, txHash: l.txHash, name: ev.name, value: value))
            }
            s.history = .init(fromBlock: from, toBlock: block.number, events: events)
            s.upgradesDisabledEvent = sawUpgradesDisabled ? true : (logsComplete && (deployment != nil || from == 0) ? false : nil)
        } else {
            notes.append("--from-block \(from) is after the pinned block \(block.number): no logs read")
        }

        // Allowed hashes: every candidate confirmed by allowedComposeHashes(h).
        let scanCoversCreation = logsComplete && (deployment.map { from <= $0 } ?? (from == 0))
        var complete = scanCoversCreation
        try chain.prefetch(app, slots: [], composeHashes: hashCandidates.keys.sorted { $0.hex < $1.hex }, deviceIds: deviceCandidates)
        for (h, b) in hashCandidates.sorted(by: { ($0.value, $0.key.hex) < ($1.value, $1.key.hex) }) {
            if bool(try view(app, .allowedComposeHashes, h)) == true { s.allowedHashes.append(.init(hash: h, source: .event, block: b)) }
        }
        // TimelockAppAuth allows its constructor's hash without an event: find it in the creation transaction.
        let eventless = has(.proposeComposeHash) || !has(.addComposeHash)
        if eventless {
            if let deployment {
                let inputs = try chain.creationInputs(app, block: deployment)
                var tried = Set<Bytes>(s.allowedHashes.map(\.hash))
                var found = false
                outer: for input in inputs {
                    for w in trailingWords(input) where !tried.contains(w) && !w.isAllZero {
                        if tried.count >= maxCreationCandidates { break outer }
                        tried.insert(w)
                        if bool(try view(app, .allowedComposeHashes, w)) == true {
                            s.allowedHashes.append(.init(hash: w, source: .creation, block: deployment)); found = true
                        }
                    }
                }
                if inputs.isEmpty { complete = false; notes.append("creation transaction of \(app) not found in block \(deployment)") }
                else if !found { notes.append("no allowed hash among the creation transaction's arguments (the constructor's hash may have been removed)") }
            } else {
                complete = false
                notes.append("deployment block not found (provider without history?): a hash allowed at construction without an event cannot be enumerated")
            }
        }
        s.allowedHashesComplete = complete

        // Pending proposals: proposedAt(h) != 0, activatesAt(h) answers.
        if has(.proposeComposeHash) {
            for (h, b) in proposalBlocks.sorted(by: { ($0.value, $0.key.hex) < ($1.value, $1.key.hex) }) {
                guard let at = uint(try view(app, .proposedAt, h)), at != 0,
                      let act = uint(try view(app, .activatesAt, h)) else { continue }
                s.proposals.append(.init(hash: h, proposedAt: Int64(clamping: at), activatesAt: Int64(clamping: act), proposedBlock: b))
            }
        }
        for d in deviceCandidates where bool(try view(app, .allowedDeviceIds, d)) == true { s.devices.append(d) }

        // DstackApp storage: slot 1 = _upgradesDisabled (byte 0) | allowAnyDevice (byte 1), trusted only when
        // byte 1 agrees with allowAnyDevice() (the layout differs between versions).
        if has(.addComposeHash), s.proxy.implementation != nil, let any = s.allowAnyDevice {
            let slot1 = try chain.storage(app, slot: Bytes(repeating: 0, count: 31) + [1])
            if slot1.count == 32, slot1[30] <= 1, slot1[31] <= 1, (slot1[30] == 1) == any, slot1[..<30].allSatisfy({ $0 == 0 }) {
                s.upgradesDisabledStorage = slot1[31] == 1
            }
        }

        // Simulations from the owner: can it do this in one transaction right now?
        if let o = s.owner, !o.address.isZero {
            var sims = [(String, Bytes)]()
            if has(.addComposeHash) { sims.append(("addComposeHash", F.addComposeHash.selector + AppAuthABI.probeHash)) }
            if let impl = s.proxy.implementation, has(.upgradeToAndCall) {
                sims.append(("upgradeToAndCall", F.upgradeToAndCall.selector + word(impl.bytes) + word([0x40]) + word([])))
            }
            for f: F in [.setNoticePeriod, .updateNoticePeriod, .setDelay, .updateDelay] where has(f) {
                sims.append((f.name, f.selector + word([])))
            }
            for (name, data) in sims {
                if let sim = try simulate(name, app, o.address, data, &notes) { s.simulations.append(sim) }
            }
        }

        if let h = runningHash {
            s.runningHash = h
            s.runningHashAllowed = bool(try view(app, .allowedComposeHashes, h))
            if s.runningHashAllowed == true, !s.allowedHashes.contains(where: { $0.hash == h }) {
                s.allowedHashes.append(.init(hash: h, source: .input))
                if complete { notes.append("the running hash is allowed but no event or constructor argument allowed it") }
                s.allowedHashesComplete = false
            }
        }
        s.notes = notes
        return s
    }

    // MARK: principals

    func principal(_ a: Address, _ notes: inout [String]) throws -> AppAuthSnapshot.Principal {
        var p = AppAuthSnapshot.Principal(address: a)
        guard !a.isZero else { return p }
        let code = try chain.code(a)
        p.codeSize = code.count
        p.delegatesTo = AppAuthABI.delegation(in: code)
        guard !code.isEmpty, p.delegatesTo == nil else { return p }
        p.minDelay = uint(try view(a, .getMinDelay))
        p.threshold = uint(try view(a, .getThreshold))
        if case .returned(let d) = try chain.call(to: a, data: F.getOwners.selector, from: nil) { p.owners = addressArray(d) }
        return p
    }

    /// A transparent proxy's admin is usually a ProxyAdmin contract: what counts is who owns it.
    func adminPrincipal(_ a: Address, _ notes: inout [String]) throws -> AppAuthSnapshot.Principal {
        let p = try principal(a, &notes)
        guard p.kind == .contract, let o = address(try view(a, .owner)) else { return p }
        notes.append("ERC-1967 admin \(a) is owned by \(o): classified as that owner")
        return try principal(o, &notes)
    }

    /// From the timelock's logs: DEFAULT_ADMIN_ROLE holders (RoleGranted, confirmed with hasRole); whether anyone
    /// other than the timelock itself can call updateDelay directly (simulated from each admin and from an
    /// arbitrary address); and pending CallScheduled operations that target `app` or the timelock (confirmed
    /// with getTimestamp > 1).
    func inspectTimelock(_ p: inout AppAuthSnapshot.Principal, app: Address, also: [Address] = [],
                         _ notes: inout [String]) throws -> [AppAuthSnapshot.ScheduledCall] {
        let a = p.address
        let from = try chain.deploymentBlock(a) ?? 0
        let scan = try chain.logs(a, from: from, to: chain.block.number)
        if !scan.complete { notes.append("timelock \(a): log scan incomplete, admins and scheduled operations may be missing") }
        var candidates = [Address]()
        var scheduled = [AppAuthSnapshot.ScheduledCall]()
        var seenIds = Set<Bytes>()
        for l in scan.logs {
            guard let t0 = l.topics.first else { continue }
            if t0 == AppAuthABI.Event.roleGranted.topic, l.topics.count == 4, l.topics[1].isAllZero,
               let acct = addressWord(l.topics[2]), !candidates.contains(acct) { candidates.append(acct) }
            // CallScheduled(bytes32 indexed id, uint256 indexed index, address target, uint256 value, bytes data, bytes32 predecessor, uint256 delay)
            if t0 == AppAuthABI.Event.callScheduled.topic, l.topics.count >= 2, l.data.count >= 160,
               let target = addressWord(Array(l.data[0..<32])), target == app || target == a || also.contains(target),
               !seenIds.contains(l.topics[1]) {
                let id = l.topics[1]
                seenIds.insert(id)
                guard let ts = uint(try view(a, .getTimestamp, id)), ts > 1 else { continue }
                var function = "?", argument: Bytes?
                if let off = wordInt(l.data, 64), let n = wordInt(l.data, Int(clamping: off)), n >= 4,
                   Int(clamping: off) + 32 + Int(clamping: n) <= l.data.count {
                    let start = Int(off) + 32
                    let call = Array(l.data[start..<(start + Int(n))])
                    let sel = Array(call[0..<4])
                    function = AppAuthABI.Function.allCases.first { $0.selector == sel }?.name ?? sel.hex0x
                    if call.count >= 36 { argument = Array(call[4..<36]) }
                }
                scheduled.append(.init(id: id, target: target, function: function, argument: argument,
                                       readyAt: Int64(clamping: ts), scheduledBlock: l.block))
            }
        }
        var admins = [Address]()
        for c in candidates where bool(try view(a, .hasRole, Bytes(repeating: 0, count: 32), word(c.bytes))) == true { admins.append(c) }
        p.timelockAdmins = admins
        var changeable: Bool? = false
        for c in admins + [AppAuthABI.arbitraryCaller] where c != a {
            switch try simulate("updateDelay", a, c, F.updateDelay.selector + word([]), &notes)?.succeeded {
            case true?: changeable = true
            case nil: if changeable == false { changeable = nil }
            default: break
            }
        }
        p.delayChangeableByOthers = changeable
        return scheduled
    }

    // MARK: helpers

    func view(_ to: Address, _ f: F, _ args: Bytes...) throws -> AppAuthCallResult {
        try chain.call(to: to, data: f.selector + args.flatMap { $0 }, from: nil)
    }

    /// nil when the node would not run the call (then a note says why).
    func simulate(_ name: String, _ to: Address, _ from: Address, _ data: Bytes, _ notes: inout [String]) throws -> AppAuthSnapshot.Simulation? {
        switch try chain.call(to: to, data: data, from: from) {
        case .returned: return .init(name: name, from: from, to: to, succeeded: true)
        case .reverted(let why): return .init(name: name, from: from, to: to, succeeded: false, revertReason: why)
        case .failed(let why):
            notes.append("could not simulate \(name) from \(from) on \(to): \(why.prefix(160))")
            return nil
        }
    }

    func slotAddress(_ a: Address, _ slot: Bytes, _ what: String, _ notes: inout [String]) throws -> Address? {
        let w = try chain.storage(a, slot: slot)
        guard w.count == 32, !w.isAllZero else { return nil }
        guard let addr = addressWord(w) else { notes.append("ERC-1967 \(what) slot holds a non-address value \(w.hex0x)"); return nil }
        return addr
    }

    func word(_ b: Bytes) -> Bytes { Bytes(repeating: 0, count: max(0, 32 - b.count)) + b.suffix(32) }

    /// The 32-byte subject of an event: topics[1] when indexed, else the first data word.
    func firstWord(_ l: AppAuthLog) -> Bytes? {
        if l.topics.count >= 2 { return l.topics[1] }
        return l.data.count >= 32 ? Array(l.data[0..<32]) : nil
    }

    /// Aligned 32-byte words at the end of a transaction input, last first (constructor arguments are appended
    /// to the init code; factory calls carry them as ABI words after the 4-byte selector).
    func trailingWords(_ input: Bytes) -> [Bytes] {
        var out = [Bytes]()
        var end = input.count
        while end >= 32 && out.count < maxCreationCandidates { out.append(Array(input[(end - 32)..<end])); end -= 32 }
        if input.count > 4 {
            var i = 4
            while i + 32 <= input.count && out.count < 2 * maxCreationCandidates { out.append(Array(input[i..<(i + 32)])); i += 32 }
        }
        return out
    }

    func policyName(_ t: Bytes) -> String {
        for tag in ["compose-hash", "device", "allow-any-device", "require-tcb-up-to-date", "upgrades-disabled", "implementation-upgrade"]
        where AppAuthABI.policyTag(tag) == t { return tag }
        return t.hex0x
    }

    func returned(_ r: AppAuthCallResult) -> Bytes? { if case .returned(let d) = r, d.count >= 32 { return d }; return nil }
    func bool(_ r: AppAuthCallResult) -> Bool? {
        guard let d = returned(r), d[0..<31].allSatisfy({ $0 == 0 }), d[31] <= 1 else { return nil }
        return d[31] == 1
    }
    func uint(_ r: AppAuthCallResult) -> UInt64? {
        guard let d = returned(r) else { return nil }
        if d[0..<24].allSatisfy({ $0 == 0 }) { return d[24..<32].reduce(0) { $0 << 8 | UInt64($1) } }
        return UInt64.max
    }
    func address(_ r: AppAuthCallResult) -> Address? { returned(r).flatMap { addressWord(Array($0[0..<32])) } }
    func addressWord(_ w: Bytes) -> Address? {
        guard w.count == 32, w[0..<12].allSatisfy({ $0 == 0 }) else { return nil }
        return try? Address(bytes: Array(w[12..<32]))
    }
    func addressArray(_ d: Bytes) -> [Address]? {
        guard d.count >= 64, let off = Int(exactly: wordInt(d, 0) ?? UInt64.max), off + 32 <= d.count,
              let n = wordInt(d, off), n <= 1000, off + 32 + Int(n) * 32 <= d.count else { return nil }
        var out = [Address]()
        for i in 0..<Int(n) {
            let start = off + 32 + i * 32
            guard let a = addressWord(Array(d[start..<(start + 32)])) else { return nil }
            out.append(a)
        }
        return out
    }
    func wordInt(_ d: Bytes, _ at: Int) -> UInt64? {
        guard at >= 0, at + 32 <= d.count, d[at..<(at + 24)].allSatisfy({ $0 == 0 }) else { return nil }
        return d[(at + 24)..<(at + 32)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
