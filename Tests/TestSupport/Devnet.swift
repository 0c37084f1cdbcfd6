import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A JSON-RPC error answered by the devnet (or any node): code, message, optional data (e.g. revert bytes).
public struct DevnetRPCError: Error, CustomStringConvertible {
    public let code: Int
    public let message: String
    /// The error's `data` member (revert bytes as 0x-hex for code 3; an object for range errors).
    public nonisolated(unsafe) let data: Any?
    public var description: String { "JSON-RPC error \(code): \(message)" + (data.map { " data=\($0)" } ?? "") }
}

/// The project's local EVM test chain (scripts/devnet → devnet/server.py over eth-tester + py-evm, contracts from
/// devnet/contracts, scenario facts in devnet.json; see docs/devnet.md).
///
///     let net = try Devnet.shared("default")          // READ-ONLY, one per scenario per test process
///     let app = try net.address("app_instant")
///     let owner = net.fact("apps.app_instant.owner") as? String
///     let mine = try Devnet.start(scenario: "default") // private: transactions, time travel, snapshots
///     try mine.increaseTime(8 * 86400)
///
/// Never change the state of a shared devnet (no transactions, time travel, mining, snapshot/revert — not even
/// restored ones): suites run in parallel and read it concurrently. A devnet started with `start` stops on
/// `stop()` or deinit; shared ones (and suite-static ones) live until the test process exits (the server watches
/// its parent's pid and exits within a second).
public final class Devnet: @unchecked Sendable {
    public let url: String
    public let dir: URL
    public let scenario: String
    /// devnet.json as parsed JSON.
    public let info: [String: Any]
    public let chainId: UInt64
    public let pid: Int32
    /// Contract addresses by name (EIP-55).
    public let contracts: [String: String]
    /// Scenario facts (apps, proposals, boot simulations, oracle proof, ...).
    public let facts: [String: Any]
    /// Funded, unlocked accounts (eth-tester's fixed keys 0x…01 … 0x…0a).
    public let accounts: [String]
    /// URL of the lying proxy when started with `liar:`.
    public let liarURL: String?
    private let lock = NSLock()
    private var stopped = false

