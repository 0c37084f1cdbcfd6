import DevProofCore

/// Solidity ABI types and values (parsing of canonical type strings), used by `ABI` (ABI.swift) to encode and decode.

public struct ABIError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "ABI: " + message }
    /// As the CLI's error type (malformed input, exit 2).
    public var asDevProofError: DevProofError { .malformed(description) }
}

public indirect enum ABIType: Hashable, Sendable, CustomStringConvertible {
    case uint(Int)            // bits, 8...256 step 8
    case int(Int)
    case address
    case bool
    case fixedBytes(Int)      // bytes1...bytes32
    case bytes
    case string
    case array(ABIType)       // T[]
    case fixedArray(ABIType, Int) // T[k]
    case tuple([ABIType])

    /// Canonical type string as used in signatures ("uint256", "(address,bytes32)[]").
    public var description: String {
        switch self {
        case .uint(let n): return "uint\(n)"
        case .int(let n): return "int\(n)"
        case .address: return "address"
        case .bool: return "bool"
        case .fixedBytes(let n): return "bytes\(n)"
        case .bytes: return "bytes"
        case .string: return "string"
        case .array(let t): return "\(t)[]"
        case .fixedArray(let t, let k): return "\(t)[\(k)]"
        case .tuple(let ts): return "(" + ts.map(\.description).joined(separator: ",") + ")"
        }
    }

    public var isDynamic: Bool {
        switch self {
        case .bytes, .string, .array: return true
        case .fixedArray(let t, _): return t.isDynamic
        case .tuple(let ts): return ts.contains { $0.isDynamic }
        default: return false
        }
    }

    /// Size of the head slot(s) this type occupies inline when static.
    var headSize: Int {
        switch self {
        case .fixedArray(let t, let k) where !isDynamic: return t.headSize * k
        case .tuple(let ts) where !isDynamic: return ts.reduce(0) { $0 + $1.headSize }
        default: return 32
        }
    }

    /// Parses a type string: elementary types, `T[]`, `T[k]`, tuples `(T1,T2)` (also `tuple(...)`).
    public init(parsing text: String) throws {
        var p = TypeParser(Array(text.utf8))
        let t = try p.parseType()
        guard p.atEnd else { throw ABIError("unexpected text after type in '\(text)'") }
        self = t
    }

    /// Parses a comma-separated list of types ("address,bytes32,string[]"); empty text is [].
    public static func parseList(_ text: String) throws -> [ABIType] {
        if text.isEmpty { return [] }
        guard case .tuple(let ts) = try ABIType(parsing: "(" + text + ")") else { return [] }
        return ts
    }
}

struct TypeParser {
    let s: [UInt8]
    var i = 0
    init(_ s: [UInt8]) { self.s = s }
    var atEnd: Bool { skipSpaces(); return i >= s.count }

    func skipSpaces() {}

    mutating func parseType() throws -> ABIType {
        var base: ABIType
        if peekString("tuple(") { i += 5 }
        if i < s.count, s[i] == UInt8(ascii: "(") {
            i += 1
            var items = [ABIType]()
            if i < s.count, s[i] == UInt8(ascii: ")") { i += 1 } else {
                while true {
                    guard items.count < 256 else { throw ABIError("tuple with too many members") }
                    items.append(try parseType())
                    guard i < s.count else { throw ABIError("unterminated tuple type") }
                    if s[i] == UInt8(ascii: ",") { i += 1; continue }
                    if s[i] == UInt8(ascii: ")") { i += 1; break }
                    throw ABIError("unexpected character in tuple type")
                }
            }
            base = .tuple(items)
        } else {
            let start = i
            while i < s.count, (s[i] >= 0x61 && s[i] <= 0x7a) || (s[i] >= 0x30 && s[i] <= 0x39) { i += 1 }
            base = try TypeParser.elementary(String(decoding: s[start..<i], as: UTF8.self))
        }
        // Array suffixes.
        var depth = 0
        while i < s.count, s[i] == UInt8(ascii: "[") {
            depth += 1
            guard depth <= 8 else { throw ABIError("array nesting too deep") }
            i += 1
            let start = i
            while i < s.count, s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
            guard i < s.count, s[i] == UInt8(ascii: "]") else { throw ABIError("unterminated array type") }
            let digits = String(decoding: s[start..<i], as: UTF8.self)
            i += 1
            if digits.isEmpty { base = .array(base) } else {
                guard let k = Int(digits), k > 0, k <= 65536 else { throw ABIError("bad fixed array length '\(digits)'") }
                base = .fixedArray(base, k)
            }
        }
        return base
    }

    func peekString(_ p: String) -> Bool {
        let b = Array(p.utf8)
        return i + b.count <= s.count && Array(s[i..<(i + b.count)]) == b
    }

    static func elementary(_ name: String) throws -> ABIType {
        switch name {
        case "address": return .address
        case "bool": return .bool
        case "string": return .string
        case "bytes": return .bytes
        case "uint": return .uint(256)
        case "int": return .int(256)
        default: break
        }
        func bits(_ prefix: String) -> Int? {
            guard name.hasPrefix(prefix), let n = Int(name.dropFirst(prefix.count)) else { return nil }
            return n
        }
        if let n = bits("uint") { guard n >= 8, n <= 256, n % 8 == 0 else { throw ABIError("bad type '\(name)'") }; return .uint(n) }
        if let n = bits("int") { guard n >= 8, n <= 256, n % 8 == 0 else { throw ABIError("bad type '\(name)'") }; return .int(n) }
        if let n = bits("bytes") { guard n >= 1, n <= 32 else { throw ABIError("bad type '\(name)'") }; return .fixedBytes(n) }
        throw ABIError("unknown type '\(name)'")
    }
}

public indirect enum ABIValue: Hashable, Sendable, CustomStringConvertible {
    case uint(Word)
    case int(Word)        // two's complement
    case address(Address)
    case bool(Bool)
    case fixedBytes(Bytes)
    case bytes(Bytes)
    case string(String)
    case array([ABIValue])
    case tuple([ABIValue])

    public var description: String {
        switch self {
        case .uint(let w): return w.decimal
        case .int(let w): return w.signedDecimal
        case .address(let a): return a.checksummed
        case .bool(let b): return b ? "true" : "false"
        case .fixedBytes(let b), .bytes(let b): return b.hex0x
        case .string(let s): return s
        case .array(let vs): return "[" + vs.map(\.description).joined(separator: ",") + "]"
        case .tuple(let vs): return "(" + vs.map(\.description).joined(separator: ",") + ")"
        }
    }

    /// JSON form: integers as decimal strings (exact), bytes as 0x-hex, addresses EIP-55.
    public var json: JSONValue {
        switch self {
        case .uint, .int, .address, .fixedBytes, .bytes, .string: return .string(description)
        case .bool(let b): return .bool(b)
        case .array(let vs), .tuple(let vs): return .array(vs.map(\.json))
        }
    }

    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var addressValue: Address? { if case .address(let a) = self { return a }; return nil }
    public var wordValue: Word? {
        switch self { case .uint(let w), .int(let w): return w; default: return nil }
    }
    /// bytes or bytesN content.
    public var bytesValue: Bytes? {
        switch self { case .bytes(let b), .fixedBytes(let b): return b; default: return nil }
    }
    public var arrayValue: [ABIValue]? {
        switch self { case .array(let a), .tuple(let a): return a; default: return nil }
    }
}
