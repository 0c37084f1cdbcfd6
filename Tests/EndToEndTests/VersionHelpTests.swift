import Foundation
import Testing
import TestSupport

@Suite("e2e: version and bare invocation")
struct VersionHelpTests {
    /// `--version`: "X.Y.Z (commit HASH)"; HASH is the Makefile's git commit, or "unknown" for a plain
    /// `swift build` (BuildCommit.generated.swift absent).
    @Test func versionShowsCommit() throws {
        let r = try Run.devproof(["--version"])
        #expect(r.status == 0)
        let line = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,40}(-dirty)?|unknown)\)$"#, options: .regularExpression) != nil, "\(line)")
        // Under `make test` the Makefile wrote the commit: then it must be the checkout's HEAD.
        let gen = TestPaths.root.appendingPathComponent("Sources/devproof/BuildCommit.generated.swift").path
        if let src = try? String(contentsOfFile: gen, encoding: .utf8),
           let m = src.range(of: #"gitCommit = "[^"]+""#, options: .regularExpression) {
            let commit = src[m].dropFirst("gitCommit = \"".count).dropLast()
            #expect(line.contains("(commit \(commit))"), "binary says \(line), generated file says \(commit)")
        }
    }

    @Test func noArgumentsPrintsHelpAndExits2() throws {
        let r = try Run.devproof([])
        #expect(r.status == 2)
        #expect(r.stderr.contains("USAGE"), "\(r.stderr)")
        for s in ["attest", "keys", "chain", "appauth"] { #expect(r.stderr.contains(s)) }
    }
}
