extension CheckCatalog {
    /// freshness (docs/freshness.md).
    static let freshness: [CheckSpec] = [
        CheckSpec("freshness.statement.bound", "freshness", required: true, "the statement's timestamp is covered by reportDataHash or messageHash"),
        CheckSpec("freshness.statement.age", "freshness", required: true, "the statement is within --max-age (and not beyond --clock-skew in the future)"),
        CheckSpec("freshness.statement.onchain", "freshness", required: false, "whether the on-chain consumer enforces the statement's age"),
        CheckSpec("freshness.receipts.signature", "freshness", required: true, "every receipt is signed by a derived key the trusted KMS root issued"),
        CheckSpec("freshness.receipts.monotonic", "freshness", required: true, "receipt counters never decrease"),
        CheckSpec("freshness.equivocation", "freshness", required: true, "no counter carries two different state roots"),
        CheckSpec("freshness.anchor.match", "freshness", required: true, "the latest counter equals the anchor's storage, proven against --trusted-block"),
        CheckSpec("freshness.storage.operator_controlled", "freshness", required: false, "whether the operator chooses the storage location"),
        CheckSpec("freshness.storage.kms_key", "freshness", required: false, "whether data keys come from the KMS"),
        CheckSpec("freshness.nonce.bound", "freshness", required: true, "the app's quote over a fresh nonce carries it in report_data"),
        CheckSpec("freshness.secure_time", "freshness", required: false, "whether the guest clock is secure_time"),
    ]
}
