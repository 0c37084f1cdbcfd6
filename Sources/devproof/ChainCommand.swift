import ArgumentParser
import DevProofChecks
import DevProofCore

struct ChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "On-chain authorization: oracle proofs, upgrade history, boot simulation (tutorial 05)."
    )

    @OptionGroup var common: CommonOptions

    func run() throws {
        CLI.fail(.usage("chain is not implemented yet"))
    }
}
