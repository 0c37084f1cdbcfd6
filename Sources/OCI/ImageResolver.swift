import DevProofCore

/// Follows index.json (nested indexes, platforms) or a docker-save manifest.json to one image, checking
/// each blob against its descriptor on the way. Contradictions are collected as `problems` (a failing
/// structure check); an archive that names no image, an index cycle or an ambiguous platform is an input
/// error (exit 2).
public enum ImageResolver {
    static let maxIndexDepth = 8

    public static func resolve(_ scan: ArchiveScan, platform: Platform?) throws -> ResolvedImage {
        let label = "--oci \(scan.path)"
        let format: ResolvedImage.Format = scan.kind == .directory ? .ociLayout : .ociArchive
        var img = ResolvedImage(source: scan.path, format: format, archiveSHA256: scan.fileSHA256)
        if let idx = scan.member("index.json"), let v = try json(idx, "index.json", label),
           let ms = v["manifests"]?.arrayValue, !ms.isEmpty {
            img.path.append("index.json")
            var found: [(Descriptor, Platform?)] = []
            try walk(v, scan: scan, label: label, visited: [], depth: 0, into: &found, img: &img)
            img.candidates = found.map { $0.1?.description ?? "unknown platform" }
            if found.isEmpty {
                throw DevProofError.malformed("\(label): the index leads to no image manifest" + (img.problems.isEmpty ? "" : ": " + img.problems.joined(separator: "; ")))
            }
            let pick = try choose(found, platform: platform, label: label)
            try load(manifest: pick.0, platform: pick.1, scan: scan, label: label, into: &img)
            return img
        }
        if let dm = scan.member("manifest.json") {
            img.format = .dockerSave
            try loadDockerSave(dm, scan: scan, label: label, into: &img)
            return img
        }
        if scan.member("index.json") != nil {
            throw DevProofError.malformed("\(label): index.json lists no manifests and there is no manifest.json: no image")
        }
        throw DevProofError.malformed("\(label): no index.json or manifest.json: not an OCI image archive, layout or docker-save tar")
    }

    static func json(_ m: ArchiveScan.Member, _ what: String, _ label: String) throws -> JSONValue? {
        guard let b = m.json else { throw DevProofError.malformed("\(label): \(what) is not a JSON document (or exceeds the size bound)") }
        do { return try JSONParser.parse(b, maxDepth: 64) } catch let e as JSONParseError {
            throw DevProofError.malformed("\(label): \(what) is not valid JSON: \(e.message) (byte \(e.offset))")
        }
    }

    /// Checks a blob against its descriptor; returns its member when present (even if contradicted).
    static func blob(_ d: Descriptor, _ what: String, scan: ArchiveScan, into img: inout ResolvedImage) -> ArchiveScan.Member? {
        guard let path = d.blobPath else {
            img.problems.append("\(what) \(d.digest): unsupported or malformed digest (only sha256:<64 hex> is verified)")
            return nil
        }
        guard let m = scan.member(path) else {
            img.problems.append("\(what) \(d.digest): blob missing from the archive (\(path))")
            return nil
        }
        if "sha256:" + m.sha256.hex != d.digest {
            img.problems.append("\(what) \(path): content hashes to sha256:\(m.sha256.hex), not the descriptor's digest")
        }
        if m.size != d.size {
            img.problems.append("\(what) \(path): \(m.size) bytes, the descriptor says \(d.size)")
        }
        return m
    }

    static func walk(_ index: JSONValue, scan: ArchiveScan, label: String, visited: [String], depth: Int,
                     into found: inout [(Descriptor, Platform?)], img: inout ResolvedImage) throws {
        guard depth < maxIndexDepth else { throw DevProofError.malformed("\(label): indexes nested deeper than \(maxIndexDepth)") }
        for (i, dv) in (index["manifests"]?.arrayValue ?? []).enumerated() {
            let where_ = (visited.last ?? "index.json") + " manifests[\(i)]"
            let d = try Descriptor.parse(dv, at: where_, label: label)
            if MediaTypes.isIndex(d.mediaType) {
                if visited.contains(d.digest) {
                    throw DevProofError.malformed("\(label): \(where_) points back to index \(d.digest) (an index cycle)")
                }
                guard let m = blob(d, "index", scan: scan, into: &img) else { continue }
                guard "sha256:" + m.sha256.hex == d.digest, let sub = try json(m, "index \(d.digest)", label) else { continue }
                img.path.append(d.digest)
                try walk(sub, scan: scan, label: label, visited: visited + [d.digest], depth: depth + 1, into: &found, img: &img)
            } else {
                found.append((d, d.platform))
            }
        }
    }

    static func choose(_ found: [(Descriptor, Platform?)], platform: Platform?, label: String) throws -> (Descriptor, Platform?) {
        guard !found.isEmpty else { throw DevProofError.malformed("\(label): the index lists no image manifest") }
        let names = found.map { "\($0.0.digest) (\($0.1?.description ?? "no platform"))" }.joined(separator: ", ")
        if let want = platform {
            let m = found.filter { $0.1?.matches(want) ?? false }
            guard m.count == 1 else {
                throw DevProofError.usage("\(label): \(m.isEmpty ? "no" : "more than one") image for --platform \(want); the index lists: \(names)")
            }
            return m[0]
        }
        // BuildKit attaches provenance/SBOM manifests as platform unknown/unknown: never the image itself.
        let real = found.filter { $0.1?.os != "unknown" }
        if real.count == 1 { return real[0] }
        if found.count == 1 { return found[0] }
        throw DevProofError.usage("\(label): the index lists \(found.count) images; choose one with --platform: \(names)")
    }

