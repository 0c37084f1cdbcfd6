"""dstack KMS key chain for the devnet (dstack-formats §4): KMS root k256 key → app key → derived key.

app_priv     = HKDF-SHA256(ikm=root_priv, salt=b"RATLS", info=app_id(20 raw bytes) ‖ b"app-key", L=32)
derived_priv = HKDF-SHA256(ikm=app_priv, salt=b"RATLS", info=utf8(path), L=32)
kms signature   = sign_recoverable(keccak(b"dstack-kms-issued:" ‖ app_id ‖ app_pub33))   (r‖s‖recid, recid 0/1)
app signature   = sign_recoverable(keccak(utf8(purpose + ":" + hex(derived_pub33))))
message signature (TeeOracle) = sign_recoverable(keccak(b"\\x19Ethereum Signed Message:\\n32" ‖ messageHash))
The root private key is a fixed test key, so every address is stable.
"""
from coincurve import PrivateKey, PublicKey
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_utils import keccak, to_checksum_address

ROOT_PRIVATE_KEY = keccak(text="devproof-devnet kms root key")


def hkdf(ikm, info, n=32):
    return HKDF(algorithm=hashes.SHA256(), length=n, salt=b"RATLS", info=info).derive(ikm)


def address_of(pub: PublicKey):
    return to_checksum_address(keccak(pub.format(compressed=False)[1:])[-20:])


def sign(priv: PrivateKey, digest: bytes) -> bytes:
    return priv.sign_recoverable(digest, hasher=None)


class KmsRoot:
    def __init__(self, priv=ROOT_PRIVATE_KEY):
        self.priv = priv
        self.key = PrivateKey(priv)
        self.pubkey_compressed = self.key.public_key.format(compressed=True)
        self.address = address_of(self.key.public_key)

    def chain_for(self, app_id: str, path: str, purpose: str):
        return AppChain(self, app_id, path, purpose)


class AppChain:
    def __init__(self, root, app_id, path, purpose):
        self.root, self.app_id, self.path, self.purpose = root, app_id, path, purpose
        app_id_b = bytes.fromhex(app_id[2:])
        self.app_priv = hkdf(root.priv, app_id_b + b"app-key")
        self.app_key = PrivateKey(self.app_priv)
        self.app_pub = self.app_key.public_key.format(compressed=True)
        self.derived_priv = hkdf(self.app_priv, path.encode())
        self.derived_key = PrivateKey(self.derived_priv)
        self.derived_pub = self.derived_key.public_key.format(compressed=True)
        self.kms_sig = sign(root.key, keccak(b"dstack-kms-issued:" + app_id_b + self.app_pub))
        self.app_sig = sign(self.app_key, keccak((purpose + ":" + self.derived_pub.hex()).encode()))

    def oracle_proof(self, price: int, ts: int):
        msg_hash = keccak(price.to_bytes(32, "big") + ts.to_bytes(32, "big"))
        msg_sig = sign(self.derived_key, keccak(b"\x19Ethereum Signed Message:\n32" + msg_hash))
        return {"messageHash": "0x" + msg_hash.hex(), "messageSignature": "0x" + msg_sig.hex(),
                "appSignature": "0x" + self.app_sig.hex(), "kmsSignature": "0x" + self.kms_sig.hex(),
                "derivedCompressedPubkey": "0x" + self.derived_pub.hex(),
                "appCompressedPubkey": "0x" + self.app_pub.hex(), "purpose": self.purpose,
                "signerAddress": address_of(self.derived_key.public_key)}

    def describe(self):
        return {"app_id": self.app_id, "path": self.path, "purpose": self.purpose,
                "app_private_key": "0x" + self.app_priv.hex(), "app_pubkey": "0x" + self.app_pub.hex(),
                "app_address": address_of(self.app_key.public_key),
                "derived_private_key": "0x" + self.derived_priv.hex(), "derived_pubkey": "0x" + self.derived_pub.hex(),
                "derived_address": address_of(self.derived_key.public_key),
                "signature_chain": ["0x" + self.app_sig.hex(), "0x" + self.kms_sig.hex()],
                "kms_root_pubkey": "0x" + self.root.pubkey_compressed.hex(), "kms_root_address": self.root.address}
