extension CheckCatalog {
    /// Shared by every command that reads a chain (keys, chain, appauth).
    static let rpc: [CheckSpec] = [
        CheckSpec("rpc.block", "rpc", required: true, "every read is pinned to one recent block every provider confirms near its head (and --block N:HASH matches)"),
        CheckSpec("rpc.quorum", "rpc", required: false, "providers gave identical answers"),
        CheckSpec("rpc.trusted_block", "rpc", required: true, "with --trusted-block: the provider's header for block N hashes to HASH"),
        CheckSpec("rpc.proof", "rpc", required: true, "with --trusted-block: every code and storage answer verifies against the trusted state root and agrees with eth_call"),
    ]

    /// chain (docs/chain.md).
    static let chain: [CheckSpec] = [
        CheckSpec("chain.proof_message_hash", "chain", required: true, "messageHash states the claimed price and time"),
        CheckSpec("chain.proof_offchain", "chain", required: true, "TeeOracle.verify re-run off-chain returns true"),
        CheckSpec("chain.proof_high_s", "chain", required: false, "a high-s signature was accepted, as the contract does"),
        CheckSpec("chain.kms_root", "chain", required: true, "the KMS root read on-chain"),
        CheckSpec("chain.proof_onchain", "chain", required: true, "oracle.verify(proof) is true at the pinned block"),
        CheckSpec("chain.proof_agree", "chain", required: true, "off-chain and on-chain answers agree"),
        CheckSpec("chain.oracle_kms_root", "chain", required: true, "oracle.kmsRoot() is the trusted root"),
        CheckSpec("chain.oracle_app_id", "chain", required: true, "oracle.appId() is --app-id"),
        CheckSpec("chain.history", "chain", required: true, "the app's whole log history was read and decoded"),
        CheckSpec("chain.boot_info", "chain", required: false, "the AppBootInfo used for the boot simulation"),
        CheckSpec("chain.boot_app", "chain", required: true, "app.isAppAllowed(bootInfo) is true"),
        CheckSpec("chain.boot_kms", "chain", required: true, "DstackKms.isAppAllowed(bootInfo) is true"),
    ]
}
