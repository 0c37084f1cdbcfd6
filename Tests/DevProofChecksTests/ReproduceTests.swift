import DevProofChecks
import DevProofCore
import Foundation
import Testing
import TestSupport

/// Archives built once for the buildah suites: A1 and A2 from one context (a second apart), B with one
/// file changed.
enum ReproduceFixtures {
    struct Built: Sendable { let dir: URL; let a1: String; let a2: String; let b: String; let digestA: String; let digestB: String; let ctx: String }
    static let built: Result<Built, TestSupportError> = {
        do {
            let dir = TestPaths.tempDir("reproduce-buildah")
            let files = ["hello.txt": "hello\n", "etc/app.conf": "x=1\n"]
            let a1 = try OCIBuild.build(files, in: dir, name: "a1")
            sleep(1)
            let a2 = try OCIBuild.build(files, in: dir, name: "a2")
            let b = try OCIBuild.build(["hello.txt": "hello, changed\n", "etc/app.conf": "x=1\n"], in: dir, name: "b")
            return .success(Built(dir: dir, a1: a1, a2: a2, b: b, digestA: try OCIBuild.skopeoDigest(a1), digestB: try OCIBuild.skopeoDigest(b),
                                  ctx: dir.appendingPathComponent("ctx-a1").path))
        } catch let e as TestSupportError { return .failure(e) } catch { return .failure(TestSupportError("\(error)")) }
    }()

    static func write(_ text: String, _ name: String) -> String {
        let d = TestPaths.tempDir("reproduce-input")
        let p = d.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }

    static func appCompose(image: String) -> String {
        let compose = "services:\n  app:\n    image: \(image)\n"
        return JSONValue.obj([("manifest_version", .int(2)), ("name", .string("t")), ("runner", .string("docker-compose")),
                              ("docker_compose_file", .string(compose))]).serialized()
    }

    static func attestReport(composeHash: Bytes, verdict: String = "pass") -> String {
        write(JSONValue.obj([("schema", .string(Report.schema)), ("command", .string("attest")), ("verdict", .string(verdict)),
                             ("checks", .array([])), ("facts", .obj([("compose_hash", .string(composeHash.hex))]))]).serialized(), "attest.json")
    }

    static func status(_ r: Report, _ id: String) -> CheckStatus? { r.check(id)?.status }
}

@Suite("reproduce: buildah archives", .enabled(if: OCIBuild.available, "buildah/skopeo not installed or not root (make test installs them)"))
struct ReproduceBuildahTests {
    typealias F = ReproduceFixtures

    @Test func sameContextTwicePassesAndFlagsTheWrapper() throws {
        let b = try F.built.get()
        var o = ReproduceOptions(); o.oci = [b.a1, b.a2]
        let r = try Reproduce.run(o)
        #expect(r.verdict == .pass)
        #expect(F.status(r, "reproduce.structure") == .pass)
        #expect(F.status(r, "reproduce.diff_ids") == .pass)
        #expect(F.status(r, "reproduce.compare") == .pass)
        #expect(r.check("reproduce.compare")?.summary.contains(b.digestA) == true)
        #expect(F.status(r, "reproduce.archive_wrapper") == .warn)
        #expect(r.fact("level")?.stringValue == "loose")
    }

