import DevProofCore
import DstackChain
import EVM

/// Everything `devproof keys` can be given. Plain values; the CLI maps flags onto it.
public struct KeysOptions: Sendable {
    /// The response to verify: a file path, "-" for stdin, or an http(s) URL.
    public var response: String?
    /// The app id to check the KMS signature against (20 bytes hex). Must come from trusted evidence.
    public var appId: Address?
    /// A `devproof attest --json` report whose verdict is pass: its `facts.app_id` is the app id.
    public var fromAttest: String?
    public var kmsRoot: KMSRoot?
    public var kmsContract: Address?
    /// JSON-RPC providers, quorum, block pin and timeout for --kms-contract (shared with `chain`).
    public var rpc = RPCOptions()
    public var simulator = false
    public var purpose = KMSSignatureChain.defaultPurpose
    public var replicas: [String] = []
    /// Oracle base URLs (tutorial 03/05): each serves its signed response at `/price`. The first is the response
    /// when `response` is nil; the others are replicas.
    public var urls: [String] = []
    public var offline = false
    /// Fetches a URL (HTTP GET) and returns the body; the CLI wires in the HTTP client.
    public var fetchURL: (@Sendable (String) throws -> Bytes)?

    public init() {}
}

/// `devproof keys`: verifies a dstack KMS key signature chain (tutorial 03/05, GetKey, KMS app keys),
/// the message the derived key signed, and that replicas share the signer.
public enum Keys {
    public static let command = "keys"

