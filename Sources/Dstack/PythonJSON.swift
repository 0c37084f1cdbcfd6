import DevProofCore

/// Python's `json.dumps` of a value parsed from JSON (the Python dialect of canonical JSON, beside
/// `JSStringify`'s ECMAScript one). Python semantics: a dict keeps the last duplicate key; with
/// `sortKeys` keys are ordered by code point; ints print in full ("-0" as "0"); floats as `repr`;
/// an out-of-range literal such as 1e999 (a float infinity in Python) as `Infinity`, or as `null` where
/// the producer sanitizes non-finite numbers (dstack-sdk).
public struct PythonJSON: Sendable {
    public var sortKeys: Bool
    /// `ensure_ascii`: escape everything outside 0x20...0x7e as \uXXXX (Python's default: true).
    public var ensureASCII: Bool
    public var itemSeparator: String
    public var keySeparator: String
    public var nonFiniteAsNull = false

    /// `json.dumps(v, sort_keys=True)` with the defaults: ensure_ascii, ", " and ": ".
    public static let dumpsSorted = PythonJSON(sortKeys: true, ensureASCII: true, itemSeparator: ", ", keySeparator: ": ")
    /// dstack-sdk's compose form: sorted, compact, non-ASCII raw.
    public static let compactSortedRaw: PythonJSON = {
        var p = PythonJSON(sortKeys: true, ensureASCII: false, itemSeparator: ",", keySeparator: ":")
        p.nonFiniteAsNull = true
        return p
    }()

    public init(sortKeys: Bool, ensureASCII: Bool, itemSeparator: String, keySeparator: String) {
        self.sortKeys = sortKeys; self.ensureASCII = ensureASCII
        self.itemSeparator = itemSeparator; self.keySeparator = keySeparator
    }

    public func dumps(_ v: JSONValue) -> String {
        var out = ""
        write(v, &out)
        return out
    }

    static func isFloatLiteral(_ lit: String) -> Bool {
        lit.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    }

    func write(_ v: JSONValue, _ out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): JSONValue.writeString(s, &out, asciiOnly: ensureASCII)
        case .number(let lit):
            if PythonJSON.isFloatLiteral(lit) {
                let d = Double(lit) ?? .nan
                if d.isFinite { out += NumberFormat.pythonRepr(d) }
                else { out += nonFiniteAsNull ? "null" : (d.isNaN ? "NaN" : (d < 0 ? "-Infinity" : "Infinity")) }
            } else {
                // Python int: arbitrary precision, "-0" prints as "0".
                var s = Substring(lit)
                let neg = s.hasPrefix("-")
                if neg { s = s.dropFirst() }
                let trimmed = s.drop(while: { $0 == "0" })
                out += trimmed.isEmpty ? "0" : (neg ? "-" : "") + trimmed
            }
        case .array(let a):
            out += "["
            for (i, x) in a.enumerated() { if i > 0 { out += itemSeparator }; write(x, &out) }
            out += "]"
        case .object(let m):
            // Python dict: the first position of a key, the last value.
            var order = [String](), uniq = [String: JSONValue]()
            for x in m { if uniq[x.key] == nil { order.append(x.key) }; uniq[x.key] = x.value }
            let keys = sortKeys ? order.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) } : order
            out += "{"
            for (i, k) in keys.enumerated() {
                if i > 0 { out += itemSeparator }
                JSONValue.writeString(k, &out, asciiOnly: ensureASCII); out += keySeparator
                write(uniq[k]!, &out)
            }
            out += "}"
        }
    }
}
