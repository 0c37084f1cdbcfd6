# pragma version ~=0.4.3
# @title TeeOracle (devnet)
# @notice Same ABI and semantics as the dstack tutorial's 05 TeeOracle: request/fulfill with an ETH reward, and
#         verify() of the dstack KMS signature chain:
#         1. app message = purpose ":" lowercase-hex(derived33), keccak, recover → recoveredApp
#         2. KMS message = "dstack-kms-issued:" ‖ bytes20(appId) ‖ appCompressedPubkey; recovered must == kmsRoot
#         3. EIP-191 over messageHash; recovered must == address(derived33)
#         4. recoveredApp must == address(appCompressedPubkey)
#         Bad signatures return False (no revert); a signature that is not 65 bytes reverts "bad sig len".
#         Pubkeys are decompressed with the modexp precompile, with no on-curve check (like the original).

struct Request:
    requester: address
    reward: uint256
    timestamp: uint256
    fulfilled: bool

struct OracleProof:
    messageHash: bytes32
    messageSignature: Bytes[128]
    appSignature: Bytes[128]
    kmsSignature: Bytes[128]
    derivedCompressedPubkey: Bytes[128]
    appCompressedPubkey: Bytes[128]
    purpose: String[128]

event RequestCreated:
    requestId: indexed(uint256)
    requester: indexed(address)
    reward: uint256

event RequestFulfilled:
    requestId: indexed(uint256)
    price: uint256
    fulfiller: address

event OracleMessageVerified:
    messageHash: indexed(bytes32)
    signer: address

kmsRoot: public(immutable(address))
appId: public(immutable(bytes32))
requests: public(HashMap[uint256, Request])
nextRequestId: public(uint256)

P: constant(uint256) = 115792089237316195423570985008687907853269984665640564039457584007908834671663
MODEXP: constant(address) = 0x0000000000000000000000000000000000000005


@deploy
def __init__(_kmsRoot: address, _appId: bytes32):
    kmsRoot = _kmsRoot
    appId = _appId


@external
@payable
def request() -> uint256:
    assert msg.value > 0, "need reward"
    rid: uint256 = self.nextRequestId
    self.nextRequestId = rid + 1
    self.requests[rid] = Request(requester=msg.sender, reward=msg.value, timestamp=block.timestamp, fulfilled=False)
    log RequestCreated(requestId=rid, requester=msg.sender, reward=msg.value)
    return rid


@internal
@pure
def _recover(h: bytes32, sig: Bytes[128]) -> address:
    assert len(sig) == 65, "bad sig len"
    r: bytes32 = extract32(sig, 0)
    s: bytes32 = extract32(sig, 32)
    v: uint256 = convert(slice(sig, 64, 1), uint256)
    if v < 27:
        v += 27
    return ecrecover(h, v, r, s)


@internal
@view
def _pubkey_to_address(pk: Bytes[128]) -> address:
    assert len(pk) == 33, "need compressed pubkey"
    prefix: uint256 = convert(slice(pk, 0, 1), uint256)
    assert prefix == 2 or prefix == 3, "invalid prefix"
    x: uint256 = convert(extract32(pk, 1), uint256)
    y2: uint256 = uint256_addmod(uint256_mulmod(uint256_mulmod(x, x, P), x, P), 7, P)
    n32: uint256 = 32
    e: uint256 = (P + 1) // 4
    res: Bytes[32] = raw_call(MODEXP, abi_encode(n32, n32, n32, y2, e, P), max_outsize=32, is_static_call=True)
    y: uint256 = convert(extract32(res, 0), uint256)
    if (prefix == 2 and y % 2 != 0) or (prefix == 3 and y % 2 == 0):
        y = P - y
    h: bytes32 = keccak256(concat(convert(x, bytes32), convert(y, bytes32)))
    return convert(convert(h, uint256) % 2**160, address)


@internal
@pure
def _hex_char(n: uint256) -> uint256:
    if n < 10:
        return 48 + n
    return 87 + n


