import DevProofCore
import EVM

/// lightclient's chain side: is the claimed block canonical (by the auditor's trusted block, or by
/// an RPC quorum), does the call result hold there, and is the checkpoint the beacon root EIP-4788
/// recorded; plus the ages (weak subjectivity of the checkpoint, staleness of the block).
extension LightClient {
    static func chainChecks(_ p: LightClientProofFile, _ o: LightClientOptions, _ r: inout Report) throws {
        var header: ExecutionHeader?
        var reader: ProvenChainReader?
        var client: RPCClient?
        if !o.rpc.urls.isEmpty { client = try o.rpc.client() }

        if let path = o.headerPath {
            // Offline: a block JSON for block_number, trusted only through --trusted-block N:HASH.
            let (_, v) = try InputFile.readJSON(path, what: "--header file")
            let h = try ExecutionHeader(json: v["result"] ?? v)
            guard let t = o.trustedBlock, t.number == h.number else {
                throw DevProofError.usage("--header needs --trusted-block N:HASH for the same block (the header file alone proves nothing)")
            }
            if h.hash != t.hash {
                r.add(.fail("lightclient.block.canonical", "the --header file hashes to \(h.hash.hex0x), not the trusted \(t.hash.hex0x)"))
                return
            }
            header = h
        } else if let c = client {
            do {
                if let t = o.trustedBlock {
                    let rd = try ProvenChainReader(client: c, trusted: t, maxWalk: o.maxWalk)
                    reader = rd
                    header = try rd.header(p.blockNumber)
                } else {
                    let v = try c.request("eth_getBlockByNumber", [.string(RPCQuantity.encode(p.blockNumber)), .bool(false)])
                    if v.isNull { throw DevProofError.unavailable("no provider has block \(p.blockNumber)") }
                    let h = try ExecutionHeader(json: v)
                    // The provider's own hash field must match the recomputed one, or it serves an altered header.
                    if let claimed = v["hash"]?.stringValue, claimed.lowercased() != h.hash.hex0x {
                        r.add(.fail("lightclient.block.canonical", "the provider's block \(p.blockNumber) claims hash \(claimed) but its fields hash to \(h.hash.hex0x)"))
                        return
                    }
                    header = h
                }
            } catch let e as ProofError {
                r.add(.fail("lightclient.block.canonical", "the chain contradicts the provider: \(e.reason)"))
                return
            } catch let e as RPCError {
                r.add(.skip("lightclient.block.canonical", "RPC: \(e)")); return
            } catch let e as DevProofError {
                guard case .unavailable(let m) = e else { throw e }
                r.add(.skip("lightclient.block.canonical", m)); return
            }
        }

        guard let h = header else {
            r.add(.skip("lightclient.block.canonical", "no --rpc, --trusted-block or --header: the claimed block is not checked against the chain"))
            r.add(p.call == nil ? .notApplicable("lightclient.call.result", "the claim has no call")
                                : .skip("lightclient.call.result", "no chain access: the call result is not checked"))
            ageChecks(p, o, nil, &r)
            eip4788Check(p, o, nil, &r)
            return
        }
        let how = o.trustedBlock.map { "linked to the trusted block \($0.number)" } ?? "from an RPC quorum of \(o.rpc.urls.count) (no trusted block: the providers are trusted)"
        r.setFact("block", .obj([("number", .int(h.number)), ("hash", .string(h.hash.hex0x)), ("state_root", .string(h.stateRoot.hex0x)),
                                 ("timestamp", .int(h.timestamp)), ("fork", .string(h.forkName))]))
        if h.hash != p.blockHash {
            r.add(.fail("lightclient.block.canonical", "block \(p.blockNumber) is \(h.hash.hex0x) on the chain, the claim says \(p.blockHash.hex0x)"))
        } else if h.stateRoot != p.stateRoot {
            r.add(.fail("lightclient.block.canonical", "block \(p.blockNumber)'s stateRoot is \(h.stateRoot.hex0x), the claim says \(p.stateRoot.hex0x)"))
        } else {
            r.add(.pass("lightclient.block.canonical", "block \(p.blockNumber) recomputes to the claimed hash and carries the claimed stateRoot, \(how)"))
        }
        callCheck(p, client, h, &r)
        ageChecks(p, o, h, &r)
        eip4788Check(p, o, reader, &r)
    }

