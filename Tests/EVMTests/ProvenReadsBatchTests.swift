import DevProofCore
import Foundation
import Testing
import TestSupport
@testable import EVM

/// Batched proven reads on the devnet: `prefetch` proves every slot of an account in one eth_getProof and sends
/// the proofs and eth_getCode in one JSON-RPC batch; later reads come from what was proven. A provider whose
/// eth_getProof answer lacks a slot asked for, or carries one that was not asked, is refused (devnet/lying_proxy.py
/// `proofmissing`, `proofextra`: the remaining proofs are genuine, so only the slot-set check can catch it).
@Suite("proven reads batched: one eth_getProof per account, slot sets checked (devnet)", .serialized)
struct ProvenReadsBatchDevnetTests {
    static let net = Result { try Devnet.shared("default") }

    func reader(_ url: String, _ t: TrustedBlock? = nil) throws -> (ProvenChainReader, RPCClient) {
        let c = try RPCClient(urls: [url])
        let trusted = try t ?? {
            let h = try ExecutionHeader(json: try c.request("eth_getBlockByNumber", [.string("latest"), .bool(false)]))
            return TrustedBlock(number: h.number, hash: h.hash)
        }()
        return (try ProvenChainReader(client: c, trusted: trusted), c)
    }

    @Test func prefetchIsOneBatchAndLaterReadsCostNothing() throws {
        guard TestPaths.python != nil else { print("SKIP: no Python venv"); return }
        let net = try Self.net.get()
        let (r, c) = try reader(net.url)
        let app = try Address(try net.address("app_instant")), kms = try Address(try net.address("kms"))
        let appSlots: [Bytes] = (0..<4).map { [UInt8($0)] }, kmsSlots: [Bytes] = [[0], [1], [0]]  // a duplicate is asked once
        let before = (c.stats.posts, c.stats.calls)
        try r.prefetch([ProofRequest(app, slots: appSlots), ProofRequest(kms, slots: kmsSlots)], code: [app, kms])
        #expect(c.stats.posts - before.0 == 1, "one HTTP request for two proofs and two codes")
        #expect(c.stats.calls - before.1 == 4, "eth_getProof ×2 (all slots of an account in one) + eth_getCode ×2")
        // Reads of proven values: no request, same values as the provider's eth_getStorageAt.
        let mark = c.stats.posts
        let a = try r.account(app, slots: appSlots.reversed())
        #expect(a.storage.map(\.slot) == appSlots.reversed().map(StorageSlot.keyWord), "storage in the order asked")
        let k = try r.account(kms, slots: [[1]])
        let code = try r.code(app)
        #expect(c.stats.posts == mark)
        #expect(Keccak.keccak256(code) == a.codeHash)
        for s in appSlots { #expect(a.value(at: s) == (try c.getStorageAt(app, slot: s, block: r.anchor.number))) }
        #expect(k.value(at: [1]) == (try c.getStorageAt(kms, slot: [1], block: r.anchor.number)))
        // A slot not proven yet: one more eth_getProof with that slot only.
        let calls = c.stats.calls
        let more = try r.account(app, slots: [[0], [9]])
        #expect(c.stats.calls - calls == 1)
        #expect(more.value(at: [9]) == (try c.getStorageAt(app, slot: [9], block: r.anchor.number)))
        // Code of an account not proven yet: its proof and its code in one request.
        let p = c.stats.posts
        _ = try r.code(try Address(try net.address("app_safe_owner")))
        #expect(c.stats.posts - p == 1)
    }

    /// Many slots: an account's slots are split at AccountProof.maxSlots (256) per eth_getProof, and a batch carries at
    /// most maxBatchSlots (1,024) slots, so 1,100 slots are 5 proofs in 2 requests.
    @Test func largePrefetchIsSplitWithinBounds() throws {
        guard TestPaths.python != nil else { print("SKIP: no Python venv"); return }
        let net = try Self.net.get()
        let (r, c) = try reader(net.url)
        let app = try Address(try net.address("app_timelock_owner"))
        let slots: [Bytes] = (0..<1100).map { Word(UInt64(1000 + $0)).bytes }
        let before = (c.stats.posts, c.stats.calls)
        try r.prefetch([ProofRequest(app, slots: slots)])
        #expect(c.stats.posts - before.0 == 2 && c.stats.calls - before.1 == 5, "\(c.stats.posts - before.0) posts, \(c.stats.calls - before.1) calls")
        let a = try r.account(app, slots: [slots[0], slots[1099]])
        #expect(c.stats.calls - before.1 == 5)
        #expect(a.value(at: slots[1099]) == (try c.getStorageAt(app, slot: slots[1099], block: r.anchor.number)))
    }

    @Test func proofLackingAnAskedSlotIsRefused() throws {
        guard TestPaths.python != nil else { print("SKIP: no Python venv"); return }
        let net = try Self.net.get()
        let liar = try net.startLiar("proofmissing")
        defer { liar.stop() }
        let (r, _) = try reader(liar.url)
        let app = try Address(try net.address("app_instant"))
        let e = try #require(throws: ProofError.self) { try r.prefetch([ProofRequest(app, slots: [[0], [1], [2]])]) }
        #expect(e.reason.contains("lacks 1 slot(s) asked (\(StorageSlot.keyWord([2]).hex0x)"), "\(e.reason)")
        // Nothing of the refused answer is kept: a later read asks again (and is refused again).
        #expect(throws: ProofError.self) { _ = try r.account(app, slots: [[0]]) }
    }

    @Test func proofCarryingAnUnaskedSlotIsRefused() throws {
        guard TestPaths.python != nil else { print("SKIP: no Python venv"); return }
        let net = try Self.net.get()
        let liar = try net.startLiar("proofextra")
        defer { liar.stop() }
        let (r, _) = try reader(liar.url)
        let app = try Address(try net.address("app_instant"))
        for slots: [Bytes] in [[], [[0], [1]]] {
            let e = try #require(throws: ProofError.self) { try r.prefetch([ProofRequest(app, slots: slots)], code: [app]) }
            #expect(e.reason.contains("adds 1 slot(s) not asked (0x" + String(repeating: "ab", count: 32)), "\(e.reason)")
        }
        #expect(throws: ProofError.self) { _ = try r.code(app) }
    }
}
