import CZlib
import CZstd
import DevProofCore

/// Layer compression, recognized by magic bytes (media types can lie or be absent in docker-save tars).
public enum Compression: String, Sendable, Equatable {
    case none, gzip, zstd

    public static func sniff(_ head: some Collection<UInt8>) -> Compression {
        let h = Array(head.prefix(4))
        if h.count >= 2, h[0] == 0x1f, h[1] == 0x8b { return .gzip }
        if h.count >= 4, h == [0x28, 0xb5, 0x2f, 0xfd] { return .zstd }
        return .none
    }
}

/// The bound on what one compressed blob may expand to. A bomb (a few KB that inflate to terabytes) is
/// refused by name instead of being hashed for hours: `maxRatio` applies once the output passes `floor`,
/// and `absolute` caps any layer.
public struct ExpansionLimit: Sendable, Equatable {
    public var floor: UInt64 = 256 << 20
    public var maxRatio: UInt64 = 200
    public var absolute: UInt64 = 64 << 30
    public init() {}
    public init(floor: UInt64, maxRatio: UInt64, absolute: UInt64) { self.floor = floor; self.maxRatio = maxRatio; self.absolute = absolute }

    func exceeded(output: UInt64, input: UInt64) -> Bool {
        if output > absolute { return true }
        return output > floor && output / max(input, 1) > maxRatio
    }
}

/// Streaming gzip (RFC 1952, multi-member) decompression through zlib.
public final class GzipStream: ByteStream {
    let inner: ByteStream
    let label: String
    let limit: ExpansionLimit
    var z = z_stream()
    let inBuf: UnsafeMutableRawBufferPointer
    var finished = false
    var sawEnd = false
    public private(set) var consumed: UInt64 = 0
    public private(set) var produced: UInt64 = 0

    public init(_ inner: ByteStream, label: String, limit: ExpansionLimit = ExpansionLimit()) throws {
        self.inner = inner; self.label = label; self.limit = limit
        inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        guard devproof_inflate_init_gzip(&z) == Z_OK else { inBuf.deallocate(); throw DevProofError.malformed("\(label): zlib init failed") }
    }
    deinit { inflateEnd(&z); inBuf.deallocate() }

    public func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int {
        if finished || buf.count == 0 { return 0 }
        z.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
        z.avail_out = uInt(min(buf.count, Int(UInt32.max)))
        while z.avail_out > 0 {
            if z.avail_in == 0 {
                let n = try inner.read(into: inBuf)
                if n == 0 {
                    if sawEnd { finished = true; break }
                    throw DevProofError.malformed("\(label): gzip stream is truncated")
                }
                consumed += UInt64(n)
                z.next_in = inBuf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                z.avail_in = uInt(n)
                if sawEnd {
                    // Another gzip member follows (pigz, concatenated streams): only if it starts like one.
                    guard z.next_in[0] == 0x1f else {
                        throw DevProofError.malformed("\(label): data after the end of the gzip stream")
                    }
                    inflateReset(&z); sawEnd = false
                }
            }
            let r = inflate(&z, Z_NO_FLUSH)
            if r == Z_STREAM_END {
                sawEnd = true
                if z.avail_in > 0 {
                    guard z.next_in[0] == 0x1f else { throw DevProofError.malformed("\(label): data after the end of the gzip stream") }
                    inflateReset(&z); sawEnd = false
                }
                continue
            }
            if r == Z_BUF_ERROR && z.avail_in == 0 { continue }
            guard r == Z_OK else {
                let msg = z.msg.map { String(cString: $0) } ?? "error \(r)"
                throw DevProofError.malformed("\(label): corrupt gzip data (\(msg))")
            }
        }
        let n = buf.count - Int(z.avail_out)
        produced += UInt64(n)
        if limit.exceeded(output: produced, input: consumed) {
            throw DevProofError.malformed("\(label): gzip expands to more than the bound (\(produced) bytes from \(consumed); decompression bomb?)")
        }
        return n
    }
}

/// Streaming zstd (RFC 8878, multi-frame) decompression through libzstd.
public final class ZstdStream: ByteStream {
    let inner: ByteStream
    let label: String
    let limit: ExpansionLimit
    let dctx: OpaquePointer
    let inBuf: UnsafeMutableRawBufferPointer
    var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    var frameDone = true
    var eof = false
    public private(set) var consumed: UInt64 = 0
    public private(set) var produced: UInt64 = 0

    public init(_ inner: ByteStream, label: String, limit: ExpansionLimit = ExpansionLimit()) throws {
        self.inner = inner; self.label = label; self.limit = limit
        guard let d = ZSTD_createDCtx() else { throw DevProofError.malformed("\(label): zstd init failed") }
        dctx = d
        // The window a frame may demand is memory we allocate: keep it at the format's default maximum (128 MiB).
        _ = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 27)
        inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(ZSTD_DStreamInSize()), alignment: 16)
    }
    deinit { ZSTD_freeDCtx(dctx); inBuf.deallocate() }

    public func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int {
        if buf.count == 0 { return 0 }
        var out = ZSTD_outBuffer(dst: buf.baseAddress, size: buf.count, pos: 0)
        while out.pos < out.size {
            if input.pos == input.size {
                if eof { break }
                let n = try inner.read(into: inBuf)
                if n == 0 {
                    eof = true
                    if !frameDone { throw DevProofError.malformed("\(label): zstd stream is truncated") }
                    break
                }
                consumed += UInt64(n)
                input = ZSTD_inBuffer(src: UnsafeRawPointer(inBuf.baseAddress), size: n, pos: 0)
            }
            let r = ZSTD_decompressStream(dctx, &out, &input)
            if ZSTD_isError(r) != 0 {
                throw DevProofError.malformed("\(label): corrupt zstd data (\(String(cString: ZSTD_getErrorName(r))))")
            }
            frameDone = (r == 0)
        }
        produced += UInt64(out.pos)
        if limit.exceeded(output: produced, input: consumed) {
            throw DevProofError.malformed("\(label): zstd expands to more than the bound (\(produced) bytes from \(consumed); decompression bomb?)")
        }
        return out.pos
    }
}

/// Wraps a stream in the decoder for `compression` (sniffed from its first bytes by the caller).
public func decompressing(_ inner: ByteStream, _ compression: Compression, label: String, limit: ExpansionLimit) throws -> ByteStream {
    switch compression {
    case .none: return inner
    case .gzip: return try GzipStream(inner, label: label, limit: limit)
    case .zstd: return try ZstdStream(inner, label: label, limit: limit)
    }
}
