import DevProofCore
import EVM

/// A TeeOracle proof (tutorial 05, `TeeOracle.OracleProof`).
public struct TeeOracleProof: Sendable, Equatable {
    public var messageHash: Bytes
    public var messageSignature: Bytes
    public var appSignature: Bytes
    public var kmsSignature: Bytes
    public var derivedCompressedPubkey: Bytes
    public var appCompressedPubkey: Bytes
    public var purpose: String
    /// The signed statement, when the response carries it (05 `GET /price`: price in cents, timestamp).
    public var price: Word?
    public var timestamp: Word?

    public init(messageHash: Bytes, messageSignature: Bytes, appSignature: Bytes, kmsSignature: Bytes,
                derivedCompressedPubkey: Bytes, appCompressedPubkey: Bytes, purpose: String = "ethereum",
                price: Word? = nil, timestamp: Word? = nil) {
        self.messageHash = messageHash; self.messageSignature = messageSignature; self.appSignature = appSignature
        self.kmsSignature = kmsSignature; self.derivedCompressedPubkey = derivedCompressedPubkey
        self.appCompressedPubkey = appCompressedPubkey; self.purpose = purpose; self.price = price; self.timestamp = timestamp
    }

    /// Parses a proof JSON: the OracleProof field names (`messageHash`, `messageSignature`, `appSignature`,
    /// `kmsSignature`, `derivedCompressedPubkey`, `appCompressedPubkey`, `purpose`), or the 05 oracle response
    /// (`signature` for the message signature, the chain under `signatureChain` with `derivedPubkey`/`appPubkey`
    /// aliases or as a `signature_chain` array [app, kms]), with optional `price` and `timestamp`.
    public init(json: JSONValue) throws {
        guard json.objectValue != nil else { throw DevProofError.malformed("oracle proof is not a JSON object") }
        let chain = json["signatureChain"] ?? json["signature_chain"] ?? json["proof"] ?? .null
        func field(_ names: [String]) -> JSONValue? {
            for n in names { if let v = json[n], !v.isNull { return v }; if let v = chain[n], !v.isNull { return v } }
            return nil
        }
        func hex(_ names: [String], required: Bool = true) throws -> Bytes {
            guard let v = field(names) else {
                if !required { return [] }
                throw DevProofError.malformed("oracle proof lacks \(names[0])")
            }
            guard let s = v.stringValue else { throw DevProofError.malformed("oracle proof field \(names[0]) is not a hex string") }
            do { return s.isEmpty || s == "0x" ? [] : try Hex.decode(s) } catch {
                throw DevProofError.malformed("oracle proof field \(names[0]) is not hex")
            }
        }
        messageHash = try hex(["messageHash", "message_hash"])
        guard messageHash.count == 32 else { throw DevProofError.malformed("oracle proof messageHash is \(messageHash.count) bytes, not 32") }
        messageSignature = try hex(["messageSignature", "signature", "message_signature"])
        var app = try hex(["appSignature", "app_signature"], required: false)
        var kms = try hex(["kmsSignature", "kms_signature"], required: false)
        if let arr = chain.arrayValue {
            guard arr.count == 2, let a = arr[0].stringValue, let k = arr[1].stringValue else {
                throw DevProofError.malformed("signature_chain must be [app signature, KMS signature]")
            }
            app = try Hex.decode(a); kms = try Hex.decode(k)
        }
        guard field(["appSignature", "app_signature"]) != nil || chain.arrayValue != nil else { throw DevProofError.malformed("oracle proof lacks appSignature") }
        guard field(["kmsSignature", "kms_signature"]) != nil || chain.arrayValue != nil else { throw DevProofError.malformed("oracle proof lacks kmsSignature") }
        appSignature = app; kmsSignature = kms
        derivedCompressedPubkey = try hex(["derivedCompressedPubkey", "derivedPubkey", "derived_pubkey"])
        appCompressedPubkey = try hex(["appCompressedPubkey", "appPubkey", "app_pubkey"])
        purpose = field(["purpose"])?.stringValue ?? "ethereum"
        func word(_ n: String) throws -> Word? {
            guard let v = json[n], !v.isNull else { return nil }
            if let s = v.stringValue ?? v.numberLiteral {
                do { return try Word(parsing: s) } catch { throw DevProofError.malformed("oracle proof \(n) '\(s)' is not a non-negative integer") }
            }
            throw DevProofError.malformed("oracle proof \(n) is not a number")
        }
        price = try word("price")
        timestamp = try word("timestamp")
    }

    /// `keccak256(abi.encodePacked(uint256 price, uint256 timestamp))`, as TeeOracle.fulfill requires.
    public static func priceMessageHash(price: Word, timestamp: Word) -> Bytes {
        Keccak.keccak256(price.bytes + timestamp.bytes)
    }

    /// Arguments of `verify(bytes32,bytes,bytes,bytes,bytes,bytes,string)`.
    public var verifyArguments: [ABIValue] {
        [.fixedBytes(messageHash), .bytes(messageSignature), .bytes(appSignature), .bytes(kmsSignature),
         .bytes(derivedCompressedPubkey), .bytes(appCompressedPubkey), .string(purpose)]
    }
}

/// The result of TeeOracle.verify.
public enum TeeOracleOutcome: Sendable, Equatable, CustomStringConvertible {
    case valid
    /// `verify` returns false; `step` is 2 (KMS signer is not kmsRoot), 3 (message signer is not the derived
    /// key) or 4 (app signer is not the app key).
    case invalid(step: Int, reason: String)
    /// `verify` reverts (`require` in `_recoverSigner` / `_compressedPubkeyToAddress`): a format error.
    case reverts(String)

