/// A JSON model that keeps what verification needs and Foundation loses:
/// - object member order (signed statements are re-serialized in the app's order),
/// - number literals as written (no silent Double rounding),
/// - the raw byte span of every object member's value (signatures over exact bytes, e.g. Intel's
///   `tcbInfo` / `enclaveIdentity`, must be checked over the bytes as received, never re-serialized).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number literal exactly as written in the source (or produced by `JSONValue.int`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    public static func int<T: BinaryInteger>(_ v: T) -> JSONValue { .number(String(v)) }
    public static func hex(_ b: Bytes) -> JSONValue { .string(b.hex) }
    public static func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
    /// An object from ordered (key, value) pairs.
    public static func obj(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { JSONMember($0.key, $0.value) })
    }
    public static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember($0.0, $0.1) })
    }
}

public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue
    /// Byte range of `value` in the parsed source, when it came from `JSONParser`.
    public var span: Range<Int>?
    public init(_ key: String, _ value: JSONValue, span: Range<Int>? = nil) {
        self.key = key; self.value = value; self.span = span
    }
    public static func == (a: JSONMember, b: JSONMember) -> Bool { a.key == b.key && a.value == b.value }
}

// MARK: - Accessors

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let m) = self { return m.first(where: { $0.key == key })?.value }
        return nil
    }
    public func member(_ key: String) -> JSONMember? {
        if case .object(let m) = self { return m.first(where: { $0.key == key }) }
        return nil
    }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [JSONMember]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { self == .null }
    public var numberLiteral: String? { if case .number(let n) = self { return n }; return nil }
    public var doubleValue: Double? { numberLiteral.flatMap { Double($0) } }
    /// Integer value of a number literal without fraction/exponent, or of a decimal string.
    public var int64Value: Int64? {
        switch self {
        case .number(let n): return Int64(n) ?? Double(n).flatMap { $0 == $0.rounded() && abs($0) < 9.2e18 ? Int64($0) : nil }
        case .string(let s): return Int64(s)
        default: return nil
        }
    }
    public var keys: [String] { objectValue?.map(\.key) ?? [] }
}

// MARK: - Parsing

public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

public enum JSONParser {
    /// Parses one JSON document (RFC 8259). Leading UTF-8 BOM and surrounding whitespace allowed.
    public static func parse(_ bytes: Bytes, maxDepth: Int = 256) throws -> JSONValue {
        var p = Parser(b: bytes, maxDepth: maxDepth)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }
        p.ws()
        let v = try p.value(depth: 0)
        p.ws()
        guard p.i == bytes.count else { throw p.err("trailing data after the JSON document") }
        return v
    }
    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

    struct Parser {
        let b: Bytes
        let maxDepth: Int
        var i = 0

        func err(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: i) }

        mutating func ws() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < maxDepth else { throw err("nesting deeper than \(maxDepth)") }
            guard i < b.count else { throw err("unexpected end of input") }
            switch b[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw err("unexpected character '\(Character(UnicodeScalar(b[i])))'")
            }
        }

        mutating func literal(_ s: String) throws {
            let lit = Array(s.utf8)
            guard i + lit.count <= b.count else { throw err("unexpected end of input") }
            for k in 0..<lit.count where b[i + k] != lit[k] { throw err("invalid literal") }
            i += lit.count
        }

        mutating func object(depth: Int) throws -> JSONValue {
            i += 1; ws()
            var members = [JSONMember]()
            // Duplicate keys are rejected: parsers disagree on which one wins (devproof would take the first,
            // Python and JavaScript the last), so a duplicate could show a verifier and a consumer different values.
            var seen = Set<String>()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                ws()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw err("expected a string key") }
                let keyStart = i
                let k = try string()
                guard seen.insert(k).inserted else {
                    throw JSONParseError(message: "duplicate key \"\(k)\" in an object", offset: keyStart)
                }
                ws()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw err("expected ':'") }
                i += 1; ws()
                let start = i
                let v = try value(depth: depth + 1)
                members.append(JSONMember(k, v, span: start..<i))
                ws()
                guard i < b.count else { throw err("unexpected end of input in object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw err("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            i += 1; ws()
            var items = [JSONValue]()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                ws()
                items.append(try value(depth: depth + 1))
                ws()
                guard i < b.count else { throw err("unexpected end of input in array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw err("expected ',' or ']'")
            }
        }

        mutating func number() throws -> String {
            let start = i
            if b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count else { throw err("bad number") }
            if b[i] == UInt8(ascii: "0") { i += 1 } else {
                guard isDigit(b[i]) else { throw err("bad number") }
                while i < b.count, isDigit(b[i]) { i += 1 }
            }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                guard i < b.count, isDigit(b[i]) else { throw err("bad number fraction") }
                while i < b.count, isDigit(b[i]) { i += 1 }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard i < b.count, isDigit(b[i]) else { throw err("bad number exponent") }
                while i < b.count, isDigit(b[i]) { i += 1 }
            }
            return String(decoding: b[start..<i], as: UTF8.self)
        }

        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

        mutating func string() throws -> String {
            i += 1
            // Fast path: no escapes (almost every string), one validation over the slice and no copy loop.
            var j = i
            while j < b.count, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "\\"), b[j] >= 0x20 { j += 1 }
            if j < b.count, b[j] == UInt8(ascii: "\"") {
                guard let s = String(validating: b[i..<j], as: UTF8.self) else { throw err("string is not valid UTF-8") }
                i = j + 1
                return s
            }
            var out = Array(b[i..<j])
            i = j
            while true {
                guard i < b.count else { throw err("unterminated string") }
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw err("control character in string") }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                i += 1
                guard i < b.count else { throw err("unterminated escape") }
                let e = b[i]; i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5c)
                case UInt8(ascii: "/"): out.append(0x2f)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw err("unpaired surrogate")
                        }
                        i += 2
                        let lo = try hex4()
                        guard (0xDC00...0xDFFF).contains(lo) else { throw err("invalid low surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (lo - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw err("unpaired surrogate")
                    }
                    guard let u = UnicodeScalar(scalar) else { throw err("invalid unicode escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw err("invalid escape")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw err("string is not valid UTF-8") }
            return s
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw err("short unicode escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let n = Hex.nibble(b[i]) else { throw err("invalid unicode escape") }
                v = v << 4 | UInt32(n); i += 1
            }
            return v
        }
    }
}

