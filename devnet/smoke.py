#!/usr/bin/env python3
"""Smoke test of a running devnet against its devnet.json (independent checks with eth-abi/rlp/trie/coincurve).

Usage: python devnet/smoke.py DIR/devnet.json     → prints OK/FAIL lines, exit 0 when all pass.
"""
import json
import sys
import urllib.request

import rlp
from coincurve import PublicKey
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from trie import HexaryTrie

info = json.load(open(sys.argv[1]))
URL = info["url"]
C, F = info["contracts"], info["facts"]
results = {}


def rpc_raw(method, *params, url=URL):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    return json.loads(urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}), timeout=60).read())


def rpc(method, *params):
    r = rpc_raw(method, *params)
    if "error" in r:
        raise RuntimeError(f"{method}: {r['error']}")
    return r["result"]


def check(name, cond, detail=""):
    results[name] = bool(cond)
    print(f"{'OK  ' if cond else 'FAIL'} {name} {detail}")


def call(to, sig, types=(), args=(), out=(), block="latest"):
    data = "0x" + (keccak(text=sig)[:4] + encode(list(types), list(args))).hex()
    res = bytes.fromhex(rpc("eth_call", {"to": to, "data": data}, block)[2:])
    return decode(list(out), res) if out else res


def b32(h):
    return bytes.fromhex(h[2:])


check("eth_chainId", int(rpc("eth_chainId"), 16) == info["chain_id"])
apps = F["apps"]
for name, a in apps.items():
    owner = call(a["address"], "owner()", out=["address"])[0]
    check(f"{name}.owner", to_checksum_address(owner) == to_checksum_address(a["owner"]), owner)
    for h in a["allowed_compose_hashes"]:
        check(f"{name}.allowedComposeHashes", call(a["address"], "allowedComposeHashes(bytes32)", ["bytes32"], [b32(h)], ["bool"])[0])
    if a["kind"] == "DstackApp":
        impl = rpc("eth_getStorageAt", a["address"], "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc", "latest")
        check(f"{name}.erc1967 implementation slot", to_checksum_address("0x" + impl[-40:]) == a["implementation"], impl)
        flags = int(rpc("eth_getStorageAt", a["address"], "0x1", "latest"), 16)
        check(f"{name}.slot1 flags (byte0 upgradesDisabled, byte1 allowAnyDevice)",
              (flags & 0xff != 0) == a["upgrades_disabled"] and (flags >> 8 & 0xff != 0) == a["allow_any_device"], hex(flags))
        check(f"{name}.supportsInterface", all(call(a["address"], "supportsInterface(bytes4)", ["bytes4"], [bytes.fromhex(i)], ["bool"])[0]
                                                for i in ("01ffc9a7", "1e079198", "8fd37527"))
              and not call(a["address"], "supportsInterface(bytes4)", ["bytes4"], [bytes.fromhex("ffffffff")], ["bool"])[0])
        pend = call(a["address"], "pendingOwner()", out=["address"])[0]
        check(f"{name}.pendingOwner", to_checksum_address(pend) == to_checksum_address(a["pending_owner"]))
    else:
        check(f"{name}.noticePeriod", call(a["address"], "noticePeriod()", out=["uint256"])[0] == a["notice_period"])

# Safe / Timelock owners
s = F["safe_owner"]
check("safe.getThreshold", call(s["address"], "getThreshold()", out=["uint256"])[0] == s["threshold"])
check("safe.getOwners", [to_checksum_address(x) for x in call(s["address"], "getOwners()", out=["address[]"])[0]] == s["owners"])
t = F["timelock_owner"]
check("timelock.getMinDelay", call(t["address"], "getMinDelay()", out=["uint256"])[0] == t["min_delay"])
op = t["pending_operation"]
check("timelock.pending operation", call(t["address"], "isOperationPending(bytes32)", ["bytes32"], [b32(op["id"])], ["bool"])[0]
      and call(t["address"], "getTimestamp(bytes32)", ["bytes32"], [b32(op["id"])], ["uint256"])[0] == op["ready_at"])

