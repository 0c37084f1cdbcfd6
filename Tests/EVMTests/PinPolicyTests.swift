import DevProofCore
@testable import EVM
import Foundation
import Testing

extension PinnedChain {
    /// Pins with the default head spread and no age bound (these tests are not about block age).
    static func pin(_ c: RPCClient, _ s: BlockSelector) throws -> PinnedChain { try pin(c, s, policy: PinPolicy(now: 0)) }
}

/// Delays every answer of one host (a slow or hanging provider).
struct SlowTransport: RPCTransport {
    let inner: MultiTransport
    let slowURL: String
    let delay: Double
    func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
        if url == slowURL { Thread.sleep(forTimeInterval: min(delay, timeout)) }
        return try inner.post(url: url, body: body, timeout: timeout)
    }
}

@Suite("evm: pin policy (head spread, block age, timestamps, per-request deadline)")
struct PinPolicyTests {
    let a = "http://127.0.0.1:1/a", b = "http://127.0.0.1:2/b"

    @Test func headSpreadBeyondBoundIsRefused() throws {
        let honest = FakeNode(), stale = FakeNode()
        stale.head = 100_000 - 30   // a provider whose `latest` is 30 blocks old
        let t = MultiTransport(nodes: [a: honest, b: stale])
        do {
            _ = try PinnedChain.pin(try RPCClient(urls: [a, b], transport: t), .latest, policy: PinPolicy(now: 0))
            Issue.record("a 30-block spread must be refused")
        } catch let e as PinRefused {
            #expect(e.reason.contains("differ by 30 blocks"))
            #expect(e.reason.contains("127.0.0.1:2"))
        }
        // Within the bound the lowest head is pinned (every provider has it).
        let p = try PinnedChain.pin(try RPCClient(urls: [a, b], transport: t), .latest, policy: PinPolicy(now: 0, maxHeadSpread: 30))
        #expect(p.block.number == 99_970)
        #expect(p.heads.count == 2)
    }

    @Test func blockAgeIsBoundedAgainstNow() throws {
        let n = FakeNode()
        let ts = Int64(1_700_000_000 + 100_000 * 2)   // FakeNode's timestamp of its head
        let ok = try PinnedChain.pin(try RPCClient(urls: [a], transport: n), .latest, policy: PinPolicy(now: ts + 3600, maxBlockAge: 3600))
        #expect(ok.block.number == 100_000)
        do {
            _ = try PinnedChain.pin(try RPCClient(urls: [a], transport: n), .latest, policy: PinPolicy(now: ts + 3601, maxBlockAge: 3600))
            Issue.record("a block older than --max-block-age must be refused")
        } catch let e as PinRefused {
            #expect(e.reason.contains("3601 s old"))
        }
    }

    @Test func providersMustAgreeOnBlockTimestamp() throws {
        // Same hash, another timestamp: a provider moving the block's time (to pass the age bound) is caught.
        struct TimeLiar: RPCTransport {
            let inner: FakeNode
            func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
                let r = try inner.post(url: url, body: body, timeout: timeout)
                let s = String(decoding: r.body, as: UTF8.self).replacingOccurrences(of: "\"timestamp\":\"0x", with: "\"timestamp\":\"0x1")
                return (r.status, Array(s.utf8))
            }
        }
        let t = MultiTransport(nodes: [a: FakeNode()])
        struct Both: RPCTransport {
            let honest: MultiTransport, liar: TimeLiar, liarURL: String
            func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
                url == liarURL ? try liar.post(url: url, body: body, timeout: timeout) : try honest.post(url: url, body: body, timeout: timeout)
            }
        }
        let both = Both(honest: t, liar: TimeLiar(inner: FakeNode()), liarURL: b)
        do {
            _ = try PinnedChain.pin(try RPCClient(urls: [a, b], transport: both), .number(42, hash: nil), policy: PinPolicy(now: 0))
            Issue.record("expected a disagreement on the timestamp")
        } catch let e as RPCError {
            guard case .disagreement(let m, let p, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(m == "eth_getBlockByNumber"); #expect(p == "http://127.0.0.1:2")
        }
    }

    @Test func slowProviderDoesNotStallOnceQuorumAnswered() throws {
        let t = SlowTransport(inner: MultiTransport(nodes: [a: FakeNode(), b: FakeNode()]), slowURL: b, delay: 20)
        let rpc = try RPCClient(urls: [a, b], quorum: 1, timeout: 30, transport: t)
        let start = Date()
        #expect(try rpc.chainId() == 1337)
        let took = Date().timeIntervalSince(start)
        #expect(took < 8, "took \(took) s: the slow provider stalled the request")
        // With quorum = all, the request waits for it (bounded by --rpc-timeout).
        let all = try RPCClient(urls: [a, b], timeout: 1, transport: t)
        let s2 = Date()
        #expect(try all.chainId() == 1337)
        #expect(Date().timeIntervalSince(s2) < 8)
    }
}
