import DevProofCore
import Dstack
import Foundation
import TDX

/// Everything `devproof tls` can be given. Plain values; the CLI maps flags onto it.
public struct TLSOptions: Sendable {
    public enum Mode: Sendable {
        /// Live endpoint: host, port, attestation path.
        case url(host: String, port: Int, attestationPath: String)
        /// Captured PEM (or DER) chain.
        case cert(path: String)
        /// Live dstack gateway: handshake, then GET /.dstack/acme-info over the same connection.
        case gateway(host: String, port: Int)
        /// Captured acme-info JSON, optionally with the captured presented chain.
        case acmeInfo(path: String, certPath: String?)
        /// dstack-ingress evidence directory, optionally with the captured presented chain.
        case ingress(dir: String, certPath: String?)
        /// Live dstack-ingress: the chain presented by https://HOST:PORT and its /evidences/ files.
        case ingressURL(host: String, port: Int)
    }
    /// Gateway modes: CAA records and CT export files.
    public var caaPath: String?
    public var ctLogPath: String?
    /// dig answer lines for `_dstack-app-address.<domain>` TXT (not the gateway modes).
    public var dnsTXTPath: String?
    public var mode: Mode
    public var kmsRootPath: String?
    /// Whole TLS exchange, seconds.
    public var timeout: Double = 10
    /// The attest pipeline's options (collateral, policy, opt-outs, --now) for the quote.
    public var attest: AttestOptions

    public init(mode: Mode, attest: AttestOptions) { self.mode = mode; self.attest = attest }

    public static let maxChainFileBytes = 1 << 20

    /// `https://HOST[:PORT][/]` → host, port. Anything else is a usage error.
    public static func parseURL(_ s: String) throws -> (host: String, port: Int) {
        guard s.lowercased().hasPrefix("https://") else { throw DevProofError.usage("--url must be https://HOST[:PORT] (got '\(s)')") }
        var rest = String(s.dropFirst(8))
        if rest.hasSuffix("/") { rest.removeLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("@"), !rest.isEmpty else {
            throw DevProofError.usage("--url takes only https://HOST[:PORT]; give the path with --attestation-path (got '\(s)')")
        }
        var host = rest, port = 443
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw DevProofError.usage("--url: unterminated IPv6 literal in '\(s)'") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if !tail.isEmpty {
                guard tail.hasPrefix(":"), let p = Int(tail.dropFirst()), (1...65535).contains(p) else { throw DevProofError.usage("--url: bad port in '\(s)'") }
                port = p
            }
        } else if let c = rest.lastIndex(of: ":") {
            guard let p = Int(rest[rest.index(after: c)...]), (1...65535).contains(p) else { throw DevProofError.usage("--url: bad port in '\(s)'") }
            host = String(rest[..<c]); port = p
        }
        guard !host.isEmpty else { throw DevProofError.usage("--url: no host in '\(s)'") }
        return (host, port)
    }
}

/// `devproof tls`: is the TLS certificate bound to an attestation (not to the operator)?
public enum TLS {
    public static func run(_ o: TLSOptions) throws -> Report {
        let kmsRef = try o.kmsRootPath.map { p -> (spki: Bytes, source: String) in
            (try loadKMSRoot(try InputFile.read(p, what: "--kms-root file"), path: p), "--kms-root \(p)")
        }
        let dnsTXT = try o.dnsTXTPath.map { (try AppAddressRecord.parse(try readBounded($0, what: "--dns-txt file", max: 1 << 20), name: $0), $0) }
        var r = try run(o, kmsRef)
        switch o.mode {
        case .gateway, .acmeInfo: break
        default: r.add(TLSDNS.txtCheck(r, dnsTXT))
        }
        return r
    }

