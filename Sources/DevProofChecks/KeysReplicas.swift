import DevProofCore
import DstackChain
import EVM

/// keys.replicas: every replica shows the same derived key and signer, certified for the same app id by the root.
extension Keys {
    // MARK: - Replicas

    static func replicaCheck(primary: ChainResult, _ inputs: [(String, Result<KeyResponse, DevProofError>)],
                             appId: Bytes, purpose: String, root: RootResolution) -> Check {
        guard !inputs.isEmpty else { return .notApplicable("keys.replicas", "no --replica given") }
        var rows: [JSONValue] = []
        var problems: [String] = []
        var unreachable: [String] = []
        for (name, res) in inputs {
            switch res {
            case .failure(let e):
                unreachable.append(name)
                rows.append(.obj([("replica", .string(name)), ("error", .string(e.description))]))
            case .success(let r):
                let c = verifyChain(r, appId: appId, purpose: purpose)
                var row: [(String, JSONValue)] = [("replica", .string(name))]
                var issues: [String] = []
                if let d = r.derivedPubkey { row.append(("derived_pubkey", .string(d.hex))) }
                if let s = c.signer { row.append(("signer", .string(s.checksummed))) }
                if let d = primary.derivedKey {
                    if r.derivedPubkey == nil { issues.append("has no derived key") }
                    else if c.derivedKey != d { issues.append("a different derived key") }
                    if let s = primary.signer, c.signer != s { issues.append("a different signer") }
                } else if let a = primary.appKey, c.appKey != a {
                    // KMS app-key input: no derived key; replicas must hold the same app key.
                    issues.append("a different app key")
                }
                if c.checks.contains(where: { $0.status == .fail }) { issues.append("a broken signature chain") }
                let rootOK: Bool
                if let k = c.kmsKey {
                    let cands = root.candidates
                    rootOK = cands.isEmpty ? (primary.kmsKey == k) : cands.contains(where: { $0.matches(k) })
                } else { rootOK = false }
                if !rootOK { issues.append(root.candidates.isEmpty ? "a different KMS signer" : "a chain that does not end at the KMS root") }
                for ch in messageChecks(r, c) where ch.status == .fail { issues.append("\(ch.id): \(ch.summary)") }
                row.append(("ok", .bool(issues.isEmpty)))
                if !issues.isEmpty { row.append(("issues", .strings(issues))); problems.append("\(name): \(issues.joined(separator: "; "))") }
                rows.append(.obj(row))
            }
        }
        let details: JSONValue = .obj([("replicas", .array(rows))])
        if !problems.isEmpty {
            return .fail("keys.replicas", "replicas disagree with the primary response: \(problems.joined(separator: " | "))", details)
        }
        if !unreachable.isEmpty {
            return .skip("keys.replicas", "could not fetch \(unreachable.count) replica(s): \(unreachable.joined(separator: ", "))", details)
        }
        return .pass("keys.replicas", "all \(inputs.count) replica(s) show the same derived key and signer, certified for the same app id", details)
    }
}
