import DevProofCore
import Foundation
import Testing
import TestSupport

/// Collects progress lines from the client.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    var sink: @Sendable (String) -> Void { { [self] in add($0) } }
}

@Suite("core: HTTP client against a loopback server", .serialized)
struct HTTPClientTests {
    let server: LocalServer
    init() throws { server = try LocalServer(script: "http_test_server.py") }

    func client(retries: Int = 2, timeout: Double = 5, slowAfter: Double = 2, maxBody: Int = 1 << 20,
                lines: Lines? = nil) -> HTTPClient {
        HTTPClient(timeout: timeout, connectTimeout: 2, retries: retries, backoff: 0.01, slowAfter: slowAfter,
                   maxBodyBytes: maxBody, progress: lines?.sink)
    }

    func count(_ key: String) throws -> Int {
        Int(try client().get("\(server.baseURL)/count/\(key)").bodyText) ?? -1
    }

    @Test func getEcho() throws {
        let r = try client().send(.get("\(server.baseURL)/echo?x=1", headers: [("X-Test", "yes")]))
        #expect(r.status == 200)
        #expect(r.attempts == 1)
        let j = try JSONParser.parse(r.body)
        #expect(j["method"]?.stringValue == "GET")
        #expect(j["path"]?.stringValue == "/echo?x=1")
        #expect(j["headers"]?["X-Test"]?.stringValue == "yes")
        #expect(j["headers"]?["User-Agent"]?.stringValue?.hasPrefix("devproof/") == true)
        #expect(r.header("content-type") == "application/json")
    }

    @Test func postBody() throws {
        let payload = Array(#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#.utf8)
        let r = try client().send(.post("\(server.baseURL)/echo", body: payload))
        let j = try JSONParser.parse(r.body)
        #expect(j["method"]?.stringValue == "POST")
        #expect(j["body"]?.stringValue == String(decoding: payload, as: UTF8.self))
        #expect(j["headers"]?["Content-Type"]?.stringValue == "application/json")
        #expect(j["headers"]?["Expect"] == nil)
        // Empty POST body is fine too.
        let e = try client().send(HTTPRequest(url: "\(server.baseURL)/echo", method: "POST"))
        #expect(try JSONParser.parse(e.body)["body"]?.stringValue == "")
    }

    @Test func responseHeaders() throws {
        let r = try client().get("\(server.baseURL)/headers")
        #expect(r.header("X-MIXED-case") == "v1")
        #expect(r.header("x-repeat") == "a")
        #expect(r.headers.filter { $0.name.lowercased() == "x-repeat" }.map(\.value) == ["a", "b"])
        let chain = try #require(r.header("tcb-info-issuer-chain")?.removingPercentEncoding)
        #expect(chain.hasPrefix("-----BEGIN CERTIFICATE-----\nMIIB"))
        #expect(r.header("absent") == nil)
    }

    @Test func retriesServerErrorsThenSucceeds() throws {
        let lines = Lines()
        let r = try client(retries: 2, lines: lines).send(.get("\(server.baseURL)/flaky/a/2/500"))
        #expect(r.status == 200)
        #expect(r.attempts == 3)
        #expect(r.bodyText == "ok after 3")
        #expect(lines.all.contains { $0.contains("fetching \(server.baseURL)/flaky/a/2/500 … (attempt 2/3") })
        #expect(lines.all.contains { $0.contains("(attempt 3/3") })
        #expect(lines.all.contains { $0.contains("(attempt 2/3 in 0.01 s; 127.0.0.1:\(server.port): HTTP 500)") })
        #expect(lines.all.count == 2)
    }

    @Test func retries429() throws {
        let r = try client(retries: 1).send(.get("\(server.baseURL)/flaky/b/1/429"))
        #expect(r.status == 200)
        #expect(r.attempts == 2)
    }

    @Test func serverErrorsExhaustRetries() throws {
        let r = try client(retries: 1).send(.get("\(server.baseURL)/flaky/c/5/503"))
        #expect(r.status == 503)
        #expect(r.attempts == 2)
        #expect(try count("c") == 2)
        #expect { try client(retries: 1).get("\(server.baseURL)/flaky/c/5/503") } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.contains("HTTP 503") && m.contains("after 2 attempts")
        }
    }

