import DevProofCore
import Yams

/// What an app's configuration lets its operator do, read from an app-compose (dstack's JSON) or a plain
/// docker-compose YAML. Facts only; the stage judge decides what they mean.
///
/// The audit reads the configuration the quote measured (attest's `compose.hash` ties the app-compose
/// bytes to the quote): nothing here is trusted before that check passed.
public struct ComposeAudit: Sendable, Equatable {
    public struct Service: Sendable, Equatable {
        public var name: String
        public var image: String?
        /// `repo@sha256:<64 hex>` with no variable in it.
        public var pinned: Bool
        public var builds: Bool
        public var privileged: Bool
        public var hostNamespaces: [String]
        public var dangerousMounts: [String]
        public var capAdd: [String]
        public var sshLike: Bool
        /// `build: {dockerfile_inline: …}`: the Dockerfile text itself lives in the compose (reproduce lints it).
        public var dockerfileInline: String? = nil
    }

    /// nil when the input was a bare docker-compose file (no dstack settings).
    public var kmsEnabled: Bool?
    public var gatewayEnabled: Bool?
    public var localKeyProvider: Bool?
    public var secureTime: Bool?
    public var allowedEnvs: [String]
    public var preLaunchScript: String?
    public var services: [Service]
    /// The docker compose text reads `${…}` variables (filled in from the operator's environment at deploy time).
    public var interpolatesVariables = false

    /// allowed_envs names that look like secrets the operator would inject (the developer then holds them).
    public var secretLikeEnvs: [String] { allowedEnvs.filter(Self.looksSecret) }
    /// allowed_envs names that point the app somewhere the operator chooses (databases, RPCs, APIs).
    public var endpointLikeEnvs: [String] { allowedEnvs.filter(Self.looksEndpoint) }

    static func looksSecret(_ n: String) -> Bool {
        let u = n.uppercased()
        return ["SECRET", "PRIVATE", "PASSWORD", "PASSWD", "TOKEN", "MNEMONIC", "SEED", "API_KEY", "APIKEY", "_KEY", "CREDENTIAL"]
            .contains { u.contains($0) } || u == "KEY"
    }
    static func looksEndpoint(_ n: String) -> Bool {
        let u = n.uppercased()
        return ["URL", "URI", "ENDPOINT", "HOST", "RPC", "DATABASE", "DSN", "BASE_", "_ADDR", "WEBHOOK"].contains { u.contains($0) }
    }

    // MARK: - Parsing

    /// app-compose.json bytes (dstack). Its `docker_compose_file` is parsed as YAML when present.
    public static func appCompose(_ bytes: Bytes) throws -> ComposeAudit {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("app-compose is not valid JSON: \(e.message) (byte \(e.offset))")
        }
        guard case .object = v else { throw DevProofError.malformed("app-compose is not a JSON object") }
        var a = ComposeAudit(kmsEnabled: v["kms_enabled"]?.boolValue, gatewayEnabled: v["gateway_enabled"]?.boolValue,
                             localKeyProvider: v["local_key_provider_enabled"]?.boolValue, secureTime: v["secure_time"]?.boolValue,
                             allowedEnvs: v["allowed_envs"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                             preLaunchScript: v["pre_launch_script"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                             services: [])
        if let yaml = v["docker_compose_file"]?.stringValue {
            a.services = try services(yaml: yaml)
            a.interpolatesVariables = yaml.contains("${")
        }
        return a
    }

    /// A docker-compose YAML file on its own.
    public static func dockerCompose(_ text: String) throws -> ComposeAudit {
        ComposeAudit(kmsEnabled: nil, gatewayEnabled: nil, localKeyProvider: nil, secureTime: nil, allowedEnvs: [],
                     preLaunchScript: nil, services: try services(yaml: text), interpolatesVariables: text.contains("${"))
    }

    static func services(yaml: String) throws -> [Service] {
        guard yaml.utf8.count <= 4 << 20 else { throw DevProofError.malformed("docker compose file is larger than 4 MiB") }
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw DevProofError.malformed("docker compose file is not valid YAML: \(error)")
        }
        guard let root = node?.mapping, let svcs = root["services"]?.mapping else { return [] }
        var out: [Service] = []
        for (k, v) in svcs {
            let name = k.string ?? "?"
            let m = v.mapping
            let image = m?["image"]?.string
            let strings: (String) -> [String] = { key in m?[key]?.sequence?.compactMap { $0.string } ?? [] }
            var mounts: [String] = []
            for vol in m?["volumes"]?.sequence ?? [] {
                let src = vol.string.map { String($0.split(separator: ":").first ?? "") } ?? vol.mapping?["source"]?.string ?? ""
                if src.contains("docker.sock") || src == "/" || src.hasPrefix("/dev") || src.hasPrefix("/proc") || src.hasPrefix("/sys") {
                    mounts.append(src)
                }
            }
            var ns: [String] = []
            for key in ["network_mode", "pid", "ipc", "userns_mode"] where m?[key]?.string == "host" { ns.append(key) }
            let ports = (m?["ports"]?.sequence ?? []).compactMap { $0.string ?? $0.int.map(String.init) }
            let ssh = (image ?? "").lowercased().contains("ssh") || ports.contains { p in
                p.split(separator: ":").last.map { $0.split(separator: "/").first == "22" } ?? false
            }
            out.append(Service(name: name, image: image, pinned: image.map(isPinned) ?? false,
                               builds: m?["build"] != nil, privileged: m?["privileged"]?.bool ?? false,
                               hostNamespaces: ns, dangerousMounts: mounts, capAdd: strings("cap_add"), sshLike: ssh,
                               dockerfileInline: m?["build"]?.mapping?["dockerfile_inline"]?.string))
        }
        return out.sorted { $0.name < $1.name }
    }

    /// `name@sha256:<64 lowercase hex>` with no `${…}` interpolation.
    public static func isPinned(_ image: String) -> Bool {
        guard !image.contains("$"), let at = image.range(of: "@sha256:") else { return false }
        let d = image[at.upperBound...]
        return d.count == 64 && d.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }
}
