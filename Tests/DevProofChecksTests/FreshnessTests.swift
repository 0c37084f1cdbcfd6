import DevProofCore
import Dstack
import DstackChain
import EVM
import Foundation
import TestSupport
import Testing
@testable import DevProofChecks

/// freshness: receipts signed through a KMS chain built here with known keys; statements of the 01
/// shape; compose signals. Each attack of tutorial 06 (rollback, equivocation, replay) is refused.
@Suite("freshness: statement age, receipts (rollback, equivocation, foreign signer), compose signals")
struct FreshnessTests {
    static let root: Bytes = Keccak.keccak256(Array("freshness test kms root".utf8))
    static let appKey: Bytes = Keccak.keccak256(Array("freshness test app key".utf8))
    static let derived: Bytes = Keccak.keccak256(Array("freshness test derived key".utf8))
    static let appId: Bytes = Array(Keccak.keccak256(Array("app".utf8)).prefix(20))

    static func receipt(_ counter: UInt64, _ rootLabel: String, kmsKey: Bytes = root) throws -> JSONValue {
        let r = JSONValue.obj([("app_id", .string(appId.hex0x)), ("state_root", .string(Keccak.keccak256(Array(rootLabel.utf8)).hex0x)),
                               ("counter", .int(counter)),
                               ("anchor", .obj([("chain_id", .int(1)), ("contract", .string("0x" + String(repeating: "aa", count: 20))), ("block", .int(100 + counter))]))])
        let mh = Keccak.keccak256(Array(FreshnessReceipt.compactSorted.dumps(r).utf8))
        let dpub = try Secp256k1.PublicKey(privateKey: derived).compressed
        let sig = try ECRecover.signPersonal(message: mh, privateKey: derived).bytes
        let chain = try KMSSignatureChain.issue(rootKey: kmsKey, appKey: appKey, appId: appId, purpose: "ethereum", derivedPubkey: dpub)
        return .obj([("receipt", r), ("messageHash", .string(mh.hex0x)), ("signature", .string(sig.hex0x)),
                     ("signatureChain", .obj([("derivedPubkey", .string(dpub.hex0x)), ("appSignature", .string(chain.appSignature.hex0x)),
                                              ("kmsSignature", .string(chain.kmsSignature.hex0x))]))])
    }

    static func file(_ v: JSONValue, _ name: String) throws -> String {
        let p = TestPaths.tempDir("freshness").appendingPathComponent(name).path
        try InputFile.write(p, Array(v.serialized().utf8))
        return p
    }

