import CZstd
import DevProofCore
import Foundation
import OCI
import Testing
import TestSupport

/// Hostile archives: each is refused with exit-2 input errors naming the member, or a structure problem
/// naming the blob; nothing is extracted (the scanner never writes).
@Suite("oci: malformed archives")
struct OCIMalformedTests {
    static func writeTar(_ build: (inout TarWriter) -> Void) throws -> String {
        var w = TarWriter()
        build(&w)
        let p = TestPaths.tempDir("oci-bad").appendingPathComponent("a.tar").path
        try Data(w.bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    static func malformedMessage(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let DevProofError.malformed(m) { return m } catch { return "other error: \(error)" }
    }

    @Test func pathTraversalIsRefused() throws {
        let p = try Self.writeTar { $0.add("blobs/../../etc/passwd", Array("x".utf8)); $0.finish() }
        #expect(Self.malformedMessage { _ = try ArchiveScanner.scan(p) }?.contains("'blobs/../../etc/passwd' escapes the archive") == true)
    }

    @Test func absoluteNameIsRefused() throws {
        let p = try Self.writeTar { $0.add("/index.json", Array("{}".utf8)); $0.finish() }
        #expect(Self.malformedMessage { _ = try ArchiveScanner.scan(p) }?.contains("'/index.json' has an absolute name") == true)
    }

    @Test func symlinkIsRefused() throws {
        let p = try Self.writeTar { $0.add("index.json", [], type: UInt8(ascii: "2"), link: "/etc/passwd"); $0.finish() }
        #expect(Self.malformedMessage { _ = try ArchiveScanner.scan(p) }?.contains("'index.json' is a symlink to '/etc/passwd'") == true)
    }

    @Test func duplicateEntryIsRefused() throws {
        let p = try Self.writeTar { $0.add("index.json", Array("{}".utf8)); $0.add("./index.json", Array("[]".utf8)); $0.finish() }
        #expect(Self.malformedMessage { _ = try ArchiveScanner.scan(p) }?.contains("'index.json' appears twice") == true)
    }

    @Test func declaredSizeLargerThanFile() throws {
        let p = try Self.writeTar { $0.add("blobs/sha256/aa", Array("short".utf8), declaredSize: 1 << 30) }
        #expect(Self.malformedMessage { _ = try ArchiveScanner.scan(p) }?.contains("'blobs/sha256/aa' is truncated") == true)
    }

    @Test func badHeaderChecksum() throws {
        var w = TarWriter(); w.add("index.json", Array("{}".utf8)); w.bytes[0] = UInt8(ascii: "j"); w.finish()
        let p = TestPaths.tempDir("oci-bad").appendingPathComponent("c.tar").path
        try Data(w.bytes).write(to: URL(fileURLWithPath: p))
        #expect(Self.malformedMessage { _ = try ArchiveScanner.scan(p) }?.contains("bad tar header checksum at offset 0") == true)
    }

    static let smallLimits: ScanLimits = {
        var l = ScanLimits(); l.expansion = ExpansionLimit(floor: 1 << 20, maxRatio: 100, absolute: 1 << 30); return l
    }()

    @Test func gzipBombIsRefusedByName() throws {
        let dir = TestPaths.tempDir("oci-bomb")
        let gz = dir.appendingPathComponent("bomb.gz").path
        let r = try Run.process("/bin/sh", ["-c", "head -c 33554432 /dev/zero | gzip -c > '\(gz)'"])
        #expect(r.status == 0)
        let bomb = Array(try Data(contentsOf: URL(fileURLWithPath: gz)))
        let p = try Self.writeTar { $0.add("blobs/sha256/bomb", bomb); $0.finish() }
        let m = Self.malformedMessage { _ = try ArchiveScanner.scan(p, limits: Self.smallLimits) }
        #expect(m?.contains("member 'blobs/sha256/bomb': gzip expands to more than the bound") == true, "\(m ?? "no error")")
    }

    @Test func zstdLayerAndZstdBomb() throws {
        func zstd(_ input: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
            let n = out.withUnsafeMutableBytes { o in input.withUnsafeBytes { i in ZSTD_compress(o.baseAddress, o.count, i.baseAddress, i.count, 3) } }
            return Array(out.prefix(n))
        }
        let content = Array("layer content\n".utf8)
        let small = try Self.writeTar { $0.add("blobs/sha256/z", zstd(content)); $0.finish() }
        let m = try #require(try ArchiveScanner.scan(small).member("blobs/sha256/z"))
        #expect(m.compression == .zstd)
        #expect(m.uncompressedSHA256 == Digest.sha256(content))
        let bomb = try Self.writeTar { $0.add("blobs/sha256/zb", zstd([UInt8](repeating: 0, count: 16 << 20))); $0.finish() }
        let e = Self.malformedMessage { _ = try ArchiveScanner.scan(bomb, limits: Self.smallLimits) }
        #expect(e?.contains("member 'blobs/sha256/zb': zstd expands to more than the bound") == true, "\(e ?? "no error")")
    }

    /// An OCI layout directory written by the test: index → manifest → config (+ no layers).
    static func layout(manifestOverride: ((String) -> String)? = nil, indexJSON: ((String, Int) -> String)? = nil, dropConfig: Bool = false) throws -> String {
        let dir = TestPaths.tempDir("oci-layout")
        let blobs = dir.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        func put(_ s: String) throws -> (String, Int) {
            let b = Array(s.utf8); let h = Digest.sha256(b).hex
            try Data(b).write(to: blobs.appendingPathComponent(h)); return ("sha256:" + h, b.count)
        }
        let config = #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
        let (cd, cs) = try put(config)
        if dropConfig { try FileManager.default.removeItem(at: blobs.appendingPathComponent(String(cd.dropFirst(7)))) }
        var manifest = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(cd)","size":\#(cs)},"layers":[]}"#
        if let f = manifestOverride { manifest = f(manifest) }
        let (md, ms) = try put(manifest)
        let index = indexJSON?(md, ms) ?? #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(md)","size":\#(ms)}]}"#
        try Data(index.utf8).write(to: dir.appendingPathComponent("index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: dir.appendingPathComponent("oci-layout"))
        return dir.path
    }

    @Test func wellFormedLayoutPasses() throws {
        let img = try ImageResolver.resolve(try ArchiveScanner.scan(try Self.layout()), platform: nil)
        #expect(img.problems.isEmpty, "\(img.problems)")
        #expect(img.config != nil)
    }

    @Test func missingBlobIsAProblem() throws {
        let img = try ImageResolver.resolve(try ArchiveScanner.scan(try Self.layout(dropConfig: true)), platform: nil)
        #expect(img.problems.contains { $0.hasPrefix("config sha256:") && $0.contains("blob missing from the archive") }, "\(img.problems)")
    }

    @Test func digestMismatchIsAProblem() throws {
        let dir = try Self.layout()
        // Replace the manifest blob's content, keeping its name.
        let idx = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/index.json"))))
        let md = try #require(idx["manifests"]?.arrayValue?.first?["digest"]?.stringValue)
        let path = dir + "/blobs/sha256/" + md.dropFirst(7)
        var b = Array(try Data(contentsOf: URL(fileURLWithPath: path))); b.insert(UInt8(ascii: " "), at: 1)
        try Data(b).write(to: URL(fileURLWithPath: path))
        let img = try ImageResolver.resolve(try ArchiveScanner.scan(dir), platform: nil)
        #expect(img.problems.contains { $0.hasPrefix("manifest blobs/sha256/") && $0.contains("not the descriptor's digest") }, "\(img.problems)")
        #expect(img.manifestDigest != md) // the digest reported is the content's, never the claim
    }

    /// Blobs are content-addressed, so an index can only "point to itself" through a blob whose content is
    /// not its name: index.json → B, and B's bytes say "go to B". The walk never follows unverified bytes
    /// (and refuses a digest it already visits): exit 2 naming the blob.
    @Test func indexPointingToItselfIsRefused() throws {
        let dir = TestPaths.tempDir("oci-cycle")
        let blobs = dir.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let ib = Array(#"{"schemaVersion":2,"manifests":[]}"#.utf8); let hb = Digest.sha256(ib).hex
        let ref = #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:\#(hb)","size":\#(ib.count)}]}"#
        try Data(ref.utf8).write(to: blobs.appendingPathComponent(hb))
        try Data(ref.utf8).write(to: dir.appendingPathComponent("index.json"))
        let m = Self.malformedMessage { _ = try ImageResolver.resolve(try ArchiveScanner.scan(dir.path), platform: nil) }
        #expect(m?.contains("leads to no image manifest") == true && m?.contains("blobs/sha256/\(hb)") == true, "\(m ?? "no error")")
    }

    @Test func nestedIndexResolves() throws {
        // index.json → nested index blob → the manifest (as `docker buildx --output type=oci` writes it).
        var nestedDigest = ""
        let dir = try Self.layout(indexJSON: { md, ms in
            let nested = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(md)","size":\#(ms),"platform":{"os":"linux","architecture":"amd64"}}]}"#
            let b = Array(nested.utf8); let h = Digest.sha256(b).hex
            nestedDigest = "sha256:" + h
            return #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:\#(h)","size":\#(b.count),"_":"\#(nested.replacingOccurrences(of: "\"", with: "'"))"}]}"#
        })
        // Write the nested index blob the closure described.
        let idx = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/index.json"))))
        let nested = try #require(idx["manifests"]?.arrayValue?.first?["_"]?.stringValue).replacingOccurrences(of: "'", with: "\"")
        try Data(nested.utf8).write(to: URL(fileURLWithPath: dir + "/blobs/sha256/" + nestedDigest.dropFirst(7)))
        let img = try ImageResolver.resolve(try ArchiveScanner.scan(dir), platform: nil)
        #expect(img.problems.isEmpty, "\(img.problems)")
        #expect(img.path == ["index.json", nestedDigest])
        #expect(img.platform?.description == "linux/amd64")
    }

    @Test func multiPlatformNeedsPlatform() throws {
        let dir = try Self.layout(indexJSON: { md, ms in
            #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(md)","size":\#(ms),"platform":{"os":"linux","architecture":"amd64"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(md)","size":\#(ms),"platform":{"os":"linux","architecture":"arm64"}}]}"#
        })
        let scan = try ArchiveScanner.scan(dir)
        do { _ = try ImageResolver.resolve(scan, platform: nil); Issue.record("no error") } catch let DevProofError.usage(m) {
            #expect(m.contains("lists 2 images; choose one with --platform") && m.contains("linux/arm64"), "\(m)")
        }
        let img = try ImageResolver.resolve(scan, platform: try Platform.parse("linux/arm64"))
        #expect(img.platform?.description == "linux/arm64")
        #expect(throws: DevProofError.self) { try ImageResolver.resolve(scan, platform: try Platform.parse("linux/s390x")) }
    }
}
