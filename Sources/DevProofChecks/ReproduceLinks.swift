import DevProofCore
import Dstack

/// build-manifest.json of tutorial 02: what the developer says the build produced.
struct BuildManifest: Sendable {
    var path: String
    var imageDigest: String
    var imageHash: String?
    var sourceDateEpoch: String?

    static func load(_ path: String) throws -> BuildManifest {
        let v = try InputFile.readJSON(path, what: "--manifest").value
        guard let d = v["image_digest"]?.stringValue else { throw DevProofError.malformed("--manifest \(path): no image_digest string") }
        guard d.hasPrefix("sha256:"), d.count == 71 else { throw DevProofError.malformed("--manifest \(path): image_digest '\(d)' is not sha256:<64 hex>") }
        var h = v["image_hash"]?.stringValue
        if let x = h, x.hasPrefix("sha256:") { h = String(x.dropFirst(7)) }
        if let x = h, x.count != 64 || (try? Hex.decode(x)) == nil { throw DevProofError.malformed("--manifest \(path): image_hash '\(x)' is not 64 hex") }
        let sde = v["source_date_epoch"].map { $0.numberLiteral ?? $0.stringValue ?? $0.serialized() }
        return BuildManifest(path: path, imageDigest: d.lowercased(), imageHash: h?.lowercased(), sourceDateEpoch: sde)
    }
}

/// The compose file (parsed by the Dstack module's `ComposeAudit`) and, for an app-compose.json, its
/// raw-bytes hash.
struct ComposeInput: Sendable {
    var path: String
    var services: [ComposeAudit.Service]
    /// sha256 of the raw app-compose.json bytes (what dstack measures); nil for a docker-compose.yaml.
    var composeHash: Bytes?
}

/// The attested compose hash from a passing `devproof attest --json` report.
struct AttestedCompose: Sendable {
    var path: String
    var composeHash: Bytes

    /// The shared `--from-attest` reader (schema, command attest, verdict pass); reproduce needs its compose hash.
    static func load(_ path: String) throws -> AttestedCompose {
        let r = try AttestReportInput.read(path)
        guard let h = r.composeHash else {
            throw DevProofError.malformed("--from-attest \(path): the report has no facts.compose_hash (was an app-compose attested?)")
        }
        return AttestedCompose(path: path, composeHash: h)
    }
}

extension ComposeAudit.Service {
    /// The digest of a `repo@sha256:<hex>` image (nil when not pinned).
    var pinnedDigest: String? {
        guard pinned, let image, let at = image.range(of: "@sha256:") else { return nil }
        return "sha256:" + image[at.upperBound...]
    }

    /// Why the service's code is not pinned (nil: pinned by digest).
    var unpinnedReason: String? {
        if dockerfileInline != nil { return "builds from dockerfile_inline inside the CVM" }
        if builds { return "builds from source inside the CVM (build:), so no digest pins what runs" }
        guard let image else { return "has no image" }
        if image.contains("$") { return "image '\(image)' contains a variable, resolved at deploy time" }
        if !pinned { return "image '\(image)' is not pinned by digest (a tag can be moved)" }
        return nil
    }
}

enum ReproduceLinks {
    static func manifestDigest(_ m: BuildManifest?, _ imgs: [ReproduceImage]) -> Check {
        guard let m else { return .notApplicable("reproduce.manifest.link", "no --manifest") }
        guard !imgs.isEmpty else { return .skip("reproduce.manifest.link", "no image to compare build-manifest.json with: give --oci or --rebuild") }
        let unknown = imgs.filter { $0.image.manifestDigest == nil }
        let differ = imgs.filter { $0.image.manifestDigest != nil && $0.image.manifestDigest != m.imageDigest }
        let details = JSONValue.obj([("manifest_image_digest", .string(m.imageDigest)),
                                     ("images", .strings(imgs.map { "\($0.label): \($0.image.manifestDigest ?? "unknown")" }))])
        if !differ.isEmpty {
            return .fail("reproduce.manifest.link", "build-manifest.json image_digest \(m.imageDigest) ≠ \(differ[0].label) \(differ[0].image.manifestDigest!)", details)
        }
        if !unknown.isEmpty {
            return .skip("reproduce.manifest.link", "\(unknown[0].label) has no manifest blob (docker save), so its image digest is unknown", details)
        }
        return .pass("reproduce.manifest.link", "build-manifest.json image_digest \(m.imageDigest) equals the image digest of \(imgs.map(\.label).joined(separator: ", "))", details)
    }

