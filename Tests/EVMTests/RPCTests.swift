import DevProofCore
import DstackChain
@testable import EVM
import Foundation
import Testing

/// An in-memory JSON-RPC node: deterministic blocks, code from a deployment block on, logs, canned eth_call
/// answers, and configurable misbehaviour (lying, range limits, timeouts, HTTP errors).
final class FakeNode: RPCTransport, @unchecked Sendable {
    var head: UInt64 = 100_000
    var finalized: UInt64 = 99_900
    var deployBlock: UInt64 = 1234
    var code: Bytes = [0x60, 0x80]
    var logs: [EthLog] = []
    /// Max blocks per eth_getLogs; beyond it a "block range too large" RPC error.
    var maxRange: UInt64 = .max
    /// Ranges larger than this time out (transport error).
    var timeoutAbove: UInt64 = .max
    /// eth_call answers by selector hex: return data, or revert data.
    var callResults: [String: Result<Bytes, RevertBytes>] = [:]
    var hashSalt: UInt8 = 0
    var httpStatus: Int = 200
    var down = false
    var lieAboutCall = false
    private let lock = NSLock()
    private(set) var posts = 0
    private(set) var methods: [String] = []

    struct RevertBytes: Error { let data: Bytes }

    func hash(_ n: UInt64) -> Bytes { Keccak.keccak256(Bytes.be(n) + [hashSalt]) }

    func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
        lock.lock(); posts += 1; lock.unlock()
        if down { throw DevProofError.unavailable("connection refused") }
        if httpStatus != 200 { return (httpStatus, Array("<html>bad gateway</html>".utf8)) }
        let req = try JSONParser.parse(body)
        if let arr = req.arrayValue {
            let answers = try arr.map { try answer($0) }
            return (200, Array(JSONValue.array(answers.reversed()).serialized().utf8))  // out of order on purpose
        }
        return (200, Array(try answer(req).serialized().utf8))
    }

    func answer(_ req: JSONValue) throws -> JSONValue {
        let id = req["id"] ?? .null
        let method = req["method"]?.stringValue ?? ""
        let params = req["params"]?.arrayValue ?? []
        lock.lock(); methods.append(method); lock.unlock()
        func ok(_ v: JSONValue) -> JSONValue { .obj([("jsonrpc", .string("2.0")), ("id", id), ("result", v)]) }
        func err(_ code: Int, _ msg: String, _ data: Bytes? = nil) -> JSONValue {
            var e: [(String, JSONValue)] = [("code", .int(code)), ("message", .string(msg))]
            if let data { e.append(("data", .string(data.hex0x))) }
            return .obj([("jsonrpc", .string("2.0")), ("id", id), ("error", .obj(e))])
        }
        func blockNum(_ v: JSONValue?) throws -> UInt64 {
            switch v?.stringValue {
            case "latest": return head
            case "finalized", "safe": return finalized
            case let s?: return try RPCQuantity.parse(s, "block")
            default: return head
            }
        }
        switch method {
        case "eth_chainId": return ok(.string("0x539"))
        case "eth_getBlockByNumber":
            let n = try blockNum(params.first)
            guard n <= head else { return ok(.null) }
            return ok(.obj([("number", .string(RPCQuantity.encode(n))), ("hash", .string(hash(n).hex0x)),
                            ("parentHash", .string(hash(n &- 1).hex0x)), ("timestamp", .string(RPCQuantity.encode(1_700_000_000 + n * 2))),
                            ("extra", .string(hashSalt == 0 ? "x" : "y"))]))
        case "eth_getCode":
            let n = try blockNum(params.count > 1 ? params[1] : nil)
            return ok(.string(n >= deployBlock ? code.hex0x : "0x"))
        case "eth_getStorageAt": return ok(.string("0x01"))
        case "eth_call":
            let data = try Hex.decode(params.first?["data"]?.stringValue ?? "0x")
            let sel = Array(data.prefix(4)).hex
            switch callResults[sel] {
            case .success(let b)?: return ok(.string((lieAboutCall ? Word(1).bytes : b).hex0x))
            case .failure(let r)?: return err(3, "execution reverted", r.data)
            case nil: return err(-32000, "execution reverted")
            }
        case "eth_getLogs":
            let f = params.first ?? .null
            let from = try blockNum(f["fromBlock"]), to = try blockNum(f["toBlock"])
            if to - from + 1 > timeoutAbove { throw DevProofError.unavailable("127.0.0.1: operation timed out after 1000 ms") }
            if to - from + 1 > maxRange { return err(-32602, "block range too large: max \(maxRange)") }
            let sel = logs.filter { $0.blockNumber >= from && $0.blockNumber <= to }
            return ok(.array(sel.map { l in
                .obj([("address", .string(l.address.hex)), ("topics", .array(l.topics.map { .string($0.hex0x) })),
                      ("data", .string(l.data.hex0x)), ("blockNumber", .string(RPCQuantity.encode(l.blockNumber))),
                      ("blockHash", .string(hash(l.blockNumber).hex0x)), ("transactionHash", .string(Keccak.keccak256(Bytes.be(l.blockNumber)).hex0x)),
                      ("logIndex", .string(RPCQuantity.encode(l.logIndex))), ("removed", .bool(false))])
            }))
        default: return err(-32601, "method not found")
        }
    }
}

