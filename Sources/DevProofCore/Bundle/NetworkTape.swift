import Foundation

/// Every byte devproof reads from the network passes through here when a bundle is in use.
///
/// Why a tape at the transport instead of per-command snapshot formats: a replay then runs the very same
/// code on the very same bytes as the online run (same RPC pinning, same collateral checks), so "a replay
/// from the bundle gives the same report as the online run" holds by construction for every command,
/// present and future. `record` performs the exchange live and keeps the answer; `replay` answers only
/// from the bundle and never opens a socket: a request the bundle does not hold is `unavailable`
/// (inconclusive), never a silent network access.
///
/// JSON-RPC ids are not part of an exchange's identity (clients number requests per run): requests are
/// keyed by method, URL and body with top-level `id` members removed, and a replayed answer gets the
/// current request's ids back, position by position.
public final class NetworkTape: @unchecked Sendable {
    public enum Mode: String, Sendable { case record, replay }

    public struct Exchange: Sendable, Equatable {
        public var method: String
        public var url: String
        /// sha256 of the request body with JSON-RPC ids removed (empty body: sha256 of nothing).
        public var key: String
        public var requestFile: String?
        public var responseFile: String
        public var status: Int
        public var headers: [(name: String, value: String)]

        public static func == (a: Exchange, b: Exchange) -> Bool {
            a.method == b.method && a.url == b.url && a.key == b.key && a.responseFile == b.responseFile && a.status == b.status
        }

        public var json: JSONValue {
            var m: [(String, JSONValue)] = [("method", .string(method)), ("url", .string(url)), ("key", .string(key))]
            if let r = requestFile { m.append(("request", .string(r))) }
            m += [("response", .string(responseFile)), ("status", .int(status)),
                  ("headers", .array(headers.map { .array([.string($0.name), .string($0.value)]) }))]
            return .obj(m)
        }

        public init(method: String, url: String, key: String, requestFile: String?, responseFile: String, status: Int,
                    headers: [(name: String, value: String)]) {
            self.method = method; self.url = url; self.key = key; self.requestFile = requestFile
            self.responseFile = responseFile; self.status = status; self.headers = headers
        }

        public init(json x: JSONValue) throws {
            guard let m = x["method"]?.stringValue, let u = x["url"]?.stringValue, let k = x["key"]?.stringValue,
                  let resp = x["response"]?.stringValue, let st = x["status"]?.int64Value else {
                throw DevProofError.malformed("bundle: an exchange lacks method/url/key/response/status")
            }
            let headers = (x["headers"]?.arrayValue ?? []).compactMap { h -> (name: String, value: String)? in
                guard let a = h.arrayValue, a.count == 2, let n = a[0].stringValue, let val = a[1].stringValue else { return nil }
                return (n, val)
            }
            self.init(method: m, url: u, key: k, requestFile: x["request"]?.stringValue, responseFile: resp, status: Int(st), headers: headers)
        }
    }

    public let mode: Mode
    /// Where exchange files live (record: written there; replay: read from there).
    public let directory: URL
    private let lock = NSLock()
    private var exchanges: [Exchange]
    /// replay: how many times each (method, url, key) has been served; repeated identical requests get
    /// the recorded answers in order, then the last one again.
    private var served: [String: Int] = [:]
    private var files: [String: Bytes]

    /// The process-wide tape. Set once by the CLI before any command runs (nil: live network).
    /// `nonisolated(unsafe)`: written before any concurrent use, read-only afterwards.
    nonisolated(unsafe) public static var current: NetworkTape?

    /// Files are named `<prefix>NNNN.req|resp`. A persistent tape (a child process of `collect`) also
    /// writes each exchange to disk at once, with `<prefix>exchanges.json` listing them for the parent.
    let prefix: String
    let persistent: Bool

    public init(recordingInto directory: URL, prefix: String = "net/", persistent: Bool = false) {
        mode = .record; self.directory = directory; exchanges = []; files = [:]; self.prefix = prefix; self.persistent = persistent
    }

