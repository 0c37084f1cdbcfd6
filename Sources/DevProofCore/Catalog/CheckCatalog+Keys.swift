extension CheckCatalog {
    /// keys (docs/keys.md).
    static let keys: [CheckSpec] = [
        CheckSpec("keys.app_signature", "keys", required: true, "the app signature recovers the stated app key"),
        CheckSpec("keys.kms_signature", "keys", required: true, "the KMS signature is well-formed (its signer is judged by keys.kms_root)"),
        CheckSpec("keys.kms_root", "keys", required: true, "the KMS signer is the trusted root"),
        CheckSpec("keys.message_hash", "keys", required: true, "messageHash equals the packed statement's keccak"),
        CheckSpec("keys.message_signature", "keys", required: true, "the message signature recovers the derived key"),
        CheckSpec("keys.replicas", "keys", required: true, "replicas show the same derived key and chain"),
        CheckSpec("keys.high_s", "keys", required: false, "a signature with high s (malleable)"),
        CheckSpec("keys.scope", "keys", required: false, "what the KMS chain binds the key to"),
    ]
}