    @Test func changedFileFailsAndIsExplained() throws {
        let b = try F.built.get()
        var o = ReproduceOptions(); o.oci = [b.a1, b.b]
        let r = try Reproduce.run(o)
        #expect(r.verdict == .fail)
        #expect(F.status(r, "reproduce.compare") == .fail)
        let diffs = r.check("reproduce.compare")?.details["differences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(diffs.contains { $0.contains("app/hello.txt: content sha256") && $0.contains("size 6 ≠ 15") }, "\(diffs)")
        #expect(!diffs.contains { $0.contains("app.conf") }, "\(diffs)")
        #expect(diffs.contains { $0.contains("config.") || $0.contains("rootfs") }, "\(diffs)")
        #expect(r.fact("level")?.stringValue == "none")
    }

    @Test func manifestLink() throws {
        let b = try F.built.get()
        let hash = Digest.sha256(Array(try Data(contentsOf: URL(fileURLWithPath: b.a1)))).hex
        let good = F.write(#"{"image_hash":"\#(hash)","image_digest":"\#(b.digestA)","build_date":"2099-01-01T00:00:00Z","source_date_epoch":0}"#, "m.json")
        var o = ReproduceOptions(); o.oci = [b.a1]; o.manifest = good
        var r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.manifest.link") == .pass)
        #expect(F.status(r, "reproduce.manifest.hash") == .pass)
        #expect(r.verdict == .pass)
        o.oci = [b.a2] // same image, other tar wrapper
        r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.manifest.link") == .pass)
        #expect(F.status(r, "reproduce.manifest.hash") == .warn)
        o.oci = [b.b]
        r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.manifest.link") == .fail)
        #expect(F.status(r, "reproduce.manifest.hash") == .fail)
        #expect(r.verdict == .fail)
    }

    @Test func composeLinkAndComposeHashEndToEnd() throws {
        let b = try F.built.get()
        let text = F.appCompose(image: "localhost/app@\(b.digestA)")
        let ac = F.write(text, "app-compose.json")
        let ch = Digest.sha256(Array(text.utf8))
        var o = ReproduceOptions(); o.oci = [b.a1]; o.appCompose = ac; o.fromAttest = F.attestReport(composeHash: ch)
        var r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.compose.unpinned") == .pass)
        #expect(F.status(r, "reproduce.compose.digest") == .pass)
        #expect(F.status(r, "reproduce.compose.hash") == .pass)
        #expect(r.verdict == .pass)
        #expect(r.fact("chain")?["compose_hash"]?.stringValue == ch.hex)
        #expect(r.fact("chain")?["attested_compose_hash"]?.stringValue == ch.hex)
        #expect(r.fact("chain")?["image_digest"]?.arrayValue?.first?.stringValue == b.digestA)
        // The attested hash belongs to another compose.
        o.fromAttest = F.attestReport(composeHash: Digest.sha256(Array("other".utf8)))
        r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.compose.hash") == .fail)
        // The compose pins another image than the archive's.
        o.fromAttest = nil; o.oci = [b.b]
        r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.compose.digest") == .fail)
        // A failing attestation establishes nothing.
        o.fromAttest = F.attestReport(composeHash: ch, verdict: "fail")
        #expect(throws: DevProofError.self) { try Reproduce.run(o) }
    }

    @Test func requireLevel() throws {
        let b = try F.built.get()
        let df = F.write("ARG SOURCE_DATE_EPOCH=0\nFROM scratch\nCOPY . /app/\n", "Dockerfile")
        var o = ReproduceOptions(); o.oci = [b.a1, b.a2]; o.dockerfile = df; o.requireLevel = .strict
        o.appCompose = F.write(F.appCompose(image: "localhost/app@\(b.digestA)"), "app-compose.json")
        var r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.level") == .pass, "\(r.check("reproduce.level")?.summary ?? "")")
        #expect(r.fact("level")?.stringValue == "strict")
        o.dockerfile = F.write("FROM node:22\nCOPY . /app/\n", "Dockerfile")
        r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.level") == .fail)
        #expect(r.fact("level")?.stringValue == "loose")
        o.requireLevel = .loose
        #expect(F.status(try Reproduce.run(o), "reproduce.level") == .pass)
        o.oci = [b.a1]
        #expect(F.status(try Reproduce.run(o), "reproduce.level") == .fail) // one archive proves nothing reproduced
    }

    @Test func rebuildTwiceWithBuildah() throws {
        let b = try F.built.get()
        var o = ReproduceOptions(); o.rebuild = true; o.context = b.ctx; o.dockerfile = b.ctx + "/Containerfile"
        let r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.rebuild") == .pass, "\(r.check("reproduce.rebuild")?.summary ?? "")")
        #expect(F.status(r, "reproduce.compare") == .pass)
        // The rebuild gives the image built by the fixture (same context, same timestamp).
        #expect(r.check("reproduce.rebuild")?.summary.contains(b.digestA) == true)
    }
}

@Suite("reproduce: inputs without a builder")
struct ReproduceInputTests {
    typealias F = ReproduceFixtures

    @Test func noBuilderIsASkipNeverAPass() throws {
        var o = ReproduceOptions(); o.rebuild = true; o.context = TestPaths.tempDir("ctx").path; o.buildah = "/nonexistent/buildah"
        let r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.rebuild") == .skip)
        #expect(r.verdict == .inconclusive)
    }

    @Test func unpinnedComposeServicesAreNamed() throws {
        let y = """
        services:
          pinned:
            image: ghcr.io/x/app@sha256:\(String(repeating: "ab", count: 32))
          tagged:
            image: node:22-slim
          variable:
            image: ghcr.io/x/app@${DIGEST}
          inline:
            build:
              dockerfile_inline: |
                FROM scratch
        """
        var o = ReproduceOptions(); o.compose = F.write(y, "docker-compose.yaml")
        let r = try Reproduce.run(o)
        let s = r.check("reproduce.compose.unpinned")?.summary ?? ""
        #expect(F.status(r, "reproduce.compose.unpinned") == .fail)
        for n in ["'tagged'", "'variable'", "'inline' builds from dockerfile_inline"] { #expect(s.contains(n), "\(n): \(s)") }
        #expect(!s.contains("'pinned'"))
        #expect(F.status(r, "reproduce.compose.digest") == .skip) // nothing built to look for
    }

    @Test func dockerfileLintWarnsWithIDs() throws {
        let df = """
        FROM node:22-slim AS build
        RUN apt-get update && apt-get install -y curl ca-certificates=20230311
        RUN npm install
        RUN curl -fsSL https://example.invalid/helios.sh | bash
        FROM build
        """
        var o = ReproduceOptions(); o.dockerfile = F.write(df, "Dockerfile")
        let r = try Reproduce.run(o)
        for id in ["reproduce.dockerfile.from_digest", "reproduce.dockerfile.source_date_epoch", "reproduce.dockerfile.npm_ci",
                   "reproduce.dockerfile.apt_pinned", "reproduce.dockerfile.download_checksum"] {
            #expect(F.status(r, id) == .warn, "\(id)")
        }
        #expect(r.check("reproduce.dockerfile.apt_pinned")?.summary.contains("curl") == true)
        #expect(r.check("reproduce.dockerfile.apt_pinned")?.summary.contains("ca-certificates") == false)
        #expect(r.check("reproduce.dockerfile.from_digest")?.summary.contains("FROM build") == false) // an earlier stage
        #expect(r.check("reproduce.dockerfile.download_checksum")?.summary.contains("curl|sh") == true)
    }

    @Test func usageErrors() throws {
        var o = ReproduceOptions(); o.rebuild = true
        #expect(throws: DevProofError.usage("--rebuild needs --context DIR")) { try Reproduce.run(o) }
        o = ReproduceOptions(); o.fromAttest = "x.json"; o.compose = "c.yaml"
        #expect(throws: DevProofError.self) { try Reproduce.run(o) }
        o = ReproduceOptions()
        #expect(throws: DevProofError.self) { try Reproduce.run(o) }
    }
}

@Suite("reproduce: corpus (tutorial 02, ggcr archives)", .enabled(if: TestPaths.corpus != nil, "corpus not found (DEVPROOF_CORPUS)"))
struct ReproduceCorpusTests {
    typealias F = ReproduceFixtures
    static func c(_ rel: String) -> String { TestPaths.corpusFile(rel)! }

    @Test func tutorial02ComposeUsesBuildAndFailsTheLink() throws {
        var o = ReproduceOptions()
        o.manifest = Self.c("tutorial/02-bitrot-and-reproducibility/build-manifest.json")
        o.compose = Self.c("tutorial/02-bitrot-and-reproducibility/docker-compose.yaml")
        o.dockerfile = Self.c("tutorial/02-bitrot-and-reproducibility/Dockerfile")
        let r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.compose.unpinned") == .fail)
        #expect(r.check("reproduce.compose.unpinned")?.summary.contains("service 'app' builds from source") == true)
        #expect(F.status(r, "reproduce.compose.digest") == .fail)
        #expect(F.status(r, "reproduce.manifest.link") == .skip) // the archive is not published
        // Section 02's Dockerfile is the reproducible one: no lint warning.
        for id in ["reproduce.dockerfile.from_digest", "reproduce.dockerfile.source_date_epoch", "reproduce.dockerfile.npm_ci",
                   "reproduce.dockerfile.apt_pinned", "reproduce.dockerfile.download_checksum"] {
            #expect(F.status(r, id) == .pass, "\(id)")
        }
        #expect(r.verdict == .fail)
    }

    @Test func corpusLayoutAgainstTheTutorialManifest() throws {
        var o = ReproduceOptions()
        o.oci = [Self.c("reproduce/ggcr-test_index_one_image")]
        o.manifest = Self.c("tutorial/02-bitrot-and-reproducibility/build-manifest.json")
        let r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.structure") == .pass)
        #expect(F.status(r, "reproduce.diff_ids") == .pass)
        #expect(F.status(r, "reproduce.manifest.link") == .fail)
        #expect(F.status(r, "reproduce.manifest.hash") == .skip) // a directory has no file hash
    }

    /// The corpus layout re-written into a temp dir with a config whose diff_id is wrong (every digest valid),
    /// or with a layer blob whose bytes changed under its name.
    static func rewrittenLayout(wrongDiffID: Bool, corruptLayer: Bool) throws -> String {
        let src = Self.c("reproduce/ggcr-test_index_one_image")
        let dir = TestPaths.tempDir("reproduce-layout")
        let blobs = dir.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        func read(_ rel: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: src + "/" + rel))) }
        func put(_ b: [UInt8]) throws -> (String, Int) {
            let h = Digest.sha256(b).hex; try Data(b).write(to: blobs.appendingPathComponent(h)); return ("sha256:" + h, b.count)
        }
        let layerHex = "492b89b9dd3cda4596f94916d17f6901455fb8bd7f4c5a2a90df8d39c90f48a0"
        var layer = try read("blobs/sha256/" + layerHex)
        let (ld, ls) = try put(layer)
        // Byte 4 is the gzip header's MTIME: the blob still inflates to the same layer, but its digest changes.
        if corruptLayer { layer[4] ^= 1; try Data(layer).write(to: blobs.appendingPathComponent(layerHex)) }
        var config = String(decoding: try read("blobs/sha256/381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810"), as: UTF8.self)
        if wrongDiffID { config = config.replacingOccurrences(of: "sha256:59cd31f5", with: "sha256:00cd31f5") }
        let (cd, cs) = try put(Array(config.utf8))
        let manifest = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(cd)","size":\#(cs)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\#(ld)","size":\#(ls)}]}"#
        let (md, ms) = try put(Array(manifest.utf8))
        try Data(#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(md)","size":\#(ms)}]}"#.utf8)
            .write(to: dir.appendingPathComponent("index.json"))
        return dir.path
    }

    @Test func wrongDiffIDFails() throws {
        var o = ReproduceOptions(); o.oci = [try Self.rewrittenLayout(wrongDiffID: true, corruptLayer: false)]
        let r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.structure") == .pass)
        #expect(F.status(r, "reproduce.diff_ids") == .fail)
        #expect(r.check("reproduce.diff_ids")?.summary.contains("the config says sha256:00cd31f5") == true)
        #expect(r.verdict == .fail)
    }

    @Test func corruptLayerFailsStructure() throws {
        var o = ReproduceOptions(); o.oci = [try Self.rewrittenLayout(wrongDiffID: false, corruptLayer: true)]
        let r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.diff_ids") == .pass)
        #expect(F.status(r, "reproduce.structure") == .fail)
        #expect(r.check("reproduce.structure")?.summary.contains("layer blobs/sha256/492b89b9") == true, "\(r.check("reproduce.structure")?.summary ?? "")")
        #expect(r.verdict == .fail)
    }

    /// Every tutorial compose builds inside the CVM or runs a tag: none pins its code (spec finding 5).
    @Test(arguments: ["01-attestation-and-reference-values/docker-compose.yaml", "03-keys-and-replication/docker-compose.yaml",
                      "04-gateways-and-tls/docker-compose.yaml", "04-gateways-and-tls/docker-compose-dstack-ingress.yaml",
                      "05-onchain-authorization/docker-compose.yaml", "06-encryption-freshness/docker-compose.yaml",
                      "07-lightclient/docker-compose.yaml"])
    func tutorialComposesAreUnpinned(_ rel: String) throws {
        var o = ReproduceOptions(); o.compose = Self.c("tutorial/" + rel)
        let r = try Reproduce.run(o)
        let s = r.check("reproduce.compose.unpinned")?.summary ?? ""
        #expect(F.status(r, "reproduce.compose.unpinned") == .fail)
        #expect(s.contains("dockerfile_inline") || s.contains("is not pinned by digest"), "\(s)")
    }

    /// Tutorial 07's inline Dockerfile: the Helios tarball is piped into tar with no checksum; apt unpinned.
    @Test func tutorial07InlineDockerfileIsLinted() throws {
        var o = ReproduceOptions(); o.compose = Self.c("tutorial/07-lightclient/docker-compose.yaml")
        let r = try Reproduce.run(o)
        let d = r.check("reproduce.dockerfile.download_checksum")?.summary ?? ""
        #expect(F.status(r, "reproduce.dockerfile.download_checksum") == .warn)
        #expect(d.contains("service 'app' dockerfile_inline:6: download piped into a shell/extractor"), "\(d)")
        #expect(!d.contains("dockerfile_inline:2"), "apt install curl is not a download: \(d)")
        #expect(F.status(r, "reproduce.dockerfile.apt_pinned") == .warn)
        #expect(F.status(r, "reproduce.dockerfile.from_digest") == .pass) // ubuntu:24.04@sha256:…
    }

    @Test func dockerSaveAndLayoutCompareByImageID() throws {
        var o = ReproduceOptions()
        o.oci = [Self.c("reproduce/ggcr-hello-world-v25.tar"), Self.c("reproduce/ggcr-test_index_one_image")]
        let r = try Reproduce.run(o)
        #expect(F.status(r, "reproduce.compare") == .fail)
        #expect(r.check("reproduce.compare")?.details["compared"]?.stringValue == "config digest (image ID)")
    }
}
