import DevProofCore
import Foundation

/// Resolves a Phala Cloud app id to its instances' evidence through the public API shape
/// `GET {base}/apps/{app_id}/attestations` → `{instances: [{quote, event_log, vm_config, …}], kms_info, gateway_info}`
/// (the shape Phala's trust-center reads). Optional: stage works without it; nothing here is trusted —
/// each instance becomes a GetQuote-shaped evidence file that `attest` verifies like any other.
public enum PhalaCloud {
    public static let defaultBase = "https://cloud-api.phala.network/api/v1"

    /// Writes one evidence file per instance into `dir` and returns their paths.
    public static func fetchEvidence(appId: String, base: String?, client: HTTPClient, into dir: URL) throws -> [String] {
        let id = appId.lowercased().hasPrefix("0x") ? String(appId.dropFirst(2)) : appId
        guard id.count == 40, Hex.isHex(id) else {
            throw DevProofError.usage("--phala-app takes the 20-byte app id (40 hex digits), got '\(appId)'")
        }
        let root = (base ?? ProcessInfo.processInfo.environment["DEVPROOF_PHALA_API"] ?? defaultBase)
        let url = (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/apps/\(id)/attestations"
        let r = try client.get(url)
        let v: JSONValue
        do { v = try JSONParser.parse(r.body) } catch let e as JSONParseError {
            throw DevProofError.unavailable("Phala Cloud API answer for \(id) is not JSON (\(e.message) at byte \(e.offset))")
        }
        guard let instances = v["instances"]?.arrayValue, !instances.isEmpty else {
            throw DevProofError.unavailable("Phala Cloud API lists no running instance of app \(id)")
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var paths: [String] = []
        for (i, inst) in instances.prefix(16).enumerated() {
            guard let quote = inst["quote"]?.stringValue, !quote.isEmpty else {
                throw DevProofError.unavailable("Phala Cloud API: instance \(i) of app \(id) has no quote")
            }
            var members: [(String, JSONValue)] = [("quote", .string(quote))]
            for k in ["event_log", "vm_config"] { if let x = inst[k], !x.isNull { members.append((k, x)) } }
            let p = dir.appendingPathComponent("phala-\(id.prefix(8))-instance-\(i + 1).json").path
            try InputFile.write(p, Array(JSONValue.obj(members).serialized().utf8))
            paths.append(p)
        }
        return paths
    }
}
