import DevProofCore
import EVM

/// The contracts devproof reads, their functions and their events (dstack-formats.md §6 and Appendix A,
/// tutorial.md §2.6, §9). Topic values are computed from the declarations and pinned by tests against
/// the appendix.
public enum ContractKind: String, Sendable, CaseIterable {
    case dstackApp = "DstackApp"
    case dstackKms = "DstackKms"
    case timelockAppAuth = "TimelockAppAuth"
    case teeOracle = "TeeOracle"
}

public enum DstackABI {
    /// `AppBootInfo` in field order (IAppAuth.sol): appId, composeHash, instanceId, deviceId, mrAggregated,
    /// mrSystem, osImageHash, tcbStatus, advisoryIds.
    public static let appBootInfoType: ABIType = .tuple([
        .address, .fixedBytes(32), .address, .fixedBytes(32), .fixedBytes(32), .fixedBytes(32), .fixedBytes(32),
        .string, .array(.string),
    ])

    static func fn(_ sig: String, _ returns: String = "") -> ABIFunction {
        // Constant declarations: a parse failure is a programming error caught by the tests.
        (try? ABIFunction(sig, returns: returns)) ?? ABIFunction.invalid
    }

    // IAppAuth / DstackApp
    public static let isAppAllowed = fn("isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))", "bool,string")
    public static let allowedComposeHashes = fn("allowedComposeHashes(bytes32)", "bool")
    public static let allowedDeviceIds = fn("allowedDeviceIds(bytes32)", "bool")
    public static let allowAnyDevice = fn("allowAnyDevice()", "bool")
    public static let requireTcbUpToDate = fn("requireTcbUpToDate()", "bool")
    public static let owner = fn("owner()", "address")
    public static let pendingOwner = fn("pendingOwner()", "address")
    public static let version = fn("version()", "uint256")
    public static let supportsInterface = fn("supportsInterface(bytes4)", "bool")
    public static let proxiableUUID = fn("proxiableUUID()", "bytes32")
    // DstackKms
    public static let isKmsAllowed = fn("isKmsAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))", "bool,string")
    public static let kmsInfo = fn("kmsInfo()", "bytes,bytes,bytes,bytes")
    public static let gatewayAppId = fn("gatewayAppId()", "string")
    public static let registeredApps = fn("registeredApps(address)", "bool")
    public static let allowedOsImages = fn("allowedOsImages(bytes32)", "bool")
    public static let appImplementation = fn("appImplementation()", "address")
    // TimelockAppAuth
    public static let noticePeriod = fn("noticePeriod()", "uint256")
    public static let proposedAt = fn("proposedAt(bytes32)", "uint256")
    public static let activatesAt = fn("activatesAt(bytes32)", "uint256")
    // TeeOracle
    public static let oracleProofTuple = "(bytes32,bytes,bytes,bytes,bytes,bytes,string)"
    public static let oracleVerify = fn("verify(bytes32,bytes,bytes,bytes,bytes,bytes,string)", "bool")
    public static let oracleKmsRoot = fn("kmsRoot()", "address")
    public static let oracleAppId = fn("appId()", "bytes32")
    public static let oracleRequests = fn("requests(uint256)", "address,uint256,uint256,bool")
    // Owner classification
    public static let safeGetThreshold = fn("getThreshold()", "uint256")
    public static let safeGetOwners = fn("getOwners()", "address[]")
    public static let timelockGetMinDelay = fn("getMinDelay()", "uint256")

    /// ERC-1967 implementation slot.
    public static let erc1967ImplementationSlot: Bytes = (try? Hex.decode("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc")) ?? []
    public static let iAppAuthInterfaceId: Bytes = [0x1e, 0x07, 0x91, 0x98]
    public static let iAppAuthBasicManagementInterfaceId: Bytes = [0x8f, 0xd3, 0x75, 0x27]

    /// PolicyChanged tag names by keccak256(tag).
    public static let policyTags: [String] = [
        "compose-hash", "device", "allow-any-device", "require-tcb-up-to-date", "upgrades-disabled",
        "implementation-upgrade", "app-implementation", "kms-info", "gateway-app-id", "registered-app",
        "kms-aggregated-mr", "kms-device", "os-image",
    ]
    public static func policyTag(_ hash: Bytes) -> String? {
        policyTags.first { Keccak.keccak256(Array($0.utf8)) == hash }
    }
}

extension ABIFunction {
    static let invalid: ABIFunction = {
        // "x()" always parses.
        try! ABIFunction("invalid()")
    }()
}

