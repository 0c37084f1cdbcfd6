import DevProofCore
import DstackChain
import EVM

public struct ChainBootOptions: Sendable {
    public var rpc = RPCOptions()
    public var app: Address?
    public var kms: Address?
    public var fromAttest: String?
    public var composeHash: String?
    public var instanceId: String?
    public var deviceId: String?
    public var mrAggregated: String?
    public var mrSystem: String?
    public var osImageHash: String?
    public var tcbStatus: String?
    public var advisoryIds: [String]?
    public init() {}
}

public struct ChainHistoryOptions: Sendable {
    public var rpc = RPCOptions()
    public var app: Address = .zero
    /// "auto" (binary search for the deployment block) or a number.
    public var fromBlock: String = "auto"
    /// auto | dstack-app | timelock
    public var kind: String = "auto"
    public var maxRequests: Int = 5_000
    public var maxBlocks: UInt64?
    public var initialChunk: UInt64 = 2_000
    public var progress = true
    public init() {}
}

public struct ChainProofOptions: Sendable {
    public var rpc = RPCOptions()
    public var proofPath: String = ""
    /// Expected KMS root: 20-byte address or SEC1 public key.
    public var kmsRoot: KMSRoot?
    /// DstackKms contract to read the KMS root from (`kmsInfo().k256Pubkey`), with --rpc.
    public var kmsContract: Address?
    public var appId: Address?
    public var oracle: Address?
    public var price: String?
    public var timestamp: String?
    public init() {}
}

/// `devproof chain`: on-chain authorization (tutorial 05).
public enum Chain {
    static func guarded(_ r: inout Report, _ body: (inout Report) throws -> Void) throws { try RPCGuard.run(&r, body) }

    static func bytes32(_ s: String, _ what: String) throws -> Bytes {
        let b: Bytes
        do { b = try Hex.decode(s) } catch { throw DevProofError.malformed("\(what) '\(s)' is not hex") }
        guard b.count == 32 else { throw DevProofError.malformed("\(what) must be 32 bytes, got \(b.count)") }
        return b
    }

    // MARK: boot

    /// AppBootInfo fields, from an attest report's facts and/or flags (flags win).
    public struct BootInfo: Sendable, Equatable {
        public var appId: Address
        public var composeHash: Bytes
        public var instanceId: Address
        public var deviceId: Bytes
        public var mrAggregated: Bytes
        public var mrSystem: Bytes
        public var osImageHash: Bytes
        public var tcbStatus: String
        public var advisoryIds: [String]
        /// Fields that had no value and were set to zero / empty.
        public var defaulted: [String]

        public var abiValue: ABIValue {
            .tuple([.address(appId), .fixedBytes(composeHash), .address(instanceId), .fixedBytes(deviceId),
                    .fixedBytes(mrAggregated), .fixedBytes(mrSystem), .fixedBytes(osImageHash), .string(tcbStatus),
                    .array(advisoryIds.map { .string($0) })])
        }

        public var json: JSONValue {
            .obj([("appId", .string(appId.checksummed)), ("composeHash", .string(composeHash.hex0x)),
                  ("instanceId", .string(instanceId.checksummed)), ("deviceId", .string(deviceId.hex0x)),
                  ("mrAggregated", .string(mrAggregated.hex0x)), ("mrSystem", .string(mrSystem.hex0x)),
                  ("osImageHash", .string(osImageHash.hex0x)), ("tcbStatus", .string(tcbStatus)),
                  ("advisoryIds", .strings(advisoryIds)), ("defaulted", .strings(defaulted))])
        }
    }

