import DevProofChecks
import DevProofCore
import Foundation

/// Runs a devproof sub-command as a child process of this same binary and reads its `--json` report.
///
/// Why a child and not an in-process call: the sub-report is then byte-for-byte what the standalone
/// command prints (same parsing, same defaults, same exit code), which is what `stage` claims to judge,
/// and a bundle can replay each step on its own. The network tape reaches the child through
/// `DEVPROOF_TAPE` (record into the bundle being collected, or replay from the bundle given).
struct SubcommandRunner: Sendable {
    enum TapeMode: Sendable { case live, record(URL), replay(URL) }
    var tape: TapeMode = .live
    var timeout: Double = 600
    /// Bundle-relative prefix of each child's recorded exchanges, e.g. "net/attest/".
    static func prefix(_ name: String) -> String { "net/\(name)/" }

    static var selfExecutable: String {
        #if os(Linux)
        return "/proc/self/exe"
        #else
        return CommandLine.arguments[0]
        #endif
    }

    func run(_ name: String, _ argv: [String]) throws -> Report {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.selfExecutable)
        p.arguments = argv + ["--json"]
        var env = ProcessInfo.processInfo.environment
        switch tape {
        case .live: env["DEVPROOF_TAPE"] = nil
        case .record(let dir): env["DEVPROOF_TAPE"] = "record:\(dir.path):\(Self.prefix(name))"
        case .replay(let dir): env["DEVPROOF_TAPE"] = "replay:\(dir.path)"
        }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        p.standardInput = FileHandle.nullDevice
        FileHandle.standardError.write("devproof stage: running \(name) …\n")
        do { try p.run() } catch { throw DevProofError.unavailable("\(name): cannot start \(Self.selfExecutable): \(error)") }
        nonisolated(unsafe) var o = Data(), e = Data()
        let g = DispatchGroup()
        g.enter(); DispatchQueue.global().async { o = out.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        g.enter(); DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let timedOut = g.wait(timeout: .now() + timeout) == .timedOut
        if timedOut { p.terminate() }
        p.waitUntilExit()
        // Progress lines of the child go on to our stderr; its last line is the error message if any.
        let errText = String(decoding: e, as: UTF8.self)
        if !errText.isEmpty { FileHandle.standardError.write(errText.split(separator: "\n").map { "  \(name): \($0)\n" }.joined()) }
        let lastErr = errText.split(separator: "\n").last.map { String($0).replacingOccurrences(of: "devproof: error: ", with: "") } ?? ""
        if timedOut { throw DevProofError.unavailable("\(name) did not finish within \(Int(timeout)) s") }
        let status = p.terminationStatus
        if status == 2 { throw DevProofError.usage("\(name): \(lastErr)") }
        guard !o.isEmpty else {
            throw DevProofError.unavailable("\(name) produced no report (exit \(status)): \(lastErr)")
        }
        let v: JSONValue
        do { v = try JSONParser.parse(Array(o)) } catch {
            throw DevProofError.malformed("\(name): its report is not JSON (exit \(status))")
        }
        return try Report.decode(v, what: "\(name) report")
    }
}
