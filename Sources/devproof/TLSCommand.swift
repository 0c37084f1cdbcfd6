import ArgumentParser
import DevProofChecks
import DevProofCore

struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Verify that a TLS certificate is bound to an attestation (live endpoint or captured chain).",
        discussion: "Modes: --url https://HOST:PORT (handshake, then GET the attestation over the same connection) or --cert FILE (PEM chain). See docs/tls.md."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Live endpoint https://HOST[:PORT]: the presented chain is kept and the attestation fetched over the same connection.")
    var url: String?
    @Option(name: .customLong("attestation-path"), help: "Path of the attestation JSON on the endpoint (default /attestation; --url only).")
    var attestationPath: String?
    @Option(help: "Whole TLS exchange timeout in seconds (default 10; --url only).")
    var timeout: Double?
    @Option(help: "Captured certificate chain (PEM, leaf first; or one DER certificate).")
    var cert: String?
    @Option(name: .customLong("kms-root"), help: "Expected KMS root CA: certificate or public key (PEM/DER/hex). Wins over the measured key-provider id.")
    var kmsRoot: String?

    @OptionGroup var pipeline: AttestPipelineFlags

    func validate() throws {
        guard (url != nil) != (cert != nil) else { throw ValidationError("give exactly one of --url or --cert") }
        if url == nil {
            if attestationPath != nil { throw ValidationError("--attestation-path needs --url") }
            if timeout != nil { throw ValidationError("--timeout needs --url") }
        }
        if let t = timeout, !(t > 0 && t <= 600) { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        if let p = attestationPath, !p.hasPrefix("/") || p.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
            throw ValidationError("--attestation-path must start with '/' and contain no spaces")
        }
        if url != nil, common.offline { throw ValidationError("--url needs the network; --offline forbids it (use --cert with a captured chain)") }
    }

    func run() throws {
        CLI.run(common) {
            var a = AttestOptions(now: try common.resolvedNow())
            pipeline.apply(to: &a, offline: common.offline)
            let mode: TLSOptions.Mode
            if let url {
                let (h, p) = try TLSOptions.parseURL(url)
                mode = .url(host: h, port: p, attestationPath: attestationPath ?? "/attestation")
            } else {
                mode = .cert(path: cert!)
            }
            var o = TLSOptions(mode: mode, attest: a)
            o.kmsRootPath = kmsRoot
            if let timeout { o.timeout = timeout }
            return try TLS.run(o)
        }
    }
}
