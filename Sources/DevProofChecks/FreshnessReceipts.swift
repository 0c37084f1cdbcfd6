import DevProofCore
import Dstack
import DstackChain
import EVM
import Foundation

/// A freshness receipt (tutorial 06, §5 of "what a verifier can check"): the app states its data's
/// root and a monotonic counter, anchored on chain, signed through the KMS chain (§2.5).
///
///     {"receipt": {"app_id", "state_root", "counter", "anchor": {"chain_id", "contract", "block"}},
///      "messageHash": keccak256(json.dumps(receipt, sort_keys=True, separators=(",", ":"))),
///      "signature": EIP-191 signature of messageHash by the derived key,
///      "signatureChain": {"derivedPubkey", "appSignature", "kmsSignature"}}
public struct FreshnessReceipt: Sendable {
    public var source: String
    public var receipt: JSONValue
    public var appId: Bytes
    public var stateRoot: Bytes
    public var counter: UInt64
    public var anchorContract: Address?
    public var messageHash: Bytes
    public var signature: Bytes
    public var derivedPubkey: Bytes
    public var appSignature: Bytes
    public var kmsSignature: Bytes

    static let compactSorted = PythonJSON(sortKeys: true, ensureASCII: true, itemSeparator: ",", keySeparator: ":")

    public init(_ v: JSONValue, source: String) throws {
        func bad(_ m: String) -> DevProofError { .malformed("\(source): \(m)") }
        func hex(_ x: JSONValue?, _ name: String, _ n: Int) throws -> Bytes {
            guard let s = x?.stringValue, s.count <= 200, let b = try? Hex.decode(s), b.count == n else { throw bad("\(name) is not \(n) bytes of hex") }
            return b
        }
        guard let r = v["receipt"], case .object = r else { throw bad("no receipt object") }
        self.source = source
        receipt = r
        appId = try hex(r["app_id"], "receipt.app_id", 20)
        stateRoot = try hex(r["state_root"], "receipt.state_root", 32)
        guard let c = r["counter"]?.numberLiteral, c.count <= 20, let cv = UInt64(c) else { throw bad("receipt.counter is not a non-negative integer") }
        counter = cv
        anchorContract = try r["anchor"]?["contract"]?.stringValue.map { try Address($0) }
        messageHash = try hex(v["messageHash"], "messageHash", 32)
        signature = try hex(v["signature"], "signature", 65)
        let chain = v["signatureChain"]
        derivedPubkey = try hex(chain?["derivedPubkey"], "signatureChain.derivedPubkey", 33)
        appSignature = try hex(chain?["appSignature"], "signatureChain.appSignature", 65)
        kmsSignature = try hex(chain?["kmsSignature"], "signatureChain.kmsSignature", 65)
    }

    public var recomputedHash: Bytes { Keccak.keccak256(Array(FreshnessReceipt.compactSorted.dumps(receipt).utf8)) }

    /// Loads a FILE (one receipt or an array: the history in order) or a DIR (*.json by name).
    public static func load(_ path: String) throws -> [FreshnessReceipt] {
        var out = [FreshnessReceipt]()
        var isDir: ObjCBool = false
        var files = [path]
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".json") }.sorted().map { path + "/" + $0 }
            guard files.count <= 10_000 else { throw DevProofError.malformed("--receipts \(path): more than 10000 files") }
        }
        for p in files {
            let (bytes, v) = try InputFile.readJSON(p, what: "--receipts file")
            guard bytes.count <= 16 << 20 else { throw DevProofError.malformed("--receipts \(p) is over 16 MiB") }
            if let a = v.arrayValue {
                for (i, x) in a.enumerated() { out.append(try FreshnessReceipt(x, source: "\(p)[\(i)]")) }
            } else {
                out.append(try FreshnessReceipt(v, source: p))
            }
        }
        guard !out.isEmpty else { throw DevProofError.malformed("--receipts \(path): no receipt") }
        return out
    }

    /// Verifies the receipt's signature chain; returns nil when it chains to `root`, else the reason.
    func chainFailure(root: KMSRoot, appId expected: Bytes?) -> String? {
        if recomputedHash != messageHash { return "messageHash is not keccak of the receipt" }
        if let expected, appId != expected { return "app_id \(appId.hex0x) is not the audited \(expected.hex0x)" }
        do {
            let signer = try ECRecover.recoverPersonal(message: messageHash, signature: signature)
            let derived = try Secp256k1.PublicKey(sec1: derivedPubkey)
            if signer.address != Address(publicKey: derived) { return "the message signer is not the derived key" }
            let app = try KMSSignatureChain.recoverAppKey(purpose: KMSSignatureChain.defaultPurpose, derivedPubkey: derivedPubkey, appSignature: appSignature)
            let kms = try KMSSignatureChain.recoverKMSKey(appId: appId, appPubkey: app.publicKey, kmsSignature: kmsSignature)
            if !root.matches(kms.publicKey) { return "the KMS signature is by \(kms.address), not the trusted root" }
            return nil
        } catch {
            return "signature chain: \(error)"
        }
    }
}

