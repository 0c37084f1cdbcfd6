extension CheckCatalog {
    /// tls (docs/tls.md). The quote's own checks come from the attest pipeline's rows.
    static let tls: [CheckSpec] = [
        CheckSpec("tls.connect", "tls", required: true, "the TLS handshake completed and the presented chain was kept"),
        CheckSpec("tls.attestation", "tls", required: true, "the attestation was fetched over the same TLS connection"),
        CheckSpec("tls.quote.truncated", "tls", required: true, "the quote is complete (not cut off with \"...\", parses at its length)"),
        CheckSpec("tls.binding", "tls", required: true, "report_data binds the presented certificate (tutorial sha256(DER) ‖ 0^32 or RA-TLS sha512(\"ratls-cert:\" ‖ SPKI))"),
        CheckSpec("tls.fingerprint", "tls", required: false, "the self-reported certFingerprint (informational only)"),
        CheckSpec("tls.key_origin", "tls", required: false, "where the TLS key comes from (KMS-derived or per boot)"),
        CheckSpec("tls.validity", "tls", required: false, "validity windows at --now (reported, never required)"),
        CheckSpec("tls.sct", "tls", required: false, "the leaf's embedded SCTs verify against the shipped CT log list"),
        CheckSpec("tls.chain.signatures", "tls", required: true, "every certificate is signed by the next one's key; a self-issued top verifies with its own"),
        CheckSpec("tls.chain.profile", "tls", required: false, "X.509 profile deviations of issuing certificates (dstack CAs lack keyCertSign)"),
        CheckSpec("tls.chain.usage", "tls", required: true, "dstack usage extensions fit their position (App CA 'app:ca', leaf not a CA usage)"),
        CheckSpec("tls.chain.app_id", "tls", required: true, "app-id extensions equal the app id measured in the quote's event log"),
        CheckSpec("tls.chain.kms_root", "tls", required: true, "the KMS CA key equals the measured key-provider id (or --kms-root)"),
    ]
}

extension CheckCatalog {
    /// tls gateway modes (--gateway / --acme-info).
    static let tlsGateway: [CheckSpec] = [
        CheckSpec("tls.acme.account", "tls", required: true, "the account quote binds sha512(\"acme-account:\" ‖ account_uri)"),
        CheckSpec("tls.acme.keys", "tls", required: true, "every quoted key's quote binds sha512(\"zt-cert:\" ‖ SPKI), verifies, and comes from the account's app"),
        CheckSpec("tls.acme.cert_key", "tls", required: true, "the presented certificate's key is a verified quoted key"),
        CheckSpec("tls.caa", "tls", required: true, "every CAA issue/issuewild record restricts issuance to the quoted ACME account"),
        CheckSpec("tls.ct", "tls", required: true, "every CT-logged certificate for the domain uses a verified quoted key"),
        CheckSpec("tls.ingress.files", "tls", required: true, "every file listed in the ingress sha256sum.txt hashes to its line"),
        CheckSpec("tls.ingress.binding", "tls", required: true, "the ingress quote's report_data = sha256(sha256sum.txt) ‖ 0^32"),
        CheckSpec("tls.ingress.cert", "tls", required: true, "the presented leaf equals the published cert-<domain>.pem"),
        CheckSpec("tls.dns.txt", "tls", required: false, "the domain's _dstack-app-address TXT routes to the attested app"),
    ]
}
