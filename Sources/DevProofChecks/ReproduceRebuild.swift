import DevProofCore
import Foundation
import OCI

/// `--rebuild`: builds the context twice with buildah (`--timestamp SOURCE_DATE_EPOCH`, vfs storage and
/// chroot isolation in a private temp root), exports OCI archives and hands them to the comparison.
/// No builder → skip with the reason (never pass).
enum ReproduceRebuild {
    struct Outcome {
        var images: [ReproduceImage] = []
        var check: Check
    }

    static func findBuildah(_ override: String?) -> String? {
        if let o = override { return FileManager.default.isExecutableFile(atPath: o) ? o : nil }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/buildah"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func run(context: String, dockerfile: String?, epoch: String, platform: Platform?, buildah: String?, limits: ScanLimits) throws -> Outcome {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: context, isDirectory: &isDir), isDir.boolValue else {
            throw DevProofError.unreadable("--context '\(context)' is not a directory")
        }
        guard let bin = findBuildah(buildah) else {
            return Outcome(check: .skip("reproduce.rebuild", "no builder: buildah is not installed (docker buildx is not driven yet); nothing was rebuilt"))
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("devproof-rebuild-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let store = ["--root", tmp + "/root", "--runroot", tmp + "/run", "--storage-driver", "vfs"]
        var out = Outcome(check: .skip("reproduce.rebuild", "not run"))
        for n in 1...2 {
            let tag = "localhost/devproof-rebuild-\(n)"
            var args = store + ["build", "--isolation", "chroot", "--timestamp", epoch, "--build-arg", "SOURCE_DATE_EPOCH=\(epoch)",
                                "--no-cache", "--layers=false", "-q", "-t", tag]
            if let f = dockerfile { args += ["-f", f] }
            if let p = platform { args += ["--platform", p.description] }
            args.append(context)
            let b = try runTool(bin, args)
            guard b.status == 0 else {
                return Outcome(check: .skip("reproduce.rebuild", "buildah build #\(n) failed (exit \(b.status)): \(lastLine(b.err))"))
            }
            let archive = "\(tmp)/rebuild-\(n).tar"
            let p = try runTool(bin, store + ["push", "-q", tag, "oci-archive:\(archive)"])
            guard p.status == 0 else {
                return Outcome(check: .skip("reproduce.rebuild", "buildah push #\(n) failed (exit \(p.status)): \(lastLine(p.err))"))
            }
            let scan = try ArchiveScanner.scan(archive, limits: limits)
            let img = try ImageResolver.resolve(scan, platform: platform)
            out.images.append(ReproduceImage(label: "rebuild #\(n)", scan: scan, image: img))
        }
        let d = out.images.map { $0.image.manifestDigest }
        if let a = d[0], d[1] == a {
            out.check = .pass("reproduce.rebuild", "two buildah builds of \(context) (--timestamp \(epoch)) give the same image digest \(a)")
        } else {
            out.check = .fail("reproduce.rebuild", "two buildah builds of \(context) give different images: \(d.map { $0 ?? "unknown" }.joined(separator: " ≠ ")) (see reproduce.compare)")
        }
        return out
    }

    static func lastLine(_ s: String) -> String {
        s.split(separator: "\n").last.map(String.init) ?? "(no output)"
    }

    struct ToolResult { var status: Int32; var err: String }

    /// Runs the builder with stdout discarded and stderr kept (its last line explains a failure).
    static func runTool(_ exe: String, _ args: [String]) throws -> ToolResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw DevProofError.unavailable("cannot start \(exe): \(error)") }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return ToolResult(status: p.terminationStatus, err: String(decoding: data.suffix(4096), as: UTF8.self))
    }
}
