import DevProofCore

/// What the RTMR3 runtime events say about the app (first occurrence of each before `system-ready`;
/// dstack's own decoder does the same). Events after `system-ready` are application-controlled.
public struct AppIdentity: Sendable, Equatable {
    public var appId: Bytes?
    public var composeHash: Bytes?
    public var instanceId: Bytes?
    /// Raw payload of `key-provider` (JSON `{"name":…,"id":…}`).
    public var keyProviderInfo: Bytes?
    public var keyProviderName: String?
    public var keyProviderId: String?
    public var osImageHash: Bytes?
    public var storageFS: String?
    public var initScriptHashes: [Bytes] = []
    public var gpuPolicyHash: Bytes?
    /// All runtime events before system-ready, by name (in order), for the report.
    public var bootEvents: [(name: String, payload: Bytes)] = []
    public var systemReady = false
    public var sawBootMrDone = false
    /// Events after system-ready: anything the app chose to extend.
    public var appEvents: [(name: String, payload: Bytes)] = []

    public static func == (a: AppIdentity, b: AppIdentity) -> Bool {
        a.appId == b.appId && a.composeHash == b.composeHash && a.instanceId == b.instanceId
            && a.keyProviderInfo == b.keyProviderInfo && a.osImageHash == b.osImageHash && a.storageFS == b.storageFS
            && a.initScriptHashes == b.initScriptHashes && a.systemReady == b.systemReady
    }

    public init() {}

    public init(_ log: EventLog) {
        for e in log.events where e.isRuntime {
            if systemReady { appEvents.append((e.name, e.payload)); continue }
            if e.name == "system-ready" { systemReady = true; bootEvents.append((e.name, e.payload)); continue }
            bootEvents.append((e.name, e.payload))
            switch e.name {
            case "app-id": if appId == nil { appId = e.payload }
            case "compose-hash": if composeHash == nil { composeHash = e.payload }
            case "instance-id": if instanceId == nil { instanceId = e.payload }
            case "os-image-hash": if osImageHash == nil { osImageHash = e.payload }
            case "storage-fs": if storageFS == nil { storageFS = String(decoding: e.payload, as: UTF8.self) }
            case "init-script-hash": initScriptHashes.append(e.payload)
            case "gpu-policy-hash": if gpuPolicyHash == nil { gpuPolicyHash = e.payload }
            case "boot-mr-done": sawBootMrDone = true
            case "key-provider":
                if keyProviderInfo == nil {
                    keyProviderInfo = e.payload
                    if let v = try? JSONParser.parse(e.payload) {
                        keyProviderName = v["name"]?.stringValue
                        keyProviderId = v["id"]?.stringValue
                    }
                }
            default: break
            }
        }
    }

    /// Names the boot sequence uses for identity facts. An event with one of these names after
    /// system-ready was emitted by the app: it is reported, never a fact.
    public static let identityEventNames: Set<String> = ["app-id", "compose-hash", "instance-id", "os-image-hash", "key-provider",
                                                         "storage-fs", "init-script-hash", "gpu-policy-hash", "boot-mr-done",
                                                         "system-preparing", "system-ready"]

    /// App-emitted events (after system-ready) that carry an identity event's name.
    public var impersonatingAppEvents: [String] { appEvents.map(\.name).filter { Self.identityEventNames.contains($0) } }

    /// KMS kind byte of mr_config_id V2: none=0, local=1, kms=2, tpm=3.
    public var keyProviderKind: UInt8? {
        switch keyProviderName {
        case "none"?, nil: return keyProviderInfo == nil ? nil : 0
        case "local-sgx"?, "local"?: return 1
        case "kms"?: return 2
        case "tpm"?: return 3
        default: return nil
        }
    }
}

/// KMS boot-policy inputs (spec §3.7).
public enum DerivedIdentity {
    /// sha256(MRTD ‖ RTMR0 ‖ RTMR1 ‖ RTMR2 ‖ mr_key_provider); mr_key_provider = sha256(key-provider payload) or 0^32.
    public static func mrSystem(mrTD: Bytes, rtmrs: [Bytes], keyProviderInfo: Bytes?) -> Bytes {
        let kp = keyProviderInfo.map { Digest.sha256($0) } ?? Bytes(repeating: 0, count: 32)
        return Digest.sha256(mrTD + rtmrs[0] + rtmrs[1] + rtmrs[2] + kp)
    }

    /// sha256(MRTD ‖ RTMR0..3 [‖ MRCONFIGID ‖ MROWNER ‖ MROWNERCONFIG if any is non-zero]).
    public static func mrAggregated(mrTD: Bytes, rtmrs: [Bytes], mrConfigId: Bytes, mrOwner: Bytes, mrOwnerConfig: Bytes) -> Bytes {
        var b = mrTD + rtmrs[0] + rtmrs[1] + rtmrs[2] + rtmrs[3]
        if !(mrConfigId.isAllZero && mrOwner.isAllZero && mrOwnerConfig.isAllZero) {
            b += mrConfigId + mrOwner + mrOwnerConfig
        }
        return Digest.sha256(b)
    }
}
