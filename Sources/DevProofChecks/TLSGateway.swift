import DevProofCore
import Dstack
import TDX

/// `tls --gateway` / `--acme-info`: the gateway's ACME account and certificate keys are quoted by its TD; the
/// presented certificate, the domain's CAA records and every CT-logged certificate must stay within them.
enum TLSGateway {
    struct Inputs {
        var info: AcmeInfo
        var presented: RATLSChain?
        var caa: [CAARecord]?
        var caaSource: String?
        var ct: [CTExportEntry]?
        var ctSource: String?
    }

    static func evaluate(_ r: inout Report, _ inp: Inputs, _ o: TLSOptions) throws {
        let info = inp.info
        r.setFact("acme_account_uri", .string(info.accountURI))
        if let d = info.baseDomain { r.setFact("base_domain", .string(d)) }

        // The account quote: binding, then the whole attest pipeline (it is the gateway's own attestation).
        var accountIdentity: AppIdentity?
        if let qb = info.account.quote, let quote = try? Quote.parse(qb) {
            let want = info.accountExpectedReportData
            let d: JSONValue = .obj([("account_uri", .string(info.accountURI)), ("expected", .hex(want)), ("quote_report_data", .hex(quote.reportData))])
            if bytesEqual(want, quote.reportData) {
                r.add(.pass("tls.acme.account", "the account quote's report_data = sha512(\"acme-account:\" ‖ account_uri): the TD holds this ACME account", d))
            } else {
                r.add(.fail("tls.acme.account", "the account quote's report_data is not sha512(\"acme-account:\" ‖ \(info.accountURI)): it was made for another account", d))
            }
            TLS.merge(&r, try AttestEvidence.verify(info.account, quote: quote, bindings: [.raw(want)], options: o.attest))
            accountIdentity = info.account.primaryLog.map { AppIdentity($0.log) }
        } else {
            r.add(.fail("tls.acme.account", "the account quote does not parse (truncated or not a TDX quote)"))
        }

        // Each quoted key: its quote binds it and verifies like the account's, from the same app.
        var verified = [Bytes](), rows = [JSONValue](), failures = [String](), unverified = [String]()
        for (i, k) in info.keys.enumerated() {
            var row: [(String, JSONValue)] = [("index", .int(i)), ("spki_sha256", .hex(Digest.sha256(k.spki)))]
            guard let qb = k.evidence.quote, let quote = try? Quote.parse(qb) else {
                failures.append("key #\(i): quote does not parse"); rows.append(.obj(row)); continue
            }
            let bound = bytesEqual(k.expectedReportData, quote.reportData)
            let sub = try AttestEvidence.verify(k.evidence, quote: quote, bindings: [.raw(k.expectedReportData)], options: o.attest)
            let id = k.evidence.primaryLog.map { AppIdentity($0.log) }
            let sameApp = accountIdentity?.appId != nil && id?.appId == accountIdentity?.appId && id?.composeHash == accountIdentity?.composeHash
            row += [("binds_key", .bool(bound)), ("attest_verdict", .string(sub.verdict.rawValue)), ("same_app_as_account", .bool(sameApp))]
            rows.append(.obj(row))
            if !bound { failures.append("key #\(i): report_data ≠ sha512(\"zt-cert:\" ‖ SPKI)") }
            else if sub.verdict == .fail { failures.append("key #\(i): its quote fails attest (\(sub.checks.filter { $0.status == .fail }.map(\.id).joined(separator: ", ")))") }
            else if !sameApp { failures.append("key #\(i): quoted by another app than the account quote") }
            else if sub.verdict == .inconclusive { unverified.append("key #\(i)") }
            else { verified.append(k.spki) }
        }
        let kd: JSONValue = .obj([("keys", .array(rows))])
        if info.keys.isEmpty { r.add(.fail("tls.acme.keys", "acme-info lists no quoted certificate keys", kd)) }
        else if let f = failures.first { r.add(.fail("tls.acme.keys", f + (failures.count > 1 ? " (+\(failures.count - 1) more)" : ""), kd)) }
        else if !unverified.isEmpty { r.add(.skip("tls.acme.keys", "\(unverified.count) of \(info.keys.count) key quotes bind their key but could not be verified fully (attest inconclusive)", kd)) }
        else { r.add(.pass("tls.acme.keys", "\(verified.count) certificate key(s), each quoted with sha512(\"zt-cert:\" ‖ SPKI) by the account's app and verified", kd)) }
        let trusted = Set(verified.map(\.hex))
        let allQuoted = Set(info.keys.map(\.spki.hex))

        // The presented certificate's key.
        if let chain = inp.presented {
            r.add(TLSChainChecks.signatures(chain))
            r.add(TLSChainChecks.validity(chain, now: o.attest.now))
            r.add(TLSSCT.check(chain, now: o.attest.now))
            let spki = chain.leaf.spkiDER.hex
            let d: JSONValue = .obj([("leaf_spki_sha256", .hex(Digest.sha256(chain.leaf.spkiDER))), ("leaf_subject", .string(chain.leaf.subject))])
            if trusted.contains(spki) { r.add(.pass("tls.acme.cert_key", "the presented certificate's key is one of the verified quoted keys", d)) }
            else if allQuoted.contains(spki) { r.add(.skip("tls.acme.cert_key", "the presented key is listed, but its quote was not verified", d)) }
            else { r.add(.fail("tls.acme.cert_key", "the presented certificate's key was never quoted by the gateway TD: whoever holds it is outside the TEE", d)) }
        } else {
            r.add(.skip("tls.acme.cert_key", "no presented certificate (use --gateway, or --cert with the captured chain)"))
        }
        r.add(caaCheck(inp.caa, source: inp.caaSource, accountURI: info.accountURI))
        r.add(ctCheck(inp, trusted: trusted))
    }

