import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A helper process serving HTTP on 127.0.0.1 (one of the project's Python scripts). The script prints its
/// port on the first stdout line. Tests never talk to anything but loopback.
public final class LocalServer: @unchecked Sendable {
    public let port: Int
    public let process: Process
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `scripts/<script>` with `args` using the venv Python (else python3 on PATH).
    public init(script: String, args: [String] = []) throws {
        let py = TestPaths.python ?? "/usr/bin/python3"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: py)
        p.arguments = ["-u", TestPaths.root.appendingPathComponent("scripts/\(script)").path] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // EOF: the script died
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard let port = Int(text.trimmingCharacters(in: .whitespaces)) else {
            p.terminate()
            throw TestSupportError("\(script) did not print a port (got \(text.debugDescription))")
        }
        self.port = port
        self.process = p
    }

    /// Kills the server (SIGKILL; Foundation reaps it). Does not wait: waiting from a deinit at exit can hang.
    public func stop() {
        let pid = process.processIdentifier
        if pid > 0, process.isRunning { kill(pid, SIGKILL) }
    }

    deinit { stop() }

    /// A loopback port with nothing listening on it.
    public static func closedPort() throws -> Int {
        let s = try LocalServer(script: "http_test_server.py", args: ["--closed-port"])
        return s.port
    }
}
