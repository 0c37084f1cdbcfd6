import DevProofCore
import Dstack
import TDX
import Yams

/// A TCB status name (`--allow-tcb-status`, `tcb.allowed_statuses`), checked against Intel's names once.
public struct TCBStatusValue: ParsedInput, Hashable {
    public let name: String
    public init(parsing text: String, what: String) throws {
        guard TCBStatus(rawValue: text) != nil else {
            throw DevProofError.usage("\(what): unknown TCB status '\(text)' (one of: \(TCBStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        name = text
    }
}

/// `--policy FILE`: the auditor's reference values and TCB policy in one file (schema in docs/policy.md).
/// JSON (first non-blank byte `{`, parsed by DevProofCore's strict parser: duplicate keys rejected) or YAML
/// (Yams; duplicate keys rejected here). Unknown keys are errors: a misspelt reference must not be dropped.
/// Command-line flags override the file key by key (`resolve`).
public struct AttestPolicy: Sendable, Equatable {
    public var references = AttestReferences()
    public var allowedTCBStatuses: [String]?
    public var allowedAdvisories: [String]?
    public var allowDebug: Bool?

    static let topKeys: Set<String> = ["tcb", "reference"]
    static let tcbKeys: Set<String> = ["allowed_statuses", "allowed_advisories", "allow_debug"]
    static let refKeys: Set<String> = ["compose_hash", "app_id", "mr_config_id", "os_image_hash", "key_provider_id",
                                       "instance_id", "device_id", "mr_td", "rtmr0", "rtmr1", "rtmr2", "rtmr3",
                                       "report_data", "os"]

    public static func load(_ path: String) throws -> AttestPolicy {
        let bytes = try InputFile.read(path, what: "policy file", limit: InputFile.Limit.config)
        return try parse(bytes, name: "policy '\(path)'")
    }

    public static func parse(_ bytes: Bytes, name: String) throws -> AttestPolicy {
        let first = bytes.first { !($0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09) }
        let v: JSONValue
        if first == UInt8(ascii: "{") {
            do { v = try JSONParser.parse(bytes) } catch let e as JSONParseError {
                throw DevProofError.malformed("\(name) is not valid JSON: \(e.message) (byte \(e.offset))")
            }
        } else {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw DevProofError.malformed("\(name) is not UTF-8") }
            let node: Node?
            do { node = try Yams.compose(yaml: text) } catch {
                throw DevProofError.malformed("\(name) is not valid YAML: \(error)")
            }
            guard let node else { throw DevProofError.malformed("\(name) is empty") }
            v = try json(node, name: name)
        }
        return try parse(v, name: name)
    }

    /// YAML → JSONValue (scalars as strings; the schema decides what they mean).
    static func json(_ n: Node, name: String) throws -> JSONValue {
        switch n {
        case .scalar(let s): return .string(s.string)
        case .sequence(let s): return .array(try s.map { try json($0, name: name) })
        case .mapping(let m):
            var out = [JSONMember](), seen = Set<String>()
            for (k, val) in m {
                guard case .scalar(let ks) = k else { throw DevProofError.malformed("\(name): a mapping key is not a plain string") }
                guard seen.insert(ks.string).inserted else {
                    throw DevProofError.malformed("\(name): duplicate key '\(ks.string)'\(ks.mark.map { " (line \($0.line))" } ?? "")")
                }
                out.append(JSONMember(ks.string, try json(val, name: name)))
            }
            return .object(out)
        }
    }

    static func parse(_ v: JSONValue, name: String) throws -> AttestPolicy {
        func object(_ v: JSONValue, _ path: String, _ keys: Set<String>) throws -> [JSONMember] {
            guard case .object(let m) = v else { throw DevProofError.malformed("\(name): '\(path)' must be an object") }
            for k in m.map(\.key) where !keys.contains(k) {
                throw DevProofError.malformed("\(name): unknown key '\(path.isEmpty ? "" : path + ".")\(k)' (known: \(keys.sorted().joined(separator: ", ")))")
            }
            return m
        }
        func strings(_ v: JSONValue, _ path: String) throws -> [String] {
            if let s = v.stringValue { return [s] }
            guard let a = v.arrayValue, let ss = Optional(a.compactMap(\.stringValue)), ss.count == a.count else {
                throw DevProofError.malformed("\(name): '\(path)' must be a string or a list of strings")
            }
            return ss
        }
        func values<T: ParsedInput>(_ v: JSONValue, _ path: String) throws -> [T] {
            try strings(v, path).map { s in
                do { return try T(parsing: s, what: "\(name): '\(path)'") } catch let e as DevProofError {
                    throw DevProofError.malformed(e.description)
                }
            }
        }
        func single<T: ParsedInput>(_ v: JSONValue, _ path: String) throws -> T {
            let xs: [T] = try values(v, path)
            guard xs.count == 1 else { throw DevProofError.malformed("\(name): '\(path)' takes one value") }
            return xs[0]
        }
        var p = AttestPolicy()
        for top in try object(v, "", topKeys) {
            if top.key == "tcb" {
                for m in try object(top.value, "tcb", tcbKeys) {
                    switch m.key {
                    case "allowed_statuses": p.allowedTCBStatuses = try strings(m.value, "tcb.allowed_statuses")
                    case "allowed_advisories": p.allowedAdvisories = try strings(m.value, "tcb.allowed_advisories")
                    default:
                        switch m.value {
                        case .bool(let b): p.allowDebug = b
                        case .string("true"): p.allowDebug = true
                        case .string("false"): p.allowDebug = false
                        default: throw DevProofError.malformed("\(name): 'tcb.allow_debug' must be true or false")
                        }
                    }
                }
                continue
            }
            var r = AttestReferences()
            for m in try object(top.value, "reference", refKeys) {
                let path = "reference.\(m.key)"
                switch m.key {
                case "compose_hash": r.composeHash = try values(m.value, path)
                case "app_id": r.appId = try values(m.value, path)
                case "mr_config_id": r.mrConfigId = try values(m.value, path)
                case "os_image_hash": r.osImageHash = try values(m.value, path)
                case "key_provider_id": r.keyProviderId = try values(m.value, path)
                case "instance_id": r.instanceId = try values(m.value, path)
                case "device_id": r.deviceId = try values(m.value, path)
                case "mr_td": r.mrTD = try single(m.value, path)
                case "rtmr0", "rtmr1", "rtmr2", "rtmr3": r.rtmr[Int(String(m.key.last!))!] = try single(m.value, path)
                case "report_data": r.reportData = try single(m.value, path)
                default: r.os = try OSReference.parse(m.value, name: "\(name): 'reference.os'")
                }
            }
            p.references = r
        }
        return p
    }

    /// Applies `--policy` under the flags: the flags' values win key by key; TCB statuses are validated.
    public static func resolve(_ o: AttestOptions) throws -> AttestOptions {
        var o = o
        if let path = o.policyPath {
            let p = try load(path)
            o.references = o.references.overriding(p.references)
            if let s = p.allowedTCBStatuses {
                for st in s {
                    do { _ = try TCBStatusValue(parsing: st, what: "policy '\(path)': tcb.allowed_statuses") } catch let e as DevProofError {
                        throw DevProofError.malformed(e.description)
                    }
                }
                if !o.tcbStatusesGiven { o.allowedTCBStatuses = s }
            }
            if !o.advisoriesGiven, let a = p.allowedAdvisories { o.allowedAdvisories = a }
            if !o.debugGiven, let d = p.allowDebug { o.allowDebug = d }
        }
        if let p = o.osRefPath {  // the flag overrides the policy's reference.os
            let (_, v) = try InputFile.readJSON(p, what: "--os-ref file", limit: InputFile.Limit.config)
            o.references.os = try OSReference.parse(v, name: p)
        }
        return o
    }
}
