import ArgumentParser
import DevProofCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the report as JSON (schema devproof.report/v1) on stdout.")
    var json = false

    @Option(name: .long, help: "Evaluate time-dependent checks at this time (unix seconds or RFC 3339). Default: the real clock.")
    var now: String?

    @Flag(name: .long, help: "Never use the network; every input comes from files.")
    var offline = false

    // Consumed before parsing (BundleArgs); declared here for the help text and so they are never unknown.
    @Option(name: .long, help: "Replay this command's run from an evidence bundle written by `devproof collect` (no network).")
    var bundle: String?
    @Option(name: .customLong("bundle-sha256"), help: "With --bundle: the expected sha256 of its bundle.json.")
    var bundleSHA256: String?

    func resolvedNow() throws -> Int64 {
        guard let now else { return TimeInput.currentUnixTime() }
        return try TimeInput.parse(now)
    }
}

enum CLI {
    /// Renders the report and exits with the verdict's code (0 pass, 1 fail, 3 inconclusive).
    static func finish(_ report: Report, _ common: CommonOptions) -> Never {
        if common.json {
            print(ReportRenderer.json(report), terminator: "")
        } else {
            let color = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            print(ReportRenderer.human(report, color: color), terminator: "")
        }
        fflush(nil)
        exit(report.verdict.exitCode)
    }

    /// Runs a report builder; typed input errors become a one-line message and exit 2 (3 when unavailable).
    static func run(_ common: CommonOptions, _ body: () throws -> Report) -> Never {
        do {
            finish(try body(), common)
        } catch let e as DevProofError {
            fail(e)
        } catch {
            FileHandle.standardError.write("devproof: error: \(error)\n")
            exit(2)
        }
    }

    static func fail(_ e: DevProofError) -> Never {
        fflush(nil)
        FileHandle.standardError.write("devproof: error: \(e.description)\n")
        exit(e.exitCode)
    }
}

extension FileHandle {
    func write(_ s: String) { write(Data(s.utf8)) }
}
