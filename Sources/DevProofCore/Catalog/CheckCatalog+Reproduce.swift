extension CheckCatalog {
    /// reproduce (docs/reproduce.md, tutorial 02).
    static let reproduce: [CheckSpec] = [
        CheckSpec("reproduce.structure", "reproduce", required: true, "every blob matches its descriptor; manifest → config → layers present"),
        CheckSpec("reproduce.diff_ids", "reproduce", required: true, "config rootfs.diff_ids equal the sha256 of the uncompressed layers"),
        CheckSpec("reproduce.identity", "reproduce", required: false, "image_digest and image_hash of each archive"),
        CheckSpec("reproduce.compare", "reproduce", required: true, "all images have the same image digest"),
        CheckSpec("reproduce.archive_wrapper", "reproduce", required: false, "same image, different archive files"),
        CheckSpec("reproduce.manifest.link", "reproduce", required: true, "build-manifest.json image_digest equals the archive's"),
        CheckSpec("reproduce.manifest.hash", "reproduce", required: false, "build-manifest.json image_hash equals the archive file's sha256"),
        CheckSpec("reproduce.compose.unpinned", "reproduce", required: true, "every compose service image is pinned as repo@sha256:<digest>"),
        CheckSpec("reproduce.compose.digest", "reproduce", required: true, "the compose pins the built image digest"),
        CheckSpec("reproduce.compose.hash", "reproduce", required: true, "the app-compose hash equals the attested compose hash"),
        CheckSpec("reproduce.dockerfile.from_digest", "reproduce", required: false, "every FROM is pinned by digest"),
        CheckSpec("reproduce.dockerfile.source_date_epoch", "reproduce", required: false, "SOURCE_DATE_EPOCH is set"),
        CheckSpec("reproduce.dockerfile.npm_ci", "reproduce", required: false, "npm ci, not npm install"),
        CheckSpec("reproduce.dockerfile.apt_pinned", "reproduce", required: false, "apt installs pin versions"),
        CheckSpec("reproduce.dockerfile.download_checksum", "reproduce", required: false, "downloads are checked against a checksum"),
        CheckSpec("reproduce.level", "reproduce", required: true, "the reproducibility level reached meets --require-level"),
        CheckSpec("reproduce.rebuild", "reproduce", required: true, "two rebuilds of the context give the same image"),
    ]
}
