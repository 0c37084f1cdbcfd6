import DevProofCore

/// JSON-RPC over HTTP(S) through DevProofCore's HTTPClient (libcurl).
///
/// One retry on connection failures/5xx (HTTPClient's policy); a timeout is left to the caller to act on
/// (the log scanner halves its range rather than resending the same request many times).
public struct HTTPTransport: RPCTransport {
    public var client: HTTPClient

    public init(client: HTTPClient = HTTPClient(retries: 1, backoff: 0.3, slowAfter: 5)) { self.client = client }

    public func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
        var req = HTTPRequest.post(url, body: body)
        req.timeout = timeout
        let r = try client.send(req)
        return (r.status, r.body)
    }
}
