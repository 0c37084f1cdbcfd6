import DevProofCore
import OCI

/// One image given to `reproduce` (an --oci archive or a rebuild) with the scan it came from.
public struct ReproduceImage: Sendable {
    public var label: String
    public var scan: ArchiveScan
    public var image: ResolvedImage
}

/// Structure, diff_ids, identity and comparison of the images (tutorial 02 checks 2-3).
enum ReproduceImages {
    static func structure(_ imgs: [ReproduceImage]) -> Check {
        guard !imgs.isEmpty else { return .skip("reproduce.structure", "no image: give --oci or --rebuild") }
        let problems = imgs.flatMap { i in i.image.problems.map { "\(i.label): \($0)" } }
        let missing = imgs.filter { $0.image.config == nil }.map(\.label)
        if !problems.isEmpty || !missing.isEmpty {
            let all = problems + missing.map { "\($0): no readable config" }
            return .fail("reproduce.structure", "\(all.count) structural problem(s): \(all[0])", .obj([("problems", .strings(all))]))
        }
        let blobs = imgs.map { 1 + ($0.image.manifestDigest == nil ? 0 : 1) + $0.image.layers.count }.reduce(0, +)
        return .pass("reproduce.structure", "\(blobs) blob(s) in \(imgs.count) image(s) match their descriptors (digest and size); manifest → config → layers present")
    }

    static func diffIDs(_ imgs: [ReproduceImage]) -> Check {
        guard !imgs.isEmpty else { return .skip("reproduce.diff_ids", "no image: give --oci or --rebuild") }
        var bad = [String](), rows = [JSONValue](), unchecked = [String]()
        for i in imgs {
            guard i.image.config != nil else { unchecked.append("\(i.label): no config"); continue }
            for (n, l) in i.image.layers.enumerated() {
                guard let m = l.member else { unchecked.append("\(i.label) layer \(n): blob missing"); continue }
                let got = "sha256:" + m.uncompressedSHA256.hex
                rows.append(.obj([("image", .string(i.label)), ("layer", .string(l.descriptor.digest)), ("compression", .string(m.compression.rawValue)),
                                  ("diff_id", .string(got)), ("config_diff_id", l.diffID.map { .string($0) } ?? .null)]))
                if l.diffID != got {
                    bad.append("\(i.label) layer \(n) (\(l.descriptor.digest), \(m.compression.rawValue)): uncompressed sha256 is \(got), the config says \(l.diffID ?? "nothing")")
                }
            }
        }
        let details = JSONValue.obj([("layers", .array(rows)), ("problems", .strings(bad + unchecked))])
        if !bad.isEmpty { return .fail("reproduce.diff_ids", bad[0], details) }
        if !unchecked.isEmpty { return .skip("reproduce.diff_ids", "could not check every layer: \(unchecked[0])", details) }
        let comps = Set(rows.compactMap { $0["compression"]?.stringValue }).sorted().joined(separator: ", ")
        return .pass("reproduce.diff_ids", "\(rows.count) layer(s) (compression: \(comps.isEmpty ? "none" : comps)) hash to the config's rootfs.diff_ids", details)
    }

    static func identity(_ imgs: [ReproduceImage]) -> Check {
        guard !imgs.isEmpty else { return .notApplicable("reproduce.identity", "no image") }
        let lines = imgs.map { i in
            "\(i.label): image_digest \(i.image.manifestDigest ?? "unknown (no manifest blob)"), image_hash \(i.image.archiveSHA256?.hex ?? "n/a (directory)")"
        }
        return .info("reproduce.identity", lines.joined(separator: "; "), .obj([("images", .array(imgs.map(fact)))]))
    }

    static func fact(_ i: ReproduceImage) -> JSONValue {
        let im = i.image
        return .obj([
            ("source", .string(i.label)), ("format", .string(im.format.rawValue)),
            ("image_digest", im.manifestDigest.map { .string($0) } ?? .null),
            ("image_hash", im.archiveSHA256.map { .string($0.hex) } ?? .null),
            ("config_digest", im.configDigest.map { .string($0) } ?? .null),
            ("platform", im.platform.map { .string($0.description) } ?? .null),
            ("layers", .array(im.layers.map { l in
                .obj([("digest", .string(l.descriptor.digest)), ("size", .int(l.descriptor.size)),
                      ("compression", .string(l.member?.compression.rawValue ?? "missing")), ("diff_id", l.diffID.map { .string($0) } ?? .null)])
            })),
        ])
    }

    /// The key that says "same image": the manifest digest when every image has one, else the config
    /// digest (docker-save tars have no manifest; equal configs mean equal diff_ids and settings).
    static func key(_ imgs: [ReproduceImage]) -> (name: String, values: [String?]) {
        if imgs.allSatisfy({ $0.image.manifestDigest != nil }) { return ("image digest", imgs.map(\.image.manifestDigest)) }
        return ("config digest (image ID)", imgs.map(\.image.configDigest))
    }

