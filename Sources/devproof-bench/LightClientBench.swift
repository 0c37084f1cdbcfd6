import DevProofCore
import EVM
import Foundation

// devproof-bench lightclient HEADER.json PROOF.json [--iterations N]
//
// Prints one JSON object, per verification in µs, on already-parsed JSON:
//   header_us — header fields → RLP → keccak (the block hash);
//   proof_us  — an EIP-1186 account proof against the state root plus its storage proofs;
//   total_us  — both (what proving one storage value against a trusted header costs).
func lightclientBench(_ args: [String]) throws {
    var pos: [String] = []
    var iterations = 2000
    var i = 0
    while i < args.count {
        if args[i] == "--iterations", i + 1 < args.count { iterations = Int(args[i + 1]) ?? 2000; i += 2; continue }
        pos.append(args[i]); i += 1
    }
    guard pos.count == 2 else { fail("usage: devproof-bench lightclient HEADER.json PROOF.json [--iterations N]") }
    func result(_ p: String) throws -> JSONValue { let v = try InputFile.readJSON(p).value; return v["result"] ?? v }
    let hv = try result(pos[0]), pv = try result(pos[1])
    let header = try ExecutionHeader(json: hv)
    guard header.hash.hex0x == hv["hash"]?.stringValue else { fail("the header does not hash to its hash field") }
    let proof = try AccountProof(json: pv)
    _ = try EIP1186.verify(proof, stateRoot: header.stateRoot)

    let h = try measure(iterations) { _ = try ExecutionHeader(json: hv) }
    let p = try measure(iterations) { _ = try EIP1186.verify(proof, stateRoot: header.stateRoot) }
    let t = try measure(iterations) {
        let hh = try ExecutionHeader(json: hv)
        _ = try EIP1186.verify(try AccountProof(json: pv), stateRoot: hh.stateRoot)
    }
    print("{\"header_us\":\(h * 1000),\"proof_us\":\(p * 1000),\"total_us\":\(t * 1000),\"slots\":\(proof.storage.count),\"account_nodes\":\(proof.accountProof.count)}")
}
