import DevProofCore

/// dstack-gateway's `/.dstack/acme-info` (spec §7): the ACME account and every certificate key the gateway
/// ever used, each with a GetQuote response (JSON text) whose report_data binds it:
/// account: sha512("acme-account:" ‖ account_uri); key: sha512("zt-cert:" ‖ SubjectPublicKeyInfo DER).
public struct AcmeInfo: Sendable {
    public struct QuotedKey: Sendable {
        public let spki: Bytes
        public let evidence: DstackEvidence
        public var expectedReportData: Bytes { Digest.sha512(Array("zt-cert:".utf8) + spki) }
    }

    public let accountURI: String
    public let account: DstackEvidence
    public let keys: [QuotedKey]
    public let baseDomain: String?

    public var accountExpectedReportData: Bytes { Digest.sha512(Array("acme-account:".utf8) + Array(accountURI.utf8)) }

    public static let maxKeys = 256

    public static func parse(_ bytes: Bytes, name: String) throws -> AcmeInfo {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("\(name): not valid JSON: \(e.message) (byte \(e.offset))")
        }
        guard let uri = v["account_uri"]?.stringValue, !uri.isEmpty else { throw DevProofError.malformed("\(name): 'account_uri' must be a non-empty string") }
        let account = try quoteField(v["account_quote"], "\(name) .account_quote")
        guard let arr = v["quoted_hist_keys"]?.arrayValue else { throw DevProofError.malformed("\(name): 'quoted_hist_keys' must be an array") }
        guard arr.count <= maxKeys else { throw DevProofError.malformed("\(name): \(arr.count) quoted keys (at most \(maxKeys))") }
        var keys = [QuotedKey]()
        for (i, k) in arr.enumerated() {
            let what = "\(name) .quoted_hist_keys[\(i)]"
            guard let pk = k["public_key"]?.stringValue, let spki = try? Hex.decode(pk), !spki.isEmpty else {
                throw DevProofError.malformed("\(what).public_key must be hex (SubjectPublicKeyInfo DER)")
            }
            keys.append(QuotedKey(spki: spki, evidence: try quoteField(k["quote"], "\(what).quote")))
        }
        return AcmeInfo(accountURI: uri, account: account, keys: keys, baseDomain: v["base_domain"]?.stringValue)
    }

    /// A GetQuote response serialized as JSON text (or already an object).
    static func quoteField(_ f: JSONValue?, _ what: String) throws -> DstackEvidence {
        guard let f else { throw DevProofError.malformed("\(what) is missing") }
        var obj = f
        if let s = f.stringValue {
            guard let inner = try? JSONParser.parse(s) else { throw DevProofError.malformed("\(what) is not a JSON GetQuote response") }
            obj = inner
        }
        guard obj["quote"] != nil else { throw DevProofError.malformed("\(what) has no 'quote'") }
        return try DstackEvidence.fromJSON(obj, name: what)
    }
}

/// DNS CAA records as text (`dig CAA` answer lines `NAME TTL IN CAA FLAGS TAG "VALUE"`, or bare `FLAGS TAG "VALUE"`).
public struct CAARecord: Sendable, Equatable {
    public let flags: Int
    public let tag: String
    public let value: String

    /// The `accounturi` parameter of an issue/issuewild value (RFC 8657), nil when absent.
    public var accountURI: String? {
        for p in value.split(separator: ";").dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: [" ", "\t"]) }
            if kv.count == 2, kv[0].lowercased() == "accounturi" { return kv[1] }
        }
        return nil
    }
    public var issuer: String { String(value.split(separator: ";").first ?? "").trimmingCharacters(in: [" ", "\t"]) }

    public static func parse(_ bytes: Bytes, name: String) throws -> [CAARecord] {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw DevProofError.malformed("\(name): not UTF-8 text") }
        var out = [CAARecord]()
        for (n, raw) in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).enumerated() {
            let line = raw.trimmingCharacters(in: [" ", "\t"])
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            var toks = line.split(separator: " ", maxSplits: 64, omittingEmptySubsequences: true).map(String.init)
            if let i = toks.firstIndex(where: { $0.uppercased() == "CAA" }) { toks = Array(toks[(i + 1)...]) }
            guard toks.count >= 3, let flags = Int(toks[0]), (0...255).contains(flags) else {
                throw DevProofError.malformed("\(name) line \(n + 1): expected 'FLAGS TAG \"VALUE\"'")
            }
            var value = toks[2...].joined(separator: " ")
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            out.append(CAARecord(flags: flags, tag: toks[1].lowercased(), value: value))
        }
        return out
    }
}

