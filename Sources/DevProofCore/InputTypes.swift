/// Typed input values, parsed once at the CLI edge (the `devproof` target makes them `ExpressibleByArgument`;
/// policy files parse into the same types). A value that reaches a check is already well-formed, so no
/// check re-parses text and no flag can be half-understood. Errors are `DevProofError.usage` naming `what`.
///
/// Hex is canonical: optional `0x`, then exactly the type's length in hex digits (no whitespace, no odd length).
public protocol ParsedInput: Sendable, Equatable {
    init(parsing text: String, what: String) throws
}

/// Strict hex for inputs (unlike `Hex.decode`, which tolerates whitespace in files): optional 0x, even, digits only.
public enum CanonicalHex {
    public static func decode(_ text: String, count: Int?, what: String) throws -> Bytes {
        var s = Substring(text)
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
        guard !s.isEmpty, s.utf8.allSatisfy({ Hex.nibble($0) != nil }) else {
            throw DevProofError.usage("\(what): '\(text)' is not hex (digits 0-9a-f, optional 0x)")
        }
        guard s.utf8.count % 2 == 0 else { throw DevProofError.usage("\(what): '\(text)' has an odd number of hex digits") }
        let b = try Hex.decode(String(s))
        if let count, b.count != count {
            throw DevProofError.usage("\(what): expected \(count) bytes (\(count * 2) hex digits), got \(b.count)")
        }
        return b
    }
}

/// A fixed-length byte value given as hex. `Length` picks the size (and the name in messages).
public protocol HexLength: Sendable { static var count: Int? { get } ; static var name: String { get } }

public struct HexValue<L: HexLength>: ParsedInput, Hashable, CustomStringConvertible {
    public let bytes: Bytes
    public init(bytes: Bytes) { self.bytes = bytes }
    public init(parsing text: String, what: String) throws {
        bytes = try CanonicalHex.decode(text, count: L.count, what: what)
    }
    public var description: String { bytes.hex }
}

public enum Len20: HexLength { public static let count: Int? = 20; public static let name = "20-byte hex" }
public enum Len32: HexLength { public static let count: Int? = 32; public static let name = "32-byte hex" }
public enum Len48: HexLength { public static let count: Int? = 48; public static let name = "48-byte hex" }
public enum Len64: HexLength { public static let count: Int? = 64; public static let name = "64-byte hex" }
public enum AnyLen: HexLength { public static let count: Int? = nil; public static let name = "hex" }

/// dstack app id / contract address: 20 bytes.
public typealias AppIDValue = HexValue<Len20>
/// sha256 values: compose hash, OS image hash, device id.
public typealias Hash32Value = HexValue<Len32>
/// TDX registers: MRTD, RTMR0-3, MRCONFIGID.
public typealias Register48Value = HexValue<Len48>
/// TD report_data.
public typealias ReportData64Value = HexValue<Len64>
/// Ids whose length dstack does not fix (instance id, key-provider id).
public typealias HexIDValue = HexValue<AnyLen>

/// A point in time (`--now`): unix seconds or RFC 3339.
public struct TimeValue: ParsedInput, Hashable {
    public let unixSeconds: Int64
    public init(unixSeconds: Int64) { self.unixSeconds = unixSeconds }
    public init(parsing text: String, what: String) throws {
        do { unixSeconds = try TimeInput.parse(text) } catch let e as DevProofError {
            throw DevProofError.usage("\(what): \(e.description)")
        }
    }
}

/// A duration (`30s`, `5m`, `2h`, `7d`), in seconds.
public struct DurationValue: ParsedInput, Hashable {
    public let seconds: Int64
    public init(seconds: Int64) { self.seconds = seconds }
    public init(parsing text: String, what: String) throws {
        do { seconds = try DurationInput.parse(text) } catch let e as DevProofError {
            throw DevProofError.usage("\(what): \(e.description)")
        }
    }
}
