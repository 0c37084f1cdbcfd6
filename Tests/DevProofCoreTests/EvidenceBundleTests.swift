import Foundation
import Testing
import DevProofCore
import TestSupport

/// Bundles: written whole, verified whole before anything is judged; the tape replays JSON-RPC answers
/// with the current request's ids.
@Suite("core: evidence bundle and network tape")
struct EvidenceBundleTests {
    /// A bundle with one input file and one recorded exchange.
    static func makeBundle() throws -> (URL, String) {
        let tmp = TestPaths.tempDir("bundle")
        let input = tmp.appendingPathComponent("quote.hex")
        try InputFile.write(input.path, Array("abcd".utf8))
        let dir = tmp.appendingPathComponent("b")
        let w = try BundleWriter(directory: dir.path)
        try w.addCommand("attest", ["--quote", input.path, "--json", "--save-collateral", input.path])
        let tape = NetworkTape(recordingInto: dir)
        let req = Array(#"{"jsonrpc":"2.0","id":7,"method":"eth_blockNumber","params":[]}"#.utf8)
        tape.record(method: "POST", url: "http://127.0.0.1:1/rpc", body: req,
                    response: HTTPResponse(status: 200, headers: [("content-type", "application/json")],
                                           body: Array(#"{"jsonrpc":"2.0","id":7,"result":"0x10"}"#.utf8), url: "http://127.0.0.1:1/rpc"))
        let h = try w.finish(now: 1_752_919_234, tape: tape)
        return (dir, h)
    }

    @Test("a written bundle opens, resolves its inputs and keeps output flags as they were")
    func roundTrip() throws {
        let (dir, h) = try Self.makeBundle()
        let b = try EvidenceBundle.open(dir.path, expectedSHA256: h)
        #expect(b.now == 1_752_919_234 && b.indexSHA256 == h)
        let args = try #require(b.arguments(for: "attest"))
        #expect(args[1].hasPrefix(dir.path + "/inputs/"))
        #expect(try InputFile.read(args[1]) == Array("abcd".utf8))
        try #require(args.count == 4, "--json is dropped: \(args)")
        #expect(!args[3].contains("inputs/"), "--save-collateral is an output: not copied")
        #expect(b.exchanges.count == 1)
    }

    @Test("replay answers with the current JSON-RPC ids and never touches the network for unknown requests")
    func replay() throws {
        let (dir, _) = try Self.makeBundle()
        let tape = try EvidenceBundle.open(dir.path).replayTape()
        let r = try tape.replay(method: "POST", url: "http://127.0.0.1:1/rpc",
                                body: Array(#"{"jsonrpc":"2.0","id":99,"method":"eth_blockNumber","params":[]}"#.utf8))
        #expect(r.bodyText.contains(#""id":99"#) && r.bodyText.contains("0x10"))
        do {
            _ = try tape.replay(method: "POST", url: "http://127.0.0.1:1/rpc",
                                body: Array(#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#.utf8))
            Issue.record("an uncollected request was answered")
        } catch let e as DevProofError {
            guard case .unavailable(let m) = e else { Issue.record("wrong category \(e)"); return }
            #expect(m.contains("not collected"))
        }
    }

    @Test("HTTPClient goes through the tape: with a replay tape set, no socket is opened")
    func clientUsesTape() throws {
        let (dir, _) = try Self.makeBundle()
        var client = HTTPClient(timeout: 1, retries: 0)
        client.tape = try EvidenceBundle.open(dir.path).replayTape()
        // Port 1 on loopback: a live request would fail; the bundle answers instead.
        let r = try client.send(.post("http://127.0.0.1:1/rpc",
            body: Array(#"{"jsonrpc":"2.0","id":3,"method":"eth_blockNumber","params":[]}"#.utf8)))
        #expect(r.status == 200 && r.bodyText.contains(#""id":3"#))
    }

    func expectMalformed(_ dir: URL, _ fragment: String, pin: String? = nil) {
        do {
            _ = try EvidenceBundle.open(dir.path, expectedSHA256: pin)
            Issue.record("bundle opened despite: \(fragment)")
        } catch let e as DevProofError {
            guard case .malformed(let m) = e else { Issue.record("wrong category: \(e)"); return }
            #expect(m.contains(fragment), "\(m)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test("tampering is refused before anything is judged: changed byte, extra file, missing file, symlink, pin")
    func tampering() throws {
        var (dir, h) = try Self.makeBundle()
        let input = try #require(try EvidenceBundle.open(dir.path).files.first { $0.path.hasPrefix("inputs/") })
        try InputFile.write(dir.appendingPathComponent(input.path).path, Array("abce".utf8))
        expectMalformed(dir, "tampered")

        (dir, h) = try Self.makeBundle()
        try InputFile.write(dir.appendingPathComponent("net/extra.bin").path, [1])
        expectMalformed(dir, "extra file")

        (dir, h) = try Self.makeBundle()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("net/0001.resp"))
        expectMalformed(dir, "missing")

        (dir, h) = try Self.makeBundle()
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("inputs/link").path, withDestinationPath: "/etc/passwd")
        expectMalformed(dir, "symbolic link")

        (dir, h) = try Self.makeBundle()
        expectMalformed(dir, "pinned", pin: String(repeating: "0", count: 64))
        _ = h
    }

    @Test("index paths that leave the directory are refused")
    func pathEscape() throws {
        let (dir, _) = try Self.makeBundle()
        let idx = dir.appendingPathComponent("bundle.json")
        var text = String(decoding: try InputFile.read(idx.path), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"path\": \"net/0001.req\"", with: "\"path\": \"../outside\"")
        try InputFile.write(idx.path, Array(text.utf8))
        expectMalformed(dir, "not a plain relative path")
    }

    @Test("a bundle is never written into a non-empty directory")
    func refusesNonEmpty() throws {
        let (dir, _) = try Self.makeBundle()
        #expect(throws: DevProofError.self) { _ = try BundleWriter(directory: dir.path) }
    }
}