extension Freshness {
    static func receiptChecks(_ rs: [FreshnessReceipt], _ o: FreshnessOptions, _ r: inout Report) throws {
        r.setFact("receipts", .array(rs.map { .obj([("source", .string($0.source)), ("counter", .int($0.counter)), ("state_root", .string($0.stateRoot.hex0x))]) }))
        if let text = o.kmsRoot {
            let root = try KMSRoot(text)
            let bad = rs.compactMap { x in x.chainFailure(root: root, appId: o.appId).map { "\(x.source): \($0)" } }
            r.add(bad.isEmpty ? .pass("freshness.receipts.signature", "\(rs.count) receipt(s) signed by derived keys issued by the KMS root \(root.address)")
                              : .fail("freshness.receipts.signature", bad[0], .obj([("failures", .strings(bad))])))
        } else {
            r.add(.skip("freshness.receipts.signature", "no --kms-root: who signed the receipts is not checked"))
        }
        if Set(rs.map(\.appId)).count > 1 {
            r.add(.fail("freshness.receipts.monotonic", "the receipts are for several app ids")); return
        }
        var regress = [String]()
        for (a, b) in zip(rs, rs.dropFirst()) where b.counter < a.counter {
            regress.append("\(b.source): counter \(b.counter) after \(a.counter) (\(a.source))")
        }
        r.add(regress.isEmpty ? .pass("freshness.receipts.monotonic", "counters never decrease over \(rs.count) receipt(s) (latest \(rs.last!.counter))")
                              : .fail("freshness.receipts.monotonic", "counter regression (rollback): " + regress[0], .obj([("regressions", .strings(regress))])))
        var roots = [UInt64: Bytes](), forks = [String]()
        for x in rs {
            if let prev = roots[x.counter], prev != x.stateRoot { forks.append("counter \(x.counter): \(prev.hex0x) and \(x.stateRoot.hex0x)") }
            roots[x.counter] = roots[x.counter] ?? x.stateRoot
        }
        r.add(forks.isEmpty ? .pass("freshness.equivocation", "no counter carries two different state roots")
                            : .fail("freshness.equivocation", "equivocation or fork: " + forks[0], .obj([("conflicts", .strings(forks))])))
        try anchorCheck(rs, o, &r)
    }

    /// The latest counter against the anchor contract's storage, proven against --trusted-block.
    static func anchorCheck(_ rs: [FreshnessReceipt], _ o: FreshnessOptions, _ r: inout Report) throws {
        guard let latest = rs.max(by: { $0.counter < $1.counter }) else { return }
        guard !o.rpc.urls.isEmpty, let t = o.trustedBlock else {
            r.add(.skip("freshness.anchor.match", "needs --rpc and --trusted-block: the latest counter is not compared with the on-chain anchor")); return
        }
        guard let contract = o.anchor ?? latest.anchorContract else {
            throw DevProofError.usage("--receipts: no anchor.contract in the receipts; give --anchor ADDR")
        }
        do {
            let reader = try ProvenChainReader(client: try o.rpc.client(), trusted: t)
            let a = try reader.account(contract, slots: [o.anchorSlot])
            let v = a.storage.first?.value ?? []
            let want = Word(latest.counter).bytes
            r.add(v == want ? .pass("freshness.anchor.match", "the anchor \(contract.hex) slot \(o.anchorSlot.hex0x) holds counter \(latest.counter), proven at block \(t.number)")
                            : .fail("freshness.anchor.match", "the anchor holds \(v.hex0x) at block \(t.number), the latest receipt says counter \(latest.counter)"))
        } catch let e as ProofError {
            r.add(.fail("freshness.anchor.match", "the provider's answer is refused: \(e.reason)"))
        } catch let e as RPCError {
            r.add(.skip("freshness.anchor.match", "RPC: \(e)"))
        }
    }
}
