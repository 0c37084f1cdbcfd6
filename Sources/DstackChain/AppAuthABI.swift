import DevProofCore
import EVM

/// The vocabulary of AppAuth contracts (DstackApp, TimelockAppAuth) and of the accounts that own them
/// (TimelockController, Safe). Selectors and topics are computed from the signatures with our Keccak;
/// tests pin them to the values in dstack-formats.md Appendix A.
public enum AppAuthABI {
    public enum Function: String, CaseIterable, Sendable {
        // IAppAuth / DstackApp
        case isAppAllowed = "isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))"
        case allowedComposeHashes = "allowedComposeHashes(bytes32)"
        case allowedDeviceIds = "allowedDeviceIds(bytes32)"
        case allowAnyDevice = "allowAnyDevice()"
        case requireTcbUpToDate = "requireTcbUpToDate()"
        case version = "version()"
        case addComposeHash = "addComposeHash(bytes32)"
        case removeComposeHash = "removeComposeHash(bytes32)"
        case addDevice = "addDevice(bytes32)"
        case removeDevice = "removeDevice(bytes32)"
        case setAllowAnyDevice = "setAllowAnyDevice(bool)"
        case setRequireTcbUpToDate = "setRequireTcbUpToDate(bool)"
        case disableUpgrades = "disableUpgrades()"
        case supportsInterface = "supportsInterface(bytes4)"
        // Ownable / Ownable2Step / UUPS
        case owner = "owner()"
        case pendingOwner = "pendingOwner()"
        case transferOwnership = "transferOwnership(address)"
        case acceptOwnership = "acceptOwnership()"
        case renounceOwnership = "renounceOwnership()"
        case upgradeToAndCall = "upgradeToAndCall(address,bytes)"
        case upgradeTo = "upgradeTo(address)"
        case proxiableUUID = "proxiableUUID()"
        // TimelockAppAuth (tutorial 08)
        case noticePeriod = "noticePeriod()"
        case proposedAt = "proposedAt(bytes32)"
        case activatesAt = "activatesAt(bytes32)"
        case proposeComposeHash = "proposeComposeHash(bytes32)"
        case activateComposeHash = "activateComposeHash(bytes32)"
        case cancelProposal = "cancelProposal(bytes32)"
        // Delay setters a notice-period contract must not expose to its owner.
        case setNoticePeriod = "setNoticePeriod(uint256)"
        case updateNoticePeriod = "updateNoticePeriod(uint256)"
        case setDelay = "setDelay(uint256)"
        case updateDelay = "updateDelay(uint256)"
        // Owner classification
        case getMinDelay = "getMinDelay()"
        case hasRole = "hasRole(bytes32,address)"
        case getTimestamp = "getTimestamp(bytes32)"
        case getThreshold = "getThreshold()"
        case getOwners = "getOwners()"

        public var selector: Bytes { Array(Keccak.keccak256(Array(rawValue.utf8)).prefix(4)) }
        public var selectorHex: String { selector.hex0x }
        /// The function name without its parameter list.
        public var name: String { String(rawValue.prefix { $0 != "(" }) }
    }

    public enum Event: String, CaseIterable, Sendable {
        case composeHashAdded = "ComposeHashAdded(bytes32)"
        case composeHashRemoved = "ComposeHashRemoved(bytes32)"
        case deviceAdded = "DeviceAdded(bytes32)"
        case deviceRemoved = "DeviceRemoved(bytes32)"
        case allowAnyDeviceSet = "AllowAnyDeviceSet(bool)"
        case upgradesDisabled = "UpgradesDisabled()"
        case requireTcbUpToDateSet = "RequireTcbUpToDateSet(bool)"
        case policyChanged = "PolicyChanged(address,bytes32,bytes32,bool)"
        case ownershipTransferred = "OwnershipTransferred(address,address)"
        case ownershipTransferStarted = "OwnershipTransferStarted(address,address)"
        case upgraded = "Upgraded(address)"
        case adminChanged = "AdminChanged(address,address)"
        case initialized = "Initialized(uint64)"
        case composeHashProposed = "ComposeHashProposed(bytes32,uint256)"
        case composeHashActivated = "ComposeHashActivated(bytes32)"
        case composeHashCancelled = "ComposeHashCancelled(bytes32)"
        // TimelockController (AccessControl)
        case roleGranted = "RoleGranted(bytes32,address,address)"
        case roleRevoked = "RoleRevoked(bytes32,address,address)"
        case callScheduled = "CallScheduled(bytes32,uint256,address,uint256,bytes,bytes32,uint256)"

        public var topic: Bytes { Keccak.keccak256(Array(rawValue.utf8)) }
        public var name: String { String(rawValue.prefix { $0 != "(" }) }
        public static func named(topic: Bytes) -> Event? { allCases.first { $0.topic == topic } }
    }

    /// ERC-165 interface ids declared by dstack's contracts.
    public static let iAppAuth = "0x1e079198"
    public static let iAppAuthBasicManagement = "0x8fd37527"
    public static let iERC165 = "0x01ffc9a7"

    /// PolicyChanged's indexed `policy` = keccak256(tag).
    public static func policyTag(_ tag: String) -> Bytes { Keccak.keccak256(Array(tag.utf8)) }

    /// ERC-1967 slots: keccak256("eip1967.proxy.<name>") - 1.
    public static let implementationSlot = try! Hex.decode("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc")
    public static let adminSlot = try! Hex.decode("b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103")
    public static let beaconSlot = try! Hex.decode("a3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50")

    /// A compose hash that no one would allow, used to simulate `addComposeHash` without side effects.
    public static let probeHash = Keccak.keccak256(Array("devproof.appauth.probe".utf8))

    /// An address no one controls in practice, used as the caller of simulations that must fail for
    /// strangers (e.g. a timelock's updateDelay).
    public static let arbitraryCaller = try! Address(bytes: Array(Keccak.keccak256(Array("devproof.appauth.stranger".utf8)).suffix(20)))

    /// Selectors present in runtime code. A 4-byte selector is taken as present when its bytes occur
    /// anywhere in the code: Solidity dispatchers compare with PUSH4 constants, Vyper's bucket
    /// dispatcher keeps them in a data section. A selector with a leading zero byte may be pushed with
    /// PUSH3, so for those the 3 trailing bytes after a PUSH3 opcode also count. A random 4-byte string
    /// occurs by chance with probability ~ codeSize / 2^32 (about 1e-5 for 24 KiB).
    public static func selectorsPresent(in code: Bytes, among functions: [Function] = Function.allCases) -> Set<String> {
        var found = Set<String>()
        guard code.count >= 4 else { return found }
        for f in functions {
            let s = f.selector
            if contains(code, s) || (s[0] == 0 && contains(code, [0x62] + s[1...])) { found.insert(f.selectorHex) }
        }
        return found
    }

    static func contains(_ hay: Bytes, _ needle: Bytes) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count else { return false }
        let first = needle[0], n = needle.count
        var i = 0
        while i <= hay.count - n {
            if hay[i] == first {
                var k = 1
                while k < n && hay[i + k] == needle[k] { k += 1 }
                if k == n { return true }
            }
            i += 1
        }
        return false
    }

    /// EIP-7702 delegation designator `0xef0100 || address`.
    public static func delegation(in code: Bytes) -> Address? {
        guard code.count == 23, code[0] == 0xef, code[1] == 0x01, code[2] == 0x00 else { return nil }
        return try? Address(bytes: Array(code[3...]))
    }
}
