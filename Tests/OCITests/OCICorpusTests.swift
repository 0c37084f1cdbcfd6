import DevProofCore
import Foundation
import OCI
import Testing
import TestSupport

/// The corpus archives (google/go-containerregistry testdata), expectations from corpus/README.md.
@Suite("oci: corpus archives")
struct OCICorpusTests {
    static func corpus(_ rel: String) throws -> String {
        guard let p = TestPaths.corpusFile(rel) else {
            if TestPaths.corpusRequired { throw TestSupportError("corpus missing") }
            throw TestSupportError("corpus not found (set DEVPROOF_CORPUS)")
        }
        return p
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "corpus not found (DEVPROOF_CORPUS)"))
    func layoutDirectory() throws {
        let scan = try ArchiveScanner.scan(try Self.corpus("reproduce/ggcr-test_index_one_image"))
        let img = try ImageResolver.resolve(scan, platform: nil)
        #expect(img.format == .ociLayout)
        #expect(img.manifestDigest == "sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46")
        #expect(img.configDigest?.hasPrefix("sha256:381d958b") == true)
        #expect(img.layers.count == 1)
        #expect(img.layers[0].member?.compression == .gzip)
        #expect(img.layers[0].descriptor.digest.hasPrefix("sha256:492b89b9"))
        #expect(img.problems.isEmpty, "\(img.problems)")
        #expect(img.archiveSHA256 == nil)
        // Every blob hashes to its name.
        for (name, m) in scan.members where name.hasPrefix("blobs/sha256/") { #expect(name.hasSuffix(m.sha256.hex)) }
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "corpus not found (DEVPROOF_CORPUS)"))
    func dockerSaveWithNullManifests() throws {
        let scan = try ArchiveScanner.scan(try Self.corpus("reproduce/ggcr-hello-world-v25.tar"))
        #expect(scan.fileSHA256?.hex == "487f5ad2ace32507803def7613d21b81886dbf1a89c3abd6ee37aef63fae86b7")
        let img = try ImageResolver.resolve(scan, platform: nil)
        #expect(img.format == .dockerSave)
        #expect(img.manifestDigest == nil) // index.json "manifests": null — no digest can be taken
        #expect(img.configDigest == "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44")
        #expect(img.platform?.description == "linux/arm64")
        #expect(img.layers.first?.diffID == img.layers.first?.descriptor.digest)
        #expect(img.problems.isEmpty, "\(img.problems)")
    }

    @Test(.enabled(if: TestPaths.corpus != nil, "corpus not found (DEVPROOF_CORPUS)"))
    func nullManifestIsMalformed() throws {
        let scan = try ArchiveScanner.scan(try Self.corpus("reproduce/ggcr-null_manifest.tar"))
        #expect(throws: DevProofError.malformed("--oci \(scan.path): manifest.json is not a list of images (docker save format): no image")) {
            try ImageResolver.resolve(scan, platform: nil)
        }
    }
}
