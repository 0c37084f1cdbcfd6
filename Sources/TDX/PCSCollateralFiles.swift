import DevProofCore
import Foundation

/// DCAP collateral as raw Intel PCS / PCCS v4 responses saved in a directory (`--collateral DIR`), the other
/// form users have besides dcap-qvl's QuoteCollateralV3 JSON. File names follow the PCS v4 endpoint names:
///
/// | file | PCS v4 endpoint | body | issuer chain |
/// |---|---|---|---|
/// | `tcbinfo.json` | `{sgx,tdx}/certification/v4/tcb?fmspc=…` | `{"tcbInfo":{…},"signature":"hex"}` | header `TCB-Info-Issuer-Chain` (TDX) / `SGX-TCB-Info-Issuer-Chain` |
/// | `qeidentity.json` | `{sgx,tdx}/certification/v4/qe/identity` | `{"enclaveIdentity":{…},"signature":"hex"}` | header `SGX-Enclave-Identity-Issuer-Chain` |
/// | `pckcrl.der` / `pckcrl.pem` / `pckcrl` | `sgx/certification/v4/pckcrl?ca=…` | CRL (DER, PEM or hex) | header `SGX-PCK-CRL-Issuer-Chain` |
/// | `rootcacrl.der` / `rootcacrl.pem` / `rootcacrl` | PCCS `rootcacrl`, or the root's CRL distribution point | CRL (DER, PEM or hex) | none: the root signs it |
///
/// Each issuer chain sits beside its body as `<stem>.headers` (the header dump of `curl -D <stem>.headers`; the
/// header value is URL-encoded PEM) or `<stem>.issuer-chain.pem` (plain PEM), never both. Optional
/// `pckcert.pem`: a PCK certificate chain used instead of the quote's (as QuoteCollateralV3's
/// `pck_certificate_chain`). Any other file in the directory is refused (exit 2), so nothing given is silently unused.
///
/// Parsing reuses the live fetcher's decoders (`CollateralFetcher.signedJSON` keeps the exact signed bytes of
/// `tcbInfo` / `enclaveIdentity` from the body, `decodeCRL`, `issuerChain`): the same responses, read from disk.
/// A file of the wrong shape is `DevProofError.malformed` naming it (exit 2); whether the documents VERIFY (signatures,
/// chains to the trusted root, CRLs, dates) is decided later by `VerifiedCollateral`, exactly as for the JSON form.
public enum PCSCollateralFiles {
    /// The body files and the names each may have.
    static let tcbInfoNames = ["tcbinfo.json"]
    static let qeIdentityNames = ["qeidentity.json"]
    static let pckCRLNames = ["pckcrl.der", "pckcrl.pem", "pckcrl"]
    static let rootCRLNames = ["rootcacrl.der", "rootcacrl.pem", "rootcacrl"]
    static let pckCertName = "pckcert.pem"
    /// Bound on the directory's entries (a real one holds at most 10 files).
    static let maxEntries = 32

    /// One line naming every expected file, for errors.
    public static let expectedShape =
        "a directory of Intel PCS responses: tcbinfo.json + qeidentity.json (response bodies), pckcrl.der + rootcacrl.der (DER, PEM or hex), each issuer chain beside its body as <stem>.headers (curl -D) or <stem>.issuer-chain.pem (stems tcbinfo, qeidentity, pckcrl)"

