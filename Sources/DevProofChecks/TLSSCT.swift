import DevProofCore
import Dstack

/// `tls.sct`: the leaf's embedded SCTs verified with the shipped CT log list (DevProofCore/CTLogList.swift).
/// WebPKI evidence: never required; an invalid SCT signature is a fail, an unknown log a warn.
enum TLSSCT {
    static func check(_ chain: RATLSChain, now: Int64) -> Check {
        let leaf = chain.leaf.x509
        let scts: [SignedCertificateTimestamp]
        do { scts = try SignedCertificateTimestamp.embedded(in: leaf) } catch {
            return .fail("tls.sct", "the leaf's SCT extension is malformed: \(error)")
        }
        guard !scts.isEmpty else { return .notApplicable("tls.sct", "the leaf carries no embedded SCTs") }
        guard chain.certs.count > 1 else {
            return .skip("tls.sct", "\(scts.count) embedded SCT(s), but the issuer certificate is not in the chain (its key hash is signed)")
        }
        let issuerSPKI = chain.certs[1].spkiDER
        let tbs: Bytes
        do { tbs = try SignedCertificateTimestamp.precertificateTBS(leaf) } catch {
            return .fail("tls.sct", "cannot rebuild the precertificate: \(error)")
        }
        var rows = [JSONValue](), bad = [String](), unknown = [String](), future = [String]()
        for (i, s) in scts.enumerated() {
            let id = Base64.encode(s.logID)
            var row: [(String, JSONValue)] = [("index", .int(i)), ("log_id", .string(id)), ("timestamp_ms", .int(Int(clamping: s.timestamp)))]
            if Int64(clamping: s.timestamp / 1000) > now { future.append("#\(i)") }
            guard let log = CTLog.find(logID: s.logID) else {
                unknown.append(id); row.append(("log", .null)); rows.append(.obj(row)); continue
            }
            row.append(("log", .string(log.name)))
            switch s.verify(logKeySPKI: log.keyDER, issuerSPKI: issuerSPKI, precertTBS: tbs) {
            case .some(true): row.append(("valid", .bool(true)))
            case .some(false): row.append(("valid", .bool(false))); bad.append("#\(i) (\(log.name))")
            case .none: row.append(("valid", .null)); unknown.append("\(log.name): unsupported algorithm")
            }
            rows.append(.obj(row))
        }
        let d: JSONValue = .obj([("scts", .array(rows)), ("log_list", .string("DevProofCore/CTLogList.swift (\(CTLog.all.count) logs)"))])
        if !bad.isEmpty { return .fail("tls.sct", "embedded SCT signature invalid: \(bad.joined(separator: ", ")) (the certificate was altered after logging, or the SCT is forged)", d) }
        if !future.isEmpty { return .warn("tls.sct", "SCT(s) \(future.joined(separator: ", ")) are timestamped after --now", d) }
        if !unknown.isEmpty { return .warn("tls.sct", "\(scts.count - unknown.count) of \(scts.count) SCT(s) verify; not in the shipped log list: \(unknown.joined(separator: ", "))", d) }
        return .pass("tls.sct", "\(scts.count) embedded SCT(s) verify against known CT logs", d)
    }
}
