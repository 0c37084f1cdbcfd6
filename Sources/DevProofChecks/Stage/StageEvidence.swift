import DevProofCore
import Dstack

/// Everything `devproof stage` decides from, gathered by the reader (StageRun) and judged by the pure
/// `StageJudge`: the sub-commands' reports, why a sub-command could not run, the configuration audit, the
/// auditor's manual judgements and policy.
public struct StageEvidence: Sendable {
    /// The first report per command ("attest", "appauth", "chain-boot", "keys", "reproduce", "tls",
    /// "lightclient", "freshness").
    public var reports: [String: Report] = [:]
    /// More attest reports of the same app (replicas), for S2.2.
    public var replicaAttests: [Report] = []
    /// Commands that were asked for but could not produce a report, with the reason (unreachable, …).
    public var unavailable: [String: String] = [:]
    /// The app's configuration, audited only when attest's `compose.hash` tied it to the quote, or when
    /// it was given as a plain docker-compose (then it is unmeasured and says so).
    public var compose: ComposeAudit?
    /// Where `compose` came from: "attested app-compose", "unattested app-compose", "docker-compose".
    public var composeSource: String?
    public var manual: [String: ManualJudgement] = [:]
    public var policy = StagePolicy()

    public init() {}

    public func report(_ cmd: String) -> Report? { reports[cmd] }
    public func status(_ cmd: String, _ id: String) -> CheckStatus? { reports[cmd]?.check(id)?.status }
    public func check(_ cmd: String, _ id: String) -> Check? { reports[cmd]?.check(id) }
    public func fact(_ cmd: String, _ key: String) -> JSONValue? {
        guard let v = reports[cmd]?.fact(key), !v.isNull else { return nil }
        return v
    }
    /// Why a command's evidence is absent, in words for an "unknown" summary.
    public func missing(_ cmd: String, _ flags: String) -> String {
        if let why = unavailable[cmd] { return "\(cmd) could not run: \(why)" }
        return "no \(cmd) evidence (give \(flags))"
    }
}

public struct StagePolicy: Sendable, Equatable {
    /// The stage the verdict gates on: requirements of stages ≤ this fail the verdict when not met.
    public var requireStage = 1
    /// Minimum notice period (seconds) for S1.5, as appauth's `--min-notice`.
    public var minNotice: Int64 = 7 * 86_400
    /// Count platform dependencies (dstack gateway, a KMS the developer does not govern) as failures of S1.6.
    public var strictPlatform = false
    public init() {}
}

/// A human judgement recorded with `--manual S1.2="audited by …; report URL"`. It can settle an
/// `unknown` requirement; it never overrides a requirement the evidence fails.
public struct ManualJudgement: Sendable, Equatable {
    public var requirement: String
    public var note: String
    public init(requirement: String, note: String) { self.requirement = requirement; self.note = note }

    /// Parses `S1.2=text`. The requirement must be one of the catalogue's (S1.1–S1.7, S2.1–S2.8, S3.1–S3.3).
    public static func parse(_ s: String) throws -> ManualJudgement {
        guard let eq = s.firstIndex(of: "=") else {
            throw DevProofError.usage("--manual takes REQ=NOTE (e.g. S1.2=\"audited by X; https://…\"), got '\(s)'")
        }
        let req = String(s[..<eq]).trimmingCharacters(in: .whitespaces).uppercased()
        let note = String(s[s.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        guard StageRequirement.all.contains(where: { $0.id == req }) else {
            throw DevProofError.usage("--manual: unknown requirement '\(req)' (S1.1–S1.7, S2.1–S2.8, S3.1–S3.3)")
        }
        guard !note.isEmpty else { throw DevProofError.usage("--manual \(req): the note must say who judged and on what basis") }
        return ManualJudgement(requirement: req, note: note)
    }
}

/// One ERC-733 requirement (tutorial §6).
public struct StageRequirement: Sendable, Equatable {
    public let id: String
    public let stage: Int
    public let title: String
    public var checkID: String { "stage." + id }

    public static let all: [StageRequirement] = [
        .init(id: "S1.1", stage: 1, title: "enclaves attested on-chain"),
        .init(id: "S1.2", stage: 1, title: "code auditable"),
        .init(id: "S1.3", stage: 1, title: "measurement reproducible by the community"),
        .init(id: "S1.4", stage: 1, title: "developer has no access to application secrets"),
        .init(id: "S1.5", stage: 1, title: "upgrades only with a notice period"),
        .init(id: "S1.6", stage: 1, title: "no centralized infrastructure for integrity or privacy"),
        .init(id: "S1.7", stage: 1, title: "no backdoor or debug paths"),
        .init(id: "S2.1", stage: 2, title: "no centralized infrastructure at all"),
        .init(id: "S2.2", stage: 2, title: "multi-TEE deployment"),
        .init(id: "S2.3", stage: 2, title: "responds to TCB updates"),
        .init(id: "S2.4", stage: 2, title: "no TEE vendor lock-in"),
        .init(id: "S2.5", stage: 2, title: "forward secrecy and data opt-out"),
        .init(id: "S2.6", stage: 2, title: "long-term reproducibility"),
        .init(id: "S2.7", stage: 2, title: "permissionless operation"),
        .init(id: "S2.8", stage: 2, title: "governance can veto TCB info; decentralized upgrades"),
        .init(id: "S3.1", stage: 3, title: "MPC key generation and signing"),
        .init(id: "S3.2", stage: 3, title: "independence from the vendor sealing key"),
        .init(id: "S3.3", stage: 3, title: "indistinguishability obfuscation"),
    ]
}

/// The outcome of one requirement before it becomes a report check.
public struct RequirementResult: Sendable, Equatable {
    public enum Status: String, Sendable { case pass, fail, unknown, manual }
    public var requirement: StageRequirement
    public var status: Status
    /// What decided it, in words.
    public var summary: String
    /// The sub-check IDs (as `command:check.id`) and facts it used.
    public var evidence: [String]
    /// For a fail/unknown: what would have to change, in plain words.
    public var toMeet: String?
}
