/// The trust graph of the HTML report: the chain of parties a dstack app's users rely on, each node coloured
/// by the statuses of the checks that speak about it (docs/formats.md lists the mapping).
///
/// Checks map to nodes by ID prefix, longest prefix first, so a command added later lands on a node without
/// renderer changes as long as its IDs follow the catalog's dotted naming. IDs matching no prefix are listed
/// under the graph, never silently dropped.
public struct TrustGraph: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public let key: String
        public let title: String
        public let subtitle: String
        public var checks: [Check]

        /// The node's colour: any fail → fail; a required skip → inconclusive; a warning → warn; at least one
        /// pass → pass; only info / optional skips → info; no check at all → none (not examined by this run).
        public var state: String {
            if checks.isEmpty { return "none" }
            if checks.contains(where: { $0.status == .fail }) { return "fail" }
            if checks.contains(where: { $0.status == .skip && $0.required }) { return "inconclusive" }
            if checks.contains(where: { $0.status == .warn }) { return "warn" }
            if checks.contains(where: { $0.status == .pass }) { return "pass" }
            return "info"
        }
    }

    public var nodes: [Node]
    /// Checks whose ID matches no node prefix.
    public var unmapped: [Check]

    /// Node order is the order of trust: Intel → quote → OS → app/compose → KMS → AppAuth → owner/timelock.
    static let layout: [(key: String, title: String, subtitle: String)] = [
        ("intel", "Intel", "PCS collateral, PCK chain, TCB"),
        ("quote", "Quote", "signature, TD attributes"),
        ("os", "OS", "MRTD/RTMR0-2, event log"),
        ("app", "App / compose", "compose hash, identity, TLS"),
        ("kms", "KMS", "key chain to the root"),
        ("appauth", "AppAuth", "on-chain policy, history"),
        ("owner", "Owner / timelock", "upgrade rights, notice"),
    ]

    /// Prefix → node key. A prefix ending in "." matches a family; a full ID matches that check only.
    static let prefixes: [(String, String)] = [
        ("collateral.", "intel"), ("quote.pck_chain", "intel"), ("qe.", "intel"), ("tcb.", "intel"), ("pcs.", "intel"),
        ("quote.", "quote"), ("td.", "quote"), ("report_data.", "quote"),
        ("os.", "os"), ("eventlog.", "os"),
        ("compose.", "app"), ("app.", "app"), ("evidence.", "app"), ("ratls.", "app"), ("tls.", "app"), ("reproduce.", "app"),
        ("keys.", "kms"), ("kms.", "kms"), ("chain.kms_root", "kms"), ("chain.oracle_kms_root", "kms"), ("chain.boot_kms", "kms"),
        ("appauth.", "appauth"), ("chain.", "appauth"), ("rpc.", "appauth"), ("lightclient.", "appauth"),
        ("appauth.owner", "owner"), ("appauth.notice_period", "owner"), ("appauth.instant_path", "owner"),
        ("appauth.pending", "owner"), ("appauth.upgrades_disabled", "owner"), ("timelock.", "owner"), ("owner.", "owner"),
        ("freshness.", "app"),
        // The auditor's reference values, on the node whose measurement they pin.
        ("ref.mr_td", "os"), ("ref.rtmr0", "os"), ("ref.rtmr1", "os"), ("ref.rtmr2", "os"), ("ref.os_image_hash", "os"),
        ("ref.rtmr3", "app"), ("ref.compose_hash", "app"), ("ref.app_id", "app"), ("ref.instance_id", "app"),
        ("ref.mr_config_id", "app"), ("ref.key_provider_id", "kms"), ("ref.device_id", "quote"), ("ref.report_data", "quote"),
    ]
    /// Sections deliberately outside the graph: an ERC-733 stage requirement spans several nodes at once.
    public static let summarySections: Set<String> = ["stage"]

    /// The node key of a check ID, or nil when no prefix matches.
    public static func nodeKey(for id: String) -> String? {
        var best: (len: Int, key: String)?
        for (p, k) in prefixes where id == p || (p.hasSuffix(".") && id.hasPrefix(p)) || (!p.hasSuffix(".") && id.hasPrefix(p + ".")) {
            if best == nil || p.count > best!.len { best = (p.count, k) }
        }
        return best?.key
    }

    public init(_ r: Report) {
        nodes = TrustGraph.layout.map { Node(key: $0.key, title: $0.title, subtitle: $0.subtitle, checks: []) }
        unmapped = []
        for c in r.checks {
            if let k = TrustGraph.nodeKey(for: c.id), let i = nodes.firstIndex(where: { $0.key == k }) {
                nodes[i].checks.append(c)
            } else {
                unmapped.append(c)
            }
        }
    }

    /// Inline SVG (no external references): one box per node, arrows in the order of trust.
    public func svg() -> String {
        let w = 150, h = 96, gap = 30, pad = 10
        let width = pad * 2 + nodes.count * w + (nodes.count - 1) * gap
        var s = "<svg class=\"graph\" viewBox=\"0 0 \(width) \(h + pad * 2)\" role=\"img\" aria-label=\"trust graph\">\n"
        s += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n"
        for (i, n) in nodes.enumerated() {
            let x = pad + i * (w + gap)
            if i > 0 {
                s += "<line x1=\"\(x - gap + 2)\" y1=\"\(pad + h / 2)\" x2=\"\(x - 3)\" y2=\"\(pad + h / 2)\" stroke=\"#555\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>\n"
            }
            let tally = CheckStatus.allCases.compactMap { st -> String? in
                let k = n.checks.filter { $0.status == st }.count
                return k == 0 ? nil : "\(k) \(st.rawValue)"
            }.joined(separator: " · ")
            s += "<g class=\"node n-\(n.state)\" data-node=\"\(n.key)\" data-state=\"\(n.state)\">"
            s += "<title>\(Markup.escape(n.title + ": " + (n.checks.isEmpty ? "not examined by this run" : n.checks.map { "\($0.id) \($0.status.rawValue)" }.joined(separator: ", "))))</title>"
            s += "<rect x=\"\(x)\" y=\"\(pad)\" width=\"\(w)\" height=\"\(h)\" rx=\"10\"/>"
            s += "<text x=\"\(x + w / 2)\" y=\"\(pad + 26)\" class=\"t\">\(Markup.escape(n.title))</text>"
            s += "<text x=\"\(x + w / 2)\" y=\"\(pad + 46)\" class=\"st\">\(n.state == "none" ? "not examined" : n.state.uppercased())</text>"
            s += "<text x=\"\(x + w / 2)\" y=\"\(pad + 66)\" class=\"c\">\(Markup.escape(tally.isEmpty ? "no checks" : tally))</text>"
            s += "<text x=\"\(x + w / 2)\" y=\"\(pad + 84)\" class=\"sub\">\(Markup.escape(n.subtitle))</text>"
            s += "</g>\n"
        }
        return s + "</svg>\n"
    }
}
