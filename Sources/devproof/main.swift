import ArgumentParser
import DevProofCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Entry point. Parsing errors exit 2 (not ArgumentParser's 64), per the project's exit-code rules.
struct DevProof: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devproof",
        abstract: "Verify dstack TEE apps: is the hardware genuine, and can the developer rug the users?",
        version: BuildInfo.versionLine,
        subcommands: [AttestCommand.self, KeysCommand.self, ChainCommand.self, AppAuthCommand.self,
                      ReproduceCommand.self, TLSCommand.self, LightClientCommand.self, FreshnessCommand.self,
                      StageCommand.self, CollectCommand.self]
    )
}

// `devproof` alone is a usage error: print the help (on stderr, like every usage error) and exit 2.
if CommandLine.arguments.count == 1 {
    FileHandle.standardError.write(DevProof.helpMessage() + "\n")
    exit(2)
}

do {
    // A step of `stage`/`collect` gets its network tape from the parent; `--bundle DIR` replays a bundle.
    NetworkTape.current = try NetworkTape.fromEnvironment(ProcessInfo.processInfo.environment)
    let argv = try BundleArgs.rewrite(Array(CommandLine.arguments.dropFirst()))
    var command = try DevProof.parseAsRoot(argv)
    try command.run()
} catch let e as ExitCode {
    fflush(nil)
    exit(e.rawValue)
} catch let e as DevProofError {
    CLI.fail(e)
} catch {
    if DevProof.exitCode(for: error) == .success {
        DevProof.exit(withError: error) // --help / --version
    }
    let msg = DevProof.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    FileHandle.standardError.write("devproof: error: \(msg)\n")
    FileHandle.standardError.write("devproof: see 'devproof --help'\n")
    exit(2)
}
