import DevProofCore
import Foundation
import TestSupport
import Testing
@testable import EVM

/// The execution-apis test chain (corpus lightclient/): recorded `.io` exchanges, `>>` request and
/// `<<` response lines. Returns the result of every response with a result, with its request.
func ioExchanges(_ rel: String) throws -> [(request: JSONValue, result: JSONValue)]? {
    guard let path = TestPaths.corpusFile("lightclient/" + rel) else {
        if TestPaths.corpusRequired { Issue.record("corpus required but missing (DEVPROOF_CORPUS)") }
        else { print("SKIP: corpus absent, lightclient/\(rel) not tested") }
        return nil
    }
    let text = String(decoding: try InputFile.read(path), as: UTF8.self)
    var out = [(JSONValue, JSONValue)](), req: JSONValue = .null
    for line in text.split(separator: "\n") {
        if line.hasPrefix(">> ") { req = try JSONParser.parse(String(line.dropFirst(3))) }
        if line.hasPrefix("<< "), let r = try JSONParser.parse(String(line.dropFirst(3)))["result"], !r.isNull { out.append((req, r)) }
    }
    return out
}

func corpusDir(_ rel: String) -> [String] {
    guard let p = TestPaths.corpusFile("lightclient/" + rel) else { return [] }
    return ((try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []).filter { $0.hasSuffix(".io") }.sorted().map { rel + "/" + $0 }
}

let latestHash = "0xd226371d0b1551adb03fb52b71f08e3e11247fe9b1af994768af8cdaa8e7dcd7"
let latestStateRoot = "0x6da8f636cdc85dbe8c1b5299e5db22f462c041febaf3b78cac1040152ee30b3b"

@Suite("lightclient corpus: headers of every fork, chain.rlp links, EIP-1186 proofs and their mutations")
struct LightClientCorpusTests {
    @Test func everyBlockHashRecomputes() throws {
        var counts = Set<Int>(), n = 0
        for f in corpusDir("eth_getBlockByNumber") {
            guard let ex = try ioExchanges(f) else { return }
            for (_, r) in ex {
                let h = try ExecutionHeader(json: r)
                #expect(h.hash.hex0x == r["hash"]?.stringValue, "\(f)")
                #expect(h.stateRoot.hex0x == r["stateRoot"]?.stringValue)
                counts.insert(h.fields.count); n += 1
            }
        }
        guard n > 0 else { return }
        #expect(counts == [15, 16, 17, 20, 21], "every fork's field set is covered")
        let latest = try #require(try ioExchanges("eth_getBlockByNumber/get-latest.io")?.first?.result)
        let h = try ExecutionHeader(json: latest)
        #expect(h.hash.hex0x == latestHash && h.number == 54 && h.forkName == "Prague")
    }

    @Test func everyBlockFieldMutationChangesTheHash() throws {
        guard let ex = try ioExchanges("eth_getBlockByNumber/get-block-prague-fork.io"), let r = ex.first?.result else { return }
        let h = try ExecutionHeader(json: r)
        for i in h.fields.indices {
            var f = h.fields
            if f[i].isEmpty { f[i] = [1] } else { f[i][f[i].count - 1] ^= 1; if f[i].first == 0 { f[i][0] = 1 } }
            let m = try ExecutionHeader(fields: f)
            #expect(m.hash != h.hash, "field \(ExecutionHeader.layout[i].name)")
        }
        // Dropping the Prague field gives a Cancun-shaped header: another hash, never the same one.
        #expect(try ExecutionHeader(fields: Array(h.fields.dropLast())).hash != h.hash)
    }

    @Test func rawHeadersAreCanonicalAndHashToTheBlock() throws {
        for f in corpusDir("debug_getRawHeader") {
            guard let ex = try ioExchanges(f) else { return }
            for (_, r) in ex {
                let raw = try Hex.decode(try #require(r.stringValue))
                let h = try ExecutionHeader(rlp: raw)
                #expect(h.rlp == raw, "re-encoding is byte-identical")
                #expect(h.hash == Keccak.keccak256(raw))
            }
        }
    }

    /// chain.rlp: genesis to block 54; walking parentHash from the trusted latest hash reaches genesis.
    @Test func chainRLPLinksFromLatestToGenesis() throws {
        guard let p = TestPaths.corpusFile("lightclient/chain.rlp") else { return }
        let blocks = try RLP.decodeSequence(try InputFile.read(p), maxItems: 1000)
        var headers = try blocks.map { try ExecutionHeader(item: try #require($0.listValue?.first)) }
        headers.sort { $0.number > $1.number }
        #expect(headers.first?.hash.hex0x == latestHash)
        try HeaderChain.verifyLinks(headers)
        let byNumber = Dictionary(uniqueKeysWithValues: headers.map { ($0.number, $0) })
        let g = try HeaderChain.walk(from: headers[0], to: 1, maxLength: 64) { try #require(byNumber[$0]) }
        #expect(g.number == 1)
        // A substituted header breaks the link, with the block named.
        var tampered = headers
        var f = tampered[10].fields; f[11] = RLP.uint(tampered[10].timestamp + 1).bytesValue!
        tampered[10] = try ExecutionHeader(fields: f)
        #expect(throws: ProofError.self) { try HeaderChain.verifyLinks(tampered) }
        #expect(throws: ProofError.self) { try HeaderChain.walk(from: headers[0], to: 1, maxLength: 10) { try #require(byNumber[$0]) } }
    }

    static func proofs() throws -> [AccountProof]? {
        var out = [AccountProof]()
        for f in corpusDir("eth_getProof") {
            guard let ex = try ioExchanges(f) else { return nil }
            out += try ex.map { try AccountProof(json: $0.result) }
        }
        return out.isEmpty ? nil : out
    }

    @Test func everyAccountAndStorageProofVerifies() throws {
        guard let ps = try Self.proofs() else { return }
        let root = try Hex.decode(latestStateRoot)
        var slots = 0
        for p in ps {
            let a = try EIP1186.verify(p, stateRoot: root)
            #expect(a.exists)
            slots += a.storage.count
        }
        #expect(slots >= 1)
        let ws = try #require(ps.first { !$0.storage.isEmpty })
        let a = try EIP1186.verify(ws, stateRoot: root)
        #expect(a.address.hex == "0x7dcd17433742f4c0ca53122ab541d0ba67fc27df")
        #expect(a.value(at: [0])?.hex0x == "0x" + String(repeating: "0", count: 62) + "38")
    }

    @Test func everyFlippedProofByteFails() throws {
        guard let ps = try Self.proofs(), let p = ps.first(where: { !$0.storage.isEmpty }) else { return }
        let root = try Hex.decode(latestStateRoot)
        var tried = 0
        for (ni, node) in p.accountProof.enumerated() {
            for bi in stride(from: 0, to: node.count, by: 7) {
                var m = p; m.accountProof[ni][bi] ^= 0x01
                #expect(throws: ProofError.self, "account node \(ni) byte \(bi)") { try EIP1186.verify(m, stateRoot: root) }
                tried += 1
            }
        }
        for (ni, node) in p.storage[0].proof.enumerated() {
            for bi in 0..<node.count {
                var m = p; m.storage[0].proof[ni][bi] ^= 0x80
                #expect(throws: ProofError.self, "storage node \(ni) byte \(bi)") { try EIP1186.verify(m, stateRoot: root) }
                tried += 1
            }
        }
        #expect(tried > 300)
    }

    @Test func structuralMutationsFailWithTheReason() throws {
        guard let ps = try Self.proofs(), let p = ps.first(where: { !$0.storage.isEmpty }) else { return }
        let root = try Hex.decode(latestStateRoot)
        func reason(_ m: AccountProof, _ r: Bytes = try! Hex.decode(latestStateRoot)) -> String {
            do { _ = try EIP1186.verify(m, stateRoot: r); return "verified" } catch { return "\(error)" }
        }
        var m = p; m.accountProof.removeLast()
        #expect(reason(m).contains("missing node"))
        m = p; m.accountProof.remove(at: 1)
        #expect(reason(m).contains("does not hash"))
        #expect(reason(p, Keccak.keccak256([1])).contains("root"))
        m = p; m.accountProof += p.accountProof          // the path repeated: a loop
        #expect(reason(m).contains("after the end of the path"))
        m = p; m.storage[0].value = [0x39]
        #expect(reason(m).contains("proof shows 0x38"))
        m = p; m.balance = [1]
        #expect(reason(m).contains("balance"))
        m = p; m.storageHash = Keccak.keccak256([2])
        #expect(reason(m).contains("storageHash"))
        m = p; m.codeHash = EIP1186.emptyCodeHash
        #expect(reason(m).contains("codeHash"))
        m = p; m.storage[0].proof = []
        #expect(reason(m).contains("missing node"))
        // A proof of another slot does not prove this one.
        m = p; m.storage[0].key = Word(1).bytes
        #expect(reason(m) != "verified")
        _ = root
    }

    @Test func absenceIsProvenNotAssumed() throws {
        guard let ps = try Self.proofs(), let p = ps.first else { return }
        let root = try Hex.decode(latestStateRoot)
        // The same proof nodes, asked for another address: the walk ends on a different path,
        // either proving absence or failing; it never yields the original account.
        var m = p; m.address = try Address("0x0000000000000000000000000000000000000001")
        m.nonce = []; m.balance = []; m.storageHash = MerklePatricia.emptyRoot; m.codeHash = EIP1186.emptyCodeHash
        m.storage = []
        if let a = try? EIP1186.verify(m, stateRoot: root) { #expect(!a.exists) }
        // Claiming the empty account for an address the proof shows existing fails.
        m = p; m.nonce = []; m.balance = []; m.storageHash = MerklePatricia.emptyRoot; m.codeHash = EIP1186.emptyCodeHash
        #expect(throws: ProofError.self) { try EIP1186.verify(m, stateRoot: root) }
    }
}
