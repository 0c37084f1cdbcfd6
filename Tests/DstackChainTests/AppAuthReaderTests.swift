import DevProofCore
@testable import DstackChain
import EVM
import Testing

/// An in-memory chain: code, storage, logs and a function answering eth_call.
final class FakeAppAuthChain: AppAuthChain, @unchecked Sendable {
    var block = AppAuthSnapshot.Block(number: 50, hash: Bytes(repeating: 0xbb, count: 32), timestamp: 1_700_000_000)
    var chainId: UInt64 = 1337
    var codes = [Address: Bytes]()
    var slots = [Address: [Bytes: Bytes]]()
    var eventLogs = [Address: [AppAuthLog]]()
    var deployments = [Address: UInt64]()
    var creations = [Address: [Bytes]]()
    var answer: (Address, Bytes, Address?) -> AppAuthCallResult = { _, _, _ in .returned([]) }
    var calls = [(Address, Bytes, Address?)]()

    func call(to: Address, data: Bytes, from: Address?) throws -> AppAuthCallResult {
        calls.append((to, data, from))
        return answer(to, data, from)
    }
    func code(_ a: Address) throws -> Bytes { codes[a] ?? [] }
    func storage(_ a: Address, slot: Bytes) throws -> Bytes { slots[a]?[slot] ?? Bytes(repeating: 0, count: 32) }
    func logs(_ a: Address, from: UInt64, to: UInt64) throws -> AppAuthLogs {
        AppAuthLogs(logs: (eventLogs[a] ?? []).filter { $0.block >= from && $0.block <= to })
    }
    func deploymentBlock(_ a: Address) throws -> UInt64? { deployments[a] }
    func creationInputs(_ a: Address, block: UInt64) throws -> [Bytes] { creations[a] ?? [] }
}

enum W {
    static func word(_ b: Bytes) -> Bytes { Bytes(repeating: 0, count: 32 - b.count) + b }
    static func uint(_ v: UInt64) -> Bytes { word(Bytes.be(v)) }
    static func bool(_ v: Bool) -> AppAuthCallResult { .returned(uint(v ? 1 : 0)) }
    static func addr(_ a: Address) -> AppAuthCallResult { .returned(word(a.bytes)) }
    static func code(_ fs: [AppAuthABI.Function]) -> Bytes { [0x60, 0x80] + fs.flatMap { [0x63] + $0.selector + [0x14] } + [0x00] }
}

@Suite("appauth: reader over a fake chain")
struct AppAuthReaderTests {
    let app = try! Address("0x00000000000000000000000000000000000a9900")
    let impl = try! Address("0x0000000000000000000000000000000000001111")
    let owner = try! Address("0x000000000000000000000000000000000000e0a0")
    let h0 = Bytes(repeating: 0x10, count: 32), h1 = Bytes(repeating: 0x11, count: 32)
    let h2 = Bytes(repeating: 0x22, count: 32), h3 = Bytes(repeating: 0x33, count: 32)

    func dstackChain() -> FakeAppAuthChain {
        let c = FakeAppAuthChain()
        c.codes[app] = [0x36, 0x3d, 0x3d, 0x37] // a proxy: no selectors of its own
        c.codes[impl] = W.code([.isAppAllowed, .allowedComposeHashes, .addComposeHash, .removeComposeHash, .allowAnyDevice,
                                .requireTcbUpToDate, .owner, .pendingOwner, .upgradeToAndCall, .supportsInterface, .addDevice])
        c.slots[app] = [AppAuthABI.implementationSlot: W.word(impl.bytes)]
        c.deployments[app] = 3
        let t = AppAuthABI.Event.self
        c.eventLogs[app] = [
            AppAuthLog(topics: [t.composeHashAdded.topic], data: h1, block: 3),
            AppAuthLog(topics: [t.composeHashAdded.topic], data: h2, block: 10),
            AppAuthLog(topics: [t.composeHashRemoved.topic], data: h2, block: 11),
            AppAuthLog(topics: [t.policyChanged.topic, W.word(owner.bytes), AppAuthABI.policyTag("compose-hash"), h3], data: W.uint(1), block: 12),
            AppAuthLog(topics: [t.deviceAdded.topic], data: h0, block: 12),
        ]
        let (app, owner, h1, h3, h0) = (app, owner, h1, h3, h0)
        c.answer = { to, data, from in
            guard to == app else { return .returned([]) }
            let sel = Array(data.prefix(4)), arg = Array(data.dropFirst(4).prefix(32))
            typealias F = AppAuthABI.Function
            switch sel {
            case F.supportsInterface.selector: return W.bool(true)
            case F.owner.selector: return W.addr(owner)
            case F.pendingOwner.selector: return W.addr(.zero)
            case F.allowAnyDevice.selector: return W.bool(false)
            case F.requireTcbUpToDate.selector: return W.bool(true)
            case F.allowedComposeHashes.selector: return W.bool(arg == h1 || arg == h3)
            case F.allowedDeviceIds.selector: return W.bool(arg == h0)
            case F.addComposeHash.selector, F.upgradeToAndCall.selector:
                return from == owner ? .returned([]) : .reverted("Ownable: caller is not the owner")
            default: return .reverted(nil)
            }
        }
        return c
    }

