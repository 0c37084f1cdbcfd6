import DevProofCore

/// The TEE a quote comes from (header `tee_type`: 0x00 SGX, 0x81 TDX).
public enum TEEType: String, Sendable, Equatable {
    case sgx, tdx
}

/// An Intel SGX / TDX DCAP quote (versions 3, 4 and 5), parsed without verification.
///
/// Layout (docs/dcap.md, spec dcap.md §1): 48-byte header ‖ (v5: u16 body type, u32 body size) ‖ body
/// (SGX enclave report 384 B, TD report 1.0 584 B, TD report 1.5 648 B) ‖ u32 signature-data length ‖
/// signature data. The attestation key signs header ‖ (descriptor) ‖ body (`signedRegion`).
/// Bytes after the signature data are tolerated (dstack quotes carry zero padding) and recorded.
public struct Quote: Sendable, Equatable {
    /// The whole input as given (including any trailing bytes).
    public let raw: Bytes
    public let header: QuoteHeader
    /// v5 only: the body descriptor (type 1 SGX, 2 TD 1.0, 3 TD 1.5) and its declared size.
    public let bodyDescriptor: BodyDescriptor?
    public let body: QuoteBody
    /// Length of the signed region: header ‖ (descriptor) ‖ body.
    public let signedLength: Int
    public let signatureData: QuoteSignatureData
    /// Offset just past the signature data: the end of the quote proper.
    public let quoteLength: Int

    public struct BodyDescriptor: Sendable, Equatable {
        public let type: UInt16
        public let size: UInt32
    }

    // MARK: Derived accessors

    public var version: Int { Int(header.version) }
    public var teeType: TEEType { header.teeType }
    /// header ‖ (descriptor) ‖ body: the bytes the attestation key signs.
    public var signedRegion: ArraySlice<UInt8> { raw[0..<signedLength] }
    /// Number of bytes after the signature data.
    public var trailingByteCount: Int { raw.count - quoteLength }
    /// True when some byte after the signature data is non-zero (worth a warning: unsigned data).
    public var hasNonZeroTrailingBytes: Bool { raw[quoteLength...].contains { $0 != 0 } }
    /// The quote without trailing bytes.
    public var quoteBytes: ArraySlice<UInt8> { raw[0..<quoteLength] }

    public var reportData: Bytes {
        switch body {
        case .sgx(let r): return r.reportData
        case .td10(let r), .td15(let r): return r.reportData
        }
    }
    public var tdReport: TDReport? {
        switch body {
        case .sgx: return nil
        case .td10(let r), .td15(let r): return r
        }
    }
    public var enclaveReport: EnclaveReport? {
        if case .sgx(let r) = body { return r }
        return nil
    }

    // TD accessors (nil for SGX quotes).
    public var mrTD: Bytes? { tdReport?.mrTD }
    public var rtmrs: [Bytes]? { tdReport?.rtmrs }
    public var mrConfigID: Bytes? { tdReport?.mrConfigID }
    public var mrOwner: Bytes? { tdReport?.mrOwner }
    public var mrOwnerConfig: Bytes? { tdReport?.mrOwnerConfig }
    public var tdAttributes: Bytes? { tdReport?.tdAttributes }
    public var xfam: Bytes? { tdReport?.xfam }
    public var mrSignerSeam: Bytes? { tdReport?.mrSignerSeam }
    public var mrSeam: Bytes? { tdReport?.mrSeam }
    public var teeTCBSVN: Bytes? { tdReport?.teeTCBSVN }
    public var mrServiceTD: Bytes? { tdReport?.mrServiceTD }

    // SGX accessors (nil for TD quotes).
    public var mrEnclave: Bytes? { enclaveReport?.mrEnclave }
    public var mrSigner: Bytes? { enclaveReport?.mrSigner }
    public var sgxAttributes: Bytes? { enclaveReport?.attributes }
    public var isvProdID: UInt16? { enclaveReport?.isvProdID }
    public var isvSVN: UInt16? { enclaveReport?.isvSVN }

