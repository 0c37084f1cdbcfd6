import DevProofCore
import Dstack
import EVM
import TDX

/// Inputs of `devproof lightclient` (tutorial 07).
public struct LightClientOptions: Sendable {
    public var proofPath = ""
    /// The attest pipeline (evidence parts other than the quote: event log, app-compose, vm_config; policy).
    public var attest: AttestOptions
    public var rpc = RPCOptions()
    public var trustedBlock: TrustedBlock?
    /// An eth_getBlockByNumber result for claim.block_number (offline canonical check with --trusted-block).
    public var headerPath: String?
    public var maxWalk = 256
    /// Timestamp of the slot after the checkpoint's (where EIP-4788 stores its root).
    public var checkpointTimestamp: Int64?
    public var maxCheckpointAge: Int64?
    public var maxAge: Int64?
    public var helios = "0.11.0"

    public init(now: Int64) { attest = AttestOptions(now: now) }
}

public enum LightClient {
    /// `--trusted-block N:HASH`, parsed at the CLI edge.
    public static func trustedBlock(_ text: String) throws -> TrustedBlock { try TrustedBlock(parsing: text) }

    public static func run(_ o: LightClientOptions) throws -> Report {
        let p = try LightClientProofFile.load(o.proofPath)
        var r = Report(command: "lightclient")
        let computed = p.recomputedClaimHash
        r.setFact("claim", p.claim)
        r.setFact("claim_canonical", .string(p.canonicalClaim))
        r.setFact("claim_hash", .string(computed.hex))

        // claim_hash: the file's claimHash is sha256 of the Python canonical claim.
        if computed == p.claimHash {
            r.add(.pass("lightclient.claim_hash", "claimHash = sha256(json.dumps(claim, sort_keys=True)) = \(computed.hex.prefix(16))…"))
        } else {
            r.add(.fail("lightclient.claim_hash", "claimHash \(p.claimHash.hex.prefix(16))… ≠ sha256 of the claim (\(computed.hex.prefix(16))…): the claim was changed after it was hashed",
                        .obj([("file", .string(p.claimHash.hex)), ("recomputed", .string(computed.hex))])))
        }

        try quoteChecks(p, computed, o, &r)
        try composeChecks(p, o, &r)
        try chainChecks(p, o, &r)
        signatureCheck(p, &r)
        return r
    }

    // MARK: quote

    static func quoteChecks(_ p: LightClientProofFile, _ claimHash: Bytes, _ o: LightClientOptions, _ r: inout Report) throws {
        guard let qb = p.quote else {
            if o.attest.eventLogPath != nil || o.attest.vmConfigPath != nil {
                throw DevProofError.usage("--event-log/--vm-config: the proof has no quote for the attest pipeline to check them against")
            }
            r.add(.skip("lightclient.report_data", "the proof has no quote (quote: null, e.g. not run in a TEE): nothing binds the claim to a TEE"))
            return
        }
        let quote = try Quote.load(fileBytes: qb)
        let want = LightClientProofFile.reportData(claimHash)
        let got = quote.reportData
        if got == want {
            r.add(.pass("lightclient.report_data", "the quote's report_data is ASCII(hex(claimHash)) of the recomputed claim"))
        } else {
            r.add(.fail("lightclient.report_data", "the quote's report_data does not bind this claim",
                        .obj([("expected", .string(want.hex)), ("report_data", .string(got.hex))])))
        }
        // The full attest pipeline on the quote plus the evidence parts given on the command line.
        var ev = try AttestEvidence.gather(o.attest)
        ev.quote = quote.raw; ev.quoteSource = "\(o.proofPath) (quote)"
        let sub = try AttestEvidence.verify(ev, quote: quote, bindings: [.raw(want)], options: o.attest)
        r.checks += sub.checks
        r.banners += sub.banners
        r.setFact("attest", .object(sub.facts))
    }

    // MARK: compose pins

    static func composeChecks(_ p: LightClientProofFile, _ o: LightClientOptions, _ r: inout Report) throws {
        guard let path = o.attest.appComposePath else {
            r.add(.skip("lightclient.checkpoint.pinned", "no --app-compose: whether the app runs with this checkpoint is not checked"))
            return
        }
        let (_, v) = try InputFile.readJSON(path, what: "--app-compose file")
        guard let compose = v["docker_compose_file"]?.stringValue else {
            throw DevProofError.malformed("--app-compose \(path): no docker_compose_file string")
        }
        let script = try ComposeConfigs.content(compose, name: "run.sh", source: path) ?? ""
        let pins = ComposeConfigs.shellAssignments(script, name: "CHECKPOINT")
        var notes = [String]()
        let helios = compose.contains("helios/releases/download/\(o.helios)/")
        if !helios { notes.append("Helios \(o.helios) is not the version downloaded") }
        if compose.contains("| tar") && !compose.contains("sha256sum") { notes.append("Helios is fetched with curl | tar and no checksum") }
        if compose.range(of: "pip3? install", options: .regularExpression) != nil && !compose.contains("==") {
            notes.append("pip install without pinned versions")
        }
        let details = JSONValue.obj([("checkpoints", .strings(pins)), ("helios_pinned", .bool(helios)), ("notes", .strings(notes))])
        guard pins.count == 1, let pin = try? Hex.decode(pins[0]), pin.count == 32 else {
            r.add(.fail("lightclient.checkpoint.pinned", pins.isEmpty ? "run.sh sets no CHECKPOINT=: the light client's trust root is not pinned by the compose"
                                                                       : "run.sh sets CHECKPOINT= \(pins.count) times or not to a 32-byte root", details))
            return
        }
        guard pin == p.checkpointRoot else {
            r.add(.fail("lightclient.checkpoint.pinned", "the compose pins checkpoint \(pin.hex0x), the claim says \(p.checkpointRoot.hex0x)", details))
            return
        }
        if notes.isEmpty {
            r.add(.pass("lightclient.checkpoint.pinned", "the compose pins CHECKPOINT=\(pin.hex0x.prefix(18))… (the claim's) and Helios \(o.helios)", details))
        } else {
            r.add(.warn("lightclient.checkpoint.pinned", "the compose pins the claim's checkpoint, but: " + notes.joined(separator: "; "), details))
        }
    }

    public static func signatureCheck(_ p: LightClientProofFile, _ r: inout Report) {
        guard let key = try? P256PublicKey(raw: p.pubkey) else {
            r.add(.fail("lightclient.signature", "pubkey is not a P-256 point")); return
        }
        if key.isValidSignature(raw: p.signature, message: p.claimHash) {
            r.add(.info("lightclient.signature", "P-256 signature over sha256(claimHash) verifies; the key is bound to neither the quote nor the KMS chain"))
        } else {
            r.add(.fail("lightclient.signature", "the P-256 signature over sha256(claimHash) does not verify with the included pubkey"))
        }
    }
}