    @Test func clientErrorsAreNotRetried() throws {
        let r = try client(retries: 3).send(.get("\(server.baseURL)/counted/d/404"))
        #expect(r.status == 404)
        #expect(r.attempts == 1)
        #expect(try count("d") == 1)
        _ = try client(retries: 3).send(.get("\(server.baseURL)/counted/e/400"))
        #expect(try count("e") == 1)
        #expect { try client().get("\(server.baseURL)/status/404") } throws: { e in
            (e as? DevProofError).map { $0.exitCode == 3 && $0.description.contains("HTTP 404") } ?? false
        }
    }

    @Test func timeoutIsRetriedThenUnavailable() throws {
        let lines = Lines()
        let start = Date()
        #expect { try client(retries: 1, timeout: 0.3, lines: lines).send(.get("\(server.baseURL)/hang/3")) } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.hasPrefix("127.0.0.1:\(server.port) unreachable after 2 attempts:") && m.lowercased().contains("timed out")
        }
        #expect(Date().timeIntervalSince(start) < 2.5)
        #expect(lines.all.contains { $0.contains("(attempt 2/2") })
    }

    @Test func connectionRefused() throws {
        let port = try LocalServer.closedPort()
        #expect { try client(retries: 2).send(.get("http://127.0.0.1:\(port)/x")) } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.hasPrefix("127.0.0.1:\(port) unreachable after 3 attempts:")
        }
    }

    @Test func slowRequestPrintsOneProgressLine() throws {
        let lines = Lines()
        let r = try client(retries: 0, slowAfter: 0.2, lines: lines).send(.get("\(server.baseURL)/hang/1.5"))
        #expect(r.status == 200)
        #expect(lines.all.filter { $0.contains("fetching \(server.baseURL)/hang/1.5 … (attempt 1/1)") }.count == 1)
        // A fast request prints nothing.
        let quiet = Lines()
        _ = try client(lines: quiet).send(.get("\(server.baseURL)/echo"))
        #expect(quiet.all.isEmpty)
    }

    @Test func onlyHTTPSchemes() throws {
        for url in ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1/x", "gopher://127.0.0.1/"] {
            #expect { try client().send(.get(url)) } throws: { e in
                guard case .usage(let m)? = e as? DevProofError else { return false }
                return m.contains("only http:// and https://")
            }
        }
        #expect(throws: DevProofError.self) { try client().send(HTTPRequest(url: "\(server.baseURL)/echo", method: "PUT")) }
        #expect { try client().send(.get("http://")) } throws: { e in
            if case .usage? = e as? DevProofError { return true }; return false
        }
        // A redirect to another scheme is refused, not followed, and not retried.
        #expect { try client(retries: 2).send(.get("\(server.baseURL)/redirect-ftp")) } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return !m.contains("after")
        }
    }

    @Test func followsRedirects() throws {
        let r = try client().get("\(server.baseURL)/redirect")
        #expect(try JSONParser.parse(r.body)["path"]?.stringValue == "/echo")
    }

    /// A server that must not choose what devproof fetches (a PCCS) gets no redirect followed.
    @Test func redirectsCanBeRefused() throws {
        var c = client(); c.followRedirects = false
        #expect(try c.send(.get("\(server.baseURL)/redirect")).status == 302)
        #expect { try c.get("\(server.baseURL)/redirect") } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.contains("HTTP 302")
        }
    }

    @Test func bodyLimit() throws {
        #expect(try client(maxBody: 1000).get("\(server.baseURL)/big/1000").body.count == 1000)
        #expect { try client(retries: 2, maxBody: 999).get("\(server.baseURL)/big/1000") } throws: { e in
            (e as? DevProofError)?.description.contains("larger than 999 bytes") ?? false
        }
    }

    @Test func headerInjectionRefused() throws {
        #expect(throws: DevProofError.self) {
            try client().send(.get("\(server.baseURL)/echo", headers: [("X-A", "b\r\nX-Evil: 1")]))
        }
        #expect(throws: DevProofError.self) {
            try client().send(.get("\(server.baseURL)/echo", headers: [("X-A\nX-Evil", "1")]))
        }
        #expect(throws: DevProofError.usage("invalid URL \"http://127.0.0.1/a b\": contains spaces or control characters")) {
            try client().send(.get("http://127.0.0.1/a b"))
        }
    }
}

@Suite("core: HTTP URL helpers")
struct HTTPURLHelperTests {
    @Test func hostAndScheme() {
        #expect(HTTPClient.host(of: "https://user:pw@pccs.example:8081/sgx/x?y") == "pccs.example:8081")
        #expect(HTTPClient.host(of: "http://127.0.0.1") == "127.0.0.1")
        #expect(HTTPClient.scheme(of: "HTTPS://x") == "https")
        #expect(HTTPClient.scheme(of: "no-scheme") == "")
    }

    @Test func redaction() {
        #expect(HTTPClient.redacted("https://eth-mainnet.g.alchemy.com/v2/AbCdEfGhIjKlMnOpQrStUv12")
                == "https://eth-mainnet.g.alchemy.com/v2/***")
        #expect(HTTPClient.redacted("https://u:secret@h/x") == "https://h/x")
        #expect(HTTPClient.redacted("https://api.trustedservices.intel.com/tdx/certification/v4/tcb?fmspc=B0C06F000000")
                == "https://api.trustedservices.intel.com/tdx/certification/v4/tcb?fmspc=B0C06F000000")
    }
}