    // MARK: Parsing

    /// Limit on any u32 length inside a quote (dcap-qvl uses the same 1 MiB bound).
    public static let maxFieldLength = 1 << 20

    /// Parses a binary quote. Throws `DevProofError.malformed` with a one-line reason.
    public static func parse(_ bytes: Bytes) throws -> Quote {
        do {
            return try parseUnchecked(bytes)
        } catch let e as ByteReaderError {
            throw DevProofError.malformed("malformed quote: \(e.message)")
        }
    }

    /// Reads quote file contents: raw binary, or hex text (optional 0x, whitespace ignored).
    public static func load(fileBytes: Bytes) throws -> Quote {
        if let first = fileBytes.first, first >= 0x20 || first == 0x09 || first == 0x0a || first == 0x0d,
           let text = String(validating: fileBytes, as: UTF8.self), Hex.isHex(text) {
            return try parse(Hex.decode(text))
        }
        if fileBytes.isEmpty { throw DevProofError.malformed("malformed quote: the file is empty") }
        return try parse(fileBytes)
    }

    private static func parseUnchecked(_ bytes: Bytes) throws -> Quote {
        var r = ByteReader(bytes, context: "quote")
        guard bytes.count >= QuoteHeader.size else {
            throw DevProofError.malformed("malformed quote: \(bytes.count) bytes, shorter than the 48-byte header")
        }
        let header = try QuoteHeader(try r.read(QuoteHeader.size, "header"))
        var descriptor: BodyDescriptor?
        let body: QuoteBody
        switch header.version {
        case 3:
            guard header.teeTypeRaw == 0 else {
                throw DevProofError.malformed("malformed quote: version 3 with TEE type 0x\(String(header.teeTypeRaw, radix: 16)) (v3 is SGX only)")
            }
            body = .sgx(EnclaveReport(try r.read(EnclaveReport.size, "SGX enclave report")))
        case 4:
            if header.teeType == .tdx {
                body = .td10(TDReport(try r.read(TDReport.size10, "TD report")))
            } else {
                body = .sgx(EnclaveReport(try r.read(EnclaveReport.size, "SGX enclave report")))
            }
        case 5:
            let type = try r.u16le("body type")
            let size = try r.u32le("body size")
            descriptor = BodyDescriptor(type: type, size: size)
            switch type {
            case 1: body = .sgx(EnclaveReport(try r.read(EnclaveReport.size, "SGX enclave report")))
            case 2: body = .td10(TDReport(try r.read(TDReport.size10, "TD report 1.0")))
            case 3: body = .td15(TDReport(try r.read(TDReport.size15, "TD report 1.5")))
            default: throw DevProofError.malformed("malformed quote: unsupported v5 body type \(type)")
            }
        default:
            throw DevProofError.malformed("malformed quote: unsupported quote version \(header.version) (expected 3, 4 or 5)")
        }
        let signedLength = r.offset
        let sigLen = Int(try r.u32le("signature data length"))
        guard sigLen <= maxFieldLength else {
            throw DevProofError.malformed("malformed quote: signature data length \(sigLen) exceeds \(maxFieldLength)")
        }
        let sigBytes = try r.read(sigLen, "signature data")
        let sig = try QuoteSignatureData.parse(sigBytes, version: header.version, base: signedLength + 4)
        return Quote(raw: bytes, header: header, bodyDescriptor: descriptor, body: body,
                     signedLength: signedLength, signatureData: sig, quoteLength: r.offset)
    }
}

/// The 48-byte quote header.
public struct QuoteHeader: Sendable, Equatable {
    public static let size = 48
    public static let intelQEVendorID: Bytes = [0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                                0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07]
    public let raw: Bytes
    public let version: UInt16
    /// 2 = ECDSA-256 with P-256 (the only supported one); 3 = ECDSA-384 with P-384.
    public let attestationKeyType: UInt16
    public let teeTypeRaw: UInt32
    /// v3: QE SVN / PCE SVN; reserved in v4/v5.
    public let qeSVN: UInt16
    public let pceSVN: UInt16
    public let qeVendorID: Bytes
    public let userData: Bytes

