import DevProofCore
import Foundation

/// Where DCAP collateral comes from: a PCCS (Phala's public one by default) or Intel's PCS.
public struct PCCSEndpoint: Sendable, Equatable {
    public static let phalaURL = "https://pccs.phala.network"
    public static let intelURL = "https://api.trustedservices.intel.com"

    /// Base URL without a trailing `/` or `/{sgx,tdx}/certification/v4`.
    public let baseURL: String
    /// Intel PCS has no `rootcacrl` endpoint: the root CA CRL comes from the root's CRL distribution point.
    public let isIntelPCS: Bool

    /// `nil`/"phala" → Phala's PCCS, "intel" → Intel PCS, anything else must be an http(s) base URL.
    public init(_ spec: String?) throws {
        let s = (spec ?? "phala").trimmingCharacters(in: .whitespaces)
        switch s.lowercased() {
        case "", "phala": baseURL = PCCSEndpoint.phalaURL; isIntelPCS = false
        case "intel", "pcs": baseURL = PCCSEndpoint.intelURL; isIntelPCS = true
        default:
            let scheme = HTTPClient.scheme(of: s)
            guard scheme == "http" || scheme == "https", HTTPClient.host(of: s) != s, !HTTPClient.host(of: s).isEmpty else {
                throw DevProofError.usage("--pccs \(s): expected 'phala', 'intel' or an http(s):// base URL")
            }
            var b = s
            while b.hasSuffix("/") { b.removeLast() }
            for suffix in ["/sgx/certification/v4", "/tdx/certification/v4"] where b.hasSuffix(suffix) {
                b.removeLast(suffix.count)
            }
            while b.hasSuffix("/") { b.removeLast() }
            baseURL = b
            isIntelPCS = HTTPClient.host(of: b).lowercased() == "api.trustedservices.intel.com"
        }
    }

    public var name: String {
        if baseURL == PCCSEndpoint.phalaURL { return "Phala PCCS (\(baseURL))" }
        if isIntelPCS { return "Intel PCS (\(baseURL))" }
        return baseURL
    }

    /// PCCS/PCS v4 paths (as dcap-qvl uses them): TDX quotes use `tdx` for TCB info and QE identity
    /// and `sgx` for the PCK CRL and the root CA CRL.
    public func pckCRLURL(ca: PCKCAType) -> String { "\(baseURL)/sgx/certification/v4/pckcrl?ca=\(ca.rawValue)&encoding=der" }
    public func tcbInfoURL(tee: TEEType, fmspc: Bytes) -> String {
        "\(baseURL)/\(tee == .tdx ? "tdx" : "sgx")/certification/v4/tcb?fmspc=\(fmspc.hex.uppercased())"
    }
    public func qeIdentityURL(tee: TEEType) -> String {
        "\(baseURL)/\(tee == .tdx ? "tdx" : "sgx")/certification/v4/qe/identity?update=standard"
    }
    public var rootCACRLURL: String { "\(baseURL)/sgx/certification/v4/rootcacrl" }
}

/// Which Intel PCK CA issued the PCK certificate (the `ca=` parameter of the PCK CRL endpoint).
public enum PCKCAType: String, Sendable, Equatable {
    case processor, platform

    /// From the PCK leaf's issuer common name ("Intel SGX PCK Processor CA" / "… Platform CA").
    public static func of(pckLeaf: X509Certificate) throws -> PCKCAType {
        let cn = (pckLeaf.issuerCommonName ?? pckLeaf.issuer).lowercased()
        if cn.contains("processor") { return .processor }
        if cn.contains("platform") { return .platform }
        throw DevProofError.malformed("PCK certificate issuer '\(pckLeaf.issuer)' is neither the PCK Processor CA nor the PCK Platform CA")
    }
}

