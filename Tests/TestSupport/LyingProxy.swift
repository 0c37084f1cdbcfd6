import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A devnet/lying_proxy.py in front of a running devnet, started by a test (several liars can front one
/// read-only devnet). It exits by itself when the test process exits (`--watch-pid`), or at `stop()`.
public final class LyingProxy: @unchecked Sendable {
    public let url: String
    public let pid: Int32
    init(url: String, pid: Int32) { self.url = url; self.pid = pid }
    public func stop() { if pid > 0 { kill(pid, SIGTERM) } }
    deinit { stop() }
}

extension Devnet {
    /// Starts a lying proxy with `modes` (see devnet/lying_proxy.py) in front of this devnet.
    public func startLiar(_ modes: String) throws -> LyingProxy {
        guard let py = TestPaths.python else { throw TestSupportError("lying proxy: Python venv not found") }
        let dir = TestPaths.tempDir("devproof-liar")
        let port = dir.appendingPathComponent("port").path, pidFile = dir.appendingPathComponent("pid").path
        let script = TestPaths.root.appendingPathComponent("devnet/lying_proxy.py").path
        let cmd = "nohup '\(py)' '\(script)' --upstream '\(url)' --port 0 --port-file '\(port)' --lie '\(modes)' --watch-pid \(getpid())"
            + " >'\(dir.path)/liar.log' 2>&1 </dev/null & echo $! >'\(pidFile)'"
        _ = try Devnet.spawnAndWait("/bin/bash", ["-c", cmd], env: [:], logDir: nil, timeout: 30)
        let pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let p = try? String(contentsOfFile: port, encoding: .utf8), let n = Int(p.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return LyingProxy(url: "http://127.0.0.1:\(n)", pid: pid)
            }
            usleep(50_000)
        }
        if pid > 0 { kill(pid, SIGTERM) }
        throw TestSupportError("lying proxy did not start: \((try? String(contentsOfFile: dir.path + "/liar.log", encoding: .utf8)) ?? "")")
    }
}
