import DevProofCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pull stream of bytes. Every reader in this module streams through fixed-size buffers, so memory
/// does not grow with the archive or layer size (issue 8: "peak memory independent of archive size").
public protocol ByteStream: AnyObject {
    /// Fills up to `buf.count` bytes; returns 0 only at the end of the stream.
    func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A regular file read with read(2). Refuses anything but a regular file (a FIFO or device could block or
/// be endless).
public final class FileStream: ByteStream {
    let fd: Int32
    public let path: String
    public let size: UInt64

    public init(path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw DevProofError.unreadable("cannot read '\(path)': no such file") }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw DevProofError.unreadable("cannot read '\(path)': not a regular file")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DevProofError.unreadable("cannot read '\(path)': \(String(cString: strerror(errno)))") }
        self.fd = fd; self.path = path; self.size = UInt64(st.st_size)
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
    }
    deinit { close(fd) }

    public func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buf.baseAddress, buf.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw DevProofError.unreadable("cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Moves the read position (for re-reading one entry of an archive).
    public func seek(to offset: UInt64) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw DevProofError.unreadable("cannot seek in '\(path)'") }
    }
}

/// Passes bytes through while hashing them (the archive file's own sha256 in the same pass as its blobs).
public final class HashingStream: ByteStream {
    let inner: ByteStream
    public let hasher = StreamingDigest(.sha256)
    public private(set) var count: UInt64 = 0
    public init(_ inner: ByteStream) { self.inner = inner }
    public func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try inner.read(into: buf)
        if n > 0 { hasher.update(UnsafeRawBufferPointer(rebasing: buf[0..<n])); count += UInt64(n) }
        return n
    }
}

/// At most `limit` bytes of another stream (one entry of a tar, re-read for a layer diff).
public final class LimitedStream: ByteStream {
    let inner: ByteStream
    var left: UInt64
    public init(_ inner: ByteStream, limit: UInt64) { self.inner = inner; self.left = limit }
    public func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int {
        if left == 0 { return 0 }
        let want = Int(min(UInt64(buf.count), left))
        let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[0..<want]))
        left -= UInt64(n)
        return n
    }
}

/// Bytes held in memory (tests, small blobs).
public final class MemoryStream: ByteStream {
    let bytes: Bytes
    var pos = 0
    public init(_ b: Bytes) { bytes = b }
    public func read(into buf: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buf.count, bytes.count - pos)
        if n > 0 { bytes.withUnsafeBytes { src in buf.baseAddress!.copyMemory(from: src.baseAddress! + pos, byteCount: n) } }
        pos += n
        return n
    }
}

extension StreamingDigest {
    public func update(_ buf: UnsafeRawBufferPointer) {
        update(UnsafeBufferPointer(start: buf.baseAddress?.assumingMemoryBound(to: UInt8.self), count: buf.count))
    }
}

/// Reads a stream to its end in chunks, calling `body` for each.
public func drain(_ s: ByteStream, chunk: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buf.deallocate() }
    while true {
        let n = try s.read(into: buf)
        if n == 0 { return }
        try body(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
    }
}
