import DevProofCore
import Dispatch
import Foundation

/// Ethereum JSON-RPC 2.0 client over one or more providers with a quorum.
///
/// Every request goes to every provider (concurrently). Answers (results, and deterministic errors such as
/// "execution reverted") must be identical across providers, else `RPCError.disagreement` names the provider
/// that differs. At least `quorum` providers must answer, else the request is unavailable (inconclusive).

/// Moves bytes to a provider. The default is `HTTPTransport` (DevProofCore's HTTPClient); tests inject fakes.
public protocol RPCTransport: Sendable {
    /// POSTs a JSON body; returns the HTTP status and body. Network failures and timeouts throw
    /// `RPCError.transport` (or `DevProofError.unavailable`).
    func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes)
}

public enum RPCError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The provider answered with a JSON-RPC error object.
    case rpc(provider: String, method: String, code: Int64, message: String, data: Bytes?)
    /// Non-2xx HTTP status.
    case http(provider: String, method: String, status: Int, body: String)
    /// Connection failure or timeout.
    case transport(provider: String, method: String, message: String)
    /// The response is not valid JSON-RPC or the result has the wrong shape.
    case malformed(provider: String, method: String, message: String)
    /// Providers answered differently.
    case disagreement(method: String, provider: String, detail: String)
    /// Fewer than `quorum` providers answered.
    case noQuorum(method: String, answered: Int, needed: Int, errors: [String])

    public var description: String {
        switch self {
        case .rpc(let p, let m, let c, let msg, _): return "\(p): \(m) failed: RPC error \(c): \(msg)"
        case .http(let p, let m, let s, let b): return "\(p): \(m) failed: HTTP \(s)\(b.isEmpty ? "" : ": \(b)")"
        case .transport(let p, let m, let msg): return "\(p): \(m) failed: \(msg)"
        case .malformed(let p, let m, let msg): return "\(p): \(m): malformed response: \(msg)"
        case .disagreement(let m, let p, let d): return "providers disagree on \(m): \(p) \(d)"
        case .noQuorum(let m, let a, let n, let errs):
            return "\(m): only \(a) of the required \(n) providers answered" + (errs.isEmpty ? "" : " (\(errs.joined(separator: "; ")))")
        }
    }

    /// CLI mapping: unreachable/erroring providers are inconclusive (exit 3); malformed data is exit 2.
    /// Disagreement is not an input error: callers turn it into a failing `rpc.quorum` check.
    public var asDevProofError: DevProofError {
        switch self {
        case .malformed: return .malformed(description)
        default: return .unavailable(description)
        }
    }

    /// The provider refused the size of the request (range too large, too many results) or timed out:
    /// a log scanner should retry with a smaller range.
    public var isRangeLimit: Bool {
        let text: String
        switch self {
        case .rpc(_, _, let code, let msg, _):
            if code == -32005 { return true }  // "limit exceeded" (Infura and others)
            text = msg
        case .http(_, _, let status, let body):
            if status == 413 || status == 504 || status == 408 { return true }
            text = body
        case .transport(_, _, let msg): text = msg
        case .noQuorum(_, _, _, let errs): text = errs.joined(separator: " ")
        default: return false
        }
        let t = text.lowercased()
        return ["range", "limit", "too many", "too large", "exceed", "timeout", "timed out", "response size",
                "query returned more than", "block range"].contains { t.contains($0) }
    }

    /// Revert data when this is an `eth_call` that reverted.
    public var revertData: Bytes? {
        if case .rpc(_, _, let code, let msg, let data) = self {
            if let data { return data }
            if code == 3 || msg.lowercased().contains("revert") { return [] }
        }
        return nil
    }
}

public struct RPCEndpoint: Sendable, Equatable {
    public let url: String
    /// Name used in messages: the URL without credentials, path or query.
    public let name: String

