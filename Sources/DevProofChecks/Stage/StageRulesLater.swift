import DevProofCore
import Dstack

extension StageRules {
    // S1.6: TLS ends in the TEE; the operator cannot point the app at infrastructure it controls.
    static func s1_6(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        if let t = e.report("tls") {
            switch t.verdict {
            case .pass: c.pass("the TLS certificate users see is bound to the attested TEE", "tls")
            case .fail: c.fail("TLS is not bound to the TEE: \(t.checks.first { $0.status == .fail }.map { "\($0.id): \($0.summary)" } ?? "")",
                               toMeet: "terminate TLS inside the app TEE (RA-TLS or an attested gateway)", "tls")
            case .inconclusive: c.unknown("TLS binding inconclusive", "tls")
            }
        } else {
            c.unknown("TLS binding: \(e.missing("tls", "--tls-url or --tls-cert"))", toMeet: "check the app's endpoint with --tls-url", "tls")
        }
        if let a = composeAudit(e, &c, what: "infrastructure") {
            let urls = a.endpointLikeEnvs
            if !urls.isEmpty {
                c.fail("the operator chooses \(urls.joined(separator: ", ")) (allowed_envs): user data can be sent to infrastructure it controls",
                       toMeet: "pin endpoints in the measured compose instead of allowed_envs", "compose:allowed_envs")
            }
            if a.gatewayEnabled == true {
                if e.policy.strictPlatform { c.fail("TLS goes through the dstack gateway, a platform dependency (--strict-platform)", "compose:gateway_enabled") }
                else { c.pass("the dstack gateway is a platform trust anchor (reported, not failed; --strict-platform fails it)", "compose:gateway_enabled") }
            }
        }
        return c
    }

    // S1.7: no debug TD, no debug or host-escape paths in the compose.
    static func s1_7(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        c.require(e, "attest", "td.debug", what: "the TD is not a debug TD", flags: attestFlags)
        if let a = composeAudit(e, &c, what: "backdoors") {
            var found = false
            for s in a.services {
                var why: [String] = []
                if s.privileged { why.append("privileged") }
                if !s.hostNamespaces.isEmpty { why.append("host " + s.hostNamespaces.joined(separator: "/")) }
                if !s.dangerousMounts.isEmpty { why.append("mounts " + s.dangerousMounts.joined(separator: ", ")) }
                if s.capAdd.contains(where: { ["SYS_ADMIN", "ALL", "SYS_PTRACE"].contains($0.uppercased()) }) { why.append("cap_add " + s.capAdd.joined(separator: ",")) }
                if s.sshLike { why.append("an SSH service") }
                if !why.isEmpty {
                    found = true
                    c.fail("service \(s.name): \(why.joined(separator: "; ")): a path around the measured code",
                           toMeet: "remove privileged/host access and SSH from the production compose", "compose:services")
                }
            }
            if !found && !a.services.isEmpty { c.pass("no privileged, host-namespace, docker.sock or SSH service", "compose:services") }
            if a.preLaunchScript != nil {
                c.unknown("a pre_launch_script runs as root before the app: review it (--manual S1.7=…)", "compose:pre_launch_script")
            }
        }
        return c
    }

    // S2.1: S1.6 with the platform counted; KMS governance.
    static func s2_1(_ e: StageEvidence) -> Conditions {
        var strict = e
        strict.policy.strictPlatform = true
        var c = s1_6(strict)
        c.unknown("the KMS's own governance (not a single EOA) is not assessed by devproof", toMeet: "judge the KMS governance and record it with --manual S2.1=…", "kms")
        return c
    }

    // S2.2: ≥ 2 verified instances of the same app on distinct devices.
    static func s2_2(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        let all = ([e.report("attest")].compactMap { $0 } + e.replicaAttests).filter { $0.verdict == .pass }
        let app = all.first?.fact("app_id")
        let same = all.filter { $0.fact("app_id") == app }
        let devices = Set(same.compactMap { $0.fact("device_id")?.stringValue })
        if all.isEmpty { c.unknown("no verified instance (give the evidence of every replica)", "attest:device_id") }
        else if devices.count >= 2 { c.pass("\(devices.count) verified instances of the app on distinct devices", "attest:device_id") }
        else { c.fail("\(devices.count) verified device(s) for the app", toMeet: "run ≥ 2 instances on distinct machines and give each one's evidence", "attest:device_id") }
        return c
    }

