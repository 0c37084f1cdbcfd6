import DevProofCore
import Testing

@Suite("core: hex, base64, digests, keccak")
struct EncodingAndHashTests {
    @Test func hexRoundTrip() throws {
        #expect(try Hex.decode("0xDEADbeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Hex.decode(" de ad\n") == [0xde, 0xad])
        #expect([0x00, 0xff].hex == "00ff")
        #expect(throws: DevProofError.self) { try Hex.decode("abc") }
        #expect(throws: DevProofError.self) { try Hex.decode("zz") }
    }

    @Test func base64() throws {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let enc = Base64.encode(Array(s.utf8))
            #expect(try Base64.decode(enc) == Array(s.utf8))
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(throws: DevProofError.self) { try Base64.decode("Zm9v!") }
    }

    @Test func sha2Vectors() {
        #expect(Digest.sha256(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha384([]).hex.hasPrefix("38b060a751ac9638"))
        #expect(Digest.sha512(Array("abc".utf8)).hex.hasPrefix("ddaf35a193617aba"))
        let s = StreamingDigest(.sha256); s.update(Array("a".utf8)); s.update(Array("bc".utf8))
        #expect(s.finalize() == Digest.sha256(Array("abc".utf8)))
    }

    @Test func keccakVectors() {
        #expect(Keccak.keccak256([]).hex == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(Keccak.keccak256(Array("abc".utf8)).hex == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        // Function selector of transfer(address,uint256).
        #expect(Keccak.keccak256(Array("transfer(address,uint256)".utf8)).prefix(4).map { $0 } == [0xa9, 0x05, 0x9c, 0xbb])
        // Multi-block input (> 136-byte rate) and exactly one rate.
        #expect(Keccak.keccak256(Bytes(repeating: 0, count: 136)).count == 32)
    }
}

@Suite("core: JSON with raw spans")
struct JSONTests {
    @Test func keepsOrderSpansAndLiterals() throws {
        let text = #"{"b": 1.50, "a": {"x" : [true, null, "é\u00e9\ud83d\ude00"]}, "n": -0.0e+1}"#
        let bytes = Array(text.utf8)
        let v = try JSONParser.parse(bytes)
        #expect(v.keys == ["b", "a", "n"])
        #expect(v["b"]?.numberLiteral == "1.50")
        #expect(v["n"]?.numberLiteral == "-0.0e+1")
        let a = try #require(v.member("a"))
        #expect(String(decoding: bytes[a.span!], as: UTF8.self) == #"{"x" : [true, null, "é\u00e9\ud83d\ude00"]}"#)
        #expect(v["a"]?["x"]?.arrayValue?[2].stringValue == "éé😀")
        #expect(v.serialized() == #"{"b":1.50,"a":{"x":[true,null,"éé😀"]},"n":-0.0e+1}"#)
        #expect(v.serialized(JSONWriteOptions(sortKeys: true, asciiOnly: true)) ==
                #"{"a":{"x":[true,null,"\u00e9\u00e9\ud83d\ude00"]},"b":1.50,"n":-0.0e+1}"#)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "nul", "[1] x", "\"\u{01}\"", "\"\\ud800\""])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func depthLimit() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }
}

@Suite("core: time input and report verdicts")
struct TimeAndReportTests {
    @Test func parsesTimes() throws {
        #expect(try TimeInput.parse("1752919234") == 1752919234)
        #expect(try TimeInput.parse("2025-07-19T10:00:34Z") == 1752919234)
        #expect(try TimeInput.parse("2025-07-19T12:00:34+02:00") == 1752919234)
        #expect(try TimeInput.parse("2025-07-19T10:00:34.5Z") == 1752919234)
        #expect(TimeInput.format(1752919234) == "2025-07-19T10:00:34Z")
        #expect(TimeInput.format(0) == "1970-01-01T00:00:00Z")
        #expect(throws: DevProofError.self) { try TimeInput.parse("yesterday") }
        #expect(throws: DevProofError.self) { try TimeInput.parse("2025-13-01T00:00:00Z") }
    }

    @Test func verdictRules() {
        var r = Report(command: "t")
        #expect(r.verdict == .inconclusive) // nothing checked is never a pass
        r.add(.pass("a", "ok"))
        #expect(r.verdict == .pass)
        r.add(.notApplicable("b", "nothing to check in this mode"))
        r.add(.warn("c", "heads up"))
        r.add(.info("d", "fyi"))
        #expect(r.verdict == .pass)
        r.add(.skip("e", "collateral unavailable"))
        #expect(r.verdict == .inconclusive)
        r.add(.fail("f", "broken"))
        #expect(r.verdict == .fail)
        #expect(r.verdict.exitCode == 1)
        let j = r.json
        #expect(j["schema"]?.stringValue == "devproof.report/v1")
        #expect(j["checks"]?.arrayValue?.count == 6)
        #expect(j["checks"]?.arrayValue?[0].keys == ["id", "status", "required", "summary", "details"])
    }
}
