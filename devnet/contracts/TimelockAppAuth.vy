# pragma version ~=0.4.3
# @title TimelockAppAuth (devnet)
# @notice Same ABI and semantics as the dstack tutorial's 08 TimelockAppAuth: compose hashes are proposed by the
#         owner, become activatable by anyone after noticePeriod, the owner can cancel a proposal or remove a hash
#         instantly. The constructor's initial hash is active at once and emits no event. No ERC-165, no TCB check.

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

event ComposeHashProposed:
    hash: indexed(bytes32)
    activatesAt: uint256

event ComposeHashActivated:
    hash: indexed(bytes32)

event ComposeHashCancelled:
    hash: indexed(bytes32)

event ComposeHashRemoved:
    hash: indexed(bytes32)

owner: public(address)
noticePeriod: public(uint256)
allowAnyDevice: public(bool)
allowedComposeHashes: public(HashMap[bytes32, bool])
allowedDeviceIds: public(HashMap[bytes32, bool])
proposedAt: public(HashMap[bytes32, uint256])


@deploy
def __init__(_noticePeriod: uint256, _allowAnyDevice: bool, initialComposeHash: bytes32):
    self.owner = msg.sender
    self.noticePeriod = _noticePeriod
    self.allowAnyDevice = _allowAnyDevice
    if initialComposeHash != empty(bytes32):
        self.allowedComposeHashes[initialComposeHash] = True


@internal
@view
def _only_owner():
    assert msg.sender == self.owner, "not owner"


@external
def proposeComposeHash(hash: bytes32):
    self._only_owner()
    assert self.proposedAt[hash] == 0, "already proposed"
    assert not self.allowedComposeHashes[hash], "already active"
    self.proposedAt[hash] = block.timestamp
    log ComposeHashProposed(hash=hash, activatesAt=block.timestamp + self.noticePeriod)


@external
def activateComposeHash(hash: bytes32):
    assert self.proposedAt[hash] != 0, "not proposed"
    assert block.timestamp >= self.proposedAt[hash] + self.noticePeriod, "notice period not elapsed"
    self.allowedComposeHashes[hash] = True
    self.proposedAt[hash] = 0
    log ComposeHashActivated(hash=hash)


@external
def cancelProposal(hash: bytes32):
    self._only_owner()
    assert self.proposedAt[hash] != 0, "not proposed"
    self.proposedAt[hash] = 0
    log ComposeHashCancelled(hash=hash)


@external
def removeComposeHash(hash: bytes32):
    self._only_owner()
    self.allowedComposeHashes[hash] = False
    log ComposeHashRemoved(hash=hash)


@external
@view
def activatesAt(hash: bytes32) -> uint256:
    assert self.proposedAt[hash] != 0, "not proposed"
    return self.proposedAt[hash] + self.noticePeriod


@external
@view
def isAppAllowed(bootInfo: AppBootInfo) -> (bool, String[64]):
    if not self.allowedComposeHashes[bootInfo.composeHash]:
        return False, "compose hash not allowed"
    if not self.allowAnyDevice and not self.allowedDeviceIds[bootInfo.deviceId]:
        return False, "device not allowed"
    return True, ""
