import DevProofCore
import EVM

/// `--storage-layout FILE`: a layout for another version of dstack's contracts, in JSON. Every key is required and
/// unknown keys are refused, so a typo cannot silently fall back to a built-in slot. A slot is a decimal or 0x-hex
/// number, or `{"erc7201": "namespace.id"}`; a packed scalar is `{"slot": SLOT, "offset": BYTES, "size": BYTES}`
/// (offset counted from the right, as solc's storage layout output does). Example (upstream's values):
///
///     {"name": "dstack-v0.5.11", "origin": "solc --storage-layout of kms/auth-eth at …",
///      "app": {"mapping_hashing": "solidity", "allowedComposeHashes": "0", "allowedDeviceIds": "2",
///              "upgradesDisabled": {"slot": "1", "offset": 0, "size": 1}, "allowAnyDevice": {"slot": "1", "offset": 1, "size": 1},
///              "requireTcbUpToDate": {"slot": "3", "offset": 0, "size": 1},
///              "owner": {"slot": {"erc7201": "openzeppelin.storage.Ownable"}, "offset": 0, "size": 20},
///              "pendingOwner": {"slot": {"erc7201": "openzeppelin.storage.Ownable2Step"}, "offset": 0, "size": 20}},
///      "kms": {"mapping_hashing": "solidity", "bytes": "solidity", "k256Pubkey": "0", "registeredApps": "5",
///              "kmsAllowedAggregatedMrs": "6", "kmsAllowedDeviceIds": "7", "allowedOsImages": "8",
///              "owner": {"slot": {"erc7201": "openzeppelin.storage.Ownable"}, "offset": 0, "size": 20}}}
extension DstackStorageLayout {
    public static let maxFileBytes = 64 * 1024

    /// A built-in name, else a JSON file.
    public static func parse(_ arg: String) throws -> DstackStorageLayout {
        if let l = builtIn.first(where: { $0.name == arg }) { return l }
        guard arg.contains("/") || arg.hasSuffix(".json") else { return try named(arg) }
        return try load(arg)
    }

    public static func load(_ path: String) throws -> DstackStorageLayout {
        let (_, v) = try InputFile.readJSON(path, what: "--storage-layout file", limit: maxFileBytes)
        return try DstackStorageLayout(json: v, source: path)
    }

    public init(json v: JSONValue, source: String) throws {
        func bad(_ m: String) -> DevProofError { .malformed("--storage-layout \(source): \(m)") }
        func object(_ v: JSONValue?, _ at: String, keys: [String]) throws -> JSONValue {
            guard let v, let members = v.objectValue else { throw bad("\(at) is not an object") }
            for m in members where !keys.contains(m.key) { throw bad("\(at).\(m.key) is not a layout key (expected: \(keys.joined(separator: ", ")))") }
            for k in keys where v[k] == nil { throw bad("\(at).\(k) is missing") }
            return v
        }
        func slot(_ v: JSONValue?, _ at: String) throws -> Bytes {
            if let s = v?.stringValue {
                guard s.count <= 78, let w = try? Word(parsing: s) else { throw bad("\(at) '\(s.prefix(70))' is not a slot number") }
                return w.bytes
            }
            if let id = try object(v, at, keys: ["erc7201"])["erc7201"]?.stringValue, !id.isEmpty, id.count <= 200 {
                return StorageSlot.erc7201(id)
            }
            throw bad("\(at).erc7201 is not a namespace id")
        }
        func scalar(_ v: JSONValue?, _ at: String) throws -> PackedScalar {
            let o = try object(v, at, keys: ["slot", "offset", "size"])
            guard let off = o["offset"]?.int64Value, let size = o["size"]?.int64Value, off >= 0, size >= 1, off + size <= 32 else {
                throw bad("\(at): offset and size must be whole bytes within one 32-byte slot")
            }
            return PackedScalar(slot: try slot(o["slot"], at + ".slot"), offset: Int(off), size: Int(size))
        }
        func hashing(_ v: JSONValue?, _ at: String) throws -> StorageSlot.KeyHashing {
            guard let s = v?.stringValue, let h = StorageSlot.KeyHashing(rawValue: s) else { throw bad("\(at) must be \"solidity\" or \"vyper\"") }
            return h
        }
        let top = try object(v, "the file", keys: ["name", "origin", "app", "kms"])
        guard let name = top["name"]?.stringValue, !name.isEmpty, name.count <= 100 else { throw bad("name is not a string") }
        guard let origin = top["origin"]?.stringValue, origin.count <= 1000 else { throw bad("origin is not a string") }
        let app = try object(top["app"], "app", keys: ["mapping_hashing", "allowedComposeHashes", "allowedDeviceIds", "upgradesDisabled",
                                                       "allowAnyDevice", "requireTcbUpToDate", "owner", "pendingOwner"])
        let kms = try object(top["kms"], "kms", keys: ["mapping_hashing", "bytes", "k256Pubkey", "registeredApps", "kmsAllowedAggregatedMrs",
                                                       "kmsAllowedDeviceIds", "allowedOsImages", "owner"])
        guard let bytes = kms["bytes"]?.stringValue.flatMap(DynamicBytesLayout.init(rawValue:)) else {
            throw bad("kms.bytes must be \"solidity\" or \"vyper\"")
        }
        self.init(name: name, origin: origin + " (\(source))",
                  appHashing: try hashing(app["mapping_hashing"], "app.mapping_hashing"),
                  allowedComposeHashes: try slot(app["allowedComposeHashes"], "app.allowedComposeHashes"),
                  allowedDeviceIds: try slot(app["allowedDeviceIds"], "app.allowedDeviceIds"),
                  upgradesDisabled: try scalar(app["upgradesDisabled"], "app.upgradesDisabled"),
                  allowAnyDevice: try scalar(app["allowAnyDevice"], "app.allowAnyDevice"),
                  requireTcbUpToDate: try scalar(app["requireTcbUpToDate"], "app.requireTcbUpToDate"),
                  appOwner: try scalar(app["owner"], "app.owner"), appPendingOwner: try scalar(app["pendingOwner"], "app.pendingOwner"),
                  kmsHashing: try hashing(kms["mapping_hashing"], "kms.mapping_hashing"), kmsBytes: bytes,
                  k256Pubkey: try slot(kms["k256Pubkey"], "kms.k256Pubkey"), registeredApps: try slot(kms["registeredApps"], "kms.registeredApps"),
                  kmsAllowedAggregatedMrs: try slot(kms["kmsAllowedAggregatedMrs"], "kms.kmsAllowedAggregatedMrs"),
                  kmsAllowedDeviceIds: try slot(kms["kmsAllowedDeviceIds"], "kms.kmsAllowedDeviceIds"),
                  allowedOsImages: try slot(kms["allowedOsImages"], "kms.allowedOsImages"), kmsOwner: try scalar(kms["owner"], "kms.owner"))
    }
}
