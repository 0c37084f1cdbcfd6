import DevProofCore
import DstackChain
import EVM

/// Inputs of `devproof appauth` as given on the command line (parsed and validated here, not in the CLI).
public struct AppAuthOptions: Sendable {
    public var app: Address?
    /// Providers, quorum, block pin, timeout and pin bounds (shared with keys and chain).
    public var rpc = RPCOptions()
    /// Required notice (seconds) before new code can run.
    public var minNotice: Int64 = 7 * 86400
    public var composeHash: String?
    public var fromAttest: String?
    public var fromBlock: UInt64?
    public var strictHashes = false
    /// The audit time (`--now`): notice windows and the pinned block's age are judged at it. nil: the real clock.
    public var now: Int64?
    public var progress = true

    public init() {}
}

/// What `--from-attest` contributes: the running compose hash and the app it belongs to.
public struct AttestClaim: Sendable, Equatable {
    public var composeHash: Bytes
    public var appId: Address?
    public var verdict: String?
}

extension AppAuth {
    public static func run(_ o: AppAuthOptions) throws -> Report {
        guard let app = o.app else { throw DevProofError.usage("appauth needs --app ADDRESS (the app_id, i.e. the AppAuth contract)") }
        guard !o.rpc.urls.isEmpty else { throw DevProofError.usage("appauth needs --rpc URL (repeatable, with --quorum K; or set ETH_RPC_URL)") }
        if o.composeHash != nil && o.fromAttest != nil { throw DevProofError.usage("give --compose-hash or --from-attest, not both") }

        var policy = AppAuthPolicy()
        policy.minNotice = o.minNotice
        policy.now = o.now
        policy.failOnMultipleHashes = o.strictHashes
        var running: Bytes?
        if let h = o.composeHash {
            running = try parseHash(h, "--compose-hash")
            policy.runningSource = "--compose-hash"
        } else if let path = o.fromAttest {
            let claim = try readAttestReport(path)
            running = claim.composeHash
            policy.runningSource = "attest report \(path)"
            policy.attestVerdict = claim.verdict
            policy.attestAppId = claim.appId
        }
        var rpc = o.rpc
        if rpc.now == nil { rpc.now = o.now }
        _ = try rpc.client()  // flag errors (quorum, URLs) are usage errors before any read

        // The pin and every read run under the shared guard: disagreement fails rpc.quorum, a refused pin or an
        // unreachable provider skips rpc.block (inconclusive) and the report is still printed.
        var pre = Report(command: "appauth")
        var judged: Report?
        try RPCGuard.run(&pre) { r in
            let pinned = try rpc.pin(into: &r)
            let chain = AppAuthRPCChain(pinned)
            if o.progress { chain.progress = LogScanner.stderrProgress }
            chain.provenApp = app
            chain.layout = rpc.storageLayout
            let snapshot = try AppAuthReader(chain: chain, fromBlock: o.fromBlock).read(app: app, runningHash: running)
            var report = judge(snapshot, policy)
            TrustedReads.apply(&report, pinned)
            report.setFact("rpc", pinned.json)
            report.setFact("rpc_requests", .obj([("posts", .int(pinned.client.stats.posts)), ("calls", .int(pinned.client.stats.calls))]))
            try pinned.recheck()
            judged = report
        }
        guard var report = judged else {
            pre.setFact("app", .string(app.checksummed))
            return pre
        }
        // rpc.block / rpc.quorum first, as in keys and chain.
        report.checks = pre.checks + report.checks.filter { c in !pre.checks.contains { $0.id == c.id } }
        for f in pre.facts where report.fact(f.key) == nil { report.setFact(f.key, f.value) }
        return report
    }

    static func parseHash(_ text: String, _ what: String) throws -> Bytes {
        guard Hex.isHex(text), let b = try? Hex.decode(text), b.count == 32 else {
            throw DevProofError.usage("\(what) '\(text)' is not a 32-byte hex hash")
        }
        return b
    }

    /// Reads the JSON of `devproof attest --json`: facts.compose_hash (required), facts.app_id, verdict.
    public static func readAttestReport(_ path: String) throws -> AttestClaim {
        let (_, json) = try InputFile.readJSON(path, what: "attest report")
        return try attestClaim(json, path)
    }

    public static func attestClaim(_ json: JSONValue, _ path: String) throws -> AttestClaim {
        let r = try AttestReportInput.parse(json, path)
        guard let hash = r.composeHash else {
            throw DevProofError.malformed("\(path): the attest report has no facts.compose_hash (was the app identity verified?)")
        }
        return AttestClaim(composeHash: hash, appId: r.appId, verdict: json["verdict"]?.stringValue)
    }
}
