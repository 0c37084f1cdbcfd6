import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof keys --kms-contract` against the project's devnet (real EVM, DstackKms.vy, the dstack KMS chain of
/// devnet/kmschain.py): the root is read from kmsInfo() over JSON-RPC.
@Suite("e2e: keys on the devnet (DstackKms.kmsInfo)")
struct KeysDevnetTests {
    struct Setup {
        let net: Devnet
        let kms: String, appId: String, purpose: String, rootAddress: String
        let t05: String, getkey: String
    }

    static func setup() throws -> Setup? {
        guard TestPaths.python != nil else {
            print("SKIP: no Python venv (DEVPROOF_PYTHON): devnet keys tests skipped")
            return nil
        }
        let net = try Devnet.shared("default")
        func s(_ path: String) throws -> String {
            guard let v = net.fact(path) as? String else { throw TestSupportError("devnet fact \(path) missing") }
            return v
        }
        func n(_ path: String) throws -> String {
            if let v = net.fact(path) as? NSNumber { return v.stringValue }
            if let v = net.fact(path) as? String { return v }
            throw TestSupportError("devnet fact \(path) missing")
        }
        guard let chain = net.fact("oracle.chain.signature_chain") as? [String], chain.count == 2 else {
            throw TestSupportError("devnet fact oracle.chain.signature_chain missing")
        }
        let dir = TestPaths.tempDir("keys-devnet")
        func write(_ name: String, _ v: JSONValue) -> String {
            let p = dir.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: p, contents: Data(v.serialized().utf8))
            return p
        }
        // The tutorial-05 response the oracle would serve for the proof the devnet's TeeOracle accepted.
        let t05: JSONValue = .obj([
            ("price", .number(try n("oracle.price"))), ("timestamp", .number(try n("oracle.price_timestamp"))),
            ("messageHash", .string(try s("oracle.proof.messageHash"))),
            ("signature", .string(try s("oracle.proof.messageSignature"))),
            ("signatureChain", .obj([("derivedPubkey", .string(try s("oracle.proof.derivedCompressedPubkey"))),
                                     ("appSignature", .string(try s("oracle.proof.appSignature"))),
                                     ("kmsSignature", .string(try s("oracle.proof.kmsSignature")))])),
            ("signerAddress", .string(try s("oracle.proof.signerAddress"))),
        ])
        let getkey: JSONValue = .obj([("key", .string(try s("oracle.chain.derived_private_key"))),
                                      ("signature_chain", .strings(chain))])
        return Setup(net: net, kms: try s("kms.address"), appId: try s("oracle.chain.app_id"),
                     purpose: try s("oracle.chain.purpose"), rootAddress: try s("oracle.chain.kms_root_address"),
                     t05: write("t05.json", t05), getkey: write("getkey.json", getkey))
    }

    static func check(_ r: ProcessResult, _ id: String) throws -> String? {
        try JSONParser.parse(r.stdout)["checks"]?.arrayValue?.first { $0["id"]?.stringValue == id }?["status"]?.stringValue
    }

    @Test func root_from_dstackkms() throws {
        guard let s = try Self.setup() else { return }
        for file in [s.t05, s.getkey] {
            let r = try Run.devproof(["keys", "--response", file, "--app-id", s.appId, "--purpose", s.purpose,
                                      "--kms-contract", s.kms, "--rpc", s.net.url, "--json"])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let j = try JSONParser.parse(r.stdout)
            #expect(j["facts"]?["mode"]?.stringValue == "on-chain-root")
            #expect(j["facts"]?["kms_root"]?["address"]?.stringValue?.lowercased() == s.rootAddress.lowercased())
            #expect(j["facts"]?["kms_root_source"]?["chain"]?["chain_id"] != nil)
        }
        // The same evidence against a contract that is not a DstackKms (an app proxy): exit 2, one line.
        let app = try s.net.address("app_instant")
        let notKms = try Run.devproof(["keys", "--response", s.t05, "--app-id", s.appId, "--purpose", s.purpose,
                                       "--kms-contract", app, "--rpc", s.net.url])
        #expect(notKms.status == 2, "\(notKms.stdout)\(notKms.stderr)")
        #expect(notKms.stderr.contains("kmsInfo()"))
        // Another app id: the on-chain root does not certify it.
        let wrong = try Run.devproof(["keys", "--response", s.t05, "--app-id", String(repeating: "ab", count: 20), "--purpose", s.purpose,
                                      "--kms-contract", s.kms, "--rpc", s.net.url, "--json"])
        #expect(wrong.status == 1)
        #expect(try Self.check(wrong, "keys.kms_root") == "fail")
    }

    @Test func lying_provider_and_unreachable_rpc() throws {
        guard let s = try Self.setup() else { return }
        // A private devnet (same scenario, same addresses) behind a proxy that alters eth_call answers: the two
        // providers disagree on kmsInfo() → the root is not established → fail, never pass.
        let own = try Devnet.start(scenario: "default", liar: "call")
        defer { own.stop() }
        let lurl = try #require(own.liarURL)
        let r = try Run.devproof(["keys", "--response", s.t05, "--app-id", s.appId, "--purpose", s.purpose,
                                  "--kms-contract", s.kms, "--rpc", own.url, "--rpc", lurl, "--json"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(try Self.check(r, "keys.kms_root") == "fail")
        // The honest provider alone passes.
        let honest = try Run.devproof(["keys", "--response", s.t05, "--app-id", s.appId, "--purpose", s.purpose,
                                       "--kms-contract", s.kms, "--rpc", own.url])
        #expect(honest.status == 0, "\(honest.stdout)\(honest.stderr)")
        let port = try LocalServer.closedPort()
        let down = try Run.devproof(["keys", "--response", s.t05, "--app-id", s.appId, "--purpose", s.purpose,
                                     "--kms-contract", s.kms, "--rpc", "http://127.0.0.1:\(port)", "--json"])
        #expect(down.status == 3, "\(down.stdout)\(down.stderr)")
        #expect(try Self.check(down, "keys.kms_root") == "skip")
    }
}