    @Test func readsDstackAppBehindProxy() throws {
        let c = dstackChain()
        let s = try AppAuthReader(chain: c).read(app: app, runningHash: h1)
        #expect(s.proxy.implementation == impl)
        #expect(s.has(.addComposeHash) && s.has(.upgradeToAndCall))
        #expect(s.interfaces[AppAuthABI.iAppAuth] == true)
        #expect(s.owner?.address == owner && s.owner?.kind == .eoa)
        #expect(s.pendingOwner == nil)
        // h2 was added then removed: the view decides, not the event order.
        #expect(s.allowedHashes.map(\.hash) == [h1, h3])
        #expect(s.allowedHashesComplete)
        #expect(s.devices == [h0])
        #expect(s.allowAnyDevice == false && s.requireTcbUpToDate == true)
        #expect(s.upgradesDisabledEvent == false)
        #expect(s.simulation("addComposeHash")?.succeeded == true)
        #expect(s.simulation("upgradeToAndCall")?.succeeded == true)
        #expect(s.simulation("addComposeHash")?.from == owner)
        #expect(s.runningHashAllowed == true)
        #expect(s.history?.events.count == 5)
        #expect(s.history?.events.map(\.name).first == "ComposeHashAdded")
    }

    @Test func upgradesDisabledFromPolicyChangedAndStorageCrossCheck() throws {
        let c = dstackChain()
        c.eventLogs[app]?.append(AppAuthLog(topics: [AppAuthABI.Event.policyChanged.topic, W.word(owner.bytes),
                                                     AppAuthABI.policyTag("upgrades-disabled"), W.word([])],
                                            data: W.uint(1), block: 20))
        // slot 1: byte 0 = upgradesDisabled, byte 1 = allowAnyDevice (false here, agreeing with the view)
        c.slots[app]?[Bytes(repeating: 0, count: 31) + [1]] = W.word([0x00, 0x01])
        let s = try AppAuthReader(chain: c).read(app: app)
        #expect(s.upgradesDisabledEvent == true)
        #expect(s.upgradesDisabledStorage == true)
        // A slot whose allowAnyDevice byte disagrees with the view is not trusted.
        c.slots[app]?[Bytes(repeating: 0, count: 31) + [1]] = W.word([0x01, 0x01])
        #expect(try AppAuthReader(chain: c).read(app: app).upgradesDisabledStorage == nil)
    }

    @Test func incompleteWithoutDeploymentBlockForEventlessContracts() throws {
        let c = dstackChain()
        c.deployments[app] = nil
        // Scanning from block 0 still covers creation for an event-emitting DstackApp.
        #expect(try AppAuthReader(chain: c).read(app: app).allowedHashesComplete)
        #expect(try AppAuthReader(chain: c, fromBlock: 5).read(app: app).allowedHashesComplete == false)
    }

    @Test func noCodeStopsEarly() throws {
        let c = FakeAppAuthChain()
        let s = try AppAuthReader(chain: c).read(app: app)
        #expect(s.codeSize == 0)
        #expect(c.calls.isEmpty)
    }

