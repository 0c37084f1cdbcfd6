import DevProofCore
import Dstack
import OCI

/// Reproducibility levels of tutorial 02 that devproof can establish offline.
public enum ReproLevel: String, Sendable, Comparable, CaseIterable {
    case none, loose, strict
    static let order: [ReproLevel] = [.none, .loose, .strict]
    public static func < (a: ReproLevel, b: ReproLevel) -> Bool { order.firstIndex(of: a)! < order.firstIndex(of: b)! }
}

/// Everything `devproof reproduce` can be given. Plain values; the CLI maps flags onto it.
public struct ReproduceOptions: Sendable {
    public var oci: [String] = []
    public var manifest: String?
    public var compose: String?
    public var appCompose: String?
    public var dockerfile: String?
    public var platform: String?
    public var rebuild = false
    public var context: String?
    public var fromAttest: String?
    public var requireLevel: ReproLevel?
    /// The buildah binary for --rebuild (default: from PATH).
    public var buildah: String?
    public var limits = ScanLimits()
    public init() {}
}

/// `devproof reproduce` (tutorial 02): do these archives hold the same image, is it the one built from
/// public source, and does the compose pin it? source → image → compose → compose_hash → quote.
public enum Reproduce {
    public static let command = "reproduce"

    public static func run(_ o: ReproduceOptions) throws -> Report {
        try validate(o)
        let platform = try o.platform.map(Platform.parse)
        // Load every input before judging anything: malformed input is exit 2 whatever else happens.
        let manifest = try o.manifest.map(BuildManifest.load)
        let compose = try loadCompose(o)
        let attested = try o.fromAttest.map(AttestedCompose.load)
        let dockerfileText = try o.dockerfile.map { p -> String in
            let b = try InputFile.read(p, what: "--dockerfile")
            guard b.count <= ReproduceDockerfile.maxBytes else { throw DevProofError.malformed("--dockerfile \(p): larger than \(ReproduceDockerfile.maxBytes) bytes") }
            return String(decoding: b, as: UTF8.self)
        }
        var images = [ReproduceImage]()
        for p in o.oci {
            let scan = try ArchiveScanner.scan(p, limits: o.limits)
            images.append(ReproduceImage(label: p, scan: scan, image: try ImageResolver.resolve(scan, platform: platform)))
        }
        var rebuildCheck = Check.notApplicable("reproduce.rebuild", "no --rebuild")
        if o.rebuild, let ctx = o.context {
            let epoch = manifest?.sourceDateEpoch.flatMap { Int64($0) }.map(String.init) ?? "0"
            let r = try ReproduceRebuild.run(context: ctx, dockerfile: o.dockerfile, epoch: epoch, platform: platform, buildah: o.buildah, limits: o.limits)
            images += r.images
            rebuildCheck = r.check
        }

        var report = Report(command: command)
        report.add(ReproduceImages.structure(images))
        report.add(ReproduceImages.diffIDs(images))
        report.add(ReproduceImages.identity(images))
        let compare = ReproduceImages.compare(images)
        report.add(compare)
        report.add(ReproduceImages.archiveWrapper(images))
        report.add(rebuildCheck)
        let mDigest = ReproduceLinks.manifestDigest(manifest, images)
        report.add(mDigest)
        report.add(ReproduceLinks.manifestHash(manifest, images, digestCheck: mDigest))
        let unpinned = ReproduceLinks.unpinned(compose)
        report.add(unpinned)
        report.add(ReproduceLinks.composeDigest(compose, manifest: manifest, imgs: images))
        report.add(ReproduceLinks.composeHash(compose, attested: attested))
        // The compose's inline Dockerfiles are built inside the CVM: lint them too (tutorial 07's Helios download).
        var lintFiles = dockerfileText.map { [(text: $0, label: o.dockerfile!)] } ?? []
        for s in compose?.services ?? [] {
            if let t = s.dockerfileInline { lintFiles.append((t, "\(compose!.path) service '\(s.name)' dockerfile_inline")) }
        }
        let lint = ReproduceDockerfile.checks(lintFiles)
        report.add(lint)

        let (level, why) = reached(compare: compare, rebuild: rebuildCheck, manifestDigest: mDigest, lint: lintFiles.isEmpty ? nil : lint,
                                   unpinned: compose == nil ? nil : unpinned, failed: report.checks.contains { $0.status == .fail })
        report.add(levelCheck(level, why, required: o.requireLevel))
        report.setFact("images", .array(images.map(ReproduceImages.fact)))
        report.setFact("level", .string(level.rawValue))
        report.setFact("chain", chain(images: images, manifest: manifest, compose: compose, attested: attested, context: o.context))
        return report
    }

