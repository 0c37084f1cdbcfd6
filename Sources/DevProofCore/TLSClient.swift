import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// What a TLS server presented, as sent (leaf first). No trust decision is made here: the certificate is
/// not verified against any root (attested-TLS servers are self-signed); the caller judges the chain.
public struct TLSPeer: Sendable {
    public let chainDER: [Bytes]
    public let protocolVersion: String
    public let cipher: String
}

/// One TLS connection: handshake, keep the peer chain, then (optionally) one HTTP/1.1 GET over the SAME
/// connection, so the response comes from the holder of the key that completed this handshake.
/// Every phase shares one deadline; every size is bounded.
public struct TLSClient: Sendable {
    /// Whole exchange (connect + handshake + request + response), seconds.
    public var timeout: Double
    /// More certificates than this in the presented chain is malformed input.
    public var maxCertificates = 16
    /// OpenSSL's bound on the Certificate handshake message (an endless/huge chain aborts the handshake).
    public var maxCertListBytes = 256 * 1024
    public var maxResponseBytes = 8 << 20

    public init(timeout: Double) { self.timeout = timeout }

    public struct Exchange: Sendable {
        public let peer: TLSPeer
        /// The HTTP response over the same connection; nil when no path was requested or it failed.
        public let response: HTTP1Response?
        /// Why the request over the same connection produced no response (closed, timeout, garbage).
        public let responseError: String?
    }

    /// `host` is a name or an IP literal; `serverName` goes into SNI (nil for IP literals).
    public func exchange(host: String, port: Int, get path: String?) throws -> Exchange {
        try taped(host: host, port: port, path: path) { try exchangeLive(host: host, port: port, get: path) }
    }