    static func run(_ o: TLSOptions, _ kmsRef: (spki: Bytes, source: String)?) throws -> Report {
        var r = Report(command: "tls")
        switch o.mode {
        case .cert(let path):
            let bytes = try InputFile.read(path, what: "certificate file")
            guard bytes.count <= TLSOptions.maxChainFileBytes else {
                throw DevProofError.malformed("certificate file '\(path)' is larger than \(TLSOptions.maxChainFileBytes) bytes")
            }
            let chain = PEM.looksLikePEM(bytes) ? try RATLSChain.parsePEM(bytes) : try RATLSChain.fromDER([bytes])
            r.setFact("mode", .string("cert"))
            r.setFact("source", .string(path))
            try evaluate(&r, chain, found: try TLSAttestation.fromCertificates(chain, source: "certificate file"), served: false, kmsRef, o)
        case .url(let host, let port, let path):
            r.setFact("mode", .string("url"))
            r.setFact("endpoint", .string("\(host):\(port)"))
            let ex: TLSClient.Exchange
            do { ex = try TLSClient(timeout: o.timeout).exchange(host: host, port: port, get: path) } catch DevProofError.unavailable(let m) {
                r.add(.skip("tls.connect", "\(m) (bounded by --timeout \(fmt(o.timeout)) s): nothing was verified"))
                return r
            }
            r.add(.pass("tls.connect", "TLS handshake with \(host):\(port) (\(ex.peer.protocolVersion), \(ex.peer.cipher)): \(ex.peer.chainDER.count) certificate(s) presented; no trust decision by the TLS layer",
                        .obj([("protocol", .string(ex.peer.protocolVersion)), ("cipher", .string(ex.peer.cipher)),
                              ("chain_sha256", .strings(ex.peer.chainDER.map { Digest.sha256($0).hex }))])))
            let chain = try RATLSChain.fromDER(ex.peer.chainDER)
            let inCert = try TLSAttestation.fromCertificates(chain, source: "presented certificate")
            var found = inCert
            let resp = ex.response
            let d: JSONValue = .obj([("path", .string(path)), ("status", resp.map { .int($0.status) } ?? .null),
                                     ("bytes", resp.map { .int($0.body.count) } ?? .null), ("error", ex.responseError.map { .string($0) } ?? .null)])
            if let resp, resp.status == 200 {
                let served = try TLSAttestation.fromServed(resp.body, path: path)
                if found == nil { found = served } else { found?.claimedFingerprint = served.claimedFingerprint }
                r.add(.pass("tls.attestation", "GET \(path) answered over the same TLS connection (\(resp.body.count) bytes)\(inCert != nil ? "; the certificate's own RA-TLS evidence is what is verified" : "")", d))
            } else {
                let why = ex.responseError ?? "GET \(path) answered HTTP \(resp?.status ?? 0)"
                if inCert != nil {
                    r.add(.info("tls.attestation", "\(why); not needed: the presented certificate carries its own RA-TLS evidence", d))
                } else {
                    r.add(.skip("tls.attestation", "\(why): no attestation over the connection whose certificate was presented (a second connection could reach another server, so none is made)", d))
                }
            }
            try evaluate(&r, chain, found: found, served: inCert == nil, kmsRef, o)
        case .gateway(let host, let port):
            r.setFact("mode", .string("gateway"))
            r.setFact("endpoint", .string("\(host):\(port)"))
            let path = "/.dstack/acme-info"
            let ex: TLSClient.Exchange
            do { ex = try TLSClient(timeout: o.timeout).exchange(host: host, port: port, get: path) } catch DevProofError.unavailable(let m) {
                r.add(.skip("tls.connect", "\(m) (bounded by --timeout \(fmt(o.timeout)) s): nothing was verified"))
                return r
            }
            r.add(.pass("tls.connect", "TLS handshake with \(host):\(port) (\(ex.peer.protocolVersion)): \(ex.peer.chainDER.count) certificate(s) presented"))
            let chain = try RATLSChain.fromDER(ex.peer.chainDER)
            guard let resp = ex.response, resp.status == 200 else {
                r.add(.skip("tls.attestation", "\(ex.responseError ?? "GET \(path) answered HTTP \(ex.response?.status ?? 0)"): no acme-info over the connection whose certificate was presented"))
                return r
            }
            r.add(.pass("tls.attestation", "GET \(path) answered over the same TLS connection (\(resp.body.count) bytes)"))
            try TLSGateway.evaluate(&r, try gatewayInputs(try AcmeInfo.parse(resp.body, name: "GET \(path)"), chain, o), o)
        case .acmeInfo(let path, let certPath):
            r.setFact("mode", .string("acme-info"))
            let info = try AcmeInfo.parse(try readBounded(path, what: "--acme-info file"), name: path)
            let chain = try certPath.map { try RATLSChain.parsePEM(try readBounded($0, what: "certificate file")) }
            try TLSGateway.evaluate(&r, try gatewayInputs(info, chain, o), o)
        case .ingress(let dir, let certPath):
            let chain = try certPath.map { try RATLSChain.parsePEM(try readBounded($0, what: "certificate file")) }
            let caa = try o.caaPath.map { (try CAARecord.parse(try readBounded($0, what: "--caa file", max: 1 << 20), name: $0), $0) }
            try TLSIngress.evaluate(&r, dir: dir, presented: chain, caa: caa, o)
        case .ingressURL(let host, let port):
            r.setFact("endpoint", .string("\(host):\(port)"))
            let caa = try o.caaPath.map { (try CAARecord.parse(try readBounded($0, what: "--caa file", max: 1 << 20), name: $0), $0) }
            let path = "/evidences/sha256sum.txt"
            let ex: TLSClient.Exchange
            do { ex = try TLSClient(timeout: o.timeout).exchange(host: host, port: port, get: path) } catch DevProofError.unavailable(let m) {
                r.add(.skip("tls.connect", "\(m) (bounded by --timeout \(fmt(o.timeout)) s): nothing was verified"))
                return r
            }
            r.add(.pass("tls.connect", "TLS handshake with \(host):\(port) (\(ex.peer.protocolVersion)): \(ex.peer.chainDER.count) certificate(s) presented; no trust decision by the TLS layer",
                        .obj([("chain_sha256", .strings(ex.peer.chainDER.map { Digest.sha256($0).hex }))])))
            let chain = try RATLSChain.fromDER(ex.peer.chainDER)
            guard let resp = ex.response, resp.status == 200 else {
                r.add(.skip("tls.ingress.files", "\(ex.responseError ?? "GET \(path) answered HTTP \(ex.response?.status ?? 0)"): no dstack-ingress evidence at \(host)"))
                return r
            }
            try TLSIngress.evaluate(&r, source: .live(host: host, port: port, timeout: o.timeout, sums: resp.body), presented: chain, caa: caa, o)
        }
        return r
    }

    static func readBounded(_ path: String, what: String, max: Int = 32 << 20) throws -> Bytes {
        let b = try InputFile.read(path, what: what)
        guard b.count <= max else { throw DevProofError.malformed("\(what) '\(path)' is larger than \(max) bytes") }
        return b
    }

    static func gatewayInputs(_ info: AcmeInfo, _ chain: RATLSChain?, _ o: TLSOptions) throws -> TLSGateway.Inputs {
        var inp = TLSGateway.Inputs(info: info, presented: chain)
        if let p = o.caaPath { inp.caa = try CAARecord.parse(try readBounded(p, what: "--caa file", max: 1 << 20), name: p); inp.caaSource = p }
        if let p = o.ctLogPath { inp.ct = try CTExportEntry.parse(try readBounded(p, what: "--ct-log file"), name: p); inp.ctSource = p }
        return inp
    }

    static func fmt(_ t: Double) -> String { t == t.rounded() ? String(Int(t)) : String(t) }

    /// The chain checks, then the quote: completeness, binding to the presented leaf, the attest pipeline.
    static func evaluate(_ r: inout Report, _ chain: RATLSChain, found: TLSAttestation.Found?, served: Bool,
                         _ kmsRef: (spki: Bytes, source: String)?, _ o: TLSOptions) throws {
        r.setFact("leaf_sha256", .hex(Digest.sha256(chain.leaf.der)))
        r.setFact("leaf_spki_sha256", .hex(Digest.sha256(chain.leaf.spkiDER)))
        r.setFact("chain_shape", .string(chain.shape.rawValue))
        r.add(TLSChainChecks.signatures(chain))
        r.add(TLSChainChecks.profile(chain))
        r.add(TLSChainChecks.usage(chain))
        r.add(TLSChainChecks.validity(chain, now: o.attest.now))
        r.add(TLSSCT.check(chain, now: o.attest.now))
        r.add(TLSAttestation.fingerprintCheck(found, leaf: chain.leaf))

        var identity: AppIdentity?
        if let f = found {
            let (trunc, quote) = TLSAttestation.truncationCheck(f)
            r.add(trunc)
            if let quote {
                let (bind, profile) = TLSAttestation.bindingCheck(quote, leaf: chain.leaf, found: f)
                r.add(bind)
                r.setFact("binding_profile", .string(profile.rawValue))
                var ev = f.evidence
                if ev.kind != .ratlsCert, ev.certs.isEmpty == false, !bytesEqual(ev.certs[0].der, chain.leaf.der) {
                    // An Info response's own app_cert is not the presented certificate: only the presented one counts.
                    ev.certs = []
                }
                let sub = try AttestEvidence.verify(ev, quote: quote, bindings: [.raw(profile.expected(chain.leaf))], options: o.attest)
                merge(&r, sub)
                identity = ev.primaryLog.map { AppIdentity($0.log) }
            } else {
                r.add(.skip("tls.binding", "no verifiable quote: the certificate is not bound to any attestation"))
            }
        } else {
            r.add(.notApplicable("tls.quote.truncated", "no quote served or embedded"))
            r.add(.skip("tls.binding", "no attestation: the certificate carries no dstack evidence (OIDs 1.3.6.1.4.1.62397.1.1/.1.8)\(served ? " and the endpoint served none" : ""); nothing binds it to a TEE"))
        }
        r.add(TLSChainChecks.appId(chain, identity))
        r.add(TLSChainChecks.kmsRoot(chain, identity, reference: kmsRef))
        r.add(TLSChainChecks.keyOrigin(chain, identity, servedAttestation: served))
    }

    /// The attest report's checks, banners and facts, folded into the tls report (facts keep their names).
    static func merge(_ r: inout Report, _ sub: Report) {
        r.add(sub.checks)
        r.banners += sub.banners
        for f in sub.facts where r.fact(f.key) == nil { r.setFact(f.key, f.value) }
    }

    /// `--kms-root`: a certificate (PEM/DER) or a SubjectPublicKeyInfo (PEM PUBLIC KEY, DER, or hex).
    static func loadKMSRoot(_ b: Bytes, path: String) throws -> Bytes {
        if PEM.looksLikePEM(b) {
            let blocks = try PEM.blocks(b)
            if let c = blocks.first(where: { $0.label == "CERTIFICATE" }) { return try X509Certificate(der: c.der).spkiDER }
            if let k = blocks.first(where: { $0.label == "PUBLIC KEY" }) { return k.der }
            throw DevProofError.malformed("--kms-root '\(path)': no CERTIFICATE or PUBLIC KEY block")
        }
        if let t = String(validating: b, as: UTF8.self), Hex.isHex(t) { return try Hex.decode(t) }
        if let c = try? X509Certificate(der: b) { return c.spkiDER }
        guard (try? DER.parse(b))?.tag == DERNode.sequence else {
            throw DevProofError.malformed("--kms-root '\(path)' is neither a certificate nor a public key (PEM, DER or hex)")
        }
        return b
    }
}