    public static func run(_ o: KeysOptions) throws -> Report {
        let priceURLs = try o.urls.map(priceURL)
        var replicaArgs = o.replicas
        let responseArg: String
        if let r = o.response {
            responseArg = r; replicaArgs = priceURLs + replicaArgs
        } else if let first = priceURLs.first {
            responseArg = first; replicaArgs = Array(priceURLs.dropFirst()) + replicaArgs
        } else {
            throw DevProofError.usage("keys needs --response FILE|URL or --url ORACLE (the oracle's response, a GetKey result or KMS app keys)")
        }
        var appIdSource = "--app-id"
        var appIdFromAttest: Bytes?
        if let path = o.fromAttest {
            appIdFromAttest = try appIdFromAttestReport(path)
            appIdSource = "attest report \(path)"
        }
        let appId: Bytes
        switch (o.appId, appIdFromAttest) {
        case (nil, nil):
            throw DevProofError.usage("keys needs --app-id HEX (or --from-attest REPORT): the app id must come from evidence you trust (the attested app-id event, the audited AppAuth/DstackApp address), never from the app's own response")
        case (let t?, nil): appId = t.bytes
        case (nil, let a?): appId = a
        case (let t?, let a?):
            appId = t.bytes
            guard appId == a else { throw DevProofError.usage("--app-id \(appId.hex0x) differs from the attested app id \(a.hex0x) in \(o.fromAttest ?? "")") }
            appIdSource = "--app-id, equal to the attest report"
        }
        let rootChoices = [o.kmsRoot != nil, o.kmsContract != nil, o.simulator].filter { $0 }.count
        if rootChoices > 1 { throw DevProofError.usage("give only one of --kms-root, --kms-contract (with --rpc), --simulator") }
        if o.kmsContract != nil && o.rpc.urls.isEmpty { throw DevProofError.usage("--kms-contract needs --rpc URL") }
        if o.kmsContract == nil && !o.rpc.urls.isEmpty { throw DevProofError.usage("--rpc is only used with --kms-contract") }
        if o.purpose.isEmpty { throw DevProofError.usage("--purpose must not be empty") }

        // Load everything before deciding anything: malformed input is exit 2 whatever else happens.
        let primaryJSON: JSONValue
        do { primaryJSON = try load(responseArg, o, what: "response") } catch let e as DevProofError {
            // Unreachable response: still a full report, inconclusive (exit 3), saying why.
            guard case .unavailable(let why) = e else { throw e }
            var r = Report(command: command)
            r.setFact("app_id", .string(appId.hex0x))
            r.setFact("app_id_source", .string(appIdSource))
            r.add(.skip("keys.kms_root", "the response could not be fetched, so no chain was checked: \(why)",
                        .obj([("response", .string(displayName(responseArg))), ("error", .string(why))])))
            return r
        }
        let primary = try KeyResponse.parse(primaryJSON, source: displayName(responseArg))
        var replicaInputs: [(String, Result<KeyResponse, DevProofError>)] = []
        for r in replicaArgs {
            do {
                replicaInputs.append((r, .success(try KeyResponse.parse(try load(r, o, what: "replica"), source: displayName(r)))))
            } catch let e as DevProofError {
                if case .unavailable = e { replicaInputs.append((r, .failure(e))) } else { throw e }
            }
        }
        var report = Report(command: command)
        let rootResolution = try resolveRoot(o, into: &report)
        let simulatorRoot = rootResolution.candidates.contains(where: \.isPublicSimulatorKey)

        report.setFact("input_format", .string(primary.format.rawValue))
        report.setFact("app_id", .string(appId.hex0x))
        report.setFact("app_id_source", .string(appIdSource))
        report.setFact("purpose", .string(o.purpose))
        if simulatorRoot {
            let how: String
            switch rootResolution {
            case .simulator: how = "--simulator"
            case .onChain(_, let c, _): how = "DstackKms \(c.checksummed).kmsInfo()"
            default: how = "--kms-root"
            }
            report.banners.append("SIMULATOR: the KMS root (\(how)) is a public simulator test key; anyone can sign with it, so this proves nothing about a production KMS (the verdict is never pass)")
        }
        switch rootResolution {
        case _ where simulatorRoot:
            report.setFact("mode", .string("simulator"))
        case .pinned: report.setFact("mode", .string("pinned-root"))
        case .onChain: report.setFact("mode", .string("on-chain-root"))
        case .unavailable(let why, _): report.setFact("mode", .string(why.hasPrefix("no trusted") ? "no-root" : "on-chain-root"))
        case .failed: report.setFact("mode", .string("on-chain-root"))
        case .simulator: report.setFact("mode", .string("simulator"))
        }

        let chain = verifyChain(primary, appId: appId, purpose: o.purpose)
        report.add(chain.checks)
        report.add(rootCheck(chain, rootResolution, primary: primary, appId: appId, purpose: o.purpose))
        report.add(messageChecks(primary, chain))
        if let w = highSCheck(primary, chain) { report.add(w) }
        report.add(replicaCheck(primary: chain, replicaInputs, appId: appId, purpose: o.purpose, root: rootResolution))
        report.add(.info("keys.scope", "the KMS signature binds the app key to app_id only; it does not bind a compose hash, an instance or the derivation path (the app signature covers purpose:pubkey, and purpose does not change the key), so every compose hash ever allowed for this app_id signs with the same key",
                         .obj([("bound", .strings(["app_id", "app_pubkey", "purpose", "derived_pubkey"])),
                               ("not_bound", .strings(["compose_hash", "instance_id", "derivation_path", "os_image", "time"])),
                               ("see_also", .string("devproof chain history: which compose hashes the AppAuth allowed"))])))

        if let k = chain.appKey { report.setFact("app_pubkey", .string(k.compressed.hex)) }
        if let d = primary.derivedPubkey { report.setFact("derived_pubkey", .string(d.hex)) }
        if let s = chain.signer { report.setFact("signer", .string(s.checksummed)) }
        if let k = chain.kmsKey {
            report.setFact("kms_signer", .obj([("address", .string(Address(publicKey: k).checksummed)), ("pubkey", .string(k.compressed.hex))]))
        }
        switch rootResolution {
        case .pinned(let r):
            report.setFact("kms_root", rootJSON(r))
        case .onChain(let r, _, let details):
            report.setFact("kms_root", rootJSON(r))
            report.setFact("kms_root_source", details)
        case .simulator(let rs):
            report.setFact("kms_root", .array(rs.map(rootJSON)))
        case .unavailable, .failed: report.setFact("kms_root", .null)
        }
        return report
    }

    // MARK: - Inputs

    /// The app id of a passing `devproof attest --json` report.
    static func appIdFromAttestReport(_ path: String) throws -> Bytes {
        guard let a = try AttestReportInput.read(path).appId else {
            throw DevProofError.malformed("--from-attest \(path): the report has no 20-byte facts.app_id (no app-id event in the evidence?)")
        }
        return a.bytes
    }