    static func manifestHash(_ m: BuildManifest?, _ imgs: [ReproduceImage], digestCheck: Check) -> Check {
        guard let m else { return .notApplicable("reproduce.manifest.hash", "no --manifest") }
        guard let want = m.imageHash else { return .notApplicable("reproduce.manifest.hash", "build-manifest.json has no image_hash") }
        let files = imgs.filter { $0.image.archiveSHA256 != nil }
        guard !imgs.isEmpty else { return .skip("reproduce.manifest.hash", "no archive to hash: give --oci or --rebuild") }
        guard !files.isEmpty else { return .skip("reproduce.manifest.hash", "no archive file (a layout directory has no file hash)") }
        if let hit = files.first(where: { $0.image.archiveSHA256?.hex == want }) {
            return .pass("reproduce.manifest.hash", "build-manifest.json image_hash \(want) is the sha256 of \(hit.label)")
        }
        let got = files.map { "\($0.label): \($0.image.archiveSHA256!.hex)" }
        if digestCheck.status == .pass {
            return .warn("reproduce.manifest.hash", "image_hash \(want) differs from the archive file's sha256, but image_digest matches: same image in another tar wrapper (image_hash is not a reproducibility measure)", .obj([("archives", .strings(got))]))
        }
        return .fail("reproduce.manifest.hash", "build-manifest.json image_hash \(want) is not the sha256 of any archive given", .obj([("archives", .strings(got))]))
    }

    static func unpinned(_ c: ComposeInput?) -> Check {
        guard let c else { return .notApplicable("reproduce.compose.unpinned", "no --compose or --app-compose") }
        let bad = c.services.compactMap { s in s.unpinnedReason.map { "service '\(s.name)' \($0)" } }
        let rows = JSONValue.strings(c.services.map { "\($0.name): \($0.image ?? ($0.builds ? "build:" : "-"))" })
        if !bad.isEmpty { return .fail("reproduce.compose.unpinned", bad.joined(separator: "; "), .obj([("services", rows)])) }
        return .pass("reproduce.compose.unpinned", "every service (\(c.services.map(\.name).joined(separator: ", "))) runs an image pinned as repo@sha256:<digest>", .obj([("services", rows)]))
    }

    /// The image the app runs equals the one built: the compose pins the manifest's (or the archives') digest.
    static func composeDigest(_ c: ComposeInput?, manifest: BuildManifest?, imgs: [ReproduceImage]) -> Check {
        guard let c else { return .notApplicable("reproduce.compose.digest", "no --compose or --app-compose") }
        let built: String?
        let from: String
        if let m = manifest { built = m.imageDigest; from = "build-manifest.json" } else {
            let ds = Set(imgs.compactMap(\.image.manifestDigest))
            built = ds.count == 1 && imgs.allSatisfy({ $0.image.manifestDigest != nil }) ? ds.first : nil
            from = "the --oci image"
        }
        guard let want = built else {
            return .skip("reproduce.compose.digest", "no single built image digest to look for: give --manifest or --oci archives of one image")
        }
        let pinned = c.services.compactMap { s in s.pinnedDigest.map { (s.name, $0) } }
        if let hit = pinned.first(where: { $0.1 == want }) {
            return .pass("reproduce.compose.digest", "service '\(hit.0)' runs \(want), the digest of \(from)")
        }
        let have = c.services.map { "\($0.name): \($0.pinnedDigest ?? ($0.builds ? "build:" : $0.image ?? "-"))" }
        return .fail("reproduce.compose.digest", "no service pins \(want) (\(from)); services: \(have.joined(separator: "; "))")
    }

    static func composeHash(_ c: ComposeInput?, attested: AttestedCompose?) -> Check {
        guard let c, let h = c.composeHash else {
            return .notApplicable("reproduce.compose.hash", "no --app-compose (a docker-compose.yaml is not what dstack measures)")
        }
        guard let a = attested else {
            return .notApplicable("reproduce.compose.hash", "compose_hash \(h.hex) computed from \(c.path); give --from-attest REPORT to tie it to a verified quote")
        }
        if a.composeHash == h {
            return .pass("reproduce.compose.hash", "sha256(\(c.path)) = \(h.hex) equals the compose hash attested in \(a.path)")
        }
        return .fail("reproduce.compose.hash", "sha256(\(c.path)) = \(h.hex), but \(a.path) attests \(a.composeHash.hex): this compose is not what runs")
    }
}
