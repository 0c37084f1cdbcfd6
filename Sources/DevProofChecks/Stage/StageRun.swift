import DevProofCore
import Dstack
import Foundation

/// What `devproof stage` was given, already parsed. Sub-command arguments are built from it; the
/// attest pipeline flags arrive pre-serialized (`attestArgs`) so they reach every quote-verifying
/// sub-command exactly as the user wrote them.
public struct StageOptions: Sendable {
    public var evidence: [String] = []
    public var appCompose: String?
    public var attestArgs: [String] = []
    public var tlsURL: String?
    public var tlsCert: String?
    public var rpc: [String] = []
    public var rpcArgs: [String] = []
    public var app: String?
    public var kms: String?
    public var oci: [String] = []
    public var manifest: String?
    public var compose: String?
    public var dockerfile: String?
    public var keysResponse: String?
    public var kmsRoot: String?
    public var manual: [ManualJudgement] = []
    public var policy = StagePolicy()
    public var now: Int64
    public init(now: Int64) { self.now = now }
}

/// Runs one sub-command (argv without the program name) and returns its report. Provided by the CLI
/// (a child process of the same binary, so a sub-report is exactly what the standalone command prints).
/// Throws `unavailable` when the command produced no report, `usage`/`malformed` for bad input.
public typealias SubcommandExecutor = @Sendable (_ name: String, _ argv: [String]) throws -> Report

/// The reader of `devproof stage`: runs the sub-commands the inputs allow, audits the configuration the
/// quote measured, and hands everything to the pure `StageJudge`.
public enum StageRun {
    /// The sub-command invocations for these options, in order (name, argv). Names are unique
    /// ("attest", "attest.2", …) so a bundle can replay each one on its own.
    /// appauth learns the running compose hash from the primary attest report, and only when that report
    /// passed: the hash must be the measured one, never the evidence's claim.
    public static func plan(_ o: StageOptions, attest: Report? = nil) -> [(String, [String])] {
        let now = ["--now", String(o.now)]
        var out: [(String, [String])] = []
        for (i, ev) in o.evidence.enumerated() {
            var a = ["attest", "--evidence", ev] + o.attestArgs + now
            if i == 0, let c = o.appCompose { a += ["--app-compose", c] }
            out.append((i == 0 ? "attest" : "attest.\(i + 1)", a))
        }
        if let app = o.app, !o.rpc.isEmpty {
            var a = ["appauth", "--app", app] + o.rpc.flatMap { ["--rpc", $0] } + o.rpcArgs
            a += ["--min-notice", String(o.policy.minNotice), "--now", String(o.now)]
            if let a0 = attest, a0.verdict == .pass, let h = a0.fact("compose_hash")?.stringValue { a += ["--compose-hash", h] }
            out.append(("appauth", a))
        }
        if !o.oci.isEmpty || o.manifest != nil || o.compose != nil || o.appCompose != nil {
            var a = ["reproduce"] + o.oci.flatMap { ["--oci", $0] }
            if let m = o.manifest { a += ["--manifest", m] }
            if let c = o.compose { a += ["--compose", c] } else if let c = o.appCompose { a += ["--app-compose", c] }
            if let d = o.dockerfile { a += ["--dockerfile", d] }
            out.append(("reproduce", a))
        }
        if let u = o.tlsURL { out.append(("tls", ["tls", "--url", u] + o.attestArgs + now)) }
        else if let c = o.tlsCert { out.append(("tls", ["tls", "--cert", c] + o.attestArgs + now)) }
        if let k = o.keysResponse {
            var a = ["keys", "--response", k] + now
            if let r = o.kmsRoot { a += ["--kms-root", r] }
            out.append(("keys", a))
        }
        return out
    }

    public static func run(_ o: StageOptions, executor: SubcommandExecutor,
                           onPlanned: ((String, [String]) throws -> Void)? = nil) throws -> Report {
        var e = StageEvidence()
        e.policy = o.policy
        for m in o.manual { e.manual[m.requirement] = m }
        var attestReport: Report?
        func execute(_ name: String, _ argv: [String]) throws {
            try onPlanned?(name, argv)
            let base = String(name.split(separator: ".").first ?? Substring(name))
            do {
                let r = try executor(name, argv)
                switch name {
                case "attest": e.reports["attest"] = r; attestReport = r
                case _ where base == "attest": e.replicaAttests.append(r)
                default: e.reports[base] = r
                }
            } catch let err as DevProofError {
                guard case .unavailable(let why) = err else { throw err }
                e.unavailable[base] = why
            }
        }
        // Attest first: the later steps take the measured compose hash from its report.
        for (name, argv) in plan(o) where name.hasPrefix("attest") { try execute(name, argv) }
        for (name, argv) in plan(o, attest: attestReport) where !name.hasPrefix("attest") { try execute(name, argv) }
        (e.compose, e.composeSource) = try audit(o, attest: attestReport)
        return StageJudge.judge(e)
    }

    /// The configuration to audit: the app-compose the quote measured (its sha256 must be attest's
    /// verified compose hash), or a plain docker-compose (unmeasured; says so).
    static func audit(_ o: StageOptions, attest: Report?) throws -> (ComposeAudit?, String?) {
        var raw: Bytes?
        if let p = o.appCompose { raw = try InputFile.read(p, what: "app-compose") }
        else if let ev = o.evidence.first, let bytes = try? InputFile.read(ev, what: "evidence"),
                let d = try? DstackEvidence.detect(bytes, name: ev) { raw = d.appCompose }
        if let raw {
            let measured = attest?.check("compose.hash")?.status == .pass
                && attest?.fact("compose_hash")?.stringValue?.lowercased() == Digest.sha256(raw).hex
            return (try ComposeAudit.appCompose(raw), measured ? "attested app-compose" : "unattested app-compose")
        }
        if let c = o.compose {
            let text = String(decoding: try InputFile.read(c, what: "docker-compose"), as: UTF8.self)
            return (try ComposeAudit.dockerCompose(text), "docker-compose")
        }
        return (nil, nil)
    }
}
