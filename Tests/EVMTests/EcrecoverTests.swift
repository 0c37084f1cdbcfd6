import DevProofCore
import EVM
import Testing
import TestSupport

@Suite("evm: secp256k1, ecrecover, EIP-191")
struct EcrecoverTests {
    static let tutorialKey = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"

    @Test func tooling_vector_some_data() throws {
        // tooling.md: this key signing EIP-191 "Some data" gives 0x2c7536e3…5c23.
        let priv = try Hex.decode(Self.tutorialKey)
        let pub = try Secp256k1.PublicKey(privateKey: priv)
        #expect(Address(publicKey: pub).hex == "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23")
        let sig = try ECRecover.signPersonal(message: Array("Some data".utf8), privateKey: priv)
        let rec = try ECRecover.recoverPersonal(message: Array("Some data".utf8), signature: sig.ethereumBytes)
        #expect(rec.address.hex == "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23")
        #expect(!rec.highS)
        // The published signature of web3's docs for this key and message.
        let published = try Hex.decode("b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c")
        #expect(sig.ethereumBytes == published)
    }

    @Test func eip191_prefix() {
        #expect(EIP191.prefixed(Array("Some data".utf8)) == Array("\u{19}Ethereum Signed Message:\n9Some data".utf8))
        #expect(EIP191.hash(message: "Some data").hex == "1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655")
    }

    @Test func generated_secp256k1_vectors() throws {
        let v = try KeyVectors.get()
        let list = v["secp256k1"]?.arrayValue ?? []
        #expect(list.count == 8)
        for e in list {
            let pub = try Secp256k1.PublicKey(privateKey: try e.hexField("priv"))
            #expect(pub.compressed == (try e.hexField("pub_compressed")))
            #expect(pub.uncompressed == (try e.hexField("pub_uncompressed")))
            #expect(try Secp256k1.PublicKey(sec1: pub.compressed) == pub)
            #expect(try Secp256k1.PublicKey(sec1: pub.uncompressed) == pub)
            #expect(try Secp256k1.PublicKey(sec1: pub.xy) == pub)
            #expect(Address(publicKey: pub).checksummed == (try e.str("address")))

            let digest = try e.hexField("digest")
            let rec = try ECRecover.recover(digest: digest, signature: try e.hexField("sig"))
            #expect(rec.publicKey == pub)
            #expect(!rec.highS)
            #expect(Secp256k1.verify(hash: digest, compact: rec.signature.compact, publicKey: pub))
            // Our own signer is RFC 6979 like coincurve: identical bytes.
            #expect(try Secp256k1.sign(hash: digest, privateKey: try e.hexField("priv")).bytes == (try e.hexField("sig")))

            // The high-s twin recovers the same key and is flagged.
            let twin = try ECRecover.recover(digest: digest, signature: try e.hexField("sig_high_s"))
            #expect(twin.publicKey == pub)
            #expect(twin.highS)
            #expect(!Secp256k1.verify(hash: digest, compact: twin.signature.compact, publicKey: pub))
            #expect(Secp256k1.verify(hash: digest, compact: twin.signature.compact, publicKey: pub, allowHighS: true))

            // Another digest recovers another key; verification fails.
            var other = digest; other[0] ^= 1
            #expect(try ECRecover.recover(digest: other, signature: try e.hexField("sig")).publicKey != pub)
            #expect(!Secp256k1.verify(hash: other, compact: rec.signature.compact, publicKey: pub))
        }
    }

    @Test func generated_eip191_vectors() throws {
        let v = try KeyVectors.get()
        let list = v["eip191"]?.arrayValue ?? []
        #expect(list.count == 5)
        for e in list {
            let msg = try e.hexField("message")
            #expect(EIP191.hash(message: msg) == (try e.hexField("hash")))
            let rec = try ECRecover.recoverPersonal(message: msg, signature: try e.hexField("sig27"))
            #expect(rec.address.checksummed == (try e.str("address")))
        }
    }

    @Test func v_values() throws {
        let priv = try Hex.decode(Self.tutorialKey)
        let h = Keccak.keccak256(Array("x".utf8))
        let sig = try Secp256k1.sign(hash: h, privateKey: priv)
        let pub = try Secp256k1.PublicKey(privateKey: priv)
        for v in [sig.recoveryID, sig.recoveryID + 27] {
            #expect(try Secp256k1.recover(hash: h, signature65: sig.compact + [v]) == pub)
        }
        // The other parity recovers a different key (not an error).
        #expect(try Secp256k1.recover(hash: h, signature65: sig.compact + [sig.recoveryID ^ 1]) != pub)
        for v: UInt8 in [2, 3, 26, 29, 35, 255] {
            #expect(throws: Secp256k1Error.badRecoveryID(v)) { try Secp256k1.recover(hash: h, signature65: sig.compact + [v]) }
        }
    }

    @Test func malformed_signatures_and_keys() throws {
        let h = Keccak.keccak256(Array("x".utf8))
        #expect(throws: Secp256k1Error.badSignatureLength(64)) { try Secp256k1.recover(hash: h, signature65: Bytes(repeating: 1, count: 64)) }
        #expect(throws: Secp256k1Error.badHashLength(31)) { try Secp256k1.recover(hash: Bytes(repeating: 1, count: 31), signature65: Bytes(repeating: 1, count: 65)) }
        // r = s = 0: parses, recovers nothing.
        #expect(throws: Secp256k1Error.self) { try Secp256k1.recover(hash: h, signature65: Bytes(repeating: 0, count: 65)) }
        // r ≥ n: rejected at parse.
        let big = Bytes(repeating: 0xff, count: 32)
        #expect(throws: Secp256k1Error.self) { try Secp256k1.recover(hash: h, signature65: big + Bytes(repeating: 1, count: 32) + [0]) }
        // Keys: bad prefix, not on the curve, wrong length.
        #expect(throws: Secp256k1Error.self) { try Secp256k1.PublicKey(sec1: [5] + Bytes(repeating: 1, count: 32)) }
        #expect(throws: Secp256k1Error.self) { try Secp256k1.PublicKey(sec1: [4] + Bytes(repeating: 0, count: 64)) }
        #expect(throws: Secp256k1Error.self) { try Secp256k1.PublicKey(sec1: Bytes(repeating: 2, count: 20)) }
        #expect(throws: Secp256k1Error.badPrivateKey) { try Secp256k1.PublicKey(privateKey: Bytes(repeating: 0, count: 32)) }
        #expect(throws: Secp256k1Error.badPrivateKey) { try Secp256k1.PublicKey(privateKey: Secp256k1.order) }
        #expect(Secp256k1.isHighS(Secp256k1.order))
        #expect(!Secp256k1.isHighS(Secp256k1.halfOrder))
    }
}