    func timelockChain(notice: UInt64) -> FakeAppAuthChain {
        let c = FakeAppAuthChain()
        let t = c.block.timestamp
        c.codes[app] = W.code([.isAppAllowed, .allowedComposeHashes, .allowAnyDevice, .owner, .noticePeriod, .proposedAt,
                               .activatesAt, .proposeComposeHash, .activateComposeHash, .cancelProposal, .removeComposeHash])
        c.deployments[app] = 2
        // init code ‖ abi(noticePeriod, allowAnyDevice, initialComposeHash)
        c.creations[app] = [[0x60, 0x80, 0x60, 0x40] + W.uint(notice) + W.uint(1) + h0]
        let ev = AppAuthABI.Event.self
        c.eventLogs[app] = [
            AppAuthLog(topics: [ev.composeHashProposed.topic, h2], data: W.uint(UInt64(t) + notice - 100), block: 40),
            AppAuthLog(topics: [ev.composeHashProposed.topic, h3], data: W.uint(UInt64(t)), block: 41),
            AppAuthLog(topics: [ev.composeHashCancelled.topic, h3], data: [], block: 42),
        ]
        let (app, owner, h0, h2) = (app, owner, h0, h2)
        c.answer = { to, data, _ in
            guard to == app else { return .returned([]) }
            let sel = Array(data.prefix(4)), arg = Array(data.dropFirst(4).prefix(32))
            typealias F = AppAuthABI.Function
            switch sel {
            case F.owner.selector: return W.addr(owner)
            case F.noticePeriod.selector: return .returned(W.uint(notice))
            case F.allowAnyDevice.selector: return W.bool(true)
            case F.allowedComposeHashes.selector: return W.bool(arg == h0)
            case F.proposedAt.selector: return .returned(W.uint(arg == h2 ? UInt64(t) - 100 : 0))
            case F.activatesAt.selector: return arg == h2 ? .returned(W.uint(UInt64(t) - 100 + notice)) : .reverted("not proposed")
            default: return .reverted(nil)
            }
        }
        return c
    }

    @Test func readsTimelockAppAuthInitialHashAndPendingProposal() throws {
        let c = timelockChain(notice: 86400)
        let s = try AppAuthReader(chain: c).read(app: app)
        #expect(s.noticePeriod == 86400)
        #expect(s.allowedHashes == [.init(hash: h0, source: .creation, block: 2)])
        #expect(s.allowedHashesComplete)
        #expect(s.proposals.map(\.hash) == [h2])
        #expect(s.proposals.first?.activatesAt == c.block.timestamp - 100 + 86400)
        #expect(s.proposals.first?.proposedBlock == 40)
        #expect(s.simulations.isEmpty) // no addComposeHash, no proxy
        #expect(s.interfaces.isEmpty)
    }

    @Test func timelockAppAuthWithoutCreationTxIsIncomplete() throws {
        let c = timelockChain(notice: 86400)
        c.creations[app] = nil
        let s = try AppAuthReader(chain: c).read(app: app)
        #expect(s.allowedHashes.isEmpty)
        #expect(!s.allowedHashesComplete)
        #expect(s.notes.contains { $0.contains("creation transaction") })
        // The running hash, confirmed by the view, is still reported.
        let r = try AppAuthReader(chain: c).read(app: app, runningHash: h0)
        #expect(r.allowedHashes == [.init(hash: h0, source: .input)])
        #expect(r.runningHashAllowed == true)
    }

    @Test func classifiesOwners() throws {
        let c = dstackChain()
        let tl = try Address("0x0000000000000000000000000000000000007100")
        let safe = try Address("0x0000000000000000000000000000000000005afe")
        c.codes[tl] = [0x60, 0x80]; c.codes[safe] = [0x60, 0x80]
        let inner = c.answer
        c.answer = { to, data, from in
            let sel = Array(data.prefix(4))
            typealias F = AppAuthABI.Function
            if to == tl {
                if sel == F.getMinDelay.selector { return .returned(W.uint(86400)) }
                if sel == F.updateDelay.selector { return .reverted("caller must be timelock") }
                return .reverted(nil)
            }
            if to == safe {
                if sel == F.getThreshold.selector { return .returned(W.uint(2)) }
                if sel == F.getOwners.selector { return .returned(W.uint(32) + W.uint(2) + W.word(tl.bytes) + W.word(safe.bytes)) }
                return .reverted(nil)
            }
            return inner(to, data, from)
        }
        let r = AppAuthReader(chain: c)
        var notes = [String]()
        var p = try r.principal(tl, &notes)
        #expect(p.kind == .timelock && p.minDelay == 86400)
        _ = try r.inspectTimelock(&p, app: app, &notes)
        #expect(p.delayChangeableByOthers == false)
        #expect(p.timelockAdmins == [])
        let q = try r.principal(safe, &notes)
        #expect(q.kind == .safe && q.threshold == 2 && q.owners == [tl, safe])
        #expect(try r.principal(owner, &notes).kind == .eoa)
        #expect(try r.principal(.zero, &notes).kind == .renounced)
        c.codes[owner] = [0xef, 0x01, 0x00] + impl.bytes
        #expect(try r.principal(owner, &notes).delegatesTo == impl)
    }

