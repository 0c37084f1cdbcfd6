import DevProofCore
import EVM

/// Everything `devproof appauth` judges, read from one pinned block: a plain value, filled by
/// `AppAuthReader` over JSON-RPC (or built by hand in tests), judged by `DevProofChecks.AppAuth`.
///
/// Every field records *evidence*, not conclusions: what the code contains, what the view functions
/// answered, what the logs say, what a simulated call did. `nil` always means "not obtained" (the
/// call reverted, the function does not exist, or the reader could not ask), never "false".
public struct AppAuthSnapshot: Sendable, Equatable {
    public struct Block: Sendable, Equatable {
        public var number: UInt64
        public var hash: Bytes
        public var timestamp: Int64
        public init(number: UInt64, hash: Bytes, timestamp: Int64) {
            self.number = number; self.hash = hash; self.timestamp = timestamp
        }
    }

    /// ERC-1967 slots of the app contract (nil when the slot is zero).
    public struct Proxy: Sendable, Equatable {
        public var implementation: Address?
        public var implementationCodeSize: Int
        public var implementationCodeHash: Bytes?
        /// ERC-1967 admin slot: a transparent proxy's admin can upgrade regardless of the app's owner.
        public var admin: Address?
        /// ERC-1967 beacon slot: whoever controls the beacon controls the implementation.
        public var beacon: Address?
        public init(implementation: Address? = nil, implementationCodeSize: Int = 0, implementationCodeHash: Bytes? = nil,
                    admin: Address? = nil, beacon: Address? = nil) {
            self.implementation = implementation; self.implementationCodeSize = implementationCodeSize
            self.implementationCodeHash = implementationCodeHash; self.admin = admin; self.beacon = beacon
        }
        public var isProxy: Bool { implementation != nil || beacon != nil }
    }

    /// Classification evidence of an account that holds a power over the app (owner, pending owner,
    /// proxy admin).
    public struct Principal: Sendable, Equatable {
        public var address: Address
        public var codeSize: Int
        /// EIP-7702: code `0xef0100 || delegate` means an EOA (a key holder) delegating to code.
        public var delegatesTo: Address?
        /// `getMinDelay()` (OpenZeppelin TimelockController-like).
        public var minDelay: UInt64?
        /// `getThreshold()` / `getOwners()` (Safe-like).
        public var threshold: UInt64?
        public var owners: [Address]?
        /// Accounts holding the timelock's DEFAULT_ADMIN_ROLE per RoleGranted/RoleRevoked logs (nil: not read).
        public var timelockAdmins: [Address]?
        /// Simulated `updateDelay(0)` called by the timelock's admins (nil: not simulated). true = a caller other
        /// than the timelock itself can change the delay in one call.
        public var delayChangeableByOthers: Bool?

        public init(address: Address, codeSize: Int = 0, delegatesTo: Address? = nil, minDelay: UInt64? = nil,
                    threshold: UInt64? = nil, owners: [Address]? = nil, timelockAdmins: [Address]? = nil,
                    delayChangeableByOthers: Bool? = nil) {
            self.address = address; self.codeSize = codeSize; self.delegatesTo = delegatesTo; self.minDelay = minDelay
            self.threshold = threshold; self.owners = owners; self.timelockAdmins = timelockAdmins
            self.delayChangeableByOthers = delayChangeableByOthers
        }

        public enum Kind: String, Sendable, Equatable {
            case renounced = "zero-address"
            case eoa
            case timelock = "timelock-controller"
            case safe = "safe"
            case contract = "unknown-contract"
        }

        /// A timelock's delay wins over a Safe's threshold: what matters for notice is the delay.
        public var kind: Kind {
            if address.isZero { return .renounced }
            if codeSize == 0 || delegatesTo != nil { return .eoa }
            if minDelay != nil { return .timelock }
            if threshold != nil && owners != nil { return .safe }
            return .contract
        }
    }