    static func load(manifest d: Descriptor, platform: Platform?, scan: ArchiveScan, label: String, into img: inout ResolvedImage) throws {
        img.manifestMediaType = d.mediaType
        guard let m = blob(d, "manifest", scan: scan, into: &img) else { return }
        img.manifestDigest = "sha256:" + m.sha256.hex
        guard let mv = try json(m, "manifest \(d.digest)", label) else { return }
        img.manifest = mv
        if let t = mv["mediaType"]?.stringValue, MediaTypes.isIndex(t) {
            throw DevProofError.malformed("\(label): manifest \(d.digest) is an index but its descriptor says \(d.mediaType)")
        }
        guard let cv = mv["config"] else { img.problems.append("manifest \(d.digest): no config descriptor"); return }
        let cd = try Descriptor.parse(cv, at: "manifest config", label: label)
        img.configDigest = cd.digest
        if let c = blob(cd, "config", scan: scan, into: &img) { img.config = try json(c, "config \(cd.digest)", label) }
        let layers = try (mv["layers"]?.arrayValue ?? []).enumerated().map { i, v in
            try Descriptor.parse(v, at: "manifest layers[\(i)]", label: label)
        }
        attachLayers(layers.map { ($0, blob($0, "layer", scan: scan, into: &img)) }, into: &img)
        img.platform = platform ?? Platform(json: img.config)
    }

    static func attachLayers(_ layers: [(Descriptor, ArchiveScan.Member?)], into img: inout ResolvedImage) {
        let diffIDs = img.config?["rootfs"]?["diff_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
        img.layers = layers.enumerated().map { i, l in
            ResolvedImage.Layer(descriptor: l.0, member: l.1, diffID: i < diffIDs.count ? diffIDs[i] : nil)
        }
        if img.config != nil && diffIDs.count != layers.count {
            img.problems.append("config rootfs.diff_ids lists \(diffIDs.count) layers, the manifest \(layers.count)")
        }
    }

    /// docker save: `manifest.json` = [{Config, RepoTags, Layers}] naming members by path. There is no
    /// manifest blob, so no image digest; the config digest (the image ID) identifies the image.
    static func loadDockerSave(_ dm: ArchiveScan.Member, scan: ArchiveScan, label: String, into img: inout ResolvedImage) throws {
        guard let v = try json(dm, "manifest.json", label), let arr = v.arrayValue else {
            throw DevProofError.malformed("\(label): manifest.json is not a list of images (docker save format): no image")
        }
        guard arr.count == 1 else {
            let tags = arr.map { $0["RepoTags"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "?" }
            throw DevProofError.malformed("\(label): manifest.json lists \(arr.count) images (\(tags.joined(separator: "; "))); give an archive with one image")
        }
        img.path.append("manifest.json")
        let e = arr[0]
        guard let cfgPath = e["Config"]?.stringValue else { throw DevProofError.malformed("\(label): manifest.json[0] has no Config") }
        let cp = try ArchiveScanner.normalize(cfgPath, label: label)
        guard let c = scan.member(cp) else {
            img.problems.append("config \(cfgPath): missing from the archive")
            return
        }
        checkNamed(cp, c, "config", into: &img)
        img.configDigest = "sha256:" + c.sha256.hex
        img.config = try json(c, "config \(cfgPath)", label)
        let sources = e["LayerSources"]
        var layers = [(Descriptor, ArchiveScan.Member?)]()
        for (i, lv) in (e["Layers"]?.arrayValue ?? []).enumerated() {
            guard let lp = lv.stringValue else { throw DevProofError.malformed("\(label): manifest.json[0].Layers[\(i)] is not a path") }
            let p = try ArchiveScanner.normalize(lp, label: label)
            let m = scan.member(p)
            if m == nil { img.problems.append("layer \(lp): missing from the archive") }
            if let m { checkNamed(p, m, "layer", into: &img) }
            var d = Descriptor(mediaType: "application/vnd.docker.image.rootfs.diff.tar", digest: m.map { "sha256:" + $0.sha256.hex } ?? "", size: m?.size ?? 0)
            // LayerSources (Docker ≥ 25) states descriptors too: hold the member to them.
            if let m, let src = sources?.objectValue?.first(where: { $0.value["digest"]?.stringValue == d.digest })?.value {
                let sd = try Descriptor.parse(src, at: "LayerSources", label: label)
                if sd.size != m.size { img.problems.append("layer \(lp): \(m.size) bytes, LayerSources says \(sd.size)") }
                d.mediaType = sd.mediaType
            }
            layers.append((d, m))
        }
        attachLayers(layers, into: &img)
        img.platform = Platform(json: img.config)
    }

    /// A member stored under blobs/sha256/<hex> must hash to that name.
    static func checkNamed(_ path: String, _ m: ArchiveScan.Member, _ what: String, into img: inout ResolvedImage) {
        if path.hasPrefix("blobs/sha256/"), String(path.dropFirst(13)) != m.sha256.hex {
            img.problems.append("\(what) \(path): content hashes to sha256:\(m.sha256.hex), not its name")
        }
    }
}
