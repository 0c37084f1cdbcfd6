import DevProofCore
import Foundation
import Testing
import TestSupport

@Suite("e2e: appauth CLI")
struct AppAuthCLITests {
    @Test func unreachableRPCIsInconclusive() throws {
        // Unreachable: the full report is still printed (was: nothing on stdout), rpc.block skip with the reason, exit 3.
        let r = try Run.devproof(["appauth", "--app", "0x00000000000000000000000000000000000a9900", "--rpc", "http://127.0.0.1:9", "--json", "--rpc-timeout", "3"])
        #expect(r.status == 3, "\(r.stdout)\(r.stderr)")
        let j = try json(r)
        #expect(j["verdict"]?.stringValue == "inconclusive")
        let pin = j["checks"]?.arrayValue?.first { $0["id"]?.stringValue == "rpc.block" }
        #expect(pin?["status"]?.stringValue == "skip")
        #expect(pin?["summary"]?.stringValue?.contains("127.0.0.1:9") == true)
        let human = try Run.devproof(["appauth", "--app", "0x00000000000000000000000000000000000a9900", "--rpc", "http://127.0.0.1:9"])
        #expect(human.status == 3)
        #expect(human.stdout.contains("rpc.block"))
    }

    @Test func offlineIsAUsageErrorAndEthRpcUrlIsTheDefault() throws {
        let app = "0x00000000000000000000000000000000000a9900"
        for args in [["appauth", "--app", app, "--rpc", "http://127.0.0.1:9", "--offline"],
                     ["chain", "boot", "--app", app, "--rpc", "http://127.0.0.1:9", "--offline"],
                     ["chain", "history", "--app", app, "--rpc", "http://127.0.0.1:9", "--offline"]] {
            let r = try Run.devproof(args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains("--offline is not offered"), "\(r.stderr)")
        }
        // ETH_RPC_URL stands in for --rpc (Foundry's convention): the run reaches that provider.
        let env = try Run.devproof(["appauth", "--app", app, "--json", "--rpc-timeout", "3"], env: ["ETH_RPC_URL": "http://127.0.0.1:9"])
        #expect(env.status == 3)
        #expect(env.stdout.contains("127.0.0.1:9"))
        // keys uses --rpc only with --kms-contract; ETH_RPC_URL alone does not make an unused flag.
        #expect(try Run.devproof(["keys", "--response", "/nonexistent.json", "--app-id", String(repeating: "ab", count: 20), "--simulator"],
                                 env: ["ETH_RPC_URL": "http://127.0.0.1:9"]).status == 2)
        let unused = try Run.devproof(["keys", "--response", "/nonexistent.json", "--app-id", String(repeating: "ab", count: 20), "--simulator",
                                       "--block", "5"])
        #expect(unused.status == 2)
        #expect(unused.stderr.contains("only used with --kms-contract"))
    }

    @Test func usageErrorsExit2() throws {
        #expect(try Run.devproof(["appauth", "--rpc", "http://127.0.0.1:9"]).status == 2)
        #expect(try Run.devproof(["appauth", "--app", "0x12", "--rpc", "http://127.0.0.1:9"]).status == 2)
        #expect(try Run.devproof(["appauth", "--app", "0x00000000000000000000000000000000000a9900", "--rpc", "http://127.0.0.1:9",
                                  "--min-notice", "a week"]).status == 2)
        #expect(try Run.devproof(["appauth", "--app", "0x00000000000000000000000000000000000a9900", "--rpc", "ftp://x"]).status == 2)
    }

    func json(_ r: ProcessResult) throws -> JSONValue { try JSONParser.parse(r.stdout) }

    @Test func devnetPassExit0() throws {
        let net = try Devnet.shared("default")
        let r = try Run.devproof(["appauth", "--app", try net.address("app_timelock_owner"), "--rpc", net.url, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r)
        #expect(j["schema"] == .string("devproof.report/v1"))
        #expect(j["command"] == .string("appauth"))
        #expect(j["verdict"] == .string("pass"))
        #expect(j["facts"]?["owner_kind"] == .string("timelock-controller"))
        #expect(j["facts"]?["notice_seconds"] == .number("691200"))
        let ids = j["checks"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        for id in ["appauth.exists", "appauth.kind", "appauth.owner", "appauth.notice_period", "appauth.instant_path",
                   "appauth.pending", "appauth.allowed_hashes", "appauth.devices", "appauth.tcb_required", "appauth.running_allowed"] {
            #expect(ids.contains(id), "missing \(id)")
        }
    }

    @Test func devnetFailExit1() throws {
        let net = try Devnet.shared("default")
        let r = try Run.devproof(["appauth", "--app", try net.address("app_instant"), "--rpc", net.url, "--json", "--min-notice", "36h"])
        #expect(r.status == 1)
        let j = try json(r)
        #expect(j["verdict"] == .string("fail"))
        #expect(j["facts"]?["min_notice_seconds"] == .number("129600"))
        let notice = j["checks"]?.arrayValue?.first { $0["id"] == .string("appauth.notice_period") }
        #expect(notice?["status"] == .string("fail"))
        // Human output names the failing check too.
        let h = try Run.devproof(["appauth", "--app", try net.address("app_instant"), "--rpc", net.url])
        #expect(h.status == 1)
        #expect(h.stdout.contains("appauth.notice_period"))
    }

    @Test func devnetFromAttestReport() throws {
        let net = try Devnet.shared("default")
        let app = try net.address("app_instant")
        let h1 = (net.fact("compose_hashes.H1") as? String ?? "").dropFirst(2)
        let dir = TestPaths.tempDir("appauth-attest")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ appId: String, _ hash: Substring, verdict: String = "pass") throws -> String {
            let path = dir.appendingPathComponent("attest-\(appId.prefix(6))-\(hash.prefix(6))-\(verdict).json").path
            let text = "{\"schema\":\"devproof.report/v1\",\"tool\":{\"name\":\"devproof\",\"version\":\"0\"},\"command\":\"attest\","
                + "\"verdict\":\"\(verdict)\",\"checks\":[],\"facts\":{\"app_id\":\"\(appId)\",\"compose_hash\":\"\(hash)\"}}"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let good = try write(String(app.lowercased().dropFirst(2)), h1)
        let r = try Run.devproof(["appauth", "--app", app, "--rpc", net.url, "--from-attest", good, "--json"])
        let running = try json(r)["checks"]?.arrayValue?.first { $0["id"] == .string("appauth.running_allowed") }
        #expect(running?["status"] == .string("pass"))
        // A report for another app contradicts the audit.
        let other = try write(String(repeating: "ab", count: 20), h1)
        let o = try Run.devproof(["appauth", "--app", try net.address("app_renounced"), "--rpc", net.url, "--from-attest", other, "--json"])
        #expect(o.status == 1)
        // Not an attest report: exit 2.
        let notReport = dir.appendingPathComponent("x.json").path
        try Data("{}".utf8).write(to: URL(fileURLWithPath: notReport))
        #expect(try Run.devproof(["appauth", "--app", app, "--rpc", net.url, "--from-attest", notReport]).status == 2)
    }
}
