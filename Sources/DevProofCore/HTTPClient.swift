import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP(S) client over libcurl, used for PCCS/PCS collateral and JSON-RPC.
///
/// - Only `http` and `https` URLs (also across redirects).
/// - Retries with exponential backoff on connection failures, timeouts, HTTP 429 and 5xx; never on other 4xx.
/// - Network failures become `DevProofError.unavailable` (exit 3, inconclusive).
/// - A progress line on stderr when a request is slow (> `slowAfter` seconds) or retried.

public struct HTTPRequest: Sendable {
    public var url: String
    /// "GET" or "POST".
    public var method: String
    public var headers: [(String, String)]
    public var body: Bytes?
    /// Whole-transfer timeout for one attempt, seconds; nil = the client's default.
    public var timeout: Double?

    public init(url: String, method: String = "GET", headers: [(String, String)] = [], body: Bytes? = nil,
                timeout: Double? = nil) {
        self.url = url; self.method = method; self.headers = headers; self.body = body; self.timeout = timeout
    }

    public static func get(_ url: String, headers: [(String, String)] = []) -> HTTPRequest {
        HTTPRequest(url: url, headers: headers)
    }
    public static func post(_ url: String, body: Bytes, contentType: String = "application/json",
                            headers: [(String, String)] = []) -> HTTPRequest {
        HTTPRequest(url: url, method: "POST", headers: [("Content-Type", contentType)] + headers, body: body)
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Headers of the final response, in order, names as sent by the server.
    public var headers: [(name: String, value: String)]
    public var body: Bytes
    /// The URL that produced this response (after redirects).
    public var url: String
    /// How many attempts it took (1 = no retry).
    public var attempts: Int

    public init(status: Int, headers: [(name: String, value: String)], body: Bytes, url: String, attempts: Int = 1) {
        self.status = status; self.headers = headers; self.body = body; self.url = url; self.attempts = attempts
    }

    /// First header with this name, case-insensitive.
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.name.lowercased() == n }?.value
    }
    public var isSuccess: Bool { (200..<300).contains(status) }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

public struct HTTPClient: Sendable {
    public var timeout: Double
    public var connectTimeout: Double
    /// Extra attempts after the first.
    public var retries: Int
    /// First backoff delay, seconds; doubles after each retry (capped at 30 s).
    public var backoff: Double
    /// Requests slower than this print one progress line.
    public var slowAfter: Double
    /// Largest accepted response body.
    public var maxBodyBytes: Int
    /// Follow 3xx redirects (http/https only). Off for servers that must not choose what devproof fetches
    /// (a PCCS): a redirect is then answered as the 3xx response itself.
    public var followRedirects = true
    public var progress: (@Sendable (String) -> Void)?
    /// The bundle tape this client records to or replays from; defaults to the process-wide one the CLI set.
    public var tape: NetworkTape? = NetworkTape.current

    public init(timeout: Double = 20, connectTimeout: Double = 10, retries: Int = 2, backoff: Double = 0.5,
                slowAfter: Double = 2, maxBodyBytes: Int = 64 << 20,
                progress: (@Sendable (String) -> Void)? = HTTPClient.stderrProgress) {
        self.timeout = timeout; self.connectTimeout = connectTimeout; self.retries = max(0, retries)
        self.backoff = max(0, backoff); self.slowAfter = slowAfter; self.maxBodyBytes = maxBodyBytes
        self.progress = progress
    }

