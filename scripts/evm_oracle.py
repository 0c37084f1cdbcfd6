"""Oracle for the EVM verification core: RLP items (pyrlp) and Merkle-Patricia proofs (py-trie),
deterministic from a seed. One JSON object per line on stdout.

  evm_oracle.py rlp SEED N   -> {"rlp": hex of rlp.encode(item), "item": item as nested hex lists}
  evm_oracle.py mpt SEED N   -> {"root", "key", "value" (hex or null), "proof": [hex nodes]}
"""
import json
import random
import sys

import rlp
from eth_hash.auto import keccak
from trie import HexaryTrie


def rand_bytes(r):
    kind = r.random()
    if kind < 0.3:
        return bytes([r.randrange(256)])
    if kind < 0.6:
        return bytes(r.randrange(256) for _ in range(r.randrange(0, 56)))
    return bytes(r.randrange(256) for _ in range(r.randrange(56, 300)))


def rand_item(r, depth=0):
    if depth < 4 and r.random() < 0.35:
        return [rand_item(r, depth + 1) for _ in range(r.randrange(0, 6))]
    return rand_bytes(r)


def as_json(item):
    return [as_json(x) for x in item] if isinstance(item, list) else item.hex()


def main():
    mode, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    r = random.Random(seed)
    if mode == "rlp":
        for _ in range(n):
            it = rand_item(r)
            print(json.dumps({"rlp": rlp.encode(it).hex(), "item": as_json(it)}))
        return
    for _ in range(n):
        t = HexaryTrie(db={})
        keys = []
        # Half the tries have the secure-trie shape (32-byte hashed keys); the others short keys and
        # tiny values, so that nodes under 32 bytes get embedded in their parents.
        short = r.random() < 0.5
        for _ in range(r.randrange(1, 60)):
            if short:
                k = bytes(r.randrange(256) for _ in range(r.randrange(1, 4)))
                v = bytes(r.randrange(1, 256) for _ in range(r.randrange(1, 4)))
            else:
                k = keccak(r.randrange(1 << 32).to_bytes(4, "big"))
                v = rlp.encode(bytes(r.randrange(1, 256) for _ in range(r.randrange(1, 40))))
            t[k] = v
            keys.append(k)
        probes = [(k, True) for k in r.sample(keys, min(3, len(keys)))]
        absent = [bytes([i, 0xee]) if short else keccak(b"absent" + bytes([i])) for i in range(2)]
        probes += [(k, False) for k in absent if k not in keys]
        for k, present in probes:
            proof = [rlp.encode(node).hex() for node in t.get_proof(k)]
            print(json.dumps({"root": t.root_hash.hex(), "key": k.hex(),
                              "value": t[k].hex() if present else None, "proof": proof}))


if __name__ == "__main__":
    main()