    public static func bootInfo(_ o: ChainBootOptions) throws -> BootInfo {
        var facts = JSONValue.object([])
        if let p = o.fromAttest {
            // Only a passing attest report (schema, command, verdict) gives boot info: AttestReportInput.
            facts = try AttestReportInput.read(p).facts
        }
        var defaulted = [String]()
        func text(_ flag: String?, _ fact: String) -> String? {
            if let flag { return flag }
            if let s = facts[fact]?.stringValue, !s.isEmpty { return s }
            return nil
        }
        func b32(_ flag: String?, _ fact: String, _ name: String) throws -> Bytes {
            guard let s = text(flag, fact) else { defaulted.append(name); return Bytes(repeating: 0, count: 32) }
            return try bytes32(s, name)
        }
        func addr(_ flag: String?, _ fact: String, _ name: String, required: Bool) throws -> Address {
            guard let s = text(flag, fact) else {
                if required { throw DevProofError.usage("no \(name): give --app or --from-attest with an app_id") }
                defaulted.append(name); return .zero
            }
            do { return try Address(s) } catch { throw DevProofError.malformed("\(name) '\(s)' is not a 20-byte address") }
        }
        let appId = try addr(o.app?.hex, "app_id", "appId", required: true)
        let compose = try b32(o.composeHash, "compose_hash", "composeHash")
        let instance = try addr(o.instanceId, "instance_id", "instanceId", required: false)
        let device = try b32(o.deviceId, "device_id", "deviceId")
        let mrAgg = try b32(o.mrAggregated, "mr_aggregated", "mrAggregated")
        let mrSys = try b32(o.mrSystem, "mr_system", "mrSystem")
        let osImage = try b32(o.osImageHash, "os_image_hash", "osImageHash")
        var tcb = text(o.tcbStatus, "tcb_status")
        if tcb == nil { defaulted.append("tcbStatus"); tcb = "" }
        var adv = o.advisoryIds
        if adv == nil {
            if let a = facts["advisory_ids"]?.arrayValue { adv = a.compactMap(\.stringValue) } else { defaulted.append("advisoryIds"); adv = [] }
        }
        return BootInfo(appId: appId, composeHash: compose, instanceId: instance, deviceId: device, mrAggregated: mrAgg,
                        mrSystem: mrSys, osImageHash: osImage, tcbStatus: tcb ?? "", advisoryIds: adv ?? [], defaulted: defaulted)
    }

    public static func boot(_ o: ChainBootOptions) throws -> Report {
        var r = Report(command: "chain boot")
        let info = try bootInfo(o)
        let kms = o.kms
        r.setFact("boot_info", info.json)
        if !info.defaulted.isEmpty {
            r.add(.warn("chain.boot_info", "boot info fields without a value were set to zero/empty: \(info.defaulted.joined(separator: ", "))",
                        .obj([("defaulted", .strings(info.defaulted))])))
        } else {
            r.add(.info("chain.boot_info", "boot info for app \(info.appId) with compose hash \(info.composeHash.hex0x)", info.json))
        }
        try guarded(&r) { r in
            let pin = try o.rpc.pin(into: &r)
            func simulate(_ id: String, _ fn: ABIFunction, on target: Address, label: String) throws {
                let data = try fn.encodeCall([info.abiValue])
                switch try pin.call(to: target, data: data) {
                case .returned(let out):
                    let v: [ABIValue]
                    do { v = try fn.decodeOutput(out) } catch let e as ABIError {
                        r.add(.fail(id, "\(label).\(fn.name) returned data that is not (bool,string): \(e.message)",
                                    .obj([("contract", .string(target.checksummed)), ("return_data", .string(out.hex0x))])))
                        return
                    }
                    var allowed = v[0].boolValue ?? false, reason = v[1].stringValue ?? ""
                    // With --trusted-block: the decision recomputed from proven storage; it decides, the eth_call
                    // answer is cross-checked (a contradiction fails rpc.proof). Without a layout: unproven.
                    if let p = proven {
                        let name = "\(fn.name)(bootInfo)"
                        if let (ok, why) = try provenDecision(p, target) {
                            p.ledger.proven(name, on: target, slots: [], value: String(ok), call: String(allowed), checks: [id])
                            if ok != allowed { allowed = false; reason = "eth_call says \(v[0].boolValue == true ? "allowed" : "denied"), the proven storage says \(ok ? "allowed" : "denied: \(why)")" }
                        } else {
                            p.unproven(name, on: target, String(allowed) + (reason.isEmpty ? "" : " (\(reason))"), checks: [id])
                        }
                    }
                    let details = JSONValue.obj([("contract", .string(target.checksummed)), ("isAllowed", .bool(allowed)),
                                                 ("reason", .string(reason)), ("block", .int(pin.block.number))])
                    if allowed {
                        r.add(.pass(id, "\(label).\(fn.name) allows this boot at block \(pin.block.number)" + (reason.isEmpty ? "" : " (reason: \(reason))"), details))
                    } else {
                        r.add(.fail(id, "\(label).\(fn.name) denies this boot: \(reason.isEmpty ? "(no reason given)" : reason)", details))
                    }
                case .reverted(let raw, let rev):
                    r.add(.fail(id, "\(label).\(fn.name) \(rev)", .obj([("contract", .string(target.checksummed)),
                                                                        ("revert_data", .string(raw.hex0x)), ("reason", .string(rev.reason))])))
                }
            }
            let proven = DstackProvenReads(pin, layout: o.rpc.storageLayout)
            /// isAppAllowed from proven storage; nil when the app does not run DstackApp code (no layout applies).
            func provenDecision(_ p: DstackProvenReads, _ target: Address) throws -> (Bool, String)? {
                guard try DstackProvenReads.runsDstackApp(pin, info.appId) else { return nil }
                let id = target == info.appId ? "chain.boot_app" : "chain.boot_kms"
                let app = { try p.appAllows(info.appId, composeHash: info.composeHash, deviceId: info.deviceId, tcbStatus: info.tcbStatus, checks: [id]) }
                if target == info.appId { return try app() }
                return try p.kmsAllows(target, appId: info.appId, osImageHash: info.osImageHash, app: app, checks: [id])
            }
            let code = try pin.getCode(info.appId)
            if code.isEmpty {
                r.add(.fail("chain.boot_app", "no contract code at app \(info.appId) at block \(pin.block.number): the KMS refuses apps without code"))
            } else {
                try simulate("chain.boot_app", DstackABI.isAppAllowed, on: info.appId, label: "app")
            }
            if let kms {
                guard !(try pin.getCode(kms)).isEmpty else {
                    r.add(.fail("chain.boot_kms", "no contract code at --kms \(kms) at block \(pin.block.number)")); return
                }
                try simulate("chain.boot_kms", DstackABI.isAppAllowed, on: kms, label: "DstackKms")
            } else {
                r.add(.skip("chain.boot_kms", "no --kms: the KMS-level checks (registration, OS image allowlist) were not simulated"))
            }
            TrustedReads.apply(&r, pin)
            try pin.recheck()
        }
        return r
    }