    /// The default progress sink: one line on stderr.
    public static let stderrProgress: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data("devproof: \(line)\n".utf8))
    }

    /// Sends `request`, retrying transient failures. Returns the final response whatever its status
    /// (429/5xx only after the retries are exhausted). Throws `.usage` for a bad URL or method,
    /// `.unavailable` when the server could not be reached.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let method = request.method.uppercased()
        guard method == "GET" || method == "POST" else {
            throw DevProofError.usage("HTTP method \(request.method) is not supported (GET or POST)")
        }
        let scheme = HTTPClient.scheme(of: request.url)
        guard scheme == "http" || scheme == "https" else {
            throw DevProofError.usage("unsupported URL \(request.url): only http:// and https:// are allowed")
        }
        for (k, v) in request.headers {
            // Reject header injection (CR/LF/NUL) rather than sending it.
            if k.isEmpty || k.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 || $0 == 0 })
                || v.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) {
                throw DevProofError.usage("invalid HTTP header \(k.debugDescription)")
            }
        }
        if request.url.utf8.contains(where: { $0 <= 32 || $0 == 127 }) {
            throw DevProofError.usage("invalid URL \(request.url.debugDescription): contains spaces or control characters")
        }
        // A bundle in use answers (replay) or keeps (record) every exchange; see NetworkTape.
        if let tape {
            if tape.mode == .replay { return try tape.replay(method: method, url: request.url, body: request.body) }
            let r = try sendLive(request, method: method)
            tape.record(method: method, url: request.url, body: request.body, response: r)
            return r
        }
        return try sendLive(request, method: method)
    }

    private func sendLive(_ request: HTTPRequest, method: String) throws -> HTTPResponse {
        let host = HTTPClient.host(of: request.url)
        let total = retries + 1
        var delay = backoff
        var lastFailure = ""
        for attempt in 1...total {
            if attempt > 1 {
                progress?("fetching \(HTTPClient.redacted(request.url)) … (attempt \(attempt)/\(total) in \(HTTPClient.fmt(delay)) s; \(lastFailure))")
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                delay = min(delay * 2, 30)
            }
            switch perform(request, method: method, attempt: attempt, total: total) {
            case .response(var r):
                r.attempts = attempt
                if (r.status == 429 || (500..<600).contains(r.status)) && attempt < total {
                    lastFailure = "\(host): HTTP \(r.status)"
                    if let ra = r.header("Retry-After").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                        delay = max(delay, min(ra, 30))
                    }
                    continue
                }
                return r
            case .badURL(let message):
                throw DevProofError.usage("invalid URL \(HTTPClient.redacted(request.url)): \(message)")
            case .failure(let message, let retryable):
                lastFailure = "\(host): \(message)"
                if !retryable {
                    throw DevProofError.unavailable("\(host) unreachable: \(message)")
                }
                if attempt == total {
                    throw DevProofError.unavailable(
                        "\(host) unreachable after \(total) attempt\(total == 1 ? "" : "s"): \(message)")
                }
            }
        }
        throw DevProofError.unavailable("\(host) unreachable: \(lastFailure)")  // not reached
    }

    /// GET that requires a 2xx answer; any other final status is `.unavailable` with the status in the text.
    public func get(_ url: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        let r = try send(.get(url, headers: headers))
        guard r.isSuccess else {
            throw DevProofError.unavailable("GET \(url): HTTP \(r.status)\(r.attempts > 1 ? " after \(r.attempts) attempts" : "")")
        }
        return r
    }

    // MARK: - One attempt

    private enum Outcome {
        case response(HTTPResponse)
        case failure(String, retryable: Bool)
        case badURL(String)
    }

    private func perform(_ request: HTTPRequest, method: String, attempt: Int, total: Int) -> Outcome {
        if let why = curlLoadFailure { return .failure("HTTP unavailable: \(why)", retryable: false) }
        guard let curl = devproof_curl_easy_init() else { return .failure("libcurl initialisation failed", retryable: false) }
        defer { devproof_curl_easy_cleanup(curl) }

        let box = TransferBox(url: HTTPClient.redacted(request.url), maxBody: maxBodyBytes, slowAfter: slowAfter,
                              attemptLabel: "(attempt \(attempt)/\(total))", progress: progress)
        box.announced = attempt > 1  // retries already printed their line
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        let boxPtr = UnsafeMutableRawPointer(unmanaged.toOpaque())

        let errbuf = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errbuf.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errbuf.deallocate() }

        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer { if let l = list { devproof_curl_slist_free_all(l) } }
        var hasUA = false
        for (k, v) in request.headers {
            if k.lowercased() == "user-agent" { hasUA = true }
            list = devproof_curl_slist_append(list, "\(k): \(v)")
        }
        if !hasUA { list = devproof_curl_slist_append(list, "User-Agent: devproof/\(DevProofVersion.current)") }
        // No "Expect: 100-continue" round trip on POST.
        list = devproof_curl_slist_append(list, "Expect:")

        var rc = CURLE_OK
        func set(_ c: CURLcode) { if rc == CURLE_OK { rc = c } }
        set(devproof_curl_setopt_str(curl, CURLOPT_URL, request.url))
        set(devproof_curl_setopt_str(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(devproof_curl_setopt_str(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        set(devproof_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, followRedirects ? 1 : 0))
        set(devproof_curl_setopt_long(curl, CURLOPT_MAXREDIRS, 5))
        set(devproof_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        set(devproof_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, HTTPClient.ms(request.timeout ?? timeout)))
        set(devproof_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, HTTPClient.ms(connectTimeout)))
        set(devproof_curl_setopt_str(curl, CURLOPT_ACCEPT_ENCODING, ""))
        set(devproof_curl_setopt_ptr(curl, CURLOPT_ERRORBUFFER, errbuf))
        set(devproof_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, list))
        set(devproof_curl_setopt_writefn(curl, CURLOPT_WRITEFUNCTION, httpWriteBody))
        set(devproof_curl_setopt_ptr(curl, CURLOPT_WRITEDATA, boxPtr))
        set(devproof_curl_setopt_writefn(curl, CURLOPT_HEADERFUNCTION, httpWriteHeader))
        set(devproof_curl_setopt_ptr(curl, CURLOPT_HEADERDATA, boxPtr))
        set(devproof_curl_setopt_xferinfofn(curl, httpXferInfo))
        set(devproof_curl_setopt_ptr(curl, CURLOPT_XFERINFODATA, boxPtr))
        set(devproof_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0))
        if method == "POST" {
            let body = request.body ?? []
            set(devproof_curl_setopt_long(curl, CURLOPT_POST, 1))
            set(devproof_curl_setopt_off(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS copies the bytes; the size must be set first.
            set(body.withUnsafeBytes { devproof_curl_setopt_ptr(curl, CURLOPT_COPYPOSTFIELDS, $0.baseAddress ?? UnsafeRawPointer(errbuf)) })
        } else {
            set(devproof_curl_setopt_long(curl, CURLOPT_HTTPGET, 1))
        }
        if rc != CURLE_OK {
            return .failure("libcurl option rejected: \(String(cString: devproof_curl_easy_strerror(rc)))", retryable: false)
        }

        let res = devproof_curl_easy_perform(curl)
        if res != CURLE_OK {
            if box.overflow {
                return .failure("response body larger than \(maxBodyBytes) bytes", retryable: false)
            }
            let detail = String(cString: errbuf)
            let text = detail.isEmpty ? String(cString: devproof_curl_easy_strerror(res)) : detail
            if res == CURLE_URL_MALFORMAT { return .badURL(text) }
            return .failure(text, retryable: HTTPClient.isRetryable(res))
        }
        var code: Int = 0
        _ = devproof_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &code)
        return .response(HTTPResponse(status: code, headers: box.headers, body: box.body, url: request.url))
    }

    // MARK: - Helpers

    static func isRetryable(_ c: CURLcode) -> Bool {
        switch c {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_PEER_FAILED_VERIFICATION,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_WRITE_ERROR, CURLE_TOO_MANY_REDIRECTS,
             CURLE_NOT_BUILT_IN, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_OUT_OF_MEMORY, CURLE_ABORTED_BY_CALLBACK:
            return false
        default:
            return true
        }
    }

    /// Lower-cased scheme of a URL ("" when there is none).
    public static func scheme(of url: String) -> String {
        guard let r = url.range(of: "://") else { return "" }
        return url[..<r.lowerBound].lowercased()
    }

    /// Host[:port] of a URL, for messages.
    public static func host(of url: String) -> String {
        var rest = Substring(url)
        if let r = url.range(of: "://") { rest = url[r.upperBound...] }
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return authority.isEmpty ? url : String(authority)
    }

    /// The URL for progress lines and messages: no userinfo, and long token-like path segments
    /// (API keys of hosted RPC endpoints, e.g. `/v2/<key>`) replaced by "***".
    public static func redacted(_ url: String) -> String {
        guard let r = url.range(of: "://") else { return url }
        let schemePart = url[..<r.upperBound]
        var rest = url[r.upperBound...]
        let authEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        rest = rest[authEnd...]
        let qStart = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let path = rest[..<qStart].split(separator: "/", omittingEmptySubsequences: false).map { seg -> String in
            let tokenish = seg.count >= 20 && seg.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            return tokenish ? "***" : String(seg)
        }.joined(separator: "/")
        return String(schemePart) + String(authority) + path + String(rest[qStart...])
    }

    static func ms(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int(min(seconds, 86_400) * 1000)
    }
    static func fmt(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(format: "%.2g", s)
    }
}

