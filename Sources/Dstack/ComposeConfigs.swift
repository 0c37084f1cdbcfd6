import DevProofCore
import Yams

/// The `configs:` section of a docker-compose file: inline file contents (`content:`) the CVM
/// writes before starting the services. Scripts there carry pins such as 07's `CHECKPOINT=`.
public enum ComposeConfigs {
    /// The inline content of config `name`, nil when absent or not inline.
    public static func content(_ composeText: String, name: String, source: String) throws -> String? {
        guard composeText.utf8.count <= 4 << 20 else { throw DevProofError.malformed("\(source): compose file larger than 4 MiB") }
        let doc: Any?
        do { doc = try Yams.load(yaml: composeText) } catch {
            throw DevProofError.malformed("\(source): docker_compose_file is not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let top = doc as? [String: Any] else { throw DevProofError.malformed("\(source): the compose file is not a YAML mapping") }
        guard let configs = top["configs"] as? [String: Any], let c = configs[name] as? [String: Any] else { return nil }
        return c["content"] as? String
    }

    /// Shell assignments `NAME=value` / `NAME="value"` (not inside comments), in order.
    public static func shellAssignments(_ script: String, name: String) -> [String] {
        var out = [String]()
        for raw in script.split(separator: "\n") {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            guard !line.hasPrefix("#"), line.hasPrefix(name + "=") else { continue }
            var v = line.dropFirst(name.count + 1)
            if let cut = v.firstIndex(where: { $0 == " " || $0 == "#" || $0 == ";" }) { v = v[..<cut] }
            out.append(String(v).trimmingQuotes())
        }
        return out
    }
}

extension String {
    func trimmingQuotes() -> String {
        var s = Substring(self)
        if s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f { s = s.dropFirst().dropLast() }
        return String(s)
    }
}