// MARK: - Serialization

public struct JSONWriteOptions: Sendable {
    public var pretty = false
    public var sortKeys = false
    /// Escape every non-ASCII character as \uXXXX (Python's ensure_ascii=True).
    public var asciiOnly = false
    /// Use ", " and ": " separators in compact mode (Python's json.dumps default).
    public var spacedSeparators = false
    public init(pretty: Bool = false, sortKeys: Bool = false, asciiOnly: Bool = false, spacedSeparators: Bool = false) {
        self.pretty = pretty; self.sortKeys = sortKeys; self.asciiOnly = asciiOnly; self.spacedSeparators = spacedSeparators
    }
}

extension JSONValue {
    public func serialized(_ o: JSONWriteOptions = JSONWriteOptions()) -> String {
        var out = ""
        write(&out, o, indent: 0)
        return out
    }

    private func write(_ out: inout String, _ o: JSONWriteOptions, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.writeString(s, &out, asciiOnly: o.asciiOnly)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (k, v) in a.enumerated() {
                if k > 0 { out += o.pretty ? "," : (o.spacedSeparators ? ", " : ",") }
                if o.pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                v.write(&out, o, indent: indent + 1)
            }
            if o.pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let m):
            if m.isEmpty { out += "{}"; return }
            let members = o.sortKeys ? m.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) } : m
            out += "{"
            for (k, mem) in members.enumerated() {
                if k > 0 { out += o.pretty ? "," : (o.spacedSeparators ? ", " : ",") }
                if o.pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONValue.writeString(mem.key, &out, asciiOnly: o.asciiOnly)
                out += (o.pretty || o.spacedSeparators) ? ": " : ":"
                mem.value.write(&out, o, indent: indent + 1)
            }
            if o.pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    /// Escapes like JSON.stringify / serde_json: \" \\ \b \f \n \r \t, other controls as \u00XX.
    public static func writeString(_ s: String, _ out: inout String, asciiOnly: Bool = false) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u" + hex4(u.value)
                } else if asciiOnly && u.value > 0x7e {
                    if u.value > 0xFFFF {
                        let v = u.value - 0x10000
                        out += "\\u" + hex4(0xD800 + (v >> 10)) + "\\u" + hex4(0xDC00 + (v & 0x3FF))
                    } else {
                        out += "\\u" + hex4(u.value)
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
