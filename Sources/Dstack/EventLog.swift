import DevProofCore

/// One TDX event-log entry as dstack serializes it (`cc-eventlog/src/tdx.rs`):
/// `{imr, event_type, digest, event, event_payload, [version], [preimage]}`; bytes are hex.
public struct TdxEvent: Sendable, Equatable {
    public var imr: UInt32
    public var eventType: UInt32
    /// The digest as given (may be empty: stripped logs blank runtime digests).
    public var digest: Bytes
    public var name: String
    public var payload: Bytes
    /// 2 for JCS runtime events; nil/1 means the V1 preimage format.
    public var version: Int?
    public var preimage: Bytes?

    public init(imr: UInt32, eventType: UInt32, digest: Bytes, name: String, payload: Bytes,
                version: Int? = nil, preimage: Bytes? = nil) {
        self.imr = imr; self.eventType = eventType; self.digest = digest; self.name = name
        self.payload = payload; self.version = version; self.preimage = preimage
    }

    public var isRuntime: Bool { eventType == RuntimeEvent.eventType }
}

/// dstack runtime events (type 0x08000001, RTMR3): digests are recomputed from name + payload.
public enum RuntimeEvent {
    public static let eventType: UInt32 = 0x0800_0001

    /// V1: sha384(le32(0x08000001) ‖ ":" ‖ name ‖ ":" ‖ payload).
    public static func preimageV1(name: String, payload: Bytes) -> Bytes {
        var b = Bytes.le(eventType)
        b.append(0x3a); b.append(contentsOf: name.utf8); b.append(0x3a); b.append(contentsOf: payload)
        return b
    }

    /// V2: JCS of {"name":…,"payload":hex,"type":134217729} (keys already in JCS order).
    public static func preimageV2(name: String, payload: Bytes) -> Bytes {
        var s = "{\"name\":"
        JSONValue.writeString(name, &s)
        s += ",\"payload\":\"" + payload.hex + "\",\"type\":\(eventType)}"
        return Array(s.utf8)
    }

    public static func digest(name: String, payload: Bytes, version: Int?) -> Bytes {
        Digest.sha384(version == 2 ? preimageV2(name: name, payload: payload) : preimageV1(name: name, payload: payload))
    }
}

/// The event log: parsing (array or JSON string of an array), replay, digest consistency.
public struct EventLog: Sendable, Equatable {
    public var events: [TdxEvent]
    public init(_ events: [TdxEvent]) { self.events = events }

    /// Parses a JSON array value, or a JSON string holding the array (GetQuote / tcb_info form).
    public static func parse(_ v: JSONValue, what: String = "event log") throws -> EventLog {
        switch v {
        case .string(let s):
            let inner: JSONValue
            do { inner = try JSONParser.parse(s) } catch let e as JSONParseError {
                throw DevProofError.malformed("\(what) is a string but not JSON: \(e.message) (byte \(e.offset))")
            }
            guard case .array = inner else { throw DevProofError.malformed("\(what): expected a JSON array of events") }
            return try parse(inner, what: what)
        case .array(let items):
            var out = [TdxEvent]()
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() { out.append(try event(item, index: i, what: what)) }
            return EventLog(out)
        default:
            throw DevProofError.malformed("\(what): expected a JSON array of events (or a JSON string holding one)")
        }
    }

