import DevProofCore
import DstackChain
import EVM

/// The refused anchor: the provider's header for the trusted block does not hash to the trusted hash.
/// `rpc.trusted_block` already failed; the guard only stops the run.
public struct TrustedBlockRefused: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { reason }
}

/// `--trusted-block N:HASH` for keys, chain and appauth.
///
/// - The pin is the trusted block itself (not a newer one): its header is fetched, recomputed and must hash to
///   HASH (`rpc.trusted_block`). `--block` cannot be given with it.
/// - Code is checked against the code hash and storage is proven by eth_getProof against that header's state
///   root (`PinnedChain.prover`); a proof that does not verify fails `rpc.proof`.
/// - THE RULE: with one RPC, a value only `eth_call` (or a log) gave cannot make a check pass on its own. Each such
///   value is marked `eth_call (unproven)` in the check's details and in the `proofs` fact, and a required check
///   whose pass rests on one becomes a skip (inconclusive), unless a quorum of RPCs (`--rpc` twice or more with
///   `--quorum` ≥ 2) agreed on it. A proven value the provider's own `eth_call` contradicts fails `rpc.proof`
///   naming the slot and both values, and no check resting on it passes.
public enum TrustedReads {
    static func pin(_ o: RPCOptions, _ t: TrustedBlock, into r: inout Report) throws -> PinnedChain {
        let client = try o.client()
        let details: [(String, JSONValue)] = [("number", .int(t.number)), ("hash", .string(t.hash.hex0x))]
        let reader: ProvenChainReader
        do {
            reader = try ProvenChainReader(client: client, trusted: t)
        } catch let e as ProofError {
            r.add(.fail("rpc.trusted_block", "the trusted block \(t.number) does not match: \(e.reason)", .obj(details + [("error", .string(e.reason))])))
            throw TrustedBlockRefused(reason: "the provider's header for the trusted block \(t.number) does not hash to \(t.hash.hex0x)")
        } catch {
            let why = (error as? RPCError)?.description ?? (error as? DevProofError)?.description ?? "\(error)"
            r.add(.skip("rpc.trusted_block", "the header of the trusted block \(t.number) could not be read: \(why)", .obj(details + [("error", .string(why))])))
            throw error
        }
        let h = reader.anchor
        r.add(.pass("rpc.trusted_block", "the provider's header for block \(t.number) hashes to the trusted \(t.hash.hex0x) (recomputed from its \(h.fields.count) fields, \(h.forkName)); state root \(h.stateRoot.hex0x)",
                    .obj(details + [("state_root", .string(h.stateRoot.hex0x)), ("fork", .string(h.forkName)), ("timestamp", .int(h.timestamp))])))
        var pin = try o.pinUntrusted(into: &r, client: client)
        guard pin.block.hash == t.hash else { throw ProofError("block \(t.number) is reported with hash \(pin.block.hash.hex0x), not the trusted \(t.hash.hex0x)") }
        pin.prover = reader
        pin.ledger = ProofLedger(layout: o.storageLayout.name)
        return pin
    }

    /// The `proofs` fact, the `rpc.proof` check, and THE RULE applied to every check already in `r`.
    /// Call once, after the checks that used the pinned reads were added.
    public static func apply(_ r: inout Report, _ pin: PinnedChain) {
        guard let ledger = pin.ledger, let prover = pin.prover else { return }
        let entries = ledger.entries
        let quorum = pin.client.quorum >= 2
        let proven = entries.filter { $0.source == .proven }, unproven = entries.filter { $0.source == .unproven }
        let contradicted = entries.filter { $0.source == .mismatch }
        r.setFact("proofs", .obj([
            ("trusted_block", .int(prover.anchor.number)), ("state_root", .string(prover.anchor.stateRoot.hex0x)),
            ("storage_layout", .string(ledger.layout)), ("providers", .int(pin.client.endpoints.count)), ("quorum", .int(pin.client.quorum)),
            ("proven", .array(proven.map(\.json))), ("unproven", .array(unproven.map(\.json))),
            ("contradicted", .array(contradicted.map(\.json)))]))
        let root = "block \(prover.anchor.number)'s state root \(prover.anchor.stateRoot.hex0x)"
        if !contradicted.isEmpty {
            r.add(.fail("rpc.proof", "the provider's eth_call contradicts its own storage proof against \(root) (storage layout '\(ledger.layout)'): "
                        + contradicted.prefix(3).map(\.line).joined(separator: "; "),
                        .obj([("contradicted", .array(contradicted.map(\.json)))])))
        } else {
            r.add(.pass("rpc.proof", "\(proven.count) value(s) proven by eth_getProof against \(root) (storage layout '\(ledger.layout)'); "
                        + "\(unproven.count) eth_call (unproven)" + (unproven.isEmpty ? "" : quorum ? ", each confirmed by a quorum of \(pin.client.quorum) providers" : ", which cannot make a required check pass")))
        }
        for i in r.checks.indices {
            let c = r.checks[i]
            let deps = entries.filter { $0.checks.contains(c.id) }
            guard !deps.isEmpty, !c.id.hasPrefix("rpc.") else { continue }
            let open = deps.filter { $0.source == .unproven }, bad = deps.filter { $0.source == .mismatch }
            let marks = JSONValue.obj([("proven", .strings(deps.filter { $0.source == .proven }.map(\.line))),
                                       ("unproven", .strings(open.map(\.line))), ("contradicted", .strings(bad.map(\.line)))])
            var d = c.details
            if case .object(var m) = d { m.append(JSONMember("proof", marks)); d = .object(m) } else { d = .obj([("value", d), ("proof", marks)]) }
            r.checks[i].details = d
            guard c.status == .pass else { continue }
            if !bad.isEmpty {
                r.checks[i] = .skip(c.id, "not passed: it rests on a value the provider's eth_call contradicts (\(bad[0].line)); see rpc.proof", d)
            } else if c.required && !open.isEmpty && !quorum {
                r.checks[i] = .skip(c.id, "\(c.summary) — not proven: with --trusted-block and one RPC this rests on \(open.count) eth_call (unproven) value(s) ("
                                    + open.prefix(3).map(\.line).joined(separator: "; ") + (open.count > 3 ? "; …" : "")
                                    + "); an eth_call answer cannot make a check pass on its own (give a quorum: --rpc twice or more with --quorum 2)", d)
            }
        }
    }
}