    /// One simulated state-changing call (`eth_call` with `from` set): the most direct evidence that a
    /// caller can do something *in one transaction* at the pinned block.
    public struct Simulation: Sendable, Equatable {
        public var name: String
        public var from: Address
        public var to: Address
        /// true: the call succeeded; false: it reverted.
        public var succeeded: Bool
        public var revertReason: String?
        public init(name: String, from: Address, to: Address, succeeded: Bool, revertReason: String? = nil) {
            self.name = name; self.from = from; self.to = to; self.succeeded = succeeded; self.revertReason = revertReason
        }
    }

    public struct AllowedHash: Sendable, Equatable {
        public enum Source: String, Sendable, Equatable {
            /// ComposeHashAdded / PolicyChanged(compose-hash) / ComposeHashActivated logs.
            case event
            /// TimelockAppAuth's constructor argument (no event): read from the creation transaction.
            case creation
            /// The hash given by the user (`--compose-hash`), confirmed by the view function.
            case input
        }
        public var hash: Bytes
        public var source: Source
        /// Block of the last event that allowed it (nil for creation/input).
        public var block: UInt64?
        public init(hash: Bytes, source: Source, block: UInt64? = nil) { self.hash = hash; self.source = source; self.block = block }
    }

    public struct Proposal: Sendable, Equatable {
        public var hash: Bytes
        public var proposedAt: Int64?
        public var activatesAt: Int64
        public var proposedBlock: UInt64?
        public init(hash: Bytes, proposedAt: Int64?, activatesAt: Int64, proposedBlock: UInt64? = nil) {
            self.hash = hash; self.proposedAt = proposedAt; self.activatesAt = activatesAt; self.proposedBlock = proposedBlock
        }
    }

    /// An operation scheduled on the owner's timelock (CallScheduled, still pending per getTimestamp).
    public struct ScheduledCall: Sendable, Equatable {
        public var id: Bytes
        public var target: Address
        /// Function name when the selector is known ("addComposeHash"), else the selector as 0x-hex.
        public var function: String
        /// First argument word (e.g. the compose hash), when present.
        public var argument: Bytes?
        public var readyAt: Int64
        public var scheduledBlock: UInt64?
        public init(id: Bytes, target: Address, function: String, argument: Bytes? = nil, readyAt: Int64, scheduledBlock: UInt64? = nil) {
            self.id = id; self.target = target; self.function = function; self.argument = argument
            self.readyAt = readyAt; self.scheduledBlock = scheduledBlock
        }
    }

    /// Timeline entry from the app's logs.
    public struct Event: Sendable, Equatable {
        public var block: UInt64
        public var txHash: Bytes?
        public var name: String
        /// The event's subject (hash, device, address) as 0x-hex, or a bool as "true"/"false".
        public var value: String?
        public init(block: UInt64, txHash: Bytes? = nil, name: String, value: String? = nil) {
            self.block = block; self.txHash = txHash; self.name = name; self.value = value
        }
    }

    /// What the logs covered. `complete == false` means hashes allowed without an event (or before
    /// `fromBlock`) may be missing from `allowedHashes`.
    public struct History: Sendable, Equatable {
        public var fromBlock: UInt64
        public var toBlock: UInt64
        public var events: [Event]
        public init(fromBlock: UInt64, toBlock: UInt64, events: [Event]) {
            self.fromBlock = fromBlock; self.toBlock = toBlock; self.events = events
        }
    }

    public var app: Address
    public var chainId: UInt64?
    public var block: Block
    public var codeSize: Int
    public var codeHash: Bytes?
    public var proxy: Proxy
    /// ERC-165 answers by interface id ("0x1e079198" → true/false); absent = no answer (reverted).
    public var interfaces: [String: Bool]
    /// Function selectors ("0xdfc77223") found in the app's code and its implementation's code.
    public var selectors: Set<String>

