import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof chain` without a chain: usage errors, offline proof verification, exit codes.
@Suite("e2e: chain CLI")
struct ChainCLITests {
    @Test func helpListsSubcommands() throws {
        let r = try Run.devproof(["chain", "--help"])
        #expect(r.status == 0)
        for s in ["verify-proof", "history", "boot"] { #expect(r.stdout.contains(s)) }
    }

    @Test func usageErrorsExit2() throws {
        // history without --rpc
        let a = try Run.devproof(["chain", "history", "--app", "0x" + String(repeating: "ab", count: 20)])
        #expect(a.status == 2)
        #expect(a.stderr.contains("--rpc"))
        // bad address
        let b = try Run.devproof(["chain", "history", "--app", "0x1234", "--rpc", "http://127.0.0.1:9"])
        #expect(b.status == 2)
        // bad block selector
        let c = try Run.devproof(["chain", "boot", "--app", "0x" + String(repeating: "ab", count: 20), "--rpc", "http://127.0.0.1:9", "--block", "soon"])
        #expect(c.status == 2)
        // quorum larger than providers
        let d = try Run.devproof(["chain", "boot", "--app", "0x" + String(repeating: "ab", count: 20), "--rpc", "http://127.0.0.1:9", "--quorum", "2"])
        #expect(d.status == 2)
        // non-http RPC
        let e = try Run.devproof(["chain", "boot", "--app", "0x" + String(repeating: "ab", count: 20), "--rpc", "file:///etc/passwd"])
        #expect(e.status == 2)
        for x in [a, b, c, d, e] { #expect(!x.stderr.contains("Fatal error"), "\(x.stderr)") }
    }

    @Test func unreachableRPCIsInconclusive() throws {
        // Port 9 (discard) on 127.0.0.1 is closed here: connection refused → exit 3.
        // The full report is printed (was: nothing on stdout), with the reason in rpc.block.
        let r = try Run.devproof(["chain", "boot", "--app", "0x" + String(repeating: "ab", count: 20), "--rpc", "http://127.0.0.1:9", "--rpc-timeout", "3"])
        #expect(r.status == 3)
        #expect(r.stdout.contains("rpc.block") && r.stdout.contains("127.0.0.1:9"), "\(r.stdout)")
        let j = try Run.devproof(["chain", "history", "--app", "0x" + String(repeating: "ab", count: 20), "--rpc", "http://127.0.0.1:9", "--json"])
        #expect(j.status == 3)
        let rep = try JSONParser.parse(j.stdout)
        #expect(rep["verdict"]?.stringValue == "inconclusive")
        #expect(rep["checks"]?.arrayValue?.first { $0["id"]?.stringValue == "rpc.block" }?["status"]?.stringValue == "skip")
    }

    @Test func verifyProofOfflineExitCodes() throws {
        let m = ProofMakerE2E()
        let dir = TestPaths.tempDir("chain-e2e")
        let good = dir.appendingPathComponent("good.json").path
        try InputFile.write(good, Array(try m.proofJSON().serialized().utf8))
        let base = ["chain", "verify-proof", "--proof", good, "--app-id", m.appId.hex, "--json"]
        let ok = try Run.devproof(base + ["--kms-root", m.rootAddress])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let rep = try JSONParser.parse(ok.stdout)
        #expect(rep["verdict"]?.stringValue == "pass")
        #expect(rep["command"]?.stringValue == "chain verify-proof")
        // Wrong root: the evidence contradicts the claim.
        let bad = try Run.devproof(base + ["--kms-root", "0x" + String(repeating: "00", count: 19) + "01"])
        #expect(bad.status == 1)
        // Claimed price differs from what was signed.
        let price = try Run.devproof(base + ["--kms-root", m.rootAddress, "--price", "200"])
        #expect(price.status == 1)
        #expect(price.stdout.contains("msg_hash mismatch"))
        // No root: inconclusive.
        let none = try Run.devproof(base)
        #expect(none.status == 3)
        // Malformed proof file: exit 2 with one line.
        let junk = dir.appendingPathComponent("junk.json").path
        try InputFile.write(junk, Array(#"{"messageHash": "0x12"}"#.utf8))
        let mal = try Run.devproof(["chain", "verify-proof", "--proof", junk, "--kms-root", m.rootAddress, "--app-id", m.appId.hex])
        #expect(mal.status == 2)
        #expect(mal.stderr.split(separator: "\n").count == 1)
        // A 64-byte signature is a format error in the report (the contract would revert): fail, not a crash.
        var j = try m.proofJSON()
        if case .object(var members) = j, let i = members.firstIndex(where: { $0.key == "messageSignature" }) {
            members[i].value = .string("0x" + String(repeating: "11", count: 64)); j = .object(members)
        }
        let short = dir.appendingPathComponent("short.json").path
        try InputFile.write(short, Array(j.serialized().utf8))
        let s = try Run.devproof(["chain", "verify-proof", "--proof", short, "--kms-root", m.rootAddress, "--app-id", m.appId.hex, "--json"])
        #expect(s.status == 1)
        #expect(s.stdout.contains("bad sig len"))
    }
}

/// The built binary against the shared devnet: exit codes and JSON shape.
@Suite("e2e: chain CLI on the devnet")
struct ChainCLIDevnetTests {
    @Test func historyAndBootExitCodes() throws {
        let net = try Devnet.shared("default")
        let app = try net.address("app_two_hashes")
        let h = try Run.devproof(["chain", "history", "--rpc", net.url, "--app", app, "--json"])
        #expect(h.status == 0, "\(h.stderr)")
        let rep = try JSONParser.parse(h.stdout)
        #expect(rep["verdict"]?.stringValue == "pass")
        let tl = rep["facts"]?["timeline"]?.arrayValue ?? []
        #expect(!tl.isEmpty)
        for e in tl { for k in ["block", "time", "tx", "event", "args"] { #expect(e[k] != nil, "\(k)") } }
        // Human output shows the timeline.
        let human = try Run.devproof(["chain", "history", "--rpc", net.url, "--app", app])
        #expect(human.status == 0)
        #expect(human.stdout.contains("ComposeHashAdded"))
        // Boot with an unknown compose hash: denied with the contract's reason, exit 1.
        let boots = net.fact("boot") as? [[String: Any]] ?? []
        let b = try #require(boots.first { $0["name"] as? String == "unknown_compose_hash" })
        let bi = b["boot_info"] as? [String: Any] ?? [:]
        var args = ["chain", "boot", "--rpc", net.url, "--kms", try net.address("kms"), "--json"]
        for (flag, key) in [("--app", "appId"), ("--compose-hash", "composeHash"), ("--instance-id", "instanceId"), ("--device-id", "deviceId"),
                            ("--mr-aggregated", "mrAggregated"), ("--mr-system", "mrSystem"), ("--os-image-hash", "osImageHash"),
                            ("--tcb-status", "tcbStatus")] {
            if let v = bi[key] as? String { args += [flag, v] }
        }
        let denied = try Run.devproof(args)
        #expect(denied.status == 1, "\(denied.stderr)")
        #expect(denied.stdout.contains(b["reason"] as? String ?? "?"))
    }
}

/// A valid proof generated with Python's coincurve (independent of the Swift signer).
struct ProofMakerE2E {
    let appId = try! Hex.decode("ea549f02e1a25fabd1cb788380e033ec5461b2ff")
    var rootAddress: String { "0x" + "19e7e376e7c213b7e7e7e46cc70a5dd086daff2a" }

    func proofJSON() throws -> JSONValue {
        let script = #"""
import json
from coincurve import PrivateKey
from eth_utils import keccak
root, app, derived = PrivateKey(b"\x11" * 32), PrivateKey(b"\x22" * 32), PrivateKey(b"\x33" * 32)
app_id = bytes.fromhex("ea549f02e1a25fabd1cb788380e033ec5461b2ff")
def sign(k, digest): return k.sign_recoverable(digest, hasher=None)
dpub = derived.public_key.format(compressed=True); apub = app.public_key.format(compressed=True)
app_sig = sign(app, keccak(("ethereum:" + dpub.hex()).encode()))
kms_sig = sign(root, keccak(b"dstack-kms-issued:" + app_id + apub))
price, ts = 100, 1700000000
mh = keccak(price.to_bytes(32, "big") + ts.to_bytes(32, "big"))
msg_sig = sign(derived, keccak(b"\x19Ethereum Signed Message:\n32" + mh))
root_addr = keccak(root.public_key.format(compressed=False)[1:])[12:].hex()
print(json.dumps({"price": price, "timestamp": ts, "messageHash": "0x" + mh.hex(), "messageSignature": "0x" + msg_sig.hex(),
  "appSignature": "0x" + app_sig.hex(), "kmsSignature": "0x" + kms_sig.hex(), "derivedCompressedPubkey": "0x" + dpub.hex(),
  "appCompressedPubkey": "0x" + apub.hex(), "purpose": "ethereum", "root": root_addr}))
"""#
        let r = try Run.python(["-c", script])
        guard r.status == 0 else { throw TestSupportError("python: \(r.stderr)") }
        let j = try JSONParser.parse(r.stdout)
        guard j["root"]?.stringValue == String(rootAddress.dropFirst(2)) else {
            throw TestSupportError("root address changed: \(j["root"]?.stringValue ?? "?")")
        }
        return j
    }
}
