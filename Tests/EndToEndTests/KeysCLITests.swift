import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof keys` through the built binary: exit codes 0/1/2/3 and the JSON report.
@Suite("e2e: devproof keys")
struct KeysCLITests {
    /// One generated chain (scripts/keys_vectors.py), written to files.
    struct Files {
        let dir: String
        let appId: String, rootAddress: String, rootPubkey: String
        let t03: String, t05: String, raw: String, tampered: String, otherApp: String
    }

    static let files: Result<Files, TestSupportError> = {
        do {
            let script = TestPaths.root.appendingPathComponent("scripts/keys_vectors.py").path
            let r = try Run.python([script, "41"])
            guard r.status == 0 else { return .failure(TestSupportError("keys_vectors.py: \(r.stderr)")) }
            let v = try JSONParser.parse(r.stdout)
            guard let chains = v["chains"]?.arrayValue, chains.count == 3 else { return .failure(TestSupportError("no chains")) }
            let c = chains[0]
            let dir = TestPaths.tempDir("keys-e2e")
            func write(_ name: String, _ j: JSONValue?) -> String {
                let p = dir.appendingPathComponent(name).path
                FileManager.default.createFile(atPath: p, contents: Data((j ?? .null).serialized().utf8))
                return p
            }
            var tampered = c["t03"]?.objectValue ?? []
            if let i = tampered.firstIndex(where: { $0.key == "statement" }), var st = tampered[i].value.objectValue,
               let j = st.firstIndex(where: { $0.key == "price" }) {
                st[j].value = .number("99999")
                tampered[i].value = .object(st)
            }
            return .success(Files(
                dir: dir.path, appId: c["app_id"]?.stringValue ?? "", rootAddress: c["kms_root_address"]?.stringValue ?? "",
                rootPubkey: c["kms_root_pubkey"]?.stringValue ?? "",
                t03: write("t03.json", c["t03"]), t05: write("t05.json", c["t05"]), raw: write("raw.json", c["raw"]),
                tampered: write("tampered.json", .object(tampered)), otherApp: write("other.json", chains[1]["t03"])))
        } catch let e as TestSupportError { return .failure(e) } catch { return .failure(TestSupportError("\(error)")) }
    }()

    static func json(_ r: ProcessResult) throws -> JSONValue { try JSONParser.parse(r.stdout) }
    static func status(_ j: JSONValue, _ id: String) -> String? {
        j["checks"]?.arrayValue?.first { $0["id"]?.stringValue == id }?["status"]?.stringValue
    }

    @Test func pass_exit0_json() throws {
        let f = try Self.files.get()
        let r = try Run.devproof(["keys", "--response", f.t03, "--app-id", f.appId, "--kms-root", f.rootAddress, "--replica", f.t05, "--replica", f.raw, "--json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let j = try Self.json(r)
        #expect(j["schema"]?.stringValue == "devproof.report/v1")
        #expect(j["command"]?.stringValue == "keys")
        #expect(j["verdict"]?.stringValue == "pass")
        for id in ["keys.app_signature", "keys.kms_root", "keys.message_hash", "keys.message_signature", "keys.replicas"] {
            #expect(Self.status(j, id) == "pass", "\(id)")
        }
        // Recovering a KMS signer is not evidence by itself: info, never pass (only keys.kms_root decides).
        #expect(Self.status(j, "keys.kms_signature") == "info")
        #expect(Self.status(j, "keys.scope") == "info")
        #expect(j["facts"]?["app_id"]?.stringValue == "0x" + f.appId)
        #expect(j["facts"]?["kms_root"]?["address"]?.stringValue?.lowercased() == f.rootAddress.lowercased())
        #expect(j["facts"]?["signer"]?.stringValue != nil)
        #expect(j["facts"]?["derived_pubkey"]?.stringValue != nil)
        #expect(j["facts"]?["app_pubkey"]?.stringValue != nil)
    }

    @Test func human_output_and_stdin() throws {
        let f = try Self.files.get()
        let body = Array(try String(contentsOfFile: f.t05, encoding: .utf8).utf8)
        let r = try Run.devproof(["keys", "--response", "-", "--app-id", f.appId, "--kms-root", f.rootPubkey], stdin: body)
        #expect(r.status == 0)
        #expect(r.stdout.contains("devproof keys: PASS"))
        #expect(r.stdout.contains("keys.kms_root"))
    }

    @Test func fail_exit1() throws {
        let f = try Self.files.get()
        let tampered = try Run.devproof(["keys", "--response", f.tampered, "--app-id", f.appId, "--kms-root", f.rootAddress, "--json"])
        #expect(tampered.status == 1)
        let j = try Self.json(tampered)
        #expect(j["verdict"]?.stringValue == "fail")
        #expect(Self.status(j, "keys.message_hash") == "fail")
        #expect(Self.status(j, "keys.kms_root") == "pass")

        let wrongApp = try Run.devproof(["keys", "--response", f.t03, "--app-id", "00000000000000000000000000000000000000aa", "--kms-root", f.rootAddress, "--json"])
        #expect(wrongApp.status == 1)
        #expect(Self.status(try Self.json(wrongApp), "keys.kms_root") == "fail")

        let replica = try Run.devproof(["keys", "--response", f.t03, "--app-id", f.appId, "--kms-root", f.rootAddress, "--replica", f.otherApp, "--json"])
        #expect(replica.status == 1)
        #expect(Self.status(try Self.json(replica), "keys.replicas") == "fail")
    }

    @Test func usage_and_malformed_exit2() throws {
        let f = try Self.files.get()
        let noApp = try Run.devproof(["keys", "--response", f.t03, "--kms-root", f.rootAddress])
        #expect(noApp.status == 2)
        #expect(noApp.stderr.contains("--app-id"))
        #expect(noApp.stderr.split(separator: "\n").count == 1)
        #expect(noApp.stdout.isEmpty)
        let noResp = try Run.devproof(["keys", "--app-id", f.appId, "--simulator"])
        #expect(noResp.status == 2)
        let twoRoots = try Run.devproof(["keys", "--response", f.t03, "--app-id", f.appId, "--simulator", "--kms-root", f.rootAddress])
        #expect(twoRoots.status == 2)
        let missing = try Run.devproof(["keys", "--response", "/nonexistent.json", "--app-id", f.appId, "--simulator"])
        #expect(missing.status == 2)
        let dir = TestPaths.tempDir("keys-e2e-bad")
        let bad = dir.appendingPathComponent("bad.json").path
        FileManager.default.createFile(atPath: bad, contents: Data(#"{"signatureChain":{"derivedPubkey":"0x02","appSignature":"0x00","kmsSignature":"0x00"}}"#.utf8))
        let malformed = try Run.devproof(["keys", "--response", bad, "--app-id", f.appId, "--simulator"])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("derivedPubkey"))
        #expect(!malformed.stderr.contains("Fatal"))
    }

    /// Responses and replicas fetched over HTTP (a loopback stand-in for the oracle).
    @Test func urls() throws {
        let f = try Self.files.get()
        let server = try LocalServer(script: "keys_oracle_server.py", args: [f.dir])
        defer { server.stop() }
        let base = server.baseURL
        let ok = try Run.devproof(["keys", "--response", "\(base)/t03", "--replica", "\(base)/t05", "--replica", "\(base)/raw",
                                   "--app-id", f.appId, "--kms-root", f.rootAddress, "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(Self.status(try Self.json(ok), "keys.replicas") == "pass")
        let other = try Run.devproof(["keys", "--response", "\(base)/t03", "--replica", "\(base)/other", "--app-id", f.appId, "--kms-root", f.rootAddress])
        #expect(other.status == 1)
        // --url BASE: the tutorial's `devproof keys --url http://localhost:8080 …`; /price is fetched, more --url
        // are replicas.
        let pdir = TestPaths.tempDir("keys-oracle")
        try FileManager.default.copyItem(atPath: f.t03, toPath: pdir.appendingPathComponent("price.json").path)
        let oracle = try LocalServer(script: "keys_oracle_server.py", args: [pdir.path])
        defer { oracle.stop() }
        let viaURL = try Run.devproof(["keys", "--url", oracle.baseURL, "--url", oracle.baseURL + "/", "--app-id", f.appId, "--kms-root", f.rootAddress, "--json"])
        #expect(viaURL.status == 0, "\(viaURL.stderr)")
        #expect(Self.status(try Self.json(viaURL), "keys.replicas") == "pass")
        let badURL = try Run.devproof(["keys", "--url", "localhost:8080", "--app-id", f.appId, "--kms-root", f.rootAddress])
        #expect(badURL.status == 2)
        // A replica that answers 404: the evidence is missing → inconclusive.
        let missing = try Run.devproof(["keys", "--response", "\(base)/t03", "--replica", "\(base)/nothing", "--app-id", f.appId, "--kms-root", f.rootAddress, "--json"])
        #expect(missing.status == 3)
        #expect(Self.status(try Self.json(missing), "keys.replicas") == "skip")
        // The response itself unreachable: the full report with the reason, exit 3 (was: nothing on stdout).
        let port = try LocalServer.closedPort()
        let down = try Run.devproof(["keys", "--response", "http://127.0.0.1:\(port)/price", "--app-id", f.appId, "--kms-root", f.rootAddress])
        #expect(down.status == 3)
        #expect(down.stdout.contains("INCONCLUSIVE"))
        #expect(down.stdout.contains("127.0.0.1:\(port)"))
    }

    @Test func inconclusive_exit3() throws {
        let f = try Self.files.get()
        // No KMS root: the chain cannot be closed.
        let noRoot = try Run.devproof(["keys", "--response", f.t03, "--app-id", f.appId, "--json"])
        #expect(noRoot.status == 3)
        let j = try Self.json(noRoot)
        #expect(j["verdict"]?.stringValue == "inconclusive")
        #expect(Self.status(j, "keys.kms_root") == "skip")
        // A URL replica while offline.
        let off = try Run.devproof(["keys", "--response", f.t03, "--app-id", f.appId, "--kms-root", f.rootAddress, "--replica", "http://127.0.0.1:9/price", "--offline"])
        #expect(off.status == 3)
    }
}

