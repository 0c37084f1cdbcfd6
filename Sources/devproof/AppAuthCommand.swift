import ArgumentParser
import DevProofChecks
import DevProofCore
import DstackChain
import EVM

struct AppAuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appauth",
        abstract: "Who can change the app's code, and with what notice? (tutorial 08)",
        discussion: """
        Reads the app's AppAuth contract at one pinned block: kind, owner, every path to new code and its notice, \
        pending proposals, allowed compose hashes, devices, TCB policy. Checks: docs/checks.md; limits: docs/appauth.md.
        """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "The app's AppAuth contract (the on-chain app_id).", transform: { try Address(flag: "--app", $0) })
    var app: Address?
    @OptionGroup var rpc: RPCFlags
    @Option(name: .customLong("min-notice"), help: "Required notice before new code can run (e.g. 7d, 36h, 3600; default 7d).",
            transform: { try DurationInput.parse($0) })
    var minNotice: Int64 = 7 * 86400
    @Option(name: .customLong("compose-hash"), help: "The running compose hash, to check it is allowed.")
    var composeHash: String?
    @Option(name: .customLong("from-attest"), help: "JSON of `devproof attest --json`: its compose_hash and app_id.")
    var fromAttest: String?
    @Option(name: .customLong("from-block"), help: "First block of the log scan (default: the app's deployment block).")
    var fromBlock: UInt64?
    @Flag(name: .customLong("strict-hashes"), help: "Fail (not warn) when more than one compose hash is allowed.")
    var strictHashes = false

    func run() throws {
        CLI.run(common) {
            var o = AppAuthOptions()
            o.app = app; o.rpc = try rpc.options(common, command: "appauth"); o.minNotice = minNotice
            o.composeHash = composeHash; o.fromAttest = fromAttest; o.fromBlock = fromBlock; o.strictHashes = strictHashes
            o.now = common.now?.unixSeconds
            return try AppAuth.run(o)
        }
    }
}
