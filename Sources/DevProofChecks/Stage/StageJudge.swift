import DevProofCore

/// The ERC-733 verdict (tutorial §6), decided mechanically from the sub-commands' reports.
///
/// Stage = the largest k whose every Sk requirement passes (a manual judgement settles an unknown, never a
/// fail). An unknown among Stage 1's requirements makes the result "0 (inconclusive)". Stage 3 is "not
/// assessable" unless every S3 item is judged manually.
///
/// How requirement results become checks: a requirement of a stage ≤ `--require-stage` (default 1) is
/// pass / fail / skip (unknown); one above it is pass / warn (not met) / skip, so it informs without
/// failing the gate. `stage.level` carries the gate: pass when the stage reached is ≥ the required one,
/// fail when a requirement of a required stage failed, skip when an unknown stands in the way.
public enum StageJudge {
    public static func requirementResults(_ e: StageEvidence) -> [RequirementResult] {
        StageRequirement.all.map { r in
            let c: Conditions
            switch r.id {
            case "S1.1": c = StageRules.s1_1(e)
            case "S1.2": c = StageRules.s1_2(e)
            case "S1.3": c = StageRules.s1_3(e)
            case "S1.4": c = StageRules.s1_4(e)
            case "S1.5": c = StageRules.s1_5(e)
            case "S1.6": c = StageRules.s1_6(e)
            case "S1.7": c = StageRules.s1_7(e)
            case "S2.1": c = StageRules.s2_1(e)
            case "S2.2": c = StageRules.s2_2(e)
            case "S2.3": c = StageRules.s2_3(e)
            case "S2.4": c = StageRules.s2_4(e)
            case "S2.5": c = StageRules.manualOnly("forward secrecy and data opt-out")
            case "S2.6": c = StageRules.s2_6(e)
            case "S2.7": c = StageRules.s2_7(e)
            case "S2.8": c = StageRules.s2_8(e)
            default: c = StageRules.manualOnly("Stage 3 (\(r.title))")
            }
            var res = c.result(r)
            if let m = e.manual[r.id] {
                if res.status == .unknown {
                    res = RequirementResult(requirement: r, status: .manual, summary: "MANUAL: \(m.note) (evidence alone: \(res.summary))",
                                            evidence: res.evidence + ["manual"], toMeet: nil)
                } else if res.status == .fail {
                    res.summary += " (a manual judgement was given, but the evidence fails this requirement: it stands)"
                }
            }
            return res
        }
    }

    /// The stage reached, or nil when an unknown in S1 leaves it undetermined.
    public static func stage(_ results: [RequirementResult]) -> (stage: Int, determined: Bool) {
        func met(_ k: Int) -> Bool? {
            let rs = results.filter { $0.requirement.stage == k }
            if rs.contains(where: { $0.status == .fail }) { return false }
            if rs.contains(where: { $0.status == .unknown }) { return nil }
            return true
        }
        var reached = 0
        for k in 1...3 {
            switch met(k) {
            case true?: reached = k
            case false?: return (reached, true)
            case nil: return (reached, k > 1)  // an unknown in S1 leaves the stage undetermined
            }
        }
        return (reached, true)
    }

    public static func judge(_ e: StageEvidence) -> Report {
        let results = requirementResults(e)
        let (reached, determined) = stage(results)
        let need = e.policy.requireStage
        var r = Report(command: "stage")

        let label = ["0 (Prototype/Ruggable)", "1 (DevProof)", "2 (Decentralized TEE network)", "3 (Trustless TEE)"][reached]
        let next = reached + 1
        let blockers = results.filter { $0.requirement.stage == next && $0.status != .pass && $0.status != .manual }
        r.banners.append(determined ? "STAGE \(label)" : "STAGE 0 (inconclusive): unknown Stage 1 requirements")
        if next <= 3 {
            for b in blockers.prefix(8) {
                r.banners.append("blocks Stage \(next): \(b.requirement.id) \(b.requirement.title): \(b.summary)" + (b.toMeet.map { " — needs: \($0)" } ?? ""))
            }
        }
        if results.contains(where: { $0.status == .manual }) {
            r.banners.append("includes MANUAL judgements: " + results.filter { $0.status == .manual }.map(\.requirement.id).joined(separator: ", "))
        }

        for res in results {
            let id = res.requirement.checkID
            let details: JSONValue = .obj([
                ("requirement", .string(res.requirement.id)), ("title", .string(res.requirement.title)),
                ("status", .string(res.status.rawValue)), ("evidence", .strings(res.evidence)),
                ("to_meet", res.toMeet.map { .string($0) } ?? .null),
            ])
            let text = "\(res.requirement.title): \(res.summary)"
            let gating = res.requirement.stage <= need
            switch res.status {
            case .pass, .manual: r.add(.pass(id, text, details))
            case .fail: r.add(gating ? .fail(id, text, details) : .warn(id, "not met: " + text, details))
            case .unknown:
                if res.requirement.stage == 3 { r.add(.info(id, "not assessable: " + text, details)) }
                else { r.add(.skip(id, "unknown: " + text, details)) }
            }
        }

        let gate: Check
        let failedGating = results.filter { $0.requirement.stage <= need && $0.status == .fail }
        let unknownGating = results.filter { $0.requirement.stage <= need && $0.status == .unknown }
        let levelDetails: JSONValue = .obj([("required", .int(need)), ("reached", .int(reached)), ("determined", .bool(determined))])
        if need == 0 {
            gate = .pass("stage.level", "no stage required (--require-stage 0): stage \(determined ? label : "0 (inconclusive)")", levelDetails)
        } else if !failedGating.isEmpty {
            gate = .fail("stage.level", "stage \(label) < required \(need): \(failedGating.map(\.requirement.id).joined(separator: ", ")) not met", levelDetails)
        } else if !unknownGating.isEmpty {
            gate = .skip("stage.level", "stage \(need) undetermined: \(unknownGating.map(\.requirement.id).joined(separator: ", ")) unknown", levelDetails)
        } else {
            gate = .pass("stage.level", "stage \(label) ≥ required \(need)", levelDetails)
        }
        r.checks.insert(gate, at: 0)

        r.setFact("stage", determined ? .int(reached) : .null)
        r.setFact("stage_label", .string(determined ? label : "0 (inconclusive)"))
        r.setFact("require_stage", .int(need))
        r.setFact("requirements", .object(results.map { JSONMember($0.requirement.id, .string($0.status.rawValue)) }))
        r.setFact("next_stage_blockers", .array(blockers.map { .obj([("requirement", .string($0.requirement.id)), ("why", .string($0.summary)),
                                                                       ("to_meet", $0.toMeet.map { .string($0) } ?? .null)]) }))
        r.setFact("manual", .object(e.manual.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value.note)) }))
        r.setFact("sub_reports", .object(e.reports.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value.verdict.rawValue)) }
                                        + e.unavailable.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string("unavailable: \($0.value)")) }))
        r.setFact("compose_source", e.composeSource.map { .string($0) } ?? .null)
        return r
    }
}