    func exchangeLive(host: String, port: Int, get path: String?) throws -> Exchange {
        signal(SIGPIPE, SIG_IGN)  // a server that closes mid-write must not kill the process
        let deadline = Self.monotonic() + timeout
        let fd = try connect(host: host, port: port, deadline: deadline)
        defer { close(fd) }
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw DevProofError.unavailable("TLS: cannot create an OpenSSL context") }
        defer { SSL_CTX_free(ctx) }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)  // judged by the caller, never by OpenSSL's defaults
        _ = devproof_SSL_CTX_set_max_cert_list(ctx, maxCertListBytes)
        _ = devproof_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        _ = devproof_SSL_CTX_set_mode_partial_write(ctx)
        guard let ssl = SSL_new(ctx) else { throw DevProofError.unavailable("TLS: cannot create an OpenSSL session") }
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, fd)
        if !Self.isIPLiteral(host) { _ = host.withCString { devproof_SSL_set_tlsext_host_name(ssl, $0) } }

        let io = IO(ssl: ssl, fd: fd, deadline: deadline, endpoint: "\(host):\(port)")
        try io.step("TLS handshake") { SSL_connect(ssl) }
        let peer = try peerInfo(ssl)
        guard let path else { return Exchange(peer: peer, response: nil, responseError: nil) }

        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let req = Array("GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nAccept: application/json\r\nUser-Agent: devproof/\(DevProofVersion.current)\r\nConnection: close\r\n\r\n".utf8)
        do {
            var off = 0
            while off < req.count {
                var n: Int32 = 0
                try req.withUnsafeBytes { b in
                    try io.step("sending the request") { n = SSL_write(ssl, b.baseAddress! + off, Int32(req.count - off)); return n }
                }
                off += Int(n)
            }
            var buf = Bytes(), chunk = Bytes(repeating: 0, count: 16384)
            while true {
                if let r = try HTTP1Response.parse(buf, complete: false) { return Exchange(peer: peer, response: r, responseError: nil) }
                var n: Int32 = 0
                let eof = try chunk.withUnsafeMutableBytes { b in
                    try io.read("reading the response") { n = SSL_read(ssl, b.baseAddress!, Int32(b.count)); return n }
                }
                if eof {
                    guard !buf.isEmpty else { return Exchange(peer: peer, response: nil, responseError: "the server closed the connection without answering GET \(path)") }
                    guard let r = try HTTP1Response.parse(buf, complete: true) else {
                        return Exchange(peer: peer, response: nil, responseError: "the response to GET \(path) was cut off (\(buf.count) bytes)")
                    }
                    return Exchange(peer: peer, response: r, responseError: nil)
                }
                buf += chunk[0..<Int(n)]
                guard buf.count <= maxResponseBytes else {
                    throw DevProofError.malformed("response to GET \(path) from \(host):\(port) is larger than \(maxResponseBytes) bytes")
                }
            }
        } catch let e as DevProofError {
            if case .malformed = e { throw e }
            return Exchange(peer: peer, response: nil, responseError: e.description)
        }
    }

    // MARK: Internals

    func peerInfo(_ ssl: OpaquePointer) throws -> TLSPeer {
        guard let sk = SSL_get_peer_cert_chain(ssl) else { throw DevProofError.malformed("TLS: the server presented no certificate") }
        let n = Int(devproof_sk_X509_num(sk))
        guard n > 0 else { throw DevProofError.malformed("TLS: the server presented no certificate") }
        guard n <= maxCertificates else { throw DevProofError.malformed("TLS: the server presented \(n) certificates (at most \(maxCertificates) accepted)") }
        var chain = [Bytes]()
        for i in 0..<n {
            guard let x = devproof_sk_X509_value(sk, Int32(i)) else { continue }
            var p: UnsafeMutablePointer<UInt8>?
            let len = i2d_X509(x, &p)
            guard len > 0, let p else { ERR_clear_error(); throw DevProofError.malformed("TLS: certificate #\(i) cannot be re-encoded") }
            chain.append(Array(UnsafeBufferPointer(start: p, count: Int(len))))
            CRYPTO_free(p, nil, 0)
        }
        let version = SSL_get_version(ssl).map { String(cString: $0) } ?? "?"
        let cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)).map { String(cString: $0) } ?? "?"
        return TLSPeer(chainDER: chain, protocolVersion: version, cipher: cipher)
    }

    func connect(host: String, port: Int, deadline: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else { throw DevProofError.unavailable("cannot resolve '\(host)': \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd < 0 { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            if errno == EINPROGRESS {
                do {
                    try IO.wait(fd: fd, events: Int16(POLLOUT), deadline: deadline, what: "connecting to \(host):\(port)")
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    if err == 0 { return fd }
                    lastError = String(cString: strerror(err))
                } catch { close(fd); throw error }
            } else { lastError = String(cString: strerror(errno)) }
            close(fd)
        }
        throw DevProofError.unavailable("cannot connect to \(host):\(port): \(lastError)")
    }

    static func isIPLiteral(_ h: String) -> Bool {
        var a4 = in_addr(), a6 = in6_addr()
        return inet_pton(AF_INET, h, &a4) == 1 || inet_pton(AF_INET6, h, &a6) == 1
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Non-blocking OpenSSL calls driven by poll(2) against one deadline.
    struct IO {
        let ssl: OpaquePointer, fd: Int32, deadline: Double, endpoint: String

        static func wait(fd: Int32, events: Int16, deadline: Double, what: String) throws {
            while true {
                let left = deadline - TLSClient.monotonic()
                guard left > 0 else { throw DevProofError.unavailable("timed out \(what)") }
                var p = pollfd(fd: fd, events: events, revents: 0)
                let rc = poll(&p, 1, Int32(max(1, min(left * 1000, 3_600_000))))
                if rc > 0 { return }
                if rc < 0, errno != EINTR { throw DevProofError.unavailable("poll failed \(what): \(String(cString: strerror(errno)))") }
            }
        }

        /// Repeats `op` until it succeeds (> 0), waiting for the socket as OpenSSL asks.
        func step(_ what: String, _ op: () -> Int32) throws {
            while true {
                ERR_clear_error()
                let rc = op()
                if rc > 0 { return }
                let e = SSL_get_error(ssl, rc)
                switch e {
                case SSL_ERROR_WANT_READ: try Self.wait(fd: fd, events: Int16(POLLIN), deadline: deadline, what: "\(what) with \(endpoint)")
                case SSL_ERROR_WANT_WRITE: try Self.wait(fd: fd, events: Int16(POLLOUT), deadline: deadline, what: "\(what) with \(endpoint)")
                default:
                    let detail = ERR_peek_error() != 0 ? OpenSSLHelpers.lastError() : (e == SSL_ERROR_SYSCALL ? "connection closed" : "SSL error \(e)")
                    if what == "TLS handshake" {
                        throw DevProofError.malformed("TLS handshake with \(endpoint) failed: \(detail)")
                    }
                    throw DevProofError.unavailable("\(what) with \(endpoint) failed: \(detail)")
                }
            }
        }

        /// Like `step` for SSL_read; returns true at end of stream (clean or not).
        func read(_ what: String, _ op: () -> Int32) throws -> Bool {
            while true {
                ERR_clear_error()
                let rc = op()
                if rc > 0 { return false }
                let e = SSL_get_error(ssl, rc)
                switch e {
                case SSL_ERROR_WANT_READ: try Self.wait(fd: fd, events: Int16(POLLIN), deadline: deadline, what: "\(what) from \(endpoint)")
                case SSL_ERROR_WANT_WRITE: try Self.wait(fd: fd, events: Int16(POLLOUT), deadline: deadline, what: "\(what) from \(endpoint)")
                case SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL: ERR_clear_error(); return true
                default: ERR_clear_error(); return true
                }
            }
        }
    }
}
