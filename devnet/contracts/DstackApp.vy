# pragma version ~=0.4.3
# @title DstackApp (devnet)
# @notice ABI-compatible with dstack's kms/auth-eth DstackApp (UUPS implementation behind an ERC-1967 proxy):
#         same function selectors, events and topics, Ownable2Step owner, ERC-165. Written for devproof's devnet.
# @dev Storage: allowedComposeHashes slot 0, flags slot 1 (byte 0 upgradesDisabled, byte 1 allowAnyDevice, like
#      the Solidity packing), allowedDeviceIds slot 2, requireTcbUpToDate slot 3; owner / pendingOwner /
#      initialized at OpenZeppelin's ERC-7201 slots, implementation at the ERC-1967 slot (see DstackApp.layout.json).
#      Vyper hashes mapping keys as keccak(slot . key) (Solidity: keccak(key . slot)).

struct AppBootInfo:
    appId: address
    composeHash: bytes32
    instanceId: address
    deviceId: bytes32
    mrAggregated: bytes32
    mrSystem: bytes32
    osImageHash: bytes32
    tcbStatus: String[128]
    advisoryIds: DynArray[String[128], 64]

event ComposeHashAdded:
    composeHash: bytes32

event ComposeHashRemoved:
    composeHash: bytes32

event DeviceAdded:
    deviceId: bytes32

event DeviceRemoved:
    deviceId: bytes32

event AllowAnyDeviceSet:
    allowAny: bool

event RequireTcbUpToDateSet:
    requireUpToDate: bool

event UpgradesDisabled:
    pass

event PolicyChanged:
    actor: indexed(address)
    policy: indexed(bytes32)
    policyValue: indexed(bytes32)
    enabled: bool

event OwnershipTransferred:
    previousOwner: indexed(address)
    newOwner: indexed(address)

event OwnershipTransferStarted:
    previousOwner: indexed(address)
    newOwner: indexed(address)

event Upgraded:
    implementation: indexed(address)

event Initialized:
    version: uint64

IMPLEMENTATION_SLOT: constant(bytes32) = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc
TAG_COMPOSE_HASH: constant(bytes32) = keccak256("compose-hash")
TAG_DEVICE: constant(bytes32) = keccak256("device")
TAG_ALLOW_ANY_DEVICE: constant(bytes32) = keccak256("allow-any-device")
TAG_REQUIRE_TCB: constant(bytes32) = keccak256("require-tcb-up-to-date")
TAG_UPGRADES_DISABLED: constant(bytes32) = keccak256("upgrades-disabled")
TAG_IMPLEMENTATION_UPGRADE: constant(bytes32) = keccak256("implementation-upgrade")

allowedComposeHashes: public(HashMap[bytes32, bool])
_flags: uint256
allowedDeviceIds: public(HashMap[bytes32, bool])
_requireTcbUpToDate: bool
_owner: address
_pendingOwner: address
_initialized: uint256
_implementation: address

SELF: immutable(address)


@deploy
def __init__():
    # like OpenZeppelin's _disableInitializers(): the implementation itself can never be initialized
    SELF = self
    self._initialized = convert(max_value(uint64), uint256)
    log Initialized(version=max_value(uint64))


@internal
@view
def _only_owner():
    assert msg.sender == self._owner, "Ownable: caller is not the owner"


@internal
def _transfer_ownership(new_owner: address):
    self._pendingOwner = empty(address)
    old: address = self._owner
    self._owner = new_owner
    log OwnershipTransferred(previousOwner=old, newOwner=new_owner)


@external
def initialize(initialOwner: address, _disableUpgrades: bool, _allowAnyDevice: bool, _requireTcbUpToDate: bool,
               initialDeviceId: bytes32, initialComposeHash: bytes32):
    assert self._initialized == 0, "Initializable: already initialized"
    assert initialOwner != empty(address), "invalid owner address"
    flags: uint256 = 0
    if _disableUpgrades:
        flags |= 1
    if _allowAnyDevice:
        flags |= 256
    self._flags = flags
    self._requireTcbUpToDate = _requireTcbUpToDate
    if initialDeviceId != empty(bytes32):
        self.allowedDeviceIds[initialDeviceId] = True
        log DeviceAdded(deviceId=initialDeviceId)
    if initialComposeHash != empty(bytes32):
        self.allowedComposeHashes[initialComposeHash] = True
        log ComposeHashAdded(composeHash=initialComposeHash)
    self._transfer_ownership(initialOwner)
    self._initialized = 1
    log Initialized(version=1)


@external
@view
def owner() -> address:
    return self._owner


@external
@view
def pendingOwner() -> address:
    return self._pendingOwner


@external
def transferOwnership(newOwner: address):
    self._only_owner()
    self._pendingOwner = newOwner
    log OwnershipTransferStarted(previousOwner=self._owner, newOwner=newOwner)