@Suite("e2e: keys unreachable inputs")
struct KeysUnreachableCLITests {
    /// An unreachable oracle URL: the full report is printed (`--json` too), inconclusive, exit 3 (was: nothing on
    /// stdout and an error line).
    @Test func unreachableURLPrintsInconclusiveReport() throws {
        let port = try LocalServer.closedPort()
        let r = try Run.devproof(["keys", "--url", "http://127.0.0.1:\(port)", "--app-id", String(repeating: "ab", count: 20),
                                  "--kms-root", "0x" + String(repeating: "12", count: 20), "--json"])
        #expect(r.status == 3, "\(r.stdout)\(r.stderr)")
        let j = try JSONParser.parse(r.stdout)
        #expect(j["verdict"]?.stringValue == "inconclusive")
        let root = j["checks"]?.arrayValue?.first { $0["id"]?.stringValue == "keys.kms_root" }
        #expect(root?["status"]?.stringValue == "skip")
        #expect(root?["summary"]?.stringValue?.contains("127.0.0.1:\(port)") == true)
    }
}

@Suite("e2e: keys corpus (simulator app keys)")
struct KeysCorpusCLITests {
    @Test func corpus_simulator_appkeys_via_binary() throws {
        if TestPaths.corpusRequired { try #require(TestPaths.corpus != nil) }
        guard let p = TestPaths.corpusFile("dstack/simulator-appkeys.json") else { print("SKIP: corpus absent"); return }
        // A chain that reaches a public simulator root is never pass: inconclusive, exit 3 (was: 0).
        let r = try Run.devproof(["keys", "--response", p, "--app-id", "5bb4ff9a3837357f19dc176407a5709c62eb6c56", "--simulator"])
        #expect(r.status == 3)
        #expect(r.stdout.contains("SIMULATOR"))
        let j = try Run.devproof(["keys", "--response", p, "--app-id", "5bb4ff9a3837357f19dc176407a5709c62eb6c56", "--simulator", "--json"])
        #expect(try KeysCLITests.json(j)["facts"]?["mode"]?.stringValue == "simulator")
    }
}