    public var isValid: Bool { self == .valid }
    public var description: String {
        switch self {
        case .valid: return "valid"
        case .invalid(let s, let r): return "invalid at step \(s): \(r)"
        case .reverts(let r): return "reverts: \(r)"
        }
    }
}

/// TeeOracle.verify (tutorial 05) re-implemented off-chain, step for step, including its quirks:
/// - `_recoverSigner` requires 65-byte signatures (revert "bad sig len"), adds 27 to v < 27, and uses the
///   `ecrecover` precompile, which returns address(0) for any unrecoverable signature (v ∉ {27,28}, r or s
///   zero or ≥ n, r not on the curve) and accepts high-s;
/// - `_compressedPubkeyToAddress` requires 33 bytes (revert "need compressed pubkey") and prefix 02/03
///   (revert "invalid prefix"), and does not check that x is on the curve: for such x the contract hashes a
///   made-up y, an address no recoverable signature can produce, so here it simply never matches;
/// - the steps run in order, and step 2 returns false before step 3's requires can revert.
public enum TeeOracleVerifier {
    public struct Trace: Sendable, Equatable {
        public var recoveredApp: Address?
        public var recoveredKms: Address?
        public var messageSigner: Address?
        public var derivedAddress: Address?
        public var appAddress: Address?
        public var highS: [String] = []
    }

    public static func verify(_ p: TeeOracleProof, kmsRoot: Address, appId: Bytes) -> (TeeOracleOutcome, Trace) {
        var t = Trace()
        // Step 1: app signature over purpose ":" hex(derived).
        let appMessage = Array((p.purpose + ":" + p.derivedCompressedPubkey.hex).utf8)
        guard p.appSignature.count == 65 else { return (.reverts("bad sig len (appSignature is \(p.appSignature.count) bytes)"), t) }
        t.recoveredApp = ecrecover(Keccak.keccak256(appMessage), p.appSignature, "appSignature", &t)
        // Step 2: KMS signature over "dstack-kms-issued:" ‖ bytes20(appId) ‖ appCompressedPubkey.
        let appId20 = Array((appId + Bytes(repeating: 0, count: 32)).prefix(20))
        let kmsMessage = Array("dstack-kms-issued:".utf8) + appId20 + p.appCompressedPubkey
        guard p.kmsSignature.count == 65 else { return (.reverts("bad sig len (kmsSignature is \(p.kmsSignature.count) bytes)"), t) }
        t.recoveredKms = ecrecover(Keccak.keccak256(kmsMessage), p.kmsSignature, "kmsSignature", &t)
        let kmsSigner = t.recoveredKms ?? .zero
        guard kmsSigner == kmsRoot else {
            return (.invalid(step: 2, reason: "the KMS signature recovers \(t.recoveredKms.map(\.checksummed) ?? "nothing (address 0)"), not the KMS root \(kmsRoot)"), t)
        }
        // Step 3: derived key's EIP-191 signature over the 32-byte message hash.
        guard p.messageSignature.count == 65 else { return (.reverts("bad sig len (messageSignature is \(p.messageSignature.count) bytes)"), t) }
        t.messageSigner = ecrecover(EIP191.hash(message: p.messageHash), p.messageSignature, "messageSignature", &t)
        switch compressedToAddress(p.derivedCompressedPubkey) {
        case .failure(let r): return (.reverts(r.description + " (derivedCompressedPubkey)"), t)
        case .success(let a): t.derivedAddress = a
        }
        guard let signer = t.messageSigner, let derived = t.derivedAddress, signer == derived else {
            return (.invalid(step: 3, reason: "the message signature recovers \(t.messageSigner.map(\.checksummed) ?? "nothing (address 0)"), not the derived key \(t.derivedAddress.map(\.checksummed) ?? "(x not on the curve)")"), t)
        }
        // Step 4: the app key that signed step 1 is the one the KMS certified.
        switch compressedToAddress(p.appCompressedPubkey) {
        case .failure(let r): return (.reverts(r.description + " (appCompressedPubkey)"), t)
        case .success(let a): t.appAddress = a
        }
        guard let app = t.recoveredApp, let certified = t.appAddress, app == certified else {
            return (.invalid(step: 4, reason: "the app signature recovers \(t.recoveredApp.map(\.checksummed) ?? "nothing (address 0)"), not the KMS-certified app key \(t.appAddress.map(\.checksummed) ?? "(x not on the curve)")"), t)
        }
        return (.valid, t)
    }

    /// `ecrecover` precompile semantics after `_recoverSigner`'s v adjustment; nil = address(0).
    static func ecrecover(_ digest: Bytes, _ sig: Bytes, _ name: String, _ t: inout Trace) -> Address? {
        var v = sig[64]
        if v < 27 { v += 27 }
        guard v == 27 || v == 28 else { return nil }
        guard let r = try? ECRecover.recover(digest: digest, signature: Array(sig[0..<64]) + [v - 27]) else { return nil }
        if r.highS { t.highS.append(name) }
        return r.address
    }

    struct Revert: Error, CustomStringConvertible { let description: String }

    /// nil address inside success = x is not on the curve (the contract would hash a point no key has).
    static func compressedToAddress(_ k: Bytes) -> Result<Address?, Revert> {
        guard k.count == 33 else { return .failure(Revert(description: "need compressed pubkey (\(k.count) bytes)")) }
        guard k[0] == 2 || k[0] == 3 else { return .failure(Revert(description: "invalid prefix 0x\([k[0]].hex)")) }
        guard let pk = try? Secp256k1.PublicKey(sec1: k) else { return .success(nil) }
        return .success(Address(publicKey: pk))
    }
}
