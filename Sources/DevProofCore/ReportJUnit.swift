/// JUnit XML view of a `Report`, for CI systems that read test results (docs/formats.md).
///
/// One `<testcase>` per check, in report order: `fail` → `<failure>`; a *required* `skip` (the reason the
/// verdict is inconclusive) → `<error type="inconclusive">`, so a CI dashboard never shows an unchecked
/// required claim as green; an optional `skip` → `<skipped>`; `pass`/`warn`/`info` pass, with the status and
/// the evidence (the check's details as JSON) in `<system-out>`. The verdict, the schema and every fact are
/// `<property>` elements of the suite.
extension ReportRenderer {
    public static func junit(_ r: Report) -> String {
        let s = junitSuite(r, name: "devproof \(r.command)")
        let counts = "tests=\"\(s.tests)\" failures=\"\(s.failures)\" errors=\"\(s.errors)\" skipped=\"\(s.skipped)\""
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"devproof\" \(counts) time=\"0\">\n" + s.xml + "</testsuites>\n"
    }

    /// One report's `<testsuite>` element (a batch holds one per input) and its counts.
    static func junitSuite(_ r: Report, name: String) -> (xml: String, tests: Int, failures: Int, errors: Int, skipped: Int) {
        let failures = r.checks.filter { $0.status == .fail }.count
        let errors = r.checks.filter { $0.status == .skip && $0.required }.count
        let skipped = r.checks.filter { $0.status == .skip && !$0.required }.count
        let counts = "tests=\"\(r.checks.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\""
        let suite = Markup.escape(name)
        var x = ""
        x += "  <testsuite name=\"\(suite)\" \(counts) time=\"0\">\n"
        x += "    <properties>\n"
        var props: [(String, String)] = [("verdict", r.verdict.rawValue), ("schema", Report.schema),
                                         ("command", r.command), ("tool", "\(r.tool.name) \(r.tool.version)")]
        props += r.banners.map { ("banner", $0) }
        props += r.facts.map { ("fact.\($0.key)", plain($0.value)) }
        for (k, v) in props {
            x += "      <property name=\"\(Markup.escape(k))\" value=\"\(Markup.escape(v))\"/>\n"
        }
        x += "    </properties>\n"
        for c in r.checks {
            let section = CheckCatalog.spec(c.id)?.section ?? r.command
            x += "    <testcase classname=\"\(Markup.escape("devproof.\(r.command).\(section)"))\" name=\"\(Markup.escape(c.id))\" time=\"0\">\n"
            let msg = Markup.escape(c.summary)
            switch c.status {
            case .fail:
                x += "      <failure type=\"fail\" message=\"\(msg)\">\(msg)</failure>\n"
            case .skip where c.required:
                x += "      <error type=\"inconclusive\" message=\"\(Markup.escape("required check could not run: " + c.summary))\">\(msg)</error>\n"
            case .skip:
                x += "      <skipped message=\"\(msg)\"/>\n"
            case .pass, .warn, .info:
                break
            }
            let evidence = "status: \(c.status.rawValue)\nrequired: \(c.required)\nsummary: \(c.summary)\ndetails: \(c.details.serialized(JSONWriteOptions(pretty: true)))"
            x += "      <system-out>\(Markup.escape(evidence, attribute: false))</system-out>\n"
            x += "    </testcase>\n"
        }
        x += "  </testsuite>\n"
        return (x, r.checks.count, failures, errors, skipped)
    }
}
