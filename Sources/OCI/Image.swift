import DevProofCore

/// os/arch[/variant], as `--platform` and OCI descriptors write it.
public struct Platform: Sendable, Equatable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?
    public init(os: String, architecture: String, variant: String? = nil) { self.os = os; self.architecture = architecture; self.variant = variant }

    public static func parse(_ s: String) throws -> Platform {
        let p = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(p.count), p.allSatisfy({ !$0.isEmpty }) else {
            throw DevProofError.usage("--platform '\(s)' is not os/arch[/variant] (e.g. linux/amd64)")
        }
        return Platform(os: p[0], architecture: p[1], variant: p.count == 3 ? p[2] : nil)
    }

    init?(json v: JSONValue?) {
        guard let v, let os = v["os"]?.stringValue, let a = v["architecture"]?.stringValue else { return nil }
        self.init(os: os, architecture: a, variant: v["variant"]?.stringValue)
    }

    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    /// A request without a variant matches any variant.
    public func matches(_ want: Platform) -> Bool {
        os == want.os && architecture == want.architecture && (want.variant == nil || variant == want.variant)
    }
}

/// A content descriptor (OCI image spec): what a parent says a blob is.
public struct Descriptor: Sendable, Equatable {
    public var mediaType: String
    public var digest: String
    public var size: UInt64
    public var platform: Platform?

    static func parse(_ v: JSONValue, at what: String, label: String) throws -> Descriptor {
        guard let d = v["digest"]?.stringValue else { throw DevProofError.malformed("\(label): \(what) has no digest") }
        guard let s = v["size"]?.int64Value, s >= 0 else { throw DevProofError.malformed("\(label): \(what) has no valid size") }
        return Descriptor(mediaType: v["mediaType"]?.stringValue ?? "", digest: d, size: UInt64(s), platform: Platform(json: v["platform"]))
    }

    /// `blobs/<alg>/<hex>` for a well-formed sha256 digest; nil otherwise (other algorithms are reported, not guessed).
    public var blobPath: String? { MediaTypes.blobPath(digest) }
}

public enum MediaTypes {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

    public static func isIndex(_ t: String) -> Bool { t == ociIndex || t == dockerList }

    public static func blobPath(_ digest: String) -> String? {
        guard let hex = sha256Hex(digest) else { return nil }
        return "blobs/sha256/" + hex
    }

    /// The hex of a `sha256:<64 lowercase hex>` digest.
    public static func sha256Hex(_ digest: String) -> String? {
        guard digest.hasPrefix("sha256:") else { return nil }
        let hex = String(digest.dropFirst(7))
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return hex
    }
}

/// One image resolved from an archive: the manifest → config → layers chain with what each blob is.
public struct ResolvedImage: Sendable {
    public enum Format: String, Sendable { case ociArchive = "oci-archive", ociLayout = "oci-layout", dockerSave = "docker-save" }
    public struct Layer: Sendable {
        public var descriptor: Descriptor
        /// The archive member holding it (nil: missing).
        public var member: ArchiveScan.Member?
        /// The config's `rootfs.diff_ids[i]` (nil: the config lists fewer).
        public var diffID: String?
    }

    public var source: String
    public var format: Format
    /// sha256 of the archive file (`image_hash`); nil for a layout directory.
    public var archiveSHA256: Bytes?
    /// The manifest digest computed from its bytes (`image_digest`); nil when the archive has no manifest
    /// (a docker-save tar with `manifest.json` only).
    public var manifestDigest: String?
    public var manifest: JSONValue?
    public var manifestMediaType: String?
    public var configDigest: String?
    public var config: JSONValue?
    public var layers: [Layer] = []
    public var platform: Platform?
    /// Every structural contradiction found (blob digest/size vs descriptor, missing blobs), by name.
    public var problems: [String] = []
    /// Manifests the index lists (platform text), for the facts.
    public var candidates: [String] = []
    /// The index.json / manifest.json chain followed, for the facts.
    public var path: [String] = []
}
