/// HTML view of a `Report`: ONE self-contained page for auditors (docs/formats.md).
///
/// No script, no external resource of any kind: inline CSS, inline SVG, and a Content-Security-Policy of
/// `default-src 'none'` so that even a URL smuggled into a summary or fact can never be fetched by the browser
/// (every report string is escaped as text anyway). The page shows the verdict banner, the trust graph, the
/// upgrade timeline (when `facts.timeline` exists, from `devproof chain history`), every check with its
/// evidence, and the facts. `data-verdict` / `data-checks` on the banner carry the same verdict and check count
/// as the JSON, for tests and scrapers.
extension ReportRenderer {
    public static func html(_ r: Report) -> String {
        let verdict = r.verdict.rawValue
        let graph = TrustGraph(r)
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Markup.escape("devproof \(r.command): \(verdict.uppercased())"))</title>
        <style>\(htmlStyle)</style>
        </head>
        <body>

        """
        let tally = CheckStatus.allCases.compactMap { st -> String? in
            let k = r.checks.filter { $0.status == st }.count
            return k == 0 ? nil : "\(k) \(st.rawValue)"
        }.joined(separator: ", ")
        h += "<header id=\"verdict\" class=\"verdict v-\(verdict)\" data-verdict=\"\(verdict)\" data-checks=\"\(r.checks.count)\">\n"
        h += "<h1>devproof \(Markup.escape(r.command)): <span id=\"verdict-text\">\(verdict.uppercased())</span></h1>\n"
        h += "<p><span id=\"check-count\">\(r.checks.count)</span> checks\(tally.isEmpty ? "" : ": " + tally). \(Markup.escape(verdictMeaning(r.verdict)))</p>\n"
        h += "</header>\n"
        for b in r.banners { h += "<p class=\"banner\">\(Markup.escape(b))</p>\n" }

        h += "<section id=\"trust-graph\"><h2>Trust graph</h2>\n" + graph.svg()
        h += "<p class=\"legend\"><span class=\"k n-pass\">pass</span><span class=\"k n-fail\">fail</span><span class=\"k n-inconclusive\">required check skipped</span><span class=\"k n-warn\">warning</span><span class=\"k n-info\">info only</span><span class=\"k n-none\">not examined by this run</span></p>\n"
        if !graph.unmapped.isEmpty {
            h += "<p class=\"note\">Checks outside the graph: \(graph.unmapped.map { Markup.escape($0.id) }.joined(separator: ", "))</p>\n"
        }
        h += "</section>\n"

        if let timeline = r.fact("timeline")?.arrayValue {
            h += "<section id=\"timeline\"><h2>Upgrade timeline (\(timeline.count) event\(timeline.count == 1 ? "" : "s"))</h2>\n"
            if timeline.isEmpty { h += "<p class=\"note\">No events in the scanned range.</p>\n" }
            h += "<ol class=\"timeline\">\n"
            for e in timeline {
                let block = e["block"].map(plain) ?? "?"
                let time = e["time"]?.int64Value.map { TimeInput.format($0) } ?? "time unknown"
                let args = (e["args"]?.objectValue ?? []).map { "\($0.key)=\(plain($0.value))" }.joined(separator: " ")
                h += "<li><span class=\"when\">block \(Markup.escape(block)) · \(Markup.escape(time))</span> "
                h += "<span class=\"event\">\(Markup.escape(e["event"].map(plain) ?? "?"))</span> "
                h += "<code>\(Markup.escape(args))</code>"
                if let tx = e["tx"]?.stringValue { h += "<div class=\"tx\">tx \(Markup.escape(tx))</div>" }
                h += "</li>\n"
            }
            h += "</ol></section>\n"
        }

        h += "<section id=\"checks\"><h2>Checks</h2>\n<table>\n<thead><tr><th>status</th><th>check</th><th>required</th><th>summary and evidence</th></tr></thead>\n<tbody>\n"
        for c in r.checks {
            let st = c.status.rawValue
            h += "<tr class=\"check s-\(st)\" data-id=\"\(Markup.escape(c.id))\" data-status=\"\(st)\">"
            h += "<td><span class=\"badge s-\(st)\">\(st.uppercased())</span></td>"
            h += "<td><code>\(Markup.escape(c.id))</code><div class=\"title\">\(Markup.escape(CheckCatalog.spec(c.id)?.title ?? ""))</div></td>"
            h += "<td>\(c.required ? "yes" : "no")</td>"
            h += "<td>\(Markup.escape(c.summary))"
            if c.details != .object([]) && c.details != .null {
                // Evidence of what went wrong is shown open; the rest is one click away.
                h += "<details\(c.status == .fail || c.status == .warn || (c.status == .skip && c.required) ? " open" : "")><summary>evidence</summary><pre>\(Markup.escape(c.details.serialized(JSONWriteOptions(pretty: true)), attribute: false))</pre></details>"
            }
            h += "</td></tr>\n"
        }
        h += "</tbody></table></section>\n"

        h += "<section id=\"facts\"><h2>Facts</h2>\n"
        if r.facts.isEmpty { h += "<p class=\"note\">none</p>\n" }
        h += "<table class=\"facts\">\n"
        for f in r.facts {
            let v: String
            switch f.value {
            case .array, .object: v = "<pre>\(Markup.escape(f.value.serialized(JSONWriteOptions(pretty: true)), attribute: false))</pre>"
            default: v = "<code>\(Markup.escape(plain(f.value)))</code>"
            }
            h += "<tr><th>\(Markup.escape(f.key))</th><td>\(v)</td></tr>\n"
        }
        h += "</table></section>\n"
        h += "<footer>\(Markup.escape("\(r.tool.name) \(r.tool.version)")) · schema \(Report.schema) · the JSON report (<code>--format json</code>) is the reference; this page shows the same checks.</footer>\n"
        return h + "</body>\n</html>\n"
    }

    static func verdictMeaning(_ v: Verdict) -> String {
        switch v {
        case .pass: return "Every required check ran on the evidence and passed."
        case .fail: return "The evidence contradicts a claim: see the FAIL checks."
        case .inconclusive: return "A required check could not run (see SKIP): this is not a pass."
        }
    }

    static let htmlStyle = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 32px;color:#1d1d1f;background:#fafafa}
    h1{margin:0;font-size:24px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
    .verdict{margin:16px 0;padding:16px 20px;border-radius:10px;color:#fff}.verdict p{margin:6px 0 0}
    .v-pass{background:#1f7a3a}.v-fail{background:#b3261e}.v-inconclusive{background:#8a5a00}
    .banner{background:#fff3cd;border:1px solid #e0c36c;padding:8px 12px;border-radius:6px;font-weight:600}
    svg.graph{width:100%;height:auto;background:#fff;border:1px solid #e3e3e3;border-radius:10px}
    .node rect{stroke-width:2}.node text{text-anchor:middle;font-family:inherit}
    .node .t{font-size:15px;font-weight:700}.node .st{font-size:12px;font-weight:700}.node .c{font-size:11px}.node .sub{font-size:9.5px;fill:#444}
    .n-pass rect{fill:#d8f0de;stroke:#1f7a3a}.n-fail rect{fill:#f9d6d3;stroke:#b3261e}.n-inconclusive rect{fill:#fde7c2;stroke:#8a5a00}
    .n-warn rect{fill:#fff6c8;stroke:#a88a00}.n-info rect{fill:#e6eef7;stroke:#49698c}.n-none rect{fill:#f1f1f1;stroke:#aaa;stroke-dasharray:5 4}
    .legend .k{display:inline-block;margin-right:12px;padding:2px 8px;border-radius:4px;border:2px solid;font-size:12px}
    .k.n-pass{background:#d8f0de;border-color:#1f7a3a}.k.n-fail{background:#f9d6d3;border-color:#b3261e}.k.n-inconclusive{background:#fde7c2;border-color:#8a5a00}
    .k.n-warn{background:#fff6c8;border-color:#a88a00}.k.n-info{background:#e6eef7;border-color:#49698c}.k.n-none{background:#f1f1f1;border-color:#aaa;border-style:dashed}
    table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #e3e3e3;padding:6px 8px;vertical-align:top;text-align:left}
    thead th{background:#f0f0f0}.title{color:#666;font-size:12px}
    .badge{display:inline-block;min-width:44px;text-align:center;padding:1px 6px;border-radius:4px;font-weight:700;font-size:12px;color:#fff}
    .badge.s-pass{background:#1f7a3a}.badge.s-fail{background:#b3261e}.badge.s-warn{background:#a88a00}.badge.s-skip{background:#8a5a00}.badge.s-info{background:#49698c}
    tr.s-fail td{background:#fdf0ef}
    pre{white-space:pre-wrap;word-break:break-all;margin:4px 0;font-size:12px;background:#f6f6f6;padding:6px;border-radius:4px}
    code{font-size:12.5px;word-break:break-all}details summary{cursor:pointer;color:#35598f}
    .timeline{list-style:none;padding-left:18px;border-left:3px solid #35598f}.timeline li{margin:0 0 10px;position:relative}
    .timeline li::before{content:"";position:absolute;left:-26px;top:5px;width:11px;height:11px;border-radius:50%;background:#35598f}
    .when{color:#555;font-size:12px}.event{font-weight:700}.tx{color:#777;font-size:11px;word-break:break-all}
    .facts th{width:220px;background:#f7f7f7}.note{color:#666}footer{margin-top:28px;color:#777;font-size:12px}
    """
}