    /// `--url BASE` → BASE/price (the tutorial oracles' signed endpoint).
    static func priceURL(_ base: String) throws -> String {
        guard isURL(base) else { throw DevProofError.usage("--url '\(base)' must be an http(s) URL of the oracle (its /price is fetched)") }
        if base.hasSuffix("/price") { return base }
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/price"
    }

    static func isURL(_ s: String) -> Bool { s.hasPrefix("http://") || s.hasPrefix("https://") }
    static func displayName(_ s: String) -> String { s == "-" ? "stdin" : s }

    static func load(_ arg: String, _ o: KeysOptions, what: String) throws -> JSONValue {
        if isURL(arg) {
            if o.offline { throw DevProofError.unavailable("\(what) \(arg) is a URL but --offline was given") }
            guard let fetch = o.fetchURL else {
                throw DevProofError.unavailable("fetching \(arg) needs the HTTP client, not available in this build: save the response to a file and pass the path")
            }
            let body = try fetch(arg)
            do { return try JSONParser.parse(body) } catch let e as JSONParseError {
                throw DevProofError.malformed("\(what) from \(arg) is not valid JSON: \(e.message) (byte \(e.offset))")
            }
        }
        return try InputFile.readJSON(arg, what: what).value
    }

    enum RootResolution {
        case pinned(KMSRoot)
        case onChain(KMSRoot, contract: Address, details: JSONValue)
        case simulator([KMSRoot])
        /// No root: the chain cannot be closed (skip → inconclusive).
        case unavailable(String, details: JSONValue)
        /// The root source contradicts itself (providers disagree, pinned block hash differs): kms_root fails.
        case failed(String, details: JSONValue)

        var candidates: [KMSRoot] {
            switch self {
            case .pinned(let r), .onChain(let r, _, _): return [r]
            case .simulator(let rs): return rs
            case .unavailable, .failed: return []
            }
        }
    }

    /// The trusted root. With --kms-contract the chain read adds the shared `rpc.block`/`rpc.quorum` checks to
    /// `report`; a read that failed or was refused leaves keys.kms_root failing or skipped with the same reason.
    static func resolveRoot(_ o: KeysOptions, into report: inout Report) throws -> RootResolution {
        if let r = o.kmsRoot { return .pinned(r) }
        if o.simulator { return .simulator(KMSRoot.simulatorRoots) }
        guard let contract = o.kmsContract else {
            return .unavailable("no trusted KMS root: give --kms-root ADDR|PUBKEY, --kms-contract ADDR --rpc URL, or --simulator", details: .object([]))
        }
        let base: [(String, JSONValue)] = [("contract", .string(contract.checksummed))]
        if o.offline { return .unavailable("--kms-contract needs the network (--offline given)", details: .obj(base)) }
        var resolved: RootResolution?
        try RPCGuard.run(&report) { r in
            let chain = try o.rpc.pin(into: &r)
            let details: JSONValue = .obj(base + [("chain", chain.json)])
            let out: [ABIValue]
            do { out = try chain.call(DstackABI.kmsInfo, [], on: contract) } catch let e as CallReverted {
                throw DevProofError.malformed("kmsInfo() on \(contract.checksummed) reverted (\(e.revert)): is --kms-contract a DstackKms?")
            }
            guard case .bytes(var pub)? = out.first else {
                throw DevProofError.malformed("kmsInfo() on \(contract.checksummed) did not return bytes k256Pubkey first")
            }
            // With --trusted-block: the key proven from the contract's storage, compared with the eth_call answer.
            if let proven = DstackProvenReads(chain, layout: o.rpc.storageLayout) {
                pub = try proven.k256Pubkey(contract, call: pub.hex0x, checks: ["keys.kms_root"])
                TrustedReads.apply(&r, chain)
            }
            guard !pub.isEmpty else {
                resolved = .failed("DstackKms \(contract.checksummed) has no k256Pubkey set in kmsInfo() at block \(chain.block.number)", details: details)
                return
            }
            do {
                resolved = .onChain(.publicKey(try Secp256k1.PublicKey(sec1: pub)), contract: contract, details: details)
            } catch {
                resolved = .failed("DstackKms \(contract.checksummed) kmsInfo().k256Pubkey is not a secp256k1 public key (\(pub.count) bytes: \(pub.hex0x))", details: details)
            }
            try chain.recheck()
        }
        if let resolved, report.checks.allSatisfy({ !$0.id.hasPrefix("rpc.") || $0.status != .fail && $0.status != .skip }) { return resolved }
        // The chain read did not establish a root: say why, with the rpc check's own reason.
        let rpcProblem = report.checks.first { $0.id.hasPrefix("rpc.") && ($0.status == .fail || $0.status == .skip) }
        let why = "could not read kmsInfo() from \(contract.checksummed): \(rpcProblem?.summary ?? "no answer")"
        if rpcProblem?.status == .fail { return .failed(why, details: .obj(base)) }
        return .unavailable(why, details: .obj(base))
    }

