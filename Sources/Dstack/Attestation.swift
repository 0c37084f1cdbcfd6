import DevProofCore

/// dstack's binary `VersionedAttestation` (Attest API, RA-TLS OID .1.8, verifier input; spec §3.8).
/// Only the V0 SCALE form with a `DstackTdx` quote is decoded; other platforms and the V1 msgpack
/// form are reported as unsupported (exit 2) rather than guessed at.
public struct DstackAttestation: Sendable, Equatable {
    public var quote: Bytes
    public var eventLog: EventLog
    /// The separately carried runtime events (name, payload).
    public var runtimeEvents: [TdxEvent]
    public var reportData: Bytes
    /// VM config JSON text (at HEAD the vm_config; in older captures the sys-config with vm_config nested).
    public var config: String

    public static func decode(_ b: Bytes) throws -> DstackAttestation {
        guard let first = b.first else { throw DevProofError.malformed("attestation is empty") }
        guard b.count <= 10 << 20 else { throw DevProofError.malformed("attestation is larger than 10 MiB") }
        if (0x80...0x8f).contains(first) || first == 0xde || first == 0xdf {
            throw DevProofError.malformed("attestation is the V1 msgpack form, which devproof does not decode yet (only V0 SCALE)")
        }
        guard first == 0 else { throw DevProofError.malformed("attestation: unknown version byte 0x\(String(first, radix: 16)) (expected 0x00 SCALE)") }
        var r = Scale(b, offset: 1)
        do {
            let kind = try r.u8()
            guard kind == 0 else {
                let names = [1: "GcpTdx", 2: "NitroEnclave", 3: "AmdSevSnp", 4: "AwsNitroTpm"]
                throw DevProofError.malformed("attestation platform \(names[Int(kind)] ?? "#\(kind)") is not supported (only DstackTdx)")
            }
            let quote = try r.vec()
            let n = try r.count(minElementSize: 14)
            var events = [TdxEvent]()
            for _ in 0..<n {
                let imr = try r.u32(), type = try r.u32()
                let digest = try r.vec(), name = try r.string(), payload = try r.vec()
                events.append(TdxEvent(imr: imr, eventType: type, digest: digest, name: name, payload: payload))
            }
            let m = try r.count(minElementSize: 2)
            var rt = [TdxEvent]()
            for _ in 0..<m {
                let name = try r.string(), payload = try r.vec()
                rt.append(TdxEvent(imr: 3, eventType: RuntimeEvent.eventType, digest: [], name: name, payload: payload))
            }
            let rd = try r.fixed(64)
            let config = try r.string()
            guard r.isAtEnd else { throw DevProofError.malformed("attestation has \(r.remaining) trailing bytes") }
            return DstackAttestation(quote: quote, eventLog: EventLog(events), runtimeEvents: rt, reportData: rd, config: config)
        } catch let e as ByteReaderError {
            throw DevProofError.malformed("attestation (SCALE): \(e.message)")
        }
    }

    /// The event log to replay: boot events from the embedded log, runtime events from the log when it
    /// has them, else from the separate runtime-event list.
    public var mergedLog: EventLog {
        if eventLog.runtimeCount > 0 || runtimeEvents.isEmpty { return eventLog }
        return EventLog(eventLog.events + runtimeEvents)
    }

    /// Runtime events in the log and in the separate list must agree (names and payloads, in order).
    public var runtimeListsAgree: Bool {
        guard eventLog.runtimeCount > 0, !runtimeEvents.isEmpty else { return true }
        let a = eventLog.runtimeEvents.map { [$0.name: $0.payload] }, b = runtimeEvents.map { [$0.name: $0.payload] }
        return a == b
    }

    /// The vm_config object out of `config` (HEAD: it is the vm_config; older: sys-config with `vm_config`
    /// as an object or a JSON string).
    public var vmConfig: JSONValue? {
        guard let v = try? JSONParser.parse(config) else { return nil }
        if let inner = v["vm_config"] {
            if let s = inner.stringValue { return try? JSONParser.parse(s) }
            return inner
        }
        return v
    }
}

/// SCALE codec reader (compact lengths, little-endian integers), bounds-checked.
struct Scale {
    var r: ByteReader
    init(_ b: Bytes, offset: Int = 0) { r = ByteReader(b, context: "SCALE", offset: offset) }
    var isAtEnd: Bool { r.isAtEnd }
    var remaining: Int { r.remaining }

    mutating func u8() throws -> UInt8 { try r.u8("byte") }
    mutating func u32() throws -> UInt32 { try r.u32le("u32") }
    mutating func fixed(_ n: Int) throws -> Bytes { try r.read(n, "[u8; \(n)]") }

    mutating func compact() throws -> UInt64 {
        let b0 = try r.u8("compact")
        switch b0 & 3 {
        case 0: return UInt64(b0 >> 2)
        case 1: return (UInt64(try r.u8("compact")) << 8 | UInt64(b0)) >> 2
        case 2:
            let rest = try r.read(3, "compact")
            return (UInt64(b0) | UInt64(rest[0]) << 8 | UInt64(rest[1]) << 16 | UInt64(rest[2]) << 24) >> 2
        default:
            let n = Int(b0 >> 2) + 4
            guard n <= 8 else { throw ByteReaderError("SCALE compact integer wider than 64 bits") }
            let bs = try r.read(n, "compact")
            var v: UInt64 = 0
            for (i, x) in bs.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
            return v
        }
    }

    /// An element count, sanity-checked against the bytes left.
    mutating func count(minElementSize: Int) throws -> Int {
        let n = try compact()
        guard n <= UInt64(r.remaining / max(minElementSize, 1)) else {
            throw ByteReaderError("SCALE vector length \(n) exceeds the remaining \(r.remaining) bytes")
        }
        return Int(n)
    }

    mutating func vec() throws -> Bytes {
        let n = try compact()
        guard n <= UInt64(r.remaining) else { throw ByteReaderError("SCALE byte vector of \(n) bytes, \(r.remaining) left") }
        return try r.read(Int(n), "Vec<u8>")
    }

    mutating func string() throws -> String {
        let b = try vec()
        guard let s = String(validating: b, as: UTF8.self) else { throw ByteReaderError("SCALE string is not UTF-8") }
        return s
    }
}
