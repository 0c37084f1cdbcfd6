import DevProofCore
import DstackChain
@testable import EVM
import Foundation
import Testing
import TestSupport

/// Appendix A of dstack-formats.md and tutorial §9: every topic0, as published.
private let appendixTopics: [(String, String)] = [
    ("ComposeHashAdded(bytes32)", "fecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af"),
    ("ComposeHashRemoved(bytes32)", "755b79bd4b0eeab344d032284a99003b2ddc018b646752ac72d681593a6e8947"),
    ("DeviceAdded(bytes32)", "67fc71ab96fe3fa3c6f78e9a00e635d591b7333ce611c0380bc577aac702243b"),
    ("DeviceRemoved(bytes32)", "e0862975ac517b0478d308012afabc4bc37c23874a18144d7f2dfb852ff95c2c"),
    ("UpgradesDisabled()", "0e5daa943fcd7e7182d0e893d180695c2ea9f6f1b4a1c5432faf14cf17b774e8"),
    ("AllowAnyDeviceSet(bool)", "bb2cdb6c7b362202d40373f87bc4788301cca658f91711ac1662e1ad2cba4a20"),
    ("RequireTcbUpToDateSet(bool)", "afae60561b2481a349b45b3a47357f70eef6ae67e5b6e1749d74de7f19a25aa1"),
    ("PolicyChanged(address,bytes32,bytes32,bool)", "341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c32375"),
    ("AppRegistered(address)", "0d540ad8f39e07d19909687352b9fa017405d93c91a6760981fbae9cf28bfef7"),
    ("KmsInfoSet(bytes)", "77cdad119a452bbd96c45635758fc4af8a6bde3deaccf3fada634ddf9a162706"),
    ("KmsAggregatedMrAdded(bytes32)", "68615a0b92795750b3d180ff73429e1291d225e449eee954a567b91104fd9837"),
    ("KmsAggregatedMrRemoved(bytes32)", "54cd662e41eec7ddf0f32f034b2533e481b471dd3ea978222d609ec8fffb1bb0"),
    ("KmsDeviceAdded(bytes32)", "f2b290637b1193e12eb38ab32b986303639b1687cc2cd1e25f993e6eae2f4041"),
    ("KmsDeviceRemoved(bytes32)", "1a9888a45e3df8b7e6bb3090747d598d2a0d78e61388161a90799f54df8f4434"),
    ("OsImageHashAdded(bytes32)", "4911843506849c85a5ca6e6e2c01eed2d3ab86baba619517a2aad9d5ab2aeff2"),
    ("OsImageHashRemoved(bytes32)", "99b3cee95daf3138d0c982299cd0264f5b7a61aa629b42b92f3ec8966aa7f6fe"),
    ("GatewayAppIdSet(string)", "5b2b64f770ea5266055ebd3ebf205ef06cbfa738e62684edf0e28356e34acf06"),
    ("AppImplementationSet(address)", "08bb433f12b5fd81d2d5e0deeb3b4d28371781ddbd80e9d053e7468d2b1aa82d"),
    ("AppDeployedViaFactory(address,address)", "fd86d7f6962eba3b7a3bf9129c06c0b2f885e1c61ef2c9f0dbb856be0deefdee"),
    ("OwnershipTransferred(address,address)", "8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0"),
    ("OwnershipTransferStarted(address,address)", "38d16b8cac22d99fc7c124b9cd0de2d3fa1faef420bfe791d8c362d765e22700"),
    ("Upgraded(address)", "bc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b"),
    ("Initialized(uint64)", "c7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d2"),
    ("ComposeHashProposed(bytes32,uint256)", "2b3ff6b39f4956cfa375c9a4b597368184735cb754b210fd1000453de9950cdc"),
    ("ComposeHashActivated(bytes32)", "5e36a46d8be30f7baf6cdf6b16d611fdc8150e8b0c9e1cd83711c0e324f9ddc3"),
    ("ComposeHashCancelled(bytes32)", "7bf67ea6551aca0d94f47c8207ab7409f440a4e8471024acea4cd1245437490a"),
    ("RequestCreated(uint256,address,uint256)", "0f07843fcc5047a6c0a2af35eec5eab563fa21efdc4473efb2303d6c2f8ec6f8"),
    ("RequestFulfilled(uint256,uint256,address)", "9b1a7174bf7fc5ae24b930f3b3f402475515ebee7c7aaa7b8af0f8da34715a15"),
    ("OracleMessageVerified(bytes32,address)", "6644bc2cda7ed33368164a5e1ff275a468d746fe04a1c1285dfc4871d60ae7e4"),
]

