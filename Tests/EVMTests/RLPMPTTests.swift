import DevProofCore
import Foundation
import TestSupport
import Testing
@testable import EVM

@Suite("RLP and Merkle-Patricia: vectors, strict decoding, differential against pyrlp and py-trie")
struct RLPMPTTests {
    @Test func yellowPaperVectors() throws {
        let cases: [(RLP, String)] = [
            (.bytes([]), "80"), (.bytes([0]), "00"), (.bytes([0x7f]), "7f"), (.bytes([0x80]), "8180"),
            (.bytes(Array("dog".utf8)), "83646f67"),
            (.list([.bytes(Array("cat".utf8)), .bytes(Array("dog".utf8))]), "c88363617483646f67"),
            (.list([]), "c0"), (.uint(0), "80"), (.uint(15), "0f"), (.uint(1024), "820400"),
            (.list([.list([]), .list([.list([])]), .list([.list([]), .list([.list([])])])]), "c7c0c1c0c3c0c1c0"),
            (.bytes(Array("Lorem ipsum dolor sit amet, consectetur adipisicing elit".utf8)),
             "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974"),
        ]
        for (item, hex) in cases {
            #expect(item.encoded().hex == hex)
            #expect(try RLP.decode(try Hex.decode(hex)) == item)
        }
    }

    static func malformed(_ hex: String) -> String {
        do { _ = try RLP.decode(try Hex.decode(hex)); return "decoded" } catch let e as DevProofError {
            guard case .malformed(let m) = e else { return "other category" }
            return m
        } catch { return "other error" }
    }

    @Test func nonCanonicalAndTruncatedAreMalformed() {
        #expect(Self.malformed("8105").contains("non-canonical"))          // single byte wrapped
        #expect(Self.malformed("b80100").contains("non-canonical"))        // long form for a short string
        #expect(Self.malformed("b90000").contains("leading zero"))         // length with a leading zero
        #expect(Self.malformed("f800").contains("non-canonical"))          // long list form for 0 bytes
        #expect(Self.malformed("83646f").contains("remain"))               // truncated
        #expect(Self.malformed("c883636174").contains("remain"))           // list longer than input
        #expect(Self.malformed("8000").contains("trailing"))               // two items where one is expected
        #expect(Self.malformed("").contains("truncated"))
        #expect(Self.malformed("bcffffffffff").contains("bound") || Self.malformed("bcffffffffff").contains("remain"))
        var deep = RLP.empty
        for _ in 0..<40 { deep = .list([deep]) }
        #expect(Self.malformed(deep.encoded().hex).contains("nesting"))
        #expect(throws: DevProofError.self) { try RLP.bytes([0, 1]).uint64("x") }
        #expect(throws: DevProofError.self) { try RLP.bytes(Array(repeating: 1, count: 9)).uint64("x") }
    }

    @Test func headerInputsAreBounded() throws {
        #expect(throws: DevProofError.self) { try ExecutionHeader(rlp: Array(repeating: 0xc0, count: 5000)) }
        #expect(throws: DevProofError.self) { try ExecutionHeader(rlp: RLP.list([.bytes([1])]).encoded()) }
        let huge = JSONValue.obj([("parentHash", .string("0x" + String(repeating: "ab", count: 100_000)))])
        #expect(throws: DevProofError.self) { try ExecutionHeader(json: huge) }
    }

    @Test func emptyTrieAndBounds() throws {
        #expect(MerklePatricia.emptyRoot.hex == "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
        #expect(try MerklePatricia.verify(root: MerklePatricia.emptyRoot, key: [1], proof: []) == nil)
        #expect(throws: ProofError.self) { try MerklePatricia.verify(root: MerklePatricia.emptyRoot, key: [1], proof: [[0xc0]]) }
        #expect(throws: ProofError.self) { try MerklePatricia.verify(root: Keccak.keccak256([1]), key: [1], proof: Array(repeating: [0x80], count: 70)) }
        #expect(throws: ProofError.self) { try MerklePatricia.verify(root: Keccak.keccak256([1]), key: [1], proof: [Array(repeating: 0, count: 2000)]) }
        // A zero-length extension pointing at itself cannot be built by hash, but an embedded one can loop.
        let ext = RLP.list([.bytes([0x00]), .list([.bytes([0x00]), .bytes([])])]).encoded()
        #expect(throws: ProofError.self) { try MerklePatricia.verify(root: Keccak.keccak256(ext), key: [1], proof: [ext]) }
    }

    @Test("RLP: pyrlp's encodings decode and re-encode byte-identically",
          .enabled(if: TestPaths.python != nil, "Python venv not found (set DEVPROOF_PYTHON): pyrlp oracle not run"))
    func rlpDifferential() throws {
        let r = try Run.python([TestPaths.root.appendingPathComponent("scripts/evm_oracle.py").path, "rlp", "20261202", "400"])
        try #require(r.status == 0, "oracle failed: \(r.stderr)")
        func item(_ v: JSONValue) throws -> RLP {
            if let a = v.arrayValue { return .list(try a.map(item)) }
            return .bytes(try Hex.decode(try #require(v.stringValue)))
        }
        var n = 0
        for line in r.stdout.split(separator: "\n") {
            let row = try JSONParser.parse(String(line))
            let enc = try Hex.decode(try #require(row["rlp"]?.stringValue))
            let want = try item(try #require(row["item"]))
            #expect(want.encoded() == enc)
            #expect(try RLP.decode(enc, maxDepth: 8) == want)
            n += 1
        }
        #expect(n == 400)
    }

    @Test("MPT: py-trie's proofs verify (present, absent, embedded nodes); mutations fail",
          .enabled(if: TestPaths.python != nil, "Python venv not found (set DEVPROOF_PYTHON): py-trie oracle not run"))
    func mptDifferential() throws {
        let r = try Run.python([TestPaths.root.appendingPathComponent("scripts/evm_oracle.py").path, "mpt", "20261202", "60"])
        try #require(r.status == 0, "oracle failed: \(r.stderr)")
        var present = 0, absent = 0, mutated = 0
        for line in r.stdout.split(separator: "\n") {
            let row = try JSONParser.parse(String(line))
            let root = try Hex.decode(try #require(row["root"]?.stringValue))
            let key = try Hex.decode(try #require(row["key"]?.stringValue))
            let proof = try #require(row["proof"]?.arrayValue).map { try Hex.decode(try #require($0.stringValue)) }
            let want = try row["value"]?.stringValue.map { try Hex.decode($0) }
            let got = try MerklePatricia.verify(root: root, key: key, proof: proof)
            #expect(got == want, "key \(key.hex)")
            if want == nil { absent += 1 } else { present += 1 }
            // Flip one byte of each node: refused, or (absence proofs) never a value.
            for i in proof.indices where !proof[i].isEmpty {
                var m = proof; m[i][m[i].count / 2] ^= 0x10
                let res = try? MerklePatricia.verify(root: root, key: key, proof: m)
                if want != nil { #expect(res == nil, "mutated node \(i) still proves a value") }
                else { #expect(res == nil || res! == nil) }
                mutated += 1
            }
        }
        #expect(present > 50 && absent > 20 && mutated > 100)
    }
}
