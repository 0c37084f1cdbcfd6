import DevProofCore
import EVM
import Foundation
import Testing
import TestSupport

/// `--trusted-block N:HASH` on the command line: exit 1 for a hash the provider's header does not have, exit 3 for a
/// block it does not have, exit 2 for flags that do not go together or do not parse.
@Suite("e2e: --trusted-block flags and exit codes", .serialized)
struct TrustedBlockCLITests {
    @Test func usageErrors() throws {
        let app = "0x00000000000000000000000000000000000a9900"
        let good = "5:0x" + String(repeating: "ab", count: 32)
        for (args, says) in [
            (["appauth", "--app", app, "--rpc", "http://127.0.0.1:9", "--trusted-block", good, "--block", "5"], "--block and --trusted-block"),
            (["appauth", "--app", app, "--rpc", "http://127.0.0.1:9", "--storage-layout", "devnet-vyper"], "--storage-layout is only used with --trusted-block"),
            (["appauth", "--app", app, "--rpc", "http://127.0.0.1:9", "--trusted-block", "5:0x1234"], "not 32 bytes"),
            (["appauth", "--app", app, "--rpc", "http://127.0.0.1:9", "--trusted-block", "five:0x" + String(repeating: "ab", count: 32)], "NUMBER:HASH"),
            (["chain", "boot", "--app", app, "--rpc", "http://127.0.0.1:9", "--trusted-block", good, "--storage-layout", "solidity-v9"], "is not one of"),
            (["keys", "--response", "/nonexistent.json", "--app-id", String(repeating: "ab", count: 20), "--simulator", "--trusted-block", good], "only used with --kms-contract"),
        ] {
            let r = try Run.devproof(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(says), "\(args): \(r.stderr)")
        }
    }

    @Test func wrongHashIsExit1AndMissingBlockExit3() throws {
        guard TestPaths.python != nil else { print("SKIP: no Python venv"); return }
        let net = try Devnet.shared("default")
        let c = try RPCClient(urls: [net.url])
        let h = try ExecutionHeader(json: try c.request("eth_getBlockByNumber", [.string("latest"), .bool(false)]))
        let hashes = net.fact("compose_hashes") as? [String: String] ?? [:]
        let app = try net.address("app_instant")
        func run(_ trusted: String) throws -> ProcessResult {
            try Run.devproof(["appauth", "--app", app, "--rpc", net.url, "--trusted-block", trusted, "--storage-layout", "devnet-vyper",
                              "--compose-hash", try #require(hashes["H1"]), "--json", "--rpc-timeout", "20"])
        }
        var wrong = h.hash; wrong[31] ^= 1
        let bad = try run("\(h.number):\(wrong.hex0x)")
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stdout.contains("\"rpc.trusted_block\"") && bad.stdout.contains("does not match"))
        let missing = try run("\(h.number + 10_000):\(h.hash.hex0x)")
        #expect(missing.status == 3, "\(missing.stdout)\(missing.stderr)")
        let ok = try run("\(h.number):\(h.hash.hex0x)")
        // app_instant's owner is an EOA (instant path): a fail, but one reached with the proven running hash.
        #expect(ok.status == 1)
        let j = try JSONParser.parse(Array(ok.stdout.utf8))
        let running = j["checks"]?.arrayValue?.first { $0["id"]?.stringValue == "appauth.running_allowed" }
        #expect(running?["status"]?.stringValue == "pass")
        #expect(running?["details"]?["proof"]?["proven"]?.arrayValue?.isEmpty == false)
        #expect(j["facts"]?["proofs"]?["unproven"]?.arrayValue?.contains { $0["source"]?.stringValue == "eth_call (unproven)" } == true)
    }
}