/// Fetches the collateral a quote needs (`QuoteCollateralV3`): PCK CRL, TCB info, QE identity, root CA CRL
/// and their issuer chains. Verification is not done here: `DCAPVerifier` checks everything fetched.
/// Network failures, HTTP errors and unusable answers are `DevProofError.unavailable` (inconclusive).
public struct CollateralFetcher: Sendable {
    public let endpoint: PCCSEndpoint
    public let http: HTTPClient
    /// Fall back to the trusted root's CRL distribution point (Intel) for the root CA CRL.
    public var followCRLDistributionPoint: Bool
    /// The root the collateral is verified against (`--root-ca`, else the pinned Intel root). Only ITS CRL
    /// distribution point is ever fetched: a PCCS cannot make devproof fetch a URL of its choosing by
    /// serving an issuer chain with another root.
    public var trustedRoot: X509Certificate?
    /// The client for the trusted root's CRL distribution point (redirects as the caller configured).
    let cdpHTTP: HTTPClient

    public init(endpoint: PCCSEndpoint, http: HTTPClient = HTTPClient(), followCRLDistributionPoint: Bool = true,
                trustedRoot: X509Certificate? = IntelRootCA.certificate) {
        // The PCCS chooses no URL: its redirects are not followed (only the trusted root's CRL distribution point,
        // fetched with the caller's client, may redirect).
        var pccs = http; pccs.followRedirects = false
        self.endpoint = endpoint; self.http = pccs; self.cdpHTTP = http; self.followCRLDistributionPoint = followCRLDistributionPoint
        self.trustedRoot = trustedRoot
    }

    /// What to fetch for a quote: its TEE type and, from the PCK leaf in the quote, FMSPC and CA type.
    public struct Target: Sendable, Equatable {
        public var tee: TEEType
        public var fmspc: Bytes
        public var ca: PCKCAType
        /// The quote's PCK chain (PEM), kept in the collateral as dcap-qvl does.
        public var pckChainPEM: String?
        public init(tee: TEEType, fmspc: Bytes, ca: PCKCAType, pckChainPEM: String? = nil) {
            self.tee = tee; self.fmspc = fmspc; self.ca = ca; self.pckChainPEM = pckChainPEM
        }
    }

    public static func target(for quote: Quote) throws -> Target {
        let sig = quote.signatureData
        guard sig.certType == 5 else {
            throw DevProofError.unavailable(
                "the quote carries certification data type \(sig.certType), not a PCK certificate chain (type 5): fetching the PCK certificate from a PCCS is not supported; pass --collateral with pck_certificate_chain")
        }
        let pem = String(decoding: sig.certData.prefix { $0 != 0 }, as: UTF8.self)
        let certs: [X509Certificate]
        do { certs = try X509Certificate.chain(pem: pem) } catch {
            throw DevProofError.malformed("quote: PCK certificate chain does not parse: \(error)")
        }
        guard let leaf = certs.first else { throw DevProofError.malformed("quote: empty PCK certificate chain") }
        let ext = try PCKExtension.parse(certificate: leaf)
        return Target(tee: quote.teeType, fmspc: ext.fmspc, ca: try PCKCAType.of(pckLeaf: leaf))
    }

    public func fetch(for quote: Quote) throws -> QuoteCollateral {
        try fetch(try CollateralFetcher.target(for: quote))
    }

