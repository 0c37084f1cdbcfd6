import ArgumentParser
import DevProofChecks
import DevProofCore

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Do these image archives hold the same image, is it the one built from source, and does the compose pin it? (tutorial 02)",
        discussion: """
        Streams OCI image archives, layouts and docker-save tars (nothing is extracted): blob digests, diff_ids, \
        image_digest (the manifest digest a registry pull uses) and image_hash (the archive file's sha256); explains \
        differences layer by layer and path by path. Checks: docs/checks.md; limits: docs/reproduce.md.
        """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "An OCI image archive (tar), an OCI layout directory or a docker-save tar (repeatable: all must hold the same image).")
    var oci: [String] = []
    @Option(help: "build-manifest.json (tutorial 02): its image_digest and image_hash must match the archives.")
    var manifest: String?
    @Option(help: "docker-compose.yaml: every service must be pinned as repo@sha256:<digest>, one of them to the built image.")
    var compose: String?
    @Option(name: .customLong("app-compose"), help: "dstack app-compose.json: its docker_compose_file is checked as --compose, and its raw-bytes hash is the compose_hash.")
    var appCompose: String?
    @Option(help: "The Dockerfile, linted for reproducibility (warnings); with --rebuild, the file to build.")
    var dockerfile: String?
    @Option(help: "os/arch[/variant] of the image to take from a multi-platform index.")
    var platform: String?
    @Flag(help: "Build --context twice with buildah (--timestamp SOURCE_DATE_EPOCH) and compare the results.")
    var rebuild = false
    @Option(help: "The build context directory for --rebuild.")
    var context: String?
    @Option(help: "buildah binary for --rebuild (default: from PATH).")
    var buildah: String?
    @Option(name: .customLong("from-attest"), help: "JSON of a passing `devproof attest --json`: its compose_hash must equal the --app-compose hash.")
    var fromAttest: String?
    @Option(name: .customLong("require-level"), help: "Fail below this level: none, loose or strict.")
    var requireLevel: String?

    func run() throws {
        CLI.run(common) {
            if common.now != nil { throw DevProofError.usage("--now is not used by reproduce (nothing here depends on time)") }
            var o = ReproduceOptions()
            o.oci = oci; o.manifest = manifest; o.compose = compose; o.appCompose = appCompose; o.dockerfile = dockerfile
            o.platform = platform; o.rebuild = rebuild; o.context = context; o.buildah = buildah; o.fromAttest = fromAttest
            if let l = requireLevel {
                guard let level = ReproLevel(rawValue: l) else { throw DevProofError.usage("--require-level '\(l)' is not none, loose or strict") }
                o.requireLevel = level
            }
            return try Reproduce.run(o)
        }
    }
}
