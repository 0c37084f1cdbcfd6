import DevProofCore
import Dstack

/// Accumulates the conditions of one requirement: any failed condition fails it, else any unknown one
/// leaves it unknown, else it passes. Each condition names the evidence it read.
struct Conditions {
    private(set) var fails: [(String, String?)] = []
    private(set) var unknowns: [(String, String?)] = []
    private(set) var passes: [String] = []
    private(set) var evidence: [String] = []

    mutating func pass(_ what: String, _ ev: String...) { passes.append(what); evidence += ev }
    mutating func fail(_ what: String, toMeet: String? = nil, _ ev: String...) { fails.append((what, toMeet)); evidence += ev }
    mutating func unknown(_ what: String, toMeet: String? = nil, _ ev: String...) { unknowns.append((what, toMeet)); evidence += ev }

    /// A sub-check that must pass: pass → pass; fail → fail with its summary; skip/absent → unknown.
    mutating func require(_ e: StageEvidence, _ cmd: String, _ id: String, what: String, flags: String, toMeet: String? = nil) {
        let ref = "\(cmd):\(id)"
        guard e.report(cmd) != nil else { unknown("\(what): \(e.missing(cmd, flags))", toMeet: toMeet, ref); return }
        guard let c = e.check(cmd, id) else { unknown("\(what): \(cmd) did not report \(id)", toMeet: toMeet, ref); return }
        switch c.status {
        case .pass: pass(what, ref)
        case .fail: fail("\(what): \(c.summary)", toMeet: toMeet, ref)
        case .skip: unknown("\(what): not checked (\(c.summary))", toMeet: toMeet, ref)
        case .warn, .info: unknown("\(what): \(c.summary)", toMeet: toMeet, ref)
        }
    }

    func result(_ r: StageRequirement, passSummary: String? = nil) -> RequirementResult {
        if !fails.isEmpty {
            return .init(requirement: r, status: .fail, summary: fails.map(\.0).joined(separator: "; "), evidence: evidence,
                         toMeet: fails.compactMap(\.1).first)
        }
        if !unknowns.isEmpty {
            return .init(requirement: r, status: .unknown, summary: unknowns.map(\.0).joined(separator: "; "), evidence: evidence,
                         toMeet: unknowns.compactMap(\.1).first)
        }
        return .init(requirement: r, status: .pass, summary: passSummary ?? passes.joined(separator: "; "), evidence: evidence, toMeet: nil)
    }
}

/// The rules of tutorial §6, one function per requirement. Pure: they read `StageEvidence` only.
enum StageRules {
    static let attestFlags = "--evidence or --tls-url"
    static let appauthFlags = "--rpc and --app"
    static let reproduceFlags = "--oci/--manifest/--compose"

    static func composeAudit(_ e: StageEvidence, _ c: inout Conditions, what: String) -> ComposeAudit? {
        guard let a = e.compose else {
            c.unknown("\(what): no app configuration to audit (give --app-compose, or evidence that carries it)", "compose")
            return nil
        }
        if e.composeSource == "unattested app-compose" {
            c.unknown("\(what): the app-compose given is not tied to the quote (attest compose.hash did not pass)",
                      toMeet: "supply the app-compose whose sha256 the quote measures", "attest:compose.hash")
        }
        return a
    }

    // S1.1: measurement authorized on-chain, attestation verified by the KMS.
    static func s1_1(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        if let a = e.report("attest") {
            switch a.verdict {
            case .pass: c.pass("the quote verifies (attest pass)", "attest")
            case .fail: c.fail("the attestation fails: \(a.checks.first { $0.status == .fail }.map { "\($0.id): \($0.summary)" } ?? "")", "attest")
            case .inconclusive: c.unknown("the attestation is inconclusive: \(a.checks.first { $0.status == .skip && $0.required }.map { "\($0.id): \($0.summary)" } ?? "")", "attest")
            }
            if let kp = e.fact("attest", "key_provider"), let name = kp["name"]?.stringValue {
                if name.lowercased() == "kms" { c.pass("keys come from a KMS (key provider \(name))", "attest:key_provider") }
                else { c.fail("keys come from the \(name) key provider, not a KMS that enforces on-chain authorization",
                              toMeet: "deploy with kms_enabled and an on-chain DstackKms", "attest:key_provider") }
            } else if a.verdict == .pass {
                c.unknown("the key provider is not measured in the event log", "attest:key_provider")
            }
        } else {
            c.unknown(e.missing("attest", attestFlags), "attest")
        }
        c.require(e, "appauth", "appauth.exists", what: "the app has an on-chain AppAuth", flags: appauthFlags)
        c.require(e, "appauth", "appauth.running_allowed", what: "the running compose hash is allowed on-chain", flags: appauthFlags + " (and attest evidence)",
                  toMeet: "the running compose hash must be registered in the AppAuth")
        if e.report("chain-boot") != nil {
            c.require(e, "chain-boot", "chain.boot_kms", what: "the KMS would let this boot", flags: "--kms")
        }
        return c
    }

