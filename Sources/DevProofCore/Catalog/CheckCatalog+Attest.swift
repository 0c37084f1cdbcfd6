extension CheckCatalog {
    /// attest: DCAP quote verification (docs/dcap.md).
    static let dcap: [CheckSpec] = [
        CheckSpec("quote.structure", "dcap", required: true, "the quote parses and its header fits the TEE type"),
        CheckSpec("quote.trailing_bytes", "dcap", required: false, "bytes after the quote (zero padding ignored, other bytes warned)"),
        CheckSpec("collateral.signatures", "dcap", required: true, "root CRL, TCB info and QE identity verify to the trusted root"),
        CheckSpec("collateral.validity", "dcap", required: true, "collateral, CRLs and certificates are valid at --now"),
        CheckSpec("quote.pck_chain", "dcap", required: true, "the PCK certificate chains to the trusted root with CRLs"),
        CheckSpec("quote.signature", "dcap", required: true, "QE report signed by the PCK key, quote signed by the attestation key"),
        CheckSpec("qe.identity", "dcap", required: true, "the QE matches Intel's QE identity"),
        CheckSpec("tcb.status", "dcap", required: true, "the TCB status and advisories are allowed by policy"),
        CheckSpec("td.attributes", "dcap", required: true, "TD attributes: debug off, SEPT_VE_DISABLE on, no migration"),
    ]

    /// attest: dstack evidence (docs/attest.md).
    static let dstack: [CheckSpec] = [
        CheckSpec("td.debug", "dstack", required: true, "the TD is not a debug TD"),
        CheckSpec("eventlog.replay", "dstack", required: true, "the event log replays to the quote's RTMRs"),
        CheckSpec("eventlog.digests", "dstack", required: false, "logged runtime digests equal the recomputation"),
        CheckSpec("app.identity", "dstack", required: false, "the app identity read from the measured boot events"),
        CheckSpec("compose.hash", "dstack", required: true, "sha256 of the raw app-compose equals the measured compose hash"),
        CheckSpec("compose.mr_config_id", "dstack", required: true, "MRCONFIGID binds the compose hash (v1/v2)"),
        CheckSpec("os.measurement", "dstack", required: true, "MRTD and RTMR0-2 equal the auditor's OS reference (--os-ref / policy)"),
        CheckSpec("os.self_consistency", "dstack", required: false, "MRTD and RTMR0-2 equal what the evidence's own lite vm_config computes to"),
        CheckSpec("ratls.binding", "dstack", required: true, "RA-TLS certificate keys are bound by the quote's report_data"),
        CheckSpec("evidence.claims", "dstack", required: false, "the evidence's own claims equal the verified values"),
        CheckSpec("report_data.binding", "dstack", required: true, "report_data equals the requested binding"),
    ]
}

extension CheckCatalog {
    /// attest: the auditor's reference values (--expect-* flags, --policy; docs/policy.md). Emitted only when
    /// the reference is given; required, since the user asked for them.
    static let reference: [CheckSpec] = [
        CheckSpec("ref.compose_hash", "ref", required: true, "the measured compose-hash event is an expected value"),
        CheckSpec("ref.app_id", "ref", required: true, "the measured app-id event is an expected value"),
        CheckSpec("ref.os_image_hash", "ref", required: true, "the measured os-image-hash event is an expected value"),
        CheckSpec("ref.instance_id", "ref", required: true, "the measured instance-id event is an expected value"),
        CheckSpec("ref.key_provider_id", "ref", required: true, "the measured key-provider event's id is an expected value"),
        CheckSpec("ref.device_id", "ref", required: true, "the device id (sha256 of PPID or of QE user data) is an expected value"),
        CheckSpec("ref.mr_config_id", "ref", required: true, "MRCONFIGID is an expected value"),
        CheckSpec("ref.mr_td", "ref", required: true, "MRTD is the expected value"),
        CheckSpec("ref.rtmr0", "ref", required: true, "RTMR0 is the expected value"),
        CheckSpec("ref.rtmr1", "ref", required: true, "RTMR1 is the expected value"),
        CheckSpec("ref.rtmr2", "ref", required: true, "RTMR2 is the expected value"),
        CheckSpec("ref.rtmr3", "ref", required: true, "RTMR3 is the expected value"),
        CheckSpec("ref.report_data", "ref", required: true, "report_data is the expected value"),
    ]
}
