import DevProofCore

/// The tutorial oracle's response (`GET /price`): `{statement, reportDataHash, quote}` where
/// report_data = ASCII(reportDataHash) and reportDataHash = hex(sha256(JSON.stringify(statement))).
public struct OracleResponse: Sendable, Equatable {
    public var statement: JSONValue
    public var reportDataHash: String
    public var quote: Bytes

    /// The statement as the app's `JSON.stringify` produced it: insertion order, compact, JS numbers.
    public var statementJSON: String { JSStringify.stringify(statement) }
    public var statementHash: Bytes { Digest.sha256(Array(statementJSON.utf8)) }
}

/// `JSON.stringify` of a parsed JSON value (ECMAScript semantics: member order kept, for duplicate
/// keys the first position with the last value, numbers via Number::toString).
public enum JSStringify {
    public static func stringify(_ v: JSONValue) -> String {
        var out = ""
        write(v, &out)
        return out
    }
    static func write(_ v: JSONValue, _ out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): JSONValue.writeString(s, &out)
        case .number(let lit):
            let d = Double(lit) ?? .nan
            out += d.isFinite ? NumberFormat.ecmascript(d) : "null"
        case .array(let a):
            out += "["
            for (i, x) in a.enumerated() { if i > 0 { out += "," }; write(x, &out) }
            out += "]"
        case .object(let m):
            var order = [String](), vals = [String: JSONValue]()
            for x in m { if vals[x.key] == nil { order.append(x.key) }; vals[x.key] = x.value }
            // OrdinaryOwnPropertyKeys: array-index keys first, ascending; then the others in creation order.
            let indices = order.compactMap { k in arrayIndex(k).map { (k, $0) } }.sorted { $0.1 < $1.1 }.map(\.0)
            if !indices.isEmpty { order = indices + order.filter { arrayIndex($0) == nil } }
            out += "{"
            for (i, k) in order.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(k, &out); out += ":"
                write(vals[k]!, &out)
            }
            out += "}"
        }
    }
}

/// An ECMAScript array index: the canonical decimal form of an integer in 0 ..< 2^32 - 1.
func arrayIndex(_ k: String) -> UInt32? {
    guard !k.isEmpty, k.count <= 10, k.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
          k == "0" || !k.hasPrefix("0"), let v = UInt64(k), v < 0xFFFF_FFFF else { return nil }
    return UInt32(v)
}

/// dstack evidence as supplied, before any verification. Each source is kept separately so that
/// every event log can be checked against the quote (a log from another boot must not slip in).
public struct DstackEvidence: Sendable {
    public enum Kind: String, Sendable {
        case getQuote = "GetQuote response"
        case info = "guest-agent/KMS Info response"
        case attestation = "SCALE attestation"
        case ratlsCert = "RA-TLS certificate"
        case oracle = "oracle response"
        case parts = "separate files"
    }

    public struct LogSource: Sendable {
        public var source: String
        public var log: EventLog
        public init(_ source: String, _ log: EventLog) { self.source = source; self.log = log }
    }

    public var kind: Kind
    public var quote: Bytes?
    public var quoteSource: String?
    public var eventLogs: [LogSource] = []
    public var appCompose: Bytes?
    public var appComposeSource: String?
    public var vmConfig: JSONValue?
    public var certs: [RATLSCertificate] = []
    public var attestation: DstackAttestation?
    public var oracle: OracleResponse?
    /// Unauthenticated claims made by the response itself (Info's compose_hash, app_id, ...).
    public var claims: [(String, String)] = []
    /// GetQuote's `report_data` field (what the caller asked for).
    public var requestedReportData: Bytes?

    public init(kind: Kind) { self.kind = kind }

    /// The fullest event log (most events) is the one identity is read from.
    public var primaryLog: LogSource? { eventLogs.max { $0.log.events.count < $1.log.events.count } }

    static let expectedShapes = "a GetQuote response {quote, event_log, vm_config}, a guest-agent/KMS Info response {app_cert and/or tcb_info}, a SCALE attestation ({\"attestation\": hex} or the raw binary), an oracle response {statement, reportDataHash, quote}, or an RA-TLS certificate PEM"

