import DevProofCore
import Foundation
import TestSupport
import Testing

/// Strict, bounded inputs (issue 7 §5/§6): every read is capped, Base64 and CLI hex are canonical-only,
/// duplicate JSON keys are refused, typed values fail with the usage category.
@Suite("core: strict and bounded inputs")
struct StrictInputTests {
    @Test func base64IsCanonicalOnly() throws {
        #expect(try Base64.decode("AQID") == [1, 2, 3])
        #expect(try Base64.decode("AQ==") == [1])
        #expect(try Base64.decode("AQ") == [1])
        #expect(try Base64.decode("AQ\nID") == [1, 2, 3], "PEM line breaks are whitespace")
        // Same bytes, other encodings: each would let two parsers disagree on what was signed.
        for bad in ["AR==", "AQJ=", "A=QID", "AQ===", "AQ=", "-_+/", "AQ==AQ=="] {
            #expect(throws: DevProofError.self, "\(bad)") { try Base64.decode(bad) }
            do { _ = try Base64.decode(bad) } catch let e as DevProofError { #expect(e.category == .malformedInput) }
        }
    }

    @Test func duplicateJSONKeysAreRefusedWithKeyAndOffset() {
        #expect { try JSONParser.parse(#"{"a":{"k":1,"k":2}}"#) } throws: { e in
            guard let e = e as? JSONParseError else { return false }
            return e.message.contains("\"k\"") && e.offset == 12
        }
        #expect((try? JSONParser.parse(#"{"a":{"k":1},"b":{"k":2}}"#)) != nil, "the same key in two objects is fine")
    }

    @Test func readsAreBounded() throws {
        let dir = TestPaths.tempDir("caps"); defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("f").path
        try InputFile.write(p, Bytes(repeating: 1, count: 1000))
        #expect(try InputFile.read(p, what: "quote", limit: 1000).count == 1000)
        #expect { try InputFile.read(p, what: "quote", limit: 999) } throws: { e in
            guard let e = e as? DevProofError, e.category == .malformedInput, e.exitCode == 2 else { return false }
            return e.description.contains("quote '\(p)' is larger than 999 bytes")
        }
        #expect { try InputFile.read(dir.path) } throws: { ($0 as? DevProofError)?.category == .malformedInput }
        #expect(InputFile.Limit.quote == 1 << 20 && InputFile.Limit.evidence == 16 << 20)
    }

    @Test func typedValuesParseOnceWithTheUsageCategory() throws {
        #expect(try AppIDValue(parsing: "0x" + String(repeating: "ab", count: 20), what: "--expect-app-id").bytes.count == 20)
        #expect(try Hash32Value(parsing: String(repeating: "AB", count: 32), what: "x").bytes == Bytes(repeating: 0xab, count: 32))
        for (text, msg) in [("abcd", "expected 20 bytes"), ("zz", "is not hex"), ("abc", "odd number"), (" ab", "is not hex"), ("", "is not hex")] {
            #expect(throws: DevProofError.self) { try AppIDValue(parsing: text, what: "--expect-app-id") }
            do { _ = try AppIDValue(parsing: text, what: "--expect-app-id") } catch let e as DevProofError {
                #expect(e.category == .usage && e.description.contains("--expect-app-id") && e.description.contains(msg), "\(text): \(e)")
            }
        }
        #expect(try TimeValue(parsing: "2026-01-15T00:00:00Z", what: "--now").unixSeconds == 1768435200)
        #expect(try DurationValue(parsing: "2h", what: "--max-age").seconds == 7200)
        do { _ = try TimeValue(parsing: "yesterday", what: "--now"); Issue.record("accepted") } catch let e as DevProofError { #expect(e.category == .usage) }
    }

    @Test func errorCategoriesMapToExitCodes() {
        #expect(DevProofError.usage("x").category == .usage && DevProofError.usage("x").exitCode == 2)
        #expect(DevProofError.malformed("x").category == .malformedInput && DevProofError.unreadable("x").category == .malformedInput)
        #expect(DevProofError.unavailable("x").category == .unavailable && DevProofError.unavailable("x").exitCode == 3)
    }
}

@Suite("core: PEM is canonical base64")
struct StrictPEMTests {
    @Test func pemBodiesAreStandardCanonicalBase64() throws {
        #expect(try PEM.blocks("-----BEGIN X-----\nAQID\n-----END X-----\n").first?.der == [1, 2, 3])
        for body in ["AQ-_", "AR==", "AQ==AQ=="] {
            #expect(throws: DevProofError.self, "\(body)") { try PEM.blocks("-----BEGIN X-----\n\(body)\n-----END X-----\n") }
        }
    }

    /// The byte-level reader: CRLF lines, indentation, text around blocks and Intel's trailing NUL are tolerated;
    /// label mismatches, unterminated and empty blocks are not.
    @Test func pemFramingOnBytes() throws {
        let intel = Array("junk\r\n  -----BEGIN CERTIFICATE-----\r\nAQ\r\n ID \r\n-----END CERTIFICATE-----\r\n".utf8) + [0x0a, 0]
        let b = try PEM.blocks(intel)
        #expect(b.count == 1 && b[0].label == "CERTIFICATE" && b[0].der == [1, 2, 3])
        let two = try PEM.blocks("-----BEGIN A-----\nAQ==\n-----END A-----\n-----BEGIN B-----\nAg==\n-----END B-----")
        #expect(two.map(\.label) == ["A", "B"] && two.map(\.der) == [[1], [2]])
        for bad in ["-----BEGIN A-----\nAQ==\n-----END B-----\n", "-----BEGIN A-----\nAQ==\n",
                    "-----BEGIN A-----\n-----END A-----\n", "-----BEGIN A-----\nA Q=*\n-----END A-----\n"] {
            #expect(throws: DevProofError.self, "\(bad)") { try PEM.blocks(bad) }
        }
    }
}
