import DevProofCore

/// `--bind` profiles: what the quote's 64-byte report_data is expected to be.
public enum ReportDataBinding: Sendable, Equatable {
    /// `raw:HEX`: the bytes, zero-padded to 64.
    case raw(Bytes)
    /// `sha512-tag:TAG:FILE`: sha512(TAG ‖ ":" ‖ file bytes) (dstack QuoteContentType convention).
    case sha512Tag(tag: String, path: String)
    /// `sha256-pad:FILE`: sha256(file bytes) ‖ 0^32.
    case sha256Pad(path: String)
    /// `hexascii-sha256:FILE`: ASCII of hex(sha256(file bytes)) (64 characters).
    case hexasciiSHA256(path: String)

    public static let usage = "--bind expects raw:HEX | sha512-tag:TAG:FILE | sha256-pad:FILE | hexascii-sha256:FILE"

    public static func parse(_ spec: String) throws -> ReportDataBinding {
        guard let colon = spec.firstIndex(of: ":") else { throw DevProofError.usage("\(usage) (got '\(spec)')") }
        let kind = String(spec[..<colon]), rest = String(spec[spec.index(after: colon)...])
        switch kind {
        case "raw":
            let b: Bytes
            do { b = try Hex.decode(rest) } catch { throw DevProofError.usage("--bind raw: '\(rest)' is not hex") }
            guard b.count <= 64 else { throw DevProofError.usage("--bind raw: \(b.count) bytes, report_data holds 64") }
            return .raw(b)
        case "sha512-tag":
            guard let c = rest.firstIndex(of: ":"), !rest[..<c].isEmpty, !rest[rest.index(after: c)...].isEmpty else {
                throw DevProofError.usage("--bind sha512-tag needs TAG:FILE (got '\(rest)')")
            }
            return .sha512Tag(tag: String(rest[..<c]), path: String(rest[rest.index(after: c)...]))
        case "sha256-pad":
            guard !rest.isEmpty else { throw DevProofError.usage("--bind sha256-pad needs a FILE") }
            return .sha256Pad(path: rest)
        case "hexascii-sha256":
            guard !rest.isEmpty else { throw DevProofError.usage("--bind hexascii-sha256 needs a FILE") }
            return .hexasciiSHA256(path: rest)
        default:
            throw DevProofError.usage("\(usage) (unknown profile '\(kind)')")
        }
    }

    public var path: String? {
        switch self {
        case .raw: return nil
        case .sha512Tag(_, let p), .sha256Pad(let p), .hexasciiSHA256(let p): return p
        }
    }

    public var label: String {
        switch self {
        case .raw: return "raw"
        case .sha512Tag(let t, let p): return "sha512-tag:\(t):\(p)"
        case .sha256Pad(let p): return "sha256-pad:\(p)"
        case .hexasciiSHA256(let p): return "hexascii-sha256:\(p)"
        }
    }

    /// The expected 64 bytes, given the file contents (when the profile names a file).
    public func expected(file: Bytes?) -> Bytes {
        let f = file ?? []
        switch self {
        case .raw(let b): return b + Bytes(repeating: 0, count: 64 - b.count)
        case .sha512Tag(let t, _): return Digest.sha512(Array(t.utf8) + [0x3a] + f)
        case .sha256Pad: return Digest.sha256(f) + Bytes(repeating: 0, count: 32)
        case .hexasciiSHA256: return Array(Digest.sha256(f).hex.utf8)
        }
    }
}