@internal
@pure
def _hex33(pk: Bytes[128]) -> (bytes32, bytes32, bytes32):
    # lowercase hex of a 33-byte key as 66 ASCII bytes: two full words and the first 2 bytes of a third
    w0: uint256 = 0
    w1: uint256 = 0
    for i: uint256 in range(16):
        b: uint256 = convert(slice(pk, i, 1), uint256)
        w0 = (w0 << 16) | (self._hex_char(b >> 4) << 8) | self._hex_char(b & 15)
    for i: uint256 in range(16):
        b: uint256 = convert(slice(pk, 16 + i, 1), uint256)
        w1 = (w1 << 16) | (self._hex_char(b >> 4) << 8) | self._hex_char(b & 15)
    last: uint256 = convert(slice(pk, 32, 1), uint256)
    w2: uint256 = ((self._hex_char(last >> 4) << 8) | self._hex_char(last & 15)) << 240
    return convert(w0, bytes32), convert(w1, bytes32), convert(w2, bytes32)


@internal
@view
def _verify(messageHash: bytes32, messageSignature: Bytes[128], appSignature: Bytes[128], kmsSignature: Bytes[128],
            derivedCompressedPubkey: Bytes[128], appCompressedPubkey: Bytes[128], purpose: String[128]) -> bool:
    assert len(derivedCompressedPubkey) == 33, "need compressed pubkey"
    h0: bytes32 = empty(bytes32)
    h1: bytes32 = empty(bytes32)
    h2: bytes32 = empty(bytes32)
    h0, h1, h2 = self._hex33(derivedCompressedPubkey)
    app_msg: Bytes[256] = concat(convert(purpose, Bytes[128]), b":", h0, h1, slice(h2, 0, 2))
    recovered_app: address = self._recover(keccak256(app_msg), appSignature)

    kms_msg: Bytes[256] = concat(b"dstack-kms-issued:", slice(appId, 0, 20), appCompressedPubkey)
    recovered_kms: address = self._recover(keccak256(kms_msg), kmsSignature)
    if recovered_kms != kmsRoot:
        return False

    eth_hash: bytes32 = keccak256(concat(b"\x19Ethereum Signed Message:\n32", messageHash))
    signer: address = self._recover(eth_hash, messageSignature)
    if signer != self._pubkey_to_address(derivedCompressedPubkey):
        return False
    if recovered_app != self._pubkey_to_address(appCompressedPubkey):
        return False
    return True


@external
@view
def verify(messageHash: bytes32, messageSignature: Bytes[128], appSignature: Bytes[128], kmsSignature: Bytes[128],
           derivedCompressedPubkey: Bytes[128], appCompressedPubkey: Bytes[128], purpose: String[128]) -> bool:
    return self._verify(messageHash, messageSignature, appSignature, kmsSignature, derivedCompressedPubkey,
                        appCompressedPubkey, purpose)


@external
def verifyAndLog(messageHash: bytes32, messageSignature: Bytes[128], appSignature: Bytes[128], kmsSignature: Bytes[128],
                 derivedCompressedPubkey: Bytes[128], appCompressedPubkey: Bytes[128], purpose: String[128]) -> bool:
    ok: bool = self._verify(messageHash, messageSignature, appSignature, kmsSignature, derivedCompressedPubkey,
                            appCompressedPubkey, purpose)
    if ok:
        log OracleMessageVerified(messageHash=messageHash, signer=self._pubkey_to_address(derivedCompressedPubkey))
    return ok


@external
def fulfill(requestId: uint256, price: uint256, priceTimestamp: uint256, proof: OracleProof):
    req: Request = self.requests[requestId]
    assert not req.fulfilled, "already fulfilled"
    assert req.reward > 0, "no request"
    assert proof.messageHash == keccak256(concat(convert(price, bytes32), convert(priceTimestamp, bytes32))), "hash mismatch"
    assert self._verify(proof.messageHash, proof.messageSignature, proof.appSignature, proof.kmsSignature,
                        proof.derivedCompressedPubkey, proof.appCompressedPubkey, proof.purpose), "invalid sig"
    self.requests[requestId].fulfilled = True
    log RequestFulfilled(requestId=requestId, price=price, fulfiller=msg.sender)
    raw_call(msg.sender, b"", value=req.reward)