    public init(_ url: String) throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw DevProofError.usage("--rpc '\(url)' must be an http(s) URL")
        }
        self.url = url
        var rest = url.drop(while: { $0 != "/" }).dropFirst(2)
        if let at = rest.firstIndex(of: "@"), rest[..<at].firstIndex(of: "/") == nil { rest = rest[rest.index(after: at)...] }
        let host = rest.prefix(while: { $0 != "/" && $0 != "?" })
        self.name = (url.hasPrefix("https") ? "https://" : "http://") + host
    }
}

/// A single call inside a batch.
public struct RPCCall: Sendable, Equatable {
    public let method: String
    public let params: [JSONValue]
    public init(_ method: String, _ params: [JSONValue]) { self.method = method; self.params = params }
}

/// Parsing of JSON-RPC hex quantities.
public enum RPCQuantity {
    public static func parse(_ s: String, _ what: String) throws -> UInt64 {
        guard s.hasPrefix("0x"), s.count > 2, s.count <= 18, let v = UInt64(s.dropFirst(2), radix: 16) else {
            throw DevProofError.malformed("\(what) '\(s.prefix(80))' is not a hex quantity")
        }
        return v
    }
    public static func encode(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}

/// Counts requests (HTTP POSTs) and calls, thread-safe; for progress and benchmarks.
public final class RPCStats: @unchecked Sendable {
    private let lock = NSLock()
    private var _posts = 0, _calls = 0
    public init() {}
    public var posts: Int { lock.lock(); defer { lock.unlock() }; return _posts }
    public var calls: Int { lock.lock(); defer { lock.unlock() }; return _calls }
    func record(posts: Int, calls: Int) { lock.lock(); _posts += posts; _calls += calls; lock.unlock() }
}

public final class RPCClient: Sendable {
    public let endpoints: [RPCEndpoint]
    public let quorum: Int
    public let timeout: Double
    public let stats = RPCStats()
    let transport: RPCTransport
    /// Least time the slower providers still get once the quorum answered (seconds).
    public var quorumGrace: Double { min(2, timeout) }

    /// - quorum: providers that must answer (and all answers must agree). Default: all of them.
    public init(urls: [String], quorum: Int? = nil, timeout: Double = 30, transport: RPCTransport = HTTPTransport()) throws {
        guard !urls.isEmpty else { throw DevProofError.usage("no --rpc URL given") }
        endpoints = try urls.map(RPCEndpoint.init)
        guard Set(endpoints.map(\.url)).count == endpoints.count else { throw DevProofError.usage("the same --rpc URL is given twice") }
        let q = quorum ?? urls.count
        guard q >= 1, q <= urls.count else {
            throw DevProofError.usage("--quorum \(q) must be between 1 and the number of --rpc URLs (\(urls.count))")
        }
        self.quorum = q
        self.timeout = timeout
        self.transport = transport
    }

    // MARK: One provider

    enum Outcome: Equatable {
        case result(JSONValue)
        /// Deterministic error (revert): part of the answer, compared across providers.
        case revert(RPCError)
    }