    @Test func scheduledTimelockOperationsTargetingTheApp() throws {
        let c = dstackChain()
        let tl = try Address("0x0000000000000000000000000000000000007100")
        c.codes[tl] = [0x60, 0x80]
        let id1 = Bytes(repeating: 0xa1, count: 32), id2 = Bytes(repeating: 0xa2, count: 32)
        func scheduled(_ id: Bytes, _ target: Address, _ call: Bytes) -> AppAuthLog {
            let padded = call + Bytes(repeating: 0, count: (32 - call.count % 32) % 32)
            let data = W.word(target.bytes) + W.uint(0) + W.uint(160) + W.word([]) + W.uint(86400) + W.uint(UInt64(call.count)) + padded
            return AppAuthLog(topics: [AppAuthABI.Event.callScheduled.topic, id, W.uint(0)], data: data, block: 30)
        }
        c.eventLogs[tl] = [scheduled(id1, app, AppAuthABI.Function.addComposeHash.selector + h2),
                           scheduled(id2, app, AppAuthABI.Function.addComposeHash.selector + h3)]
        let inner = c.answer, t = c.block.timestamp, app = app
        c.answer = { to, data, from in
            let sel = Array(data.prefix(4)), arg = Array(data.dropFirst(4).prefix(32))
            typealias F = AppAuthABI.Function
            if to == tl {
                if sel == F.getMinDelay.selector { return .returned(W.uint(86400)) }
                if sel == F.getTimestamp.selector { return .returned(W.uint(arg == id1 ? UInt64(t) + 500 : 1)) } // id2 done
                return .reverted(nil)
            }
            if to == app, sel == F.owner.selector { return W.addr(tl) }
            return inner(to, data, from)
        }
        let s = try AppAuthReader(chain: c).read(app: app)
        #expect(s.owner?.kind == .timelock)
        #expect(s.scheduled.count == 1)
        #expect(s.scheduled.first?.function == "addComposeHash")
        #expect(s.scheduled.first?.argument == h2)
        #expect(s.scheduled.first?.readyAt == t + 500)
    }

    @Test func decodersRejectMalformedWords() {
        let r = AppAuthReader(chain: FakeAppAuthChain())
        #expect(r.bool(.returned(W.uint(2))) == nil)
        #expect(r.bool(.returned([1])) == nil)
        #expect(r.bool(.reverted(nil)) == nil)
        #expect(r.address(.returned(Bytes(repeating: 0xff, count: 32))) == nil)
        #expect(r.addressArray(W.uint(32) + W.uint(5)) == nil)          // length beyond data
        #expect(r.addressArray(W.uint(1 << 40) + W.uint(0)) == nil)     // absurd offset
        #expect(r.uint(.returned(Bytes(repeating: 0xff, count: 32))) == UInt64.max)
    }

    @Test func proxyAdminContractIsClassifiedByItsOwner() throws {
        let c = dstackChain()
        let proxyAdmin = try Address("0x000000000000000000000000000000000000ad01")
        let adminOwner = try Address("0x000000000000000000000000000000000000ad02")
        c.slots[app]?[AppAuthABI.adminSlot] = W.word(proxyAdmin.bytes)
        c.codes[proxyAdmin] = [0x60, 0x80, 0x01]
        let inner = c.answer
        c.answer = { to, data, from in
            if to == proxyAdmin { return Array(data.prefix(4)) == AppAuthABI.Function.owner.selector ? W.addr(adminOwner) : .reverted(nil) }
            return inner(to, data, from)
        }
        let s = try AppAuthReader(chain: c).read(app: app)
        #expect(s.proxy.admin == proxyAdmin)
        #expect(s.proxyAdmin?.address == adminOwner)
        #expect(s.proxyAdmin?.kind == .eoa)
        #expect(s.notes.contains { $0.contains("owned by") })
    }
}
