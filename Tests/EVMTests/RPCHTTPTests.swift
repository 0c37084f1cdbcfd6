import DevProofCore
@testable import EVM
import Foundation
import Testing
import TestSupport

/// The RPC client over real HTTP (libcurl) against scripts/rpc_stub_server.py on 127.0.0.1.
@Suite("evm: JSON-RPC over HTTP (loopback stub)", .serialized)
struct RPCHTTPTests {
    static let server: LocalServer? = try? LocalServer(script: "rpc_stub_server.py")

    func url(_ path: String) throws -> String {
        let s = try #require(Self.server, "rpc_stub_server.py did not start")
        return s.baseURL + path
    }

    @Test func readsAndPinsOverHTTP() throws {
        let rpc = try RPCClient(urls: [try url("/rpc")], timeout: 10)
        let pin = try PinnedChain.pin(rpc, .finalized)
        #expect(pin.chainId == 1337)
        #expect(pin.block.number == 10_000)
        #expect(try DeploymentFinder.deploymentBlock(rpc, .zero, head: 10_000) == 100)
    }

    @Test func httpAndProtocolErrorsAreClear() throws {
        do { _ = try RPCClient(urls: [try url("/http500")], timeout: 10).chainId(); Issue.record("expected error") } catch let e as RPCError {
            #expect(e.description.contains("HTTP 500"), "\(e)")
            #expect(e.asDevProofError.exitCode == 3)
        }
        do { _ = try RPCClient(urls: [try url("/garbage")], timeout: 10).chainId(); Issue.record("expected error") } catch let e as RPCError {
            #expect(e.description.contains("malformed"), "\(e)")
            #expect(e.asDevProofError.exitCode == 2)
        }
        do { _ = try RPCClient(urls: [try url("/rpcerr400")], timeout: 10).chainId(); Issue.record("expected error") } catch let e as RPCError {
            #expect(e.description.contains("RPC error -32602: invalid params"), "\(e)")
        }
        // Nothing listening: unavailable, names the provider.
        let port = try LocalServer.closedPort()
        do { _ = try RPCClient(urls: ["http://127.0.0.1:\(port)"], timeout: 5).chainId(); Issue.record("expected error") } catch let e as RPCError {
            #expect(e.asDevProofError.exitCode == 3)
            #expect(e.description.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func scannerHalvesOnTimeouts() throws {
        // Ranges above 500 blocks take 5 s; the client gives up after 1 s: the scanner must shrink its chunk.
        let transport = HTTPTransport(client: HTTPClient(retries: 0, progress: nil))
        let rpc = try RPCClient(urls: [try url("/slowlogs/500/5")], timeout: 1, transport: transport)
        var s = LogScanner(addresses: [try Address("0x" + String(repeating: "ab", count: 20))])
        s.initialChunk = 2000
        let r = try s.scan(rpc, from: 0, to: 3000)
        #expect(r.complete)
        #expect(r.logs.count == 30)
        #expect(r.halvings >= 2)
    }
}