    /// The environment's tape (`DEVPROOF_TAPE=record:DIR:PREFIX` or `replay:DIR`), set by `collect`/`stage`
    /// for the sub-commands they run as child processes. nil when unset.
    public static func fromEnvironment(_ env: [String: String]) throws -> NetworkTape? {
        guard let spec = env["DEVPROOF_TAPE"], !spec.isEmpty else { return nil }
        let parts = spec.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "record" where parts.count == 3:
            return NetworkTape(recordingInto: URL(fileURLWithPath: parts[1]), prefix: parts[2], persistent: true)
        case "replay" where parts.count >= 2:
            let dir = parts.dropFirst().joined(separator: ":")
            return try EvidenceBundle.openExchanges(dir).replayTape()
        default:
            throw DevProofError.usage("DEVPROOF_TAPE must be record:DIR:PREFIX or replay:DIR")
        }
    }

    /// The exchanges a persistent child tape left under `prefix` (the file is removed: the bundle index
    /// takes its place).
    public static func collectPartial(_ directory: URL, prefix: String) throws -> [Exchange] {
        let u = directory.appendingPathComponent(prefix + "exchanges.json")
        guard let b = try? InputFile.read(u.path) else { return [] }
        try? FileManager.default.removeItem(at: u)
        let v = try JSONParser.parse(b)
        return try (v.arrayValue ?? []).map(Exchange.init(json:))
    }

    /// A replay tape over exchanges already verified by `EvidenceBundle.open` (file bytes in memory).
    public init(replaying exchanges: [Exchange], files: [String: Bytes], directory: URL) {
        mode = .replay; self.directory = directory; self.exchanges = exchanges; self.files = files; prefix = ""; persistent = false
    }

    public var recorded: [Exchange] { lock.lock(); defer { lock.unlock() }; return exchanges }
    /// Files written while recording (relative path → bytes), for the bundle index.
    public var recordedFiles: [String: Bytes] { lock.lock(); defer { lock.unlock() }; return files }

    // MARK: - Keys

    static func identity(method: String, url: String, body: Bytes?) -> (key: String, ids: [JSONValue]?) {
        guard let body, !body.isEmpty else { return (Digest.sha256([UInt8]()).hex, nil) }
        if let v = try? JSONParser.parse(body) {
            let (stripped, ids) = stripIDs(v)
            if let ids { return (Digest.sha256(Array(stripped.serialized().utf8)).hex, ids) }
        }
        return (Digest.sha256(body).hex, nil)
    }

    /// JSON-RPC request (object or batch array): the value without top-level `id`s, and the ids in order.
    static func stripIDs(_ v: JSONValue) -> (JSONValue, [JSONValue]?) {
        func one(_ o: [JSONMember]) -> ([JSONMember], JSONValue)? {
            guard o.contains(where: { $0.key == "jsonrpc" }) else { return nil }
            return (o.filter { $0.key != "id" }, o.first(where: { $0.key == "id" })?.value ?? .null)
        }
        switch v {
        case .object(let o):
            if let (s, id) = one(o) { return (.object(s), [id]) }
        case .array(let a):
            var out: [JSONValue] = [], ids: [JSONValue] = []
            for e in a {
                guard case .object(let o) = e, let (s, id) = one(o) else { return (v, nil) }
                out.append(.object(s)); ids.append(id)
            }
            return (.array(out), ids)
        default: break
        }
        return (v, nil)
    }

    /// Rewrites the ids of a recorded JSON-RPC answer to the current request's ids (same positions).
    static func remapIDs(_ response: Bytes, recorded: [JSONValue], current: [JSONValue]) -> Bytes {
        guard recorded != current, recorded.count == current.count, let v = try? JSONParser.parse(response) else { return response }
        func fix(_ e: JSONValue) -> JSONValue {
            guard case .object(let o) = e, let id = o.first(where: { $0.key == "id" })?.value,
                  let i = recorded.firstIndex(of: id) else { return e }
            return .object(o.map { $0.key == "id" ? JSONMember("id", current[i]) : $0 })
        }
        switch v {
        case .array(let a): return Array(JSONValue.array(a.map(fix)).serialized().utf8)
        case .object: return Array(fix(v).serialized().utf8)
        default: return response
        }
    }

    // MARK: - Replay

    /// The recorded answer to this request, or `unavailable` naming what the bundle lacks.
    public func replay(method: String, url: String, body: Bytes?) throws -> HTTPResponse {
        let (key, ids) = NetworkTape.identity(method: method, url: url, body: body)
        lock.lock(); defer { lock.unlock() }
        let matches = exchanges.filter { $0.method == method && $0.url == url && $0.key == key }
        guard !matches.isEmpty else {
            throw DevProofError.unavailable("the bundle holds no answer to \(method) \(HTTPClient.redacted(url)) (key \(key.prefix(12))…): it was not collected; nothing was fetched (--bundle never uses the network)")
        }
        let n = served["\(method) \(url) \(key)", default: 0]
        served["\(method) \(url) \(key)"] = n + 1
        let x = matches[min(n, matches.count - 1)]
        guard var resp = files[x.responseFile] else {
            throw DevProofError.malformed("bundle: exchange file \(x.responseFile) is missing")
        }
        if let ids, let rf = x.requestFile, let req = files[rf], let rv = try? JSONParser.parse(req),
           let recIDs = NetworkTape.stripIDs(rv).1 {
            resp = NetworkTape.remapIDs(resp, recorded: recIDs, current: ids)
        }
        return HTTPResponse(status: x.status, headers: x.headers, body: resp, url: url)
    }

    // MARK: - Record

    public func record(method: String, url: String, body: Bytes?, response: HTTPResponse) {
        let (key, _) = NetworkTape.identity(method: method, url: url, body: body)
        lock.lock(); defer { lock.unlock() }
        let n = exchanges.count + 1
        let base = prefix + String(format: "%04d", n)
        var reqFile: String?
        if let body, !body.isEmpty { reqFile = base + ".req"; files[base + ".req"] = body }
        files[base + ".resp"] = response.body
        exchanges.append(Exchange(method: method, url: url, key: key, requestFile: reqFile, responseFile: base + ".resp",
                                  status: response.status, headers: response.headers))
        if persistent {
            // A child process may be killed by its deadline: what it fetched so far is on disk already.
            let fm = FileManager.default
            try? fm.createDirectory(at: directory.appendingPathComponent(prefix), withIntermediateDirectories: true)
            if let reqFile { try? InputFile.write(directory.appendingPathComponent(reqFile).path, body ?? []) }
            try? InputFile.write(directory.appendingPathComponent(base + ".resp").path, response.body)
            let list = JSONValue.array(exchanges.map(\.json)).serialized()
            try? InputFile.write(directory.appendingPathComponent(prefix + "exchanges.json").path, Array(list.utf8))
        }
    }
}
