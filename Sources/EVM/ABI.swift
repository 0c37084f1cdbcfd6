import DevProofCore

/// Solidity contract ABI: types, values, encoding and strict decoding.
///
/// Decoding treats its input as hostile (it comes from an RPC provider): every offset and length is
/// bounds-checked, padding must be zero, bools must be 0/1, and the total work is capped, so malformed
/// data always becomes an `ABIError`, never a trap or an unbounded allocation.
public enum ABI {
    /// First 4 bytes of keccak256 of a canonical signature, e.g. `transfer(address,uint256)`.
    public static func selector(_ signature: String) -> Bytes { Array(Keccak.keccak256(Array(signature.utf8)).prefix(4)) }
    /// keccak256 of an event signature (topic0).
    public static func topic(_ signature: String) -> Bytes { Keccak.keccak256(Array(signature.utf8)) }

    // MARK: Encoding

    public static func encode(_ types: [ABIType], _ values: [ABIValue]) throws -> Bytes {
        guard types.count == values.count else { throw ABIError("expected \(types.count) values, got \(values.count)") }
        return try encodeSequence(types, values)
    }

    static func encodeSequence(_ types: [ABIType], _ values: [ABIValue]) throws -> Bytes {
        let headLen = types.reduce(0) { $0 + ($1.isDynamic ? 32 : $1.headSize) }
        var head = Bytes(), tail = Bytes()
        for (t, v) in zip(types, values) {
            if t.isDynamic {
                head += Word(headLen + tail.count).bytes
                tail += try encodeValue(t, v)
            } else {
                head += try encodeValue(t, v)
            }
        }
        return head + tail
    }

    static func encodeValue(_ t: ABIType, _ v: ABIValue) throws -> Bytes {
        switch (t, v) {
        case (.uint(let n), .uint(let w)):
            guard fitsUnsigned(w, bits: n) else { throw ABIError("value \(w) does not fit uint\(n)") }
            return w.bytes
        case (.int(let n), .int(let w)):
            guard fitsSigned(w, bits: n) else { throw ABIError("value \(w.signedDecimal) does not fit int\(n)") }
            return w.bytes
        case (.address, .address(let a)): return Bytes(repeating: 0, count: 12) + a.bytes
        case (.bool, .bool(let b)): return Word(b ? 1 : 0).bytes
        case (.fixedBytes(let n), .fixedBytes(let b)):
            guard b.count == n else { throw ABIError("bytes\(n) value has \(b.count) bytes") }
            return b + Bytes(repeating: 0, count: 32 - n)
        case (.bytes, .bytes(let b)): return encodeBytes(b)
        case (.string, .string(let s)): return encodeBytes(Array(s.utf8))
        case (.array(let et), .array(let vs)):
            return Word(vs.count).bytes + (try encodeSequence(Array(repeating: et, count: vs.count), vs))
        case (.fixedArray(let et, let k), .array(let vs)):
            guard vs.count == k else { throw ABIError("\(t) needs \(k) elements, got \(vs.count)") }
            return try encodeSequence(Array(repeating: et, count: k), vs)
        case (.tuple(let ts), .tuple(let vs)):
            guard ts.count == vs.count else { throw ABIError("\(t) needs \(ts.count) members, got \(vs.count)") }
            return try encodeSequence(ts, vs)
        default:
            throw ABIError("value \(v) does not match type \(t)")
        }
    }

    static func encodeBytes(_ b: Bytes) -> Bytes {
        let pad = (32 - b.count % 32) % 32
        return Word(b.count).bytes + b + Bytes(repeating: 0, count: pad)
    }

    static func fitsUnsigned(_ w: Word, bits: Int) -> Bool {
        let zeroBytes = (256 - bits) / 8
        return w.bytes[0..<zeroBytes].allSatisfy { $0 == 0 }
    }
    static func fitsSigned(_ w: Word, bits: Int) -> Bool {
        let n = (256 - bits) / 8
        guard n > 0 else { return true }
        let fill: UInt8 = w.isNegative ? 0xff : 0
        // High bytes are sign extension, and the sign bit of the N-bit value agrees.
        return w.bytes[0..<n].allSatisfy { $0 == fill } && (w.bytes[n] & 0x80 != 0) == w.isNegative
    }

    /// Calldata: selector ‖ encoded arguments.
    public static func encodeCall(_ signature: String, _ values: [ABIValue]) throws -> Bytes {
        let f = try ABIFunction(signature)
        return try f.encodeCall(values)
    }

    // MARK: Decoding

