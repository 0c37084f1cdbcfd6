import DevProofCore
import Testing
import TestSupport

@Suite("e2e: CLI conventions")
struct CLIConventionTests {
    @Test func unknownOptionIsUsageError() throws {
        let r = try Run.devproof(["attest", "--no-such-flag"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("error"))
    }

    @Test func missingFileIsExit2WithOneLine() throws {
        let r = try Run.devproof(["attest", "--quote", "/nonexistent/quote.bin", "--collateral", "/nonexistent/c.json"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count <= 2)
    }

    @Test func helpExitsZero() throws {
        let r = try Run.devproof(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("attest"))
    }
}