    // S1.2: every image is pinned and maps to public source.
    static func s1_2(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        if let a = composeAudit(e, &c, what: "images") {
            let bad = a.services.filter { $0.builds || !$0.pinned }
            if bad.isEmpty && !a.services.isEmpty { c.pass("every service image is pinned by digest", "compose") }
            for s in bad {
                c.fail(s.builds ? "service \(s.name) is built inside the CVM (build:): its code is not a published, auditable image"
                                : "service \(s.name) uses \(s.image ?? "no image") without an @sha256 digest: the operator can swap it",
                       toMeet: "pin every image as repo@sha256:<digest> built from public source", "compose")
            }
        }
        c.require(e, "reproduce", "reproduce.manifest.link", what: "the image maps to a published build manifest", flags: reproduceFlags,
                  toMeet: "publish a build manifest (source commit, image digest) and give it with --manifest")
        return c
    }

    // S1.3: compose hash recomputed from the public app-compose; images reproduced; OS registers known.
    static func s1_3(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        c.require(e, "attest", "compose.hash", what: "the compose hash is recomputed from the app-compose", flags: attestFlags + " with --app-compose")
        c.require(e, "attest", "os.measurement", what: "the OS registers equal a trusted OS reference", flags: attestFlags + " with --os-ref",
                  toMeet: "give the published OS image's reference registers with --os-ref")
        if let level = e.fact("reproduce", "level")?.stringValue {
            if level == "loose" || level == "strict" { c.pass("images reproduce (level \(level))", "reproduce:level") }
            else { c.fail("the image build is not reproducible (level \(level))", toMeet: "make the build reproducible (SOURCE_DATE_EPOCH, pinned bases, npm ci) and show it with reproduce --rebuild or two archives", "reproduce:level") }
        } else {
            c.unknown("image reproducibility: \(e.missing("reproduce", reproduceFlags))", "reproduce:level")
        }
        return c
    }

    // S1.4: secrets come from the KMS, the operator cannot inject or read them.
    static func s1_4(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        if let a = composeAudit(e, &c, what: "secrets") {
            switch a.kmsEnabled {
            case true?: c.pass("kms_enabled: keys are derived by the KMS", "compose:kms_enabled")
            case false?: c.fail("kms_enabled is false: keys do not come from a KMS", toMeet: "enable the KMS (kms_enabled: true)", "compose:kms_enabled")
            case nil: c.unknown("the configuration does not say whether the KMS is enabled (a plain docker-compose)", "compose:kms_enabled")
            }
            let secret = a.secretLikeEnvs
            if !secret.isEmpty {
                c.fail("allowed_envs lets the operator inject \(secret.joined(separator: ", "))", toMeet: "derive secrets in the TEE (getKey) instead of passing them as env", "compose:allowed_envs")
            }
            if a.preLaunchScript != nil {
                c.unknown("a pre_launch_script runs before the app: it must be reviewed by a person (--manual S1.4=…)", "compose:pre_launch_script")
            }
        }
        if e.report("keys") != nil {
            c.require(e, "keys", "keys.kms_root", what: "the app's keys chain to the trusted KMS root", flags: "--kms-root")
        }
        return c
    }

    // S1.5: a notice period on every path to new code.
    static func s1_5(_ e: StageEvidence) -> Conditions {
        var c = Conditions()
        c.require(e, "appauth", "appauth.notice_period", what: "notice on every upgrade path", flags: appauthFlags,
                  toMeet: "put the AppAuth (and its proxy admin) behind a timelock of at least \(e.policy.minNotice / 86_400) days")
        c.require(e, "appauth", "appauth.instant_path", what: "no instant upgrade path", flags: appauthFlags,
                  toMeet: "remove every instant path: owner an EOA or Safe without timelock can add a compose hash at once")
        return c
    }
}