# proposals
for p in F["proposals"]:
    r = rpc_raw("eth_call", {"to": p["address"], "data": "0x" + (keccak(text="activatesAt(bytes32)")[:4] + b32(p["compose_hash"])).hex()}, "latest")
    if p["status"] == "pending":
        check(f"proposal {p['app']} pending activatesAt", "result" in r and int(r["result"], 16) == p["activates_at"])
    else:
        err = r.get("error", {})
        ok = err.get("code") == 3 and err.get("data", "").startswith("0x08c379a0") and decode(["string"], bytes.fromhex(err["data"][10:]))[0] == "not proposed"
        check(f"proposal {p['app']} {p['status']}: activatesAt reverts Error('not proposed')", ok, json.dumps(err)[:120])

# factory-deployed app: AppDeployedViaFactory(appId indexed, deployer indexed) from the KMS, registered
fa = apps["app_factory"]
flogs = rpc("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "address": k_addr,
                            "topics": ["0x" + keccak(text="AppDeployedViaFactory(address,address)").hex()]}) if (k_addr := F["kms"]["address"]) else []
check("AppDeployedViaFactory", len(flogs) == 1 and flogs[0]["topics"][1][-40:] == fa["address"][2:].lower()
      and int(flogs[0]["blockNumber"], 16) == fa["deploy_block"])
check("factory app registered", call(k_addr, "registeredApps(address)", ["address"], [fa["address"]], ["bool"])[0])

# boot simulations
T = "(address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[])"
for b in F["boot"]:
    bi = b["boot_info"]
    tup = (bi["appId"], b32(bi["composeHash"]), bi["instanceId"], b32(bi["deviceId"]), b32(bi["mrAggregated"]),
           b32(bi["mrSystem"]), b32(bi["osImageHash"]), bi["tcbStatus"], bi["advisoryIds"])
    got = call(b["address"], f"isAppAllowed({T})", [T], [tup], ["bool", "string"])
    check(f"boot {b['name']}", tuple(got) == (b["allowed"], b["reason"]), str(got))

# KMS
k = F["kms"]
info_ = call(k["address"], "kmsInfo()", out=["bytes", "bytes", "bytes", "bytes"])
check("kms.kmsInfo k256Pubkey", "0x" + info_[0].hex() == k["k256_pubkey"])
pub = PublicKey(info_[0])
check("kms root address from k256Pubkey", to_checksum_address(keccak(pub.format(False)[1:])[-20:]) == k["root_address"])
check("kms.allowedOsImages", call(k["address"], "allowedOsImages(bytes32)", ["bytes32"], [b32(k["os_image_hash"])], ["bool"])[0])

# oracle: on-chain verify of the stored proof, and a tampered one
o = F["oracle"]
pr = o["proof"]
args = [b32(pr["messageHash"])] + [bytes.fromhex(pr[x][2:]) for x in ("messageSignature", "appSignature", "kmsSignature",
                                                                        "derivedCompressedPubkey", "appCompressedPubkey")] + [pr["purpose"]]
VT = ["bytes32", "bytes", "bytes", "bytes", "bytes", "bytes", "string"]
check("oracle.verify(valid proof) == true", call(o["address"], "verify(bytes32,bytes,bytes,bytes,bytes,bytes,string)", VT, args, ["bool"])[0])
bad = list(args)
bad[0] = keccak(b"other message")
check("oracle.verify(other message) == false", not call(o["address"], "verify(bytes32,bytes,bytes,bytes,bytes,bytes,string)", VT, bad, ["bool"])[0])
check("oracle.kmsRoot", to_checksum_address(call(o["address"], "kmsRoot()", out=["address"])[0]) == o["kms_root"])
req0 = call(o["address"], "requests(uint256)", ["uint256"], [0], ["address", "uint256", "uint256", "bool"])
check("oracle.requests(0) fulfilled", req0[3] is True)

# logs, range limit absent, receipts
logs = rpc("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "address": apps["app_instant"]["address"]})
topics = {lg["topics"][0] for lg in logs}
check("logs app_instant: ComposeHashAdded, OwnershipTransferred, Initialized, Upgraded",
      {"0x" + keccak(text=s).hex() for s in ("ComposeHashAdded(bytes32)", "OwnershipTransferred(address,address)",
                                              "Initialized(uint64)", "Upgraded(address)")} <= topics, str(len(logs)))
check("log fields are the standard ones", all(set(lg) == {"address", "topics", "data", "blockNumber", "blockHash", "transactionHash",
                                                          "transactionIndex", "logIndex", "removed"} for lg in logs))

# receipts agree with eth_getLogs (same logIndex numbering, per block); unknown tx → null; bad hash → -32602
all_logs = rpc("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest"})
same = True
for lg in all_logs[:40]:
    rc = rpc("eth_getTransactionReceipt", lg["transactionHash"])
    same &= any(x == lg for x in rc["logs"]) and rc["blockHash"] == lg["blockHash"]
