extension CheckCatalog {
    /// lightclient (docs/lightclient.md).
    static let lightclient: [CheckSpec] = [
        CheckSpec("lightclient.claim_hash", "lightclient", required: true, "claimHash = sha256 of Python json.dumps(claim, sort_keys=True)"),
        CheckSpec("lightclient.report_data", "lightclient", required: true, "the quote's report_data is ASCII(hex(claimHash))"),
        CheckSpec("lightclient.checkpoint.pinned", "lightclient", required: true, "the compose's run.sh pins CHECKPOINT= equal to claim.checkpoint_root"),
        CheckSpec("lightclient.checkpoint.age", "lightclient", required: false, "the checkpoint is within --max-checkpoint-age (weak subjectivity)"),
        CheckSpec("lightclient.checkpoint.eip4788", "lightclient", required: false, "EIP-4788 stores the checkpoint as the beacon root at --checkpoint-ts (storage proof)"),
        CheckSpec("lightclient.block.canonical", "lightclient", required: true, "the claimed block recomputes to block_hash and carries state_root on the chain"),
        CheckSpec("lightclient.block.age", "lightclient", required: false, "the claimed block is within --max-age"),
        CheckSpec("lightclient.call.result", "lightclient", required: true, "eth_call at the claimed block returns the claimed result"),
        CheckSpec("lightclient.signature", "lightclient", required: false, "the P-256 signature over sha256(claimHash) verifies (bound to nothing)"),
        CheckSpec("lightclient.header.hash", "lightclient", required: true, "verify: keccak(RLP(header)) equals the block's hash field"),
        CheckSpec("lightclient.header.trusted", "lightclient", required: true, "verify: the header hashes to --trusted-hash"),
        CheckSpec("lightclient.proof", "lightclient", required: true, "verify: an eth_getProof result verifies against the header's stateRoot"),
    ]
}
