/// Several inputs judged in one run (`attest` over many evidences): one full `Report` per input, or the input error
/// that stopped it, plus a summary. Schema `devproof.batch/v1` (docs/batch.schema.json): a summary object whose
/// `items[].report` are complete `devproof.report/v1` documents. A single input never produces this (it prints its
/// `Report` exactly as before).
///
/// Exit code of the batch = the worst item, by this precedence: 1 (some input's evidence contradicts a claim) over
/// 2 (some input was unreadable / malformed / a usage error for it) over 3 (some input inconclusive, or its evidence
/// unavailable) over 0 (every input passed). A fail is the finding CI must act on first; an input that could not be
/// judged at all outranks one judged inconclusive.
public struct BatchReport: Sendable {
    public static let schema = "devproof.batch/v1"

    public struct Item: Sendable {
        public var input: String
        public var report: Report?
        public var error: DevProofError?
        public init(input: String, report: Report) { self.input = input; self.report = report }
        public init(input: String, error: DevProofError) { self.input = input; self.error = error }

        public var exitCode: Int32 { report?.verdict.exitCode ?? error?.exitCode ?? 2 }
        /// pass / fail / inconclusive from the report; "error" when the input produced none.
        public var status: String { report?.verdict.rawValue ?? "error" }
    }

    public var command: String
    public var tool = ToolInfo()
    public var items: [Item] = []
    /// Facts of the whole batch (e.g. how many times collateral was verified).
    public var facts: [JSONMember] = []

    public init(command: String) { self.command = command }

    public var exitCode: Int32 {
        let codes = Set(items.map(\.exitCode))
        for c: Int32 in [1, 2, 3] where codes.contains(c) { return c }
        return items.isEmpty ? 2 : 0
    }

    /// The batch's verdict word for its exit code.
    public var verdict: String {
        switch exitCode { case 0: return "pass"; case 1: return "fail"; case 3: return "inconclusive"; default: return "error" }
    }

    public var totals: [(String, Int)] {
        ["pass", "fail", "inconclusive", "error"].map { s in (s, items.filter { $0.status == s }.count) }
    }

    public var json: JSONValue {
        .obj([
            ("schema", .string(BatchReport.schema)),
            ("tool", .obj([("name", .string(tool.name)), ("version", .string(tool.version))])),
            ("command", .string(command)),
            ("verdict", .string(verdict)),
            ("exit_code", .int(Int(exitCode))),
            ("totals", .obj([("inputs", .int(items.count))] + totals.map { ($0.0, .int($0.1)) })),
            ("facts", .object(facts)),
            ("items", .array(items.map { i in
                var m: [(String, JSONValue)] = [("input", .string(i.input)), ("status", .string(i.status)), ("exit_code", .int(Int(i.exitCode)))]
                if let r = i.report { m.append(("report", r.json)) }
                if let e = i.error { m.append(("error", .string(e.description))) }
                return .obj(m)
            })),
        ])
    }
}

extension ReportRenderer {
    /// Every input's full report (text), each under a `== [i/N] input ==` line, then the summary: a line per input and
    /// the totals.
    public static func batchHuman(_ b: BatchReport, color: Bool = false) -> String {
        var out = ""
        for (n, i) in b.items.enumerated() {
            out += "== [\(n + 1)/\(b.items.count)] \(i.input) ==\n"
            if let r = i.report { out += human(r, color: color) } else if let e = i.error { out += "devproof: error: \(e.description)\n" }
            out += "\n"
        }
        let counts = b.totals.map { "\($0.1) \($0.0 == "error" ? "input error" : $0.0)" }.joined(separator: ", ")
        out += "devproof \(b.command) batch: \(b.verdict.uppercased()) (exit \(b.exitCode)) — \(b.items.count) inputs: \(counts)\n"
        let width = 14
        for i in b.items {
            let tag = "[\(i.status.uppercased())]".padding(toLength: width, withPad: " ", startingAt: 0)
            out += "  \(tag) \(i.input)" + (i.error.map { ": \($0.description)" } ?? "") + "\n"
        }
        if !b.facts.isEmpty {
            out += "facts:\n"
            for f in b.facts { out += "  \(f.key): \(plain(f.value))\n" }
        }
        return out
    }

    public static func batchJSON(_ b: BatchReport) -> String {
        b.json.serialized(JSONWriteOptions(pretty: true)) + "\n"
    }

    /// JUnit with one `<testsuite>` per input (named after it), each exactly the suite a single run prints; an input
    /// that produced no report is a suite with one `input` testcase in `<error type="input">`.
    public static func batchJUnit(_ b: BatchReport) -> String {
        var suites = "", tests = 0, failures = 0, errors = 0, skipped = 0
        for i in b.items {
            if let r = i.report {
                let s = junitSuite(r, name: "devproof \(r.command) \(i.input)")
                suites += s.xml; tests += s.tests; failures += s.failures; errors += s.errors; skipped += s.skipped
            } else {
                let msg = Markup.escape(i.error?.description ?? "no report")
                suites += "  <testsuite name=\"\(Markup.escape("devproof \(b.command) \(i.input)"))\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0\">\n"
                suites += "    <properties>\n      <property name=\"verdict\" value=\"error\"/>\n      <property name=\"input\" value=\"\(Markup.escape(i.input))\"/>\n    </properties>\n"
                suites += "    <testcase classname=\"\(Markup.escape("devproof.\(b.command).input"))\" name=\"input\" time=\"0\">\n"
                suites += "      <error type=\"input\" message=\"\(msg)\">\(msg)</error>\n    </testcase>\n  </testsuite>\n"
                tests += 1; errors += 1
            }
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"devproof\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"0\">\n"
            + suites + "</testsuites>\n"
    }
}
