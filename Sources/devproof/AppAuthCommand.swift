import ArgumentParser
import DevProofChecks
import DevProofCore

struct AppAuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appauth",
        abstract: "Who can change the app's code, and with what notice? (tutorial 08)"
    )

    @OptionGroup var common: CommonOptions

    func run() throws {
        CLI.fail(.usage("appauth is not implemented yet"))
    }
}
