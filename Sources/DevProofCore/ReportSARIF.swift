/// SARIF 2.1.0 view of a `Report`, for code-scanning dashboards (docs/formats.md).
///
/// One run. `tool.driver.rules` has one rule per distinct check ID of the report, with the catalog's title,
/// section and `required`. One result per check that needs attention: `fail` → kind `fail`, level `error`;
/// `warn` → kind `fail`, level `warning`; a *required* `skip` → kind `open` (SARIF's "could not determine"),
/// level `none` as the specification requires for kinds other than `fail`: it is what makes the verdict
/// inconclusive, so leaving it out would make an inconclusive run look clean. Passing, informational and
/// optional skipped checks produce no result; the run's `properties` carry the verdict, the number of checks
/// and their statuses, and the facts, so the SARIF file shows the same verdict and check count as the JSON.
extension ReportRenderer {
    public static let sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    public static func sarif(_ r: Report) -> String {
        var ruleIDs = [String]()
        for c in r.checks where !ruleIDs.contains(c.id) { ruleIDs.append(c.id) }
        let rules: [JSONValue] = ruleIDs.map { id in
            let spec = CheckCatalog.spec(id)
            let title = spec?.title ?? "check not in the catalog"
            return .obj([
                ("id", .string(id)),
                ("shortDescription", .obj([("text", .string(title))])),
                ("help", .obj([("text", .string("devproof check \(id) (docs/checks.md, section \(spec?.section ?? "?")): \(title)"))])),
                ("properties", .obj([("section", .string(spec?.section ?? "")), ("required", .bool(CheckCatalog.isRequired(id)))])),
            ])
        }
        var results = [JSONValue]()
        for c in r.checks {
            let kind: String, level: String
            switch c.status {
            case .fail: kind = "fail"; level = "error"
            case .warn: kind = "fail"; level = "warning"
            case .skip where c.required: kind = "open"; level = "none"
            case .skip, .pass, .info: continue
            }
            let text = c.status == .skip ? "required check could not run: \(c.summary)" : c.summary
            results.append(.obj([
                ("ruleId", .string(c.id)),
                ("ruleIndex", .int(ruleIDs.firstIndex(of: c.id) ?? 0)),
                ("kind", .string(kind)),
                ("level", .string(level)),
                ("message", .obj([("text", .string(text))])),
                ("properties", .obj([("status", .string(c.status.rawValue)), ("required", .bool(c.required)), ("details", c.details)])),
            ]))
        }
        let tally: [(String, JSONValue)] = CheckStatus.allCases.map { s in (s.rawValue, .int(r.checks.filter { $0.status == s }.count)) }
        let run = JSONValue.obj([
            ("tool", .obj([("driver", .obj([
                ("name", .string(r.tool.name)),
                ("version", .string(r.tool.version)),
                ("rules", .array(rules)),
            ]))])),
            ("invocations", .array([.obj([
                ("executionSuccessful", .bool(true)),
                ("exitCode", .int(r.verdict.exitCode)),
            ])])),
            ("results", .array(results)),
            ("properties", .obj([
                ("schema", .string(Report.schema)),
                ("command", .string(r.command)),
                ("verdict", .string(r.verdict.rawValue)),
                ("checks", .int(r.checks.count)),
                ("statuses", .obj(tally)),
                ("banners", .strings(r.banners)),
                ("facts", .object(r.facts)),
            ])),
        ])
        let doc = JSONValue.obj([("$schema", .string(sarifSchemaURI)), ("version", .string("2.1.0")), ("runs", .array([run]))])
        return doc.serialized(JSONWriteOptions(pretty: true)) + "\n"
    }
}
