import DevProofCore
import Testing
import TestSupport

@Suite("e2e: appauth CLI")
struct AppAuthCLITests {
    @Test func unreachableRPCIsInconclusive() throws {
        let r = try Run.devproof(["appauth", "--app", "0x00000000000000000000000000000000000a9900", "--rpc", "http://127.0.0.1:9", "--json"])
        #expect(r.status == 3)
        // Retry/progress lines may precede it; the error itself is one line.
        #expect(r.stderr.split(separator: "\n").last?.hasPrefix("devproof: error:") == true)
        #expect(r.stdout.isEmpty)
    }

    @Test func usageErrorsExit2() throws {
        #expect(try Run.devproof(["appauth", "--rpc", "http://127.0.0.1:9"]).status == 2)
        #expect(try Run.devproof(["appauth", "--app", "0x12", "--rpc", "http://127.0.0.1:9"]).status == 2)
        #expect(try Run.devproof(["appauth", "--app", "0x00000000000000000000000000000000000a9900", "--rpc", "http://127.0.0.1:9",
                                  "--min-notice", "a week"]).status == 2)
        #expect(try Run.devproof(["appauth", "--app", "0x00000000000000000000000000000000000a9900", "--rpc", "ftp://x"]).status == 2)
    }
}
