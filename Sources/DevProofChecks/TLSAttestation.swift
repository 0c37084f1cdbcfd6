import DevProofCore
import Dstack
import TDX

/// The attestation a TLS endpoint serves (tutorial 04 `/attestation` JSON, dstack guest-agent shapes), or
/// the one its RA-TLS certificate carries; and the report_data profiles that bind a certificate.
enum TLSAttestation {
    /// How the quote's report_data is expected to bind the presented certificate.
    enum Profile: String {
        /// tutorial 04: sha256(certificate DER) ‖ 0^32
        case certSHA256 = "sha256(certificate DER) ‖ 0^32 (tutorial 04)"
        /// dstack RA-TLS: sha512("ratls-cert:" ‖ SubjectPublicKeyInfo DER)
        case ratls = "sha512(\"ratls-cert:\" ‖ SubjectPublicKeyInfo DER) (dstack RA-TLS)"

        func expected(_ leaf: RATLSCertificate) -> Bytes {
            switch self {
            case .certSHA256: return Digest.sha256(leaf.der) + Bytes(repeating: 0, count: 32)
            case .ratls: return leaf.expectedReportData
            }
        }
    }

    /// Evidence found for one endpoint or certificate, before any verification.
    struct Found {
        var evidence: DstackEvidence
        /// Where the quote came from (certificate extension / served JSON).
        var source: String
        /// The quote text as served, when it was text (for the truncation check).
        var quoteText: String?
        /// Decoding applied to the served quote ("hex", "hex of hex").
        var quoteEncoding: String?
        /// The served `certFingerprint` (self-reported, informational).
        var claimedFingerprint: String?
        /// The profile this shape is supposed to use (the judge still tries both).
        var expectedProfile: Profile
    }

    enum QuoteText {
        case bytes(Bytes, encoding: String)
        case truncated(String)
    }

