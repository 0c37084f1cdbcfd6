import DevProofChecks
import DevProofCore
import DstackChain
import EVM
import Foundation

// devproof-bench keys RESPONSE.json APP_ID KMS_ROOT [--iterations N]
//
// Prints one JSON object, per verification in ms:
//   chain_ms  — the three recoveries of a tutorial-03 response (app key, KMS signer, EIP-191 message signer) and
//               their keccak hashes, on already-decoded bytes;
//   report_ms — `Keys.run` on the file: read, parse, recompute the message hash, all checks, the report
//               (what one `devproof keys` run does, minus process start-up).
func keysBench(_ args: [String]) throws {
    var pos: [String] = []
    var iterations = 500
    var i = 0
    while i < args.count {
        if args[i] == "--iterations", i + 1 < args.count { iterations = Int(args[i + 1]) ?? 500; i += 2; continue }
        pos.append(args[i]); i += 1
    }
    guard pos.count == 3 else { fail("usage: devproof-bench keys RESPONSE.json APP_ID KMS_ROOT [--iterations N]") }
    var o = KeysOptions()
    o.response = pos[0]; o.appId = try Address(appId: pos[1]); o.kmsRoot = try KMSRoot(pos[2])
    guard try Keys.run(o).verdict == .pass else { fail("the response does not verify: the numbers would mean nothing") }

    let v = try InputFile.readJSON(pos[0]).value
    guard let chain = v["signatureChain"], let d = chain["derivedPubkey"]?.stringValue, let a = chain["appSignature"]?.stringValue,
          let k = chain["kmsSignature"]?.stringValue, let h = v["messageHash"]?.stringValue, let s = v["signature"]?.stringValue
    else { fail("RESPONSE must be a tutorial 03/05 response") }
    let derived = try Hex.decode(d), appSig = try Hex.decode(a), kmsSig = try Hex.decode(k)
    let hash = try Hex.decode(h), msgSig = try Hex.decode(s), appId = try Hex.decode(pos[1])
    let root = try KMSRoot(pos[2])

    let chainMs = try measure(iterations) {
        let app = try KMSSignatureChain.recoverAppKey(purpose: "ethereum", derivedPubkey: derived, appSignature: appSig)
        let kms = try KMSSignatureChain.recoverKMSKey(appId: appId, appPubkey: app.publicKey, kmsSignature: kmsSig)
        let signer = try ECRecover.recoverPersonal(message: hash, signature: msgSig)
        let derivedKey = try Secp256k1.PublicKey(sec1: derived)
        if !root.matches(kms.publicKey) || signer.address != Address(publicKey: derivedKey) { fail("chain mismatch") }
    }
    let reportMs = try measure(max(1, iterations / 5)) {
        if try Keys.run(o).verdict != .pass { fail("report changed") }
    }
    print(#"{"chain_ms":\#(String(format: "%.4f", chainMs)),"report_ms":\#(String(format: "%.4f", reportMs)),"iterations":\#(iterations)}"#)
}
