import DevProofCore
import Foundation

/// Reads a file on a second thread and hashes it there, handing the chunks to the consumer through a
/// bounded queue. The archive's own sha256 (image_hash) then costs no time on the thread that parses the
/// tar and hashes the blobs: one pass over the file at about the speed of one SHA-256 (docs/perf.md).
/// Memory: at most `depth` chunks in flight.
public final class ReadAheadHashingStream: ByteStream, @unchecked Sendable {
    let file: FileStream
    let chunk: Int
    let depth: Int
    let cond = NSCondition()
    var queue: [UnsafeMutableRawBufferPointer] = []
    var lengths: [Int] = []
    var free: [UnsafeMutableRawBufferPointer] = []
    var done = false
    var cancelled = false
    var failure: Error?
    var current: (buf: UnsafeMutableRawBufferPointer, len: Int, pos: Int)?
    let hasher = StreamingDigest(.sha256)
    public private(set) var count: UInt64 = 0
    var thread: Thread?
    var finished = false

    public init(_ file: FileStream, chunk: Int = 1 << 20, depth: Int = 4) {
        self.file = file; self.chunk = chunk; self.depth = depth
        for _ in 0..<depth { free.append(.allocate(byteCount: chunk, alignment: 16)) }
        let t = Thread { [unowned self] in self.produce() }
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    deinit {
        cond.lock(); cancelled = true; cond.broadcast()
        while !finished { cond.wait() }
        cond.unlock()
        for b in free + queue { b.deallocate() }
        if let c = current { c.buf.deallocate() }
    }

    func produce() {
        while true {
            cond.lock()
            while free.isEmpty && !cancelled { cond.wait() }
            if cancelled { finished = true; cond.broadcast(); cond.unlock(); return }
            let b = free.removeLast()
            cond.unlock()
            var n = 0
            var err: Error?
            do { n = try file.read(into: b) } catch { err = error }
            if n > 0 { hasher.update(UnsafeRawBufferPointer(rebasing: b[0..<n])) }
            cond.lock()
            if let err { failure = err }
            if n > 0 { queue.append(b); lengths.append(n); count += UInt64(n) } else { free.append(b) }
            if n == 0 || err != nil { done = true; finished = true }
            cond.broadcast()
            cond.unlock()
            if n == 0 || err != nil { return }
        }
    }

    public func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        if current == nil {
            cond.lock()
            while queue.isEmpty && !done { cond.wait() }
            if let f = failure { cond.unlock(); throw f }
            if queue.isEmpty { cond.unlock(); return 0 }
            current = (queue.removeFirst(), lengths.removeFirst(), 0)
            cond.unlock()
        }
        let c = current!
        let k = min(out.count, c.len - c.pos)
        out.baseAddress!.copyMemory(from: c.buf.baseAddress! + c.pos, byteCount: k)
        if c.pos + k == c.len {
            cond.lock(); free.append(c.buf); current = nil; cond.broadcast(); cond.unlock()
        } else {
            current = (c.buf, c.len, c.pos + k)
        }
        return k
    }

    /// The file's sha256, once the stream has been read to its end.
    public func finalize() throws -> Bytes {
        cond.lock()
        while !finished { cond.wait() }
        let f = failure
        cond.unlock()
        if let f { throw f }
        return hasher.finalize()
    }
}
