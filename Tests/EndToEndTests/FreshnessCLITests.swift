import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof freshness` flag rules (exit 2, the flag named) and a compose-only run.
@Suite("e2e: freshness CLI")
struct FreshnessCLITests {
    @Test func usageErrorsExit2() throws {
        let none = try Run.devproof(["freshness"])
        #expect(none.status == 2 && none.stderr.contains("--response"))
        let noAge = try Run.devproof(["freshness", "--response", "/dev/null"])
        #expect(noAge.status == 2 && noAge.stderr.contains("--max-age"))
        let orphan = try Run.devproof(["freshness", "--app-compose", TestPaths.fixture("dstack/v1/app-compose.json"), "--kms-root", "0x" + String(repeating: "11", count: 20)])
        #expect(orphan.status == 2 && orphan.stderr.contains("--receipts"))
        let half = try Run.devproof(["freshness", "--receipts", "/dev/null", "--rpc", "http://127.0.0.1:9"])
        #expect(half.status == 2 && half.stderr.contains("--trusted-block"))
    }

    @Test func composeSignalsOnly() throws {
        let r = try Run.devproof(["freshness", "--app-compose", TestPaths.fixture("dstack/v1/app-compose.json"), "--json"])
        #expect(r.status == 0, "only info checks: nothing required was skipped")
        #expect(r.stdout.contains("freshness.secure_time"))
    }
}