    static func compare(_ imgs: [ReproduceImage]) -> Check {
        guard imgs.count >= 2 else {
            return .notApplicable("reproduce.compare", imgs.isEmpty ? "no image" : "one image: give a second --oci (or --rebuild) to compare")
        }
        let (what, vals) = key(imgs)
        if let first = vals[0], vals.allSatisfy({ $0 == first }) {
            let note = what == "image digest" ? "" : " (no manifest in every archive, so the image IDs were compared)"
            return .pass("reproduce.compare", "\(imgs.count) images have the same \(what) \(first)\(note)")
        }
        var explain = [String]()
        for k in 1..<imgs.count where vals[k] != vals[0] || vals[k] == nil {
            explain.append("\(imgs[0].label) vs \(imgs[k].label):")
            explain += explainDiff(imgs[0], imgs[k]).map { "  " + $0 }
        }
        // The first explanation lines go into the summary (what a terminal shows); details carry all of them.
        let lines = explain.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasSuffix(":") }
        let shown = lines.prefix(6).joined(separator: "; ") + (lines.count > 6 ? "; … \(lines.count - 6) more in details" : "")
        let summary = "the images differ: " + zip(imgs, vals).map { "\($0.0.label) \($0.1 ?? "unknown")" }.joined(separator: ", ") + (shown.isEmpty ? "" : ". " + shown)
        return .fail("reproduce.compare", summary, .obj([("compared", .string(what)), ("differences", .strings(explain))]))
    }

    /// diffoci-style explanation: manifest, then each differing layer path by path, then the config.
    static func explainDiff(_ a: ReproduceImage, _ b: ReproduceImage) -> [String] {
        var out = [String]()
        let la = a.image.layers, lb = b.image.layers
        if la.count != lb.count { out.append("layer count \(la.count) ≠ \(lb.count)") }
        for n in 0..<min(la.count, lb.count) where la[n].descriptor.digest != lb[n].descriptor.digest {
            let x = la[n], y = lb[n]
            if let mx = x.member, let my = y.member, mx.uncompressedSHA256 == my.uncompressedSHA256 {
                out.append("layer \(n): same content (diff_id sha256:\(mx.uncompressedSHA256.hex)), compressed differently (\(mx.compression.rawValue) \(x.descriptor.digest) ≠ \(my.compression.rawValue) \(y.descriptor.digest))")
                continue
            }
            out.append("layer \(n): \(x.descriptor.digest) ≠ \(y.descriptor.digest)")
            guard let mx = x.member, let my = y.member else { out.append("  (a layer blob is missing: no path listing)"); continue }
            do {
                let fa = try LayerDiff.withMember(a.scan, mx.name) { try LayerDiff.list($0, label: "\(a.label) layer \(n)") }
                let fb = try LayerDiff.withMember(b.scan, my.name) { try LayerDiff.list($0, label: "\(b.label) layer \(n)") }
                let d = LayerDiff.compare(fa, fb)
                out += d.prefix(50).map { "  " + $0 }
                if d.count > 50 { out.append("  … \(d.count - 50) more path(s)") }
                if d.isEmpty { out.append("  same paths and metadata; the tar streams differ in order or header encoding") }
            } catch {
                out.append("  cannot list the layers: \(error)")
            }
        }
        let cd = LayerDiff.compareConfigs(a.image.config, b.image.config)
        if a.image.configDigest != b.image.configDigest {
            out.append("config \(a.image.configDigest ?? "-") ≠ \(b.image.configDigest ?? "-")")
            out += cd.prefix(30).map { "  " + $0 }
        }
        if la.map(\.descriptor.digest) == lb.map(\.descriptor.digest), a.image.configDigest == b.image.configDigest {
            let ma = a.image.manifest, mb = b.image.manifest
            out.append("same config and layers; the manifests differ" + (ma?["annotations"] != mb?["annotations"] ? " (annotations)" : ""))
        }
        return out
    }

    /// Same image, different archive files: the tar wrapper (member times, order) is not the image.
    static func archiveWrapper(_ imgs: [ReproduceImage]) -> Check {
        let tars = imgs.filter { $0.image.archiveSHA256 != nil }
        guard tars.count >= 2 else { return .notApplicable("reproduce.archive_wrapper", "fewer than two archive files") }
        let (_, vals) = key(tars)
        guard let first = vals[0], vals.allSatisfy({ $0 == first }) else {
            return .notApplicable("reproduce.archive_wrapper", "the images differ (see reproduce.compare)")
        }
        let hashes = Set(tars.compactMap { $0.image.archiveSHA256?.hex })
        if hashes.count == 1 { return .info("reproduce.archive_wrapper", "the archive files are identical too (sha256 \(hashes.first!))") }
        return .warn("reproduce.archive_wrapper",
                     "same image \(first), but the archive files differ (\(hashes.count) different sha256): the tar wrapper's metadata is not part of the image, so the tutorial's image_hash alone is not a reproducibility measure; compare image_digest",
                     .obj([("image_hashes", .strings(tars.map { "\($0.label): \($0.image.archiveSHA256?.hex ?? "")" }))]))
    }
}
