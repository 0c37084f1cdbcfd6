import Foundation
import Testing
import TestSupport

/// The local EVM test chain (scripts/devnet): starts, answers raw JSON-RPC, holds the scenario contracts, stops.
@Suite("devnet: local EVM test chain", .serialized)
struct DevnetTests {
    /// This suite's own default devnet: smoke.py and the time-travel test change chain state (snapshot, time
    /// travel, revert), which must never happen on `Devnet.shared`, read concurrently by other suites.
    static let own = Result { try Devnet.start(scenario: "default") }

    static func word(_ hex: String) -> String { String(hex.dropFirst(2)).lowercased() }

    @Test("default scenario: chain id, contract reads, independent Python smoke checks")
    func defaultScenario() throws {
        let net = try Self.own.get()
        let chainId = try #require(net.rpc("eth_chainId") as? String)
        #expect(UInt64(chainId.dropFirst(2), radix: 16) == net.chainId)
        #expect(net.chainId == 131_277_322_940_537)

        // owner() of the instant-upgrade app is the EOA recorded in devnet.json
        let app = try net.address("app_instant")
        let owner = try #require(net.fact("apps.app_instant.owner") as? String)
        let got = try net.call(app, "0x8da5cb5b")
        #expect(got.lowercased().hasSuffix(Self.word(owner)))
        #expect(got.count == 66)

        // allowedComposeHashes(H1) is true, (H6) false
        let h1 = try #require(net.fact("compose_hashes.H1") as? String)
        let h6 = try #require(net.fact("compose_hashes.H6") as? String)
        #expect(try net.call(app, "0x2f6622e5" + Self.word(h1)).hasSuffix("1"))
        #expect(try net.call(app, "0x2f6622e5" + Self.word(h6)).hasSuffix("0"))

        // the renounced app's owner is the zero address
        #expect(try net.call(net.address("app_renounced"), "0x8da5cb5b") == "0x" + String(repeating: "0", count: 64))

        // TimelockController-like owner: getMinDelay() = 8 days
        let minDelay = try net.call(net.address("timelock_owner"), "0xf27a0c92")
        #expect(UInt64(minDelay.dropFirst(2), radix: 16) == 8 * 86400)

        // Python-side independent checks of the whole scenario (eth-abi, rlp, trie, coincurve)
        let r = try Run.python([TestPaths.root.appendingPathComponent("devnet/smoke.py").path,
                                net.dir.appendingPathComponent("devnet.json").path])
        #expect(r.status == 0, "\(r.stdout.suffix(3000))\n\(r.stderr.suffix(2000))")
        #expect(r.stdout.contains(" 0 failed"))
    }

    @Test("server edge cases in-process: log filters and limits, block ids, time, snapshots, batches (devnet/selftest.py)")
    func serverSelfTest() throws {
        let r = try Run.python([TestPaths.root.appendingPathComponent("devnet/selftest.py").path])
        #expect(r.status == 0, "\(r.stdout.suffix(3000))\n\(r.stderr.suffix(2000))")
        #expect(r.stdout.contains(" 0 failed"))
    }

    @Test("reverts carry ABI Error(string) data in the JSON-RPC error")
    func revertData() throws {
        let net = try Devnet.shared("default")
        let tl = try net.address("timelock_app")
        let unknown = String(repeating: "ab", count: 32)
        do {
            _ = try net.call(tl, "0xa6e38615" + unknown)   // activatesAt(unknown) → revert "not proposed"
            Issue.record("expected a revert")
        } catch let e as DevnetRPCError {
            #expect(e.code == 3)
            #expect(e.message == "execution reverted: not proposed")
            let data = try #require(e.data as? String)
            #expect(data.hasPrefix("0x08c379a0"))
        }
    }

    @Test("unknown method and malformed body are JSON-RPC errors, not crashes")
    func errors() throws {
        let net = try Devnet.shared("default")
        #expect(throws: DevnetRPCError.self) { try net.rpc("eth_nope") }
        let raw = try net.post(Data("{not json".utf8))
        let obj = try #require(try JSONSerialization.jsonObject(with: raw) as? [String: Any])
        #expect((obj["error"] as? [String: Any])?["code"] as? Int == -32700)
    }

    @Test("snapshot, time travel and revert: a pending proposal becomes activatable, then is pending again")
    func timeTravel() throws {
        let net = try Self.own.get()
        let tl = try net.address("timelock_app")
        let pending = try #require((net.fact("proposals") as? [[String: Any]])?.first { ($0["app"] as? String) == "timelock_app" && ($0["status"] as? String) == "pending" })
        let hash = try #require(pending["compose_hash"] as? String)
        let activate = "0x28e7654f" + Self.word(hash)
        let snap = try net.snapshot()
        defer { _ = try? net.revert(snap) }
        #expect(throws: DevnetRPCError.self) { try net.call(tl, activate) }
        try net.increaseTime(8 * 86400 + 1)
        #expect(try net.call(tl, activate) == "0x")
        try net.revert(snap)
        #expect(throws: DevnetRPCError.self) { try net.call(tl, activate) }
    }

    @Test("eth_getLogs range limit answers like public RPCs; evm_mine advances many blocks; stop leaves no process")
    func limitsAndStop() throws {
        let net = try Devnet.start(scenario: "empty", maxLogRange: 100, maxLogResults: 5, liar: "blockhash,head")
        let pid = net.pid
        #expect(Devnet.isAlive(pid))
        try net.mine(500)
        #expect(try net.blockNumber() == 500)

        // the lying proxy alters block hashes and the head, and passes everything else through
        let liar = try #require(net.liarURL)
        let honest = try #require(net.rpc("eth_getBlockByNumber", ["0x10", false]) as? [String: Any])
        let lied = try #require(net.rpc("eth_getBlockByNumber", ["0x10", false], url: liar) as? [String: Any])
        #expect(honest["hash"] as? String != nil && honest["hash"] as? String != lied["hash"] as? String)
        #expect(honest["parentHash"] as? String == lied["parentHash"] as? String)
        #expect(try net.rpc("eth_blockNumber", url: liar) as? String == "0x1ef")
        #expect(try net.rpc("eth_chainId", url: liar) as? String == net.rpc("eth_chainId") as? String)
        do {
            try net.rpc("eth_getLogs", [["fromBlock": "0x0", "toBlock": "0x1f4"]])
            Issue.record("expected a range error")
        } catch let e as DevnetRPCError {
            #expect(e.code == -32005)
            #expect(e.message.contains("range"))
        }
        let ok = try net.rpc("eth_getLogs", [["fromBlock": "0x0", "toBlock": "0x63"]]) as? [Any]
        #expect(ok?.isEmpty == true)
        net.stop()
        var gone = false
        for _ in 0..<50 where !gone {
            gone = !Devnet.isAlive(pid)
            if !gone { usleep(100_000) }
        }
        #expect(gone, "devnet server pid \(pid) still running after stop()")
        let liarPid = (net.info["liar_pid"] as? NSNumber)?.int32Value ?? 0
        #expect(liarPid > 0 && !Devnet.isAlive(liarPid))
        #expect(!net.isRunning)
    }
}
