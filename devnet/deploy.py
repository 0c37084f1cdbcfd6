#!/usr/bin/env python3
"""Compile the devnet's Vyper contracts, deploy a scenario on a running devnet, write devnet.json facts.

Usage: python devnet/deploy.py --url http://127.0.0.1:PORT --scenario default --out DIR

Scenarios: "empty" (node only), "default" (every app kind the tests need, < 10 s), "bench-history" (one
DstackApp with >= 1,000 events spread over >= 50,000 blocks; about a minute). Everything is deterministic
(fixed keys, fixed deploy order) except timestamps and block hashes.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

import kmschain

HERE = Path(__file__).resolve().parent
CONTRACTS = HERE / "contracts"
IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
UPGRADED_TOPIC = keccak(text="Upgraded(address)")
ZERO = "0x" + "00" * 20

# ----------------------------------------------------------------- deterministic inputs
def h32(label):
    """A stable, labelled 32-byte value (keccak of the label), 0x-hex."""
    return "0x" + keccak(text=label).hex()


COMPOSE = {f"H{i}": h32(f"devproof-devnet compose {i}") for i in range(1, 7)}
DEVICE_ID = h32("devproof-devnet device 1")
DEVICE_ID_2 = h32("devproof-devnet device 2")
OS_IMAGE = h32("devproof-devnet os image 1")
OS_IMAGE_BAD = h32("devproof-devnet os image unknown")
MR_AGGREGATED = h32("devproof-devnet mr aggregated 1")
MR_SYSTEM = h32("devproof-devnet mr system 1")
EIGHT_DAYS = 8 * 24 * 3600


# ----------------------------------------------------------------- JSON-RPC
class Rpc:
    def __init__(self, url):
        self.url = url

    def __call__(self, method, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        resp = json.loads(urllib.request.urlopen(req, timeout=120).read())
        if "error" in resp:
            raise RuntimeError(f"{method}: {resp['error']}")
        return resp["result"]


# ----------------------------------------------------------------- compilation (cached by source hash)
def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = Path(base) / "devproof-devnet"
    d.mkdir(parents=True, exist_ok=True)
    return d


def vyper_bin():
    cand = Path(sys.executable).parent / "vyper"
    return str(cand) if cand.exists() else "vyper"


def compile_all(names):
    """Returns {name: {"abi": [...], "bytecode": "0x..."}}; compiles missing ones in parallel."""
    res, procs = {}, {}
    vb = vyper_bin()
    ver = subprocess.run([vb, "--version"], capture_output=True, text=True).stdout.strip()
    for n in names:
        src = CONTRACTS / f"{n}.vy"
        layout = CONTRACTS / f"{n}.layout.json"
        hsh = hashlib.sha256(src.read_bytes() + (layout.read_bytes() if layout.exists() else b"") + ver.encode()).hexdigest()[:20]
        cached = cache_dir() / f"{n}-{hsh}.json"
        if cached.exists():
            res[n] = json.loads(cached.read_text())
            continue
        cmd = [vb, str(src), "-f", "abi,bytecode"]
        if layout.exists():
            cmd += ["--storage-layout-file", str(layout)]
        procs[n] = (subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), cached)
    for n, (p, cached) in procs.items():
        o, e = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"vyper failed on {n}: {e}")
        lines = [ln for ln in o.splitlines() if ln.strip()]
        art = {"abi": json.loads(lines[0]), "bytecode": lines[1].strip()}
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(art))
        os.replace(tmp, cached)
        res[n] = art
    return res


# ----------------------------------------------------------------- ERC-1967 proxy (hand-assembled, ours)
def proxy_runtime():
    """calldatacopy; delegatecall(gas, sload(IMPL_SLOT), 0, cds, 0, 0); returndatacopy; return or revert."""
    slot = bytes.fromhex(IMPLEMENTATION_SLOT[2:])
    code = bytes.fromhex("365f5f37" "5f5f365f7f") + slot + bytes.fromhex("545af4" "3d5f5f3e" "6036" "57" "3d5ffd" "5b3d5ff3")
    assert code[0x36] == 0x5B
    return code


def proxy_initcode(impl, init_data: bytes):
    """Constructor: sstore(IMPL_SLOT, impl); log2 Upgraded(impl); delegatecall(impl, init_data) or revert; return runtime."""
    impl_b = bytes.fromhex(impl[2:])
    slot = bytes.fromhex(IMPLEMENTATION_SLOT[2:])
    rt = proxy_runtime()

    def build(rt_off, data_off):
        c = b"\x73" + impl_b + b"\x80\x7f" + slot + b"\x55"             # push20 impl; dup1; push32 slot; sstore
        c += b"\x7f" + UPGRADED_TOPIC + b"\x5f\x5f\xa2"                  # log2(0, 0, Upgraded, impl)
        if init_data:
            n = len(init_data)
            c += b"\x61" + n.to_bytes(2, "big") + b"\x61" + data_off.to_bytes(2, "big") + b"\x5f\x39"   # codecopy(0, off, n)
            c += b"\x5f\x5f\x61" + n.to_bytes(2, "big") + b"\x5f\x73" + impl_b + b"\x5a\xf4"           # delegatecall
            ok = len(c) + 3 + 7
            c += b"\x60" + bytes([ok]) + b"\x57"                                                        # jumpi ok
            c += b"\x3d\x5f\x5f\x3e\x3d\x5f\xfd"                                                        # revert(returndata)
            c += b"\x5b"
        m = len(rt)
        c += b"\x61" + m.to_bytes(2, "big") + b"\x61" + rt_off.to_bytes(2, "big") + b"\x5f\x39"         # codecopy runtime
        c += b"\x61" + m.to_bytes(2, "big") + b"\x5f\xf3"                                               # return(0, m)
        return c

    head = build(0, 0)
    head = build(len(head), len(head) + len(rt))
    assert len(head) < 250
    return head + rt + init_data


# ----------------------------------------------------------------- deployer
class Deployer:
    def __init__(self, rpc):
        self.rpc = rpc
        self.accounts = [to_checksum_address(a) for a in rpc("eth_accounts")]
        self.arts = {}
        self.gas_used = 0

    def load(self, names):
        self.arts.update(compile_all(names))

    def sel(self, sig):
        return keccak(text=sig)[:4]

    def send(self, frm, to, data: bytes, amount=0, gas=6_000_000, expect_ok=True):
        tx = {"from": frm, "data": "0x" + data.hex(), "gas": hex(gas)}
        if to:
            tx["to"] = to
        if amount:
            tx["value"] = hex(amount)
        txh = self.rpc("eth_sendTransaction", tx)
        rcpt = self.rpc("eth_getTransactionReceipt", txh)
        if expect_ok and rcpt["status"] != "0x1":
            raise RuntimeError(f"transaction failed: {tx} {rcpt}")
        self.gas_used += int(rcpt["gasUsed"], 16)
        return rcpt

    def deploy(self, name, frm, types=(), args=()):
        code = bytes.fromhex(self.arts[name]["bytecode"][2:]) + abi_encode(list(types), list(args))
        rcpt = self.send(frm, None, code, gas=12_000_000)
        return to_checksum_address(rcpt["contractAddress"]), int(rcpt["blockNumber"], 16)

    def call_tx(self, frm, to, sig, types=(), args=(), amount=0, expect_ok=True):
        return self.send(frm, to, self.sel(sig) + abi_encode(list(types), list(args)), amount=amount, expect_ok=expect_ok)

    def eth_call(self, to, sig, types=(), args=(), frm=None):
        tx = {"to": to, "data": "0x" + (self.sel(sig) + abi_encode(list(types), list(args))).hex()}
        if frm:
            tx["from"] = frm
        return bytes.fromhex(self.rpc("eth_call", tx, "latest")[2:])

    def deploy_app_proxy(self, impl, frm, owner, disable_upgrades=False, allow_any=False, require_tcb=False,
                         device=None, compose=None):
        init = self.sel("initialize(address,bool,bool,bool,bytes32,bytes32)") + abi_encode(
            ["address", "bool", "bool", "bool", "bytes32", "bytes32"],
            [owner, disable_upgrades, allow_any, require_tcb, b32(device), b32(compose)])
        rcpt = self.send(frm, None, proxy_initcode(impl, init), gas=3_000_000)
        return to_checksum_address(rcpt["contractAddress"]), int(rcpt["blockNumber"], 16)

    def head(self):
        return int(self.rpc("eth_blockNumber"), 16)

    def block_ts(self, n):
        return int(self.rpc("eth_getBlockByNumber", hex(n), False)["timestamp"], 16)


def b32(h):
    return bytes(32) if not h else bytes.fromhex(h[2:])


BOOT_TYPES = ["(address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[])"]


def boot_info(app, compose, device=DEVICE_ID, os_image=OS_IMAGE, tcb="UpToDate", advisories=()):
    return {"appId": app, "composeHash": compose, "instanceId": to_checksum_address("0x" + keccak(text="instance " + app)[-20:].hex()),
            "deviceId": device, "mrAggregated": MR_AGGREGATED, "mrSystem": MR_SYSTEM, "osImageHash": os_image,
            "tcbStatus": tcb, "advisoryIds": list(advisories)}


def boot_tuple(bi):
    return (bi["appId"], b32(bi["composeHash"]), bi["instanceId"], b32(bi["deviceId"]), b32(bi["mrAggregated"]),
            b32(bi["mrSystem"]), b32(bi["osImageHash"]), bi["tcbStatus"], bi["advisoryIds"])


# ----------------------------------------------------------------- scenarios
ALL_CONTRACTS = ["DstackApp", "DstackKms", "TimelockAppAuth", "TeeOracle", "TimelockOwner", "SafeOwner"]


def scenario_empty(d):
    return {"contracts": {}, "facts": {}}


def scenario_default(d):
    d.load(ALL_CONTRACTS)
    a = d.accounts
    deployer, app_owner, tl_owner, s1, s2, s3, stranger, new_owner = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    H = COMPOSE
    c, apps, facts = {}, {}, {}

    # KMS root chain (fixed root key) and DstackKms
    root = kmschain.KmsRoot()
    c["app_impl"], _ = d.deploy("DstackApp", deployer)
    c["kms"], kms_block = d.deploy("DstackKms", deployer, ["address", "address"], [deployer, c["app_impl"]])
    ca_pub = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d03010703420004") + keccak(b"devnet ca x") + keccak(b"devnet ca y")
    d.call_tx(deployer, c["kms"], "setKmsInfo((bytes,bytes,bytes,bytes))", ["(bytes,bytes,bytes,bytes)"],
              [(root.pubkey_compressed, ca_pub, b"", b"")])
    d.call_tx(deployer, c["kms"], "addOsImageHash(bytes32)", ["bytes32"], [b32(OS_IMAGE)])
    d.call_tx(deployer, c["kms"], "addKmsAggregatedMr(bytes32)", ["bytes32"], [b32(MR_AGGREGATED)])
    d.call_tx(deployer, c["kms"], "addKmsDevice(bytes32)", ["bytes32"], [b32(DEVICE_ID)])
    d.call_tx(deployer, c["kms"], "setGatewayAppId(string)", ["string"], ["devnet-gateway"])

    def register(name):
        d.call_tx(stranger, c["kms"], "registerApp(address)", ["address"], [c[name]])

    def dstack_app(name, owner, owner_kind, compose=H["H1"], device=DEVICE_ID, allow_any=False, disable=False,
                   require_tcb=False, registered=True):
        c[name], blk = d.deploy_app_proxy(c["app_impl"], deployer, owner, disable, allow_any, require_tcb, device, compose)
        if registered:
            register(name)
        apps[name] = {"address": c[name], "kind": "DstackApp", "proxy": True, "implementation": c["app_impl"],
                      "owner": owner, "owner_kind": owner_kind, "pending_owner": ZERO,
                      "allowed_compose_hashes": [compose] if compose else [], "allowed_devices": [device] if device else [],
                      "allow_any_device": allow_any, "upgrades_disabled": disable, "require_tcb_up_to_date": require_tcb,
                      "registered": registered, "deploy_block": blk, "notice_period": 0}
        return c[name]

    # 1. instant-upgrade app, EOA owner
    dstack_app("app_instant", app_owner, "eoa")
    # 2. two allowed compose hashes (stale-hash / downgrade risk), any device
    dstack_app("app_two_hashes", app_owner, "eoa", allow_any=True)
    d.call_tx(app_owner, c["app_two_hashes"], "addComposeHash(bytes32)", ["bytes32"], [b32(H["H2"])])
    apps["app_two_hashes"]["allowed_compose_hashes"].append(H["H2"])
    # 3. renounced owner (zero address)
    dstack_app("app_renounced", app_owner, "zero")
    d.call_tx(app_owner, c["app_renounced"], "renounceOwnership()")
    apps["app_renounced"]["owner"] = ZERO
    # 4. upgrades disabled, EOA owner
    dstack_app("app_upgrades_disabled", app_owner, "eoa")
    d.call_tx(app_owner, c["app_upgrades_disabled"], "disableUpgrades()")
    apps["app_upgrades_disabled"]["upgrades_disabled"] = True
    # 5. pending ownership transfer (Ownable2Step)
    dstack_app("app_pending_owner", app_owner, "eoa")
    d.call_tx(app_owner, c["app_pending_owner"], "transferOwnership(address)", ["address"], [new_owner])
    apps["app_pending_owner"]["pending_owner"] = new_owner
    # 6. upgraded proxy (second implementation) with a TCB requirement
    c["app_impl_v2"], _ = d.deploy("DstackApp", deployer)
    dstack_app("app_upgraded", app_owner, "eoa", require_tcb=True)
    rc = d.call_tx(app_owner, c["app_upgraded"], "upgradeToAndCall(address,bytes)", ["address", "bytes"], [c["app_impl_v2"], b""])
    apps["app_upgraded"]["implementation"] = c["app_impl_v2"]
    apps["app_upgraded"]["upgrade_block"] = int(rc["blockNumber"], 16)
    # 7. not registered in the KMS
    dstack_app("app_unregistered", app_owner, "eoa", registered=False)

    # 8. TimelockController-like owner (8 days), app owned by it, one scheduled (pending) operation
    c["timelock_owner"], _ = d.deploy("TimelockOwner", deployer, ["uint256", "address[]", "address[]"],
                                      [EIGHT_DAYS, [s1], [s1]])
    dstack_app("app_timelock_owner", c["timelock_owner"], "timelock")
    apps["app_timelock_owner"]["notice_period"] = EIGHT_DAYS
    op_data = d.sel("addComposeHash(bytes32)") + abi_encode(["bytes32"], [b32(H["H2"])])
    salt = b32(h32("devnet salt 1"))
    rc = d.call_tx(s1, c["timelock_owner"], "schedule(address,uint256,bytes,bytes32,bytes32,uint256)",
                   ["address", "uint256", "bytes", "bytes32", "bytes32", "uint256"],
                   [c["app_timelock_owner"], 0, op_data, bytes(32), salt, EIGHT_DAYS])
    op_id = "0x" + d.eth_call(c["timelock_owner"], "hashOperation(address,uint256,bytes,bytes32,bytes32)",
                              ["address", "uint256", "bytes", "bytes32", "bytes32"],
                              [c["app_timelock_owner"], 0, op_data, bytes(32), salt]).hex()
    op_block = int(rc["blockNumber"], 16)
    facts["timelock_owner"] = {"address": c["timelock_owner"], "min_delay": EIGHT_DAYS, "proposers": [s1], "executors": [s1],
                               "admin": c["timelock_owner"],
                               "pending_operation": {"id": op_id, "target": c["app_timelock_owner"], "value": 0,
                                                     "data": "0x" + op_data.hex(), "predecessor": "0x" + "00" * 32,
                                                     "salt": "0x" + salt.hex(), "block": op_block,
                                                     "ready_at": d.block_ts(op_block) + EIGHT_DAYS,
                                                     "call": "addComposeHash(" + H["H2"] + ")"}}

    # 9. Safe-like 2-of-3 owner, app owned by it, one executed addComposeHash through the Safe
    c["safe_owner"], _ = d.deploy("SafeOwner", deployer, ["address[]", "uint256"], [[s1, s2, s3], 2])
    dstack_app("app_safe_owner", c["safe_owner"], "safe")
    add_h2 = d.sel("addComposeHash(bytes32)") + abi_encode(["bytes32"], [b32(H["H2"])])
    txhash = d.eth_call(c["safe_owner"], "getTransactionHash(address,uint256,bytes,uint256)",
                        ["address", "uint256", "bytes", "uint256"], [c["app_safe_owner"], 0, add_h2, 0])
    d.call_tx(s1, c["safe_owner"], "approveHash(bytes32)", ["bytes32"], [txhash])
    d.call_tx(s2, c["safe_owner"], "execTransaction(address,uint256,bytes)", ["address", "uint256", "bytes"],
              [c["app_safe_owner"], 0, add_h2])
    apps["app_safe_owner"]["allowed_compose_hashes"].append(H["H2"])
    facts["safe_owner"] = {"address": c["safe_owner"], "owners": [s1, s2, s3], "threshold": 2}

    # 10. TimelockAppAuth, 8-day notice: pending proposal H3, cancelled proposal H4
    def timelock_app(name, notice):
        c[name], blk = d.deploy("TimelockAppAuth", tl_owner, ["uint256", "bool", "bytes32"], [notice, True, b32(H["H1"])])
        register(name)
        apps[name] = {"address": c[name], "kind": "TimelockAppAuth", "proxy": False, "implementation": None,
                      "owner": tl_owner, "owner_kind": "eoa", "pending_owner": None, "notice_period": notice,
                      "allowed_compose_hashes": [H["H1"]], "allowed_devices": [], "allow_any_device": True,
                      "upgrades_disabled": None, "require_tcb_up_to_date": None, "registered": True, "deploy_block": blk}

    proposals = []

    def propose(name, h, status):
        rc = d.call_tx(tl_owner, c[name], "proposeComposeHash(bytes32)", ["bytes32"], [b32(h)])
        blk = int(rc["blockNumber"], 16)
        ts = d.block_ts(blk)
        p = {"app": name, "address": c[name], "compose_hash": h, "proposed_block": blk, "proposed_at": ts,
             "activates_at": ts + apps[name]["notice_period"], "status": status}
        proposals.append(p)
        return p

    timelock_app("timelock_app", EIGHT_DAYS)
    propose("timelock_app", H["H3"], "pending")
    p = propose("timelock_app", H["H4"], "cancelled")
    rc = d.call_tx(tl_owner, c["timelock_app"], "cancelProposal(bytes32)", ["bytes32"], [b32(H["H4"])])
    p["cancelled_block"] = int(rc["blockNumber"], 16)

    # 11. TimelockAppAuth, 120 s notice (tutorial demo): H5 proposed then activated, H3 pending
    timelock_app("timelock_app_short", 120)
    p = propose("timelock_app_short", H["H5"], "activated")
    d.rpc("evm_increaseTime", hex(121))
    rc = d.call_tx(stranger, c["timelock_app_short"], "activateComposeHash(bytes32)", ["bytes32"], [b32(H["H5"])])
    p["activated_block"] = int(rc["blockNumber"], 16)
    apps["timelock_app_short"]["allowed_compose_hashes"].append(H["H5"])
    propose("timelock_app_short", H["H3"], "pending")

    # 12. TeeOracle for app_instant with a valid proof; request 0 fulfilled, request 1 open
    app_id = c["app_instant"]
    chain = root.chain_for(app_id, path="/oracle", purpose="ethereum")
    price, price_ts = 123456, 1_700_000_000
    proof = chain.oracle_proof(price, price_ts)
    c["tee_oracle"], _ = d.deploy("TeeOracle", deployer, ["address", "bytes32"],
                                  [root.address, bytes.fromhex(app_id[2:]) + bytes(12)])
    d.call_tx(stranger, c["tee_oracle"], "request()", amount=10**16)
    d.call_tx(stranger, c["tee_oracle"], "request()", amount=2 * 10**16)
    proof_tuple = (b32(proof["messageHash"]), *(bytes.fromhex(proof[k][2:]) for k in
                   ("messageSignature", "appSignature", "kmsSignature", "derivedCompressedPubkey", "appCompressedPubkey")),
                   proof["purpose"])
    rc = d.call_tx(deployer, c["tee_oracle"], "fulfill(uint256,uint256,uint256,(bytes32,bytes,bytes,bytes,bytes,bytes,string))",
                   ["uint256", "uint256", "uint256", "(bytes32,bytes,bytes,bytes,bytes,bytes,string)"],
                   [0, price, price_ts, proof_tuple])
    facts["oracle"] = {"address": c["tee_oracle"], "kms_root": root.address, "app_id": app_id,
                       "app_id_bytes32": "0x" + app_id[2:].lower() + "00" * 12,
                       "price": price, "price_timestamp": price_ts, "proof": proof,
                       "fulfilled_request": 0, "fulfilled_block": int(rc["blockNumber"], 16), "open_request": 1,
                       "chain": chain.describe()}

    # 13. DstackApp created by the KMS factory (deployAndRegisterApp → AppDeployedViaFactory), EOA owner
    rc = d.call_tx(app_owner, c["kms"], "deployAndRegisterApp(address,bool,bool,bool,bytes32,bytes32)",
                   ["address", "bool", "bool", "bool", "bytes32", "bytes32"],
                   [app_owner, False, False, False, b32(DEVICE_ID), b32(H["H1"])])
    factory_topic = "0x" + keccak(text="AppDeployedViaFactory(address,address)").hex()
    lg = next(x for x in rc["logs"] if x["topics"][0] == factory_topic)
    c["app_factory"] = to_checksum_address("0x" + lg["topics"][1][-40:])
    apps["app_factory"] = {"address": c["app_factory"], "kind": "DstackApp", "proxy": True, "implementation": c["app_impl"],
                           "owner": app_owner, "owner_kind": "eoa", "pending_owner": ZERO,
                           "allowed_compose_hashes": [H["H1"]], "allowed_devices": [DEVICE_ID], "allow_any_device": False,
                           "upgrades_disabled": False, "require_tcb_up_to_date": False, "registered": True,
                           "deploy_block": int(rc["blockNumber"], 16), "notice_period": 0, "deployed_via_factory": True}

    facts["kms"] = {"address": c["kms"], "owner": deployer, "deploy_block": kms_block,
                    "k256_pubkey": "0x" + root.pubkey_compressed.hex(), "root_address": root.address,
                    "root_private_key": "0x" + root.priv.hex(), "ca_pubkey": "0x" + ca_pub.hex(),
                    "os_image_hash": OS_IMAGE, "mr_aggregated": MR_AGGREGATED, "device_id": DEVICE_ID,
                    "gateway_app_id": "devnet-gateway", "app_implementation": c["app_impl"]}

    # boot simulations with expected answers (checked here, so devnet.json never lies)
    boots = [
        ("allowed", "kms", boot_info(c["app_instant"], H["H1"]), True, ""),
        ("app_allowed_direct", "app_instant", boot_info(c["app_instant"], H["H1"]), True, ""),
        ("unknown_compose_hash", "kms", boot_info(c["app_instant"], H["H6"]), False, "Compose hash not allowed"),
        ("unknown_device", "kms", boot_info(c["app_instant"], H["H1"], device=DEVICE_ID_2), False, "Device not allowed"),
        ("os_image_not_allowed", "kms", boot_info(c["app_instant"], H["H1"], os_image=OS_IMAGE_BAD), False, "OS image is not allowed"),
        ("app_not_registered", "kms", boot_info(c["app_unregistered"], H["H1"]), False, "App not registered"),
        ("tcb_out_of_date", "kms", boot_info(c["app_upgraded"], H["H1"], tcb="OutOfDate"), False, "TCB status is not up to date"),
        ("timelock_allowed", "kms", boot_info(c["timelock_app"], H["H1"], device=DEVICE_ID_2), True, ""),
        ("timelock_pending_hash", "kms", boot_info(c["timelock_app"], H["H3"]), False, "compose hash not allowed"),
    ]
    facts["boot"] = []
    for name, target, bi, ok, reason in boots:
        raw = d.eth_call(c[target], "isAppAllowed(" + BOOT_TYPES[0] + ")", BOOT_TYPES, [boot_tuple(bi)])
        from eth_abi import decode as abi_decode
        got_ok, got_reason = abi_decode(["bool", "string"], raw)
        if (got_ok, got_reason) != (ok, reason):
            raise RuntimeError(f"boot simulation {name}: got {(got_ok, got_reason)}, expected {(ok, reason)}")
        facts["boot"].append({"name": name, "contract": target, "address": c[target], "boot_info": bi,
                              "allowed": ok, "reason": reason})

    facts["compose_hashes"] = H
    facts["device_ids"] = [DEVICE_ID, DEVICE_ID_2]
    facts["apps"] = apps
    facts["proposals"] = proposals
    return {"contracts": c, "facts": facts}


def scenario_bench_history(d, events=1000, blocks=50_000):
    """One DstackApp (EOA owner) with `events` history events spread evenly over >= `blocks` blocks."""
    d.load(["DstackApp"])
    a = d.accounts
    owner = a[1]
    c = {}
    c["app_impl"], _ = d.deploy("DstackApp", a[0])
    c["history_app"], first = d.deploy_app_proxy(c["app_impl"], a[0], owner, False, True, False, None, COMPOSE["H1"])
    gap = max(0, blocks // events - 1)
    counts = {"ComposeHashAdded": 1, "ComposeHashRemoved": 0, "PolicyChanged": events, "OwnershipTransferred": 1,
              "Initialized": 1, "Upgraded": 1}
    for i in range(events):
        h = b32(h32(f"devproof-devnet bench compose {i}"))
        if i % 4 == 3:
            d.call_tx(owner, c["history_app"], "removeComposeHash(bytes32)", ["bytes32"], [b32(h32(f"devproof-devnet bench compose {i - 1}"))])
            counts["ComposeHashRemoved"] += 1
        else:
            d.call_tx(owner, c["history_app"], "addComposeHash(bytes32)", ["bytes32"], [h])
            counts["ComposeHashAdded"] += 1
        if gap:
            d.rpc("evm_mine", {"blocks": hex(gap)})
    head = d.head()
    logs = d.rpc("eth_getLogs", {"fromBlock": hex(first), "toBlock": hex(head), "address": c["history_app"]})
    return {"contracts": c, "facts": {"history": {"app": c["history_app"], "owner": owner, "deploy_block": first,
                                                  "head": head, "blocks": head - first + 1, "log_count": len(logs),
                                                  "event_counts": counts, "compose_hash_initial": COMPOSE["H1"]}}}


def scenario_stage(d):
    """Apps for `devproof stage`: the running compose hash is the one of Fixtures/dstack/v2 (the project's own
    generated evidence), so attest + appauth together decide S1.1/S1.5/S2.x on real contracts."""
    d.load(["DstackApp", "TimelockOwner", "SafeOwner"])
    a = d.accounts
    deployer, app_owner, s1, s2, s3 = a[0], a[1], a[3], a[4], a[5]
    fixture = HERE.parent / "Fixtures" / "dstack" / "v2" / "app-compose.json"
    running = "0x" + hashlib.sha256(fixture.read_bytes()).hexdigest()
    c, apps = {}, {}
    c["app_impl"], _ = d.deploy("DstackApp", deployer)
    c["timelock_owner"], _ = d.deploy("TimelockOwner", deployer, ["uint256", "address[]", "address[]"], [EIGHT_DAYS, [s1], [s1]])
    c["safe_owner"], _ = d.deploy("SafeOwner", deployer, ["address[]", "uint256"], [[s1, s2, s3], 2])

    def app(name, owner, owner_kind, compose=running, allow_any=True, require_tcb=True):
        c[name], blk = d.deploy_app_proxy(c["app_impl"], deployer, owner, False, allow_any, require_tcb, DEVICE_ID, compose)
        apps[name] = {"address": c[name], "owner_kind": owner_kind, "allowed_compose_hashes": [compose],
                      "allow_any_device": allow_any, "require_tcb_up_to_date": require_tcb, "deploy_block": blk}

    app("stage_candidate", c["timelock_owner"], "timelock")          # Stage-1 candidate: 8-day timelock owner
    app("stage_eoa", app_owner, "eoa")                               # S1.5 fails: an EOA can add a hash at once
    app("stage_safe", c["safe_owner"], "safe")                       # S1.5 fails: a 2-of-3 Safe, no timelock
    app("stage_other_hash", c["timelock_owner"], "timelock", compose=COMPOSE["H1"])  # S1.1 fails: running hash not allowed
    app("stage_devices", c["timelock_owner"], "timelock", allow_any=False, require_tcb=False)  # S2.3/S2.7 not met
    return {"contracts": c, "facts": {"apps": apps, "running_compose_hash": running}}


# EIP-4788 beacon-roots contract: its address and runtime bytecode are protocol constants from the EIP.
BEACON_ROOTS = "0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02"
BEACON_ROOTS_CODE = ("0x3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff81069081"
                     "5414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500")
BEACON_WINDOW = 8191


def scenario_lightclient(d):
    """The EIP-4788 contract with one ring-buffer entry (timestamp slot ts % 8191 -> ts, root slot ts % 8191 + 8191
    -> root), as the per-block system call would have left it; eth-tester cannot make that call, so the code and the
    two words are set in the state (anvil_setCode / anvil_setStorageAt) and committed by one mined block."""
    head = d.head()
    ts = d.block_ts(head)
    root = "0x" + keccak(text="devproof devnet beacon root").hex()
    d.rpc("anvil_setCode", BEACON_ROOTS, BEACON_ROOTS_CODE)
    d.rpc("anvil_setStorageAt", BEACON_ROOTS, hex(ts % BEACON_WINDOW), hex(ts))
    d.rpc("anvil_setStorageAt", BEACON_ROOTS, hex(ts % BEACON_WINDOW + BEACON_WINDOW), root)
    d.rpc("evm_mine")
    block = d.head()
    got = d.rpc("eth_call", {"to": BEACON_ROOTS, "data": "0x" + ts.to_bytes(32, "big").hex()}, "latest")
    if int(got, 16) != int(root, 16):
        raise RuntimeError(f"beacon roots contract answers {got} for {ts}, expected {root}")
    return {"contracts": {"beacon_roots": BEACON_ROOTS},
            "facts": {"beacon_roots": {"address": BEACON_ROOTS, "timestamp": ts, "root": root, "block": block}}}


SCENARIOS = {"empty": scenario_empty, "default": scenario_default, "bench-history": scenario_bench_history,
             "lightclient": scenario_lightclient,
             "stage": scenario_stage}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="the devnet's URL (or --port-file)")
    ap.add_argument("--port-file", help="wait (up to 60 s) for the server to write its port here; URL is 127.0.0.1:PORT")
    ap.add_argument("--scenario", default="default", choices=sorted(SCENARIOS))
    ap.add_argument("--out", help="write the scenario JSON here (else stdout)")
    a = ap.parse_args()
    t0 = time.time()
    if not a.url:
        if not a.port_file:
            ap.error("--url or --port-file is required")
        while not (os.path.exists(a.port_file) and open(a.port_file).read().strip()):
            if time.time() - t0 > 60:
                raise SystemExit("devnet server did not write its port")
            time.sleep(0.05)
        a.url = "http://127.0.0.1:" + open(a.port_file).read().strip()
    rpc = Rpc(a.url)
    d = Deployer(rpc)
    res = SCENARIOS[a.scenario](d)
    head = d.head()
    res.update({"scenario": a.scenario, "chain_id": int(rpc("eth_chainId"), 16), "accounts": d.accounts,
                "head_block": head, "head_timestamp": d.block_ts(head), "deploy_seconds": round(time.time() - t0, 2)})
    text = json.dumps(res, indent=1)
    if a.out:
        Path(a.out).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
