import DevProofCore
import DstackChain
import EVM

/// A key-chain response in one of the shapes `devproof keys` reads, normalized.
///
/// * `t03` (tutorial 03 oracle): `{statement:{source, price, tlsFingerprint, timestamp}, messageHash, signature,
///   signatureChain:{derivedPubkey, appSignature, kmsSignature}, signerAddress}`;
///   messageHash = keccak256(encodePacked(string source, uint256 floor(price*100) as JS doubles, uint256 timestamp,
///   string tlsFingerprint)).
/// * `t05` (tutorial 05 oracle, flat): `{price, timestamp, source, tlsFingerprint, messageHash, signature,
///   signatureChain:{…}, signerAddress}`; messageHash = keccak256(encodePacked(uint256 price, uint256 timestamp)).
/// * `getkey` (guest agent GetKey result): `{key, signature_chain:[app signature, KMS signature]}`.
/// * `appkeys` (KMS app-key output, e.g. the simulator's appkeys.json): `{k256_key, k256_signature}`.
public struct KeyResponse: Sendable {
    public enum Format: String, Sendable { case t03, t05, getkey, appkeys }

    public struct Message: Sendable {
        public var messageHash: Bytes
        public var signature: Bytes
        /// keccak256 of the packed statement; nil when the shape carries nothing to recompute it from.
        public var recomputedHash: Bytes?
        /// How the hash was recomputed (shown in details).
        public var packing: String
        public var statedSigner: Address?
    }

    public var format: Format
    /// 33 bytes (secp256k1) or 32 (ed25519). nil for `appkeys` (no derived key in that shape).
    public var derivedPubkey: Bytes?
    public var appSignature: Bytes?
    public var kmsSignature: Bytes
    /// An app key the response itself states (TeeOracle proofs carry `appCompressedPubkey`; `appkeys` has the
    /// private key). Used to pinpoint a broken app signature; never trusted on its own.
    public var statedAppPubkey: Secp256k1.PublicKey?
    public var appKeyFromPrivateKey = false
    public var message: Message?
    /// An app id the response claims (diagnostics only: the verified app id always comes from --app-id).
    public var statedAppId: Bytes?

