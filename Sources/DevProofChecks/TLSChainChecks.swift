import DevProofCore
import Dstack

/// Judges of a presented/captured certificate chain (pure: the chain and the measured identity in, checks out).
enum TLSChainChecks {
    static func linkRow(_ l: RATLSChain.Link) -> JSONValue {
        let c = l.cert
        var row: [(String, JSONValue)] = [("index", .int(l.index)), ("subject", .string(c.subject)), ("issuer", .string(c.issuer)),
                                          ("sha256", .hex(Digest.sha256(c.der))), ("spki_sha256", .hex(Digest.sha256(c.spkiDER))),
                                          ("ca", .bool(c.x509.isCA)), ("key_cert_sign", .bool(c.x509.keyUsageAllowsCertSign))]
        row.append(("signed_by_next", l.signedByNext.map { .bool($0) } ?? .null))
        row.append(("self_signature_valid", .bool(l.selfSignatureValid)))
        if let u = c.usage { row.append(("usage", .string(u))) }
        if let a = c.appId { row.append(("app_id", .hex(a))) }
        row.append(("dstack_oids", .strings(c.extensions.keys.sorted())))
        return .obj(row)
    }

    /// Every link's signature with the next certificate's key; the last one's with its own when self-signed.
    static func signatures(_ chain: RATLSChain) -> Check {
        let d: JSONValue = .obj([("shape", .string(chain.shape.rawValue)), ("certificates", .array(chain.links.map(linkRow)))])
        var bad = [String]()
        for l in chain.links {
            if l.signedByNext == false { bad.append("#\(l.index) (\(l.cert.subject)) is not signed by #\(l.index + 1)'s key") }
            if l.index > 0, !l.subjectMatchesIssuerOfPrevious { bad.append("#\(l.index) is not the issuer named by #\(l.index - 1)") }
        }
        let last = chain.links[chain.links.count - 1]
        let lastSelfIssued = last.cert.x509.subjectNameDER == last.cert.x509.issuerNameDER
        if lastSelfIssued, !last.selfSignatureValid { bad.append("#\(last.index) (\(last.cert.subject)) names itself as issuer but its own key does not verify it") }
        if let f = bad.first {
            return .fail("tls.chain.signatures", "bad signature in the chain: \(f)" + (bad.count > 1 ? " (+\(bad.count - 1) more)" : ""), d)
        }
        let n = chain.links.count
        if !lastSelfIssued {
            return .pass("tls.chain.signatures", "\(n - 1) link signature(s) verify; the top certificate (\(last.cert.issuer)) is issued by a certificate not in the chain", d)
        }
        return .pass("tls.chain.signatures", "\(n) signature(s) verify: \(n > 1 ? "each certificate is signed by the next, " : "")the last is self-signed (\(chain.shape.rawValue))", d)
    }

    /// X.509 profile deviations of issuing certificates (dstack CAs lack keyCertSign): warned, never required.
    static func profile(_ chain: RATLSChain) -> Check {
        var dev = [String]()
        let issuing = chain.links.filter { $0.index > 0 || chain.links.count == 1 && $0.cert.x509.isCA }
        guard !issuing.isEmpty else { return .info("tls.chain.profile", "no issuing certificate in the chain (a self-signed end-entity certificate)") }
        for l in issuing {
            let x = l.cert.x509
            if !x.isCA { dev.append("#\(l.index) (\(l.cert.subject)) signs certificates without basicConstraints cA") }
            if !x.keyUsageAllowsCertSign { dev.append("#\(l.index) (\(l.cert.subject)) has keyUsage without keyCertSign") }
        }
        let d: JSONValue = .obj([("deviations", .strings(dev))])
        if dev.isEmpty { return .info("tls.chain.profile", "issuing certificates carry basicConstraints cA and keyCertSign", d) }
        return .warn("tls.chain.profile", "X.509 profile deviation (strict path validation would reject this chain; each signature was verified directly): " + dev.joined(separator: "; "), d)
    }

    /// dstack usage extension (.1.4): the App CA says "app:ca", a leaf never does.
    static func usage(_ chain: RATLSChain) -> Check {
        let rows = chain.links.map { l -> JSONValue in .obj([("index", .int(l.index)), ("usage", l.cert.usage.map { .string($0) } ?? .null)]) }
        let d: JSONValue = .obj([("certificates", .array(rows))])
        guard chain.certs.contains(where: { $0.usage != nil }) else {
            return .notApplicable("tls.chain.usage", "no certificate carries the dstack usage extension (1.3.6.1.4.1.62397.1.4)", d)
        }
        if chain.leaf.usage == "app:ca" || chain.leaf.usage == "kms:rpc" && chain.shape == .kmsIssued {
            return .fail("tls.chain.usage", "the leaf's usage is '\(chain.leaf.usage!)': a CA/KMS certificate presented as an app endpoint", d)
        }
        if chain.certs.count == 3, chain.certs[1].x509.subjectCommonName == "Dstack App CA", chain.certs[1].usage != "app:ca" {
            return .fail("tls.chain.usage", "the App CA's usage is '\(chain.certs[1].usage ?? "absent")', not 'app:ca'", d)
        }
        return .pass("tls.chain.usage", "usage extensions fit their position (leaf \(chain.leaf.usage.map { "'\($0)'" } ?? "without usage")\(chain.certs.count == 3 ? ", App CA '\(chain.certs[1].usage ?? "-")'" : ""))", d)
    }