/// curl_global_init once, lazily and thread-safely (Swift globals are initialised with swift_once).
/// Transfers run with CURLOPT_NOSIGNAL (required for use from several threads), so libcurl does not shield the
/// process from SIGPIPE on a peer that closed its socket: ignore SIGPIPE once (writes then fail with EPIPE).
/// libcurl itself is loaded here, on the first request (CCurl/shim.h: a run that needs no network never maps it).
/// nil when ready; otherwise why libcurl cannot be used.
private let curlLoadFailure: String? = {
    guard devproof_curl_load() == 1 else { return String(cString: devproof_curl_load_error()) }
    signal(SIGPIPE, SIG_IGN)
    let rc = devproof_curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    return rc == CURLE_OK ? nil : "curl_global_init failed (\(rc.rawValue))"
}()

/// Per-transfer state shared with the C callbacks (only touched on the transfer's own thread).
private final class TransferBox {
    let url: String
    let maxBody: Int
    let slowAfter: Double
    let attemptLabel: String
    let progress: (@Sendable (String) -> Void)?
    let start = ContinuousClock.now
    var announced = false
    var overflow = false
    var body: Bytes = []
    var headers: [(name: String, value: String)] = []

    init(url: String, maxBody: Int, slowAfter: Double, attemptLabel: String, progress: (@Sendable (String) -> Void)?) {
        self.url = url; self.maxBody = maxBody; self.slowAfter = slowAfter; self.attemptLabel = attemptLabel
        self.progress = progress
    }
}

