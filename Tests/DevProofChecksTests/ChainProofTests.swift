import DevProofChecks
import DevProofCore
import DstackChain
import EVM
import Foundation
import Testing
import TestSupport

/// Builds TeeOracle proofs with known keys (test keys only).
struct ProofMaker {
    let rootKey = Bytes(repeating: 0x11, count: 32)
    let appKey = Bytes(repeating: 0x22, count: 32)
    let derivedKey = Bytes(repeating: 0x33, count: 32)
    let appId = try! Hex.decode("ea549f02e1a25fabd1cb788380e033ec5461b2ff")
    var purpose = "ethereum"

    var rootAddress: Address { Address(publicKey: try! Secp256k1.PublicKey(privateKey: rootKey)) }

    func make(price: UInt64 = 100, timestamp: UInt64 = 1_700_000_000, kmsSigner: Bytes? = nil, messageSigner: Bytes? = nil,
              certifiedAppKey: Bytes? = nil) throws -> TeeOracleProof {
        let derivedPub = try Secp256k1.PublicKey(privateKey: derivedKey).compressed
        let appPub = try Secp256k1.PublicKey(privateKey: certifiedAppKey ?? appKey).compressed
        let appMsg = Array((purpose + ":" + derivedPub.hex).utf8)
        let appSig = try Secp256k1.sign(hash: Keccak.keccak256(appMsg), privateKey: appKey).bytes
        let kmsMsg = Array("dstack-kms-issued:".utf8) + appId + appPub
        let kmsSig = try Secp256k1.sign(hash: Keccak.keccak256(kmsMsg), privateKey: kmsSigner ?? rootKey).bytes
        let mh = TeeOracleProof.priceMessageHash(price: Word(price), timestamp: Word(timestamp))
        let msgSig = try Secp256k1.sign(hash: EIP191.hash(message: mh), privateKey: messageSigner ?? derivedKey).bytes
        return TeeOracleProof(messageHash: mh, messageSignature: msgSig, appSignature: appSig, kmsSignature: kmsSig,
                              derivedCompressedPubkey: derivedPub, appCompressedPubkey: appPub, purpose: purpose,
                              price: Word(price), timestamp: Word(timestamp))
    }

    func json(_ p: TeeOracleProof, extra: [(String, JSONValue)] = []) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("messageHash", .string(p.messageHash.hex0x)), ("messageSignature", .string(p.messageSignature.hex0x)),
            ("appSignature", .string(p.appSignature.hex0x)), ("kmsSignature", .string(p.kmsSignature.hex0x)),
            ("derivedCompressedPubkey", .string(p.derivedCompressedPubkey.hex0x)),
            ("appCompressedPubkey", .string(p.appCompressedPubkey.hex0x)), ("purpose", .string(p.purpose)),
        ]
        if let pr = p.price { m.append(("price", .number(pr.decimal))) }
        if let t = p.timestamp { m.append(("timestamp", .number(t.decimal))) }
        return .obj(m + extra)
    }
}

@Suite("chain: TeeOracle.verify off-chain")
struct ChainProofTests {
    let m = ProofMaker()

