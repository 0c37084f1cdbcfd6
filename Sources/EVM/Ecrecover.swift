import DevProofCore

extension Address {
    /// The Ethereum address of a secp256k1 key: the last 20 bytes of keccak256(x ‖ y).
    public init(publicKey: Secp256k1.PublicKey) {
        let h = Keccak.keccak256(publicKey.xy)
        // keccak256 is always 32 bytes, so this cannot throw.
        self = (try? Address(bytes: Array(h[12..<32]))) ?? Address.zero
    }
}

/// EIP-191 version 0x45 ("personal_sign") message hashing.
public enum EIP191 {
    /// keccak256("\x19Ethereum Signed Message:\n" ‖ decimal(len(message)) ‖ message).
    public static func hash(message: Bytes) -> Bytes {
        Keccak.keccak256(prefixed(message))
    }
    public static func hash(message: String) -> Bytes { hash(message: Array(message.utf8)) }

    /// The exact bytes that are hashed.
    public static func prefixed(_ message: Bytes) -> Bytes {
        Array("\u{19}Ethereum Signed Message:\n\(message.count)".utf8) + message
    }
}

/// What a recovery produced: the key, its address and whether the signature was high-s.
public struct RecoveredSigner: Sendable, Equatable {
    public let publicKey: Secp256k1.PublicKey
    public let signature: Secp256k1.RecoverableSignature
    public var address: Address { Address(publicKey: publicKey) }
    /// s > n/2: the signature is a malleable twin; Ethereum's ecrecover accepts it, EIP-2 transactions do not.
    public var highS: Bool { signature.isHighS }
}

/// `ecrecover`-style helpers over 65-byte r‖s‖v signatures (v ∈ {0, 1, 27, 28}).
public enum ECRecover {
    /// Recovers the signer of a 32-byte digest (no prefixing).
    public static func recover(digest: Bytes, signature: Bytes) throws -> RecoveredSigner {
        let sig = try Secp256k1.RecoverableSignature(signature)
        return RecoveredSigner(publicKey: try Secp256k1.recover(hash: digest, signature: sig), signature: sig)
    }

    /// Recovers the signer of an EIP-191 personal message (e.g. `personal_sign(messageHash)` where the
    /// message is the 32 raw bytes of a hash).
    public static func recoverPersonal(message: Bytes, signature: Bytes) throws -> RecoveredSigner {
        try recover(digest: EIP191.hash(message: message), signature: signature)
    }

    /// Signs an EIP-191 personal message (test evidence generation).
    public static func signPersonal(message: Bytes, privateKey: Bytes) throws -> Secp256k1.RecoverableSignature {
        try Secp256k1.sign(hash: EIP191.hash(message: message), privateKey: privateKey)
    }
}