private let httpWriteBody: devproof_curl_write_cb = { ptr, size, nmemb, ud in
    guard let ud else { return 0 }
    let box = Unmanaged<TransferBox>.fromOpaque(ud).takeUnretainedValue()
    let n = size * nmemb
    if box.body.count + n > box.maxBody { box.overflow = true; return 0 }
    if n > 0, let ptr {
        ptr.withMemoryRebound(to: UInt8.self, capacity: n) { box.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
    }
    return n
}

private let httpWriteHeader: devproof_curl_write_cb = { ptr, size, nmemb, ud in
    guard let ud else { return 0 }
    let box = Unmanaged<TransferBox>.fromOpaque(ud).takeUnretainedValue()
    let n = size * nmemb
    guard n > 0, let ptr else { return n }
    let line = ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
    let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
    if trimmed.hasPrefix("HTTP/") {
        box.headers = []  // a new response (redirect, 100 Continue): keep only the final one's headers
    } else if let first = trimmed.first, first == " " || first == "\t", !box.headers.isEmpty {
        box.headers[box.headers.count - 1].value += " " + trimmed.trimmingCharacters(in: .whitespaces)
    } else if let colon = trimmed.firstIndex(of: ":") {
        let name = String(trimmed[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(trimmed[trimmed.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        box.headers.append((name: name, value: value))
    }
    return n
}

private let httpXferInfo: devproof_curl_xferinfo_cb = { ud, _, _, _, _ in
    guard let ud else { return 0 }
    let box = Unmanaged<TransferBox>.fromOpaque(ud).takeUnretainedValue()
    if !box.announced, let progress = box.progress {
        let elapsed = box.start.duration(to: .now)
        if elapsed >= .milliseconds(Int64(box.slowAfter * 1000)) {
            box.announced = true
            progress("fetching \(box.url) … \(box.attemptLabel)")
        }
    }
    return 0
}
