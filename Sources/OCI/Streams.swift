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
}

/// Passes bytes through while hashing them (a member's sha256 in the same pass that decompresses it).
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
