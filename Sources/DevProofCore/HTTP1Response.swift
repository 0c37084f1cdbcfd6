/// An HTTP/1.1 response read off a raw stream (the TLS client's single request): status line, headers,
/// body by Content-Length, chunked transfer coding, or up to the end of the connection.
public struct HTTP1Response: Sendable, Equatable {
    public let status: Int
    public let headers: [String: String]
    public let body: Bytes

    static let maxHeaderBytes = 64 * 1024

    public init(status: Int, headers: [String: String], body: Bytes) { self.status = status; self.headers = headers; self.body = body }

    /// The response when `buf` holds all of it; nil when more bytes are needed. `complete`: the stream ended
    /// (a body without length runs to here). Throws `malformed` for a response that can never parse.
    public static func parse(_ buf: Bytes, complete: Bool) throws -> HTTP1Response? {
        guard let end = headerEnd(buf) else {
            if buf.count > maxHeaderBytes { throw DevProofError.malformed("HTTP response headers exceed \(maxHeaderBytes) bytes") }
            if complete, !buf.isEmpty, !buf.starts(with: Array("HTTP/".utf8)) {
                throw DevProofError.malformed("the server's answer is not HTTP (starts with \(Hex.encode(Array(buf.prefix(8)))))")
            }
            return nil
        }
        let head = String(decoding: buf[..<end], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status) else {
            throw DevProofError.malformed("bad HTTP status line '\(statusLine.prefix(80))'")
        }
        var headers = [String: String]()
        for l in lines where !l.isEmpty {
            guard let c = l.firstIndex(of: ":") else { throw DevProofError.malformed("bad HTTP header line '\(l.prefix(80))'") }
            headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingASCIIWhitespace()
        }
        let rest = buf[(end + 4)...]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            // Decode only once the last chunk can have arrived (keeps repeated calls linear).
            guard complete || rest.suffix(5).elementsEqual(Array("0\r\n\r\n".utf8)) else { return nil }
            guard let body = try dechunk(Array(rest)) else { return nil }
            return HTTP1Response(status: status, headers: headers, body: body)
        }
        if let cl = headers["content-length"] {
            guard let n = Int(cl), n >= 0 else { throw DevProofError.malformed("bad Content-Length '\(cl.prefix(40))'") }
            guard rest.count >= n else { return nil }
            return HTTP1Response(status: status, headers: headers, body: Array(rest.prefix(n)))
        }
        return complete ? HTTP1Response(status: status, headers: headers, body: Array(rest)) : nil
    }

    static func headerEnd(_ b: Bytes) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...min(b.count - 4, maxHeaderBytes) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    /// The decoded body, or nil while the terminating zero-size chunk has not arrived.
    static func dechunk(_ b: Bytes) throws -> Bytes? {
        var out = Bytes(), i = 0
        while true {
            guard let nl = (i..<max(i, b.count - 1)).first(where: { b[$0] == 13 && b[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: b[i..<nl], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingASCIIWhitespace(), radix: 16), size >= 0, size < 1 << 30 else {
                throw DevProofError.malformed("bad HTTP chunk size '\(sizeText.prefix(20))'")
            }
            i = nl + 2
            if size == 0 { return out }
            guard b.count >= i + size + 2 else { return nil }
            out += b[i..<(i + size)]
            i += size + 2
        }
    }
}
