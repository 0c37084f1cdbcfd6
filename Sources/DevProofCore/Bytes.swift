/// Byte helpers shared by every layer. All multi-byte readers are bounds-checked and throw
/// `ByteReaderError` instead of trapping, so malformed input becomes exit 2, never a crash.
public typealias Bytes = [UInt8]

public struct ByteReaderError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A cursor over a byte buffer. Reads are little-endian unless the name says otherwise.
public struct ByteReader: Sendable {
    public let bytes: Bytes
    public private(set) var offset: Int
    /// What is being read, for error messages ("quote", "PCK extension", ...).
    public let context: String

    public init(_ bytes: Bytes, context: String = "input", offset: Int = 0) {
        self.bytes = bytes; self.offset = offset; self.context = context
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func read(_ count: Int, _ field: String) throws -> Bytes {
        guard count >= 0, count <= remaining else {
            throw ByteReaderError("\(context) truncated: \(field) needs \(count) bytes at offset \(offset), \(max(remaining, 0)) left")
        }
        let out = Array(bytes[offset..<(offset + count)])
        offset += count
        return out
    }

    public mutating func skip(_ count: Int, _ field: String) throws { _ = try read(count, field) }

    public mutating func u8(_ field: String) throws -> UInt8 { try read(1, field)[0] }
    public mutating func u16le(_ field: String) throws -> UInt16 { UInt16(try uintLE(2, field)) }
    public mutating func u32le(_ field: String) throws -> UInt32 { UInt32(try uintLE(4, field)) }
    public mutating func u64le(_ field: String) throws -> UInt64 { try uintLE(8, field) }
    public mutating func u16be(_ field: String) throws -> UInt16 { UInt16(try uintBE(2, field)) }
    public mutating func u32be(_ field: String) throws -> UInt32 { UInt32(try uintBE(4, field)) }
    public mutating func u64be(_ field: String) throws -> UInt64 { try uintBE(8, field) }

    private mutating func uintLE(_ n: Int, _ field: String) throws -> UInt64 {
        let b = try read(n, field)
        var v: UInt64 = 0
        for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
        return v
    }
    private mutating func uintBE(_ n: Int, _ field: String) throws -> UInt64 {
        let b = try read(n, field)
        return b.reduce(0) { ($0 << 8) | UInt64($1) }
    }
}

extension Array where Element == UInt8 {
    /// Little-endian encodings, for building signed messages and fixtures.
    public static func le<T: FixedWidthInteger>(_ v: T) -> Bytes {
        Swift.withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }
    public static func be<T: FixedWidthInteger>(_ v: T) -> Bytes {
        Swift.withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }
    public var isAllZero: Bool { allSatisfy { $0 == 0 } }
    public init(utf8 s: String) { self = Array(s.utf8) }
}

/// Constant-time-ish equality for digests (no early exit).
public func bytesEqual(_ a: Bytes, _ b: Bytes) -> Bool {
    guard a.count == b.count else { return false }
    var d: UInt8 = 0
    for i in 0..<a.count { d |= a[i] ^ b[i] }
    return d == 0
}
