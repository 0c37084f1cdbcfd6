import Foundation

/// Shared helpers for every test target: paths, the corpus, the Python venv, running processes.
public enum TestPaths {
    /// The package root (this file is Tests/TestSupport/TestSupport.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var fixtures: URL { root.appendingPathComponent("Fixtures") }
    public static func fixture(_ rel: String) -> String { fixtures.appendingPathComponent(rel).path }

    /// The real-evidence corpus: $DEVPROOF_CORPUS, else ../shared/corpus. nil when absent.
    public static var corpus: URL? {
        let env = ProcessInfo.processInfo.environment["DEVPROOF_CORPUS"]
        let url = env.map { URL(fileURLWithPath: $0) }
            ?? root.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("README.md").path) ? url : nil
    }
    /// CI sets DEVPROOF_REQUIRE_CORPUS=1: then a missing corpus is a failure, not a skip.
    public static var corpusRequired: Bool { ProcessInfo.processInfo.environment["DEVPROOF_REQUIRE_CORPUS"] == "1" }
    public static func corpusFile(_ rel: String) -> String? { corpus?.appendingPathComponent(rel).path }

    /// Python of the project venv (DEVPROOF_PYTHON, else .venv/bin/python). nil when absent.
    public static var python: String? {
        let p = ProcessInfo.processInfo.environment["DEVPROOF_PYTHON"] ?? root.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// The built `devproof` binary: DEVPROOF_BIN, else next to the test bundle.
    public static var devproofBinary: String {
        if let b = ProcessInfo.processInfo.environment["DEVPROOF_BIN"] { return b }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let cand = dir.appendingPathComponent("devproof")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: cand.path, isDirectory: &isDir), !isDir.boolValue { return cand.path }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/devproof").path
    }

    public static func tempDir(_ name: String = "devproof-test") -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}

public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public var stdoutBytes: [UInt8] { Array(stdout.utf8) }
}

public enum Run {
    /// Runs a program to completion; stdout/stderr captured. Killed after `timeout` seconds.
    public static func process(_ exe: String, _ args: [String], stdin: [UInt8]? = nil,
                               env: [String: String] = [:], cwd: String? = nil, timeout: Double = 120) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin)) }
        try? inp.fileHandleForWriting.close()
        // Drain pipes concurrently so large outputs don't block the child.
        nonisolated(unsafe) var o = Data(), r = Data()
        let g = DispatchGroup()
        g.enter(); DispatchQueue.global().async { o = out.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        g.enter(); DispatchQueue.global().async { r = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        if g.wait(timeout: .now() + timeout) == .timedOut { p.terminate() }
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: r, as: UTF8.self))
    }

    /// Runs the built devproof binary. Tests never reach a real PCCS: unless a test sets DEVPROOF_PCCS, the
    /// default collateral source is a closed loopback port (a test that forgets --collateral/--offline gets
    /// an inconclusive DCAP result quickly instead of a network fetch).
    public static func devproof(_ args: [String], stdin: [UInt8]? = nil, env: [String: String] = [:]) throws -> ProcessResult {
        var e = env
        if e["DEVPROOF_PCCS"] == nil { e["DEVPROOF_PCCS"] = "http://127.0.0.1:9" }
        let r = try process(TestPaths.devproofBinary, args, stdin: stdin, env: e)
        keepReport(r)
        return r
    }

    /// `make test` sets DEVPROOF_REPORT_DIR: every JSON report a test's devproof run prints is kept there, and
    /// the Makefile validates them all against docs/report.schema.json after the tests (docs/formats.md).
    static func keepReport(_ r: ProcessResult) {
        guard let dir = ProcessInfo.processInfo.environment["DEVPROOF_REPORT_DIR"],
              r.stdout.hasPrefix("{"), r.stdout.contains("\"schema\": \"devproof.report/v1\"") else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? r.stdout.write(toFile: "\(dir)/\(UUID().uuidString).json", atomically: true, encoding: .utf8)
    }

    /// Runs a Python snippet/script in the project venv.
    public static func python(_ args: [String], stdin: [UInt8]? = nil, env: [String: String] = [:], timeout: Double = 300) throws -> ProcessResult {
        guard let py = TestPaths.python else { throw TestSupportError("Python venv not found: run `make venv` or set DEVPROOF_PYTHON") }
        return try process(py, args, stdin: stdin, env: env, timeout: timeout)
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
