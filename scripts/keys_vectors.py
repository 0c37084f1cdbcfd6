#!/usr/bin/env python3
"""Test vectors for devproof's secp256k1 / EIP-191 code and dstack KMS signature chains.

Generated at test time by an independent implementation (coincurve = libsecp256k1 bindings,
eth-keys / eth-account for Ethereum conventions). Prints one JSON object on stdout.
Usage: keys_vectors.py [SEED]   (deterministic for a given seed)
"""
import json, math, random, sys

import coincurve
from eth_keys import keys as ethkeys
from eth_utils import keccak

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 733)


def privkey():
    while True:
        k = rng.getrandbits(256)
        if 0 < k < N:
            return coincurve.PrivateKey(k.to_bytes(32, "big"))


def sign(pk, digest):
    """r||s||recid (recid 0/1), low-s, over a raw 32-byte digest."""
    return pk.sign_recoverable(digest, hasher=None)


def eip191(msg):
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(msg)).encode() + msg)


def address(pk):
    return ethkeys.PrivateKey(pk.secret).public_key.to_checksum_address()


def high_s_twin(sig):
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    return r + (N - s).to_bytes(32, "big") + bytes([v ^ 1])


def u256(n):
    return int(n).to_bytes(32, "big")


out = {"secp256k1": [], "eip191": [], "chains": []}

for i in range(8):
    pk = privkey()
    digest = keccak(rng.getrandbits(256).to_bytes(32, "big"))
    sig = sign(pk, digest)
    pub = pk.public_key
    out["secp256k1"].append({
        "priv": pk.secret.hex(),
        "pub_compressed": pub.format(compressed=True).hex(),
        "pub_uncompressed": pub.format(compressed=False).hex(),
        "address": address(pk),
        "digest": digest.hex(),
        "sig": sig.hex(),
        "sig_high_s": high_s_twin(sig).hex(),
    })

for text in [b"Some data", b"", "h\u00e9llo \u2603".encode(), bytes(range(32)), b"x" * 100]:
    pk = coincurve.PrivateKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")) \
        if text == b"Some data" else privkey()
    sig = sign(pk, eip191(text))
    out["eip191"].append({
        "message": text.hex(), "hash": eip191(text).hex(),
        "sig27": (sig[:64] + bytes([sig[64] + 27])).hex(), "address": address(pk),
    })

# 3-level dstack chains: KMS root -> app key -> derived key -> message.
for i in range(3):
    root, app, derived = privkey(), privkey(), privkey()
    app_id = rng.getrandbits(160).to_bytes(20, "big")
    purpose = "ethereum"
    d33 = derived.public_key.format(compressed=True)
    a33 = app.public_key.format(compressed=True)
    app_sig = sign(app, keccak((purpose + ":" + d33.hex()).encode()))
    kms_sig = sign(root, keccak(b"dstack-kms-issued:" + app_id + a33))

    # Tutorial 03 statement; price*100 must be the JS double product (Python floats are the same IEEE doubles).
    price = [1.15, 3412.57, 0.29][i]
    ts_ms = 1760000000000 + i * 1000
    src, fp = "api.coingecko.com", "AB:CD:EF:01:23:45:67:89"
    h03 = keccak(src.encode() + u256(math.floor(price * 100)) + u256(ts_ms) + fp.encode())
    s03 = sign(derived, eip191(h03))
    chain = {"derivedPubkey": "0x" + d33.hex(), "appSignature": "0x" + app_sig.hex(), "kmsSignature": "0x" + kms_sig.hex()}
    t03 = {
        "statement": {"source": src, "price": price, "tlsFingerprint": fp, "timestamp": ts_ms},
        "messageHash": "0x" + h03.hex(),
        "signature": "0x" + (s03[:64] + bytes([s03[64] + 27])).hex(),
        "signatureChain": chain,
        "signerAddress": address(derived),
    }
    # Tutorial 05 flat response: price in cents, timestamp in seconds; tlsFingerprint not signed.
    cents, ts = int(math.floor(price * 100)), ts_ms // 1000
    h05 = keccak(u256(cents) + u256(ts))
    s05 = sign(derived, eip191(h05))
    t05 = {
        "price": cents, "timestamp": ts, "source": src, "tlsFingerprint": fp,
        "messageHash": "0x" + h05.hex(),
        "signature": "0x" + (s05[:64] + bytes([s05[64] + 27])).hex(),
        "signatureChain": chain,
        "signerAddress": address(derived),
    }
    raw = {"key": derived.secret.hex(), "signature_chain": [app_sig.hex(), kms_sig.hex()]}
    out["chains"].append({
        "app_id": app_id.hex(), "purpose": purpose,
        "kms_root_pubkey": root.public_key.format(compressed=True).hex(),
        "kms_root_address": address(root),
        "app_pubkey": a33.hex(), "derived_pubkey": d33.hex(), "signer": address(derived),
        "t03": t03, "t05": t05, "raw": raw,
        "expected_floor": math.floor(price * 100),
    })

json.dump(out, sys.stdout, indent=1)
