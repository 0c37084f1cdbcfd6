import DevProofCore
import DstackChain
import EVM

/// keys.kms_root's input: where the trusted KMS root comes from (`--kms-root`, `--simulator`, or DstackKms
/// `kmsInfo()` read with `--kms-contract`, proven from storage under `--trusted-block`).
extension Keys {
    // MARK: - Root

    enum RootResolution {
        case pinned(KMSRoot)
        case onChain(KMSRoot, contract: Address, details: JSONValue)
        case simulator([KMSRoot])
        /// No root: the chain cannot be closed (skip → inconclusive).
        case unavailable(String, details: JSONValue)
        /// The root source contradicts itself (providers disagree, pinned block hash differs): kms_root fails.
        case failed(String, details: JSONValue)

        var candidates: [KMSRoot] {
            switch self {
            case .pinned(let r), .onChain(let r, _, _): return [r]
            case .simulator(let rs): return rs
            case .unavailable, .failed: return []
            }
        }
    }

    /// The trusted root. With --kms-contract the chain read adds the shared `rpc.block`/`rpc.quorum` checks to
    /// `report`; a read that failed or was refused leaves keys.kms_root failing or skipped with the same reason.
    static func resolveRoot(_ o: KeysOptions, into report: inout Report) throws -> RootResolution {
        if let r = o.kmsRoot { return .pinned(r) }
        if o.simulator { return .simulator(KMSRoot.simulatorRoots) }
        guard let contract = o.kmsContract else {
            return .unavailable("no trusted KMS root: give --kms-root ADDR|PUBKEY, --kms-contract ADDR --rpc URL, or --simulator", details: .object([]))
        }
        let base: [(String, JSONValue)] = [("contract", .string(contract.checksummed))]
        if o.offline { return .unavailable("--kms-contract needs the network (--offline given)", details: .obj(base)) }
        var resolved: RootResolution?
        try RPCGuard.run(&report) { r in
            let chain = try o.rpc.pin(into: &r)
            let details: JSONValue = .obj(base + [("chain", chain.json)])
            let out: [ABIValue]
            do { out = try chain.call(DstackABI.kmsInfo, [], on: contract) } catch let e as CallReverted {
                throw DevProofError.malformed("kmsInfo() on \(contract.checksummed) reverted (\(e.revert)): is --kms-contract a DstackKms?")
            }
            guard case .bytes(var pub)? = out.first else {
                throw DevProofError.malformed("kmsInfo() on \(contract.checksummed) did not return bytes k256Pubkey first")
            }
            // With --trusted-block: the key proven from the contract's storage, compared with the eth_call answer.
            if let proven = DstackProvenReads(chain, layout: o.rpc.storageLayout) {
                pub = try proven.k256Pubkey(contract, call: pub.hex0x, expectedLength: pub.count, checks: ["keys.kms_root"])
                TrustedReads.apply(&r, chain)
            }
            guard !pub.isEmpty else {
                resolved = .failed("DstackKms \(contract.checksummed) has no k256Pubkey set in kmsInfo() at block \(chain.block.number)", details: details)
                return
            }
            do {
                resolved = .onChain(.publicKey(try Secp256k1.PublicKey(sec1: pub)), contract: contract, details: details)
            } catch {
                resolved = .failed("DstackKms \(contract.checksummed) kmsInfo().k256Pubkey is not a secp256k1 public key (\(pub.count) bytes: \(pub.hex0x))", details: details)
            }
            try chain.recheck()
        }
        if let resolved, report.checks.allSatisfy({ !$0.id.hasPrefix("rpc.") || $0.status != .fail && $0.status != .skip }) { return resolved }
        // The chain read did not establish a root: say why, with the rpc check's own reason.
        let rpcProblem = report.checks.first { $0.id.hasPrefix("rpc.") && ($0.status == .fail || $0.status == .skip) }
        let why = "could not read kmsInfo() from \(contract.checksummed): \(rpcProblem?.summary ?? "no answer")"
        if rpcProblem?.status == .fail { return .failed(why, details: .obj(base)) }
        return .unavailable(why, details: .obj(base))
    }

    static func rootJSON(_ r: KMSRoot) -> JSONValue {
        .obj([("address", .string(r.address.checksummed)), ("pubkey", r.publicKey.map { .string($0.compressed.hex) } ?? .null)])
    }
}