    /// Fetches the PCK CRL first (a dead server fails once, not three times in parallel), then TCB info,
    /// QE identity and the PCCS root CA CRL concurrently (the root CA CRL falls back to the root's CRL
    /// distribution point).
    public func fetch(_ t: Target) throws -> QuoteCollateral {
        let results = FetchResults()
        results.set(pck: try fetchPCKCRL(ca: t.ca))
        let group = DispatchGroup()
        let jobs: [@Sendable () throws -> Void] = [
            { results.set(tcb: try self.fetchSigned(self.endpoint.tcbInfoURL(tee: t.tee, fmspc: t.fmspc), member: "tcbInfo",
                                                     headers: CollateralFetcher.tcbInfoChainHeaders, what: "TCB info")) },
            { results.set(qe: try self.fetchSigned(self.endpoint.qeIdentityURL(tee: t.tee), member: "enclaveIdentity",
                                                    headers: CollateralFetcher.qeIdentityChainHeaders,
                                                    what: "QE identity")) },
        ] + (endpoint.isIntelPCS ? [] : [
            // A failure here is not final: the root's CRL distribution point is the fallback.
            { results.set(root: Result { try self.fetchPCCSRootCACRL() }) },
        ])
        for job in jobs {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                do { try job() } catch { results.fail(error) }
            }
        }
        group.wait()
        let (pck, tcb, qe) = try results.get()
        let rootCRL: Bytes
        switch results.root {
        case .success(let crl)?: rootCRL = crl
        case .failure(let e)?: rootCRL = try fetchRootCACRLFromDistributionPoint(pccsError: e)
        case nil: rootCRL = try fetchRootCACRLFromDistributionPoint(pccsError: nil)
        }
        return QuoteCollateral(pckCRLIssuerChain: pck.chain, rootCACRL: rootCRL, pckCRL: pck.crl,
                               tcbInfoIssuerChain: tcb.chain, tcbInfo: tcb.body, tcbInfoSignature: tcb.signature,
                               qeIdentityIssuerChain: qe.chain, qeIdentity: qe.body, qeIdentitySignature: qe.signature,
                               pckCertificateChain: t.pckChainPEM)
    }

    // MARK: - The individual documents

    struct CRLDoc: Sendable { let crl: Bytes; let chain: String }
    struct SignedDoc: Sendable { let body: String; let signature: Bytes; let chain: String }

    func fetchPCKCRL(ca: PCKCAType) throws -> CRLDoc {
        let url = endpoint.pckCRLURL(ca: ca)
        let r = try http.get(url)
        let crl = try CollateralFetcher.decodeCRL(r.body, what: "PCK CRL from \(url)")
        let chain = try CollateralFetcher.issuerChain(r, CollateralFetcher.pckCRLChainHeaders, url: url)
        return CRLDoc(crl: crl, chain: chain)
    }

    func fetchSigned(_ url: String, member: String, headers: [String], what: String) throws -> SignedDoc {
        let r = try http.get(url)
        let (body, sig) = try CollateralFetcher.signedJSON(r.body, member: member, what: "\(what) from \(url)")
        return SignedDoc(body: body, signature: sig, chain: try CollateralFetcher.issuerChain(r, headers, url: url))
    }

    /// PCCS `rootcacrl` (hex text of the DER CRL).
    func fetchPCCSRootCACRL() throws -> Bytes {
        let r = try http.get(endpoint.rootCACRLURL)
        return try CollateralFetcher.decodeCRL(r.body, what: "root CA CRL from \(endpoint.rootCACRLURL)")
    }

    /// Intel PCS, or when the PCCS `rootcacrl` failed: the CRL distribution point of the TRUSTED root
    /// (Intel's `IntelSGXRootCA.der` for the pinned root), never of a certificate the server sent.
    func fetchRootCACRLFromDistributionPoint(pccsError: Error?) throws -> Bytes {
        guard followCRLDistributionPoint else {
            throw pccsError ?? DevProofError.unavailable("root CA CRL: no source (CRL distribution point disabled)")
        }
        guard let root = trustedRoot, let url = CollateralFetcher.crlDistributionPoints(root).first else {
            if let pccsError { throw pccsError }
            throw DevProofError.unavailable("root CA CRL: the trusted root CA names no CRL distribution point")
        }
        let r = try cdpHTTP.get(url)
        return try CollateralFetcher.decodeCRL(r.body, what: "root CA CRL from \(url)")
    }

    /// The header names PCS v4 / PCCS use for each issuer chain (also read from saved header dumps, `PCSCollateralFiles`).
    public static let tcbInfoChainHeaders = ["SGX-TCB-Info-Issuer-Chain", "TCB-Info-Issuer-Chain"]
    public static let qeIdentityChainHeaders = ["SGX-Enclave-Identity-Issuer-Chain", "Enclave-Identity-Issuer-Chain"]
    public static let pckCRLChainHeaders = ["SGX-PCK-CRL-Issuer-Chain"]

    static func issuerChain(_ r: HTTPResponse, _ names: [String], url: String) throws -> String {
        for n in names {
            if let v = r.header(n) {
                guard let decoded = v.removingPercentEncoding, decoded.contains("-----BEGIN CERTIFICATE-----") else {
                    throw DevProofError.unavailable("\(url): header \(n) is not a URL-encoded PEM certificate chain")
                }
                return decoded
            }
        }
        throw DevProofError.unavailable("\(url): response has no \(names.joined(separator: " / ")) header")
    }

    // MARK: - Pure decoding helpers (unit-tested)

    /// A CRL body as DER, whether the server sent DER, hex text or PEM.
    public static func decodeCRL(_ body: Bytes, what: String) throws -> Bytes {
        if body.first == 0x30 { return body }
        if PEM.looksLikePEM(body) {
            if let b = try? PEM.blocks(body).first(where: { $0.label == "X509 CRL" }) { return b.der }
            throw DevProofError.unavailable("\(what): PEM without an X509 CRL block")
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let der = try? Hex.decode(text), der.first == 0x30 { return der }
        throw DevProofError.unavailable("\(what): not a CRL (expected DER, hex or PEM; \(body.count) bytes)")
    }

    /// The exact bytes of the top-level `member` object (signatures cover them) and the hex `signature`.
    public static func signedJSON(_ body: Bytes, member: String, what: String) throws -> (String, Bytes) {
        let v: JSONValue
        do { v = try JSONParser.parse(body) } catch {
            throw DevProofError.unavailable("\(what): response is not JSON (\(error))")
        }
        guard let m = v.objectValue?.first(where: { $0.key == member }), let span = m.span,
              span.lowerBound >= 0, span.upperBound <= body.count, m.value.objectValue != nil else {
            throw DevProofError.unavailable("\(what): response has no '\(member)' object")
        }
        guard let sigHex = v["signature"]?.stringValue, let sig = try? Hex.decode(sigHex), sig.count == 64 else {
            throw DevProofError.unavailable("\(what): response has no 64-byte hex 'signature'")
        }
        return (String(decoding: body[span], as: UTF8.self), sig)
    }

    /// URIs of a certificate's CRL distribution points (extension 2.5.29.31).
    public static func crlDistributionPoints(_ cert: X509Certificate) -> [String] {
        guard let ext = cert.extension(oid: "2.5.29.31"), let nodes = try? DER.parseAll(ext.value) else { return [] }
        var out: [String] = []
        func walk(_ n: DERNode, depth: Int) {
            guard depth < 8 else { return }
            if n.tag == 0x86 { out.append(String(decoding: n.content, as: UTF8.self)); return }
            if n.tag & 0x20 != 0, let kids = try? n.children() { kids.forEach { walk($0, depth: depth + 1) } }
        }
        nodes.forEach { walk($0, depth: 0) }
        return out.filter { let s = HTTPClient.scheme(of: $0); return s == "http" || s == "https" }
    }
}

