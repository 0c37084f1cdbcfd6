import ArgumentParser
import DevProofChecks
import DevProofCore

struct FreshnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freshness",
        abstract: "Can the operator roll state back (tutorial 06)? Statement age, freshness receipts, compose signals.",
        discussion: "Checks are documented in docs/checks.md; what each proves in docs/freshness.md."
    )
    @OptionGroup var common: CommonOptions

    @Option(help: "A signed or attested statement (01 oracle, 03 or 05 signed response) whose time is checked.")
    var response: String?
    @Option(name: .customLong("max-age"), help: "Oldest acceptable statement (e.g. 5m).")
    var maxAge: String?
    @Option(name: .customLong("clock-skew"), help: "Tolerated future dating (default 60s).")
    var clockSkew: String?

    @Option(help: "Freshness receipts: a JSON file (one receipt or an array, in history order) or a directory of *.json (by name).")
    var receipts: String?
    @Option(name: .customLong("kms-root"), help: "Trusted KMS root (address or secp256k1 public key) the receipts must chain to.")
    var kmsRoot: String?
    @Option(name: .customLong("app-id"), help: "The audited app id: every receipt must carry it.")
    var appId: String?
    @Option(name: .customLong("rpc"), help: "Ethereum JSON-RPC URL for the anchor read (repeatable).")
    var rpc: [String] = []
    @Option(name: .customLong("rpc-timeout"), help: "Seconds per RPC request.")
    var rpcTimeout: Double = 30
    @Option(name: .customLong("trusted-block"), help: "N:HASH of a block you trust: the anchor's storage is proven against it.")
    var trustedBlock: String?
    @Option(help: "Anchor contract (default: the receipts' anchor.contract).")
    var anchor: String?
    @Option(name: .customLong("anchor-slot"), help: "Storage slot of the anchor's counter (default 0).")
    var anchorSlot: String?

    @Option(name: .customLong("app-compose"), help: "app-compose.json: storage location, secure_time, KMS keys.")
    var appCompose: String?

    @Option(help: "Nonce challenge: the app's quote endpoint, asked as URL?nonce=HEX; the quote must carry the nonce.")
    var url: String?
    @Option(help: "The challenge nonce (hex, at most 64 bytes). Default: 32 random bytes chosen now.")
    var nonce: String?
    /// Verifies the quote of the nonce challenge (only with --url).
    @OptionGroup var pipeline: AttestPipelineFlags

    func run() throws {
        CLI.run(common) {
            var o = FreshnessOptions(now: try common.resolvedNow())
            o.responsePath = response; o.receiptsPath = receipts; o.appComposePath = appCompose
            o.maxAge = try maxAge.map { try DurationInput.parse($0) }
            if let c = clockSkew { o.clockSkew = try DurationInput.parse(c) }
            if response == nil && (maxAge != nil || clockSkew != nil) { throw DevProofError.usage("--max-age/--clock-skew need --response") }
            if response != nil && maxAge == nil { throw DevProofError.usage("--response needs --max-age DUR") }
            let receiptFlags = kmsRoot != nil || appId != nil || !rpc.isEmpty || trustedBlock != nil || anchor != nil || anchorSlot != nil
            if receipts == nil && receiptFlags { throw DevProofError.usage("--kms-root/--app-id/--rpc/--trusted-block/--anchor/--anchor-slot need --receipts") }
            if (!rpc.isEmpty) != (trustedBlock != nil) { throw DevProofError.usage("the anchor read needs both --rpc URL and --trusted-block N:HASH") }
            if common.offline && !rpc.isEmpty { throw DevProofError.usage("--offline and --rpc exclude each other") }
            o.kmsRoot = kmsRoot
            if let a = appId { o.appId = try Freshness.address(a).bytes }
            o.rpc.urls = rpc; o.rpc.timeout = rpcTimeout
            o.trustedBlock = try trustedBlock.map { try Freshness.trustedBlock($0) }
            o.anchor = try anchor.map { try Freshness.address($0) }
            if let s = anchorSlot {
                guard s.count <= 66, let b = try? Hex.decode(s.count % 2 == 1 ? "0" + s.dropFirst(s.hasPrefix("0x") ? 2 : 0) : s), b.count <= 32 else {
                    throw DevProofError.usage("--anchor-slot '\(s.prefix(80))' is not a hex slot of at most 32 bytes")
                }
                o.anchorSlot = b
            }
            if url == nil && (nonce != nil || !pipeline.argv.isEmpty) {
                throw DevProofError.usage("--nonce and the quote-verification flags (--collateral, --no-dcap, …) need --url")
            }
            if let url {
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw DevProofError.usage("--url must be http:// or https://") }
                if common.offline { throw DevProofError.usage("--offline and --url exclude each other") }
                o.nonceURL = url
                var a = AttestOptions(now: o.now)
                pipeline.apply(to: &a, offline: common.offline)
                o.attest = a
                if let n = nonce {
                    let b = try HexIDValue(parsing: n, what: "--nonce").bytes
                    guard b.count <= 64 else { throw DevProofError.usage("--nonce: at most 64 bytes (report_data's size), got \(b.count)") }
                    o.nonce = b
                }
            }
            return try Freshness.run(o)
        }
    }
}
