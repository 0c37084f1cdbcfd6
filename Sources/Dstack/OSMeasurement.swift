import DevProofCore

/// Reference values for the OS part of the TD: MRTD and RTMR0-2.
public struct OSReference: Sendable, Equatable {
    public var mrTD: Bytes
    public var rtmr0: Bytes
    public var rtmr1: Bytes
    public var rtmr2: Bytes
    public init(mrTD: Bytes, rtmr0: Bytes, rtmr1: Bytes, rtmr2: Bytes) {
        self.mrTD = mrTD; self.rtmr0 = rtmr0; self.rtmr1 = rtmr1; self.rtmr2 = rtmr2
    }

    /// `--os-ref FILE`: JSON with mrtd, rtmr0, rtmr1, rtmr2 (hex, optional 0x; `mr_td` also accepted).
    public static func parse(_ v: JSONValue, name: String) throws -> OSReference {
        func get(_ keys: [String]) throws -> Bytes {
            for k in keys {
                if let s = v[k]?.stringValue {
                    guard let b = try? Hex.decode(s), b.count == 48 else {
                        throw DevProofError.malformed("\(name): '\(k)' must be 48 bytes of hex")
                    }
                    return b
                }
            }
            throw DevProofError.malformed("\(name): missing '\(keys[0])' (an OS reference needs mrtd, rtmr0, rtmr1, rtmr2)")
        }
        return OSReference(mrTD: try get(["mrtd", "mr_td", "MRTD"]), rtmr0: try get(["rtmr0", "RTMR0"]),
                           rtmr1: try get(["rtmr1", "RTMR1"]), rtmr2: try get(["rtmr2", "RTMR2"]))
    }
}

/// dstack "lite" OS measurement (spec §3.5): MRTD and RTMR0-2 computed from
/// `vm_config.tdx_measurement` plus the ACPI digests of the event log.
public enum LiteMeasurement {
    public struct Result: Sendable {
        public var reference: OSReference
        public var details: [(String, JSONValue)]
    }

    /// acpi-loader, acpi-rsdp, acpi-tables digests (RTMR0 events of type 10 "ACPI DATA", in order).
    public static func acpiDigests(_ log: EventLog) -> [Bytes] {
        log.events.filter { $0.imr == 0 && $0.eventType == 10 }.map(\.digest)
    }

    public static func compute(vmConfig: JSONValue, acpiDigests: [Bytes]) throws -> Result {
        throw DevProofError.malformed("lite measurement is not implemented yet")
    }
}