    static func rootJSON(_ r: KMSRoot) -> JSONValue {
        .obj([("address", .string(r.address.checksummed)), ("pubkey", r.publicKey.map { .string($0.compressed.hex) } ?? .null)])
    }

    // MARK: - Chain

    struct ChainResult {
        var checks: [Check] = []
        var appKey: Secp256k1.PublicKey?
        var appRecovered: RecoveredSigner?
        var kmsKey: Secp256k1.PublicKey?
        var kmsRecovered: RecoveredSigner?
        /// The derived key's address (the signer the message must come from), when the derived key is secp256k1.
        var signer: Address?
        var derivedKey: Secp256k1.PublicKey?
        var derivedKeyError: String?
    }

    /// Recovers app and KMS keys. Emits keys.app_signature and keys.kms_signature.
    static func verifyChain(_ r: KeyResponse, appId: Bytes, purpose: String) -> ChainResult {
        var out = ChainResult()
        if let d = r.derivedPubkey {
            if d.count == 33 {
                do {
                    let k = try Secp256k1.PublicKey(sec1: d)
                    out.derivedKey = k; out.signer = Address(publicKey: k)
                } catch { out.derivedKeyError = "\(error)" }
            } else {
                out.derivedKeyError = "the derived key is \(d.count) bytes (ed25519), not a secp256k1 key"
            }
        }

        // App signature (chain[0]).
        if let appSig = r.appSignature, let d = r.derivedPubkey {
            let msg = KMSSignatureChain.appMessage(purpose: purpose, derivedPubkey: d)
            let details: [(String, JSONValue)] = [("message", .string(String(decoding: msg, as: UTF8.self))),
                                                  ("digest", .string(Keccak.keccak256(msg).hex0x))]
            do {
                let rec = try KMSSignatureChain.recoverAppKey(purpose: purpose, derivedPubkey: d, appSignature: appSig)
                out.appRecovered = rec
                let recDetails = details + [("app_pubkey", .string(rec.publicKey.compressed.hex))]
                if let stated = r.statedAppPubkey, stated != rec.publicKey {
                    out.checks.append(.fail("keys.app_signature",
                        "the app signature over '\(purpose):<derived pubkey>' recovers \(rec.publicKey.compressed.hex), not the app key the response states (\(stated.compressed.hex)): the app signature, the derived key or --purpose is wrong",
                        .obj(recDetails + [("stated_app_pubkey", .string(stated.compressed.hex))])))
                    // Continue the chain with the stated key so the KMS link is judged on its own.
                    out.appKey = stated
                } else {
                    out.appKey = rec.publicKey
                    let how = r.statedAppPubkey != nil ? "equals the app key the response states" : "is certified only through the KMS signature below"
                    out.checks.append(.pass("keys.app_signature",
                        "the app signature over '\(purpose):<derived pubkey>' recovers app key \(rec.publicKey.compressed.hex) (\(how))", .obj(recDetails)))
                }
            } catch {
                out.checks.append(.fail("keys.app_signature", "the app signature is not a valid recoverable signature: \(error)", .obj(details)))
                out.appKey = r.statedAppPubkey
            }
        } else if let stated = r.statedAppPubkey, r.appKeyFromPrivateKey {
            out.appKey = stated
            out.checks.append(.info("keys.app_signature", "no derived key in this input (KMS app-key output): the app key is computed from k256_key", .obj([("app_pubkey", .string(stated.compressed.hex))])))
        }

        // KMS signature (chain[1]).
        guard let app = out.appKey else {
            out.checks.append(.skip("keys.kms_signature", "no app key to check the KMS signature against (the app signature did not recover one)"))
            return out
        }
        let msg = KMSSignatureChain.kmsMessage(appId: appId, appPubkey: app)
        let details: [(String, JSONValue)] = [("message", .string(msg.hex0x)), ("digest", .string(Keccak.keccak256(msg).hex0x)),
                                              ("app_id", .string(appId.hex0x)), ("app_pubkey", .string(app.compressed.hex))]
        do {
            let rec = try KMSSignatureChain.recoverKMSKey(appId: appId, appPubkey: app, kmsSignature: r.kmsSignature)
            out.kmsRecovered = rec; out.kmsKey = rec.publicKey
            // Never pass: any 65 bytes recover *some* key for *any* app id, so recovering one proves nothing.
            // Only the comparison with the trusted root (keys.kms_root) decides.
            out.checks.append(.info("keys.kms_signature",
                "the KMS signature over 'dstack-kms-issued:' ‖ app_id ‖ app key recovers signer \(Address(publicKey: rec.publicKey).checksummed); whether that is the trusted root is decided by keys.kms_root",
                .obj(details + [("kms_signer", .string(rec.publicKey.compressed.hex))])))
        } catch {
            out.checks.append(.fail("keys.kms_signature", "the KMS signature is not a valid recoverable signature: \(error)", .obj(details)))
        }
        return out
    }