/// eth-abi builds a log for each declaration (indexed values in topics, the rest ABI-encoded in data).
private let logScript = #"""
import json, sys
from eth_abi import encode
from eth_utils import to_checksum_address, keccak
decls = json.load(sys.stdin)
def sample(t, i):
    if t == "address": return "0x" + bytes([0x10 + i] * 20).hex()
    if t == "bool": return i % 2 == 0
    if t.startswith("uint"): return 1000 + i
    if t.startswith("bytes") and t != "bytes": return bytes([0xa0 + i]) * int(t[5:])
    if t == "bytes": return b"\x02" + bytes([i]) * 32
    if t == "string": return "gateway-%d" % i
    raise Exception(t)
def norm(t, v):
    if t == "address": return to_checksum_address(v)
    if t == "bool": return v
    if t.startswith("uint"): return str(v)
    if t.startswith("bytes"): return "0x" + v.hex()
    return v
out = []
for d in decls:
    params = d["params"]
    vals = [sample(p["type"], i) for i, p in enumerate(params)]
    topics = ["0x" + keccak(text=d["signature"]).hex()]
    for p, v in zip(params, vals):
        if p["indexed"]:
            topics.append("0x" + encode([p["type"]], [v]).hex())  # the catalog indexes value types only
    data = encode([p["type"] for p in params if not p["indexed"]], [v for p, v in zip(params, vals) if not p["indexed"]])
    out.append({"signature": d["signature"], "kind": d["kind"], "log": {
        "address": "0x" + "ab" * 20, "topics": topics, "data": "0x" + data.hex(), "blockNumber": "0x10",
        "blockHash": "0x" + "11" * 32, "transactionHash": "0x" + "22" * 32, "logIndex": "0x0", "removed": False},
        "args": {p["name"]: norm(p["type"], v) for p, v in zip(params, vals)}})