    public static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    public static func load(directory dir: String) throws -> QuoteCollateral {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: dir).sorted() } catch {
            throw DevProofError.unreadable("cannot read collateral directory '\(dir)': \(error.localizedDescription)")
        }
        if entries.count > maxEntries {
            throw DevProofError.malformed("collateral directory '\(dir)' has \(entries.count) entries (more than \(maxEntries)); expected \(expectedShape)")
        }
        let stems = ["tcbinfo", "qeidentity", "pckcrl"]
        var known = Set(tcbInfoNames + qeIdentityNames + pckCRLNames + rootCRLNames + [pckCertName])
        for s in stems { known.insert("\(s).headers"); known.insert("\(s).issuer-chain.pem") }
        if let extra = entries.first(where: { !known.contains($0) }) {
            throw DevProofError.malformed("collateral directory '\(dir)': unexpected file '\(extra)'; expected \(expectedShape)")
        }
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        func one(_ names: [String], _ what: String) throws -> String {
            let present = names.filter { entries.contains($0) }
            guard let first = present.first else {
                throw DevProofError.unreadable("collateral directory '\(dir)': no \(what) file (\(names.joined(separator: " or "))); expected \(expectedShape)")
            }
            guard present.count == 1 else {
                throw DevProofError.malformed("collateral directory '\(dir)': both \(present.joined(separator: " and ")) for the \(what); keep one")
            }
            return path(first)
        }
        func read(_ p: String, _ what: String) throws -> Bytes {
            let b = try InputFile.read(p, what: what, limit: InputFile.Limit.config)
            guard !b.isEmpty else { throw DevProofError.malformed("\(what) '\(p)' is empty") }
            return b
        }
        /// `malformed` naming the file for the fetcher's decoders' `unavailable` (a bad file is an input error, not a network one).
        func asInput<T>(_ p: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as DevProofError {
                if case .unavailable(let m) = e { throw DevProofError.malformed("collateral file '\(p)': \(m)") }
                throw e
            }
        }
        func chain(_ stem: String, headers: [String], what: String) throws -> String {
            let h = entries.contains("\(stem).headers"), pem = entries.contains("\(stem).issuer-chain.pem")
            if h && pem { throw DevProofError.malformed("collateral directory '\(dir)': both \(stem).headers and \(stem).issuer-chain.pem for the \(what) issuer chain; keep one") }
            let chainText: String
            if h {
                let p = path("\(stem).headers")
                let response = try headerDump(try read(p, "\(what) header dump"), path: p)
                chainText = try asInput(p) { try CollateralFetcher.issuerChain(response, headers, url: "the saved response") }
            } else if pem {
                let p = path("\(stem).issuer-chain.pem")
                chainText = String(decoding: try read(p, "\(what) issuer chain"), as: UTF8.self)
            } else {
                throw DevProofError.unreadable("collateral directory '\(dir)': missing the \(what) issuer chain: \(stem).headers (curl -D) or \(stem).issuer-chain.pem")
            }
            let file = path(h ? "\(stem).headers" : "\(stem).issuer-chain.pem")
            guard let certs = try? X509Certificate.chain(pem: chainText), !certs.isEmpty else {
                throw DevProofError.malformed("collateral file '\(file)': the \(what) issuer chain is not a PEM certificate chain")
            }
            return chainText
        }
        func crl(_ p: String, _ what: String) throws -> Bytes {
            let der = try asInput(p) { try CollateralFetcher.decodeCRL(try read(p, what), what: what) }
            guard (try? X509CRL(der: der)) != nil else { throw DevProofError.malformed("collateral file '\(p)': \(what) is not a DER/PEM/hex X.509 CRL") }
            return der
        }

        let tcbPath = try one(tcbInfoNames, "TCB info")
        let (tcb, tcbSig) = try asInput(tcbPath) {
            try CollateralFetcher.signedJSON(try read(tcbPath, "TCB info"), member: "tcbInfo", what: "TCB info response")
        }
        let qePath = try one(qeIdentityNames, "QE identity")
        let (qe, qeSig) = try asInput(qePath) {
            try CollateralFetcher.signedJSON(try read(qePath, "QE identity"), member: "enclaveIdentity", what: "QE identity response")
        }
        let pckCRL = try crl(try one(pckCRLNames, "PCK CRL"), "PCK CRL")
        let rootCRL = try crl(try one(rootCRLNames, "root CA CRL"), "root CA CRL")
        var pckCert: String?
        if entries.contains(pckCertName) {
            let p = path(pckCertName)
            let text = String(decoding: try read(p, "PCK certificate chain"), as: UTF8.self)
            guard let certs = try? X509Certificate.chain(pem: text), !certs.isEmpty else {
                throw DevProofError.malformed("collateral file '\(p)' is not a PEM certificate chain")
            }
            pckCert = text
        }
        return QuoteCollateral(
            pckCRLIssuerChain: try chain("pckcrl", headers: CollateralFetcher.pckCRLChainHeaders, what: "PCK CRL"),
            rootCACRL: rootCRL, pckCRL: pckCRL,
            tcbInfoIssuerChain: try chain("tcbinfo", headers: CollateralFetcher.tcbInfoChainHeaders, what: "TCB info"),
            tcbInfo: tcb, tcbInfoSignature: tcbSig,
            qeIdentityIssuerChain: try chain("qeidentity", headers: CollateralFetcher.qeIdentityChainHeaders, what: "QE identity"),
            qeIdentity: qe, qeIdentitySignature: qeSig, pckCertificateChain: pckCert)
    }

    /// The last response's headers of a `curl -D` dump (several blocks after a redirect or `100 Continue`), parsed
    /// by the project's HTTP/1 response parser. curl writes `HTTP/2 200` for HTTP/2; the status line is only
    /// framing here, so it is normalised to HTTP/1.1 before parsing. LF-only line ends (an edited file) are accepted.
    static func headerDump(_ bytes: Bytes, path: String) throws -> HTTPResponse {
        let lines = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        guard let last = lines.lastIndex(where: { $0.hasPrefix("HTTP/") }) else {
            throw DevProofError.malformed("collateral file '\(path)': not a curl -D header dump (expected an HTTP status line, then headers)")
        }
        var block = lines[last...].prefix { !$0.isEmpty }.map(String.init)
        if let sp = block[0].firstIndex(of: " "), !block[0].hasPrefix("HTTP/1.") { block[0] = "HTTP/1.1" + block[0][sp...] }
        let head = block.joined(separator: "\r\n") + "\r\n\r\n"
        let parsed: HTTP1Response?
        do { parsed = try HTTP1Response.parse(Array(head.utf8), complete: true) } catch let e as DevProofError {
            throw DevProofError.malformed("collateral file '\(path)': \(e.description)")
        }
        guard let r = parsed else { throw DevProofError.malformed("collateral file '\(path)': incomplete header dump") }
        guard (200..<300).contains(r.status) else {
            throw DevProofError.malformed("collateral file '\(path)': the saved response has HTTP status \(r.status), not a success")
        }
        return HTTPResponse(status: r.status, headers: r.headers.map { (name: $0.key, value: $0.value) }, body: [], url: path)
    }
}
