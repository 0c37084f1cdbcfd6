import DevProofCore
import DstackChain
import EVM

/// `devproof chain verify-proof`: a TeeOracle proof off-chain (as TeeOracle.verify) and, with --oracle, on-chain.
extension Chain {
    // MARK: verify-proof

    public static func verifyProof(_ o: ChainProofOptions) throws -> Report {
        var r = Report(command: "chain verify-proof")
        let (_, json) = try InputFile.readJSON(o.proofPath, what: "oracle proof")
        var proof = try TeeOracleProof(json: json)
        if let p = o.price { proof.price = try Word(parsing: p) }
        if let t = o.timestamp { proof.timestamp = try Word(parsing: t) }
        r.setFact("message_hash", .string(proof.messageHash.hex0x))
        r.setFact("purpose", .string(proof.purpose))
        // The statement: messageHash must be keccak(abi.encodePacked(price, timestamp)), as fulfill requires.
        if let price = proof.price, let ts = proof.timestamp {
            let expect = TeeOracleProof.priceMessageHash(price: price, timestamp: ts)
            let d = JSONValue.obj([("price", .string(price.decimal)), ("timestamp", .string(ts.decimal)),
                                   ("expected", .string(expect.hex0x)), ("message_hash", .string(proof.messageHash.hex0x))])
            if expect == proof.messageHash {
                r.add(.pass("chain.proof_message_hash", "messageHash = keccak(price \(price), timestamp \(ts))", d))
            } else {
                r.add(.fail("chain.proof_message_hash", "msg_hash mismatch: messageHash is not keccak(abi.encodePacked(price \(price), timestamp \(ts))) = \(expect.hex0x)", d))
            }
        } else {
            r.add(.info("chain.proof_message_hash", "no price/timestamp: only the signature over messageHash is checked, not what it states"))
        }

        var expectedRoot: KMSRoot?
        if let k = o.kmsRoot { expectedRoot = k }
        var appId: Bytes?
        if let a = o.appId { appId = a.bytes }

        try guarded(&r) { r in
            var pin: PinnedChain?
            if o.oracle != nil || o.kmsContract != nil { pin = try o.rpc.pin(into: &r) }
            // KMS root from DstackKms.kmsInfo().k256Pubkey.
            if let kc = o.kmsContract, let pin {
                let kmsAddr = kc
                let info = try pin.call(DstackABI.kmsInfo, on: kmsAddr)
                var k256 = info[0].bytesValue ?? []
                if let p = DstackProvenReads(pin, layout: o.rpc.storageLayout) {
                    k256 = try p.k256Pubkey(kmsAddr, call: k256.hex0x, checks: ["chain.kms_root"])
                }
                guard let pk = try? Secp256k1.PublicKey(sec1: k256) else {
                    r.add(.fail("chain.kms_root", "DstackKms \(kmsAddr).kmsInfo().k256Pubkey (\(k256.hex0x)) is not a secp256k1 public key")); return
                }
                let fromChain = KMSRoot.publicKey(pk)
                if let given = expectedRoot, given.address != fromChain.address {
                    r.add(.fail("chain.kms_root", "--kms-root \(given.address) differs from DstackKms.kmsInfo() root \(fromChain.address)"))
                    return
                }
                r.add(.pass("chain.kms_root", "KMS root \(fromChain.address) read from DstackKms \(kmsAddr).kmsInfo() at block \(pin.block.number)",
                            .obj([("k256_pubkey", .string(pk.compressed.hex0x)), ("address", .string(fromChain.address.checksummed))])))
                expectedRoot = fromChain
            }
            // Oracle immutables.
            var oracleRoot: Address?, oracleAppId: Bytes?
            if let oa = o.oracle, let pin {
                let oracle = oa
                guard !(try pin.getCode(oracle)).isEmpty else {
                    r.add(.fail("chain.proof_onchain", "no contract code at --oracle \(oracle) at block \(pin.block.number)")); return
                }
                oracleRoot = try pin.call(DstackABI.oracleKmsRoot, on: oracle)[0].addressValue
                oracleAppId = try pin.call(DstackABI.oracleAppId, on: oracle)[0].bytesValue
                // TeeOracle keeps both as immutables (in its code, not in storage): no storage proof covers them.
                pin.ledger?.unproven("kmsRoot()", on: oracle, value: oracleRoot?.checksummed ?? "?", checks: ["chain.oracle_kms_root"] + (expectedRoot == nil ? ["chain.proof_offchain"] : []))
                pin.ledger?.unproven("appId()", on: oracle, value: oracleAppId?.hex0x ?? "?", checks: ["chain.oracle_app_id"] + (appId == nil ? ["chain.proof_offchain"] : []))
                r.setFact("oracle", .obj([("address", .string(oracle.checksummed)), ("kmsRoot", .string(oracleRoot?.checksummed ?? "")),
                                          ("appId", .string(oracleAppId?.hex0x ?? ""))]))
                if let exp = expectedRoot, let got = oracleRoot {
                    if exp.address == got { r.add(.pass("chain.oracle_kms_root", "oracle.kmsRoot() = \(got), the trusted KMS root")) }
                    else { r.add(.fail("chain.oracle_kms_root", "oracle.kmsRoot() is \(got), not the trusted KMS root \(exp.address): it accepts keys certified by another KMS")) }
                } else {
                    r.add(.skip("chain.oracle_kms_root", "no independent KMS root (--kms-root or --kms with --rpc): oracle.kmsRoot() \(oracleRoot?.checksummed ?? "?") is unchecked"))
                }
                if let want = appId, let got = oracleAppId {
                    let low = Array(got.suffix(12))
                    if Array(got.prefix(20)) != want {
                        r.add(.fail("chain.oracle_app_id", "bytes20(oracle.appId()) is \(Array(got.prefix(20)).hex0x), not the audited app \(want.hex0x)"))
                    } else if !low.isAllZero {
                        r.add(.warn("chain.oracle_app_id", "oracle.appId() matches the app in its first 20 bytes but its low 12 bytes are not zero (\(got.hex0x))"))
                    } else {
                        r.add(.pass("chain.oracle_app_id", "bytes20(oracle.appId()) = the audited app \(want.hex0x)"))
                    }
                } else {
                    r.add(.skip("chain.oracle_app_id", "no --app-id: the app the oracle trusts (\(oracleAppId?.hex0x ?? "?")) was not compared with the audited app"))
                }
            }
            // Off-chain verify: the trusted root and app, else what the oracle holds (then the oracle checks above say so).
            let root = expectedRoot?.address ?? oracleRoot
            let app = appId ?? oracleAppId.map { Array($0.prefix(20)) }
            var offchain: TeeOracleOutcome?
            if let root, let app {
                let (out, trace) = TeeOracleVerifier.verify(proof, kmsRoot: root, appId: app)
                offchain = out
                var details: [(String, JSONValue)] = [("kms_root", .string(root.checksummed)), ("app_id", .string(app.hex0x)), ("outcome", .string(out.description))]
                if let a = trace.recoveredApp { details.append(("app_signer", .string(a.checksummed))) }
                if let a = trace.recoveredKms { details.append(("kms_signer", .string(a.checksummed))) }
                if let a = trace.messageSigner { details.append(("message_signer", .string(a.checksummed))) }
                if !trace.highS.isEmpty { details.append(("high_s", .strings(trace.highS))) }
                // A public simulator key as the root (however given): anyone can sign with it, so never pass.
                let simulatorRoot = KMSRoot.address(root).isPublicSimulatorKey
                if simulatorRoot {
                    r.banners.append("SIMULATOR: the KMS root \(root) is a public simulator test key; anyone can sign with it, so this proves nothing about a production KMS (the verdict is never pass)")
                    r.setFact("mode", .string("simulator"))
                }
                switch out {
                case .valid where simulatorRoot:
                    r.add(.skip("chain.proof_offchain", "the signature chain reaches the public simulator root \(root): anyone can sign with this key, so the proof proves nothing", .obj(details)))
                case .valid:
                    r.add(.pass("chain.proof_offchain", "signature chain valid: KMS root \(root) → app key → derived key \(trace.messageSigner?.checksummed ?? "") signed messageHash", .obj(details)))
                case .invalid(_, let reason):
                    r.add(.fail("chain.proof_offchain", "proof rejected: \(reason)", .obj(details)))
                case .reverts(let reason):
                    r.add(.fail("chain.proof_offchain", "malformed proof (TeeOracle.verify would revert): \(reason)", .obj(details)))
                }
                if !trace.highS.isEmpty {
                    r.add(.warn("chain.proof_high_s", "high-s (malleable) signature(s) accepted as TeeOracle does: \(trace.highS.joined(separator: ", "))"))
                }
            } else {
                r.add(.skip("chain.proof_offchain", "need the KMS root (--kms-root, --kms, or --oracle) and the app id (--app-id or --oracle)"))
            }
            // On-chain verify and agreement.
            if let oa = o.oracle, let pin {
                let oracle = oa
                let data = try DstackABI.oracleVerify.encodeCall(proof.verifyArguments)
                var onchain: TeeOracleOutcome?
                switch try pin.call(to: oracle, data: data) {
                case .returned(let out):
                    pin.ledger?.unproven("verify(proof)", on: oracle, value: out.hex0x, checks: ["chain.proof_onchain", "chain.proof_agree"])
                    let ok: Bool
                    do { ok = try DstackABI.oracleVerify.decodeOutput(out)[0].boolValue ?? false } catch let e as ABIError {
                        r.add(.fail("chain.proof_onchain", "oracle.verify returned data that is not a bool: \(e.message)")); return
                    }
                    onchain = ok ? .valid : .invalid(step: 0, reason: "oracle.verify returned false")
                    if ok { r.add(.pass("chain.proof_onchain", "oracle \(oracle).verify(proof) = true at block \(pin.block.number)")) }
                    else { r.add(.fail("chain.proof_onchain", "oracle \(oracle).verify(proof) = false at block \(pin.block.number)")) }
                case .reverted(_, let rev):
                    onchain = .reverts(rev.reason)
                    r.add(.fail("chain.proof_onchain", "oracle \(oracle).verify(proof) \(rev)"))
                }
                if let off = offchain, let on = onchain {
                    let same: Bool
                    switch (off, on) {
                    case (.valid, .valid), (.invalid, .invalid), (.reverts, .reverts): same = true
                    default: same = false
                    }
                    if same {
                        r.add(.pass("chain.proof_agree", "off-chain and on-chain verification agree (\(off.isValid ? "accepted" : "rejected"))"))
                    } else {
                        r.add(.fail("chain.proof_agree", "off-chain says \(off), on-chain says \(on)" +
                                    (o.kmsRoot != nil || o.appId != nil ? " (the oracle may trust another KMS root or app than the one audited)" : "")))
                    }
                } else {
                    r.add(.notApplicable("chain.proof_agree", "off-chain verification could not run"))
                }
            }
            if let pin { TrustedReads.apply(&r, pin) }
            try pin?.recheck()
        }
        return r
    }
}