    /// Starts a devnet and deploys `scenario` ("default", "empty", "bench-history"). Throws when Python or the
    /// venv is missing or the start fails. `maxLogRange`/`maxLogResults` make eth_getLogs refuse like public
    /// RPCs; `liar` starts devnet/lying_proxy.py with those modes (e.g. "call,blockhash").
    public static func start(scenario: String = "default", maxLogRange: Int? = nil, maxLogResults: Int? = nil,
                             liar: String? = nil, timeout: Double = 600) throws -> Devnet {
        guard let py = TestPaths.python else {
            throw TestSupportError("devnet: Python venv not found: run `make venv` or set DEVPROOF_PYTHON")
        }
        let dir = TestPaths.tempDir("devproof-devnet")
        var args = [TestPaths.root.appendingPathComponent("scripts/devnet").path, "start", "--out", dir.path,
                    "--port", "0", "--scenario", scenario]
        if let maxLogRange { args += ["--max-log-range", String(maxLogRange)] }
        if let maxLogResults { args += ["--max-log-results", String(maxLogResults)] }
        if let liar { args += ["--liar", liar] }
        let status = try spawnAndWait("/bin/bash", args, env: ["DEVPROOF_PYTHON": py], logDir: dir, timeout: timeout)
        let jsonURL = dir.appendingPathComponent("devnet.json")
        guard status == 0, let data = try? Data(contentsOf: jsonURL),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            _ = try? spawnAndWait("/bin/bash", [TestPaths.root.appendingPathComponent("scripts/devnet").path, "stop", "--out", dir.path],
                                  env: [:], logDir: nil, timeout: 30)
            let err = (try? String(contentsOf: dir.appendingPathComponent("start.stderr"), encoding: .utf8)) ?? ""
            throw TestSupportError("devnet start failed (exit \(status)): \(err.suffix(2000))")
        }
        return Devnet(dir: dir, scenario: scenario, info: obj)
    }

    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var sharedNets: [String: Devnet] = [:]

    /// One devnet per scenario per test process, started on first use. Read-only: tests that change chain
    /// state (even temporarily) must use their own `start(...)`.
    public static func shared(_ scenario: String = "default") throws -> Devnet {
        sharedLock.lock(); defer { sharedLock.unlock() }
        if let n = sharedNets[scenario], n.isRunning { return n }
        let n = try start(scenario: scenario)
        sharedNets[scenario] = n
        return n
    }

    private init(dir: URL, scenario: String, info: [String: Any]) {
        self.dir = dir
        self.scenario = scenario
        self.info = info
        self.url = info["url"] as? String ?? ""
        self.chainId = (info["chain_id"] as? NSNumber)?.uint64Value ?? 0
        self.pid = (info["pid"] as? NSNumber)?.int32Value ?? 0
        self.contracts = info["contracts"] as? [String: String] ?? [:]
        self.facts = info["facts"] as? [String: Any] ?? [:]
        self.accounts = info["accounts"] as? [String] ?? []
        self.liarURL = info["liar_url"] as? String
    }

    deinit { stop() }

    /// Address of a deployed contract by name (see docs/devnet.md), or a clear error.
    public func address(_ name: String) throws -> String {
        guard let a = contracts[name] else {
            throw TestSupportError("devnet scenario \(scenario) has no contract \(name); have: \(contracts.keys.sorted())")
        }
        return a
    }

    /// A scenario fact by dotted path ("apps.app_instant.owner", "proposals.0.activates_at").
    public func fact(_ path: String) -> Any? {
        var cur: Any? = facts
        for part in path.split(separator: ".") {
            if let d = cur as? [String: Any] { cur = d[String(part)] }
            else if let a = cur as? [Any], let i = Int(part), i >= 0, i < a.count { cur = a[i] }
            else { return nil }
        }
        return cur
    }

    public var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        return !stopped && Self.isAlive(pid)
    }

    /// True when `pid` runs (a zombie — exited but not yet reaped — counts as gone).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
            return state != "Z" && state != "X"
        }
        return true
    }

    /// Stops the server (and the liar); idempotent.
    public func stop() {
        lock.lock()
        if stopped { lock.unlock(); return }
        stopped = true
        lock.unlock()
        _ = try? Self.spawnAndWait("/bin/bash", [TestPaths.root.appendingPathComponent("scripts/devnet").path, "stop", "--out", dir.path],
                                   env: [:], logDir: nil, timeout: 30)
        try? FileManager.default.removeItem(at: dir)
    }

    /// One JSON-RPC call; returns `result` (JSON types), throws `DevnetRPCError` on an error answer.
    @discardableResult
    public func rpc(_ method: String, _ params: [Any] = [], url: String? = nil) throws -> Any {
        let body: [String: Any] = ["jsonrpc": "2.0", "id": 1, "method": method, "params": params]
        let resp = try Self.post(url ?? self.url, JSONSerialization.data(withJSONObject: body))
        guard let obj = try JSONSerialization.jsonObject(with: resp, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw TestSupportError("devnet: not a JSON-RPC object: \(String(decoding: resp, as: UTF8.self).prefix(300))")
        }
        if let err = obj["error"] as? [String: Any] {
            throw DevnetRPCError(code: (err["code"] as? NSNumber)?.intValue ?? 0, message: err["message"] as? String ?? "",
                                 data: err["data"])
        }
        return obj["result"] ?? NSNull()
    }

    /// Raw POST of a JSON body (for batch tests); returns the response bytes.
    public func post(_ json: Data, url: String? = nil) throws -> Data { try Self.post(url ?? self.url, json) }

    /// eth_call {to, data} at `block` ("latest" or 0x-number); returns the 0x-hex result.
    public func call(_ to: String, _ data: String, block: String = "latest", from: String? = nil) throws -> String {
        var tx: [String: Any] = ["to": to, "data": data]
        if let from { tx["from"] = from }
        guard let s = try rpc("eth_call", [tx, block]) as? String else { throw TestSupportError("eth_call: not a string") }
        return s
    }

    public func blockNumber() throws -> UInt64 {
        guard let s = try rpc("eth_blockNumber") as? String, let n = UInt64(s.dropFirst(2), radix: 16) else {
            throw TestSupportError("eth_blockNumber: bad answer")
        }
        return n
    }

    public func snapshot() throws -> String {
        guard let s = try rpc("evm_snapshot") as? String else { throw TestSupportError("evm_snapshot: bad answer") }
        return s
    }

    public func revert(_ id: String) throws { try rpc("evm_revert", [id]) }

    /// Advances chain time by `seconds` and mines one block carrying the new time.
    public func increaseTime(_ seconds: Int) throws { try rpc("evm_increaseTime", ["0x" + String(seconds, radix: 16)]) }

    /// Mines `count` empty blocks (fast path on the server).
    public func mine(_ count: Int = 1) throws { try rpc("evm_mine", [["blocks": "0x" + String(count, radix: 16)]]) }

    /// Sends a transaction from an unlocked account; returns the receipt.
    @discardableResult
    public func send(from: String, to: String, data: String, value: UInt64 = 0, gas: UInt64 = 3_000_000) throws -> [String: Any] {
        var tx: [String: Any] = ["from": from, "to": to, "data": data, "gas": "0x" + String(gas, radix: 16)]
        if value > 0 { tx["value"] = "0x" + String(value, radix: 16) }
        guard let h = try rpc("eth_sendTransaction", [tx]) as? String,
              let rc = try rpc("eth_getTransactionReceipt", [h]) as? [String: Any] else {
            throw TestSupportError("eth_sendTransaction: bad answer")
        }
        return rc
    }

    /// Runs a program with posix_spawn and waits with waitpid. Not Foundation.Process: on Linux its
    /// waitUntilExit() can miss the exit of a child that leaves a daemon behind (scripts/devnet start does),
    /// hanging the test. stdout/stderr go to logDir/start.stdout|stderr (or /dev/null).
    static func spawnAndWait(_ exe: String, _ args: [String], env: [String: String], logDir: URL?, timeout: Double) throws -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        #if canImport(Glibc)
        var fa = posix_spawn_file_actions_t()
        #else
        var fa: posix_spawn_file_actions_t? = nil
        #endif
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        let outPath = logDir?.appendingPathComponent("start.stdout").path ?? "/dev/null"
        let errPath = logDir?.appendingPathComponent("start.stderr").path ?? "/dev/null"
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&fa, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Close every other inherited descriptor: the devnet daemon would otherwise keep open the pipe write ends
        // of processes other tests are running concurrently (Run.process), whose readers then never see EOF.
        // (glibc >= 2.34; not exported to Swift's Glibc module, hence dlsym; RTLD_DEFAULT is NULL on glibc.)
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let sym = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(sym, to: CloseFrom.self)(&fa, 3)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &fa, nil, argv, envp)
        guard rc == 0 else { throw TestSupportError("devnet: cannot run \(exe): errno \(rc)") }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let w = waitpid(pid, &status, WNOHANG)
            if w == pid { break }
            if w < 0 && errno != EINTR { throw TestSupportError("devnet: waitpid failed: errno \(errno)") }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw TestSupportError("devnet: \(args.first ?? exe) timed out after \(Int(timeout)) s")
            }
            usleep(20_000)
        }
        // exited normally → exit code; killed by a signal → 128 + signal
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    private final class Box: @unchecked Sendable { var data: Data?; var error: Error? }

    static func post(_ url: String, _ body: Data, timeout: Double = 120) throws -> Data {
        guard let u = URL(string: url) else { throw TestSupportError("devnet: bad URL \(url)") }
        var req = URLRequest(url: u, timeoutInterval: timeout)
        req.httpMethod = "POST"
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        req.httpBody = body
        let box = Box()
        let sem = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: req) { d, _, e in
            box.data = d; box.error = e; sem.signal()
        }
        task.resume()
        if sem.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            throw TestSupportError("devnet: \(url) did not answer in \(Int(timeout)) s")
        }
        if let e = box.error { throw e }
        return box.data ?? Data()
    }
}