    public static func parse(_ v: JSONValue, source: String) throws -> KeyResponse {
        guard v.objectValue != nil else { throw DevProofError.malformed("\(source): expected a JSON object") }
        let p = FieldReader(source: source)
        if v["k256_key"] != nil || v["k256_signature"] != nil {
            let key = try p.bytes(v, "k256_key", count: 32)
            let sig = try p.signature(v, "k256_signature")
            let pub: Secp256k1.PublicKey
            do { pub = try Secp256k1.PublicKey(privateKey: key) } catch {
                throw DevProofError.malformed("\(source): k256_key is not a valid secp256k1 private key")
            }
            return KeyResponse(format: .appkeys, derivedPubkey: nil, appSignature: nil, kmsSignature: sig,
                               statedAppPubkey: pub, appKeyFromPrivateKey: true, message: nil, statedAppId: nil)
        }
        if v["signature_chain"] != nil || v["key"] != nil {
            let key = try p.bytes(v, "key", count: 32)
            guard let chain = v["signature_chain"]?.arrayValue else {
                throw DevProofError.malformed("\(source): signature_chain must be an array [app signature, KMS signature]")
            }
            guard chain.count == 2 else {
                throw DevProofError.malformed("\(source): signature_chain must have 2 entries (app, KMS), got \(chain.count)")
            }
            guard let a = chain[0].stringValue, let k = chain[1].stringValue else {
                throw DevProofError.malformed("\(source): signature_chain entries must be hex strings")
            }
            if k.isEmpty || k == "0x" {
                throw DevProofError.malformed("\(source): signature_chain[1] (KMS signature) is empty: the key provider is not a KMS (local key provider), so there is no chain to verify")
            }
            let derived: Secp256k1.PublicKey
            do { derived = try Secp256k1.PublicKey(privateKey: key) } catch {
                throw DevProofError.malformed("\(source): key is not a valid secp256k1 private key")
            }
            return KeyResponse(format: .getkey, derivedPubkey: derived.compressed,
                               appSignature: try p.signatureHex(a, "signature_chain[0]"),
                               kmsSignature: try p.signatureHex(k, "signature_chain[1]"),
                               statedAppPubkey: nil, message: nil, statedAppId: nil)
        }
        guard let chain = v["signatureChain"], chain.objectValue != nil else {
            throw DevProofError.malformed("\(source): not a key-chain response: expected signatureChain (tutorial 03/05), signature_chain (GetKey) or k256_signature (KMS app keys)")
        }
        let derivedField = chain["derivedPubkey"] != nil ? "derivedPubkey" : "derivedCompressedPubkey"
        let derived = try p.bytes(chain, derivedField, counts: [33, 32], prefix: "signatureChain.")
        let appSig = try p.signature(chain, "appSignature", prefix: "signatureChain.")
        let kmsSig = try p.signature(chain, "kmsSignature", prefix: "signatureChain.")
        var statedApp: Secp256k1.PublicKey?
        for f in ["appPubkey", "appCompressedPubkey"] where chain[f] != nil {
            let b = try p.bytes(chain, f, counts: [33, 65], prefix: "signatureChain.")
            do { statedApp = try Secp256k1.PublicKey(sec1: b) } catch {
                throw DevProofError.malformed("\(source): signatureChain.\(f) is not a secp256k1 public key: \(error)")
            }
        }
        let hash = try p.bytes(v, "messageHash", count: 32)
        let sigField = v["signature"] != nil ? "signature" : "messageSignature"
        let msgSig = try p.signature(v, sigField)
        var signer: Address?
        if let s = v["signerAddress"] {
            guard let t = s.stringValue else { throw DevProofError.malformed("\(source): signerAddress must be a string") }
            do { signer = try Address(t) } catch { throw DevProofError.malformed("\(source): signerAddress: \(error)") }
        }
        var statedAppId: Bytes?
        if let a = v["appId"]?.stringValue, let b = try? Hex.decode(a), b.count >= 20 { statedAppId = Array(b.prefix(20)) }

        let format: Format
        let recomputed: Bytes
        let packing: String
        if let st = v["statement"] {
            guard st.objectValue != nil else { throw DevProofError.malformed("\(source): statement must be an object") }
            format = .t03
            let src = try p.string(st, "source", prefix: "statement.")
            let fp = try p.string(st, "tlsFingerprint", prefix: "statement.")
            let price = try p.number(st, "price", prefix: "statement.")
            let cents = try MessagePacking.jsFloorTimes100(price, field: "\(source): statement.price")
            let ts = try MessagePacking.uint256(try p.integerLiteral(st, "timestamp", prefix: "statement."), field: "\(source): statement.timestamp")
            recomputed = Keccak.keccak256(Array(src.utf8) + cents.bytes + ts + Array(fp.utf8))
            packing = "keccak256(encodePacked(string source, uint256 floor(price*100)=\(cents.decimal), uint256 timestamp, string tlsFingerprint))"
        } else if v["price"] != nil || v["timestamp"] != nil {
            format = .t05
            let price = try MessagePacking.uint256(try p.integerLiteral(v, "price"), field: "\(source): price (uint256 cents)")
            let ts = try MessagePacking.uint256(try p.integerLiteral(v, "timestamp"), field: "\(source): timestamp")
            recomputed = Keccak.keccak256(price + ts)
            packing = "keccak256(encodePacked(uint256 price, uint256 timestamp)); tlsFingerprint and source are not signed"
        } else {
            throw DevProofError.malformed("\(source): has signatureChain but neither a statement (tutorial 03) nor price/timestamp (tutorial 05)")
        }
        return KeyResponse(format: format, derivedPubkey: derived, appSignature: appSig, kmsSignature: kmsSig,
                           statedAppPubkey: statedApp,
                           message: Message(messageHash: hash, signature: msgSig, recomputedHash: recomputed,
                                            packing: packing, statedSigner: signer),
                           statedAppId: statedAppId)
    }
}

/// Field access with one-line malformed-input errors naming the field.
struct FieldReader {
    let source: String

    func string(_ v: JSONValue, _ k: String, prefix: String = "") throws -> String {
        guard let f = v[k] else { throw DevProofError.malformed("\(source): missing \(prefix)\(k)") }
        guard let s = f.stringValue else { throw DevProofError.malformed("\(source): \(prefix)\(k) must be a string") }
        return s
    }

    func bytes(_ v: JSONValue, _ k: String, count: Int, prefix: String = "") throws -> Bytes {
        try bytes(v, k, counts: [count], prefix: prefix)
    }