/// Routes by URL to several fake nodes.
struct MultiTransport: RPCTransport {
    let nodes: [String: FakeNode]
    func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
        guard let n = nodes[url] else { throw DevProofError.unavailable("no such host") }
        return try n.post(url: url, body: body, timeout: timeout)
    }
}

@Suite("evm: JSON-RPC client, quorum, pinning, log scanning")
struct RPCTests {
    let a = "http://127.0.0.1:1/a", b = "http://127.0.0.1:2/b", c = "http://127.0.0.1:3/c"

    @Test func singleProviderReads() throws {
        let n = FakeNode()
        let rpc = try RPCClient(urls: [a], transport: n)
        #expect(try rpc.chainId() == 1337)
        let pin = try PinnedChain.pin(rpc, .latest)
        #expect(pin.block.number == 100_000)
        #expect(pin.block.hash == n.hash(100_000))
        #expect(try pin.getCode(.zero) == [0x60, 0x80])
        #expect(try pin.getStorageAt(.zero, slot: [0]) == Word(1).bytes)
        let fin = try PinnedChain.pin(rpc, .finalized)
        #expect(fin.block.number == 99_900)
    }

    @Test func ethCallReturnsAndReverts() throws {
        let n = FakeNode()
        n.callResults[DstackABI.owner.selector.hex] = .success(Bytes(repeating: 0, count: 12) + Bytes(repeating: 0xaa, count: 20))
        n.callResults[DstackABI.activatesAt.selector.hex] = .failure(.init(data: ABI.encodeErrorString("not proposed")))
        let pin = try PinnedChain.pin(try RPCClient(urls: [a], transport: n), .number(500, hash: nil))
        let owner = try pin.call(DstackABI.owner, on: .zero)
        #expect(owner == [.address(try Address(bytes: Bytes(repeating: 0xaa, count: 20)))])
        #expect(throws: CallReverted.self) { try pin.call(DstackABI.activatesAt, [.fixedBytes(Bytes(repeating: 1, count: 32))], on: .zero) }
        let out = try pin.call(to: .zero, data: DstackABI.activatesAt.selector + Bytes(repeating: 0, count: 32))
        #expect(out == .reverted(ABI.encodeErrorString("not proposed"), .error("not proposed")))
        // A revert without data ("execution reverted", code -32000) is still a revert, not an outage.
        if case .reverted(_, let r) = try pin.call(to: .zero, data: [1, 2, 3, 4]) { #expect(r == .empty) } else { Issue.record("expected a revert") }
        // Every eth_call named the pinned block.
        #expect(n.methods.contains("eth_call"))
    }

    @Test func malformedCallOutputIsTypedError() throws {
        let n = FakeNode()
        n.callResults[DstackABI.owner.selector.hex] = .success([1, 2, 3])
        let pin = try PinnedChain.pin(try RPCClient(urls: [a], transport: n), .latest)
        #expect(throws: RPCError.self) { try pin.call(DstackABI.owner, on: .zero) }
    }

    @Test func errorsAreClear() throws {
        let n = FakeNode()
        let rpc = try RPCClient(urls: [a], transport: n)
        do { _ = try rpc.request("eth_nope", []); Issue.record("expected error") } catch let e as RPCError {
            #expect(e.description.contains("RPC error -32601: method not found"))
            #expect(e.description.contains("http://127.0.0.1:1"))
        }
        n.httpStatus = 502
        do { _ = try rpc.request("eth_chainId", []); Issue.record("expected error") } catch let e as RPCError {
            #expect(e.description.contains("HTTP 502"))
            #expect(e.asDevProofError.exitCode == 3)
        }
        n.httpStatus = 200; n.down = true
        do { _ = try rpc.request("eth_chainId", []); Issue.record("expected error") } catch let e as RPCError {
            #expect(e.description.contains("connection refused"))
        }
        #expect(throws: DevProofError.self) { try RPCClient(urls: ["ftp://x"], transport: n) }
        #expect(throws: DevProofError.self) { try RPCClient(urls: [a], quorum: 2, transport: n) }
        #expect(throws: DevProofError.self) { try RPCClient(urls: [], transport: n) }
        // Credentials in the URL never show up in messages.
        #expect(try RPCEndpoint("https://user:secret@rpc.example.org/v2/KEY").name == "https://rpc.example.org")
    }

    @Test func batchesMatchResponsesById() throws {
        let n = FakeNode()
        let rpc = try RPCClient(urls: [a], transport: n)
        let r = try rpc.batch([RPCCall("eth_chainId", []), RPCCall("eth_getCode", [.string(Address.zero.hex), .string("0x1")]),
                               RPCCall("eth_nope", [])])
        #expect(try r[0].get() == .string("0x539"))
        #expect(try r[1].get() == .string("0x"))
        #expect(throws: RPCError.self) { try r[2].get() }
        #expect(n.posts == 1)
    }

    @Test func quorumAgreementAndLyingProvider() throws {
        let honest1 = FakeNode(), honest2 = FakeNode(), liar = FakeNode()
        for x in [honest1, honest2, liar] { x.callResults[DstackABI.allowAnyDevice.selector.hex] = .success(Word(0).bytes) }
        liar.lieAboutCall = true
        let t = MultiTransport(nodes: [a: honest1, b: honest2, c: liar])
        // Two honest providers agree (presentation-only fields in blocks may differ).
        honest2.hashSalt = 0
        let ok = try PinnedChain.pin(try RPCClient(urls: [a, b], quorum: 2, transport: t), .latest)
        #expect(try ok.call(DstackABI.allowAnyDevice, on: .zero) == [.bool(false)])
        // A lying second provider is named.
        let pin = try PinnedChain.pin(try RPCClient(urls: [a, c], quorum: 2, transport: t), .latest)
        do { _ = try pin.call(DstackABI.allowAnyDevice, on: .zero); Issue.record("expected disagreement") } catch let e as RPCError {
            guard case .disagreement(_, let provider, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(provider == "http://127.0.0.1:3")
        }
        // Majority of three names the minority provider, even when it is listed first.
        let pin3 = try PinnedChain.pin(try RPCClient(urls: [c, a, b], quorum: 2, transport: t), .latest)
        do { _ = try pin3.call(DstackABI.allowAnyDevice, on: .zero); Issue.record("expected disagreement") } catch let e as RPCError {
            guard case .disagreement(_, let provider, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(provider == "http://127.0.0.1:3")
        }
    }

    @Test func providersMustAgreeOnBlockHash() throws {
        let n1 = FakeNode(), n2 = FakeNode()
        n2.hashSalt = 9  // a different chain (or a forked/lying provider)
        let t = MultiTransport(nodes: [a: n1, b: n2])
        do { _ = try PinnedChain.pin(try RPCClient(urls: [a, b], transport: t), .number(42, hash: nil)); Issue.record("expected disagreement") }
        catch let e as RPCError {
            guard case .disagreement(let m, let p, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(m == "eth_getBlockByNumber"); #expect(p == "http://127.0.0.1:2")
        }
        // Pinned hash mismatch.
        #expect(throws: BlockHashMismatch.self) {
            try PinnedChain.pin(try RPCClient(urls: [a], transport: n1), .number(42, hash: Bytes(repeating: 0, count: 32)))
        }
        let good = try PinnedChain.pin(try RPCClient(urls: [a], transport: n1), .number(42, hash: n1.hash(42)))
        #expect(good.block.number == 42)
        // latest resolves to the lowest head among providers, then both must agree on that block.
        let n3 = FakeNode(); n3.head = 100_005
        let p = try PinnedChain.pin(try RPCClient(urls: [a, c], transport: MultiTransport(nodes: [a: n1, c: n3])), .latest)
        #expect(p.block.number == 100_000)
    }

    @Test func reorgDuringRunIsDetected() throws {
        let n = FakeNode()
        let pin = try PinnedChain.pin(try RPCClient(urls: [a], transport: n), .latest)
        try pin.recheck()
        n.hashSalt = 3   // the block at the pinned height now has another hash
        do { try pin.recheck(); Issue.record("expected a mismatch") } catch let e as BlockHashMismatch {
            #expect(e.duringRun)
            #expect(e.description.contains("reorg"))
        }
    }

    @Test func quorumToleratesDownProvider() throws {
        let n1 = FakeNode(), n2 = FakeNode()
        n2.down = true
        let t = MultiTransport(nodes: [a: n1, b: n2])
        let p = try PinnedChain.pin(try RPCClient(urls: [a, b], quorum: 1, transport: t), .latest)
        #expect(p.block.number == 100_000)
        do { _ = try PinnedChain.pin(try RPCClient(urls: [a, b], quorum: 2, transport: t), .latest); Issue.record("expected no quorum") }
        catch let e as RPCError {
            #expect(e.asDevProofError.exitCode == 3)
            #expect(e.description.contains("127.0.0.1:2"))
        }
    }

    @Test func blockSelectorParsing() throws {
        #expect(try BlockSelector(parsing: "latest") == .latest)
        #expect(try BlockSelector(parsing: "finalized") == .finalized)
        #expect(try BlockSelector(parsing: "123") == .number(123, hash: nil))
        #expect(try BlockSelector(parsing: "0x10") == .number(16, hash: nil))
        let h = String(repeating: "ab", count: 32)
        #expect(try BlockSelector(parsing: "7:0x" + h) == .number(7, hash: Bytes(repeating: 0xab, count: 32)))
        #expect(throws: DevProofError.self) { try BlockSelector(parsing: "soon") }
        #expect(throws: DevProofError.self) { try BlockSelector(parsing: "7:0x12") }
    }

    func sampleLogs(_ n: Int, every: UInt64, address: Address) -> [EthLog] {
        (0..<n).map { i in
            EthLog(address: address, topics: [ABI.topic("ComposeHashAdded(bytes32)")], data: Word(i).bytes,
                   blockNumber: 2000 + UInt64(i) * every, logIndex: 0)
        }
    }

    @Test func logScannerAdaptsToRangeLimits() throws {
        let app = try Address("0x" + String(repeating: "ab", count: 20))
        let n = FakeNode()
        n.logs = sampleLogs(300, every: 300, address: app)   // blocks 2000…91700
        n.maxRange = 5_000
        let rpc = try RPCClient(urls: [a], transport: n)
        var s = LogScanner(addresses: [app])
        s.initialChunk = 50_000
        let r = try s.scan(rpc, from: 0, to: 100_000)
        #expect(r.complete)
        #expect(r.logs.count == 300)
        #expect(r.logs.map(\.blockNumber) == n.logs.map(\.blockNumber))
        // Requests ≈ range/accepted chunk plus a few halvings, far below the 100k blocks.
        #expect(r.requests < 60, "requests \(r.requests)")
        #expect(r.halvings >= 1)
    }

    @Test func logScannerHalvesOnTimeouts() throws {
        let app = try Address("0x" + String(repeating: "ab", count: 20))
        let n = FakeNode()
        n.logs = sampleLogs(10, every: 1000, address: app)
        n.timeoutAbove = 3_000
        let r = try LogScanner(addresses: [app]).scan(try RPCClient(urls: [a], transport: n), from: 0, to: 20_000)
        #expect(r.complete)
        #expect(r.logs.count == 10)
    }

    @Test func logScannerCapIsInconclusiveNotPartial() throws {
        let app = try Address("0x" + String(repeating: "ab", count: 20))
        let n = FakeNode()
        n.logs = sampleLogs(50, every: 1000, address: app)
        n.maxRange = 1_000
        var s = LogScanner(addresses: [app])
        s.maxRequests = 10
        let r = try s.scan(try RPCClient(urls: [a], transport: n), from: 0, to: 100_000)
        #expect(!r.complete)
        #expect(r.reason?.contains("not scanned") == true)
        #expect(r.requests == 10)
        var s2 = LogScanner(addresses: [app])
        s2.maxBlocks = 10_000
        let r2 = try s2.scan(try RPCClient(urls: [a], transport: n), from: 0, to: 100_000)
        #expect(!r2.complete)
        #expect(r2.scannedThrough < 100_000)
        // A provider that refuses even one block: an error, not an empty result.
        n.maxRange = 0
        #expect(throws: RPCError.self) { try LogScanner(addresses: [app]).scan(try RPCClient(urls: [a], transport: n), from: 0, to: 10) }
    }

    @Test func logScannerRejectsOutOfRangeLogs() throws {
        // A provider returning logs outside the requested range or from another address is malformed.
        let app = try Address("0x" + String(repeating: "ab", count: 20))
        let other = try Address("0x" + String(repeating: "cd", count: 20))
        let n = FakeNode()
        n.logs = sampleLogs(1, every: 1, address: other)
        #expect(throws: RPCError.self) { try LogScanner(addresses: [app]).scan(try RPCClient(urls: [a], transport: n), from: 0, to: 5000) }
    }

    @Test func deploymentBlockByBinarySearch() throws {
        let n = FakeNode()
        n.deployBlock = 77_777
        let rpc = try RPCClient(urls: [a], transport: n)
        #expect(try DeploymentFinder.deploymentBlock(rpc, .zero, head: 100_000) == 77_777)
        #expect(rpc.stats.posts < 25)
        n.deployBlock = 200_000
        #expect(try DeploymentFinder.deploymentBlock(rpc, .zero, head: 100_000) == nil)
    }
}