check("receipt logs == eth_getLogs entries", same and len(all_logs) > 40, str(len(all_logs)))
check("unknown tx receipt is null", rpc("eth_getTransactionReceipt", "0x" + "11" * 32) is None)
check("malformed tx hash is -32602", rpc_raw("eth_getTransactionReceipt", "0x00").get("error", {}).get("code") == -32602)

# block header hash recomputed from the JSON fields (Prague header)
blk = rpc("eth_getBlockByNumber", "latest", False)
h = lambda k: bytes.fromhex(blk[k][2:])  # noqa: E731
q = lambda k: int(blk[k], 16)  # noqa: E731
fields = [h("parentHash"), h("sha3Uncles"), h("miner"), h("stateRoot"), h("transactionsRoot"), h("receiptsRoot"),
          h("logsBloom"), q("difficulty"), q("number"), q("gasLimit"), q("gasUsed"), q("timestamp"), h("extraData"),
          h("mixHash"), h("nonce"), q("baseFeePerGas"), h("withdrawalsRoot"), q("blobGasUsed"), q("excessBlobGas"),
          h("parentBeaconBlockRoot"), h("requestsHash")]
check("block hash == keccak(rlp(header fields))", "0x" + keccak(rlp.encode(fields)).hex() == blk["hash"])

# eth_getProof of DstackApp slot 1 verified against stateRoot
addr = apps["app_upgrades_disabled"]["address"]
proof = rpc("eth_getProof", addr, ["0x1"], "latest")
acct = HexaryTrie.get_from_proof(h("stateRoot"), keccak(bytes.fromhex(addr[2:])), [rlp.decode(bytes.fromhex(n[2:])) for n in proof["accountProof"]])
sroot = rlp.decode(acct)[2]
sval = HexaryTrie.get_from_proof(sroot, keccak((1).to_bytes(32, "big")), [rlp.decode(bytes.fromhex(n[2:])) for n in proof["storageProof"][0]["proof"]])
check("eth_getProof storage slot 1 verified", int.from_bytes(rlp.decode(sval), "big") & 0xff == 1)

# batch
batch = json.dumps([{"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []},
                    {"jsonrpc": "2.0", "id": 8, "method": "nope", "params": []}]).encode()
resp = json.loads(urllib.request.urlopen(urllib.request.Request(URL, batch, {"Content-Type": "application/json"})).read())
check("batch", isinstance(resp, list) and resp[0]["id"] == 7 and "result" in resp[0] and resp[1]["error"]["code"] == -32601)

# time travel makes the pending proposal activatable (inside a snapshot)
snap = rpc("evm_snapshot")
p = next(p for p in F["proposals"] if p["app"] == "timelock_app" and p["status"] == "pending")
data = "0x" + (keccak(text="activateComposeHash(bytes32)")[:4] + b32(p["compose_hash"])).hex()
early = rpc_raw("eth_call", {"to": p["address"], "data": data}, "latest")
rpc("evm_increaseTime", hex(8 * 86400 + 1))
late = rpc_raw("eth_call", {"to": p["address"], "data": data}, "latest")
check("pending proposal: early activation reverts, activatable after evm_increaseTime",
      "error" in early and "notice period not elapsed" in early["error"]["message"] and "result" in late)
rpc("evm_revert", snap)
if info.get("liar_url"):
    r = rpc_raw("eth_call", {"to": apps["app_instant"]["address"], "data": "0x8da5cb5b"}, "latest", url=info["liar_url"])
    check("liar alters eth_call", r["result"] != rpc("eth_call", {"to": apps["app_instant"]["address"], "data": "0x8da5cb5b"}, "latest"))

n_fail = len(results) - sum(results.values())
print(f"{sum(results.values())} passed, {n_fail} failed")
sys.exit(0 if n_fail == 0 else 1)
