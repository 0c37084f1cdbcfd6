import DevProofCore
import Dstack
import EVM

/// Inputs of `devproof freshness` (tutorial 06).
public struct FreshnessOptions: Sendable {
    public var now: Int64
    public var responsePath: String?
    public var maxAge: Int64?
    public var clockSkew: Int64 = 60
    public var receiptsPath: String?
    public var kmsRoot: String?
    public var appId: Bytes?
    public var rpc = RPCOptions()
    public var trustedBlock: TrustedBlock?
    public var anchor: Address?
    public var anchorSlot: Bytes = [0]
    public var appComposePath: String?
    /// Nonce challenge: the app's quote URL, the nonce (nil: random), and how to verify the quote.
    public var nonceURL: String?
    public var nonce: Bytes?
    public var attest: AttestOptions?
    public init(now: Int64) { self.now = now }
}

public enum Freshness {
    public static func run(_ o: FreshnessOptions) throws -> Report {
        guard o.responsePath != nil || o.receiptsPath != nil || o.appComposePath != nil || o.nonceURL != nil else {
            throw DevProofError.usage("freshness needs --response FILE, --receipts FILE|DIR, --app-compose FILE or --url URL")
        }
        var r = Report(command: "freshness")
        if let p = o.responsePath { try statementChecks(p, o, &r) }
        if let p = o.receiptsPath { try receiptChecks(try FreshnessReceipt.load(p), o, &r) }
        if let p = o.appComposePath { try staticChecks(p, &r) }
        if let u = o.nonceURL { try FreshnessNonce.run(url: u, nonce: o.nonce, attest: o.attest ?? AttestOptions(now: o.now), &r) }
        return r
    }

    /// `--app-id` / `--anchor`, parsed at the CLI edge.
    public static func address(_ text: String) throws -> Address { try Address(text) }
    public static func trustedBlock(_ text: String) throws -> TrustedBlock { try TrustedBlock(parsing: text) }

    // MARK: statement age

    /// A statement's time and what covers it: 01's `{statement{…timestamp ms}, reportDataHash, quote}`
    /// (sha256 of JSON.stringify, bound to report_data), 03's `{statement{…timestamp ms}, messageHash, …}`
    /// and 05's `{price, timestamp s, messageHash, …}` (keccak over encodePacked fields, signed).
    static func statementChecks(_ path: String, _ o: FreshnessOptions, _ r: inout Report) throws {
        guard let maxAge = o.maxAge else { throw DevProofError.usage("--response needs --max-age DUR") }
        let (_, v) = try InputFile.readJSON(path, what: "--response file")
        var tsSeconds: Int64
        var bound: Check
        var onchainNote: String?
        if let st = v["statement"], v["reportDataHash"] != nil {
            guard let ms = st["timestamp"]?.int64Value else { throw DevProofError.malformed("--response \(path): statement.timestamp is not an integer") }
            tsSeconds = ms / 1000
            let h = Digest.sha256(Array(JSStringify.stringify(st).utf8))
            bound = h.hex == (v["reportDataHash"]?.stringValue ?? "").lowercased()
                ? .pass("freshness.statement.bound", "the timestamp is inside the statement whose sha256 is reportDataHash (report_data: check the quote with `devproof attest --evidence`)")
                : .fail("freshness.statement.bound", "reportDataHash is not sha256(JSON.stringify(statement)): the timestamp is not the one that was bound")
        } else if v["messageHash"] != nil {
            let k = try KeyResponse.parse(v, source: path)
            let isT05 = k.format == .t05
            guard let t = isT05 ? v["timestamp"]?.int64Value : v["statement"]?["timestamp"]?.int64Value else {
                throw DevProofError.malformed("--response \(path): no integer timestamp")
            }
            tsSeconds = isT05 ? t : t / 1000
            if let m = k.message, let h = m.recomputedHash {
                bound = h == m.messageHash
                    ? .pass("freshness.statement.bound", "the timestamp is packed into messageHash (\(m.packing)); the signature chain is checked by `devproof keys`")
                    : .fail("freshness.statement.bound", "messageHash does not recompute from the fields: the timestamp is not the signed one")
            } else {
                bound = .skip("freshness.statement.bound", "messageHash cannot be recomputed from this response")
            }
            if isT05 { onchainNote = "TeeOracle.fulfill never compares priceTimestamp with the request's time: an old signed price can fulfill a new request" }
        } else {
            throw DevProofError.malformed("--response \(path): neither a 01 oracle response (statement, reportDataHash) nor a 03/05 signed response (messageHash)")
        }
        r.add(bound)
        let age = o.now - tsSeconds
        let d = JSONValue.obj([("timestamp", .int(tsSeconds)), ("age_seconds", .int(age)), ("max_age", .int(maxAge)), ("clock_skew", .int(o.clockSkew))])
        if age < -o.clockSkew {
            r.add(.fail("freshness.statement.age", "the statement is dated \(-age) s in the future (beyond --clock-skew \(o.clockSkew) s)", d))
        } else if age > maxAge {
            r.add(.fail("freshness.statement.age", "the statement is \(age) s old, beyond --max-age \(maxAge) s (a replayed or stale answer)", d))
        } else {
            r.add(.pass("freshness.statement.age", "the statement is \(max(0, age)) s old (bound \(maxAge) s); its clock is the guest's", d))
        }
        if let onchainNote { r.add(.warn("freshness.statement.onchain", onchainNote)) }
        else { r.add(.notApplicable("freshness.statement.onchain", "not a TeeOracle (05) response")) }
    }

    // MARK: static signals

    static let storageEnvHints = ["DATABASE", "_URL", "POSTGRES", "MYSQL", "REDIS", "MONGO", "_DSN", "S3_"]

    static func staticChecks(_ path: String, _ r: inout Report) throws {
        // The same app-compose reader as stage and reproduce (one parser; its YAML must be valid here too).
        let bytes = try InputFile.read(path, what: "--app-compose file")
        let audit: ComposeAudit
        do { audit = try ComposeAudit.appCompose(bytes) } catch let e as DevProofError {
            throw DevProofError.malformed("--app-compose \(path): \(e)")
        }
        let operatorEnvs = audit.allowedEnvs.filter { e in storageEnvHints.contains { e.uppercased().contains($0) } }
        if !operatorEnvs.isEmpty {
            r.add(.warn("freshness.storage.operator_controlled", "storage location set by the operator at deploy time (allowed_envs: \(operatorEnvs.joined(separator: ", "))): they can restore an old copy",
                        .obj([("allowed_envs", .strings(operatorEnvs))])))
        } else {
            r.add(.info("freshness.storage.operator_controlled", "no storage location among allowed_envs" + (audit.interpolatesVariables ? " (the compose still reads ${…} variables)" : "")))
        }
        let kms = audit.kmsEnabled ?? false
        r.add(.info("freshness.storage.kms_key", kms ? "kms_enabled: keys derived from the KMS give confidentiality and integrity, never freshness"
                                                     : "kms_enabled is false: no KMS-derived keys"))
        switch audit.secureTime {
        case true?: r.add(.info("freshness.secure_time", "secure_time is on: the guest clock is synchronised securely before the app starts"))
        default: r.add(.warn("freshness.secure_time", "secure_time is off or absent: statement timestamps come from a clock the host can influence"))
        }
    }
}