    /// keys.kms_root: the recovered KMS signer is the trusted root.
    static func rootCheck(_ c: ChainResult, _ root: RootResolution, primary: KeyResponse, appId: Bytes, purpose: String) -> Check {
        if case .unavailable(let why, let details) = root {
            var d = details.objectValue ?? []
            if let k = c.kmsKey { d.append(JSONMember("recovered_kms_signer", .string(Address(publicKey: k).checksummed))) }
            return .skip("keys.kms_root", why, .object(d))
        }
        if case .failed(let why, let details) = root { return .fail("keys.kms_root", why, details) }
        guard let k = c.kmsKey else {
            return .skip("keys.kms_root", "no KMS signer was recovered, so there is nothing to compare with the root")
        }
        let got = Address(publicKey: k)
        let cands = root.candidates
        var details: [(String, JSONValue)] = [("recovered", .obj([("address", .string(got.checksummed)), ("pubkey", .string(k.compressed.hex))])),
                                              ("expected", .array(cands.map(rootJSON)))]
        if let m = cands.first(where: { $0.matches(k) }) {
            if m.isPublicSimulatorKey {
                // Anyone holds a public simulator key: a chain ending there proves nothing (never pass).
                return .skip("keys.kms_root", "the chain ends at the public simulator root \(m.address.checksummed): anyone can sign with this key, so it proves nothing about a production KMS", .obj(details))
            }
            let src: String
            switch root {
            case .simulator: src = "a public simulator root"
            case .onChain(_, let c, _): src = "the root in DstackKms \(c.checksummed).kmsInfo()"
            default: src = "the pinned root"
            }
            return .pass("keys.kms_root", "the chain ends at \(src) \(m.address.checksummed)", .obj(details))
        }
        // Diagnose what we can without trusting the response.
        var hint = "one of the KMS signature, the app signature, the derived key, --app-id or --purpose is wrong"
        if primary.appKeyFromPrivateKey {
            hint = "the app key is computed from its private key, so the KMS signature, --app-id or the root is wrong"
        } else if primary.statedAppPubkey != nil && c.appRecovered?.publicKey == primary.statedAppPubkey {
            hint = "the app key is the one the response states, so the KMS signature, --app-id or the root is wrong"
        } else if primary.statedAppPubkey == nil && primary.appSignature != nil {
            hint += " (the response does not state the app key, so the broken link cannot be told apart)"
        }
        if cands.contains(where: { if case .address(let a) = $0 { return KMSRoot.knownKMSContracts.contains(a) }; return false }) {
            hint = "the expected root is a DstackKms contract address, not the KMS root key: use --kms-contract ADDR --rpc URL to read its kmsInfo().k256Pubkey"
        }
        if let claimed = primary.statedAppId, claimed != appId, let app = c.appKey,
           let alt = try? KMSSignatureChain.recoverKMSKey(appId: claimed, appPubkey: app, kmsSignature: primary.kmsSignature),
           cands.contains(where: { $0.matches(alt.publicKey) }) {
            hint = "the KMS certified this app key for app id \(claimed.hex0x) (as the response claims), not for --app-id \(appId.hex0x)"
            details.append(("kms_certified_app_id", .string(claimed.hex0x)))
        }
        return .fail("keys.kms_root", "the chain does not end at the trusted KMS root: it recovers \(got.checksummed), expected \(cands.map { $0.address.checksummed }.joined(separator: " or ")); \(hint)", .obj(details))
    }

