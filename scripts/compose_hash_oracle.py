#!/usr/bin/env python3
"""Differential-test oracle for devproof's canonical app-compose form (Dstack module, ComposeHash).

Generates random app-compose-like JSON documents (seeded, deterministic) with non-ASCII text, nested
objects, arrays and numbers written in varied literal forms, and prints one JSON line per document:
{"text": <the JSON text as written>, "hash": dstack_sdk.get_compose_hash(json.loads(text))}.
Usage: compose_hash_oracle.py SEED COUNT
"""
import json
import random
import sys

from dstack_sdk import get_compose_hash

ALPHABET = ["a", "b", "Z", "_", "-", " ", "é", "ß", "你", "好", "世", "界", "\u2028", "\u00a0", "\u0301", "\ue000",
            "\uffef", "😀", "𝄞", "\"", "\\", "/", "\n", "\t", "\u0001", "\u007f", "<", ">", "&"]


def rstr(rng, n=8):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, n)))


def rkey(rng):
    k = rstr(rng, 6)
    return k if k else "k"


def rnum_literal(rng):
    kind = rng.randint(0, 7)
    if kind == 0:
        return str(rng.randint(-10**6, 10**6))
    if kind == 1:
        return str(rng.randint(-10**25, 10**25))  # beyond 2^64: Python keeps it exact
    if kind == 2:
        return repr(rng.uniform(-1e6, 1e6))
    if kind == 3:
        m = rng.randint(1, 999)
        e = rng.randint(-30, 30)
        return f"{m}{rng.choice(['e', 'E'])}{rng.choice(['', '+', '-']) if e >= 0 else ''}{e}"
    if kind == 4:
        return rng.choice(["-0", "-0.0", "0.0", "1.0", "1e16", "1e15", "0.0001", "0.00001", "123456789012345678.0", "1.5E-7"])
    if kind == 5:
        return f"{rng.randint(0, 99)}.{rng.randint(0, 9999):04d}"
    if kind == 6:
        return repr(rng.random() * 10 ** rng.randint(-8, 22))
    return str(rng.choice([0, 1, 2, 3, 2**53, 2**53 + 1, -(2**63), 2**64]))


def rvalue(rng, depth):
    t = rng.randint(0, 7 if depth < 3 else 4)
    if t == 0:
        return ("str", rstr(rng))
    if t == 1:
        return ("num", rnum_literal(rng))
    if t == 2:
        return ("bool", rng.choice([True, False]))
    if t == 3:
        return ("null", None)
    if t == 4:
        return ("str", rstr(rng, 20))
    if t in (5, 6):
        return ("obj", [(rkey(rng), rvalue(rng, depth + 1)) for _ in range(rng.randint(0, 5))])
    return ("arr", [rvalue(rng, depth + 1) for _ in range(rng.randint(0, 5))])


def emit(v, ascii_only, out):
    kind, x = v
    if kind == "str":
        out.append(json.dumps(x, ensure_ascii=ascii_only))
    elif kind == "num":
        out.append(x)
    elif kind == "bool":
        out.append("true" if x else "false")
    elif kind == "null":
        out.append("null")
    elif kind == "arr":
        out.append("[")
        for i, y in enumerate(x):
            if i:
                out.append(", ")
            emit(y, ascii_only, out)
        out.append("]")
    else:
        out.append("{")
        seen = set()
        first = True
        for k, y in x:
            if k in seen:
                continue  # no duplicate keys (their handling is not part of the contract)
            seen.add(k)
            if not first:
                out.append(",\n  ")
            first = False
            out.append(json.dumps(k, ensure_ascii=ascii_only) + ": ")
            emit(y, ascii_only, out)
        out.append("}")


def document(rng):
    members = [("runner", ("str", rng.choice(["docker-compose", "bash", "nerdctl-compose"]))),
               ("name", ("str", rstr(rng))),
               ("manifest_version", ("num", rng.choice(["1", "2", "2.0"]))),
               ("docker_compose_file", ("str", "services:\n  app:\n    image: " + rstr(rng, 12)))]
    for _ in range(rng.randint(0, 6)):
        k = rkey(rng)
        if k in ("runner", "docker_config") or k.isidentifier() and hasattr(object, k):
            continue
        members.append((k, rvalue(rng, 0)))
    if rng.random() < 0.3:
        members.append(("_private", ("num", "1")))  # dropped by the SDK (attribute names starting with "_")
    if rng.random() < 0.3:
        members.append(("public_logs", ("null", None)))  # top-level null: dropped by the SDK
    rng.shuffle(members)
    out = []
    emit(("obj", members), rng.random() < 0.3, out)
    return "".join(out)


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    for _ in range(count):
        text = document(rng)
        h = get_compose_hash(json.loads(text))
        print(json.dumps({"text": text, "hash": h}, ensure_ascii=True))


if __name__ == "__main__":
    main()