    /// Decodes `data` as the tuple of `types`. Trailing bytes after the encoded data are tolerated (as Solidity
    /// does); `maxElements` caps the work so crafted offsets cannot make decoding explode.
    public static func decode(_ types: [ABIType], _ data: Bytes, maxElements: Int = 1_000_000) throws -> [ABIValue] {
        var d = Decoder(data: data, budget: maxElements)
        return try d.decodeSequence(types, base: 0, limit: data.count)
    }

    struct Decoder {
        let data: Bytes
        var budget: Int

        mutating func spend(_ n: Int) throws {
            budget -= n
            guard budget >= 0 else { throw ABIError("data expands to too many elements") }
        }

        func word(at off: Int, limit: Int) throws -> ArraySlice<UInt8> {
            guard off >= 0, off <= limit - 32 else {
                throw ABIError("data truncated: needs a 32-byte word at offset \(off), have \(max(limit, 0)) bytes")
            }
            return data[off..<(off + 32)]
        }

        /// A word read as a non-negative Int offset/length, bounded by the data size.
        func smallInt(at off: Int, limit: Int, what: String) throws -> Int {
            let w = try word(at: off, limit: limit)
            guard w.prefix(24).allSatisfy({ $0 == 0 }) else { throw ABIError("\(what) at offset \(off) is out of range") }
            let v = w.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard v <= UInt64(data.count) else { throw ABIError("\(what) \(v) at offset \(off) exceeds data size \(data.count)") }
            return Int(v)
        }

        /// Decodes a sequence (tuple body) whose head starts at `base`.
        mutating func decodeSequence(_ types: [ABIType], base: Int, limit: Int) throws -> [ABIValue] {
            try spend(types.count)
            var out = [ABIValue]()
            out.reserveCapacity(types.count)
            var headOff = base
            for t in types {
                if t.isDynamic {
                    let rel = try smallInt(at: headOff, limit: limit, what: "offset")
                    let target = base + rel
                    guard target <= limit - 32 else {
                        throw ABIError("offset \(rel) at \(headOff) points outside the data")
                    }
                    out.append(try decodeValue(t, at: target, limit: limit))
                    headOff += 32
                } else {
                    out.append(try decodeValue(t, at: headOff, limit: limit))
                    headOff += t.headSize
                }
            }
            return out
        }

        mutating func decodeValue(_ t: ABIType, at off: Int, limit: Int) throws -> ABIValue {
            switch t {
            case .uint(let n):
                let w = Word(uncheckedBytes: Array(try word(at: off, limit: limit)))
                guard ABI.fitsUnsigned(w, bits: n) else { throw ABIError("uint\(n) at offset \(off) has dirty high bits") }
                return .uint(w)
            case .int(let n):
                let w = Word(uncheckedBytes: Array(try word(at: off, limit: limit)))
                guard ABI.fitsSigned(w, bits: n) else { throw ABIError("int\(n) at offset \(off) is not sign-extended") }
                return .int(w)
            case .address:
                let w = try word(at: off, limit: limit)
                guard w.prefix(12).allSatisfy({ $0 == 0 }) else { throw ABIError("address at offset \(off) has dirty high bits") }
                return .address(try Address(bytes: Array(w.suffix(20))))
            case .bool:
                let w = try word(at: off, limit: limit)
                guard w.prefix(31).allSatisfy({ $0 == 0 }), let last = w.last, last <= 1 else {
                    throw ABIError("bool at offset \(off) is neither 0 nor 1")
                }
                return .bool(last == 1)
            case .fixedBytes(let n):
                let w = try word(at: off, limit: limit)
                guard w.suffix(32 - n).allSatisfy({ $0 == 0 }) else { throw ABIError("bytes\(n) at offset \(off) has dirty padding") }
                return .fixedBytes(Array(w.prefix(n)))
            case .bytes, .string:
                let len = try smallInt(at: off, limit: limit, what: "length")
                let start = off + 32
                guard start + len <= limit else { throw ABIError("\(t) of length \(len) at offset \(off) runs past the data") }
                let padded = (len + 31) / 32 * 32
                guard start + padded <= limit else { throw ABIError("\(t) at offset \(off) is missing its padding") }
                guard data[(start + len)..<(start + padded)].allSatisfy({ $0 == 0 }) else {
                    throw ABIError("\(t) at offset \(off) has dirty padding")
                }
                try spend(padded / 32)
                let b = Array(data[start..<(start + len)])
                if case .string = t {
                    guard let s = String(validating: b, as: UTF8.self) else { throw ABIError("string at offset \(off) is not valid UTF-8") }
                    return .string(s)
                }
                return .bytes(b)
            case .array(let et):
                let count = try smallInt(at: off, limit: limit, what: "array length")
                let base = off + 32
                // Every element needs at least one 32-byte head word: bounds the allocation.
                guard count <= (limit - base) / 32 else { throw ABIError("array length \(count) at offset \(off) exceeds the data") }
                return .array(try decodeSequence(Array(repeating: et, count: count), base: base, limit: limit))
            case .fixedArray(let et, let k):
                guard off <= limit, k <= (limit - off) / 32 else { throw ABIError("\(t) at offset \(off) exceeds the data") }
                return .array(try decodeSequence(Array(repeating: et, count: k), base: off, limit: limit))
            case .tuple(let ts):
                return .tuple(try decodeSequence(ts, base: off, limit: limit))
            }
        }
    }