/// Event declarations per contract kind. The same topic0 may be laid out differently per kind
/// (DstackApp `ComposeHashRemoved(bytes32)` in data; TimelockAppAuth's with the hash indexed).
public enum EventCatalog {
    static func ev(_ d: String) -> ABIEvent { (try? ABIEvent(d)) ?? ABIEvent(name: "invalid", params: []) }

    public static let oz: [ABIEvent] = [
        ev("OwnershipTransferred(address indexed previousOwner, address indexed newOwner)"),
        ev("OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner)"),
        ev("Upgraded(address indexed implementation)"),
        ev("Initialized(uint64 version)"),
    ]
    static let policyChanged = ev("PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled)")

    public static let dstackApp: [ABIEvent] = [
        ev("ComposeHashAdded(bytes32 composeHash)"),
        ev("ComposeHashRemoved(bytes32 composeHash)"),
        ev("DeviceAdded(bytes32 deviceId)"),
        ev("DeviceRemoved(bytes32 deviceId)"),
        ev("AllowAnyDeviceSet(bool allowAny)"),
        ev("UpgradesDisabled()"),
        ev("RequireTcbUpToDateSet(bool requireUpToDate)"),
        policyChanged,
    ] + oz

    public static let dstackKms: [ABIEvent] = [
        ev("AppRegistered(address appId)"),
        ev("KmsInfoSet(bytes k256Pubkey)"),
        ev("KmsAggregatedMrAdded(bytes32 mrAggregated)"),
        ev("KmsAggregatedMrRemoved(bytes32 mrAggregated)"),
        ev("KmsDeviceAdded(bytes32 deviceId)"),
        ev("KmsDeviceRemoved(bytes32 deviceId)"),
        ev("OsImageHashAdded(bytes32 osImageHash)"),
        ev("OsImageHashRemoved(bytes32 osImageHash)"),
        ev("GatewayAppIdSet(string gatewayAppId)"),
        ev("AppImplementationSet(address implementation)"),
        ev("AppDeployedViaFactory(address indexed appId, address indexed deployer)"),
        policyChanged,
    ] + oz

    public static let timelockAppAuth: [ABIEvent] = [
        ev("ComposeHashProposed(bytes32 indexed composeHash, uint256 activatesAt)"),
        ev("ComposeHashActivated(bytes32 indexed composeHash)"),
        ev("ComposeHashCancelled(bytes32 indexed composeHash)"),
        ev("ComposeHashRemoved(bytes32 indexed composeHash)"),
        ev("OwnershipTransferred(address indexed previousOwner, address indexed newOwner)"),
    ]

    public static let teeOracle: [ABIEvent] = [
        ev("RequestCreated(uint256 indexed requestId, address indexed requester, uint256 reward)"),
        ev("RequestFulfilled(uint256 indexed requestId, uint256 price, address fulfiller)"),
        ev("OracleMessageVerified(bytes32 indexed messageHash, address signer)"),
    ]

    public static func events(for kind: ContractKind) -> [ABIEvent] {
        switch kind {
        case .dstackApp: return dstackApp
        case .dstackKms: return dstackKms
        case .timelockAppAuth: return timelockAppAuth
        case .teeOracle: return teeOracle
        }
    }

    /// Every distinct topic0 in the catalog.
    public static var allTopics: [Bytes] {
        var seen = Set<Bytes>(), out = [Bytes]()
        for k in ContractKind.allCases { for e in events(for: k) where seen.insert(e.topic0).inserted { out.append(e.topic0) } }
        return out
    }

    /// Decodes a log with the declarations of `kind`. Returns nil when topic0 is not in the catalog.
    /// When the declared layout does not match the log's topic count (another template or version), the
    /// declarations of the other kinds with the same topic0 are tried, then a layout with the first
    /// `topics-1` parameters indexed; the result says which layout was used.
    public static func decode(_ log: EthLog, kind: ContractKind?) throws -> DecodedEvent? {
        guard let t0 = log.topic0 else { return nil }
        var candidates = [ABIEvent]()
        if let kind { candidates += events(for: kind).filter { $0.topic0 == t0 } }
        for k in ContractKind.allCases where k != kind { candidates += events(for: k).filter { $0.topic0 == t0 } }
        guard let first = candidates.first else { return nil }
        var lastError: Error?
        for c in candidates {
            do { return try c.decode(log) } catch { lastError = error }
        }
        let n = log.topics.count - 1
        if n <= first.params.count {
            do { return try first.withIndexedPrefix(n).decode(log) } catch { lastError = error }
        }
        throw lastError ?? ABIError("cannot decode \(first.signature)")
    }
}
