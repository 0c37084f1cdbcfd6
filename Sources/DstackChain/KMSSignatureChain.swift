import DevProofCore
import EVM
import Foundation

/// dstack's KMS key certification chain (dstack-formats.md §4.2-4.3):
///
///     KMS root k256 key ──signs──▶ keccak256("dstack-kms-issued:" ‖ app_id(20) ‖ app_pubkey(33))
///     app k256 key      ──signs──▶ keccak256(utf8(purpose ‖ ":" ‖ lowercase_hex(derived_pubkey)))
///     derived key       ──signs──▶ EIP-191 personal message (app-defined, e.g. a 32-byte message hash)
///
/// Signatures are 65 bytes r‖s‖v over the raw keccak digest (no EIP-191 prefix), v ∈ {0,1}
/// (27/28 accepted). `signature_chain` of GetKey is [app signature, KMS signature].
public enum KMSSignatureChain {
    public static let kmsIssuedTag = "dstack-kms-issued:"
    public static let defaultPurpose = "ethereum"

    /// The bytes the app key signs: utf8(purpose ‖ ":" ‖ hex(derived pubkey)). The derived pubkey is
    /// 33 bytes (secp256k1, compressed) or 32 bytes (ed25519).
    public static func appMessage(purpose: String, derivedPubkey: Bytes) -> Bytes {
        Array("\(purpose):\(derivedPubkey.hex)".utf8)
    }

    /// The bytes the KMS root signs: "dstack-kms-issued:" ‖ app_id (20 raw bytes) ‖ compressed app pubkey.
    public static func kmsMessage(appId: Bytes, appPubkey: Secp256k1.PublicKey) -> Bytes {
        Array(kmsIssuedTag.utf8) + appId + appPubkey.compressed
    }

    /// Recovers the app key from the app signature (chain[0]).
    public static func recoverAppKey(purpose: String, derivedPubkey: Bytes, appSignature: Bytes) throws -> RecoveredSigner {
        try ECRecover.recover(digest: Keccak.keccak256(appMessage(purpose: purpose, derivedPubkey: derivedPubkey)), signature: appSignature)
    }

    /// Recovers the KMS signer from the KMS signature (chain[1]) for this app id and app key.
    public static func recoverKMSKey(appId: Bytes, appPubkey: Secp256k1.PublicKey, kmsSignature: Bytes) throws -> RecoveredSigner {
        guard appId.count == 20 else { throw DevProofError.malformed("app_id must be 20 bytes, got \(appId.count)") }
        return try ECRecover.recover(digest: Keccak.keccak256(kmsMessage(appId: appId, appPubkey: appPubkey)), signature: kmsSignature)
    }

    /// Builds a chain with given private keys (test evidence; mirrors what dstack's KMS and guest agent do).
    public static func issue(rootKey: Bytes, appKey: Bytes, appId: Bytes, purpose: String, derivedPubkey: Bytes) throws -> (appSignature: Bytes, kmsSignature: Bytes) {
        let appPub = try Secp256k1.PublicKey(privateKey: appKey)
        let appSig = try Secp256k1.sign(hash: Keccak.keccak256(appMessage(purpose: purpose, derivedPubkey: derivedPubkey)), privateKey: appKey)
        let kmsSig = try Secp256k1.sign(hash: Keccak.keccak256(kmsMessage(appId: appId, appPubkey: appPub)), privateKey: rootKey)
        return (appSig.bytes, kmsSig.bytes)
    }
}

/// A trusted KMS root: either its full public key or only its Ethereum address.
public enum KMSRoot: Sendable, Equatable, CustomStringConvertible {
    case publicKey(Secp256k1.PublicKey)
    case address(Address)

    /// The key of the Phala CLI simulator (dstack-examples tutorial; a public test key).
    public static let phalaSimulatorAddress = "0x8f2cF602C9695b23130367ed78d8F557554de7C5"
    /// The key of dstack's own simulator (`sdk/simulator/appkeys.json`; a public test key).
    public static let dstackSimulatorPubkey = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6"

    /// Known DstackKms contract addresses (tutorial.md §2.7: Base mainnet). Passing one as a root is a
    /// classic mistake: the contract address is not the address of the KMS signing key.
    public static var knownKMSContracts: [Address] {
        ["0x2f83172A49584C017F2B256F0FB2Dca14126Ba9C"].compactMap { try? Address($0) }
    }

    /// The simulator roots `--simulator` accepts.
    public static var simulatorRoots: [KMSRoot] {
        var out: [KMSRoot] = []
        if let a = try? Address(phalaSimulatorAddress) { out.append(.address(a)) }
        if let b = try? Hex.decode(dstackSimulatorPubkey), let k = try? Secp256k1.PublicKey(sec1: b) { out.append(.publicKey(k)) }
        return out
    }

    /// True when this root is (the address of) a public simulator key: anyone can sign with it, so a chain
    /// ending there proves nothing, however the root was given (--simulator, --kms-root, a DstackKms on-chain).
    public var isPublicSimulatorKey: Bool { KMSRoot.simulatorRoots.contains { $0.address == address } }

    /// Parses a 20-byte address or a SEC1 public key (33/65 bytes), hex with or without 0x.
    public init(_ text: String) throws {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bare = t.hasPrefix("0x") || t.hasPrefix("0X") ? String(t.dropFirst(2)) : t
        switch bare.count {
        case 40: self = .address(try Address(t))
        case 66, 130, 128:
            guard Hex.isHex(bare) else { throw DevProofError.malformed("KMS root '\(text)' is not hex") }
            do { self = .publicKey(try Secp256k1.PublicKey(sec1: try Hex.decode(bare))) } catch let e as Secp256k1Error {
                throw DevProofError.malformed("KMS root '\(text)': \(e)")
            }
        default:
            throw DevProofError.malformed("KMS root '\(text)' must be a 20-byte address or a 33/65-byte secp256k1 public key (hex)")
        }
    }

    public var address: Address {
        switch self { case .publicKey(let k): return Address(publicKey: k); case .address(let a): return a }
    }
    public var publicKey: Secp256k1.PublicKey? {
        if case .publicKey(let k) = self { return k }; return nil
    }
    public func matches(_ key: Secp256k1.PublicKey) -> Bool {
        switch self { case .publicKey(let k): return k == key; case .address(let a): return Address(publicKey: key) == a }
    }
    public var description: String {
        switch self {
        case .publicKey(let k): return "\(k.compressed.hex) (\(Address(publicKey: k).checksummed))"
        case .address(let a): return a.checksummed
        }
    }
}
