import Foundation

/// Real OCI archives for tests: buildah (vfs storage, chroot isolation, FROM scratch, no network) in a
/// private root under a temp dir, so parallel tests never share storage. skopeo is the digest oracle.
public enum OCIBuild {
    public static func tool(_ name: String) -> String? {
        for d in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(d)/\(name)") { return "\(d)/\(name)" }
        return nil
    }
    /// Tests that need a builder are disabled with this reason when buildah/skopeo are missing
    /// (`make test` installs both, so CI runs them).
    public static var available: Bool { tool("buildah") != nil && tool("skopeo") != nil && getuid() == 0 }

    /// Writes `files` (relative path → content) plus a Containerfile `FROM scratch` + `COPY . /app/`,
    /// builds it with `--timestamp 0` and pushes it to `<dir>/<name>.tar`. Returns the archive path.
    public static func build(_ files: [String: String], in dir: URL, name: String, containerfile: String? = nil) throws -> String {
        let ctx = dir.appendingPathComponent("ctx-\(name)")
        try FileManager.default.createDirectory(at: ctx, withIntermediateDirectories: true)
        for (p, c) in files {
            let u = ctx.appendingPathComponent(p)
            try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(c.utf8).write(to: u)
        }
        try Data((containerfile ?? "FROM scratch\nCOPY . /app/\n").utf8).write(to: ctx.appendingPathComponent("Containerfile"))
        guard let buildah = tool("buildah") else { throw TestSupportError("buildah not installed") }
        let store = ["--root", dir.appendingPathComponent("root").path, "--runroot", dir.appendingPathComponent("run").path, "--storage-driver", "vfs"]
        let tag = "localhost/devproof-test-\(name)"
        let b = try Run.process(buildah, store + ["build", "--isolation", "chroot", "--timestamp", "0", "--layers=false", "-q", "-t", tag, ctx.path], timeout: 300)
        guard b.status == 0 else { throw TestSupportError("buildah build: \(b.stderr)") }
        let out = dir.appendingPathComponent("\(name).tar").path
        let p = try Run.process(buildah, store + ["push", "-q", tag, "oci-archive:\(out)"], timeout: 300)
        guard p.status == 0 else { throw TestSupportError("buildah push: \(p.stderr)") }
        return out
    }

    /// `skopeo inspect oci-archive:FILE` → .Digest (the independent oracle for image_digest).
    public static func skopeoDigest(_ archive: String) throws -> String {
        guard let skopeo = tool("skopeo") else { throw TestSupportError("skopeo not installed") }
        let r = try Run.process(skopeo, ["inspect", "oci-archive:\(archive)"], timeout: 120)
        guard r.status == 0, let range = r.stdout.range(of: #""Digest": "sha256:[0-9a-f]{64}""#, options: .regularExpression) else {
            throw TestSupportError("skopeo inspect: \(r.stderr)")
        }
        return String(r.stdout[range].dropFirst(11).dropLast())
    }
}

/// A minimal ustar writer for malformed-archive tests (names, types and sizes the test chooses).
public struct TarWriter {
    public var bytes: [UInt8] = []
    public init() {}

    public mutating func add(_ name: String, _ content: [UInt8], type: UInt8 = UInt8(ascii: "0"), link: String = "", declaredSize: Int? = nil) {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ off: Int, _ len: Int) { for (i, b) in s.utf8.prefix(len).enumerated() { h[off + i] = b } }
        func octal(_ v: Int, _ off: Int, _ len: Int) { put(String(repeating: "0", count: max(0, len - 1 - String(v, radix: 8).count)) + String(v, radix: 8), off, len - 1) }
        put(name, 0, 100); octal(0o644, 100, 8); octal(0, 108, 8); octal(0, 116, 8)
        octal(declaredSize ?? content.count, 124, 12); octal(0, 136, 12)
        h[156] = type; put(link, 157, 100); put("ustar", 257, 6); h[262] = 0; put("00", 263, 2)
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8), 148, 6); h[154] = 0
        bytes += h + content
        if content.count % 512 != 0 { bytes += [UInt8](repeating: 0, count: 512 - content.count % 512) }
    }

    public mutating func finish() { bytes += [UInt8](repeating: 0, count: 1024) }
}
