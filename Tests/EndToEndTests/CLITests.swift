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

    /// `--now` is parsed once at the CLI edge for every command: a bad time is exit 2 before any input is read.
    @Test(arguments: ["attest", "keys", "freshness", "lightclient", "stage"])
    func badNowIsUsageErrorBeforeAnythingRuns(_ command: String) throws {
        let r = try Run.devproof([command, "--now", "next tuesday", "--json"])
        #expect(r.status == 2, "\(command): \(r.stderr)")
        #expect(r.stderr.contains("--now") && r.stdout.isEmpty, "\(command): \(r.stderr)")
    }

    @Test func helpExitsZero() throws {
        let r = try Run.devproof(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("attest"))
    }
}
