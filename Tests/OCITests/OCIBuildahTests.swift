import DevProofCore
import Foundation
import OCI
import Testing
import TestSupport

/// Real archives built by buildah in the test (FROM scratch, --timestamp 0, no network); skopeo is the
/// independent oracle for image_digest.
@Suite("oci: buildah archives", .enabled(if: OCIBuild.available, "buildah/skopeo not installed or not root (make test installs them)"))
struct OCIBuildahTests {
    @Test func digestEqualsSkopeoAndRebuildDiffersOnlyInWrapper() throws {
        let dir = TestPaths.tempDir("oci-buildah")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = ["hello.txt": "hello\n", "bin/run.sh": "#!/bin/sh\necho hi\n"]
        let a = try OCIBuild.build(files, in: dir, name: "a")
        sleep(1) // the tar wrapper takes the wall clock: a second apart, the files differ
        let b = try OCIBuild.build(files, in: dir, name: "b")
        let ia = try ImageResolver.resolve(try ArchiveScanner.scan(a), platform: nil)
        let ib = try ImageResolver.resolve(try ArchiveScanner.scan(b), platform: nil)
        #expect(ia.manifestDigest == (try OCIBuild.skopeoDigest(a)))
        #expect(ib.manifestDigest == (try OCIBuild.skopeoDigest(b)))
        #expect(ia.manifestDigest == ib.manifestDigest)
        #expect(ia.problems.isEmpty && ib.problems.isEmpty)
        #expect(ia.layers.first.map { "sha256:" + $0.member!.uncompressedSHA256.hex } == ia.layers.first?.diffID)
        #expect(ia.archiveSHA256 != ib.archiveSHA256)
        #expect(ia.archiveSHA256 == Digest.sha256(Array(try Data(contentsOf: URL(fileURLWithPath: a)))))
    }

    @Test func changedFileIsNamedInTheLayerDiff() throws {
        let dir = TestPaths.tempDir("oci-buildah")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try OCIBuild.build(["hello.txt": "hello\n", "same.txt": "x"], in: dir, name: "a")
        let b = try OCIBuild.build(["hello.txt": "hello, world\n", "same.txt": "x"], in: dir, name: "b")
        let sa = try ArchiveScanner.scan(a), sb = try ArchiveScanner.scan(b)
        let ia = try ImageResolver.resolve(sa, platform: nil), ib = try ImageResolver.resolve(sb, platform: nil)
        #expect(ia.manifestDigest != ib.manifestDigest)
        let fa = try LayerDiff.withMember(sa, ia.layers[0].member!.name) { try LayerDiff.list($0, label: "a") }
        let fb = try LayerDiff.withMember(sb, ib.layers[0].member!.name) { try LayerDiff.list($0, label: "b") }
        let d = LayerDiff.compare(fa, fb)
        #expect(d.count == 1, "\(d)")
        #expect(d.first?.hasPrefix("app/hello.txt: content sha256") == true, "\(d)")
        #expect(d.first?.contains("size 6 ≠ 13") == true, "\(d)")
    }
}
