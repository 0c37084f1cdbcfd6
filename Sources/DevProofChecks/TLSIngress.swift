import DevProofCore
import Dstack
import Foundation
import TDX

/// `tls --ingress-evidence DIR`: dstack-ingress publishes `/evidences/` = acme-account.json (certbot regr.json),
/// cert-<domain>.pem, sha256sum.txt and quote.json (GetQuote) with report_data = sha256(sha256sum.txt) ‖ 0^32.
enum TLSIngress {
    static let maxFileBytes = 4 << 20
    /// More listed files than dstack-ingress ever publishes (it lists 2): bounds a hostile sha256sum.txt.
    static let maxListedFiles = 64

    /// Where the evidence files come from: a directory of downloaded files, or the live `https://DOMAIN/evidences/`.
    /// `read` returns nil for a file that is not there (missing file, HTTP 404); transport failures throw
    /// `DevProofError.unavailable`.
    struct Source {
        let description: String
        let read: (String) throws -> Bytes?

        static func directory(_ dir: String) -> Source {
            Source(description: dir) { name in
                let path = (dir as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: path) else { return nil }
                return try TLS.readBounded(path, what: "ingress evidence file", max: maxFileBytes)
            }
        }

        /// Each file is its own TLS exchange (one GET per connection, as TLSClient does, so bundles record them);
        /// nothing here needs the connection to be the presented one: sha256sum.txt's lines and the quote over
        /// sha256sum.txt bind every file, and the presented certificate is compared with the published one.
        static func live(host: String, port: Int, timeout: Double, sums: Bytes) -> Source {
            Source(description: "https://\(host)\(port == 443 ? "" : ":\(port)")/evidences/") { name in
                if name == "sha256sum.txt" { return sums }  // fetched with the handshake whose certificate is compared
                let ex = try TLSClient(timeout: timeout).exchange(host: host, port: port, get: "/evidences/" + name)
                guard let resp = ex.response else {
                    throw DevProofError.unavailable("GET /evidences/\(name): \(ex.responseError ?? "no response")")
                }
                if resp.status == 404 { return nil }
                guard resp.status == 200 else { throw DevProofError.unavailable("GET /evidences/\(name) answered HTTP \(resp.status)") }
                guard resp.body.count <= maxFileBytes else {
                    throw DevProofError.malformed("GET /evidences/\(name): larger than \(maxFileBytes) bytes")
                }
                return resp.body
            }
        }
    }

    static func evaluate(_ r: inout Report, dir: String, presented: RATLSChain?, caa: (records: [CAARecord], source: String)?, _ o: TLSOptions) throws {
        try evaluate(&r, source: .directory(dir), presented: presented, caa: caa, o)
    }

