/// Reading a `devproof.report/v1` document back into a `Report` (stage reads its sub-commands' reports;
/// `--from-attest` readers may too). Strict on the parts a verdict depends on: schema, command, every
/// check's id and status. `required` is not read back: it is the catalog's, never the document's.
extension Report {
    public static func decode(_ v: JSONValue, what: String = "report") throws -> Report {
        func bad(_ m: String) -> DevProofError { .malformed("\(what): \(m)") }
        guard v["schema"]?.stringValue == Report.schema else { throw bad("schema is not \(Report.schema)") }
        guard let command = v["command"]?.stringValue else { throw bad("no command") }
        guard let checks = v["checks"]?.arrayValue else { throw bad("no checks array") }
        var r = Report(command: command)
        for (i, c) in checks.enumerated() {
            guard let id = c["id"]?.stringValue, let st = c["status"]?.stringValue.flatMap(CheckStatus.init(rawValue:)) else {
                throw bad("check \(i) lacks a valid id/status")
            }
            r.checks.append(Check(id, st, c["summary"]?.stringValue ?? "", details: c["details"] ?? .object([])))
        }
        r.facts = v["facts"]?.objectValue ?? []
        r.banners = v["banners"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let t = v["tool"], let n = t["name"]?.stringValue, let ver = t["version"]?.stringValue { r.tool = ToolInfo(name: n, version: ver) }
        if let claimed = v["verdict"]?.stringValue, claimed != r.verdict.rawValue {
            throw bad("its verdict '\(claimed)' contradicts its own checks (\(r.verdict.rawValue))")
        }
        return r
    }
}
