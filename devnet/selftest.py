#!/usr/bin/env python3
"""In-process tests of devnet/server.py edge cases (no HTTP): log filters, limits, block ids, time, batches.

Usage: python devnet/selftest.py   → OK/FAIL lines, exit 0 when all pass.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import server  # noqa: E402
from deploy import compile_all, proxy_initcode  # noqa: E402
from eth_abi import encode  # noqa: E402
from eth_utils import keccak  # noqa: E402

results = {}


def check(name, cond, detail=""):
    results[name] = bool(cond)
    print(f"{'OK  ' if cond else 'FAIL'} {name} {detail}")


node = server.Node(max_log_range=1000, max_log_results=3)


def rpc(method, *params):
    r = node.dispatch({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    if "error" in r:
        raise RuntimeError(json.dumps(r["error"]))
    return r["result"]


def err(method, *params):
    return node.dispatch({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).get("error", {})


acct = rpc("eth_accounts")
arts = compile_all(["DstackApp"])
impl_rc = rpc("eth_getTransactionReceipt", rpc("eth_sendTransaction", {"from": acct[0], "data": arts["DstackApp"]["bytecode"], "gas": hex(6_000_000)}))
impl = impl_rc["contractAddress"]
sel = lambda s: keccak(text=s)[:4]  # noqa: E731
init = sel("initialize(address,bool,bool,bool,bytes32,bytes32)") + encode(["address", "bool", "bool", "bool", "bytes32", "bytes32"],
                                                                       [acct[1], False, True, False, bytes(32), keccak(b"h1")])
app = rpc("eth_getTransactionReceipt", rpc("eth_sendTransaction", {"from": acct[0], "data": "0x" + proxy_initcode(impl, init).hex(), "gas": hex(3_000_000)}))["contractAddress"]
check("proxy deployed", rpc("eth_getCode", app) != "0x")

# proxy init revert propagates: initialize with owner 0 → the deploy fails
bad_init = sel("initialize(address,bool,bool,bool,bytes32,bytes32)") + encode(["address", "bool", "bool", "bool", "bytes32", "bytes32"],
                                                                           ["0x" + "00" * 20, False, True, False, bytes(32), bytes(32)])
e = err("eth_estimateGas", {"from": acct[0], "data": "0x" + proxy_initcode(impl, bad_init).hex()})
check("proxy constructor forwards the init revert", e.get("code") == 3 and "invalid owner address" in e.get("message", ""), json.dumps(e)[:120])

for i in range(5):
    rpc("eth_sendTransaction", {"from": acct[1], "to": app, "data": "0x" + (sel("addComposeHash(bytes32)") + keccak(bytes([i]))).hex(), "gas": hex(200_000)})
head = int(rpc("eth_blockNumber"), 16)
t_added = "0x" + keccak(text="ComposeHashAdded(bytes32)").hex()
t_policy = "0x" + keccak(text="PolicyChanged(address,bytes32,bytes32,bool)").hex()

# max results
e = err("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest"})
check("max results → -32005", e.get("code") == -32005 and "more than 3" in e.get("message", ""), e.get("message"))
# topic filters: exact, OR-list, null wildcard
got = rpc("eth_getLogs", {"fromBlock": hex(head - 1), "toBlock": "latest", "topics": [t_added]})
check("topic exact", len(got) == 2 and all(lg["topics"][0] == t_added for lg in got))
got = rpc("eth_getLogs", {"fromBlock": hex(head), "toBlock": hex(head), "topics": [[t_added, t_policy]]})
check("topic OR-list", len(got) == 2)
actor = "0x" + "00" * 12 + acct[1][2:].lower()
got = rpc("eth_getLogs", {"fromBlock": hex(head - 2), "toBlock": "latest", "topics": [None, actor]})
check("null wildcard + topic1", len(got) == 3 and all(lg["topics"][0] == t_policy for lg in got))
got = rpc("eth_getLogs", {"fromBlock": hex(head), "toBlock": hex(head), "address": [app.lower(), acct[0]]})
check("address list (case-insensitive)", len(got) == 2)
blk = rpc("eth_getBlockByNumber", hex(head), False)
got = rpc("eth_getLogs", {"blockHash": blk["hash"]})
check("blockHash filter", len(got) == 2 and got[0]["blockHash"] == blk["hash"] and got[1]["logIndex"] == "0x1")
check("fromBlock > toBlock → -32602", err("eth_getLogs", {"fromBlock": hex(head), "toBlock": hex(head - 1)}).get("code") == -32602)

# range limit
rpc("hardhat_mine", hex(1200), hex(12))
e = err("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "address": app})
check("max range → -32005", e.get("code") == -32005 and e.get("data", {}).get("maxBlockRange") == 1000, e.get("message"))
b1 = rpc("eth_getBlockByNumber", hex(head + 1), False)
b2 = rpc("eth_getBlockByNumber", hex(head + 2), False)
check("hardhat_mine interval", int(b2["timestamp"], 16) - int(b1["timestamp"], 16) == 12)
check("block beyond head is null", rpc("eth_getBlockByNumber", hex(10**6), False) is None)
check("eth_call beyond head → -32001", err("eth_call", {"to": app, "data": "0x8da5cb5b"}, hex(10**6)).get("code") == -32001)

# historical calls: number, EIP-1898 by number and by hash
h1 = "0x" + (sel("allowedComposeHashes(bytes32)") + keccak(bytes([4]))).hex()
check("eth_call at block before the add", int(rpc("eth_call", {"to": app, "data": h1}, hex(head - 1)), 16) == 0)
check("eth_call at block of the add", int(rpc("eth_call", {"to": app, "data": h1}, hex(head)), 16) == 1)
check("eth_call EIP-1898 blockHash", int(rpc("eth_call", {"to": app, "data": h1}, {"blockHash": blk["hash"]}), 16) == 1)
check("eth_call EIP-1898 blockNumber", int(rpc("eth_call", {"to": app, "data": h1}, {"blockNumber": hex(head - 1)}), 16) == 0)

# time
latest = rpc("eth_getBlockByNumber", "latest", False)
ts = int(latest["timestamp"], 16)
rpc("evm_setNextBlockTimestamp", hex(ts + 5000))
rpc("evm_mine")
check("evm_setNextBlockTimestamp", int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16) == ts + 5000)
check("setNextBlockTimestamp in the past → -32602", err("evm_setNextBlockTimestamp", hex(ts)).get("code") == -32602)
rpc("evm_mine", {"blocks": "0x3", "timestamp": hex(ts + 9000)})
n_after = int(rpc("eth_blockNumber"), 16)
check("evm_mine {blocks, timestamp}", int(rpc("eth_getBlockByNumber", hex(n_after - 2), False)["timestamp"], 16) == ts + 9000)

# snapshot/revert resets the log index (logs mined after the snapshot disappear)
snap = rpc("evm_snapshot")
rpc("eth_sendTransaction", {"from": acct[1], "to": app, "data": "0x" + (sel("addComposeHash(bytes32)") + keccak(b"late")).hex(), "gas": hex(200_000)})
n1 = len(rpc("eth_getLogs", {"fromBlock": hex(n_after - 5), "toBlock": "latest"}))
check("evm_revert → true", rpc("evm_revert", snap) is True)
n2 = len(rpc("eth_getLogs", {"fromBlock": hex(n_after - 5), "toBlock": "latest"}))
check("logs after revert", n1 == 2 and n2 == 0, f"{n1} -> {n2}")
check("unknown snapshot → false", rpc("evm_revert", "0x999") is False)

# batch + errors
resp = node.handle_body(json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, {"jsonrpc": "2.0", "id": 2, "method": "x"}]).encode())
check("batch in order", [r["id"] for r in resp] == [1, 2] and resp[1]["error"]["code"] == -32601)
check("empty batch → -32600", node.handle_body(b"[]")["error"]["code"] == -32600)
check("parse error → -32700", node.handle_body(b"{")["error"]["code"] == -32700)
check("wrong arity → -32602", err("eth_getCode").get("code") == -32602)

# revert data of a custom-revert (no reason) and of a reason string
e = err("eth_call", {"from": acct[5], "to": app, "data": "0x" + (sel("addComposeHash(bytes32)") + bytes(32)).hex()})
check("onlyOwner revert: Error(string)", e.get("data", "").startswith("0x08c379a0") and e.get("message") == "execution reverted: Ownable: caller is not the owner")

n_fail = len(results) - sum(results.values())
print(f"{sum(results.values())} passed, {n_fail} failed")
sys.exit(0 if n_fail == 0 else 1)
