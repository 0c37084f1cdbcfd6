import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof attest --quote` fetching collateral from a PCS-shaped server on 127.0.0.1 (scripts/pcs_server.py).
enum OnlineCollateral {
    static let dcapIDs = ["collateral.signatures", "collateral.validity", "quote.pck_chain", "quote.signature",
                          "qe.identity", "tcb.status", "td.attributes"]

    static func report(_ r: ProcessResult) throws -> JSONValue { try JSONParser.parse(r.stdout) }
    static func checks(_ j: JSONValue) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for c in j["checks"]?.arrayValue ?? [] { if let id = c["id"]?.stringValue { out[id] = c } }
        return out
    }
    static func status(_ j: JSONValue, _ id: String) -> String? { checks(j)[id]?["status"]?.stringValue }
    /// The checks without volatile parts, for comparing an online run with its offline replay.
    static func checkList(_ j: JSONValue) -> String {
        JSONValue.array(j["checks"]?.arrayValue ?? []).serialized(JSONWriteOptions(sortKeys: true))
    }
    static func requests(_ server: LocalServer) throws -> [String] {
        let body = try HTTPClient(progress: nil).get("\(server.baseURL)/_log").body
        return try JSONParser.parse(body).arrayValue?.compactMap(\.stringValue) ?? []
    }
}

@Suite("attest: online collateral from a loopback PCS (fixtures)", .serialized)
struct OnlineCollateralFixtureTests {
    let quote = TestPaths.fixture("dcap/tdx-v4-valid.quote")
    let root = TestPaths.fixture("dcap/pki/root-ca.der")
    let collateral = TestPaths.fixture("dcap/collateral-tdx.json")
    let now = "1768435200"

    @Test func fetchSaveAndReplayOffline() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateral])
        defer { server.stop() }
        let dir = TestPaths.tempDir("online-coll"); defer { try? FileManager.default.removeItem(at: dir) }
        let saved = dir.appendingPathComponent("saved.json").path
        let online = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--pccs", server.baseURL,
                                       "--now", now, "--save-collateral", saved, "--json"])
        #expect(online.status == 0, "\(online.stderr)\n\(online.stdout)")
        let j = try OnlineCollateral.report(online)
        #expect(j["verdict"]?.stringValue == "pass")
        for id in OnlineCollateral.dcapIDs { #expect(OnlineCollateral.status(j, id) == "pass", "\(id)") }
        #expect(j["facts"]?["collateral_source"]?.stringValue == server.baseURL)
        #expect(try OnlineCollateral.requests(server).count == 4)

        // The saved file is the served collateral, and replaying it offline gives the same checks.
        let want = try InputFile.readJSON(collateral).value, got = try InputFile.readJSON(saved).value
        #expect(Set(got.keys) == Set(want.keys))
        for k in want.keys { #expect(got[k] == want[k], "\(k)") }
        let offline = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--collateral", saved, "--offline",
                                        "--now", now, "--json"])
        #expect(offline.status == 0, "\(offline.stderr)")
        let k = try OnlineCollateral.report(offline)
        #expect(OnlineCollateral.checkList(k) == OnlineCollateral.checkList(j))
        #expect(k["facts"]?["collateral_source"]?.stringValue == "file \(saved)")
        #expect(try OnlineCollateral.requests(server).count == 4, "the replay must not fetch")
    }

    @Test func fetchedCollateralCanFail() throws {
        // Online collateral is verified like a file. An expired PCK CRL served by the PCCS is the source's fault, not
        // the quote's: inconclusive (exit 3), the summary naming the source and the remedies.
        let server = try LocalServer(script: "pcs_server.py", args: [TestPaths.fixture("dcap/collateral-tdx-expired-crl.json")])
        defer { server.stop() }
        let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--pccs", server.baseURL, "--now", now, "--json"])
        #expect(r.status == 3, "\(r.stderr)")
        let j = try OnlineCollateral.report(r)
        #expect(OnlineCollateral.status(j, "collateral.validity") == "skip")
        let s = OnlineCollateral.checks(j)["collateral.validity"]?["summary"]?.stringValue ?? ""
        #expect(s.contains(server.baseURL) && s.contains("refetch") && s.contains("--now") && s.contains("--collateral"), "\(s)")
    }

    @Test func unreachablePCCSIsInconclusive() throws {
        let port = try LocalServer.closedPort()
        let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--pccs", "http://127.0.0.1:\(port)",
                                  "--now", now, "--json"])
        #expect(r.status == 3, "\(r.stderr)")
        let j = try OnlineCollateral.report(r)
        #expect(j["verdict"]?.stringValue == "inconclusive")
        for id in OnlineCollateral.dcapIDs {
            let c = OnlineCollateral.checks(j)[id]
            #expect(c?["status"]?.stringValue == "skip", "\(id)")
            #expect(c?["summary"]?.stringValue?.contains("127.0.0.1:\(port) unreachable after 3 attempts") == true, "\(id)")
        }
        #expect(OnlineCollateral.status(j, "quote.structure") == "pass")
        #expect(r.stderr.contains("(attempt 2/3 in 0.5 s; 127.0.0.1:\(port): Failed to connect"), "progress lines on stderr: \(r.stderr)")
    }

    @Test func serverErrorsEverywhereAreInconclusive() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateral, "--fail-first", "1000"])
        defer { server.stop() }
        let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--pccs", server.baseURL, "--now", now, "--json"])
        #expect(r.status == 3)
        #expect(OnlineCollateral.checks(try OnlineCollateral.report(r))["tcb.status"]?["summary"]?.stringValue?.contains("HTTP 500") == true)
    }

    @Test func transientErrorIsRetried() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateral, "--fail-first", "1"])
        defer { server.stop() }
        let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--pccs", server.baseURL, "--now", now, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("(attempt 2/3 in 0.5 s; 127.0.0.1:\(server.port): HTTP 500)"), "\(r.stderr)")
    }

    @Test func offlineFetchesNothing() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateral])
        defer { server.stop() }
        // --pccs with --offline: the flag would be ignored, so it is a usage error.
        let both = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--pccs", server.baseURL, "--offline", "--now", now])
        #expect(both.status == 2 && both.stderr.contains("--pccs is not used with --offline"), "\(both.stderr)")
        let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--offline", "--now", now, "--json"])
        #expect(r.status == 3)
        let j = try OnlineCollateral.report(r)
        #expect(OnlineCollateral.checks(j)["tcb.status"]?["summary"]?.stringValue?.contains("--offline") == true)
        #expect(try OnlineCollateral.requests(server).isEmpty)
    }

    @Test func collateralFileWinsOverPCCSAndCanBeSaved() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateral])
        defer { server.stop() }
        let dir = TestPaths.tempDir("online-coll"); defer { try? FileManager.default.removeItem(at: dir) }
        let saved = dir.appendingPathComponent("copy.json").path
        // --pccs with --collateral would be ignored: usage error.
        let both = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--collateral", collateral,
                                     "--pccs", server.baseURL, "--now", now])
        #expect(both.status == 2 && both.stderr.contains("--pccs is not used with --collateral"), "\(both.stderr)")
        let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--collateral", collateral,
                                  "--save-collateral", saved, "--now", now, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try OnlineCollateral.requests(server).isEmpty)
        let want = try InputFile.readJSON(collateral).value, got = try InputFile.readJSON(saved).value
        for k in want.keys { #expect(got[k] == want[k], "\(k)") }
    }

    @Test func badPCCSIsAUsageError() throws {
        for bad in ["ftp://127.0.0.1/", "not a url"] {
            let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--pccs", bad, "--now", now])
            #expect(r.status == 2, "\(bad): \(r.stderr)")
            #expect(r.stderr.contains("--pccs"))
        }
    }

    @Test func saveCollateralToUnwritablePathIsError() throws {
        let r = try Run.devproof(["attest", "--quote", quote, "--root-ca", root, "--collateral", collateral,
                                  "--save-collateral", "/nonexistent-dir/x.json", "--now", now])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write"))
    }
}

@Suite("attest: online collateral from a loopback PCS (corpus)", .serialized)
struct OnlineCollateralCorpusTests {
    @Test func corpusTDXQuoteUpToDateAndReplay() throws {
        guard let q = TestPaths.corpusFile("dcap/tdx_quote"), let c = TestPaths.corpusFile("dcap/tdx_quote_collateral.json") else {
            if TestPaths.corpusRequired { Issue.record("corpus required but missing") } else { print("SKIP: corpus absent") }
            return
        }
        let server = try LocalServer(script: "pcs_server.py", args: [c])
        defer { server.stop() }
        let dir = TestPaths.tempDir("online-coll"); defer { try? FileManager.default.removeItem(at: dir) }
        let saved = dir.appendingPathComponent("x.json").path
        let online = try Run.devproof(["attest", "--quote", q, "--pccs", server.baseURL, "--now", "1752919234",
                                       "--save-collateral", saved, "--json"])
        #expect(online.status == 0, "\(online.stderr)\n\(online.stdout)")
        let j = try OnlineCollateral.report(online)
        #expect(OnlineCollateral.status(j, "tcb.status") == "pass")
        #expect(OnlineCollateral.checks(j)["tcb.status"]?["summary"]?.stringValue?.contains("UpToDate") == true)
        let offline = try Run.devproof(["attest", "--quote", q, "--collateral", saved, "--now", "1752919234", "--json"])
        #expect(offline.status == 0)
        #expect(OnlineCollateral.checkList(try OnlineCollateral.report(offline)) == OnlineCollateral.checkList(j))
        // Unreachable PCCS → inconclusive.
        let port = try LocalServer.closedPort()
        let down = try Run.devproof(["attest", "--quote", q, "--pccs", "http://127.0.0.1:\(port)", "--now", "1752919234", "--json"])
        #expect(down.status == 3)
    }
}