    public var teeType: TEEType { teeTypeRaw == 0x81 ? .tdx : .sgx }

    init(_ b: Bytes) throws {
        raw = b
        var r = ByteReader(b, context: "quote header")
        version = try r.u16le("version")
        attestationKeyType = try r.u16le("attestation key type")
        teeTypeRaw = try r.u32le("TEE type")
        qeSVN = try r.u16le("QE SVN")
        pceSVN = try r.u16le("PCE SVN")
        qeVendorID = try r.read(16, "QE vendor ID")
        userData = try r.read(20, "user data")
        guard teeTypeRaw == 0 || teeTypeRaw == 0x81 else {
            throw DevProofError.malformed("malformed quote: unknown TEE type 0x\(String(teeTypeRaw, radix: 16))")
        }
    }
}

/// Report body of a quote.
public enum QuoteBody: Sendable, Equatable {
    case sgx(EnclaveReport)
    case td10(TDReport)
    case td15(TDReport)
}

/// SGX enclave report body (384 bytes); also the layout of the QE report.
public struct EnclaveReport: Sendable, Equatable {
    public static let size = 384
    public let raw: Bytes
    init(_ raw: Bytes) { self.raw = raw }
    /// Parses 384 raw bytes (e.g. a QE report).
    public init(raw: Bytes) throws {
        guard raw.count == Self.size else { throw DevProofError.malformed("SGX report must be 384 bytes, got \(raw.count)") }
        self.raw = raw
    }

    @inline(__always) func f(_ o: Int, _ n: Int) -> Bytes { Array(raw[o..<(o + n)]) }
    @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(raw[o]) | UInt16(raw[o + 1]) << 8 }

    public var cpuSVN: Bytes { f(0, 16) }
    public var miscSelect: UInt32 { UInt32(raw[16]) | UInt32(raw[17]) << 8 | UInt32(raw[18]) << 16 | UInt32(raw[19]) << 24 }
    public var isvExtProdID: Bytes { f(32, 16) }
    public var attributes: Bytes { f(48, 16) }
    /// ATTRIBUTES.DEBUG (byte 0, bit 1).
    public var isDebug: Bool { raw[48] & 0x02 != 0 }
    public var mrEnclave: Bytes { f(64, 32) }
    public var mrSigner: Bytes { f(128, 32) }
    public var configID: Bytes { f(192, 64) }
    public var isvProdID: UInt16 { u16(256) }
    public var isvSVN: UInt16 { u16(258) }
    public var configSVN: UInt16 { u16(260) }
    public var isvFamilyID: Bytes { f(304, 16) }
    public var reportData: Bytes { f(320, 64) }
}

/// TD report body: TD 1.0 (584 bytes) or TD 1.5 (648 bytes).
public struct TDReport: Sendable, Equatable {
    public static let size10 = 584
    public static let size15 = 648
    public let raw: Bytes
    init(_ raw: Bytes) { self.raw = raw }

    @inline(__always) func f(_ o: Int, _ n: Int) -> Bytes { Array(raw[o..<(o + n)]) }

    public var isTD15: Bool { raw.count == Self.size15 }
    public var teeTCBSVN: Bytes { f(0, 16) }
    public var mrSeam: Bytes { f(16, 48) }
    public var mrSignerSeam: Bytes { f(64, 48) }
    public var seamAttributes: Bytes { f(112, 8) }
    public var tdAttributes: Bytes { f(120, 8) }
    public var xfam: Bytes { f(128, 8) }
    public var mrTD: Bytes { f(136, 48) }
    public var mrConfigID: Bytes { f(184, 48) }
    public var mrOwner: Bytes { f(232, 48) }
    public var mrOwnerConfig: Bytes { f(280, 48) }
    public var rtmrs: [Bytes] { (0..<4).map { f(328 + 48 * $0, 48) } }
    public var reportData: Bytes { f(520, 64) }
    /// TD 1.5 only.
    public var teeTCBSVN2: Bytes? { isTD15 ? f(584, 16) : nil }
    public var mrServiceTD: Bytes? { isTD15 ? f(600, 48) : nil }