    static func run(receipts: [JSONValue], kms: Bytes? = root) throws -> [String: CheckStatus] {
        var o = FreshnessOptions(now: 1_800_000_000)
        o.receiptsPath = try file(.array(receipts), "r-\(UUID().uuidString).json")
        o.kmsRoot = try kms.map { Address(publicKey: try Secp256k1.PublicKey(privateKey: $0)).hex }
        o.appId = appId
        let r = try Freshness.run(o)
        return Dictionary(r.checks.map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func honestHistoryPassesButAnchorIsRequired() throws {
        let st = try Self.run(receipts: [try Self.receipt(1, "a"), try Self.receipt(2, "b"), try Self.receipt(2, "b"), try Self.receipt(5, "c")])
        #expect(st["freshness.receipts.signature"] == .pass)
        #expect(st["freshness.receipts.monotonic"] == .pass)
        #expect(st["freshness.equivocation"] == .pass)
        #expect(st["freshness.anchor.match"] == .skip)
    }

    @Test func rollbackFailsMonotonic() throws {
        let st = try Self.run(receipts: [try Self.receipt(3, "a"), try Self.receipt(2, "b")])
        #expect(st["freshness.receipts.monotonic"] == .fail)
    }

    @Test func twoRootsForOneCounterIsEquivocation() throws {
        let st = try Self.run(receipts: [try Self.receipt(3, "a"), try Self.receipt(3, "forked")])
        #expect(st["freshness.equivocation"] == .fail)
    }

    @Test func foreignKMSAndAlteredReceiptFailSignature() throws {
        let rogue = Keccak.keccak256(Array("rogue".utf8))
        #expect(try Self.run(receipts: [try Self.receipt(1, "a", kmsKey: rogue)])["freshness.receipts.signature"] == .fail)
        guard case .object(var m) = try Self.receipt(1, "a") else { return }
        if let i = m.firstIndex(where: { $0.key == "receipt" }), case .object(var rm) = m[i].value {
            rm = rm.map { $0.key == "counter" ? JSONMember("counter", .int(9)) : $0 }
            m[i] = JSONMember("receipt", .object(rm))
        }
        #expect(try Self.run(receipts: [.object(m)])["freshness.receipts.signature"] == .fail)
        #expect(try Self.run(receipts: [try Self.receipt(1, "a")], kms: nil)["freshness.receipts.signature"] == .skip)
    }

    static func statement(ms: Int64, tamper: Bool = false) throws -> String {
        let st = JSONValue.obj([("source", .string("api.example")), ("price", .number("1.15")), ("timestamp", .int(ms))])
        var h = Digest.sha256(Array(JSStringify.stringify(st).utf8)).hex
        if tamper { h = String(h.reversed()) }
        return try file(.obj([("statement", st), ("reportDataHash", .string(h)), ("quote", .string("00"))]), "st-\(UUID().uuidString).json")
    }

    @Test func statementAgeAndBinding() throws {
        func run(_ p: String) throws -> [String: CheckStatus] {
            var o = FreshnessOptions(now: 1_800_000_000); o.responsePath = p; o.maxAge = 300
            return Dictionary(try Freshness.run(o).checks.map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a })
        }
        let fresh = try run(try Self.statement(ms: 1_799_999_900_000))
        #expect(fresh["freshness.statement.age"] == .pass && fresh["freshness.statement.bound"] == .pass)
        #expect(try run(try Self.statement(ms: 1_799_000_000_000))["freshness.statement.age"] == .fail)      // replayed, old
        #expect(try run(try Self.statement(ms: 1_800_000_600_000))["freshness.statement.age"] == .fail)      // future-dated
        #expect(try run(try Self.statement(ms: 1_799_999_900_000, tamper: true))["freshness.statement.bound"] == .fail)
    }

    @Test func composeSignals() throws {
        let c = JSONValue.obj([("allowed_envs", .strings(["DATABASE_URL", "LOG_LEVEL"])), ("kms_enabled", .bool(true)), ("docker_compose_file", .string("services: {}"))])
        var o = FreshnessOptions(now: 0); o.appComposePath = try Self.file(c, "compose.json")
        let st = Dictionary(try Freshness.run(o).checks.map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a })
        #expect(st["freshness.storage.operator_controlled"] == .warn)
        #expect(st["freshness.secure_time"] == .warn)
        #expect(st["freshness.storage.kms_key"] == .info)
    }

    /// The compose is read by the shared app-compose reader (ComposeAudit): no storage env and secure_time on
    /// are the good signals; `${…}` in the compose is called out; a compose whose YAML does not parse is malformed.
    @Test func composeSignalsThroughTheSharedReader() throws {
        let good = JSONValue.obj([("allowed_envs", .strings(["LOG_LEVEL"])), ("secure_time", .bool(true)),
                                  ("docker_compose_file", .string("services:\n  app:\n    image: x@sha256:\(String(repeating: "a", count: 64))\n    environment: [\"A=${LOG_LEVEL}\"]\n"))])
        var o = FreshnessOptions(now: 0); o.appComposePath = try Self.file(good, "good-compose.json")
        let checks = try Freshness.run(o).checks
        let st = Dictionary(checks.map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a })
        #expect(st["freshness.storage.operator_controlled"] == .info && st["freshness.secure_time"] == .info)
        #expect(checks.first { $0.id == "freshness.storage.operator_controlled" }?.summary.contains("${") == true)
        let bad = JSONValue.obj([("docker_compose_file", .string("services: [unclosed"))])
        o.appComposePath = try Self.file(bad, "bad-compose.json")
        do { _ = try Freshness.run(o); Issue.record("invalid compose YAML accepted") } catch let e as DevProofError {
            #expect(e.category == .malformedInput && "\(e)".contains("YAML"))
        }
    }

    @Test func badInputIsMalformedOrUsage() throws {
        var o = FreshnessOptions(now: 0)
        #expect(throws: DevProofError.self) { try Freshness.run(o) }
        o.receiptsPath = try Self.file(.obj([("receipt", .obj([("app_id", .string("0x12"))]))]), "bad.json")
        #expect(throws: DevProofError.self) { try Freshness.run(o) }
    }
}
