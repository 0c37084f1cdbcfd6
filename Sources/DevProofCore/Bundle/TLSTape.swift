/// TLS sessions in evidence bundles: what `TLSClient` saw on one connection (the presented chain, the
/// negotiated protocol, the answer to the one GET) is kept as a `TLS` exchange, so `--bundle` replays
/// `tls --url` like every HTTP exchange: same bytes, no socket.
extension TLSClient.Exchange {
    static func tapeURL(host: String, port: Int, path: String?) -> String { "tls://\(host):\(port)\(path ?? "")" }

    var tapeBody: Bytes {
        var m: [(String, JSONValue)] = [("chain", .strings(peer.chainDER.map(\.hex))), ("protocol", .string(peer.protocolVersion)),
                                        ("cipher", .string(peer.cipher))]
        if let r = response {
            m.append(("response", .obj([("status", .int(r.status)),
                                        ("headers", .object(r.headers.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) })),
                                        ("body", .string(r.body.hex))])))
        }
        if let e = responseError { m.append(("response_error", .string(e))) }
        return Array(JSONValue.obj(m).serialized().utf8)
    }

    init(tapeBody b: Bytes) throws {
        func bad() -> DevProofError { .malformed("bundle: a recorded TLS session does not decode") }
        guard let v = try? JSONParser.parse(b), let chain = v["chain"]?.arrayValue,
              let proto = v["protocol"]?.stringValue, let cipher = v["cipher"]?.stringValue else { throw bad() }
        let der = try chain.map { c -> Bytes in guard let s = c.stringValue else { throw bad() }; return try Hex.decode(s) }
        var resp: HTTP1Response?
        if let r = v["response"] {
            guard let st = r["status"]?.int64Value, let body = r["body"]?.stringValue else { throw bad() }
            var h: [String: String] = [:]
            for m in r["headers"]?.objectValue ?? [] { h[m.key] = m.value.stringValue ?? "" }
            resp = HTTP1Response(status: Int(st), headers: h, body: try Hex.decode(body))
        }
        self.init(peer: TLSPeer(chainDER: der, protocolVersion: proto, cipher: cipher), response: resp,
                  responseError: v["response_error"]?.stringValue)
    }
}

extension TLSClient {
    /// `exchange` through the process's bundle tape: replayed from the bundle, or performed and recorded.
    func taped(host: String, port: Int, path: String?, live: () throws -> Exchange) throws -> Exchange {
        guard let tape = NetworkTape.current else { return try live() }
        let url = Exchange.tapeURL(host: host, port: port, path: path)
        if tape.mode == .replay {
            return try Exchange(tapeBody: try tape.replay(method: "TLS", url: url, body: nil).body)
        }
        let x = try live()
        tape.record(method: "TLS", url: url, body: nil, response: HTTPResponse(status: 0, headers: [], body: x.tapeBody, url: url))
        return x
    }
}