    /// td_attributes as a little-endian u64 (bit 0 DEBUG, bit 28 SEPT_VE_DISABLE, bit 30 PKS, bit 31 KL, bit 63 PERFMON).
    public var tdAttributesValue: UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(raw[120 + i]) << (8 * UInt64(i)) }
        return v
    }
    public var isDebug: Bool { tdAttributesValue & 1 != 0 }
}

/// ECDSA signature data ("auth data") of a quote, normalised to the v3 shape.
public struct QuoteSignatureData: Sendable, Equatable {
    /// Raw r‖s (64 bytes) by the attestation key over the signed region.
    public let signature: Bytes
    /// Raw x‖y (64 bytes) P-256 attestation public key.
    public let attestationKey: Bytes
    /// v4/v5: the outer certification data type (6 = QE report certification data). nil for v3.
    public let outerCertType: UInt16?
    public let qeReport: EnclaveReport
    /// Raw r‖s by the PCK key over the 384 QE report bytes.
    public let qeReportSignature: Bytes
    public let qeAuthData: Bytes
    /// Inner certification data type (5 = PCK certificate chain, PEM).
    public let certType: UInt16
    public let certData: Bytes
    /// Absolute offsets in the quote (for mutation tests and diagnostics).
    public let offsets: Offsets

    public struct Offsets: Sendable, Equatable {
        public let signature: Int
        public let attestationKey: Int
        public let qeReport: Int
        public let qeReportSignature: Int
        public let qeAuthData: Int
        public let certData: Int
    }

    static func parse(_ b: Bytes, version: UInt16, base: Int) throws -> QuoteSignatureData {
        var r = ByteReader(b, context: "quote signature data")
        let sig = try r.read(64, "ECDSA signature")
        let key = try r.read(64, "attestation key")
        var outerType: UInt16?
        var inner = r
        var innerBase = base
        if version >= 4 {
            outerType = try r.u16le("certification data type")
            let size = Int(try r.u32le("certification data size"))
            guard size <= Quote.maxFieldLength else {
                throw DevProofError.malformed("malformed quote: certification data size \(size) exceeds \(Quote.maxFieldLength)")
            }
            innerBase = base + r.offset
            inner = ByteReader(try r.read(size, "certification data"), context: "QE report certification data")
        }
        let innerStart = inner.offset
        let qeReport = EnclaveReport(try inner.read(EnclaveReport.size, "QE report"))
        let qeSig = try inner.read(64, "QE report signature")
        let authLen = Int(try inner.u16le("QE authentication data size"))
        let authOff = inner.offset
        let auth = try inner.read(authLen, "QE authentication data")
        let certType = try inner.u16le("PCK certification data type")
        let certSize = Int(try inner.u32le("PCK certification data size"))
        guard certSize <= Quote.maxFieldLength else {
            throw DevProofError.malformed("malformed quote: PCK certification data size \(certSize) exceeds \(Quote.maxFieldLength)")
        }
        let certOff = inner.offset
        let cert = try inner.read(certSize, "PCK certification data")
        let ib = version >= 4 ? innerBase - innerStart : base
        let offsets = Offsets(signature: base, attestationKey: base + 64,
                              qeReport: ib + innerStart, qeReportSignature: ib + innerStart + 384,
                              qeAuthData: ib + authOff, certData: ib + certOff)
        return QuoteSignatureData(signature: sig, attestationKey: key, outerCertType: outerType, qeReport: qeReport,
                                  qeReportSignature: qeSig, qeAuthData: auth, certType: certType, certData: cert,
                                  offsets: offsets)
    }
}
