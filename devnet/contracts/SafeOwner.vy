# pragma version ~=0.4.3
# @title SafeOwner (devnet)
# @notice A Safe-like k-of-n owner: getThreshold(), getOwners(), isOwner(), nonce(), approveHash(bytes32),
#         getTransactionHash(to, value, data, nonce), execTransaction(to, value, data) which needs `threshold`
#         owners to have approved the hash of the call at the current nonce (msg.sender counts if an owner).
#         Not Safe's signature scheme: enough for owner-classification tests.

event ApproveHash:
    approvedHash: indexed(bytes32)
    owner: indexed(address)

event ExecutionSuccess:
    txHash: bytes32
    payment: uint256

MAX_OWNERS: constant(uint256) = 16

_owners: DynArray[address, MAX_OWNERS]
_isOwner: HashMap[address, bool]
_threshold: uint256
nonce: public(uint256)
approvedHashes: public(HashMap[address, HashMap[bytes32, uint256]])


@deploy
def __init__(owners: DynArray[address, MAX_OWNERS], threshold: uint256):
    assert threshold > 0 and threshold <= len(owners), "GS201"
    for o: address in owners:
        assert o != empty(address) and not self._isOwner[o], "GS203"
        self._isOwner[o] = True
    self._owners = owners
    self._threshold = threshold


@external
@view
def getThreshold() -> uint256:
    return self._threshold


@external
@view
def getOwners() -> DynArray[address, MAX_OWNERS]:
    return self._owners


@external
@view
def isOwner(owner: address) -> bool:
    return self._isOwner[owner]


@external
@pure
def VERSION() -> String[16]:
    return "devnet-safe-1"


@internal
@view
def _tx_hash(to: address, amount: uint256, data: Bytes[4096], n: uint256) -> bytes32:
    return keccak256(abi_encode(self, to, amount, keccak256(data), n))


@external
@view
def getTransactionHash(to: address, amount: uint256, data: Bytes[4096], _nonce: uint256) -> bytes32:
    return self._tx_hash(to, amount, data, _nonce)


@external
def approveHash(hashToApprove: bytes32):
    assert self._isOwner[msg.sender], "GS030"
    self.approvedHashes[msg.sender][hashToApprove] = 1
    log ApproveHash(approvedHash=hashToApprove, owner=msg.sender)


@external
@payable
def execTransaction(to: address, amount: uint256, data: Bytes[4096]) -> bool:
    h: bytes32 = self._tx_hash(to, amount, data, self.nonce)
    count: uint256 = 0
    for o: address in self._owners:
        if self.approvedHashes[o][h] != 0 or o == msg.sender:
            count += 1
    assert count >= self._threshold, "GS020"
    self.nonce += 1
    raw_call(to, data, value=amount)
    log ExecutionSuccess(txHash=h, payment=0)
    return True


@external
@payable
def __default__():
    pass
