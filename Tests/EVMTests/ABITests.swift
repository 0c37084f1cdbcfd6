import DevProofCore
import DstackChain
@testable import EVM
import Foundation
import Testing
import TestSupport

/// Vectors from the reference implementation `eth-abi` (PyPI, in the venv): Python encodes, Swift decodes and
/// re-encodes, and the decoded values must equal what Python encoded.
private let vectorScript = #"""
import json, sys
from eth_abi import encode
from eth_utils import to_checksum_address, keccak

A1 = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
A2 = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"
H = lambda n: bytes([n]) * 32
cases = [
    (["uint256"], [0]),
    (["uint256"], [2**256 - 1]),
    (["uint8", "uint64", "uint128"], [255, 2**64 - 1, 12345678901234567890123]),
    (["int256", "int8", "int64"], [-1, -128, -(2**63)]),
    (["int256"], [-(2**255)]),
    (["int24"], [8388607]),
    (["address", "bool", "bool"], [A1, True, False]),
    (["bytes4", "bytes32", "bytes1"], [b"\x01\x02\x03\x04", H(7), b"\xff"]),
    (["bytes"], [b""]),
    (["bytes"], [bytes(range(70))]),
    (["string"], ["héllo, dstack ✓"]),
    (["string[]"], [["UpToDate", "", "INTEL-SA-00837", "x" * 40]]),
    (["uint256[]"], [[1, 2, 3]]),
    (["uint256[]"], [[]]),
    (["address[]", "uint256"], [[A1, A2], 9]),
    (["uint256[3]", "bool"], [[1, 2, 3], True]),
    (["string[2]"], [["a", "bc"]]),
    (["bytes[]"], [[b"", b"\x01", bytes(33)]]),
    (["(uint256,string)"], [(5, "five")]),
    (["(uint256,bool)[]"], [[(1, True), (2, False)]]),
    (["(address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[])"],
     [(A1, H(1), A2, H(2), H(3), H(4), H(5), "UpToDate", ["INTEL-SA-00001", "INTEL-SA-00002"])]),
    (["bytes", "bytes", "bytes", "bytes"], [b"\x02" * 33, b"\x04" * 65, b"quote", b""]),
    (["bool", "string"], [False, "compose hash not allowed"]),
    (["bytes32", "bytes", "bytes", "bytes", "bytes", "bytes", "string"],
     [H(9), b"\x11" * 65, b"\x22" * 65, b"\x33" * 65, b"\x02" * 33, b"\x03" * 33, "ethereum"]),
    (["(uint256,(string,bytes))", "uint8"], [(1, ("in", b"\x01")), 3]),
]

def norm(t, v):
    if t.endswith("]"):
        inner = t[: t.rindex("[")]
        return [norm(inner, x) for x in v]
    if t.startswith("("):
        parts, depth, cur = [], 0, ""
        for c in t[1:-1]:
            if c == "(": depth += 1
            if c == ")": depth -= 1
            if c == "," and depth == 0: parts.append(cur); cur = ""
            else: cur += c
        parts.append(cur)
        return [norm(p, x) for p, x in zip(parts, v)]
    if t == "address": return to_checksum_address(v)
    if t == "bool": return v
    if t.startswith("uint") or t.startswith("int"): return str(v)
    if t.startswith("bytes"): return "0x" + bytes(v).hex()
    return v

out = []
for types, values in cases:
    out.append({"types": types, "encoded": encode(types, values).hex(),
                "json": [norm(t, v) for t, v in zip(types, values)]})
