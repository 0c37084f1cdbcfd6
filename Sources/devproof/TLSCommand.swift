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
    @Option(help: "Live dstack gateway https://HOST[:PORT]: its certificate, and /.dstack/acme-info over the same connection.")
    var gateway: String?
    @Option(name: .customLong("acme-info"), help: "Captured dstack gateway /.dstack/acme-info JSON (with --cert: the chain it presented).")
    var acmeInfo: String?
    @Option(name: .customLong("ingress-evidence"), help: "dstack-ingress evidence: https://DOMAIN[:PORT] (live: its presented chain and /evidences/ files), or a directory of the downloaded files (with --cert: the chain it presented).")
    var ingressEvidence: String?
    @Option(help: "CAA records of the domain (dig CAA answer lines or 'FLAGS TAG \"VALUE\"'; gateway modes).")
    var caa: String?
    @Option(name: .customLong("ct-log"), help: "CT export for the domain: crt.sh JSON rows, each with 'certificate' (base64 DER/PEM; gateway modes).")
    var ctLog: String?
    @Option(name: .customLong("dns-txt"), help: "The domain's _dstack-app-address TXT record (dig answer lines or '\"APPID:PORT\"'); compared with the attested app id (--url, --cert, --ingress-evidence).")
    var dnsTXT: String?
    @Option(name: .customLong("kms-root"), help: "Expected KMS root CA: certificate or public key (PEM/DER/hex). Wins over the measured key-provider id.")
    var kmsRoot: String?

    @OptionGroup var pipeline: AttestPipelineFlags

    func validate() throws {
        let withCert = acmeInfo != nil || ingressEvidence != nil
        let modes = [url != nil, gateway != nil, acmeInfo != nil, ingressEvidence != nil, cert != nil && !withCert].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give exactly one of --url, --cert, --gateway, --acme-info or --ingress-evidence (with the last two, --cert is the presented chain)") }
        if gateway == nil, !withCert {
            if caa != nil { throw ValidationError("--caa needs --gateway, --acme-info or --ingress-evidence") }
        }
        if ctLog != nil, gateway == nil, acmeInfo == nil { throw ValidationError("--ct-log needs --gateway or --acme-info") }
        if dnsTXT != nil, gateway != nil || acmeInfo != nil { throw ValidationError("--dns-txt applies to an app's domain (--url, --cert, --ingress-evidence), not to the gateway's own") }
        if kmsRoot != nil, gateway != nil || withCert { throw ValidationError("--kms-root applies to RA-TLS chains (--url/--cert), not to gateway/ingress modes") }
        if let d = ingressEvidence, d.lowercased().hasPrefix("http") {
            if cert != nil { throw ValidationError("--ingress-evidence URL: the presented chain comes from the live handshake; --cert is for an evidence directory") }
            if common.offline { throw ValidationError("--ingress-evidence URL needs the network; --offline forbids it (give the downloaded directory)") }
        }
        if url == nil, gateway == nil {
            if attestationPath != nil { throw ValidationError("--attestation-path needs --url") }
            if timeout != nil, !(ingressEvidence?.lowercased().hasPrefix("http") ?? false) { throw ValidationError("--timeout needs --url, --gateway or --ingress-evidence URL") }
        }
        if let t = timeout, !(t > 0 && t <= 600) { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        if let p = attestationPath, !p.hasPrefix("/") || p.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
            throw ValidationError("--attestation-path must start with '/' and contain no spaces")
        }
        if url != nil || gateway != nil, common.offline { throw ValidationError("--url needs the network; --offline forbids it (use --cert with a captured chain)") }
    }

    func run() throws {
        CLI.run(common) {
            var a = AttestOptions(now: try common.resolvedNow())
            pipeline.apply(to: &a, offline: common.offline)
            let mode: TLSOptions.Mode
            if let url {
                let (h, p) = try TLSOptions.parseURL(url)
                mode = .url(host: h, port: p, attestationPath: attestationPath ?? "/attestation")
            } else if let gateway {
                if attestationPath != nil { throw DevProofError.usage("--attestation-path: the gateway's evidence is always /.dstack/acme-info") }
                let (h, p) = try TLSOptions.parseURL(gateway)
                mode = .gateway(host: h, port: p)
            } else if let ingressEvidence, ingressEvidence.lowercased().hasPrefix("http") {
                let (h, p) = try TLSOptions.parseURL(ingressEvidence.hasSuffix("/evidences/") ? String(ingressEvidence.dropLast("evidences/".count)) : ingressEvidence)
                mode = .ingressURL(host: h, port: p)
            } else if let ingressEvidence {
                mode = .ingress(dir: ingressEvidence, certPath: cert)
            } else if let acmeInfo {
                mode = .acmeInfo(path: acmeInfo, certPath: cert)
            } else {
                mode = .cert(path: cert!)
            }
            var o = TLSOptions(mode: mode, attest: a)
            o.kmsRootPath = kmsRoot; o.caaPath = caa; o.ctLogPath = ctLog; o.dnsTXTPath = dnsTXT
            if let timeout { o.timeout = timeout }
            return try TLS.run(o)
        }
    }
}
