import DevProofCore
import EVM

/// `devproof lightclient verify`: offline verification of RPC result files: a header (block JSON or
/// raw RLP header) hashed and optionally anchored to a trusted hash, and eth_getProof results
/// verified against its state root.
public struct LightClientVerifyOptions: Sendable {
    public var headerPath = ""
    public var proofPaths: [String] = []
    public var trustedHash: Bytes?
    public init() {}
}

extension LightClient {
    static let maxRPCFile = 4 << 20

    /// A JSON-RPC response's result, or the bare result; a JSON string is a raw header's hex.
    static func rpcResult(_ path: String, what: String) throws -> JSONValue {
        let bytes = try InputFile.read(path, what: what)
        guard bytes.count <= maxRPCFile else { throw DevProofError.malformed("\(what) \(path) is over \(maxRPCFile) bytes") }
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch { throw DevProofError.malformed("\(what) \(path): \(error)") }
        if let res = v["result"] { return res }
        return v
    }

    public static func verify(_ o: LightClientVerifyOptions) throws -> Report {
        var r = Report(command: "lightclient verify")
        let hv = try rpcResult(o.headerPath, what: "--header")
        let header: ExecutionHeader
        var claimed: String?
        do {
            if let s = hv.stringValue {
                header = try ExecutionHeader(rlp: try Hex.decode(s))
            } else {
                header = try ExecutionHeader(json: hv)
                claimed = hv["hash"]?.stringValue?.lowercased()
            }
        } catch let e as DevProofError { throw DevProofError.malformed("--header \(o.headerPath): \(e)") }
        r.setFact("header", .obj([("number", .int(header.number)), ("hash", .string(header.hash.hex0x)),
                                  ("state_root", .string(header.stateRoot.hex0x)), ("fields", .int(header.fields.count)),
                                  ("fork", .string(header.forkName))]))
        if let claimed, claimed != header.hash.hex0x {
            r.add(.fail("lightclient.header.hash", "the block's hash field \(claimed) is not keccak(RLP(header)) = \(header.hash.hex0x): a field was altered"))
        } else {
            r.add(.pass("lightclient.header.hash", "block \(header.number) (\(header.forkName), \(header.fields.count) fields) hashes to \(header.hash.hex0x)"))
        }
        if let t = o.trustedHash {
            r.add(t == header.hash ? .pass("lightclient.header.trusted", "the header is the trusted block \(t.hex0x)")
                                   : .fail("lightclient.header.trusted", "the header hashes to \(header.hash.hex0x), not the trusted \(t.hex0x)"))
        } else {
            r.add(.skip("lightclient.header.trusted", "no --trusted-hash: the header is self-consistent but not anchored to a block you trust"))
        }
        for path in o.proofPaths {
            let v = try rpcResult(path, what: "--proof")
            let p: AccountProof
            do { p = try AccountProof(json: v) } catch let e as DevProofError { throw DevProofError.malformed("--proof \(path): \(e)") }
            do {
                let a = try EIP1186.verify(p, stateRoot: header.stateRoot)
                let slots = a.storage.map { JSONValue.obj([("slot", .string($0.slot.hex0x)), ("value", .string($0.value.hex0x))]) }
                r.add(.pass("lightclient.proof", "\(p.address.hex): " + (a.exists ? "account" : "absence") + " proven against stateRoot"
                            + (a.storage.isEmpty ? "" : ", \(a.storage.count) storage slot(s) against its storageRoot"),
                            .obj([("file", .string(path)), ("address", .string(p.address.hex)), ("exists", .bool(a.exists)),
                                  ("nonce", .int(a.nonce)), ("balance", .string(RLP.uint(bigEndian: a.balance).bytesValue!.hex0x)),
                                  ("storage_root", .string(a.storageRoot.hex0x)), ("code_hash", .string(a.codeHash.hex0x)),
                                  ("storage", .array(slots))])))
            } catch let e as ProofError {
                r.add(.fail("lightclient.proof", "\(p.address.hex): \(e.reason)", .obj([("file", .string(path))])))
            }
        }
        if o.proofPaths.isEmpty { r.add(.notApplicable("lightclient.proof", "no --proof given")) }
        return r
    }
}
