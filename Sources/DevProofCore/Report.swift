/// The one report model every subcommand produces (schema `devproof.report/v1`).
///
/// Verdict rule: any `fail` → fail; otherwise any check that was *required* but could not run
/// (`skip` or `warn` with `required`) → inconclusive; otherwise pass. A pass therefore always means
/// every required check ran on real evidence.
public enum CheckStatus: String, Sendable, Equatable, CaseIterable {
    case pass, fail, warn, skip, info
}

public enum Verdict: String, Sendable, Equatable {
    case pass, fail, inconclusive

    /// Exit codes of DEVELOPERS.md: 0 pass, 1 fail, 3 inconclusive (2 is for usage/malformed input).
    public var exitCode: Int32 {
        switch self { case .pass: return 0; case .fail: return 1; case .inconclusive: return 3 }
    }
}

public struct Check: Sendable, Equatable {
    public var id: String
    public var status: CheckStatus
    public var summary: String
    public var details: JSONValue
    /// From the check catalog (`CheckCatalog`), never from the call site: a required check that was
    /// skipped (could not run, opted out) makes the verdict inconclusive. Serialized in `--json`.
    public var required: Bool { CheckCatalog.isRequired(id) }

    public init(_ id: String, _ status: CheckStatus, _ summary: String, details: JSONValue = .object([])) {
        self.id = id; self.status = status; self.summary = summary; self.details = details
    }

    public static func pass(_ id: String, _ summary: String, _ details: JSONValue = .object([])) -> Check {
        Check(id, .pass, summary, details: details)
    }
    public static func fail(_ id: String, _ summary: String, _ details: JSONValue = .object([])) -> Check {
        Check(id, .fail, summary, details: details)
    }
    public static func warn(_ id: String, _ summary: String, _ details: JSONValue = .object([])) -> Check {
        Check(id, .warn, summary, details: details)
    }
    public static func info(_ id: String, _ summary: String, _ details: JSONValue = .object([])) -> Check {
        Check(id, .info, summary, details: details)
    }
    /// A check that could not run (input missing, unreachable, opted out). Whether that makes the
    /// verdict inconclusive is the catalog's decision, not the caller's.
    public static func skip(_ id: String, _ why: String, _ details: JSONValue = .object([])) -> Check {
        Check(id, .skip, why, details: details)
    }
    /// Nothing to check in this mode (e.g. no message in a GetKey response): `info`, never a skip, so it
    /// can neither pass nor make a verdict inconclusive. The summary says "not applicable".
    public static func notApplicable(_ id: String, _ why: String, _ details: JSONValue = .object([])) -> Check {
        Check(id, .info, "not applicable: " + why, details: details)
    }
}

public struct ToolInfo: Sendable, Equatable {
    public var name: String
    public var version: String
    public init(name: String = "devproof", version: String = DevProofVersion.current) { self.name = name; self.version = version }
}

public enum DevProofVersion {
    public static let current = "0.1.0"
}

public struct Report: Sendable, Equatable {
    public static let schema = "devproof.report/v1"
    public var tool: ToolInfo
    public var command: String
    public var checks: [Check]
    public var facts: [JSONMember]
    /// Lines shown above the checks in human output (e.g. "SIMULATOR MODE: ..."); also in facts.
    public var banners: [String]

    public init(command: String, checks: [Check] = [], facts: [JSONMember] = [], banners: [String] = [], tool: ToolInfo = ToolInfo()) {
        self.command = command; self.checks = checks; self.facts = facts; self.banners = banners; self.tool = tool
    }

    public var verdict: Verdict {
        if checks.contains(where: { $0.status == .fail }) { return .fail }
        if checks.contains(where: { $0.required && $0.status == .skip }) { return .inconclusive }
        if checks.isEmpty { return .inconclusive }
        return .pass
    }

    public mutating func add(_ c: Check) { checks.append(c) }
    public mutating func add(_ cs: [Check]) { checks.append(contentsOf: cs) }

    /// Sets (or replaces) a fact, keeping first-insertion order.
    public mutating func setFact(_ key: String, _ value: JSONValue) {
        if let i = facts.firstIndex(where: { $0.key == key }) { facts[i].value = value } else { facts.append(JSONMember(key, value)) }
    }
    public func fact(_ key: String) -> JSONValue? { facts.first(where: { $0.key == key })?.value }
    public func check(_ id: String) -> Check? { checks.first(where: { $0.id == id }) }

    public var json: JSONValue {
        .obj([
            ("schema", .string(Report.schema)),
            ("tool", .obj([("name", .string(tool.name)), ("version", .string(tool.version))])),
            ("command", .string(command)),
            ("verdict", .string(verdict.rawValue)),
            // What the human output shows above the checks (SIMULATOR, NOT VERIFIED, the stage): CI reads it too.
            ("banners", .strings(banners)),
            ("checks", .array(checks.map { c in
                .obj([("id", .string(c.id)), ("status", .string(c.status.rawValue)),
                      ("required", .bool(c.required)),
                      ("summary", .string(c.summary)), ("details", c.details)])
            })),
            ("facts", .object(facts.map { JSONMember($0.key, $0.value) })),
        ])
    }
}
