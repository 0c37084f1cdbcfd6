import ArgumentParser
import DevProofChecks
import DevProofCore
import Foundation

/// `devproof collect --out DIR <stage inputs>`: runs `stage` while keeping everything it read (input
/// files, every network exchange of every step, the evaluation time) in an evidence bundle, so the audit
/// can be frozen, shared and replayed offline with `--bundle DIR`.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Run stage and freeze everything it read into an offline evidence bundle (replay: --bundle DIR).",
        discussion: "The bundle layout and its verification: docs/stage.md (Bundles)."
    )
    @OptionGroup var common: CommonOptions
    @OptionGroup var inputs: StageInputs
    @Option(help: "Directory to write the bundle to (must not exist or be empty).")
    var out: String

    /// The stage inputs as the user wrote them: this command's argv without `collect` and `--out DIR`.
    static func stageArgs(_ argv: [String]) -> [String] {
        var a = Array(argv.dropFirst())
        if let i = a.firstIndex(of: "collect") { a.remove(at: i) }
        var out: [String] = []
        var i = 0
        while i < a.count {
            if a[i] == "--out" { i += 2; continue }
            if a[i].hasPrefix("--out=") { i += 1; continue }
            out.append(a[i]); i += 1
        }
        return out
    }

    func run() throws {
        CLI.run(common) {
            let now = try common.resolvedNow()
            _ = try inputs.options(now: now, fetch: false)  // usage errors before anything is written
            let writer = try BundleWriter(directory: out)
            try writer.addCommand("stage", Self.stageArgs(CommandLine.arguments))
            // The steps read the bundle's copies, so their recorded arguments point into the bundle.
            let inBundle = try StageInputs.parse(writer.resolved("stage") ?? [])
            // What stage itself fetches (--phala-app) is recorded too.
            let own = NetworkTape(recordingInto: writer.directory, prefix: "net/stage/")
            NetworkTape.current = own
            let o = try inBundle.options(now: now)
            let runner = SubcommandRunner(tape: .record(writer.directory), timeout: inputs.stepTimeout)
            var names: [String] = []
            var report = try StageRun.run(o, executor: { name, argv in try runner.run(name, argv) },
                                          onPlanned: { name, argv in names.append(name); try writer.addCommand(name, Array(argv.dropFirst())) })
            var exchanges: [NetworkTape.Exchange] = []
            for n in names { exchanges += try NetworkTape.collectPartial(writer.directory, prefix: SubcommandRunner.prefix(n)) }
            let sha = try writer.finish(now: now, tape: own, childExchanges: exchanges)
            report.banners.append("bundle written to \(writer.directory.path) (bundle.json sha256 \(sha)); replay: devproof stage --bundle \(writer.directory.path)")
            report.setFact("bundle", .obj([("directory", .string(writer.directory.path)), ("sha256", .string(sha)),
                                           ("exchanges", .int(exchanges.count)), ("steps", .strings(names))]))
            return report
        }
    }
}
