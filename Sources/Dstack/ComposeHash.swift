import DevProofCore

/// app-compose.json hashing. What dstack measures is sha256 of the raw file bytes (never re-serialized);
/// the "canonical" SDK form (Python `dstack_sdk.get_compose_hash`) is only reported as a fact, to spot
/// files that were generated from the same object by a tool.
public enum ComposeHash {
    public static func raw(_ bytes: Bytes) -> Bytes { Digest.sha256(bytes) }

    /// The Python SDK's deterministic form: top-level nulls (and keys starting with "_") dropped,
    /// keys sorted by code point recursively, compact separators, non-ASCII raw, floats as Python repr,
    /// NaN/Infinity as null. Throws when `runner` is missing (the SDK requires it).
    public static func canonicalSDKForm(_ v: JSONValue) throws -> String {
        guard case .object(let members) = v else { throw DevProofError.malformed("app-compose is not a JSON object") }
        guard members.contains(where: { $0.key == "runner" }) else {
            throw DevProofError.malformed("app-compose has no 'runner' (the SDK canonical form requires it)")
        }
        var top = [JSONMember]()
        for m in members {
            if m.key.hasPrefix("_") { continue }
            if m.value.isNull { continue }
            if case .number(let lit) = m.value, isFloatLiteral(lit), let d = Double(lit), !d.isFinite { continue }
            // Duplicate keys: Python keeps the last value.
            if let i = top.firstIndex(where: { $0.key == m.key }) { top.remove(at: i) }
            top.append(m)
        }
        var out = ""
        write(.object(top), &out)
        return out
    }

    public static func canonicalSDKHash(_ v: JSONValue) throws -> Bytes {
        Digest.sha256(Array(try canonicalSDKForm(v).utf8))
    }

    static func isFloatLiteral(_ lit: String) -> Bool { PythonJSON.isFloatLiteral(lit) }

    static func write(_ v: JSONValue, _ out: inout String) { PythonJSON.compactSortedRaw.write(v, &out) }
}

/// MRCONFIGID (48 bytes) as dstack sets it (spec §2).
public enum MrConfigId {
    public enum Form: Equatable, Sendable {
        case zero
        case v1(composeHash: Bytes)
        case v2(digest: Bytes)
        case v3(docHash: Bytes)
        /// v0.5.1: raw compose_hash ‖ 0^16 with no version byte.
        case unknown(first: UInt8)
    }

    public static func decode(_ id: Bytes) -> Form {
        guard id.count == 48 else { return .unknown(first: id.first ?? 0) }
        if id.isAllZero { return .zero }
        let body = Array(id[1..<33])
        switch id[0] {
        case 1: return .v1(composeHash: body)
        case 2: return .v2(digest: body)
        case 3: return .v3(docHash: body)
        default: return .unknown(first: id[0])
        }
    }

    /// Bytes 33..48 must be zero for versions 1-3.
    public static func tailIsZero(_ id: Bytes) -> Bool { id.count == 48 && Array(id[33...]).isAllZero }

    public static func v1(composeHash: Bytes) -> Bytes { [1] + composeHash + Bytes(repeating: 0, count: 15) }

    /// keccak256(compose_hash ‖ app_id ‖ kp_kind ‖ key_provider_id).
    public static func v2Digest(composeHash: Bytes, appId: Bytes, keyProviderKind: UInt8, keyProviderId: Bytes) -> Bytes {
        Keccak.keccak256(composeHash + appId + [keyProviderKind] + keyProviderId)
    }

    /// sha256("dstack-mr-config-v3:" ‖ 0x00 ‖ document bytes).
    public static func v3DocHash(_ doc: Bytes) -> Bytes {
        Digest.sha256(Array("dstack-mr-config-v3:".utf8) + [0] + doc)
    }
}
