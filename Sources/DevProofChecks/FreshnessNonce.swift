import DevProofCore
import Dstack
import Foundation
import TDX

/// Nonce challenge (tutorial 06 item 4): ask the app for a quote over a nonce the auditor just chose; a quote
/// whose report_data does not carry that nonce could have been recorded earlier and replayed. The quote is
/// DCAP-verified like any other (attest's pipeline flags): binding a nonce proves nothing for a forged quote.
enum FreshnessNonce {
    /// `GET url?nonce=HEX` (or `&nonce=` when the URL has a query).
    static func challengeURL(_ url: String, _ nonce: Bytes) -> String {
        url + (url.contains("?") ? "&" : "?") + "nonce=" + nonce.hex
    }

    /// A fresh 32-byte nonce from the system's CSPRNG.
    static func randomNonce() throws -> Bytes {
        guard let h = FileHandle(forReadingAtPath: "/dev/urandom") else { throw DevProofError.unavailable("cannot read /dev/urandom for a nonce") }
        defer { try? h.close() }
        let d = h.readData(ofLength: 32)
        guard d.count == 32 else { throw DevProofError.unavailable("short read from /dev/urandom") }
        return Array(d)
    }

    /// The quote in an answer: JSON with `quote` (GetQuote/tutorial shapes), hex text, or a binary quote.
    static func quote(in body: Bytes, url: String) throws -> Quote {
        if let ev = try? DstackEvidence.detect(body, name: "nonce response"), let q = ev.quote { return try Quote.parse(q) }
        do { return try Quote.load(fileBytes: body) } catch {
            throw DevProofError.unavailable("the answer of \(HTTPClient.redacted(url)) holds no quote (JSON with \"quote\", hex or binary): \(error)")
        }
    }

    /// How report_data may carry the nonce: the nonce itself at the start (the rest zero-padded or app data),
    /// sha256(nonce) ‖ 0^32, or sha512(nonce). Returns the form that matched, if any.
    static func binding(reportData rd: Bytes, nonce: Bytes) -> String? {
        if nonce.count <= rd.count, Array(rd.prefix(nonce.count)) == nonce { return "report_data starts with the nonce" }
        if rd == Digest.sha256(nonce) + Bytes(repeating: 0, count: 32) { return "report_data = sha256(nonce) ‖ 0^32" }
        if rd == Digest.sha512(nonce) { return "report_data = sha512(nonce)" }
        return nil
    }

    static func run(url: String, nonce given: Bytes?, attest: AttestOptions, _ r: inout Report) throws {
        let nonce = try given ?? randomNonce()
        let target = challengeURL(url, nonce)
        r.setFact("nonce", .hex(nonce))
        r.setFact("nonce_url", .string(HTTPClient.redacted(target)))
        let quote: Quote
        do {
            let resp = try HTTPClient().get(target)
            quote = try Self.quote(in: resp.body, url: target)
        } catch let e as DevProofError {
            guard case .unavailable(let why) = e else { throw e }
            r.add(.skip("freshness.nonce.bound", "no quote over the nonce: \(why)"))
            return
        }
        let (dcap, facts) = try AttestQuote.dcapChecks(quote: quote, options: try AttestPolicy.resolve(attest))
        r.add(dcap)
        for f in facts { r.setFact("quote_" + f.key, f.value) }
        let rd = try QuoteRegisters(quote).reportData
        let d = JSONValue.obj([("nonce", .hex(nonce)), ("report_data", .hex(rd)), ("nonce_chosen_by", .string(given == nil ? "devproof (random)" : "--nonce"))])
        if let form = binding(reportData: rd, nonce: nonce) {
            r.add(.pass("freshness.nonce.bound", "the quote was made after the challenge: \(form)" + (given == nil ? "" : " (the nonce was given with --nonce: it is only fresh if you chose it just now)"), d))
        } else {
            r.add(.fail("freshness.nonce.bound", "the quote does not carry the nonce in report_data: it may have been recorded earlier and replayed", d))
        }
    }
}
