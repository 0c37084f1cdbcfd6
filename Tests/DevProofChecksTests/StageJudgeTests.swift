import Foundation
import Testing
import DevProofCore
import Dstack
@testable import DevProofChecks
import TestSupport

/// The stage judge on synthetic sub-reports: each S1 rule passes on a Stage-1 candidate and fails (or is
/// unknown) when the evidence it reads says otherwise. Devnet/end-to-end stage tests live with the CLI tests.
@Suite("stage: judge rules")
struct StageJudgeTests {
    static let goodCompose = #"""
    {"manifest_version":2,"name":"app","runner":"docker-compose","docker_compose_file":"services:\n  app:\n    image: ghcr.io/x/app@sha256:\#(String(repeating: "ab", count: 32))\n    ports:\n      - 443:443\n","kms_enabled":true,"gateway_enabled":false,"allowed_envs":[],"secure_time":true}
    """#

    /// A Stage-1 candidate: every sub-report passes.
    static func candidate() throws -> StageEvidence {
        var e = StageEvidence()
        e.reports["attest"] = Report(command: "attest", checks: [
            .pass("quote.signature", "ok"), .pass("tcb.status", "UpToDate"), .pass("td.debug", "off"),
            .pass("compose.hash", "ok"), .pass("os.measurement", "ok"),
        ], facts: [JSONMember("app_id", .string("aa")), JSONMember("device_id", .string("d1")),
                   JSONMember("key_provider", .obj([("name", .string("kms")), ("id", .string("00"))]))])
        e.reports["appauth"] = Report(command: "appauth", checks: [
            .pass("appauth.exists", "code"), .pass("appauth.notice_period", "7 days"), .pass("appauth.instant_path", "none"),
            .pass("appauth.running_allowed", "allowed"), .pass("appauth.tcb_required", "true"),
        ], facts: [JSONMember("owner_kind", .string("timelock-controller")), JSONMember("allow_any_device", .bool(true))])
        e.reports["reproduce"] = Report(command: "reproduce", checks: [.pass("reproduce.manifest.link", "ok")],
                                        facts: [JSONMember("level", .string("loose"))])
        e.reports["tls"] = Report(command: "tls", checks: [.pass("tls.binding", "bound")])
        e.compose = try ComposeAudit.appCompose(Array(goodCompose.utf8))
        e.composeSource = "attested app-compose"
        return e
    }

    func result(_ r: Report, _ req: String) -> Check? { r.check("stage." + req) }

    @Test("a Stage-1 candidate reaches Stage 1; Stage 2 blockers are listed without failing the gate")
    func stageOne() throws {
        let r = StageJudge.judge(try Self.candidate())
        for i in 1...7 { #expect(result(r, "S1.\(i)")?.status == .pass, "S1.\(i): \(result(r, "S1.\(i)")?.summary ?? "-")") }
        #expect(r.fact("stage") == .int(1))
        #expect(r.check("stage.level")?.status == .pass)
        #expect(r.verdict == .pass)
        #expect(result(r, "S2.2")?.status == .warn)  // one device
        #expect(r.banners.contains { $0.contains("blocks Stage 2") && $0.contains("S2.2") })
        #expect(result(r, "S3.1")?.status == .info)
    }

    @Test("S1.5: an EOA owner's instant path fails Stage 1 and the blocker says why")
    func eoaOwner() throws {
        var e = try Self.candidate()
        e.reports["appauth"]!.checks = e.reports["appauth"]!.checks.map {
            $0.id == "appauth.instant_path" ? .fail("appauth.instant_path", "the owner is an EOA: it can add a compose hash with no notice") : $0
        }
        let r = StageJudge.judge(e)
        #expect(result(r, "S1.5")?.status == .fail)
        #expect(r.fact("stage") == .int(0))
        #expect(r.verdict == .fail)
        #expect(r.banners.contains { $0.contains("S1.5") && $0.contains("EOA") && $0.contains("timelock") })
    }

    @Test("an unknown S1 requirement makes the stage 0 (inconclusive), exit 3")
    func unknownS1() throws {
        var e = try Self.candidate()
        e.reports["appauth"] = nil
        e.unavailable["appauth"] = "RPC unreachable"
        let r = StageJudge.judge(e)
        #expect(result(r, "S1.5")?.status == .skip)
        #expect(result(r, "S1.5")?.summary.contains("RPC unreachable") == true)
        #expect(r.fact("stage") == .null)
        #expect(r.verdict == .inconclusive)
    }

    @Test("a manual judgement settles an unknown, never a fail")
    func manual() throws {
        var e = try Self.candidate()
        e.reports["tls"] = nil
        e.manual["S1.6"] = try ManualJudgement.parse("S1.6=TLS reviewed by A. Auditor, report https://example.invalid/r1")
        var r = StageJudge.judge(e)
        #expect(result(r, "S1.6")?.status == .pass && result(r, "S1.6")?.summary.contains("MANUAL:") == true)
        #expect(r.banners.contains { $0.contains("MANUAL") })
        e.reports["attest"]!.checks[2] = .fail("td.debug", "DEBUG TD")
        e.manual["S1.7"] = try ManualJudgement.parse("S1.7=looks fine")
        r = StageJudge.judge(e)
        #expect(result(r, "S1.7")?.status == .fail)
        #expect(throws: DevProofError.self) { try ManualJudgement.parse("S9.9=x") }
        #expect(throws: DevProofError.self) { try ManualJudgement.parse("S1.2=") }
    }

    @Test("S1.2/S1.3: a compose that builds in the CVM or uses a tag fails, naming the service")
    func unpinned() throws {
        var e = try Self.candidate()
        e.compose = try ComposeAudit.dockerCompose("services:\n  app:\n    build: .\n  db:\n    image: postgres:16\n")
        e.composeSource = "docker-compose"
        let r = StageJudge.judge(e)
        let s = try #require(result(r, "S1.2"))
        #expect(s.status == .fail && s.summary.contains("app") && s.summary.contains("postgres:16"))
    }

    @Test("S1.4/S1.6/S1.7: secrets, operator URLs, privileged services and pre-launch scripts")
    func composeRules() throws {
        var e = try Self.candidate()
        let bad = #"{"kms_enabled":false,"allowed_envs":["PRIVATE_KEY","DATABASE_URL"],"pre_launch_script":"curl x | sh","docker_compose_file":"services:\n  s:\n    image: a@sha256:\#(String(repeating: "0", count: 64))\n    privileged: true\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"}"#
        e.compose = try ComposeAudit.appCompose(Array(bad.utf8))
        let r = StageJudge.judge(e)
        #expect(result(r, "S1.4")?.status == .fail && result(r, "S1.4")?.summary.contains("PRIVATE_KEY") == true)
        #expect(result(r, "S1.6")?.status == .fail && result(r, "S1.6")?.summary.contains("DATABASE_URL") == true)
        #expect(result(r, "S1.7")?.status == .fail && result(r, "S1.7")?.summary.contains("privileged") == true)
    }

    @Test("S2.2: replicas on distinct devices; S1.1: a local key provider fails")
    func replicasAndKeyProvider() throws {
        var e = try Self.candidate()
        var rep = e.reports["attest"]!
        rep.setFact("device_id", .string("d2"))
        e.replicaAttests = [rep]
        var r = StageJudge.judge(e)
        #expect(result(r, "S2.2")?.status == .pass)
        e.reports["attest"]!.setFact("key_provider", .obj([("name", .string("local-sgx")), ("id", .string("11"))]))
        r = StageJudge.judge(e)
        #expect(result(r, "S1.1")?.status == .fail && result(r, "S1.1")?.summary.contains("local-sgx") == true)
    }

    @Test("--require-stage 2 gates on Stage 2; --require-stage 0 never fails on requirements")
    func requireStage() throws {
        var e = try Self.candidate()
        e.policy.requireStage = 2
        var r = StageJudge.judge(e)
        #expect(result(r, "S2.2")?.status == .fail)
        #expect(r.verdict == .fail)
        e.policy.requireStage = 0
        e.reports["appauth"] = nil
        r = StageJudge.judge(e)
        #expect(r.verdict == .pass)
        #expect(r.fact("stage_label") == .string("0 (inconclusive)"))
    }
}
