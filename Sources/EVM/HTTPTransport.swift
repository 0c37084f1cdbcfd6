import DevProofCore

/// JSON-RPC over HTTP(S) through DevProofCore's HTTPClient.
public struct HTTPTransport: RPCTransport {
    public init() {}
    public func post(url: String, body: Bytes, timeout: Double) throws -> (status: Int, body: Bytes) {
        // Interim until DevProofCore/HTTPClient.swift lands in main.
        throw DevProofError.unavailable("HTTP transport not available yet")
    }
}
