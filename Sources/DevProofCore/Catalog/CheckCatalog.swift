/// The one catalog of check IDs (trust-contract rule: "which skips make a verdict inconclusive is decided
/// in one place"). Every ID a report can carry is listed once, with the command that emits it and whether
/// a `skip` of it makes the verdict inconclusive. `Check` takes `required` from here, never from its call
/// site; docs/checks.md lists the same rows (a test compares them).
///
/// Each subcommand keeps its rows in its own file (`CheckCatalog+Attest.swift`, …) and adds its list to
/// `all` below.
public struct CheckSpec: Sendable, Equatable {
    /// Stable dotted ID: CI users allow-list these.
    public let id: String
    /// The docs/checks.md section (a subcommand, or `rpc` for the shared chain-read checks).
    public let section: String
    /// A `skip` of a required check means required evidence was not checked: the verdict is inconclusive.
    /// Checks whose only statuses are `info`/`warn` are not required.
    public let required: Bool
    /// One line: what a pass means.
    public let title: String

    public init(_ id: String, _ section: String, required: Bool, _ title: String) {
        self.id = id; self.section = section; self.required = required; self.title = title
    }
}

public enum CheckCatalog {
    public static let all: [CheckSpec] = dcap + dstack + reference + keys + rpc + chain + appauth + reproduce + tls + tlsGateway
        + lightclient + freshness + stage

    private static let byID: [String: CheckSpec] = {
        var m = [String: CheckSpec]()
        for s in all {
            precondition(m[s.id] == nil, "check ID \(s.id) is listed twice in the catalog")
            m[s.id] = s
        }
        return m
    }()

    public static func spec(_ id: String) -> CheckSpec? { byID[id] }

    /// Unknown IDs count as required: a check nobody catalogued can never turn a skip into a pass.
    /// (A test fails on any emitted ID that is missing from the catalog.)
    public static func isRequired(_ id: String) -> Bool { byID[id]?.required ?? true }

    public static func ids(section: String) -> [String] { all.filter { $0.section == section }.map(\.id) }
}
