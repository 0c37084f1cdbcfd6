import DevProofCore
import Dstack

/// The auditor's reference values (go-tdx-guest `check`-like): from `--expect-*` flags and `--policy FILE`
/// (flags override the file, key by key). Each value given becomes a required `ref.*` check; a value the
/// evidence cannot be compared with is a skip (inconclusive), never a silent pass and never dropped.
/// Lists are "any of" (e.g. the compose hashes of the releases the auditor accepts).
public struct AttestReferences: Sendable, Equatable {
    public var composeHash: [Hash32Value] = []
    public var appId: [AppIDValue] = []
    public var mrConfigId: [Register48Value] = []
    public var osImageHash: [Hash32Value] = []
    public var keyProviderId: [HexIDValue] = []
    public var instanceId: [HexIDValue] = []
    public var deviceId: [Hash32Value] = []
    public var mrTD: Register48Value?
    public var rtmr: [Register48Value?] = [nil, nil, nil, nil]
    public var reportData: ReportData64Value?
    /// MRTD/RTMR0-2 of the OS image (`--os-ref FILE`, or `reference.os` of the policy).
    public var os: OSReference?

    public init() {}

    /// The flags' values over the policy's: a field given on the command line replaces the file's.
    public func overriding(_ base: AttestReferences) -> AttestReferences {
        var r = base
        if !composeHash.isEmpty { r.composeHash = composeHash }
        if !appId.isEmpty { r.appId = appId }
        if !mrConfigId.isEmpty { r.mrConfigId = mrConfigId }
        if !osImageHash.isEmpty { r.osImageHash = osImageHash }
        if !keyProviderId.isEmpty { r.keyProviderId = keyProviderId }
        if !instanceId.isEmpty { r.instanceId = instanceId }
        if !deviceId.isEmpty { r.deviceId = deviceId }
        if let v = mrTD { r.mrTD = v }
        for i in 0..<4 where rtmr[i] != nil { r.rtmr[i] = rtmr[i] }
        if let v = reportData { r.reportData = v }
        if let v = os { r.os = v }
        return r
    }

    /// References that need the event log's identity (usage error in `--quote`-only mode).
    public var identityFlags: [String] {
        var out = [String]()
        if !composeHash.isEmpty { out.append("--expect-compose-hash") }
        if !appId.isEmpty { out.append("--expect-app-id") }
        if !osImageHash.isEmpty { out.append("--expect-os-image-hash") }
        if !keyProviderId.isEmpty { out.append("--expect-key-provider-id") }
        if !instanceId.isEmpty { out.append("--expect-instance-id") }
        return out
    }
}

/// The device id, both ways dstack defines it: sha256(PPID of the PCK certificate) (devproof's facts,
/// the KMS's view) and sha256(the quote header's 20-byte QE user data) (what dstack's `decode_app_info`,
/// hence production Info responses, report). Each is only trusted when the check guarding its source passed.
public struct DeviceIDs: Sendable {
    public var ppidHash: Bytes?
    public var ppidTrusted = false
    public var qeUserDataHash: Bytes
    public var qeUserDataTrusted = false
    public init(ppidHash: Bytes?, ppidTrusted: Bool, qeUserDataHash: Bytes, qeUserDataTrusted: Bool) {
        self.ppidHash = ppidHash; self.ppidTrusted = ppidTrusted
        self.qeUserDataHash = qeUserDataHash; self.qeUserDataTrusted = qeUserDataTrusted
    }

    /// Which definition `value` matches: "sha256(ppid)", "sha256(qe_user_data)", or nil.
    public func match(_ value: Bytes) -> String? {
        if let p = ppidHash, bytesEqual(p, value) { return "sha256(ppid)" }
        if bytesEqual(qeUserDataHash, value) { return "sha256(qe_user_data)" }
        return nil
    }
}