    /// Detects the shape of an evidence file and extracts its parts.
    public static func detect(_ bytes: Bytes, name: String = "evidence") throws -> DstackEvidence {
        // A raw binary VersionedAttestation (what the Attest API returns): V0 SCALE starts with 0x00, V1 msgpack
        // with a map marker (refused with a clear message by the decoder), accepted without a JSON wrapper.
        if let f = bytes.first, f == 0x00 || (0x80...0x8f).contains(f) || f == 0xde || f == 0xdf {
            var ev = DstackEvidence(kind: .attestation)
            try ev.addAttestation(try DstackAttestation.decode(bytes), source: "\(name) (raw attestation)")
            return ev
        }
        var i = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) { i += 1 }
        guard i < bytes.count else { throw DevProofError.malformed("\(name) is empty; expected \(expectedShapes)") }
        if bytes[i] == UInt8(ascii: "-") {
            guard String(decoding: bytes[i..<min(bytes.count, i + 40)], as: UTF8.self).hasPrefix("-----BEGIN") else {
                throw DevProofError.malformed("\(name) is not recognized; expected \(expectedShapes)")
            }
            var ev = DstackEvidence(kind: .ratlsCert)
            try ev.addCertChain(bytes, source: name)
            return ev
        }
        if bytes[i] == 0x30 {
            var ev = DstackEvidence(kind: .ratlsCert)
            let cert = try RATLSCertificate.parseDER(bytes)
            try ev.addCerts([cert], source: name)
            return ev
        }
        guard bytes[i] == UInt8(ascii: "{") else {
            throw DevProofError.malformed("\(name) is not recognized (neither JSON nor PEM); expected \(expectedShapes)")
        }
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("\(name) is not valid JSON: \(e.message) (byte \(e.offset))")
        }
        return try fromJSON(v, name: name)
    }

    static func hexField(_ v: JSONValue, _ k: String, _ name: String) throws -> Bytes {
        guard let s = v[k]?.stringValue else { throw DevProofError.malformed("\(name): '\(k)' must be a hex string") }
        do { return try Hex.decode(s) } catch { throw DevProofError.malformed("\(name): '\(k)' is not valid hex") }
    }

    /// A JSON object or a JSON string holding one (dstack serializes vm_config/tcb_info as strings).
    static func objectOrString(_ v: JSONValue, _ what: String) throws -> JSONValue {
        if case .object = v { return v }
        if let s = v.stringValue {
            guard let inner = try? JSONParser.parse(s), case .object = inner else {
                throw DevProofError.malformed("\(what) is a string but not a JSON object")
            }
            return inner
        }
        throw DevProofError.malformed("\(what) must be a JSON object or a JSON string holding one")
    }

    public static func fromJSON(_ v: JSONValue, name: String) throws -> DstackEvidence {
        guard case .object = v else { throw DevProofError.malformed("\(name): expected \(expectedShapes)") }
        if v["statement"] != nil, v["reportDataHash"] != nil, v["quote"] != nil {
            var ev = DstackEvidence(kind: .oracle)
            guard let h = v["reportDataHash"]?.stringValue else { throw DevProofError.malformed("\(name): 'reportDataHash' must be a string") }
            guard let qs = v["quote"]?.stringValue else { throw DevProofError.malformed("\(name): 'quote' must be a string") }
            let q: Bytes
            if Hex.isHex(qs) { q = try Hex.decode(qs) } else {
                do { q = try Base64.decode(qs) } catch { throw DevProofError.malformed("\(name): 'quote' is neither hex nor base64") }
            }
            ev.oracle = OracleResponse(statement: v["statement"]!, reportDataHash: h, quote: q)
            ev.quote = q; ev.quoteSource = "\(name) .quote"
            return ev
        }
        if let a = v["attestation"], v["quote"] == nil {
            guard let s = a.stringValue else { throw DevProofError.malformed("\(name): 'attestation' must be a hex string") }
            let bytes: Bytes
            do { bytes = try Hex.decode(s) } catch { throw DevProofError.malformed("\(name): 'attestation' is not valid hex") }
            var ev = DstackEvidence(kind: .attestation)
            try ev.addAttestation(try DstackAttestation.decode(bytes), source: "\(name) .attestation")
            return ev
        }
        if v["quote"] != nil {
            var ev = DstackEvidence(kind: .getQuote)
            ev.quote = try hexField(v, "quote", name); ev.quoteSource = "\(name) .quote"
            if let el = v["event_log"], !el.isNull, el != .string("") {
                ev.eventLogs.append(LogSource("\(name) .event_log", try EventLog.parse(el, what: "\(name) .event_log")))
            }
            if let vc = v["vm_config"], !vc.isNull, vc != .string("") {
                ev.vmConfig = try objectOrString(vc, "\(name) .vm_config")
            }
            if let rd = v["report_data"]?.stringValue, !rd.isEmpty { ev.requestedReportData = try? Hex.decode(rd) }
            return ev
        }
        if v["app_cert"] != nil || v["tcb_info"] != nil {
            var ev = DstackEvidence(kind: .info)
            if let pem = v["app_cert"]?.stringValue, !pem.isEmpty {
                try ev.addCertChain(Array(pem.utf8), source: "\(name) .app_cert")
            }
            if let t = v["tcb_info"], !t.isNull, t != .string("") {
                let tcb = try objectOrString(t, "\(name) .tcb_info")
                if let el = tcb["event_log"], !el.isNull {
                    ev.eventLogs.append(LogSource("\(name) .tcb_info.event_log", try EventLog.parse(el, what: "\(name) .tcb_info.event_log")))
                }
                if let ac = tcb["app_compose"] {
                    guard let s = ac.stringValue else { throw DevProofError.malformed("\(name): tcb_info.app_compose must be a string") }
                    ev.appCompose = Array(s.utf8); ev.appComposeSource = "\(name) .tcb_info.app_compose"
                }
                for k in ["mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "mr_aggregated", "compose_hash", "os_image_hash", "device_id"] {
                    if let s = tcb[k]?.stringValue, !s.isEmpty { ev.claims.append(("tcb_info.\(k)", s)) }
                }
            }
            if let vc = v["vm_config"], !vc.isNull, vc != .string("") {
                ev.vmConfig = try objectOrString(vc, "\(name) .vm_config")
            }
            for k in ["app_id", "instance_id", "compose_hash", "mr_aggregated", "os_image_hash", "device_id", "key_provider_info"] {
                if let s = v[k]?.stringValue, !s.isEmpty { ev.claims.append((k, s)) }
            }
            guard ev.quote != nil || !ev.eventLogs.isEmpty else {
                throw DevProofError.malformed("\(name): Info response has neither an RA-TLS app_cert with a quote nor a tcb_info event log (public_tcbinfo off?)")
            }
            return ev
        }
        throw DevProofError.malformed("\(name): unrecognized JSON object (keys: \(v.keys.prefix(8).joined(separator: ", "))); expected \(expectedShapes)")
    }

    public mutating func addCertChain(_ pem: Bytes, source: String) throws {
        try addCerts(try RATLSCertificate.parsePEMChain(pem), source: source)
    }

    /// The first certificate carrying dstack evidence supplies the quote and event log.
    public mutating func addCerts(_ cs: [RATLSCertificate], source: String) throws {
        certs += cs
        guard let (idx, c) = cs.enumerated().first(where: { $0.element.hasDstackEvidence }) else { return }
        let label = "\(source) cert #\(idx) (\(c.subject))"
        if let a = c.attestation {
            try addAttestation(try DstackAttestation.decode(a), source: "\(label) OID .1.8")
        } else if let q = c.quote {
            if quote == nil { quote = q; quoteSource = "\(label) OID .1.1" }
            if let el = c.eventLogJSON {
                eventLogs.append(LogSource("\(label) OID .1.2", try EventLog.parse(bytes: el, what: "\(label) event log (OID .1.2)")))
            }
        }
    }

    public mutating func addAttestation(_ a: DstackAttestation, source: String) throws {
        attestation = a
        if quote == nil { quote = a.quote; quoteSource = source }
        eventLogs.append(LogSource("\(source) event log", a.mergedLog))
        if vmConfig == nil { vmConfig = a.vmConfig }
    }
}