print(json.dumps(out))
"""#

@Suite("evm: events (Appendix A)")
struct EventTests {
    @Test func catalogTopicsMatchAppendix() {
        var byTopic = [String: String]()
        for k in ContractKind.allCases { for e in EventCatalog.events(for: k) { byTopic[e.topic0.hex] = e.signature } }
        for (sig, topic) in appendixTopics {
            #expect(ABI.topic(sig).hex == topic, "\(sig)")
            #expect(byTopic[topic] == sig, "catalog lacks \(sig)")
        }
        #expect(Set(byTopic.keys) == Set(appendixTopics.map(\.1)), "catalog has events the appendix does not list")
    }

    @Test func decodesEveryCatalogEventFromEthAbiLogs() throws {
        guard TestPaths.python != nil else { Issue.record("Python venv not found: eth-abi logs not checked"); return }
        var decls = [JSONValue]()
        for k in ContractKind.allCases {
            for e in EventCatalog.events(for: k) {
                decls.append(.obj([("signature", .string(e.signature)), ("kind", .string(k.rawValue)),
                                   ("params", .array(e.params.map { .obj([("name", .string($0.name)), ("type", .string($0.type.description)), ("indexed", .bool($0.indexed))]) }))]))
            }
        }
        let r = try Run.python(["-c", logScript], stdin: Array(JSONValue.array(decls).serialized().utf8))
        try #require(r.status == 0, "python: \(r.stderr)")
        let parsed = try JSONParser.parse(r.stdout)
        let cases = try #require(parsed.arrayValue)
        #expect(cases.count == decls.count)
        for c in cases {
            let kind = try #require(ContractKind(rawValue: c["kind"]?.stringValue ?? ""))
            let log = try EthLog(json: try #require(c["log"]))
            let d = try #require(try EventCatalog.decode(log, kind: kind))
            #expect(d.event.signature == c["signature"]?.stringValue)
            #expect(d.argsJSON == c["args"], "\(kind) \(d.event.signature)")
        }
    }

    /// topic0 does not encode `indexed`: the same ComposeHashRemoved is decoded per contract kind.
    @Test func sameTopicDifferentLayouts() throws {
        let h = Bytes(repeating: 0x5a, count: 32)
        let t0 = ABI.topic("ComposeHashRemoved(bytes32)")
        let appLog = EthLog(address: .zero, topics: [t0], data: h, blockNumber: 1)
        let tlLog = EthLog(address: .zero, topics: [t0, h], data: [], blockNumber: 1)
        let a = try #require(try EventCatalog.decode(appLog, kind: .dstackApp))
        let b = try #require(try EventCatalog.decode(tlLog, kind: .timelockAppAuth))
        #expect(a["composeHash"] == .fixedBytes(h))
        #expect(b["composeHash"] == .fixedBytes(h))
        // Declared kind wrong: falls back to the other layout instead of misreading.
        let c = try #require(try EventCatalog.decode(tlLog, kind: .dstackApp))
        #expect(c["composeHash"] == .fixedBytes(h))
        // Strict per-declaration decoding rejects the wrong layout.
        let appDecl = try ABIEvent("ComposeHashRemoved(bytes32 composeHash)")
        #expect(throws: ABIError.self) { try appDecl.decode(tlLog) }
        // Unknown topic0: nil, not an error.
        #expect(try EventCatalog.decode(EthLog(address: .zero, topics: [h], data: [], blockNumber: 1), kind: .dstackApp) == nil)
    }

    @Test func policyChangedDecodes() throws {
        let e = try ABIEvent("PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled)")
        let actor = try Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        let tag = Keccak.keccak256(Array("compose-hash".utf8))
        let log = EthLog(address: .zero, topics: [e.topic0, Bytes(repeating: 0, count: 12) + actor.bytes, tag, Bytes(repeating: 7, count: 32)],
                         data: Word(1).bytes, blockNumber: 3)
        let d = try e.decode(log)
        #expect(d["actor"] == .address(actor))
        #expect(d["enabled"] == .bool(true))
        #expect(DstackABI.policyTag(d["policy"]?.bytesValue ?? []) == "compose-hash")
    }

    @Test func malformedLogs() throws {
        let e = try ABIEvent("ComposeHashProposed(bytes32 indexed composeHash, uint256 activatesAt)")
        // Data truncated.
        #expect(throws: ABIError.self) { try e.decode(EthLog(address: .zero, topics: [e.topic0, Bytes(repeating: 1, count: 32)], data: [1, 2], blockNumber: 1)) }
        // Indexed address topic with dirty high bytes.
        let o = try ABIEvent("Upgraded(address indexed implementation)")
        #expect(throws: ABIError.self) { try o.decode(EthLog(address: .zero, topics: [o.topic0, Bytes(repeating: 0xff, count: 32)], data: [], blockNumber: 1)) }
        // JSON log entries with bad fields.
        let bad: [String] = [
            #"{"address":"0x12","topics":[],"data":"0x","blockNumber":"0x1","blockHash":"0x\#(String(repeating: "1", count: 64))","transactionHash":"0x\#(String(repeating: "2", count: 64))","logIndex":"0x0"}"#,
            #"{"address":"0x\#(String(repeating: "a", count: 40))","topics":["0x12"],"data":"0x","blockNumber":"0x1","blockHash":"0x\#(String(repeating: "1", count: 64))","transactionHash":"0x\#(String(repeating: "2", count: 64))","logIndex":"0x0"}"#,
            #"{"address":"0x\#(String(repeating: "a", count: 40))","topics":[],"data":"0x","blockNumber":"12","blockHash":"0x\#(String(repeating: "1", count: 64))","transactionHash":"0x\#(String(repeating: "2", count: 64))","logIndex":"0x0"}"#,
            #"[]"#,
        ]
        for b in bad { #expect(throws: DevProofError.self) { try EthLog(json: try JSONParser.parse(b)) } }
    }
}
