import ArgumentParser
import DevProofChecks
import DevProofCore

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Verify a dstack KMS key signature chain (tutorial 03)."
    )

    @OptionGroup var common: CommonOptions

    func run() throws {
        CLI.fail(.usage("keys is not implemented yet"))
    }
}