    static func evaluate(_ r: inout Report, source: Source, presented: RATLSChain?, caa: (records: [CAARecord], source: String)?, _ o: TLSOptions) throws {
        r.setFact("mode", .string("ingress-evidence"))
        r.setFact("evidence_dir", .string(source.description))
        func read(_ name: String) throws -> Bytes? {
            do { return try source.read(name) } catch DevProofError.unavailable(let m) {
                throw IngressUnavailable(message: m)
            }
        }
        let sums: Bytes, lines: [(Bytes, String)]
        var files = [String: Bytes]()
        do {
            guard let s = try read("sha256sum.txt") else { throw DevProofError.malformed("\(source.description): no sha256sum.txt") }
            sums = s
            lines = try parseSums(sums)
            guard lines.count <= maxListedFiles else {
                throw DevProofError.malformed("sha256sum.txt lists \(lines.count) files (at most \(maxListedFiles) accepted)")
            }
            // Every listed file hashes to its line.
            var rows = [JSONValue](), bad = [String]()
            for (want, name) in lines {
                let b = try read(name)
                let got = b.map(Digest.sha256)
                rows.append(.obj([("file", .string(name)), ("listed", .hex(want)), ("actual", got.map { .hex($0) } ?? .null)]))
                if let b, let got, bytesEqual(got, want) { files[name] = b } else { bad.append(b == nil ? "\(name) is missing" : "\(name) does not hash to its line") }
            }
            let fd: JSONValue = .obj([("files", .array(rows))])
            if let f = bad.first { r.add(.fail("tls.ingress.files", "sha256sum.txt: \(f)" + (bad.count > 1 ? " (+\(bad.count - 1) more)" : ""), fd)) }
            else { r.add(.pass("tls.ingress.files", "all \(lines.count) files listed in sha256sum.txt hash right", fd)) }
        } catch let e as IngressUnavailable {
            r.add(.skip("tls.ingress.files", "\(e.message): the evidence could not be fetched, nothing was verified"))
            return
        }

        // The quote binds sha256sum.txt; then the attest pipeline on it.
        let quoteBytes: Bytes
        do {
            guard let q = try read("quote.json") else {
                r.add(.skip("tls.ingress.binding", "\(source.description) has no quote.json: nothing binds the files to a TD")); return
            }
            quoteBytes = q
        } catch let e as IngressUnavailable {
            r.add(.skip("tls.ingress.binding", "\(e.message): the quote could not be fetched")); return
        }
        let qv: JSONValue
        do { qv = try JSONParser.parse(quoteBytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("ingress quote.json: \(e.message) (byte \(e.offset))")
        }
        let ev = try DstackEvidence.fromJSON(qv, name: "quote.json")
        let want = Digest.sha256(sums) + Bytes(repeating: 0, count: 32)
        guard let qb = ev.quote, let quote = try? Quote.parse(qb) else {
            r.add(.fail("tls.ingress.binding", "quote.json carries no parsable quote")); return
        }
        let bd: JSONValue = .obj([("expected", .hex(want)), ("quote_report_data", .hex(quote.reportData))])
        if bytesEqual(want, quote.reportData) { r.add(.pass("tls.ingress.binding", "report_data = sha256(sha256sum.txt) ‖ 0^32: the TD published exactly these files", bd)) }
        else { r.add(.fail("tls.ingress.binding", "report_data ≠ sha256(sha256sum.txt) ‖ 0^32: the evidence files are not the ones the TD quoted", bd)) }
        TLS.merge(&r, try AttestEvidence.verify(ev, quote: quote, bindings: [.raw(want)], options: o.attest))

        // The served certificate is the published one.
        let certName = lines.map(\.1).first { $0.hasPrefix("cert-") && $0.hasSuffix(".pem") }
        if let chain = presented {
            r.add(TLSChainChecks.validity(chain, now: o.attest.now))
            r.add(TLSSCT.check(chain, now: o.attest.now))
            if let n = certName, let b = files[n], let pub = try? RATLSChain.parsePEM(b) {
                if bytesEqual(pub.leaf.der, chain.leaf.der) { r.add(.pass("tls.ingress.cert", "the presented leaf equals \(n), which the quote covers")) }
                else { r.add(.fail("tls.ingress.cert", "the presented leaf is not \(n): another certificate is being served")) }
            } else {
                r.add(.fail("tls.ingress.cert", "no verified cert-<domain>.pem in the evidence to compare with"))
            }
        } else {
            r.add(.skip("tls.ingress.cert", "no presented certificate given (--cert FILE): the served certificate was not compared"))
        }

        // CAA restricts issuance to the published ACME account.
        guard let acct = files["acme-account.json"], let av = try? JSONParser.parse(acct), let uri = av["uri"]?.stringValue else {
            r.add(.fail("tls.caa", "no verified acme-account.json with a 'uri' in the evidence")); return
        }
        r.setFact("acme_account_uri", .string(uri))
        r.add(TLSGateway.caaCheck(caa?.records, source: caa?.source, accountURI: uri))
    }

    /// `sha256sum` output: "HEX  NAME" (or "HEX *NAME"); names are plain file names in the evidence directory.
    static func parseSums(_ b: Bytes) throws -> [(Bytes, String)] {
        guard let text = String(validating: b, as: UTF8.self) else { throw DevProofError.malformed("sha256sum.txt is not UTF-8") }
        var out = [(Bytes, String)]()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let h = try? Hex.decode(String(parts[0])), h.count == 32 else {
                throw DevProofError.malformed("sha256sum.txt line \(i + 1): expected 'HEX  NAME'")
            }
            var name = String(parts[1]).trimmingCharacters(in: [" "])
            if name.hasPrefix("*") { name.removeFirst() }
            guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else {
                throw DevProofError.malformed("sha256sum.txt line \(i + 1): '\(name)' is not a plain file name")
            }
            out.append((h, name))
        }
        guard !out.isEmpty else { throw DevProofError.malformed("sha256sum.txt lists no files") }
        return out
    }
}

/// A transport failure while fetching ingress evidence (the files themselves are then unknown, not wrong).
struct IngressUnavailable: Error { let message: String }

