import DevProofCore
import Yams

/// The services of a docker-compose file, as far as image pinning goes: which image each runs and
/// whether it is built inside the CVM instead (`build:`, `dockerfile_inline`).
public struct ComposeService: Sendable, Equatable {
    public var name: String
    public var image: String?
    public var build: Bool
    public var dockerfileInline: Bool

    /// `repo@sha256:<64 hex>` (a tag before the digest is allowed; the digest decides what is pulled).
    public var pinnedDigest: String? {
        guard let image, let at = image.range(of: "@sha256:") else { return nil }
        let hex = image[at.upperBound...]
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return "sha256:" + hex
    }

    /// Why the service's code is not pinned (nil: pinned by digest).
    public var unpinnedReason: String? {
        if dockerfileInline { return "builds from dockerfile_inline inside the CVM" }
        if build { return "builds from source inside the CVM (build:), so no digest pins what runs" }
        guard let image else { return "has no image" }
        if image.contains("$") { return "image '\(image)' contains a variable, resolved at deploy time" }
        if pinnedDigest == nil { return "image '\(image)' is not pinned by digest (a tag can be moved)" }
        return nil
    }
}

public enum ComposeServices {
    /// Bound on the compose text (it is parsed in memory).
    public static let maxBytes = 4 << 20

    public static func parse(_ text: String, source: String) throws -> [ComposeService] {
        guard text.utf8.count <= maxBytes else { throw DevProofError.malformed("\(source): compose file larger than \(maxBytes) bytes") }
        let doc: Any?
        do { doc = try Yams.load(yaml: text) } catch {
            throw DevProofError.malformed("\(source): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let top = doc as? [String: Any] else { throw DevProofError.malformed("\(source): the compose file is not a YAML mapping") }
        guard let services = top["services"] as? [String: Any], !services.isEmpty else {
            throw DevProofError.malformed("\(source): the compose file has no services")
        }
        return try services.keys.sorted().map { name in
            guard let s = services[name] as? [String: Any] else { throw DevProofError.malformed("\(source): service '\(name)' is not a mapping") }
            let build = s["build"]
            var inline = false
            if let b = build as? [String: Any], b["dockerfile_inline"] != nil { inline = true }
            var image: String?
            if let i = s["image"] {
                guard let str = i as? String else { throw DevProofError.malformed("\(source): service '\(name)': image is not a string") }
                image = str
            }
            return ComposeService(name: name, image: image, build: build != nil, dockerfileInline: inline)
        }
    }

    /// The docker-compose text embedded in a dstack app-compose.json (`docker_compose_file`).
    public static func fromAppCompose(_ v: JSONValue, source: String) throws -> String {
        guard let t = v["docker_compose_file"]?.stringValue else {
            throw DevProofError.malformed("\(source): app-compose has no docker_compose_file string")
        }
        return t
    }
}
