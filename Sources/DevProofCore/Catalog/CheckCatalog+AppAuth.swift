extension CheckCatalog {
    /// appauth (docs/appauth.md).
    static let appauth: [CheckSpec] = [
        CheckSpec("appauth.exists", "appauth", required: true, "the app address has contract code"),
        CheckSpec("appauth.kind", "appauth", required: false, "the AppAuth template (DstackApp, TimelockAppAuth, unknown)"),
        CheckSpec("appauth.owner", "appauth", required: false, "the owner classified"),
        CheckSpec("appauth.notice_period", "appauth", required: true, "every path to new code waits at least --min-notice"),
        CheckSpec("appauth.instant_path", "appauth", required: true, "no path to new code with zero delay"),
        CheckSpec("appauth.pending", "appauth", required: false, "pending proposals and scheduled operations"),
        CheckSpec("appauth.allowed_hashes", "appauth", required: false, "exactly one compose hash is allowed"),
        CheckSpec("appauth.upgrades_disabled", "appauth", required: false, "whether proxy upgrades are disabled"),
        CheckSpec("appauth.devices", "appauth", required: false, "the allowed devices"),
        CheckSpec("appauth.tcb_required", "appauth", required: false, "requireTcbUpToDate() is true"),
        CheckSpec("appauth.running_allowed", "appauth", required: true, "the running compose hash is allowed"),
    ]
}
