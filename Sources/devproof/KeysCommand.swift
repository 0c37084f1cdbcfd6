import ArgumentParser
import DevProofChecks
import DevProofCore
import DstackChain
import EVM

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Verify a dstack KMS key signature chain and the message its derived key signed (tutorial 03/05).",
        discussion: "Input shapes: tutorial 03 {statement, messageHash, signature, signatureChain}, tutorial 05 (flat: price, timestamp, messageHash, signature, signatureChain), a GetKey result {key, signature_chain}, or KMS app keys {k256_key, k256_signature}. Checks: docs/checks.md; what this proves and what it cannot: docs/keys.md."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "The response to verify: a JSON file, '-' for stdin, or an http(s) URL.")
    var response: String?
    @Option(help: "Oracle base URL (tutorial 03/05): its /price is verified; repeat for replicas.")
    var url: [String] = []
    @Option(name: .customLong("app-id"), help: "The app id (20 bytes hex) from evidence you trust: the attested app-id event or the audited AppAuth address. Never taken from the response.",
            transform: { try Address(appId: $0) })
    var appId: Address?
    @Option(name: .customLong("from-attest"), help: "Take the app id from a passing `devproof attest --json` report (facts.app_id).")
    var fromAttest: String?
    @Option(name: .customLong("kms-root"), help: "The trusted KMS root: its address or its secp256k1 public key (hex).",
            transform: { try KMSRoot($0) })
    var kmsRoot: KMSRoot?
    @Option(name: .customLong("kms-contract"), help: "Read the KMS root from DstackKms.kmsInfo().k256Pubkey at this address (needs --rpc or ETH_RPC_URL).",
            transform: { try Address(flag: "--kms-contract", $0) })
    var kmsContract: Address?
    @OptionGroup var rpcFlags: RPCFlags
    @Flag(help: "Accept the public dstack/Phala simulator KMS roots (test only; the report says SIMULATOR).")
    var simulator = false
    @Option(help: "The purpose the app key signed with the derived key (default: ethereum).")
    var purpose: String = "ethereum"
    @Option(help: "Another replica's response (file or URL); all must show the same derived key and signer (repeatable).")
    var replica: [String] = []

    func run() throws {
        CLI.run(common) {
            var o = KeysOptions()
            o.response = response; o.urls = url; o.appId = appId; o.fromAttest = fromAttest; o.kmsRoot = kmsRoot; o.kmsContract = kmsContract
            if kmsContract == nil && rpcFlags.anyGiven { throw DevProofError.usage("--rpc, --block, --quorum and the other chain flags are only used with --kms-contract") }
            if kmsContract != nil {
                var c = common; c.offline = false  // keys maps --offline itself: --kms-contract is then inconclusive
                o.rpc = try rpcFlags.options(c, command: "keys")
            }
            o.simulator = simulator; o.purpose = purpose; o.replicas = replica
            o.offline = common.offline
            o.fetchURL = { url in
                let r = try HTTPClient().send(.get(url, headers: [("Accept", "application/json")]))
                guard r.isSuccess else { throw DevProofError.unavailable("\(url): HTTP \(r.status)") }
                return r.body
            }
            return try Keys.run(o)
        }
    }
}