enum AttestReferenceChecks {
    /// One check per reference given. `identity` is nil when there is no event log; `replay` gates the
    /// identity references (facts from a log that does not replay are not facts).
    static func checks(_ refs: AttestReferences, regs: QuoteRegisters, identity: AppIdentity?, replay: Check?,
                       device: DeviceIDs, quoteSignature: Check?) -> [Check] {
        var out = [Check]()
        func list<T: CustomStringConvertible>(_ xs: [T]) -> JSONValue { .strings(xs.map(\.description)) }
        /// A register-like value from the (signed) quote.
        func register(_ id: String, _ name: String, _ expected: [Bytes], _ actual: Bytes) {
            let d: JSONValue = .obj([("expected_any_of", .array(expected.map { .hex($0) })), ("quote", .hex(actual))])
            let c: Check = expected.contains(where: { bytesEqual($0, actual) })
                ? .pass(id, "\(name) \(actual.hex.prefix(16))… is the expected value", d)
                : .fail(id, "\(name) \(actual.hex.prefix(16))… is not \(expected.count == 1 ? "the expected value" : "one of the \(expected.count) expected values")", d)
            // A register of a quote whose signature FAILED is not evidence (a skip of DCAP is reported by DCAP's checks).
            if let sig = quoteSignature, sig.status == .fail { out.append(AttestDCAPChecks.gate(c, on: [sig], always: false)) } else { out.append(c) }
        }
        if !refs.mrConfigId.isEmpty { register("ref.mr_config_id", "MRCONFIGID", refs.mrConfigId.map(\.bytes), regs.mrConfigId) }
        if let v = refs.mrTD { register("ref.mr_td", "MRTD", [v.bytes], regs.mrTD) }
        for i in 0..<4 { if let v = refs.rtmr[i] { register("ref.rtmr\(i)", "RTMR\(i)", [v.bytes], regs.rtmrs[i]) } }
        if let v = refs.reportData { register("ref.report_data", "report_data", [v.bytes], regs.reportData) }

        /// An identity fact from the measured boot events.
        func identityRef(_ id: String, _ event: String, _ expected: [Bytes], _ actual: Bytes?) {
            guard !expected.isEmpty else { return }
            guard let identity else {
                out.append(.skip(id, "no event log: the '\(event)' event is unknown, the reference cannot be compared (give --event-log or evidence carrying one)"))
                return
            }
            let d: JSONValue = .obj([("expected_any_of", .array(expected.map { .hex($0) })), ("event", actual.map { .hex($0) } ?? .null),
                                     ("source", .string("'\(event)' runtime event before system-ready"))])
            guard let actual else {
                out.append(.fail(id, "no '\(event)' event in the boot sequence (before system-ready), but a value was expected", d))
                return
            }
            var c: Check = expected.contains(where: { bytesEqual($0, actual) })
                ? .pass(id, "measured \(event) \(actual.hex.prefix(16))… is the expected value", d)
                : .fail(id, "measured \(event) \(actual.hex.prefix(16))… is not \(expected.count == 1 ? "the expected value" : "one of the \(expected.count) expected values")", d)
            if let replay { c = AttestDCAPChecks.gate(c, on: [replay], always: false) }
            out.append(c)
        }
        identityRef("ref.compose_hash", "compose-hash", refs.composeHash.map(\.bytes), identity?.composeHash)
        identityRef("ref.app_id", "app-id", refs.appId.map(\.bytes), identity?.appId)
        identityRef("ref.os_image_hash", "os-image-hash", refs.osImageHash.map(\.bytes), identity?.osImageHash)
        identityRef("ref.instance_id", "instance-id", refs.instanceId.map(\.bytes), identity?.instanceId)
        identityRef("ref.key_provider_id", "key-provider", refs.keyProviderId.map(\.bytes),
                    identity?.keyProviderId.flatMap { try? Hex.decode($0) })

        if !refs.deviceId.isEmpty { out.append(deviceCheck(refs.deviceId.map(\.bytes), device)) }
        return out
    }

    static func deviceCheck(_ expected: [Bytes], _ dev: DeviceIDs) -> Check {
        let d: JSONValue = .obj([("expected_any_of", .array(expected.map { .hex($0) })),
                                 ("sha256_ppid", dev.ppidHash.map { .hex($0) } ?? .null), ("sha256_ppid_trusted", .bool(dev.ppidTrusted)),
                                 ("sha256_qe_user_data", .hex(dev.qeUserDataHash)), ("sha256_qe_user_data_trusted", .bool(dev.qeUserDataTrusted))])
        var trusted: [(String, Bytes)] = []
        if dev.ppidTrusted, let p = dev.ppidHash { trusted.append(("sha256(ppid)", p)) }
        if dev.qeUserDataTrusted { trusted.append(("sha256(qe_user_data)", dev.qeUserDataHash)) }
        for (how, v) in trusted where expected.contains(where: { bytesEqual($0, v) }) {
            return .pass("ref.device_id", "device id \(v.hex.prefix(16))… is expected (definition matched: \(how))", d)
        }
        if trusted.isEmpty {
            return .skip("ref.device_id", "device id unknown: neither the PCK certificate (quote.pck_chain) nor the quote header (quote.signature) was verified", d)
        }
        return .fail("ref.device_id", "neither device id definition (\(trusted.map(\.0).joined(separator: ", "))) gives an expected value", d)
    }
}