    /// The served quote string: hex, or hex of the hex (tutorial `index.mjs`); "..." marks a truncated one.
    static func decodeQuoteText(_ raw: String) -> QuoteText {
        var t = raw.trimmingCharacters(in: [" ", "\n", "\r", "\t"])
        if t.hasSuffix("...") || t.hasSuffix("…") {
            return .truncated("the served quote ends with \"...\" (\(t.count) characters): it was cut off and cannot be verified")
        }
        if t.hasPrefix("0x") || t.hasPrefix("0X") { t.removeFirst(2) }
        guard Hex.isHex(t), let b = try? Hex.decode(t) else {
            return .truncated("the served quote is not an even-length hex string (\(t.count) characters)")
        }
        // Hex digits only (no whitespace/0x): a binary quote never is, a hex-of-hex one always is.
        if !b.isEmpty, b.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }),
           b.count % 2 == 0, let inner = try? Hex.decode(String(decoding: b, as: UTF8.self)) {
            return .bytes(inner, encoding: "hex of hex")
        }
        return .bytes(b, encoding: "hex")
    }

    /// The evidence in a presented chain's certificates (RA-TLS), or nil when none carries any.
    static func fromCertificates(_ chain: RATLSChain, source: String) throws -> Found? {
        guard chain.certs.contains(where: \.hasDstackEvidence) else { return nil }
        var ev = DstackEvidence(kind: .ratlsCert)
        try ev.addCerts(chain.certs, source: source)
        return Found(evidence: ev, source: ev.quoteSource ?? source, expectedProfile: .ratls)
    }

    /// The JSON an endpoint served at its attestation path.
    static func fromServed(_ body: Bytes, path: String) throws -> Found {
        let name = "GET \(path)"
        let v: JSONValue
        do { v = try JSONParser.parse(body) } catch let e as JSONParseError {
            throw DevProofError.malformed("\(name): not valid JSON: \(e.message) (byte \(e.offset))")
        }
        guard case .object = v else { throw DevProofError.malformed("\(name): expected a JSON object") }
        let fp = v["certFingerprint"]?.stringValue
        // Tutorial shape {quote, eventLog, certFingerprint} and GetQuote {quote, event_log, vm_config}: the quote
        // is text that may be hex of hex or truncated, so it is decoded here rather than by the generic reader.
        if let q = v["quote"]?.stringValue, v["statement"] == nil {
            var ev = DstackEvidence(kind: .getQuote)
            var found = Found(evidence: ev, source: "\(name) .quote", quoteText: q, claimedFingerprint: fp, expectedProfile: .certSHA256)
            if case .bytes(let b, let enc) = decodeQuoteText(q) { ev.quote = b; ev.quoteSource = found.source; found.quoteEncoding = enc }
            for k in ["eventLog", "event_log"] {
                if let el = v[k], !el.isNull, el != .string("") {
                    ev.eventLogs.append(.init("\(name) .\(k)", try EventLog.parse(el, what: "\(name) .\(k)")))
                }
            }
            if let vc = v["vm_config"], !vc.isNull, vc != .string("") {
                let s = vc.stringValue.flatMap { try? JSONParser.parse($0) } ?? vc
                if case .object = s { ev.vmConfig = s }
            }
            found.evidence = ev
            return found
        }
        // Other guest-agent shapes (Attest {attestation}, Info {app_cert, tcb_info}).
        let ev = try DstackEvidence.fromJSON(v, name: name)
        let profile: Profile = ev.kind == .info ? .ratls : .certSHA256
        return Found(evidence: ev, source: ev.quoteSource ?? name, claimedFingerprint: fp, expectedProfile: profile)
    }

    // MARK: Checks

    static func truncationCheck(_ f: Found) -> (Check, Quote?) {
        let d: JSONValue = .obj([("source", .string(f.source)), ("encoding", f.quoteEncoding.map { .string($0) } ?? .null),
                                 ("served_characters", f.quoteText.map { .int($0.count) } ?? .null)])
        if let t = f.quoteText, case .truncated(let why) = decodeQuoteText(t) {
            return (.fail("tls.quote.truncated", why, d), nil)
        }
        guard let q = f.evidence.quote else {
            return (.fail("tls.quote.truncated", "no quote in \(f.source)", d), nil)
        }
        do {
            let quote = try Quote.parse(q)
            return (.pass("tls.quote.truncated", "complete quote (\(q.count) bytes\(f.quoteEncoding.map { ", served as \($0)" } ?? "")) from \(f.source)", d), quote)
        } catch {
            return (.fail("tls.quote.truncated", "the quote from \(f.source) is \(q.count) bytes and does not parse (wrong length or cut off): \(error)", d), nil)
        }
    }

    /// report_data against both profiles for the presented leaf: a quote made for any other certificate fails.
    static func bindingCheck(_ quote: Quote, leaf: RATLSCertificate, found f: Found) -> (Check, Profile) {
        let rd = quote.reportData
        var rows = [JSONValue]()
        var matched: Profile?
        for p in [f.expectedProfile, f.expectedProfile == .ratls ? .certSHA256 : .ratls] {
            let want = p.expected(leaf)
            let ok = bytesEqual(want, rd)
            if ok, matched == nil { matched = p }
            rows.append(.obj([("profile", .string(p.rawValue)), ("expected", .hex(want)), ("match", .bool(ok))]))
        }
        let d: JSONValue = .obj([("quote_report_data", .hex(rd)), ("leaf_sha256", .hex(Digest.sha256(leaf.der))),
                                 ("leaf_spki_sha256", .hex(Digest.sha256(leaf.spkiDER))), ("profiles", .array(rows))])
        if let p = matched {
            return (.pass("tls.binding", "the quote's report_data binds the presented certificate: \(p.rawValue)", d), p)
        }
        return (.fail("tls.binding", "the quote's report_data binds neither the presented certificate (sha256 of its DER) nor its key (RA-TLS): it was made for another certificate (man in the middle, or a quote relayed from elsewhere)", d), f.expectedProfile)
    }

    static func fingerprintCheck(_ f: Found?, leaf: RATLSCertificate) -> Check {
        guard let claimed = f?.claimedFingerprint else {
            return .notApplicable("tls.fingerprint", "the attestation carries no certFingerprint")
        }
        let actual = Digest.sha256(leaf.der).hex
        let norm = claimed.lowercased().replacingOccurrences(of: ":", with: "")
        let d: JSONValue = .obj([("claimed", .string(claimed)), ("presented_sha256", .string(actual))])
        if norm == actual {
            return .info("tls.fingerprint", "certFingerprint equals the presented certificate's sha256 (self-reported: informational only, the binding is report_data)", d)
        }
        return .warn("tls.fingerprint", "certFingerprint names another certificate than the one presented (self-reported, so a relay can rewrite it; the binding is decided by report_data)", d)
    }
}