@external
def acceptOwnership():
    assert msg.sender == self._pendingOwner, "Ownable: caller is not the new owner"
    self._transfer_ownership(msg.sender)


@external
def renounceOwnership():
    self._only_owner()
    self._transfer_ownership(empty(address))


@external
@pure
def version() -> uint256:
    return 2


@external
@pure
def UPGRADE_INTERFACE_VERSION() -> String[8]:
    return "5.0.0"


@external
@view
def supportsInterface(interfaceId: bytes4) -> bool:
    return interfaceId in [0x01ffc9a7, 0x1e079198, 0x8fd37527]


@external
@view
def allowAnyDevice() -> bool:
    return (self._flags >> 8) & 255 != 0


@external
@view
def requireTcbUpToDate() -> bool:
    return self._requireTcbUpToDate


@external
def addComposeHash(composeHash: bytes32):
    self._only_owner()
    self.allowedComposeHashes[composeHash] = True
    log ComposeHashAdded(composeHash=composeHash)
    log PolicyChanged(actor=msg.sender, policy=TAG_COMPOSE_HASH, policyValue=composeHash, enabled=True)


@external
def removeComposeHash(composeHash: bytes32):
    self._only_owner()
    self.allowedComposeHashes[composeHash] = False
    log ComposeHashRemoved(composeHash=composeHash)
    log PolicyChanged(actor=msg.sender, policy=TAG_COMPOSE_HASH, policyValue=composeHash, enabled=False)


@external
def addDevice(deviceId: bytes32):
    self._only_owner()
    self.allowedDeviceIds[deviceId] = True
    log DeviceAdded(deviceId=deviceId)
    log PolicyChanged(actor=msg.sender, policy=TAG_DEVICE, policyValue=deviceId, enabled=True)


@external
def removeDevice(deviceId: bytes32):
    self._only_owner()
    self.allowedDeviceIds[deviceId] = False
    log DeviceRemoved(deviceId=deviceId)
    log PolicyChanged(actor=msg.sender, policy=TAG_DEVICE, policyValue=deviceId, enabled=False)


@external
def setAllowAnyDevice(_allowAnyDevice: bool):
    self._only_owner()
    flags: uint256 = self._flags & 255
    if _allowAnyDevice:
        flags |= 256
    self._flags = flags
    log AllowAnyDeviceSet(allowAny=_allowAnyDevice)
    log PolicyChanged(actor=msg.sender, policy=TAG_ALLOW_ANY_DEVICE, policyValue=empty(bytes32), enabled=_allowAnyDevice)


@external
def setRequireTcbUpToDate(_requireUpToDate: bool):
    self._only_owner()
    self._requireTcbUpToDate = _requireUpToDate
    log RequireTcbUpToDateSet(requireUpToDate=_requireUpToDate)
    log PolicyChanged(actor=msg.sender, policy=TAG_REQUIRE_TCB, policyValue=empty(bytes32), enabled=_requireUpToDate)


@external
def disableUpgrades():
    self._only_owner()
    self._flags = self._flags | 1
    log UpgradesDisabled()
    log PolicyChanged(actor=msg.sender, policy=TAG_UPGRADES_DISABLED, policyValue=empty(bytes32), enabled=True)


@external
@view
def proxiableUUID() -> bytes32:
    assert self == SELF, "UUPSUnauthorizedCallContext"
    return IMPLEMENTATION_SLOT


@external
@payable
def upgradeToAndCall(newImplementation: address, data: Bytes[4096]):
    assert self != SELF, "UUPSUnauthorizedCallContext"
    self._only_owner()
    assert self._flags & 255 == 0, "Upgrades are permanently disabled"
    uuid: Bytes[32] = raw_call(newImplementation, method_id("proxiableUUID()"), max_outsize=32, is_static_call=True)
    assert len(uuid) == 32 and extract32(uuid, 0) == IMPLEMENTATION_SLOT, "ERC1967InvalidImplementation"
    self._implementation = newImplementation
    log Upgraded(implementation=newImplementation)
    log PolicyChanged(actor=msg.sender, policy=TAG_IMPLEMENTATION_UPGRADE,
                      policyValue=convert(convert(newImplementation, uint256), bytes32), enabled=True)
    if len(data) > 0:
        raw_call(newImplementation, data, is_delegate_call=True)


@external
@view
def isAppAllowed(bootInfo: AppBootInfo) -> (bool, String[64]):
    if self._requireTcbUpToDate and keccak256(bootInfo.tcbStatus) != keccak256("UpToDate"):
        return False, "TCB status is not up to date"
    if not self.allowedComposeHashes[bootInfo.composeHash]:
        return False, "Compose hash not allowed"
    if (self._flags >> 8) & 255 == 0 and not self.allowedDeviceIds[bootInfo.deviceId]:
        return False, "Device not allowed"
    return True, ""