print(json.dumps(out))
"""#

@Suite("evm: ABI encoding and decoding")
struct ABITests {
    @Test func ethAbiVectorsRoundTrip() throws {
        guard TestPaths.python != nil else {
            Issue.record("Python venv not found (DEVPROOF_PYTHON): eth-abi vectors not checked"); return
        }
        let r = try Run.python(["-c", vectorScript])
        try #require(r.status == 0, "python: \(r.stderr)")
        let parsed = try JSONParser.parse(r.stdout)
        let cases = try #require(parsed.arrayValue)
        #expect(cases.count >= 20)
        for c in cases {
            let typeNames = (c["types"]?.arrayValue ?? []).compactMap { $0.stringValue }
            let types = try typeNames.map { try ABIType(parsing: $0) }
            let encoded = try Hex.decode(try #require(c["encoded"]?.stringValue))
            let values = try ABI.decode(types, encoded)
            let expected = try #require(c["json"])
            #expect(JSONValue.array(values.map(\.json)) == expected, "decode \(typeNames)")
            #expect(try ABI.encode(types, values) == encoded, "re-encode \(typeNames)")
            // Canonical type strings survive a round trip.
            #expect(types.map(\.description) == typeNames)
        }
    }

    @Test func selectorsMatchAppendixA() throws {
        let vectors: [(String, String)] = [
            ("isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))", "1e079198"),
            ("isKmsAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))", "e067ec9d"),
            ("kmsInfo()", "09177063"), ("gatewayAppId()", "95f51931"), ("registeredApps(address)", "a6c4cce9"),
            ("kmsAllowedAggregatedMrs(bytes32)", "f6fe4f40"), ("kmsAllowedDeviceIds(bytes32)", "13eb9770"),
            ("allowedOsImages(bytes32)", "9a4e1d18"), ("appImplementation()", "25a992da"),
            ("initialize(address,address)", "485cc955"), ("setKmsInfo((bytes,bytes,bytes,bytes))", "7d025352"),
            ("setKmsQuote(bytes)", "18c1ecb2"), ("setKmsEventlog(bytes)", "736ede7a"), ("setGatewayAppId(string)", "3971db27"),
            ("registerApp(address)", "17a1d80f"), ("setAppImplementation(address)", "3ceaaa11"),
            ("deployAndRegisterApp(address,bool,bool,bool,bytes32,bytes32)", "9cb9c31f"),
            ("deployAndRegisterApp(address,bool,bool,bytes32,bytes32)", "8618169d"),
            ("addKmsAggregatedMr(bytes32)", "3e32d346"), ("removeKmsAggregatedMr(bytes32)", "2adee48d"),
            ("addKmsDevice(bytes32)", "4d5922a1"), ("removeKmsDevice(bytes32)", "9e6f3114"),
            ("addOsImageHash(bytes32)", "06a3ae96"), ("removeOsImageHash(bytes32)", "9425bac6"),
            ("allowedComposeHashes(bytes32)", "2f6622e5"), ("allowAnyDevice()", "3440a16a"),
            ("allowedDeviceIds(bytes32)", "bf8b211b"), ("requireTcbUpToDate()", "0aa58c83"),
            ("initialize(address,bool,bool,bytes32,bytes32)", "187515ca"),
            ("initialize(address,bool,bool,bool,bytes32,bytes32)", "9ed28193"), ("version()", "54fd4d50"),
            ("addComposeHash(bytes32)", "dfc77223"), ("removeComposeHash(bytes32)", "67b3f22c"),
            ("setAllowAnyDevice(bool)", "7c4beeb8"), ("setRequireTcbUpToDate(bool)", "6e4c7422"),
            ("addDevice(bytes32)", "2a819728"), ("removeDevice(bytes32)", "1d266200"), ("disableUpgrades()", "ec669036"),
            ("owner()", "8da5cb5b"), ("pendingOwner()", "e30c3978"), ("transferOwnership(address)", "f2fde38b"),
            ("acceptOwnership()", "79ba5097"), ("renounceOwnership()", "715018a6"),
            ("upgradeToAndCall(address,bytes)", "4f1ef286"), ("proxiableUUID()", "52d1902d"),
            ("UPGRADE_INTERFACE_VERSION()", "ad3cb1cc"), ("supportsInterface(bytes4)", "01ffc9a7"),
            // tutorial §2.6
            ("noticePeriod()", "9b14d4c6"), ("proposedAt(bytes32)", "7c9fb258"), ("activatesAt(bytes32)", "a6e38615"),
            ("verify(bytes32,bytes,bytes,bytes,bytes,bytes,string)", "f2624592"),
            ("fulfill(uint256,uint256,uint256,(bytes32,bytes,bytes,bytes,bytes,bytes,string))", "ec3ad972"),
            ("request()", "338cdca1"), ("requests(uint256)", "81d12c58"), ("kmsRoot()", "afc38307"), ("appId()", "80afdea8"),
            ("getThreshold()", "e75235b8"), ("getOwners()", "a0e67e2b"), ("getMinDelay()", "f27a0c92"),
        ]
        for (sig, sel) in vectors { #expect(ABI.selector(sig).hex == sel, "\(sig)") }
        // The declared functions use the same signatures.
        #expect(DstackABI.isAppAllowed.selector.hex == "1e079198")
        #expect(DstackABI.isKmsAllowed.selector.hex == "e067ec9d")
        #expect(DstackABI.oracleVerify.selector.hex == "f2624592")
        #expect(DstackABI.activatesAt.selector.hex == "a6e38615")
        #expect(DstackABI.appBootInfoType.description == "(address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[])")
        // Interface ids: XOR of selectors.
        let basic = ["addComposeHash(bytes32)", "removeComposeHash(bytes32)", "addDevice(bytes32)", "removeDevice(bytes32)"]
            .map(ABI.selector).reduce(Bytes(repeating: 0, count: 4)) { a, b in zip(a, b).map { $0 ^ $1 } }
        #expect(basic == DstackABI.iAppAuthBasicManagementInterfaceId)
    }

    @Test func policyTags() throws {
        #expect(DstackABI.policyTag(try Hex.decode("56bdf4352a9ceb1ba8f5c68066725c095e69c1d3f8a437290f0ac1da8fb4e19c")) == "compose-hash")
        #expect(DstackABI.policyTag(try Hex.decode("bc0346dd2a1caffcfdf89515e8a3ad921515d32b39d8e28334b87bd5a1bdb6aa")) == "os-image")
        #expect(DstackABI.policyTag(Bytes(repeating: 0, count: 32)) == nil)
    }

    @Test func revertReasons() throws {
        let err = ABI.encodeErrorString("compose hash not allowed")
        #expect(err.prefix(4) == [0x08, 0xc3, 0x79, 0xa0])
        #expect(ABI.decodeRevert(err) == .error("compose hash not allowed"))
        // Panic(0x11) as Solidity emits it.
        let panic = try Hex.decode("4e487b710000000000000000000000000000000000000000000000000000000000000011")
        #expect(ABI.decodeRevert(panic) == .panic(Word(0x11)))
        #expect(ABI.decodeRevert(panic).description.contains("overflow"))
        #expect(ABI.decodeRevert([]) == .empty)
        #expect(ABI.decodeRevert([0xde, 0xad, 0xbe, 0xef, 1]) == .custom([0xde, 0xad, 0xbe, 0xef, 1]))
        // Error(string) with a broken body is custom, not a crash.
        #expect(ABI.decodeRevert(Array(err.prefix(40))) == .custom(Array(err.prefix(40))))
    }

    @Test func wordConversions() throws {
        #expect(try Word(parsing: "115792089237316195423570985008687907853269984665640564039457584007913129639935").bytes == Bytes(repeating: 0xff, count: 32))
        #expect(throws: DevProofError.self) { try Word(parsing: "115792089237316195423570985008687907853269984665640564039457584007913129639936") }
        #expect(try Word(parsing: "0x1a").uint64 == 26)
        #expect(Word(-1).signedDecimal == "-1")
        #expect(Word(1234).quantity == "0x4d2")
        #expect(Word(0).quantity == "0x0")
        #expect(throws: DevProofError.self) { try Word(parsing: "12a") }
        #expect(throws: DevProofError.self) { try Word(parsing: "") }
    }

    @Test func encodeRejectsMismatches() {
        #expect(throws: ABIError.self) { try ABI.encode([.uint(8)], [.uint(Word(256))]) }
        #expect(throws: ABIError.self) { try ABI.encode([.int(8)], [.int(Word(128))]) }
        #expect(throws: ABIError.self) { try ABI.encode([.fixedBytes(4)], [.fixedBytes([1, 2])]) }
        #expect(throws: ABIError.self) { try ABI.encode([.bool], [.string("x")]) }
        #expect(throws: ABIError.self) { try ABI.encode([.bool], []) }
        #expect(throws: ABIError.self) { try ABIType(parsing: "uint7") }
        #expect(throws: ABIError.self) { try ABIType(parsing: "(uint256") }
        #expect(throws: ABIError.self) { try ABIType(parsing: "bytes33") }
        #expect(throws: ABIError.self) { try ABIType(parsing: "uint256[0]") }
    }

    // Untrusted return data: every malformation is a typed error, never a trap.
    @Test func decodeRejectsMalformedData() throws {
        func word(_ v: UInt64) -> Bytes { Word(v).bytes }
        let bad: [([ABIType], Bytes, String)] = [
            ([.uint(256)], Bytes(repeating: 0, count: 31), "truncated word"),
            ([.bool], word(2), "bool 2"),
            ([.address], Bytes(repeating: 0xff, count: 32), "dirty address"),
            ([.uint(8)], word(256), "dirty uint8"),
            ([.fixedBytes(4)], Bytes(repeating: 0xff, count: 32), "dirty bytes4 padding"),
            ([.int(8)], word(0x80), "int8 not sign-extended"),
            ([.bytes], word(0x40), "offset past end"),
            ([.bytes], word(0x20) + word(1_000_000), "length past end"),
            ([.bytes], word(0x20) + Bytes(repeating: 0xff, count: 32), "huge length"),
            ([.bytes], word(0x20) + word(3) + [1, 2, 3], "missing padding"),
            ([.bytes], word(0x20) + word(1) + [1] + Bytes(repeating: 1, count: 31), "dirty padding"),
            ([.string], word(0x20) + word(2) + [0xc3, 0x28] + Bytes(repeating: 0, count: 30), "invalid UTF-8"),
            ([.array(.uint(256))], word(0x20) + word(UInt64.max), "array length 2^64"),
            ([.array(.uint(256))], word(0x20) + word(5) + word(1), "array longer than data"),
            ([.string], [], "empty data"),
            ([.tuple([.bool, .string])], word(0x20) + word(1), "tuple truncated"),
        ]
        for (types, data, what) in bad {
            #expect(throws: ABIError.self, "\(what)") { try ABI.decode(types, data) }
        }
    }

    /// Random and mutated data against every shape the verifier decodes: typed errors or values, never a trap.
    @Test func randomDataNeverTraps() throws {
        var rng = SystemRandomNumberGenerator()
        let shapes: [[ABIType]] = [
            [DstackABI.appBootInfoType], [.bool, .string], [.bytes, .bytes, .bytes, .bytes], [.array(.array(.string))],
            [.fixedArray(.tuple([.uint(8), .bytes]), 3)], [.address, .int(16), .fixedBytes(7)], [.array(.address)],
        ]
        let valid = try ABI.encode([DstackABI.appBootInfoType], [.tuple([
            .address(.zero), .fixedBytes(Bytes(repeating: 1, count: 32)), .address(.zero), .fixedBytes(Bytes(repeating: 2, count: 32)),
            .fixedBytes(Bytes(repeating: 3, count: 32)), .fixedBytes(Bytes(repeating: 4, count: 32)), .fixedBytes(Bytes(repeating: 5, count: 32)),
            .string("UpToDate"), .array([.string("INTEL-SA-1"), .string("INTEL-SA-2")])])])
        var decoded = 0
        for i in 0..<3000 {
            var data: Bytes
            if i % 2 == 0 {
                data = valid
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let k = Int.random(in: 0..<data.count, using: &rng)
                    data[k] = [0, 0xff, UInt8.random(in: 0...255, using: &rng), 0x20, 0x40][Int.random(in: 0..<5, using: &rng)]
                }
                if Bool.random(using: &rng) { data = Array(data.prefix(Int.random(in: 0...data.count, using: &rng))) }
            } else {
                data = (0..<Int.random(in: 0...320, using: &rng)).map { _ in
                    Bool.random(using: &rng) ? 0 : UInt8.random(in: 0...255, using: &rng)
                }
            }
            for types in shapes {
                if (try? ABI.decode(types, data, maxElements: 10_000)) != nil { decoded += 1 }
            }
            _ = ABI.decodeRevert(data)
        }
        #expect(decoded > 0)
    }

    @Test func decodeBoundsWorkOnSharedOffsets() throws {
        // string[][] where every inner array points at the same 1000-element array: a decoding bomb.
        var data = Word(0x20).bytes + Word(1000).bytes
        // Heads start at 0x40; the shared array follows the 1000 heads, at relative offset 32000.
        for _ in 0..<1000 { data += Word(32_000).bytes }
        data += Word(1000).bytes + Bytes(repeating: 0, count: 1000 * 32)
        #expect(throws: ABIError.self) { try ABI.decode([.array(.array(.uint(256)))], data, maxElements: 100_000) }
        // The same layout with a budget that allows it decodes (shared offsets are legal ABI).
        let v = try ABI.decode([.array(.array(.uint(256)))], data, maxElements: 2_000_000)
        #expect(v.first?.arrayValue?.count == 1000)
    }
}
