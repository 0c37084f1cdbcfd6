extension CheckCatalog {
    /// keys (docs/keys.md).
    static let keys: [CheckSpec] = [
        CheckSpec("keys.app_signature", "keys", required: true, "the app signature recovers the stated app key"),
        CheckSpec("keys.kms_signature", "keys", required: false, "the KMS signature recovers a signer (info, never pass: only keys.kms_root decides)"),
        CheckSpec("keys.kms_root", "keys", required: true, "the KMS signer is the trusted root"),
        CheckSpec("keys.message_hash", "keys", required: true, "messageHash equals the packed statement's keccak"),
        CheckSpec("keys.message_signature", "keys", required: true, "the message signature recovers the derived key"),
        CheckSpec("keys.replicas", "keys", required: true, "replicas show the same derived key and chain"),
        CheckSpec("keys.high_s", "keys", required: false, "a signature with high s (malleable)"),
        CheckSpec("keys.scope", "keys", required: false, "what the KMS chain binds the key to"),
    ]
}