/// The dstack gateway's routing record for a custom domain: TXT `_dstack-app-address.<domain>` = "<app_id>:<port>"
/// (dstack-examples custom-domain; gateway.toml `app_address_ns_prefix`). Read from a file of dig answer lines
/// (`NAME TTL IN TXT "VALUE"`) or bare quoted values; a TXT value split into several strings is joined.
public struct AppAddressRecord: Sendable, Equatable {
    public let appId: Bytes
    public let port: Int

    public static func parse(_ bytes: Bytes, name: String) throws -> [AppAddressRecord] {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw DevProofError.malformed("\(name): not UTF-8 text") }
        var out = [AppAddressRecord]()
        for (n, raw) in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).enumerated() {
            let line = raw.trimmingCharacters(in: [" ", "\t"])
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            var rest = Substring(line)
            if let r = line.range(of: " TXT ", options: .caseInsensitive) ?? line.range(of: "\tTXT\t", options: .caseInsensitive) {
                rest = line[r.upperBound...]
            }
            // "a" "b" → ab (RFC 1035 character-strings of one TXT record are concatenated).
            let parts = rest.split(separator: "\"", omittingEmptySubsequences: false)
            let value = parts.count >= 3 ? stride(from: 1, to: parts.count, by: 2).map { String(parts[$0]) }.joined()
                                         : rest.trimmingCharacters(in: [" ", "\t"])
            let fields = value.split(separator: ":", omittingEmptySubsequences: false)
            let idText = fields.first.map { $0.hasPrefix("0x") ? String($0.dropFirst(2)) : String($0) } ?? ""
            guard fields.count == 2, let id = try? Hex.decode(idText), id.count == 20, let port = Int(fields[1]), (1...65535).contains(port) else {
                throw DevProofError.malformed("\(name) line \(n + 1): expected a TXT value \"<app_id hex>:<port>\"")
            }
            out.append(AppAddressRecord(appId: id, port: port))
        }
        return out
    }
}

/// A CT search export: crt.sh JSON rows (`id`, `name_value`, `not_before`, …), each with the certificate itself
/// (`certificate`: base64 DER or PEM; crt.sh serves it at `?d=ID`).
public struct CTExportEntry: Sendable {
    public let id: String
    public let names: String
    public let certificate: X509Certificate?

    public static let maxEntries = 10_000

    public static func parse(_ bytes: Bytes, name: String) throws -> [CTExportEntry] {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("\(name): not valid JSON: \(e.message) (byte \(e.offset))")
        }
        guard let arr = v.arrayValue else { throw DevProofError.malformed("\(name): expected a JSON array (crt.sh output=json)") }
        guard arr.count <= maxEntries else { throw DevProofError.malformed("\(name): \(arr.count) entries (at most \(maxEntries))") }
        return try arr.enumerated().map { i, e in
            let id = e["id"].map { $0.numberLiteral ?? $0.stringValue ?? "" } ?? "#\(i)"
            let names = e["name_value"]?.stringValue ?? e["common_name"]?.stringValue ?? ""
            var cert: X509Certificate?
            if let s = e["certificate"]?.stringValue {
                do {
                    if s.contains("-----BEGIN") { cert = try X509Certificate.chain(pem: s).first }
                    else { cert = try X509Certificate(der: try Base64.decode(s)) }
                } catch { throw DevProofError.malformed("\(name)[\(i)] (id \(id)): 'certificate' is not a PEM/base64-DER certificate") }
            }
            return CTExportEntry(id: id, names: names, certificate: cert)
        }
    }
}