    /// eth_call re-execution: the only way to check an arbitrary call, and not provable by proofs.
    static func callCheck(_ p: LightClientProofFile, _ client: RPCClient?, _ h: ExecutionHeader, _ r: inout Report) {
        guard let call = p.call else { r.add(.notApplicable("lightclient.call.result", "the claim has no call")); return }
        guard let client else { r.add(.skip("lightclient.call.result", "no --rpc: the call is not re-executed")); return }
        do {
            let out = try client.call(to: call.to, data: call.data, block: h.number)
            guard case .returned(let got) = out else {
                r.add(.fail("lightclient.call.result", "the call reverts at block \(h.number)")); return
            }
            if got == call.result {
                r.add(.pass("lightclient.call.result", "eth_call at block \(h.number) returns the claimed result (an RPC answer, not proven by storage proofs)"))
            } else {
                r.add(.fail("lightclient.call.result", "eth_call at block \(h.number) returns \(got.hex0x), the claim says \(call.result.hex0x)"))
            }
        } catch {
            r.add(.skip("lightclient.call.result", "eth_call failed (an archive node is needed for old blocks): \(error)"))
        }
    }

    static func ageChecks(_ p: LightClientProofFile, _ o: LightClientOptions, _ h: ExecutionHeader?, _ r: inout Report) {
        let now = o.attest.now
        if let ts = o.checkpointTimestamp {
            let age = now - ts
            let d = JSONValue.obj([("checkpoint_timestamp", .int(ts)), ("age_seconds", .int(age))])
            if let max = o.maxCheckpointAge {
                r.add(age <= max ? .pass("lightclient.checkpoint.age", "checkpoint is \(age / 86_400) days old (bound \(max / 86_400) days)", d)
                                 : .fail("lightclient.checkpoint.age", "checkpoint is \(age / 86_400) days old, beyond --max-checkpoint-age (\(max / 86_400) days): outside the weak-subjectivity window", d))
            } else {
                r.add(.info("lightclient.checkpoint.age", "checkpoint is \(age / 86_400) days old (no --max-checkpoint-age)", d))
            }
        } else {
            r.add(.skip("lightclient.checkpoint.age", "no --checkpoint-ts: the checkpoint's age is unknown (the claim carries no time)"))
        }
        guard let max = o.maxAge else { return }
        guard let h else { r.add(.skip("lightclient.block.age", "--max-age: no verified header to take the block time from")); return }
        let age = now - Int64(h.timestamp)
        r.add(age <= max ? .pass("lightclient.block.age", "block \(h.number) is \(age) s old (bound \(max) s)")
                         : .fail("lightclient.block.age", "block \(h.number) is \(age) s old, beyond --max-age \(max) s"))
    }

    /// EIP-4788: the beacon roots contract stores the parent beacon root of the block at time ts at
    /// slots ts % 8191 (the timestamp) and ts % 8191 + 8191 (the root); proven against the trusted state.
    static func eip4788Check(_ p: LightClientProofFile, _ o: LightClientOptions, _ reader: ProvenChainReader?, _ r: inout Report) {
        guard let ts = o.checkpointTimestamp else {
            r.add(.skip("lightclient.checkpoint.eip4788", "no --checkpoint-ts (the slot after the checkpoint's): the beacon-roots lookup is not done")); return
        }
        guard let reader else {
            r.add(.skip("lightclient.checkpoint.eip4788", "needs --rpc and --trusted-block: the beacon root is proven by a storage proof")); return
        }
        let t = UInt64(max(0, ts))
        do {
            let a = try reader.account(HeaderChain.beaconRootsContract, slots: [HeaderChain.beaconTimestampSlot(t), HeaderChain.beaconRootSlot(t)])
            guard a.exists else { r.add(.fail("lightclient.checkpoint.eip4788", "no EIP-4788 contract in the trusted state")); return }
            let storedTs = a.storage[0].value, root = a.storage[1].value
            guard storedTs == Word(t).bytes else {
                r.add(.skip("lightclient.checkpoint.eip4788", "the ring buffer no longer (or never) holds timestamp \(t): the checkpoint is older than 8191 slots or the time is not a block time"))
                return
            }
            r.add(root == p.checkpointRoot
                  ? .pass("lightclient.checkpoint.eip4788", "EIP-4788 holds the checkpoint as the beacon root at \(t), proven at block \(reader.anchor.number)")
                  : .fail("lightclient.checkpoint.eip4788", "EIP-4788 root at \(t) is \(root.hex0x), not the checkpoint \(p.checkpointRoot.hex0x)"))
        } catch let e as ProofError {
            r.add(.fail("lightclient.checkpoint.eip4788", "the beacon-roots storage proof is refused: \(e.reason)"))
        } catch {
            r.add(.skip("lightclient.checkpoint.eip4788", "\(error)"))
        }
    }
}