    // S2.3: the app follows TCB updates.
    static func s2_3(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        if e.fact("appauth", "require_tcb_up_to_date")?.boolValue == false {
            c.fail("the AppAuth does not require an up-to-date TCB (requireTcbUpToDate is false)",
                   toMeet: "set requireTcbUpToDate on the AppAuth", "appauth:require_tcb_up_to_date")
        } else {
            c.require(e, "appauth", "appauth.tcb_required", what: "the AppAuth requires an up-to-date TCB", flags: appauthFlags,
                      toMeet: "set requireTcbUpToDate on the AppAuth")
        }
        c.require(e, "attest", "tcb.status", what: "the platform's TCB is allowed", flags: attestFlags)
        return c
    }

    // S2.4: quotes from ≥ 2 TEE vendors.
    static func s2_4(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        let all = ([e.report("attest")].compactMap { $0 } + e.replicaAttests).filter { $0.verdict == .pass }
        let tees = Set(all.compactMap { $0.fact("tee_type")?.stringValue ?? "TDX" })
        if all.isEmpty { c.unknown("no verified quote", "attest") }
        else if tees.count >= 2 { c.pass("verified quotes from \(tees.sorted().joined(separator: ", "))", "attest:tee_type") }
        else { c.fail("verified quotes from one TEE type only (\(tees.sorted().joined(separator: ", ")))", toMeet: "accept a second TEE vendor in the AppAuth and show its quotes", "attest:tee_type") }
        return c
    }

    static func manualOnly(_ what: String) -> Conditions {
        var c = Conditions()
        c.unknown("\(what) cannot be judged from evidence", toMeet: "record an auditor's judgement with --manual", "manual")
        return c
    }

    // S2.6: strict reproducibility.
    static func s2_6(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        if let level = e.fact("reproduce", "level")?.stringValue {
            if level == "strict" { c.pass("strict reproducibility", "reproduce:level") }
            else { c.fail("reproducibility level \(level), not strict", toMeet: "vendor dependencies and mirror artifacts (level strict)", "reproduce:level") }
        } else { c.unknown(e.missing("reproduce", reproduceFlags), "reproduce:level") }
        return c
    }

    // S2.7: anyone can host the app.
    static func s2_7(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        if e.report("appauth") == nil { c.unknown(e.missing("appauth", appauthFlags), "appauth:allow_any_device"); return c }
        switch e.fact("appauth", "allow_any_device")?.boolValue {
        case true?: c.pass("allowAnyDevice: anyone can host the app", "appauth:allow_any_device")
        case false?: c.fail("only allow-listed devices may run the app", toMeet: "set allowAnyDevice", "appauth:allow_any_device")
        case nil: c.unknown("the AppAuth has no device policy devproof can read", "appauth:allow_any_device")
        }
        return c
    }

    // S2.8: upgrades need more than one key, behind a timelock.
    static func s2_8(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        guard e.report("appauth") != nil else { c.unknown(e.missing("appauth", appauthFlags), "appauth:owner_kind"); return c }
        let kind = e.fact("appauth", "owner_kind")?.stringValue
        let details = e.check("appauth", "appauth.owner")?.details
        let threshold = details?["threshold"]?.int64Value ?? details?["safe_threshold"]?.int64Value
        switch kind {
        case "zero-address": c.pass("no owner: nobody can upgrade", "appauth:owner_kind")
        case "eoa": c.fail("the owner is a single key (EOA)", toMeet: "make the owner a multisig (≥ 2) or a Governor behind a timelock", "appauth:owner_kind")
        case "safe":
            if let t = threshold, t >= 2 { c.unknown("a \(t)-of-n Safe owns the app directly, with no timelock", toMeet: "put the Safe behind a timelock", "appauth:owner") }
            else { c.fail("the owner is a Safe with threshold \(threshold.map(String.init) ?? "unknown")", toMeet: "threshold ≥ 2 behind a timelock", "appauth:owner") }
        case "timelock-controller":
            c.unknown("a timelock owns the app; who proposes through it (multisig or Governor) is not classified", toMeet: "record the proposer's governance with --manual S2.8=…", "appauth:owner")
        default: c.unknown("owner of unknown kind (\(kind ?? "none"))", "appauth:owner_kind")
        }
        return c
    }
}