    @Test func validProofVerifies() throws {
        let p = try m.make()
        let (out, trace) = TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId)
        #expect(out == .valid)
        #expect(trace.highS.isEmpty)
        // appId given as bytes32 (left-aligned) is the same app.
        #expect(TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId + Bytes(repeating: 0, count: 12)).0 == .valid)
    }

    @Test func eachStepRejects() throws {
        let other = Bytes(repeating: 0x44, count: 32)
        // Step 2: another KMS, or another app id.
        #expect(TeeOracleVerifier.verify(try m.make(kmsSigner: other), kmsRoot: m.rootAddress, appId: m.appId).0.stepOrNil == 2)
        #expect(TeeOracleVerifier.verify(try m.make(), kmsRoot: m.rootAddress, appId: Bytes(repeating: 1, count: 20)).0.stepOrNil == 2)
        // Step 3: the message signed by another key.
        #expect(TeeOracleVerifier.verify(try m.make(messageSigner: other), kmsRoot: m.rootAddress, appId: m.appId).0.stepOrNil == 3)
        // Step 4: the KMS certified another app key than the one that signed the derived key.
        #expect(TeeOracleVerifier.verify(try m.make(certifiedAppKey: other), kmsRoot: m.rootAddress, appId: m.appId).0.stepOrNil == 4)
        // Changing the purpose breaks the app signature (step 4: the recovered app key is a random one).
        var p = try m.make(); p.purpose = "signing"
        #expect(TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId).0.stepOrNil == 4)
        // A flipped messageHash bit.
        var q = try m.make(); q.messageHash[0] ^= 1
        #expect(TeeOracleVerifier.verify(q, kmsRoot: m.rootAddress, appId: m.appId).0.stepOrNil == 3)
    }

    @Test func vNormalizationLikeTheContract() throws {
        var p = try m.make()
        // v 27/28 is what _recoverSigner produces from 0/1: same result.
        p.messageSignature[64] += 27
        #expect(TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId).0 == .valid)
        // v = 2 becomes 29: ecrecover returns address(0): false, not a revert.
        p.messageSignature[64] = 2
        #expect(TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId).0.stepOrNil == 3)
    }

    @Test func highSIsAcceptedButFlagged() throws {
        var p = try m.make()
        // s' = n - s with the other recovery id recovers the same key.
        let n = Secp256k1.order
        let s = Array(p.messageSignature[32..<64])
        var borrow = 0, out = Bytes(repeating: 0, count: 32)
        for i in stride(from: 31, through: 0, by: -1) {
            var d = Int(n[i]) - Int(s[i]) - borrow
            borrow = d < 0 ? 1 : 0; if d < 0 { d += 256 }
            out[i] = UInt8(d)
        }
        p.messageSignature = Array(p.messageSignature[0..<32]) + out + [p.messageSignature[64] ^ 1]
        let (o, t) = TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId)
        #expect(o == .valid)
        #expect(t.highS == ["messageSignature"])
    }

    @Test func formatErrorsRevertInContractOrder() throws {
        var p = try m.make()
        p.appSignature = Array(p.appSignature.prefix(64))
        guard case .reverts(let r) = TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId).0 else { Issue.record("expected revert"); return }
        #expect(r.contains("bad sig len"))
        // A 32-byte derived key reverts at step 3 ...
        var q = try m.make(); q.derivedCompressedPubkey = Array(q.derivedCompressedPubkey.suffix(32))
        guard case .reverts(let r2) = TeeOracleVerifier.verify(q, kmsRoot: m.rootAddress, appId: m.appId).0 else { Issue.record("expected revert"); return }
        #expect(r2.contains("need compressed pubkey"))
        // ... unless step 2 already returned false.
        #expect(TeeOracleVerifier.verify(q, kmsRoot: Address.zero, appId: m.appId).0.stepOrNil == 2)
        // Prefix 04 reverts "invalid prefix".
        var w = try m.make(); w.derivedCompressedPubkey[0] = 4
        guard case .reverts(let r3) = TeeOracleVerifier.verify(w, kmsRoot: m.rootAddress, appId: m.appId).0 else { Issue.record("expected revert"); return }
        #expect(r3.contains("invalid prefix"))
    }

    /// TeeOracle.t.sol `test_VerifyReturnsFalseForBadSig`: all-zero signatures, pubkey 0x02…01 → false, no crash.
    @Test func allZeroSignaturesAreFalse() {
        let pk: Bytes = [2] + Bytes(repeating: 0, count: 31) + [1]
        let p = TeeOracleProof(messageHash: Bytes(repeating: 0, count: 32), messageSignature: Bytes(repeating: 0, count: 65),
                               appSignature: Bytes(repeating: 0, count: 65), kmsSignature: Bytes(repeating: 0, count: 65),
                               derivedCompressedPubkey: pk, appCompressedPubkey: pk)
        #expect(TeeOracleVerifier.verify(p, kmsRoot: m.rootAddress, appId: m.appId).0.stepOrNil == 2)
        // With kmsRoot = address(0) the zero KMS signature "matches" (as on-chain); step 3 then rejects.
        #expect(TeeOracleVerifier.verify(p, kmsRoot: .zero, appId: m.appId).0.stepOrNil == 3)
    }

    @Test func proofJSONShapes() throws {
        let p = try m.make()
        #expect(try TeeOracleProof(json: m.json(p)) == p)
        // 05 response shape: signature + signatureChain with aliases.
        let resp = JSONValue.obj([
            ("price", .number("100")), ("timestamp", .number("1700000000")), ("source", .string("x")),
            ("messageHash", .string(p.messageHash.hex0x)), ("signature", .string(p.messageSignature.hex0x)),
            ("signatureChain", .obj([("appSignature", .string(p.appSignature.hex)), ("kmsSignature", .string(p.kmsSignature.hex)),
                                     ("derivedPubkey", .string(p.derivedCompressedPubkey.hex)), ("appPubkey", .string(p.appCompressedPubkey.hex)),
                                     ("purpose", .string("ethereum"))])),
        ])
        #expect(try TeeOracleProof(json: resp) == p)
        for bad in [#"[]"#, #"{"messageHash":"0x12"}"#, #"{"messageHash":"0x\#(String(repeating: "00", count: 32))"}"#,
                    #"{"messageHash":"zz"}"#] {
            #expect(throws: DevProofError.self) { try TeeOracleProof(json: try JSONParser.parse(bad)) }
        }
    }

    func writeProof(_ j: JSONValue) throws -> String {
        let dir = TestPaths.tempDir("chain-proof")
        let path = dir.appendingPathComponent("proof.json").path
        try InputFile.write(path, Array(j.serialized().utf8))
        return path
    }

    @Test func reportChecksOffline() throws {
        var o = ChainProofOptions()
        o.proofPath = try writeProof(m.json(try m.make()))
        o.kmsRoot = .address(m.rootAddress); o.appId = m.appId.hex.appIdValue
        let r = try Chain.verifyProof(o)
        #expect(r.verdict == .pass)
        #expect(r.check("chain.proof_offchain")?.status == .pass)
        #expect(r.check("chain.proof_message_hash")?.status == .pass)
        // --price 200 against a hash of 100: msg_hash mismatch (TeeOracle.t.sol test_FulfillRequiresCorrectHash).
        o.price = "200"
        let r2 = try Chain.verifyProof(o)
        #expect(r2.verdict == .fail)
        #expect(r2.check("chain.proof_message_hash")?.summary.contains("msg_hash mismatch") == true)
        // Another KMS root: fail at step 2.
        o.price = nil; o.kmsRoot = .address(.zero)
        let r3 = try Chain.verifyProof(o)
        #expect(r3.check("chain.proof_offchain")?.status == .fail)
        // No root or app: the check cannot run → inconclusive.
        o.kmsRoot = nil
        #expect(try Chain.verifyProof(o).verdict == .inconclusive)
        // The root given as a public key works the same.
        o.kmsRoot = .publicKey(try Secp256k1.PublicKey(privateKey: m.rootKey))
        #expect(try Chain.verifyProof(o).verdict == .pass)
    }
}