    /// Sends a batch to one provider; one entry per call, in order.
    func sendBatch(_ ep: RPCEndpoint, _ calls: [RPCCall]) throws -> [Result<JSONValue, RPCError>] {
        let method = calls.count == 1 ? calls[0].method : "batch of \(calls.count) (\(calls[0].method)…)"
        let reqs: [JSONValue] = calls.enumerated().map { i, c in
            .obj([("jsonrpc", .string("2.0")), ("id", .int(i + 1)), ("method", .string(c.method)), ("params", .array(c.params))])
        }
        let body = calls.count == 1 ? reqs[0] : .array(reqs)
        let (status, respBody): (Int, Bytes)
        do {
            (status, respBody) = try transport.post(url: ep.url, body: Array(body.serialized().utf8), timeout: timeout)
        } catch let e as RPCError {
            throw e
        } catch let e as DevProofError {
            throw RPCError.transport(provider: ep.name, method: method, message: e.description)
        } catch {
            throw RPCError.transport(provider: ep.name, method: method, message: "\(error)")
        }
        stats.record(posts: 1, calls: calls.count)
        let json: JSONValue
        do { json = try JSONParser.parse(respBody) } catch {
            if !(200..<300).contains(status) {
                throw RPCError.http(provider: ep.name, method: method, status: status, body: RPCClient.snippet(respBody))
            }
            throw RPCError.malformed(provider: ep.name, method: method, message: "not JSON (\(error))")
        }
        // Some providers send JSON-RPC errors with HTTP 4xx/5xx: prefer the JSON-RPC error when present.
        var items: [JSONValue]
        if calls.count == 1 {
            if let arr = json.arrayValue, arr.count == 1 { items = arr } else { items = [json] }
        } else {
            guard let arr = json.arrayValue else {
                if json["error"] != nil, let e = RPCClient.error(json, ep, method) { throw e }
                throw RPCError.malformed(provider: ep.name, method: method, message: "batch answer is not an array")
            }
            items = arr
        }
        if !(200..<300).contains(status), !items.contains(where: { $0["error"] != nil }) {
            throw RPCError.http(provider: ep.name, method: method, status: status, body: RPCClient.snippet(respBody))
        }
        var byId = [Int: JSONValue]()
        for it in items {
            guard let id = it["id"]?.int64Value, id >= 1, id <= Int64(calls.count) else {
                if calls.count == 1, it["error"] != nil, let e = RPCClient.error(it, ep, method) { throw e }
                throw RPCError.malformed(provider: ep.name, method: method, message: "response with unknown id")
            }
            guard byId[Int(id)] == nil else { throw RPCError.malformed(provider: ep.name, method: method, message: "duplicate response id \(id)") }
            byId[Int(id)] = it
        }
        return calls.enumerated().map { i, c in
            guard let it = byId[i + 1] else {
                return .failure(.malformed(provider: ep.name, method: c.method, message: "no response for request id \(i + 1)"))
            }
            if let e = RPCClient.error(it, ep, c.method) { return .failure(e) }
            guard let r = it.member("result") else {
                return .failure(.malformed(provider: ep.name, method: c.method, message: "neither result nor error"))
            }
            return .success(r.value)
        }
    }

    static func error(_ it: JSONValue, _ ep: RPCEndpoint, _ method: String) -> RPCError? {
        guard let e = it["error"], !e.isNull else { return nil }
        let code = e["code"]?.int64Value ?? 0
        let msg = e["message"]?.stringValue ?? "(no message)"
        var data: Bytes?
        if let d = e["data"]?.stringValue, Hex.isHex(d) || d == "0x" { data = (try? Hex.decode(d)) ?? [] }
        else if let d = e["data"]?["data"]?.stringValue, Hex.isHex(d) { data = try? Hex.decode(d) }
        return .rpc(provider: ep.name, method: method, code: code, message: String(msg.prefix(300)), data: data)
    }

    static func snippet(_ b: Bytes) -> String {
        let s = String(decoding: b.prefix(200), as: UTF8.self)
        return s.filter { !$0.isNewline }
    }

    // MARK: Quorum