    static func validate(_ o: ReproduceOptions) throws {
        if o.rebuild && o.context == nil { throw DevProofError.usage("--rebuild needs --context DIR") }
        if o.context != nil && !o.rebuild { throw DevProofError.usage("--context is only used with --rebuild") }
        if o.buildah != nil && !o.rebuild { throw DevProofError.usage("--buildah is only used with --rebuild") }
        if o.compose != nil && o.appCompose != nil { throw DevProofError.usage("give either --compose or --app-compose, not both") }
        if o.fromAttest != nil && o.appCompose == nil {
            throw DevProofError.usage("--from-attest needs --app-compose (the attested compose hash is a hash of app-compose.json)")
        }
        if o.platform != nil && o.oci.isEmpty && !o.rebuild { throw DevProofError.usage("--platform selects an image of --oci or --rebuild") }
        if o.oci.isEmpty && !o.rebuild && o.manifest == nil && o.compose == nil && o.appCompose == nil && o.dockerfile == nil {
            throw DevProofError.usage("reproduce needs something to check: --oci ARCHIVE (repeatable), --manifest, --compose/--app-compose, --dockerfile or --rebuild --context DIR")
        }
    }

    static func loadCompose(_ o: ReproduceOptions) throws -> ComposeInput? {
        func parsed(_ flag: String, _ p: String, _ body: () throws -> ComposeAudit) throws -> [ComposeAudit.Service] {
            let a: ComposeAudit
            do { a = try body() } catch let DevProofError.malformed(m) { throw DevProofError.malformed("\(flag) \(p): \(m)") }
            guard !a.services.isEmpty else { throw DevProofError.malformed("\(flag) \(p): the compose file has no services") }
            return a.services
        }
        if let p = o.compose {
            let b = try InputFile.read(p, what: "--compose")
            return ComposeInput(path: p, services: try parsed("--compose", p) { try ComposeAudit.dockerCompose(String(decoding: b, as: UTF8.self)) }, composeHash: nil)
        }
        if let p = o.appCompose {
            let b = try InputFile.read(p, what: "--app-compose")
            return ComposeInput(path: p, services: try parsed("--app-compose", p) { try ComposeAudit.appCompose(b) }, composeHash: ComposeHash.raw(b))
        }
        return nil
    }

    /// none: nothing shows the image rebuilds to the same digest. loose: two builds (archives, a rebuild,
    /// or an archive and the published manifest) agree today. strict: loose, and every input the
    /// Dockerfile names is pinned (base by digest, SOURCE_DATE_EPOCH, npm ci, apt versions, checksummed
    /// downloads) and the compose pins the image, so a rebuild years later has a chance.
    static func reached(compare: Check, rebuild: Check, manifestDigest: Check, lint: [Check]?, unpinned: Check?, failed: Bool) -> (ReproLevel, String) {
        if failed { return (.none, "a check failed") }
        let agreed = [compare, rebuild, manifestDigest].filter { $0.status == .pass }.map(\.id)
        guard !agreed.isEmpty else { return (.none, "no two builds were shown to agree (compare two archives, --rebuild, or an archive with --manifest)") }
        guard let lint else { return (.loose, "builds agree (\(agreed.joined(separator: ", "))); give --dockerfile to assess strict") }
        let warned = lint.filter { $0.status != .pass }.map(\.id)
        if !warned.isEmpty { return (.loose, "builds agree, but inputs are not all pinned: \(warned.joined(separator: ", "))") }
        if let u = unpinned, u.status != .pass { return (.loose, "builds agree, but the compose does not pin the image") }
        return (.strict, "builds agree and every Dockerfile input is pinned" + (unpinned == nil ? "" : ", the compose pins the image"))
    }

    static func levelCheck(_ level: ReproLevel, _ why: String, required: ReproLevel?) -> Check {
        let d = JSONValue.obj([("level", .string(level.rawValue)), ("reason", .string(why))])
        guard let want = required else { return .info("reproduce.level", "level reached: \(level.rawValue) (\(why))", d) }
        if level >= want { return .pass("reproduce.level", "level \(level.rawValue) reached (required: \(want.rawValue)): \(why)", d) }
        return .fail("reproduce.level", "level \(level.rawValue) is below the required \(want.rawValue): \(why)", d)
    }

    /// source → image_hash → image_digest → compose image → compose_hash → attested quote, as far as known.
    static func chain(images: [ReproduceImage], manifest: BuildManifest?, compose: ComposeInput?, attested: AttestedCompose?, context: String?) -> JSONValue {
        let digests = Set(images.compactMap(\.image.manifestDigest)).sorted()
        let pinned = compose?.services.compactMap { s in s.pinnedDigest.map { "\(s.name): \(s.image ?? $0)" } } ?? []
        return .obj([
            ("source_context", context.map { .string($0) } ?? .null),
            ("image_hash", .strings(images.compactMap { $0.image.archiveSHA256?.hex })),
            ("image_digest", .strings(digests)),
            ("manifest_image_digest", manifest.map { .string($0.imageDigest) } ?? .null),
            ("compose_images", .strings(pinned)),
            ("compose_hash", compose?.composeHash.map { .string($0.hex) } ?? .null),
            ("attested_compose_hash", attested.map { .string($0.composeHash.hex) } ?? .null),
        ])
    }
}