extension TeeOracleOutcome {
    var stepOrNil: Int? { if case .invalid(let s, _) = self { return s }; return nil }
}

/// A TeeOracle proof whose chain ends at dstack's public simulator root (corpus `dstack/simulator-appkeys.json`:
/// the app key and the simulator KMS's signature over it): valid, but never pass (issue 7 §1).
@Suite("chain: verify-proof corpus (simulator root)")
struct ChainProofSimulatorCorpusTests {
    @Test func simulatorRootIsNeverPass() throws {
        if TestPaths.corpusRequired { try #require(TestPaths.corpus != nil) }
        guard let path = TestPaths.corpusFile("dstack/simulator-appkeys.json") else { print("SKIP: corpus absent"); return }
        let v = try InputFile.readJSON(path).value
        let appKey = try Hex.decode(v["k256_key"]?.stringValue ?? "")
        let kmsSig = try Hex.decode(v["k256_signature"]?.stringValue ?? "")
        let appId = try Hex.decode("5bb4ff9a3837357f19dc176407a5709c62eb6c56")
        let derivedKey = Bytes(repeating: 0x33, count: 32)
        let derivedPub = try Secp256k1.PublicKey(privateKey: derivedKey).compressed
        let appPub = try Secp256k1.PublicKey(privateKey: appKey).compressed
        let appSig = try Secp256k1.sign(hash: Keccak.keccak256(Array(("ethereum:" + derivedPub.hex).utf8)), privateKey: appKey).bytes
        let mh = TeeOracleProof.priceMessageHash(price: Word(100), timestamp: Word(1_700_000_000))
        let msgSig = try Secp256k1.sign(hash: EIP191.hash(message: mh), privateKey: derivedKey).bytes
        let p = TeeOracleProof(messageHash: mh, messageSignature: msgSig, appSignature: appSig, kmsSignature: kmsSig,
                               derivedCompressedPubkey: derivedPub, appCompressedPubkey: appPub, purpose: "ethereum",
                               price: Word(100), timestamp: Word(1_700_000_000))
        let file = TestPaths.tempDir("chain-proof-sim").appendingPathComponent("proof.json").path
        try InputFile.write(file, Array(ProofMaker().json(p).serialized().utf8))
        var o = ChainProofOptions()
        o.proofPath = file; o.appId = appId.hex.appIdValue
        for root in ["0xA7F6043C29f9cc1d9D6aCF554c53E0c6792AaEAf", KMSRoot.dstackSimulatorPubkey] {
            o.kmsRoot = root.kmsRootValue
            let r = try Chain.verifyProof(o)
            #expect(r.verdict == .inconclusive, "\(r.checks.map { "\($0.id) \($0.status) \($0.summary)" })")
            #expect(r.check("chain.proof_offchain")?.status == .skip)
            #expect(r.banners.contains { $0.hasPrefix("SIMULATOR") })
        }
        // Another app id: the chain does not reach the root → fail, simulator or not.
        o.appId = String(repeating: "ab", count: 20).appIdValue
        #expect(try Chain.verifyProof(o).check("chain.proof_offchain")?.status == .fail)
    }
}