    public static func parse(bytes: Bytes, what: String = "event log") throws -> EventLog {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("\(what) is not valid JSON: \(e.message) (byte \(e.offset))")
        }
        return try parse(v, what: what)
    }

    static func event(_ v: JSONValue, index i: Int, what: String) throws -> TdxEvent {
        func bad(_ m: String) -> DevProofError { .malformed("\(what) event #\(i): \(m)") }
        guard case .object = v else { throw bad("expected an object") }
        func u32(_ k: String) throws -> UInt32 {
            guard let n = v[k]?.int64Value, n >= 0, n <= Int64(UInt32.max) else { throw bad("'\(k)' must be an unsigned 32-bit integer") }
            return UInt32(n)
        }
        func hex(_ k: String, required: Bool) throws -> Bytes? {
            guard let x = v[k], !x.isNull else {
                if required { throw bad("missing '\(k)'") }
                return nil
            }
            guard let s = x.stringValue else { throw bad("'\(k)' must be a hex string") }
            if s.isEmpty { return [] }
            do { return try Hex.decode(s) } catch { throw bad("'\(k)' is not hex") }
        }
        let imr = try u32("imr")
        let type = try u32("event_type")
        let digest = try hex("digest", required: false) ?? []
        guard let name = (v["event"] ?? .string("")).stringValue else { throw bad("'event' must be a string") }
        let payload = try hex("event_payload", required: false) ?? []
        var version: Int?
        if let ver = v["version"], !ver.isNull {
            guard let n = ver.int64Value, n == 1 || n == 2 else { throw bad("unknown runtime-event 'version' \(ver.serialized())") }
            version = Int(n)
        }
        let pre = try hex("preimage", required: false)
        return TdxEvent(imr: imr, eventType: type, digest: digest, name: name, payload: payload, version: version, preimage: pre)
    }

    /// The digest that is extended: recomputed for runtime events, the logged one otherwise.
    public static func effectiveDigest(_ e: TdxEvent) -> Bytes {
        e.isRuntime ? RuntimeEvent.digest(name: e.name, payload: e.payload, version: e.version) : e.digest
    }

    /// RTMR0-3 replayed: mr = 0^48; mr = sha384(mr ‖ d) for every event of that IMR, in log order.
    public func replay() -> [Bytes] {
        var mrs = Array(repeating: Bytes(repeating: 0, count: 48), count: 4)
        for e in events where e.imr < 4 {
            mrs[Int(e.imr)] = Digest.sha384(mrs[Int(e.imr)] + EventLog.effectiveDigest(e))
        }
        return mrs
    }

    /// Problems that make the log unusable for replay: IMR out of range, boot events without a
    /// 48-byte digest (a short digest would silently change the replay).
    public func structuralProblems() -> [String] {
        var out = [String]()
        for (i, e) in events.enumerated() {
            if e.imr > 3 { out.append("event #\(i) has imr \(e.imr) (only 0-3 exist)") }
            if !e.isRuntime && e.digest.count != 48 {
                out.append("event #\(i) (imr \(e.imr), type 0x\(String(e.eventType, radix: 16))) has a \(e.digest.count)-byte digest, need 48")
            }
            if e.isRuntime && e.imr != 3 { out.append("runtime event #\(i) '\(e.name)' is logged for imr \(e.imr), dstack extends RTMR3") }
            // RTMR3 holds only dstack runtime events. A runtime event re-typed (digest kept) still replays, but
            // would drop out of the identity reader and let an app-emitted event after system-ready stand in.
            if e.imr == 3 && !e.isRuntime {
                out.append("event #\(i) '\(e.name)' on imr 3 has type 0x\(String(e.eventType, radix: 16)), not a dstack runtime event (0x8000001): RTMR3 holds only runtime events")
            }
        }
        return out
    }

    public struct DigestMismatch: Sendable, Equatable {
        public var index: Int
        public var name: String
        public var given: Bytes
        public var recomputed: Bytes
        public var what: String
    }

    /// Runtime events whose logged digest (when present) or V2 preimage (when present) disagrees
    /// with the recomputation from name + payload.
    public func runtimeDigestMismatches() -> [DigestMismatch] {
        var out = [DigestMismatch]()
        for (i, e) in events.enumerated() where e.isRuntime {
            let d = RuntimeEvent.digest(name: e.name, payload: e.payload, version: e.version)
            if !e.digest.isEmpty && !bytesEqual(e.digest, d) {
                out.append(DigestMismatch(index: i, name: e.name, given: e.digest, recomputed: d, what: "digest"))
            }
            if let p = e.preimage, !p.isEmpty {
                let canon = e.version == 2 ? RuntimeEvent.preimageV2(name: e.name, payload: e.payload)
                                           : RuntimeEvent.preimageV1(name: e.name, payload: e.payload)
                if p != canon {
                    out.append(DigestMismatch(index: i, name: e.name, given: Digest.sha384(p), recomputed: d, what: "preimage"))
                }
            }
        }
        return out
    }

    public var runtimeEvents: [TdxEvent] { events.filter(\.isRuntime) }
    public var runtimeCount: Int { events.reduce(0) { $0 + ($1.isRuntime ? 1 : 0) } }
    public var hasV2: Bool { events.contains { $0.isRuntime && $0.version == 2 } }
}
