import DevProofCore
import Foundation

/// Every chain value a verdict used under `--trusted-block`, and where it came from: a storage proof against the
/// trusted header's state root, or an `eth_call` (or log) answer that no proof covers. The commands turn it into
/// the `proofs` fact, the `rpc.proof` check, and the rule that an unproven value cannot make a required check
/// pass on one provider's word.
public final class ProofLedger: @unchecked Sendable {
    public enum Source: String, Sendable, Equatable {
        case proven = "storage proof"
        case unproven = "eth_call (unproven)"
        /// The provider's `eth_call` answer differs from what its own proof shows.
        case mismatch = "eth_call contradicts the storage proof"
    }

    public struct Entry: Sendable, Equatable {
        /// What was read, e.g. "allowedComposeHashes(0x…)" or "simulate addComposeHash from 0x…".
        public var name: String
        public var contract: Address
        /// Proven slots (empty for unproven values).
        public var slots: [Bytes]
        /// The value the verdict used (the proven one when there is a proof).
        public var value: String
        /// The `eth_call` answer, when one was compared with the proof.
        public var callValue: String?
        public var source: Source
        /// The check IDs whose outcome rests on this value.
        public var checks: [String]

        public init(name: String, contract: Address, slots: [Bytes] = [], value: String, callValue: String? = nil,
                    source: Source, checks: [String]) {
            self.name = name; self.contract = contract; self.slots = slots; self.value = value
            self.callValue = callValue; self.source = source; self.checks = checks
        }

        public var json: JSONValue {
            var o: [(String, JSONValue)] = [("value", .string(name)), ("contract", .string(contract.checksummed)),
                                            ("source", .string(source.rawValue)), ("result", .string(value))]
            if !slots.isEmpty { o.append(("slots", .strings(slots.map(\.hex0x)))) }
            if let c = callValue { o.append(("eth_call", .string(c))) }
            o.append(("checks", .strings(checks)))
            return .obj(o)
        }

        /// One line: "allowedComposeHashes(0x…) on 0x… = true (storage proof, slot 0x…)".
        public var line: String {
            var s = "\(name) on \(contract.checksummed) = \(value) (\(source.rawValue)"
            if let slot = slots.first { s += ", slot \(slot.hex0x)" + (slots.count > 1 ? " +\(slots.count - 1)" : "") }
            if source == .mismatch, let c = callValue { s += "; eth_call says \(c)" }
            return s + ")"
        }
    }

    private let lock = NSLock()
    private var _entries = [Entry]()
    /// The storage layout the proofs assume (named in the report).
    public let layout: String

    public init(layout: String) { self.layout = layout }

    public var entries: [Entry] { lock.lock(); defer { lock.unlock() }; return _entries }

    public func record(_ e: Entry) {
        lock.lock(); defer { lock.unlock() }
        // The same value read twice counts once (the second read adds its checks).
        if let i = _entries.firstIndex(where: { $0.name == e.name && $0.contract == e.contract && $0.source == e.source && $0.value == e.value }) {
            for c in e.checks where !_entries[i].checks.contains(c) { _entries[i].checks.append(c) }
            return
        }
        _entries.append(e)
    }

    /// Records a value that only `eth_call` (or logs) gave.
    public func unproven(_ name: String, on contract: Address, value: String, checks: [String]) {
        record(Entry(name: name, contract: contract, value: value, source: .unproven, checks: checks))
    }

    /// Records a proven value compared with the provider's `eth_call` answer (nil: not compared).
    public func proven(_ name: String, on contract: Address, slots: [Bytes], value: String, call: String?, checks: [String]) {
        let agrees = call == nil || call == value
        record(Entry(name: name, contract: contract, slots: slots, value: value, callValue: call,
                     source: agrees ? .proven : .mismatch, checks: checks))
    }
}
