import DevProofCore
import Foundation
import Testing
import TestSupport

/// `devproof reproduce` through the built binary: exit codes and the JSON report.
@Suite("e2e: devproof reproduce (corpus)", .enabled(if: TestPaths.corpus != nil, "corpus not found (DEVPROOF_CORPUS)"))
struct ReproduceCLITests {
    static func c(_ rel: String) -> String { TestPaths.corpusFile(rel)! }
    static func status(_ j: JSONValue, _ id: String) -> String? {
        j["checks"]?.arrayValue?.first { $0["id"]?.stringValue == id }?["status"]?.stringValue
    }

    @Test func layoutPassesExit0() throws {
        let r = try Run.devproof(["reproduce", "--oci", Self.c("reproduce/ggcr-test_index_one_image"), "--json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let j = try JSONParser.parse(r.stdout)
        #expect(j["command"]?.stringValue == "reproduce")
        #expect(Self.status(j, "reproduce.structure") == "pass")
        #expect(j["facts"]?["images"]?.arrayValue?.first?["image_digest"]?.stringValue == "sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46")
    }

    @Test func tutorial02ComposeFailsExit1() throws {
        let d = "tutorial/02-bitrot-and-reproducibility/"
        let r = try Run.devproof(["reproduce", "--manifest", Self.c(d + "build-manifest.json"), "--compose", Self.c(d + "docker-compose.yaml"), "--json"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let j = try JSONParser.parse(r.stdout)
        #expect(j["verdict"]?.stringValue == "fail")
        #expect(Self.status(j, "reproduce.compose.unpinned") == "fail")
    }

    @Test func manifestWithoutArchiveIsInconclusiveExit3() throws {
        let r = try Run.devproof(["reproduce", "--manifest", Self.c("tutorial/02-bitrot-and-reproducibility/build-manifest.json")])
        #expect(r.status == 3, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("reproduce.manifest.link"))
    }

    @Test func noImageIsExit2NamingTheFile() throws {
        let p = Self.c("reproduce/ggcr-null_manifest.tar")
        let r = try Run.devproof(["reproduce", "--oci", p])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--oci \(p): manifest.json is not a list of images"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func usageErrorsExit2() throws {
        let layout = Self.c("reproduce/ggcr-test_index_one_image")
        for args in [["reproduce"], ["reproduce", "--oci", layout, "--now", "0"], ["reproduce", "--oci", layout, "--require-level", "extreme"],
                     ["reproduce", "--oci", layout, "--context", "/tmp"], ["reproduce", "--oci", layout, "--platform", "linux"],
                     ["reproduce", "--oci", "/nonexistent.tar"]] {
            let r = try Run.devproof(args)
            #expect(r.status == 2, "\(args): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.hasPrefix("devproof: error: "), "\(args): \(r.stderr)")
        }
    }

    @Test func traversalTarIsExit2() throws {
        var w = TarWriter(); w.add("../evil", Array("x".utf8)); w.finish()
        let p = TestPaths.tempDir("reproduce-e2e").appendingPathComponent("evil.tar").path
        try Data(w.bytes).write(to: URL(fileURLWithPath: p))
        let r = try Run.devproof(["reproduce", "--oci", p])
        #expect(r.status == 2)
        #expect(r.stderr.contains("member '../evil' escapes the archive"), "\(r.stderr)")
    }
}