/// Results of the concurrent fetches.
private final class FetchResults: @unchecked Sendable {
    private let lock = NSLock()
    private var pck: CollateralFetcher.CRLDoc?
    private var tcb: CollateralFetcher.SignedDoc?
    private var qe: CollateralFetcher.SignedDoc?
    private var rootResult: Result<Bytes, Error>?
    private var errors: [Error] = []

    func set(root v: Result<Bytes, Error>) { lock.lock(); rootResult = v; lock.unlock() }
    var root: Result<Bytes, Error>? { lock.lock(); defer { lock.unlock() }; return rootResult }

    func set(pck v: CollateralFetcher.CRLDoc) { lock.lock(); pck = v; lock.unlock() }
    func set(tcb v: CollateralFetcher.SignedDoc) { lock.lock(); tcb = v; lock.unlock() }
    func set(qe v: CollateralFetcher.SignedDoc) { lock.lock(); qe = v; lock.unlock() }
    func fail(_ e: Error) { lock.lock(); errors.append(e); lock.unlock() }

    func get() throws -> (CollateralFetcher.CRLDoc, CollateralFetcher.SignedDoc, CollateralFetcher.SignedDoc) {
        lock.lock(); defer { lock.unlock() }
        // Usage errors (bad URL) first, then the first network/HTTP error.
        if let e = errors.first(where: { if case .usage? = $0 as? DevProofError { return true }; return false }) { throw e }
        if let e = errors.first { throw e }
        guard let pck, let tcb, let qe else { throw DevProofError.unavailable("collateral fetch incomplete") }
        return (pck, tcb, qe)
    }
}