    /// Runs `calls` on every provider and applies the quorum rule to each call.
    /// `compare` projects a result to what must agree (default: the whole result).
    public func batch(_ calls: [RPCCall], compare: (@Sendable (String, JSONValue) -> JSONValue)? = nil) throws -> [Result<JSONValue, RPCError>] {
        guard !calls.isEmpty else { return [] }
        let n = endpoints.count
        let box = ResultsBox(n)
        let eps = endpoints
        for i in 0..<n {
            DispatchQueue.global().async {
                let r: Result<[Result<JSONValue, RPCError>], RPCError>
                do { r = .success(try self.sendBatch(eps[i], calls)) } catch let e as RPCError { r = .failure(e) } catch {
                    r = .failure(.transport(provider: eps[i].name, method: calls[0].method, message: "\(error)"))
                }
                box.set(i, r)
            }
        }
        // Per-request deadline: a dead or slow provider must not stall the audit once the quorum answered. After
        // `quorum` providers answered, the others get as long again as that took (at least `quorumGrace`), then
        // count as "no answer" (their late answers are dropped, never compared).
        box.wait(quorum: quorum, grace: quorumGrace, deadline: timeout + 5)
        let perProvider = box.values
        var out = [Result<JSONValue, RPCError>]()
        for (ci, call) in calls.enumerated() {
            var answers = [(RPCEndpoint, Outcome)](), failures = [RPCError]()
            for (pi, pr) in perProvider.enumerated() {
                switch pr {
                case .failure(let e): failures.append(e)
                case .some(.success(let results)):
                    switch results[ci] {
                    case .success(let v): answers.append((endpoints[pi], .result(v)))
                    case .failure(let e):
                        if e.revertData != nil { answers.append((endpoints[pi], .revert(e))) } else { failures.append(e) }
                    }
                case .none: failures.append(.transport(provider: endpoints[pi].name, method: call.method, message: "no answer"))
                }
            }
            // Agreement among every provider that answered.
            if let disagreement = RPCClient.findDisagreement(call.method, answers, compare: compare) { throw disagreement }
            guard answers.count >= quorum else {
                if quorum == 1 && n == 1, let e = failures.first { out.append(.failure(e)); continue }
                if answers.isEmpty, failures.count == 1, let e = failures.first { out.append(.failure(e)); continue }
                out.append(.failure(.noQuorum(method: call.method, answered: answers.count, needed: quorum, errors: failures.map(\.description))))
                continue
            }
            switch answers[0].1 {
            case .result(let v): out.append(.success(v))
            case .revert(let e): out.append(.failure(e))
            }
        }
        return out
    }

    static func findDisagreement(_ method: String, _ answers: [(RPCEndpoint, Outcome)],
                                 compare: (@Sendable (String, JSONValue) -> JSONValue)?) -> RPCError? {
        guard answers.count > 1 else { return nil }
        func key(_ o: Outcome) -> String {
            switch o {
            case .result(let v): return "result:" + (compare?(method, v) ?? v).serialized(JSONWriteOptions(sortKeys: true))
            case .revert(let e): return "revert:" + (e.revertData ?? []).hex
            }
        }
        let keys = answers.map { key($0.1) }
        guard Set(keys).count > 1 else { return nil }
        // Name the provider(s) outside the largest group (ties: the first provider's group wins).
        var counts = [String: Int]()
        for k in keys { counts[k, default: 0] += 1 }
        // Largest group; on a tie the group of the earliest provider (the primary) wins.
        var best = keys[0]
        for k in keys where counts[k, default: 0] > counts[best, default: 0] { best = k }
        let odd = zip(answers, keys).filter { $0.1 != best }.map { $0.0.0.name }
        let ref = zip(answers, keys).first { $0.1 == best }!.0.0.name
        let oddKey = keys.first { $0 != best }!
        // Long answers: show a window around the first difference.
        let a = Array(oddKey), b = Array(best)
        var i = 0
        while i < min(a.count, b.count), a[i] == b[i] { i += 1 }
        func show(_ k: [Character]) -> String {
            guard k.count > 100 else { return String(k) }
            let lo = max(0, i - 40), hi = min(k.count, i + 40)
            return (lo > 0 ? "…" : "") + String(k[lo..<hi]) + (hi < k.count ? "…" : "")
        }
        return .disagreement(method: method, provider: odd.joined(separator: ", "),
                             detail: "answered \(show(a)) but \(ref) answered \(show(b))")
    }

    /// One call under the quorum rule; throws on error (including reverts).
    public func request(_ method: String, _ params: [JSONValue], compare: (@Sendable (String, JSONValue) -> JSONValue)? = nil) throws -> JSONValue {
        try batch([RPCCall(method, params)], compare: compare)[0].get()
    }
}