    static func caaCheck(_ recs: [CAARecord]?, source: String?, accountURI: String) -> Check {
        guard let recs else { return .skip("tls.caa", "no CAA records given (--caa FILE): any CA account could be issued a certificate for the domain") }
        let issue = recs.filter { $0.tag == "issue" || $0.tag == "issuewild" }
        let rows = issue.map { c -> JSONValue in .obj([("tag", .string(c.tag)), ("value", .string(c.value)), ("accounturi", c.accountURI.map { .string($0) } ?? .null)]) }
        let d: JSONValue = .obj([("source", .string(source ?? "")), ("records", .array(rows)), ("account_uri", .string(accountURI))])
        guard !issue.isEmpty else { return .fail("tls.caa", "no CAA issue/issuewild record: every public CA may issue for the domain", d) }
        if let bad = issue.first(where: { $0.accountURI != accountURI }) {
            return .fail("tls.caa", "CAA \(bad.tag) \"\(bad.value)\" does not restrict issuance to the quoted ACME account", d)
        }
        return .pass("tls.caa", "all \(issue.count) CAA issue/issuewild record(s) restrict issuance to accounturi=\(accountURI)", d)
    }

    static func ctCheck(_ inp: Inputs, trusted: Set<String>) -> Check {
        guard let entries = inp.ct else { return .skip("tls.ct", "no CT export given (--ct-log FILE): certificates issued outside the TEE would go unnoticed") }
        var rogue = [JSONValue](), missing = 0
        for e in entries {
            guard let c = e.certificate else { missing += 1; continue }
            if !trusted.contains(c.spkiDER.hex) {
                rogue.append(.obj([("id", .string(e.id)), ("names", .string(e.names)), ("spki_sha256", .hex(Digest.sha256(c.spkiDER)))]))
            }
        }
        let d: JSONValue = .obj([("source", .string(inp.ctSource ?? "")), ("entries", .int(entries.count)), ("without_certificate", .int(missing)), ("non_tee_keys", .array(rogue))])
        if !rogue.isEmpty {
            return .fail("tls.ct", "\(rogue.count) CT-logged certificate(s) use a key the gateway TD never quoted: the holder could intercept traffic", d)
        }
        if entries.isEmpty { return .skip("tls.ct", "the CT export is empty", d) }
        if missing > 0 { return .skip("tls.ct", "\(missing) of \(entries.count) CT entries carry no certificate to check", d) }
        return .pass("tls.ct", "all \(entries.count) CT-logged certificate(s) use verified TEE keys", d)
    }
}