    /// The app-id extension (.1.3) of every certificate that has one equals the app id measured in RTMR3.
    static func appId(_ chain: RATLSChain, _ id: AppIdentity?) -> Check {
        let withId = chain.links.filter { $0.cert.appId != nil }
        guard !withId.isEmpty else { return .notApplicable("tls.chain.app_id", "no certificate carries the app-id extension (1.3.6.1.4.1.62397.1.3)") }
        let rows = withId.map { l -> JSONValue in .obj([("index", .int(l.index)), ("app_id", .hex(l.cert.appId!))]) }
        guard let measured = id?.appId else {
            return .skip("tls.chain.app_id", "the chain names app id \(withId[0].cert.appId!.hex), but no event log with an app-id event was verified", .obj([("certificates", .array(rows))]))
        }
        let d: JSONValue = .obj([("measured_app_id", .hex(measured)), ("certificates", .array(rows))])
        if let bad = withId.first(where: { !bytesEqual($0.cert.appId!, measured) }) {
            return .fail("tls.chain.app_id", "certificate #\(bad.index) names app id \(bad.cert.appId!.hex), the quote's event log measured \(measured.hex)", d)
        }
        return .pass("tls.chain.app_id", "app-id extension(s) equal the measured app id \(measured.hex)", d)
    }

    /// The KMS CA's key is the key provider measured in the quote (`key-provider` event) or `--kms-root`.
    static func kmsRoot(_ chain: RATLSChain, _ id: AppIdentity?, reference: (spki: Bytes, source: String)?) -> Check {
        guard chain.shape == .kmsIssued || reference != nil else {
            return .notApplicable("tls.chain.kms_root", "the chain is \(chain.shape.rawValue), not issued by a KMS CA")
        }
        guard chain.shape == .kmsIssued, let root = chain.selfSignedRoot else {
            return .fail("tls.chain.kms_root", "--kms-root given, but the chain is \(chain.shape.rawValue): no KMS CA to compare")
        }
        var pairs: [(String, JSONValue)] = [("kms_ca_subject", .string(root.subject)), ("kms_ca_spki", .hex(root.spkiDER))]
        var failures = [String](), matched = [String]()
        if let ref = reference {
            pairs.append(("reference", .obj([("source", .string(ref.source)), ("spki", .hex(ref.spki))])))
            if bytesEqual(ref.spki, root.spkiDER) { matched.append(ref.source) } else { failures.append("the KMS CA key is not the --kms-root key (\(ref.source))") }
        }
        if let id, id.keyProviderInfo != nil {
            pairs.append(("key_provider", .obj([("name", id.keyProviderName.map { .string($0) } ?? .null), ("id", id.keyProviderId.map { .string($0) } ?? .null)])))
            if id.keyProviderName != "kms" {
                failures.append("the quote's key provider is '\(id.keyProviderName ?? "?")', not a KMS: this KMS CA is not what the app measured")
            } else if let form = RATLSChain.keyProviderForm(id: id.keyProviderId ?? "", spki: root.spkiDER, x509: root.x509) {
                matched.append("the measured key-provider id (\(form))")
            } else {
                failures.append("the KMS CA key differs from the key-provider id measured in RTMR3 (\((id.keyProviderId ?? "").prefix(24))…)")
            }
        }
        let d: JSONValue = .obj(pairs)
        if let f = failures.first { return .fail("tls.chain.kms_root", f, d) }
        if matched.isEmpty {
            return .skip("tls.chain.kms_root", "no key-provider event and no --kms-root: the KMS CA is not tied to anything measured", d)
        }
        return .pass("tls.chain.kms_root", "the KMS CA key equals " + matched.joined(separator: " and "), d)
    }

    static func keyOrigin(_ chain: RATLSChain, _ id: AppIdentity?, servedAttestation: Bool) -> Check {
        let kp = id?.keyProviderName
        var d: [(String, JSONValue)] = [("shape", .string(chain.shape.rawValue)), ("key_provider", kp.map { .string($0) } ?? .null)]
        let s: String
        switch chain.shape {
        case .kmsIssued:
            s = "KMS-derived: the leaf is signed by the app's App CA, whose key the KMS derives from the app id (same CA across restarts and upgrades)"
        case .appRoot:
            s = "RA-TLS key signed by the app's own root certificate (key provider \(kp ?? "unknown")): continuity only as long as that key provider keeps the app keys"
        case .selfSigned where servedAttestation:
            s = "self-signed certificate generated by the app (not from the KMS): a new key per boot, no continuity across restarts; pin per session"
        case .selfSigned:
            s = "self-signed RA-TLS certificate (key generated in the TD, not from the KMS): no continuity across restarts"
        case .other:
            s = "issued by \(chain.leaf.issuer): not a dstack key chain"
        }
        d.append(("summary", .string(s)))
        return .info("tls.key_origin", s, .obj(d))
    }

    /// Validity windows at `now`: reported, never required (attested TLS uses self-signed certificates).
    static func validity(_ chain: RATLSChain, now: Int64) -> Check {
        let rows = chain.certs.enumerated().map { i, c -> JSONValue in
            .obj([("index", .int(i)), ("not_before", .int(Int(c.x509.notBefore))), ("not_after", .int(Int(c.x509.notAfter))),
                  ("valid_at_now", .bool(c.x509.notBefore <= now && now <= c.x509.notAfter))])
        }
        let d: JSONValue = .obj([("now", .int(Int(now))), ("certificates", .array(rows))])
        let out = chain.certs.enumerated().filter { !($0.element.x509.notBefore <= now && now <= $0.element.x509.notAfter) }
        if let f = out.first {
            return .warn("tls.validity", "certificate #\(f.offset) (\(f.element.subject)) is outside its validity window at --now (WebPKI validity is reported, not required)", d)
        }
        return .info("tls.validity", "every certificate is within its validity window at --now (not a WebPKI trust decision)", d)
    }
}