    /// keys.message_hash and keys.message_signature.
    static func messageChecks(_ r: KeyResponse, _ c: ChainResult) -> [Check] {
        guard let m = r.message else {
            let why = r.format == .getkey ? "a GetKey result carries no signed message" : "KMS app-key output carries no signed message"
            return [.notApplicable("keys.message_hash", why), .notApplicable("keys.message_signature", why)]
        }
        var out: [Check] = []
        if let re = m.recomputedHash {
            let d: JSONValue = .obj([("stated", .string(m.messageHash.hex0x)), ("recomputed", .string(re.hex0x)), ("packing", .string(m.packing))])
            out.append(re == m.messageHash
                ? .pass("keys.message_hash", "messageHash equals the hash recomputed from the statement", d)
                : .fail("keys.message_hash", "messageHash \(m.messageHash.hex0x) is not the hash of the statement (\(re.hex0x)): the statement was changed after signing, or it is packed differently", d))
        }
        var details: [(String, JSONValue)] = [("message_hash", .string(m.messageHash.hex0x))]
        let rec: RecoveredSigner
        do {
            rec = try ECRecover.recoverPersonal(message: m.messageHash, signature: m.signature)
        } catch {
            out.append(.fail("keys.message_signature", "the message signature is not a valid recoverable signature: \(error)", .obj(details)))
            return out
        }
        details.append(("recovered_signer", .string(rec.address.checksummed)))
        guard let signer = c.signer else {
            out.append(.fail("keys.message_signature", "the message signer \(rec.address.checksummed) cannot be tied to the derived key: \(c.derivedKeyError ?? "no derived key")", .obj(details)))
            return out
        }
        details.append(("derived_key_address", .string(signer.checksummed)))
        if let stated = m.statedSigner { details.append(("stated_signer", .string(stated.checksummed))) }
        if rec.address != signer {
            out.append(.fail("keys.message_signature", "the EIP-191 signature over messageHash recovers \(rec.address.checksummed), not the derived key's address \(signer.checksummed)", .obj(details)))
        } else if let stated = m.statedSigner, stated != signer {
            out.append(.fail("keys.message_signature", "signerAddress \(stated.checksummed) in the response is not the derived key's address \(signer.checksummed), which did sign the message", .obj(details)))
        } else {
            out.append(.pass("keys.message_signature", "messageHash is signed (EIP-191) by the derived key's address \(signer.checksummed)", .obj(details)))
        }
        return out
    }

    static func highSCheck(_ r: KeyResponse, _ c: ChainResult) -> Check? {
        var which: [String] = []
        if c.appRecovered?.highS == true { which.append("app signature") }
        if c.kmsRecovered?.highS == true { which.append("KMS signature") }
        if let m = r.message, let s = try? Secp256k1.RecoverableSignature(m.signature), s.isHighS { which.append("message signature") }
        guard !which.isEmpty else { return nil }
        return .warn("keys.high_s", "high-s (malleable) \(which.joined(separator: ", ")): valid for ecrecover, but dstack's signer emits low-s, so this was re-encoded or produced by another signer",
                     .obj([("signatures", .strings(which))]))
    }
}