    /// `owner()`; nil when the contract has no owner() or it reverted.
    public var owner: Principal?
    public var pendingOwner: Principal?
    /// The ERC-1967 admin, classified (only when the admin slot is set).
    public var proxyAdmin: Principal?

    public var noticePeriod: UInt64?
    public var allowAnyDevice: Bool?
    public var requireTcbUpToDate: Bool?
    public var version: UInt64?
    /// UpgradesDisabled / PolicyChanged(upgrades-disabled) seen in the logs (nil: logs not read).
    public var upgradesDisabledEvent: Bool?
    /// DstackApp storage slot 1 byte 0 (layout of v0.5.5+; only read for DstackApp; nil: not read).
    public var upgradesDisabledStorage: Bool?

    public var history: History?
    /// Currently allowed compose hashes, each confirmed by `allowedComposeHashes(h)` at the pinned block.
    public var allowedHashes: [AllowedHash]
    /// True when every way a hash could have been allowed was enumerated (all logs from before creation,
    /// plus the constructor hash for TimelockAppAuth). False: `allowedHashes` is a lower bound.
    public var allowedHashesComplete: Bool
    /// Pending proposals (TimelockAppAuth), each confirmed by `activatesAt(h)` at the pinned block.
    public var proposals: [Proposal]
    /// Allowed device ids, confirmed by `allowedDeviceIds(d)`.
    public var devices: [Bytes]
    /// Pending operations on the owner's timelock that target the app or the timelock itself.
    public var scheduled: [ScheduledCall] = []
    public var simulations: [Simulation]

    /// The running compose hash (from `--compose-hash` or an attest report) and the view's answer.
    public var runningHash: Bytes?
    public var runningHashAllowed: Bool?

    /// Problems the reader met that limit the evidence (each one line), shown in the report.
    public var notes: [String]

    public init(app: Address, chainId: UInt64? = nil, block: Block, codeSize: Int, codeHash: Bytes? = nil,
                proxy: Proxy = Proxy(), interfaces: [String: Bool] = [:], selectors: Set<String> = [],
                owner: Principal? = nil, pendingOwner: Principal? = nil, proxyAdmin: Principal? = nil,
                noticePeriod: UInt64? = nil, allowAnyDevice: Bool? = nil, requireTcbUpToDate: Bool? = nil,
                version: UInt64? = nil, upgradesDisabledEvent: Bool? = nil, upgradesDisabledStorage: Bool? = nil,
                history: History? = nil, allowedHashes: [AllowedHash] = [], allowedHashesComplete: Bool = false,
                proposals: [Proposal] = [], devices: [Bytes] = [], simulations: [Simulation] = [],
                runningHash: Bytes? = nil, runningHashAllowed: Bool? = nil, notes: [String] = []) {
        self.app = app; self.chainId = chainId; self.block = block; self.codeSize = codeSize; self.codeHash = codeHash
        self.proxy = proxy; self.interfaces = interfaces; self.selectors = selectors
        self.owner = owner; self.pendingOwner = pendingOwner; self.proxyAdmin = proxyAdmin
        self.noticePeriod = noticePeriod; self.allowAnyDevice = allowAnyDevice; self.requireTcbUpToDate = requireTcbUpToDate
        self.version = version; self.upgradesDisabledEvent = upgradesDisabledEvent
        self.upgradesDisabledStorage = upgradesDisabledStorage; self.history = history
        self.allowedHashes = allowedHashes; self.allowedHashesComplete = allowedHashesComplete
        self.proposals = proposals; self.devices = devices; self.simulations = simulations
        self.runningHash = runningHash; self.runningHashAllowed = runningHashAllowed; self.notes = notes
    }

    public func has(_ selector: AppAuthABI.Function) -> Bool { selectors.contains(selector.selectorHex) }
    public func supports(_ iface: String) -> Bool? { interfaces[iface] }
    public func simulation(_ name: String) -> Simulation? { simulations.first { $0.name == name } }
}
