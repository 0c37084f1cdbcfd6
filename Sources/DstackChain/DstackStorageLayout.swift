import DevProofCore
import EVM

/// Where dstack's contracts keep the values devproof's verdicts use, so that `--trusted-block` can prove them
/// from storage. Two layouts are built in:
///
/// - `dstack` (default): upstream Solidity `kms/auth-eth/contracts` of github.com/Dstack-TEE/dstack at commit
///   312dc605 (verifier-v0.5.11 era), built on OpenZeppelin v5 upgradeable contracts, whose Ownable and
///   Ownable2Step state lives at ERC-7201 namespace roots. DstackApp: allowedComposeHashes mapping at slot 0;
///   slot 1 packs `_upgradesDisabled` (byte 0) and `allowAnyDevice` (byte 1); allowedDeviceIds mapping at slot 2;
///   requireTcbUpToDate at slot 3. DstackKms: `KmsInfo kmsInfo` at slots 0–3 (k256Pubkey is a `bytes` at slot 0),
///   gatewayAppId slot 4, registeredApps 5, kmsAllowedAggregatedMrs 6, kmsAllowedDeviceIds 7, allowedOsImages 8,
///   appImplementation 9.
/// - `devnet-vyper`: the devnet's Vyper look-alikes (devnet/contracts). DstackApp uses a storage-layout override
///   that puts every scalar at the Solidity slot, but Vyper hashes mapping keys keccak(slot . key). DstackKms has
///   Vyper's default layout (`vyper -f layout`): `_kmsInfo` from slot 0 (k256Pubkey: length at 0, data from 1),
///   registeredApps 541, kmsAllowedAggregatedMrs 542, kmsAllowedDeviceIds 543, allowedOsImages 544,
///   appImplementation 545, owner 546.
///
/// A layout is an assumption about the contract's code: every proven value is cross-checked against the
/// provider's `eth_call` answer, and a disagreement fails `rpc.proof` naming the slot and both values.
public struct DstackStorageLayout: Sendable, Equatable {
    public var name: String
    /// Which source the layout was read from.
    public var origin: String

    // DstackApp
    public var appHashing: StorageSlot.KeyHashing
    public var allowedComposeHashes: Bytes
    public var allowedDeviceIds: Bytes
    public var upgradesDisabled: PackedScalar
    public var allowAnyDevice: PackedScalar
    public var requireTcbUpToDate: PackedScalar
    public var appOwner: PackedScalar
    public var appPendingOwner: PackedScalar

    // DstackKms
    public var kmsHashing: StorageSlot.KeyHashing
    public var kmsBytes: DynamicBytesLayout
    public var k256Pubkey: Bytes
    public var registeredApps: Bytes
    public var kmsAllowedAggregatedMrs: Bytes
    public var kmsAllowedDeviceIds: Bytes
    public var allowedOsImages: Bytes
    public var kmsOwner: PackedScalar

    /// Largest `bytes` value read from storage (a secp256k1 key is at most 65 bytes).
    public static let maxBytes = 128

    static func n(_ v: UInt64) -> Bytes { StorageSlot.number(v) }

    public static let ozOwnable = StorageSlot.erc7201("openzeppelin.storage.Ownable")
    public static let ozOwnable2Step = StorageSlot.erc7201("openzeppelin.storage.Ownable2Step")

    public static let dstack = DstackStorageLayout(
        name: "dstack", origin: "Dstack-TEE/dstack kms/auth-eth/contracts at 312dc605 (Solidity, OpenZeppelin v5 ERC-7201)",
        appHashing: .solidity, allowedComposeHashes: n(0), allowedDeviceIds: n(2),
        upgradesDisabled: PackedScalar(slot: n(1), offset: 0, size: 1), allowAnyDevice: PackedScalar(slot: n(1), offset: 1, size: 1),
        requireTcbUpToDate: PackedScalar(slot: n(3), offset: 0, size: 1),
        appOwner: PackedScalar(slot: ozOwnable, offset: 0, size: 20), appPendingOwner: PackedScalar(slot: ozOwnable2Step, offset: 0, size: 20),
        kmsHashing: .solidity, kmsBytes: .solidity, k256Pubkey: n(0), registeredApps: n(5), kmsAllowedAggregatedMrs: n(6),
        kmsAllowedDeviceIds: n(7), allowedOsImages: n(8), kmsOwner: PackedScalar(slot: ozOwnable, offset: 0, size: 20))

    public static let devnetVyper = DstackStorageLayout(
        name: "devnet-vyper", origin: "devproof devnet/contracts (Vyper 0.4; DstackApp.layout.json override)",
        appHashing: .vyper, allowedComposeHashes: n(0), allowedDeviceIds: n(2),
        upgradesDisabled: PackedScalar(slot: n(1), offset: 0, size: 1), allowAnyDevice: PackedScalar(slot: n(1), offset: 1, size: 1),
        requireTcbUpToDate: PackedScalar(slot: n(3), offset: 0, size: 32),
        appOwner: PackedScalar(slot: ozOwnable, offset: 0, size: 20), appPendingOwner: PackedScalar(slot: ozOwnable2Step, offset: 0, size: 20),
        kmsHashing: .vyper, kmsBytes: .vyper, k256Pubkey: n(0), registeredApps: n(541), kmsAllowedAggregatedMrs: n(542),
        kmsAllowedDeviceIds: n(543), allowedOsImages: n(544), kmsOwner: PackedScalar(slot: n(546), offset: 0, size: 20))

    public static let builtIn: [DstackStorageLayout] = [.dstack, .devnetVyper]

    /// `--storage-layout NAME`.
    public static func named(_ name: String) throws -> DstackStorageLayout {
        guard let l = builtIn.first(where: { $0.name == name }) else {
            throw DevProofError.usage("--storage-layout '\(name.prefix(60))' is not one of: \(builtIn.map(\.name).joined(separator: ", "))")
        }
        return l
    }

    public func appMapping(_ base: Bytes, _ key: Bytes) -> Bytes { StorageSlot.mapping(base, key: key, hashing: appHashing) }
    public func kmsMapping(_ base: Bytes, _ key: Bytes) -> Bytes { StorageSlot.mapping(base, key: key, hashing: kmsHashing) }
}
