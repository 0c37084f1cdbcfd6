import DevProofCore
import EVM

/// Inputs of `devproof appauth` as given on the command line (parsed and validated here, not in the CLI).
public struct AppAuthOptions: Sendable {
    public var app: String?
    public var rpcURLs: [String] = []
    public var quorum: Int?
    public var block = "latest"
    public var minNotice = "7d"
    public var composeHash: String?
    public var fromAttest: String?
    public var fromBlock: UInt64?
    public var strictHashes = false
    public var now: Int64?
    public var offline = false
    public var rpcTimeout: Double = 30
    /// Test hook: the transport under the RPC client.
    public var transport: (any RPCTransport)?
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
        guard let appText = o.app else { throw DevProofError.usage("appauth needs --app ADDRESS (the app_id, i.e. the AppAuth contract)") }
        let app = try Address(appText)
        if o.offline { throw DevProofError.usage("appauth reads the chain: --offline cannot be combined with it (give --rpc URL)") }
        guard !o.rpcURLs.isEmpty else { throw DevProofError.usage("appauth needs --rpc URL (repeatable, with --quorum K)") }
        if o.composeHash != nil && o.fromAttest != nil { throw DevProofError.usage("give --compose-hash or --from-attest, not both") }

        var policy = AppAuthPolicy()
        policy.minNotice = try DurationInput.parse(o.minNotice)
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
        let selector = try BlockSelector(parsing: o.block)

        let rpc: RPCClient
        if let t = o.transport {
            rpc = try RPCClient(urls: o.rpcURLs, quorum: o.quorum, timeout: o.rpcTimeout, transport: t)
        } else {
            rpc = try RPCClient(urls: o.rpcURLs, quorum: o.quorum, timeout: o.rpcTimeout)
        }
        do {
            let pinned = try PinnedChain.pin(rpc, selector)
            let chain = AppAuthRPCChain(pinned)
            if o.progress { chain.progress = LogScanner.stderrProgress }
            let snapshot = try AppAuthReader(chain: chain, fromBlock: o.fromBlock).read(app: app, runningHash: running)
            var report = judge(snapshot, policy)
            report.setFact("rpc", pinned.json)
            report.setFact("rpc_requests", .obj([("posts", .int(rpc.stats.posts)), ("calls", .int(rpc.stats.calls))]))
            return report
        } catch let e as RPCError {
            if case .disagreement = e {
                var r = Report(command: "appauth")
                r.add(.fail("rpc.quorum", "RPC providers disagree: \(e.description)"))
                return r
            }
            throw e.asDevProofError
        } catch let e as BlockHashMismatch {
            var r = Report(command: "appauth")
            r.add(.fail("rpc.block_pin", e.description))
            return r
        }
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
        guard json["schema"]?.stringValue == Report.schema, json["command"]?.stringValue == "attest" else {
            throw DevProofError.malformed("\(path) is not a devproof attest report (schema \(Report.schema), command attest)")
        }
        guard let facts = json["facts"], let h = facts["compose_hash"]?.stringValue else {
            throw DevProofError.malformed("\(path): the attest report has no facts.compose_hash (was the app identity verified?)")
        }
        guard let hash = try? Hex.decode(h), hash.count == 32 else {
            throw DevProofError.malformed("\(path): facts.compose_hash '\(h)' is not 32 bytes of hex")
        }
        var appId: Address?
        if let a = facts["app_id"]?.stringValue {
            guard let b = try? Hex.decode(a), b.count == 20, let addr = try? Address(bytes: b) else {
                throw DevProofError.malformed("\(path): facts.app_id '\(a)' is not a 20-byte address")
            }
            appId = addr
        }
        return AttestClaim(composeHash: hash, appId: appId, verdict: json["verdict"]?.stringValue)
    }
}
