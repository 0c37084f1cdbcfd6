import ArgumentParser
import DevProofCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ReportFormat: ExpressibleByArgument {}

/// Options every subcommand shares. Output format and destination live here so that every subcommand,
/// present and future, gets them through `CLI.run`/`CLI.finish` without code of its own.
struct CommonOptions: ParsableArguments {
    @Flag(name: .customLong("json"), help: "Short for --format json (schema devproof.report/v1, docs/report.schema.json).")
    var jsonFlag = false

    @Option(name: .long, help: "Report format: text (default), json, junit (JUnit XML), sarif (SARIF 2.1.0), html (one self-contained page); docs/formats.md.")
    var format: ReportFormat?

    @Option(name: .long, help: ArgumentHelp("Write the report to this file instead of stdout (the exit code still tells the verdict).", valueName: "file"))
    var output: String?

    @Option(name: .long, help: "Evaluate time-dependent checks at this time (unix seconds or RFC 3339). Default: the real clock.")
    var now: TimeValue?

    @Flag(name: .long, help: "Never use the network; every input comes from files.")
    var offline = false

    // Consumed before parsing (BundleArgs); declared here for the help text and so they are never unknown.
    @Option(name: .long, help: "Replay this command's run from an evidence bundle written by `devproof collect` (no network).")
    var bundle: String?
    @Option(name: .customLong("bundle-sha256"), help: "With --bundle: the expected sha256 of its bundle.json.")
    var bundleSHA256: String?

    /// The chosen format: `--format`, or json for `--json`, else text.
    var reportFormat: ReportFormat { format ?? (jsonFlag ? .json : .text) }

    /// True when the report is printed as JSON (`--json` or `--format json`).
    var json: Bool { reportFormat == .json }

    /// True when the human text report goes to the terminal: commands may print extra human lines then
    /// (e.g. chain history's timeline), never into a machine-readable format or a file.
    var textOnStdout: Bool { reportFormat == .text && output == nil }

    func validate() throws {
        if jsonFlag, let format, format != .json {
            throw ValidationError("--json is short for --format json; it cannot be combined with --format \(format.rawValue)")
        }
        if let output {
            guard !output.isEmpty else { throw ValidationError("--output needs a file name") }
            let dir = URL(fileURLWithPath: output).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--output \(output): directory \(dir) does not exist")
            }
        }
    }

    /// `--now` (parsed at the CLI edge: a bad time is exit 2 before anything runs), else the real clock.
    func resolvedNow() throws -> Int64 { now?.unixSeconds ?? TimeInput.currentUnixTime() }
}

enum CLI {
    /// Renders the report in the chosen format to stdout or `--output`, and exits with the verdict's code
    /// (0 pass, 1 fail, 3 inconclusive); an unwritable `--output` is exit 2.
    static func finish(_ report: Report, _ common: CommonOptions) -> Never {
        let format = common.reportFormat
        if let path = common.output {
            do {
                try Data(format.render(report).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                fail(.unreadable("--output \(path): cannot write the report: \(error.localizedDescription)"))
            }
        } else {
            let color = format == .text && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            print(format.render(report, color: color), terminator: "")
        }
        fflush(nil)
        exit(report.verdict.exitCode)
    }

    /// A batch (several inputs): text, json or junit (`BatchReport`), to stdout or `--output`; exit code the batch's.
    static func finish(_ batch: BatchReport, _ common: CommonOptions) -> Never {
        let format = common.reportFormat
        func render(color: Bool) -> String {
            switch format {
            case .json: return ReportRenderer.batchJSON(batch)
            case .junit: return ReportRenderer.batchJUnit(batch)
            default: return ReportRenderer.batchHuman(batch, color: color)
            }
        }
        if let path = common.output {
            do {
                try Data(render(color: false).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                fail(.unreadable("--output \(path): cannot write the report: \(error.localizedDescription)"))
            }
        } else {
            let color = format == .text && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            print(render(color: color), terminator: "")
        }
        fflush(nil)
        exit(batch.exitCode)
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