    // MARK: history

    public struct TimelineEntry: Sendable, Equatable {
        public var block: UInt64
        public var time: UInt64?
        public var tx: Bytes
        public var logIndex: UInt64
        public var event: String
        public var args: JSONValue
        public var summary: String

        public var json: JSONValue {
            .obj([("block", .int(block)), ("time", time.map { .int($0) } ?? .null), ("tx", .string(tx.hex0x)),
                  ("log_index", .int(logIndex)), ("event", .string(event)), ("args", args)])
        }
    }

    static func describe(_ d: DecodedEvent) -> (JSONValue, String) {
        var args = d.args.map { JSONMember($0.name, $0.value.json) }
        var text = d.args.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        if d.name == "PolicyChanged", let p = d["policy"]?.bytesValue, let tag = DstackABI.policyTag(p) {
            args.append(JSONMember("policy_tag", .string(tag)))
            text = "policy=\(tag) value=\(d["value"]?.description ?? "?") enabled=\(d["enabled"]?.description ?? "?")"
        }
        return (.object(args), text)
    }

    public static func history(_ o: ChainHistoryOptions) throws -> Report {
        var r = Report(command: "chain history")
        let app = o.app
        try guarded(&r) { r in
            let pin = try o.rpc.pin(into: &r)
            let client = pin.client
            let code = try pin.getCode(app)
            guard !code.isEmpty else {
                r.add(.fail("chain.history", "no contract code at \(app) at block \(pin.block.number)")); return
            }
            // Contract kind decides how events with ambiguous layouts are decoded.
            let kind: ContractKind
            switch o.kind {
            case "dstack-app": kind = .dstackApp
            case "timelock": kind = .timelockAppAuth
            case "auto":
                var impl = code
                let slot = try pin.getStorageAt(app, slot: DstackABI.erc1967ImplementationSlot)
                if !slot.isAllZero, let implAddr = try? Address(bytes: Array(slot.suffix(20))) {
                    let c = try pin.getCode(implAddr); if !c.isEmpty { impl = c }
                }
                let propose = ABI.selector("proposeComposeHash(bytes32)"), add = ABI.selector("addComposeHash(bytes32)")
                kind = contains(impl, propose) && !contains(impl, add) ? .timelockAppAuth : .dstackApp
            default: throw DevProofError.usage("--kind must be auto, dstack-app or timelock")
            }
            r.setFact("contract_kind", .string(kind.rawValue))
            let from: UInt64
            if o.fromBlock == "auto" {
                guard let d = try DeploymentFinder.deploymentBlock(client, app, head: pin.block.number) else {
                    r.add(.fail("chain.history", "no contract code at \(app)")); return
                }
                from = d
            } else {
                guard let n = UInt64(o.fromBlock) else { throw DevProofError.usage("--from-block must be a block number or auto") }
                from = n
            }
            guard from <= pin.block.number else { throw DevProofError.usage("--from-block \(from) is after the pinned block \(pin.block.number)") }
            var scanner = LogScanner(addresses: [app])
            scanner.maxRequests = o.maxRequests; scanner.maxBlocks = o.maxBlocks; scanner.initialChunk = o.initialChunk
            if o.progress { scanner.progress = LogScanner.stderrProgress }
            let postsBefore = client.stats.posts
            let scan = try scanner.scan(client, from: from, to: pin.block.number)
            // Block times, batched.
            let blocks = Array(Set(scan.logs.map(\.blockNumber))).sorted()
            var times = [UInt64: UInt64](), hashes = [UInt64: Bytes]()
            var i = 0
            while i < blocks.count {
                let part = Array(blocks[i..<min(i + 100, blocks.count)])
                let res = try client.batch(part.map { RPCCall("eth_getBlockByNumber", [.string(RPCQuantity.encode($0)), .bool(false)]) },
                                           compare: RPCClient.headerFields)
                for (n, rr) in zip(part, res) {
                    let v = try rr.get()
                    if v.isNull { throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_getBlockByNumber", message: "block \(n) of a log does not exist") }
                    let h: BlockHeader
                    do { h = try BlockHeader(json: v) } catch let e as DevProofError {
                        throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_getBlockByNumber", message: e.description)
                    }
                    guard h.number == n else {
                        throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_getBlockByNumber", message: "asked for \(n), got \(h.number)")
                    }
                    times[n] = h.timestamp
                    hashes[n] = h.hash
                }
                i += 100
            }
            var timeline = [TimelineEntry](), unknown = 0, undecodable = [String](), forked = [String]()
            for l in scan.logs {
                // Every log must come from the pinned chain: its block hash must be the canonical one.
                if let h = hashes[l.blockNumber], h != l.blockHash {
                    forked.append("block \(l.blockNumber) log \(l.logIndex) has blockHash \(l.blockHash.hex0x), the block is \(h.hex0x)")
                    continue
                }
                do {
                    guard let d = try EventCatalog.decode(l, kind: kind) else { unknown += 1; continue }
                    let (args, text) = describe(d)
                    timeline.append(TimelineEntry(block: l.blockNumber, time: times[l.blockNumber], tx: l.transactionHash,
                                                  logIndex: l.logIndex, event: d.name, args: args, summary: text))
                } catch {
                    undecodable.append("block \(l.blockNumber) log \(l.logIndex): \(error)")
                }
            }
            r.setFact("app", .string(app.checksummed))
            r.setFact("from_block", .int(from))
            r.setFact("to_block", .int(pin.block.number))
            r.setFact("scan", .obj([("requests", .int(scan.requests)), ("http_posts", .int(client.stats.posts - postsBefore)),
                                    ("complete", .bool(scan.complete)), ("scanned_through", .int(scan.scannedThrough)),
                                    ("halvings", .int(scan.halvings)), ("logs", .int(scan.logs.count))]))
            r.setFact("timeline", .array(timeline.map(\.json)))
            let details = JSONValue.obj([("events", .int(timeline.count)), ("unknown_events", .int(unknown)),
                                         ("from_block", .int(from)), ("to_block", .int(pin.block.number)),
                                         ("kind", .string(kind.rawValue))])
            if !forked.isEmpty {
                r.add(.fail("chain.history", "\(forked.count) log(s) are not from the canonical chain: \(forked.prefix(2).joined(separator: "; "))", details))
            } else if !undecodable.isEmpty {
                r.add(.fail("chain.history", "\(undecodable.count) log(s) with a known topic could not be decoded as \(kind.rawValue) events: \(undecodable.prefix(3).joined(separator: "; "))", details))
            } else if !scan.complete {
                r.add(.skip("chain.history", "history incomplete: \(scan.reason ?? "scan stopped"); absent events are not evidence", details))
            } else {
                r.add(.pass("chain.history", "\(timeline.count) event(s) from block \(from) to \(pin.block.number) in \(scan.requests) eth_getLogs request(s)" +
                            (unknown > 0 ? "; \(unknown) log(s) of other events" : ""), details))
            }
            // Logs are not covered by storage proofs: under --trusted-block they are eth_call-class (unproven) evidence.
            pin.ledger?.unproven("eth_getLogs [\(from), \(pin.block.number)]", on: app, value: "\(scan.logs.count) log(s)", checks: ["chain.history"])
            TrustedReads.apply(&r, pin)
            try pin.recheck()
        }
        return r
    }

    /// Human timeline lines (the CLI prints them above the checks).
    public static func timelineLines(_ r: Report) -> [String] {
        (r.fact("timeline")?.arrayValue ?? []).map { e in
            let block = e["block"]?.int64Value ?? 0
            let time = e["time"]?.int64Value.map { " " + TimeInput.format($0) } ?? ""
            let args = (e["args"]?.objectValue ?? []).map { m -> String in
                let v: String
                switch m.value { case .string(let s): v = s; case .bool(let b): v = b ? "true" : "false"; default: v = m.value.serialized() }
                return "\(m.key)=\(v)"
            }.joined(separator: " ")
            return "#\(block)\(time)  \(e["event"]?.stringValue ?? "?")  \(args)"
        }
    }

    static func contains(_ hay: Bytes, _ needle: Bytes) -> Bool {
        guard needle.count <= hay.count, !needle.isEmpty else { return false }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == needle[0], Array(hay[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }
}