    // MARK: Reverts

    public enum Revert: Equatable, Sendable, CustomStringConvertible {
        /// No revert data (require without message, or out of gas).
        case empty
        /// `Error(string)`.
        case error(String)
        /// `Panic(uint256)`.
        case panic(Word)
        /// A custom error or undecodable data: selector and raw bytes.
        case custom(Bytes)

        public var description: String {
            switch self {
            case .empty: return "reverted without a reason"
            case .error(let s): return "reverted: \(s)"
            case .panic(let c): return "panic 0x\(String(c.uint64 ?? 0, radix: 16, uppercase: false))\(Revert.panicMeaning(c).map { " (\($0))" } ?? "")"
            case .custom(let b): return "reverted with custom error data \(Array(b.prefix(4)).hex0x)\(b.count > 4 ? "…" : "")"
            }
        }

        public var reason: String {
            switch self {
            case .error(let s): return s
            default: return description
            }
        }

        static func panicMeaning(_ c: Word) -> String? {
            switch c.uint64 {
            case 0x01: return "assertion failed"
            case 0x11: return "arithmetic overflow"
            case 0x12: return "division by zero"
            case 0x21: return "invalid enum value"
            case 0x22: return "bad storage byte array"
            case 0x31: return "pop on empty array"
            case 0x32: return "array index out of bounds"
            case 0x41: return "out of memory"
            case 0x51: return "call to zero-initialized function"
            default: return nil
            }
        }
    }

    public static let errorSelector: Bytes = [0x08, 0xc3, 0x79, 0xa0]  // Error(string)
    public static let panicSelector: Bytes = [0x4e, 0x48, 0x7b, 0x71]  // Panic(uint256)

    /// Decodes revert data. Never throws: undecodable data is `.custom`.
    public static func decodeRevert(_ data: Bytes) -> Revert {
        if data.isEmpty { return .empty }
        guard data.count >= 4 else { return .custom(data) }
        let sel = Array(data.prefix(4)), body = Array(data.dropFirst(4))
        if sel == errorSelector, let v = try? decode([.string], body), let s = v.first?.stringValue { return .error(s) }
        if sel == panicSelector, let v = try? decode([.uint(256)], body), let w = v.first?.wordValue { return .panic(w) }
        return .custom(data)
    }

    /// Revert data for `Error(string)` (tests, stub servers).
    public static func encodeErrorString(_ s: String) -> Bytes {
        errorSelector + ((try? encode([.string], [.string(s)])) ?? [])
    }
}

/// A function: name, inputs, outputs. Built from a signature like `isAppAllowed((address,bytes32))`
/// and an output list like `bool,string`.
public struct ABIFunction: Sendable, Equatable {
    public let name: String
    public let inputs: [ABIType]
    public let outputs: [ABIType]

    public init(_ signature: String, returns: String = "") throws {
        guard let open = signature.firstIndex(of: "("), signature.hasSuffix(")") else {
            throw ABIError("bad function signature '\(signature)'")
        }
        name = String(signature[..<open])
        guard !name.isEmpty else { throw ABIError("function signature '\(signature)' has no name") }
        inputs = try ABIType.parseList(String(signature[signature.index(after: open)..<signature.index(before: signature.endIndex)]))
        outputs = try ABIType.parseList(returns)
    }

    public var signature: String { name + "(" + inputs.map(\.description).joined(separator: ",") + ")" }
    public var selector: Bytes { ABI.selector(signature) }

    public func encodeCall(_ values: [ABIValue]) throws -> Bytes { selector + (try ABI.encode(inputs, values)) }
    public func decodeOutput(_ data: Bytes) throws -> [ABIValue] {
        if outputs.isEmpty { return [] }
        return try ABI.decode(outputs, data)
    }
}