    func bytes(_ v: JSONValue, _ k: String, counts: [Int], prefix: String = "") throws -> Bytes {
        let s = try string(v, k, prefix: prefix)
        let b: Bytes
        do { b = try Hex.decode(s) } catch { throw DevProofError.malformed("\(source): \(prefix)\(k) is not hex: \(error)") }
        guard counts.contains(b.count) else {
            let want = counts.map(String.init).joined(separator: " or ")
            throw DevProofError.malformed("\(source): \(prefix)\(k) must be \(want) bytes, got \(b.count)")
        }
        return b
    }

    func signature(_ v: JSONValue, _ k: String, prefix: String = "") throws -> Bytes {
        try bytes(v, k, counts: [65], prefix: prefix)
    }

    func signatureHex(_ s: String, _ name: String) throws -> Bytes {
        let b: Bytes
        do { b = try Hex.decode(s) } catch { throw DevProofError.malformed("\(source): \(name) is not hex: \(error)") }
        guard b.count == 65 else { throw DevProofError.malformed("\(source): \(name) must be 65 bytes r‖s‖v, got \(b.count)") }
        return b
    }

    /// A JSON number (or a numeric string) as a Double, parsed the way JavaScript parses it (round to nearest).
    func number(_ v: JSONValue, _ k: String, prefix: String = "") throws -> Double {
        guard let f = v[k] else { throw DevProofError.malformed("\(source): missing \(prefix)\(k)") }
        let lit = f.numberLiteral ?? f.stringValue
        guard let lit, let d = Double(lit), d.isFinite else { throw DevProofError.malformed("\(source): \(prefix)\(k) must be a number") }
        return d
    }

    /// The exact digits of a non-negative JSON integer (or a decimal string).
    func integerLiteral(_ v: JSONValue, _ k: String, prefix: String = "") throws -> String {
        guard let f = v[k] else { throw DevProofError.malformed("\(source): missing \(prefix)\(k)") }
        guard let lit = f.numberLiteral ?? f.stringValue else {
            throw DevProofError.malformed("\(source): \(prefix)\(k) must be an integer")
        }
        return lit
    }
}

/// Solidity `abi.encodePacked` pieces used by the tutorial oracles, with JavaScript's number semantics.
public enum MessagePacking {
    public struct UInt256: Sendable, Equatable {
        public let bytes: Bytes
        public var decimal: String {
            var digits = bytes, out = ""
            while !digits.isAllZero {
                var rem = 0
                for i in 0..<digits.count {
                    let cur = rem * 256 + Int(digits[i])
                    digits[i] = UInt8(cur / 10); rem = cur % 10
                }
                out = String(rem) + out
            }
            return out.isEmpty ? "0" : out
        }
    }

    /// A decimal integer literal (no sign, no fraction, no exponent) as 32 big-endian bytes.
    public static func uint256(_ literal: String, field: String) throws -> Bytes {
        let digits = Array(literal.utf8)
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw DevProofError.malformed("\(field) must be a non-negative integer, got '\(literal)'")
        }
        var out = Bytes(repeating: 0, count: 32)
        for d in digits {
            var carry = Int(d - 0x30)
            for i in stride(from: 31, through: 0, by: -1) {
                let cur = Int(out[i]) * 10 + carry
                out[i] = UInt8(cur & 0xff); carry = cur >> 8
            }
            guard carry == 0 else { throw DevProofError.malformed("\(field) does not fit in uint256") }
        }
        return out
    }

    /// `Math.floor(price * 100)` with IEEE-754 doubles (so 1.15 → 114), as uint256.
    public static func jsFloorTimes100(_ price: Double, field: String) throws -> UInt256 {
        let v = (price * 100).rounded(.down)
        guard v.isFinite, v >= 0 else { throw DevProofError.malformed("\(field): floor(price*100) = \(v) is not a uint256") }
        guard v < 0x1p256 else { throw DevProofError.malformed("\(field): floor(price*100) does not fit in uint256") }
        // An integral double is significand × 2^k; place the 53-bit significand, shifted, into 32 bytes.
        var out = Bytes(repeating: 0, count: 32)
        if v == 0 { return UInt256(bytes: out) }
        let exp = Int(v.exponent)               // v = 1.f × 2^exp
        let mant = (UInt64(1) << 52) | v.significandBitPattern
        let shift = exp - 52
        for bit in 0..<53 where mant & (UInt64(1) << UInt64(bit)) != 0 {
            let pos = bit + shift               // bit position in the result; < 0 only for dropped fractional bits
            guard pos >= 0 else { continue }
            out[31 - pos / 8] |= UInt8(1) << UInt8(pos % 8)
        }
        return UInt256(bytes: out)
    }
}
