# pragma version ~=0.4.3
# @title TimelockOwner (devnet)
# @notice A small OpenZeppelin-TimelockController-like owner: same selectors for getMinDelay, hasRole,
#         hashOperation, schedule, execute, cancel, updateDelay, getTimestamp, isOperation*; same events.
#         Proposers/executors are fixed at deploy; the admin role is held only by the timelock itself, so the
#         delay can only change through a scheduled updateDelay (like OZ with admin renounced).

event CallScheduled:
    id: indexed(bytes32)
    index: indexed(uint256)
    target: address
    amount: uint256
    data: Bytes[4096]
    predecessor: bytes32
    delay: uint256

event CallExecuted:
    id: indexed(bytes32)
    index: indexed(uint256)
    target: address
    amount: uint256
    data: Bytes[4096]

event CallSalt:
    id: indexed(bytes32)
    salt: bytes32

event Cancelled:
    id: indexed(bytes32)

event MinDelayChange:
    oldDuration: uint256
    newDuration: uint256

DEFAULT_ADMIN_ROLE: public(constant(bytes32)) = empty(bytes32)
PROPOSER_ROLE: public(constant(bytes32)) = keccak256("PROPOSER_ROLE")
EXECUTOR_ROLE: public(constant(bytes32)) = keccak256("EXECUTOR_ROLE")
CANCELLER_ROLE: public(constant(bytes32)) = keccak256("CANCELLER_ROLE")
DONE_TIMESTAMP: constant(uint256) = 1

_minDelay: uint256
_timestamps: HashMap[bytes32, uint256]
_roles: HashMap[bytes32, HashMap[address, bool]]


@deploy
def __init__(minDelay: uint256, proposers: DynArray[address, 8], executors: DynArray[address, 8]):
    self._roles[DEFAULT_ADMIN_ROLE][self] = True
    for p: address in proposers:
        self._roles[PROPOSER_ROLE][p] = True
        self._roles[CANCELLER_ROLE][p] = True
    for e: address in executors:
        self._roles[EXECUTOR_ROLE][e] = True
    self._minDelay = minDelay
    log MinDelayChange(oldDuration=0, newDuration=minDelay)


@external
@view
def hasRole(role: bytes32, account: address) -> bool:
    return self._roles[role][account]


@external
@view
def getMinDelay() -> uint256:
    return self._minDelay


@internal
@pure
def _hash(target: address, amount: uint256, data: Bytes[4096], predecessor: bytes32, salt: bytes32) -> bytes32:
    return keccak256(abi_encode(target, amount, data, predecessor, salt))


@external
@pure
def hashOperation(target: address, amount: uint256, data: Bytes[4096], predecessor: bytes32, salt: bytes32) -> bytes32:
    return self._hash(target, amount, data, predecessor, salt)


@external
@view
def getTimestamp(id: bytes32) -> uint256:
    return self._timestamps[id]


@external
@view
def isOperation(id: bytes32) -> bool:
    return self._timestamps[id] > 0


@external
@view
def isOperationPending(id: bytes32) -> bool:
    return self._timestamps[id] > DONE_TIMESTAMP


@external
@view
def isOperationReady(id: bytes32) -> bool:
    ts: uint256 = self._timestamps[id]
    return ts > DONE_TIMESTAMP and ts <= block.timestamp


@external
@view
def isOperationDone(id: bytes32) -> bool:
    return self._timestamps[id] == DONE_TIMESTAMP


@external
def schedule(target: address, amount: uint256, data: Bytes[4096], predecessor: bytes32, salt: bytes32, delay: uint256):
    assert self._roles[PROPOSER_ROLE][msg.sender], "TimelockController: caller is not a proposer"
    id: bytes32 = self._hash(target, amount, data, predecessor, salt)
    assert self._timestamps[id] == 0, "TimelockController: operation already scheduled"
    assert delay >= self._minDelay, "TimelockController: insufficient delay"
    self._timestamps[id] = block.timestamp + delay
    log CallScheduled(id=id, index=0, target=target, amount=amount, data=data, predecessor=predecessor, delay=delay)
    if salt != empty(bytes32):
        log CallSalt(id=id, salt=salt)


@external
@payable
def execute(target: address, amount: uint256, payload: Bytes[4096], predecessor: bytes32, salt: bytes32):
    assert self._roles[EXECUTOR_ROLE][msg.sender] or self._roles[EXECUTOR_ROLE][empty(address)], "TimelockController: caller is not an executor"
    id: bytes32 = self._hash(target, amount, payload, predecessor, salt)
    ts: uint256 = self._timestamps[id]
    assert ts > DONE_TIMESTAMP and ts <= block.timestamp, "TimelockController: operation is not ready"
    if predecessor != empty(bytes32):
        assert self._timestamps[predecessor] == DONE_TIMESTAMP, "TimelockController: missing dependency"
    raw_call(target, payload, value=amount)
    self._timestamps[id] = DONE_TIMESTAMP
    log CallExecuted(id=id, index=0, target=target, amount=amount, data=payload)


@external
def cancel(id: bytes32):
    assert self._roles[CANCELLER_ROLE][msg.sender], "TimelockController: caller is not a canceller"
    assert self._timestamps[id] > DONE_TIMESTAMP, "TimelockController: operation cannot be cancelled"
    self._timestamps[id] = 0
    log Cancelled(id=id)


@external
def updateDelay(newDelay: uint256):
    assert msg.sender == self, "TimelockController: caller must be timelock"
    log MinDelayChange(oldDuration=self._minDelay, newDuration=newDelay)
    self._minDelay = newDelay


@external
@payable
def __default__():
    pass
