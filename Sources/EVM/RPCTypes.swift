import DevProofCore
import Foundation

// Values and helpers of the JSON-RPC client (RPCClient.swift): result boxes for concurrent provider reads, call
// outcomes, block headers.

extension JSONValue {
    /// Addresses come checksummed from some providers and lowercase from others.
    public var lowercasedHex: JSONValue {
        switch self {
        case .string(let s) where s.hasPrefix("0x"): return .string(s.lowercased())
        case .array(let a): return .array(a.map(\.lowercasedHex))
        default: return self
        }
    }
}

final class PerProviderBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T?]
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ v: T?) { lock.lock(); items[i] = v; lock.unlock() }
    var values: [T?] { lock.lock(); defer { lock.unlock() }; return items }
}

final class ResultsBox: @unchecked Sendable {
    private let cond = NSCondition()
    private var items: [Result<[Result<JSONValue, RPCError>], RPCError>?]
    private var done = 0, answered = 0
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ r: Result<[Result<JSONValue, RPCError>], RPCError>) {
        cond.lock()
        items[i] = r; done += 1
        if case .success = r { answered += 1 }
        cond.broadcast(); cond.unlock()
    }
    /// Waits until every provider finished, or `quorum` answered and the grace period after that passed, or the
    /// overall deadline (seconds from now) passed.
    func wait(quorum: Int, grace: Double, deadline: Double) {
        let start = Date()
        let hard = start.addingTimeInterval(deadline)
        var soft: Date?
        cond.lock(); defer { cond.unlock() }
        while done < items.count {
            if soft == nil, answered >= quorum {
                soft = min(hard, Date().addingTimeInterval(max(grace, Date().timeIntervalSince(start))))
            }
            let until = soft.map { min($0, hard) } ?? hard
            if !cond.wait(until: until) { return }
        }
    }
    var values: [Result<[Result<JSONValue, RPCError>], RPCError>?] { cond.lock(); defer { cond.unlock() }; return items }
}

public enum CallOutcome: Sendable, Equatable {
    case returned(Bytes)
    case reverted(Bytes, ABI.Revert)

    /// Return data, or an error describing the revert.
    public func data(_ what: String) throws -> Bytes {
        switch self {
        case .returned(let b): return b
        case .reverted(_, let r): throw CallReverted(what: what, revert: r)
        }
    }
}

public struct CallReverted: Error, CustomStringConvertible, Sendable, Equatable {
    public let what: String
    public let revert: ABI.Revert
    public var description: String { "\(what) \(revert)" }
}

public struct BlockHeader: Sendable, Equatable {
    public let number: UInt64
    public let hash: Bytes
    public let parentHash: Bytes
    public let timestamp: UInt64

    public init(number: UInt64, hash: Bytes, parentHash: Bytes, timestamp: UInt64) {
        self.number = number; self.hash = hash; self.parentHash = parentHash; self.timestamp = timestamp
    }

    public init(json: JSONValue) throws {
        guard let n = json["number"]?.stringValue, let h = json["hash"]?.stringValue,
              let t = json["timestamp"]?.stringValue else {
            throw DevProofError.malformed("block object lacks number/hash/timestamp")
        }
        number = try RPCQuantity.parse(n, "block number")
        hash = try Hex.decode(h)
        parentHash = try Hex.decode(json["parentHash"]?.stringValue ?? "0x" + String(repeating: "0", count: 64))
        timestamp = try RPCQuantity.parse(t, "block timestamp")
        guard hash.count == 32, parentHash.count == 32 else { throw DevProofError.malformed("block hash is not 32 bytes") }
    }
}
