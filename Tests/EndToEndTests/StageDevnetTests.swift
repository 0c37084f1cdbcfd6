import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof stage` through the binary on the devnet's "stage" scenario: the project's own v2 evidence
/// (TEST PKI collateral) plus real AppAuth contracts. Each case lands on the stage the spec's rules give,
/// with the blocking requirement named; a collected bundle replays offline to the same report.
@Suite("e2e: stage on the devnet", .serialized)
struct StageDevnetTests {
    static let F = TestPaths.fixtures.path
    static var evidence: [String] {
        ["--evidence", F + "/dstack/v2/info.json", "--os-ref", F + "/dstack/v2/os-ref.json",
         "--collateral", F + "/dcap/collateral-tdx.json", "--root-ca", F + "/dcap/pki/root-ca.der", "--now", "1768435200"]
    }

    func stage(_ net: Devnet, app: String, _ extra: [String] = []) throws -> (ProcessResult, JSONValue) {
        let r = try Run.devproof(["stage"] + Self.evidence + ["--rpc", net.url, "--app", try net.address(app), "--json"] + extra)
        return (r, try JSONParser.parse(r.stdout))
    }
    func status(_ j: JSONValue, _ req: String) -> String? {
        j["checks"]?.arrayValue?.first { $0["id"] == .string("stage." + req) }?["status"]?.stringValue
    }

    @Test("timelock-owned app, running hash allowed: S1.1 and S1.5 pass; S1.2/S1.3/S1.6 unknown without their evidence")
    func candidate() throws {
        let net = try Devnet.shared("stage")
        let (r, j) = try stage(net, app: "stage_candidate")
        #expect(status(j, "S1.1") == "pass", "\(r.stdout.prefix(3000))")
        #expect(status(j, "S1.5") == "pass")
        #expect(status(j, "S1.4") == "pass" && status(j, "S1.7") == "pass")
        #expect(status(j, "S1.6") == "skip")
        #expect(status(j, "S2.3") == "pass" && status(j, "S2.7") == "pass")
        #expect(r.status == 3, "unknown S1 requirements: inconclusive")
        #expect(j["facts"]?["stage_label"] == .string("0 (inconclusive)"))
        // With the missing judgements made by a person, the app reaches Stage 1.
        let (m, mj) = try stage(net, app: "stage_candidate", ["--manual", "S1.2=images reviewed by T. Tester",
                                                              "--manual", "S1.3=rebuilt by T. Tester", "--manual", "S1.6=TLS checked by T. Tester"])
        #expect(m.status == 0, "\(m.stdout.prefix(2000))")
        #expect(mj["facts"]?["stage"] == .number("1"))
        #expect(mj["banners"]?.arrayValue?.contains { $0.stringValue?.contains("MANUAL") == true } == true)
    }

    @Test("an EOA or a Safe without timelock fails S1.5: Stage 0, exit 1, the blocker says why")
    func instantOwners() throws {
        let net = try Devnet.shared("stage")
        for app in ["stage_eoa", "stage_safe"] {
            let (r, j) = try stage(net, app: app)
            #expect(status(j, "S1.5") == "fail", "\(app)")
            #expect(r.status == 1, "\(app)")
            #expect(j["facts"]?["stage"] == .number("0"))
            let blockers = j["banners"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(blockers.contains { $0.contains("S1.5") && $0.contains("timelock") }, "\(blockers)")
        }
    }

    @Test("the running compose hash not allowed on-chain fails S1.1; device allow-list and no TCB policy: S2 not met")
    func otherHash() throws {
        let net = try Devnet.shared("stage")
        let (r, j) = try stage(net, app: "stage_other_hash")
        #expect(status(j, "S1.1") == "fail")
        #expect(r.status == 1)
        let (_, d) = try stage(net, app: "stage_devices")
        #expect(status(d, "S2.7") == "warn" && status(d, "S2.3") == "warn")
    }

    @Test("collect writes a bundle that replays offline to the same report; a tampered bundle is refused before judging")
    func bundleReplay() throws {
        let net = try Devnet.shared("stage")
        let dir = TestPaths.tempDir("stage-bundle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("b").path
        let c = try Run.devproof(["collect", "--out", out] + Self.evidence + ["--rpc", net.url, "--app", try net.address("stage_eoa"), "--json"])
        #expect(c.status == 1, "\(c.stderr)")
        var online = try JSONParser.parse(c.stdout)
        // Replay: no --rpc reachable at all (the devnet URL is not given; the bundle answers).
        let r = try Run.devproof(["stage", "--bundle", out, "--json"])
        #expect(r.status == 1, "\(r.stderr)")
        let replay = try JSONParser.parse(r.stdout)
        // collect adds where the bundle went; everything else is identical.
        if case .object(var m) = online {
            m = m.map { member in
                switch member.key {
                case "facts": return JSONMember("facts", .object((member.value.objectValue ?? []).filter { $0.key != "bundle" }))
                case "banners": return JSONMember("banners", .array((member.value.arrayValue ?? []).filter { $0.stringValue?.hasPrefix("bundle written") != true }))
                default: return member
                }
            }
            online = .object(m)
        }
        #expect(online == replay)
        // Each step replays on its own too.
        let a = try Run.devproof(["appauth", "--bundle", out, "--json"])
        #expect(a.status == 1 && a.stdout.contains("appauth.instant_path"))
        // Tamper with one recorded RPC answer: exit 2 naming the file, nothing judged.
        let net0 = URL(fileURLWithPath: out).appendingPathComponent("net/appauth")
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: net0.path).sorted().first { $0.hasSuffix(".resp") })
        let p = net0.appendingPathComponent(first).path
        var bytes = try InputFile.read(p)
        bytes[bytes.count / 2] ^= 1
        try InputFile.write(p, bytes)
        let t = try Run.devproof(["stage", "--bundle", out, "--json"])
        #expect(t.status == 2 && t.stdout.isEmpty)
        #expect(t.stderr.contains(first) && t.stderr.contains("tampered"))
    }

    @Test("the tutorial's own compose files never reach Stage 1: they build inside the CVM")
    func tutorialComposes() throws {
        guard let dir = TestPaths.corpusFile("tutorial") else { return }
        for section in ["01-attestation-and-reference-values", "03-keys-and-replication", "05-onchain-authorization", "07-lightclient"] {
            let r = try Run.devproof(["stage", "--compose", dir + "/\(section)/docker-compose.yaml", "--json"])
            let j = try JSONParser.parse(r.stdout)
            #expect(status(j, "S1.2") == "fail", "\(section)")
            #expect(r.status == 1, "\(section)")
        }
    }

    @Test("--phala-app: every instance from the (stand-in) Phala Cloud API is attested; an unknown app is inconclusive; collect replays it")
    func phalaCloud() throws {
        let v2 = Self.F + "/dstack/v2/getquote.json"
        let appId = "8fec3a110c6df38d348bcadaef23a486a6d393b0"
        let server = try LocalServer(script: "phala_api_stub.py", args: [appId, v2, v2])
        let base = server.baseURL + "/api/v1"
        let common = ["--os-ref", Self.F + "/dstack/v2/os-ref.json", "--collateral", Self.F + "/dcap/collateral-tdx.json",
                      "--root-ca", Self.F + "/dcap/pki/root-ca.der", "--now", "1768435200", "--phala-api", base, "--json"]
        let r = try Run.devproof(["stage", "--phala-app", appId] + common)
        let j = try JSONParser.parse(r.stdout)
        #expect(j["facts"]?["sub_reports"]?["attest"] == .string("pass"), "\(r.stderr)")
        // The same instance twice: one device, so S2.2 is not met (two replicas need distinct devices).
        #expect(status(j, "S2.2") == "warn")
        let unknown = try Run.devproof(["stage", "--phala-app", String(repeating: "1", count: 40)] + common)
        #expect(unknown.status == 3 && unknown.stderr.contains("HTTP 500"))
        #expect(try Run.devproof(["stage", "--phala-app", "0x12"] + common).status == 2)
        // collect records the API answer; the replay needs no server.
        let dir = TestPaths.tempDir("phala-bundle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("b").path
        let c = try Run.devproof(["collect", "--out", out, "--phala-app", appId] + common)
        #expect(c.status == 3, "\(c.stderr)")
        server.stop()
        let replay = try Run.devproof(["stage", "--bundle", out, "--json"])
        #expect(replay.status == 3)
        #expect(try JSONParser.parse(replay.stdout)["facts"]?["sub_reports"]?["attest"] == .string("pass"), "\(replay.stderr)")
    }

    @Test("on the devnet candidate, an app-compose with operator secrets, an operator URL and a privileged service fails S1.3, S1.4, S1.6 and S1.7")
    func badCompose() throws {
        let net = try Devnet.shared("stage")
        let dir = TestPaths.tempDir("stage-bad-compose")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("app-compose.json").path
        let compose = #"{"manifest_version":2,"name":"bad","runner":"docker-compose","kms_enabled":false,"allowed_envs":["PRIVATE_KEY","DATABASE_URL"],"docker_compose_file":"services:\n  app:\n    image: ghcr.io/x/app@sha256:"# + String(repeating: "ab", count: 32) + #"\n    privileged: true\n  ssh:\n    image: linuxserver/openssh-server@sha256:"# + String(repeating: "cd", count: 32) + #"\n    ports:\n      - 2222:22\n"}"#
        try InputFile.write(bad, Array(compose.utf8))
        let (r, j) = try stage(net, app: "stage_candidate", ["--app-compose", bad])
        #expect(r.status == 1)
        // Not the compose the quote measured: compose.hash fails, so S1.3 (and S1.1, through attest) fail.
        #expect(status(j, "S1.3") == "fail")
        #expect(status(j, "S1.4") == "fail")
        #expect(status(j, "S1.6") == "fail")
        #expect(status(j, "S1.7") == "fail")
        let checks = j["checks"]?.arrayValue ?? []
        func summary(_ req: String) -> String { checks.first { $0["id"] == .string("stage." + req) }?["summary"]?.stringValue ?? "" }
        #expect(summary("S1.4").contains("PRIVATE_KEY") && summary("S1.4").contains("kms_enabled is false"))
        #expect(summary("S1.6").contains("DATABASE_URL"))
        #expect(summary("S1.7").contains("privileged") && summary("S1.7").contains("SSH"))
    }
}
