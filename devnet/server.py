#!/usr/bin/env python3
"""devproof devnet: a small Ethereum JSON-RPC server over eth-tester + py-evm (in-process EVM, offline).

Usage:
  python devnet/server.py [--host 127.0.0.1] [--port 0] [--port-file F] [--max-log-range N]
                          [--max-log-results N] [--watch-pid PID]

--port 0 picks a free port; the chosen port is printed ("listening on http://127.0.0.1:PORT") and written
to --port-file. --max-log-range / --max-log-results make eth_getLogs answer like public RPC providers do
(JSON-RPC error -32005 "query exceeds max block range N" / "query returned more than N results"), for
testing a client's adaptive chunking. --watch-pid makes the server exit when that process is gone.

Accounts are eth-tester's deterministic keys (private keys 0x…01 .. 0x…0a), all unlocked and funded.
"""
import argparse
import bisect
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import rlp
from eth_abi import encode as abi_encode
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm import main as pyevm_main
from eth_tester.exceptions import BlockNotFound, TransactionFailed, TransactionNotFound
from eth_tester.exceptions import ValidationError as TesterValidationError
from eth_utils import keccak, to_canonical_address, to_checksum_address
from trie import HexaryTrie

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
EMPTY_TRIE_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")


class RpcError(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


class Reverted(TransactionFailed):
    """eth_call/estimateGas reverted; carries the raw revert data (ABI Error(string) for reason strings)."""

    def __init__(self, msg, data):
        super().__init__(msg)
        self.data = data


def revert_error(data: bytes, fallback_msg: str):
    """JSON-RPC error like geth: code 3, message 'execution reverted: <reason>', data = raw revert bytes."""
    msg = "execution reverted"
    if data[:4] == ERROR_STRING_SELECTOR:
        try:
            from eth_abi import decode as abi_decode
            msg += ": " + abi_decode(["string"], data[4:])[0]
        except Exception:  # noqa: BLE001
            pass
    elif not data and fallback_msg and "revert" not in fallback_msg.lower():
        msg += ": " + fallback_msg
    return RpcError(3, msg, "0x" + data.hex())


def _patched_backend_call(self, transaction, block_number="latest"):
    """PyEVMBackend.call, keeping the raw revert bytes (eth-tester decodes them into a string)."""
    tx = dict(transaction)
    if "gas" not in tx:
        tx["gas"] = self._max_available_gas()
    unsigned = self._get_normalized_and_unsigned_evm_transaction(tx, block_number)
    spoofed = pyevm_main.EVMSpoofTransaction(unsigned, from_=transaction["from"])
    comp = pyevm_main._execute_and_revert_transaction(self.chain, spoofed, block_number)
    if comp.is_error:
        err = comp._error
        data = err.args[0] if err.args and isinstance(err.args[0], (bytes, bytearray)) else b""
        if not isinstance(err, pyevm_main.EVMRevert):
            data = b""
        raise Reverted(str(err), bytes(data))
    return comp.output


PyEVMBackend.call = _patched_backend_call

_ORIGINAL_TX_LOOKUP = pyevm_main._get_transaction_by_hash
_ACTIVE_NODES = []  # Node instances; their tx index answers eth-tester's (otherwise O(chain length)) lookups


def _indexed_tx_lookup(chain, transaction_hash):
    for node in _ACTIVE_NODES:
        if node.backend.chain is chain:
            head_block = chain.get_block()
            for index, tx in enumerate(head_block.transactions):
                if tx.hash == transaction_hash:
                    return head_block, tx, index
            node._index_chain()
            hit = node._tx_index.get(bytes(transaction_hash))
            if hit is None:
                raise TransactionNotFound(f"No transaction found for transaction hash: 0x{bytes(transaction_hash).hex()}")
            block = chain.get_canonical_block_by_number(hit[0])
            return block, block.transactions[hit[1]], hit[1]
    return _ORIGINAL_TX_LOOKUP(chain, transaction_hash)


pyevm_main._get_transaction_by_hash = _indexed_tx_lookup

# ---------------------------------------------------------------- wire format helpers
DATA_INT_KEYS = {"logs_bloom": 256}
RENAME = {"sha3_uncles": "sha3Uncles", "coinbase": "miner", "to": "to", "from": "from", "y_parity": "yParity"}
BLOCK_DROP = {"total_difficulty"}


def camel(k):
    if k in RENAME:
        return RENAME[k]
    parts = k.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def out(v, key=None):
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        if key in DATA_INT_KEYS:
            return "0x" + v.to_bytes(DATA_INT_KEYS[key], "big").hex()
        return hex(v)
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    if isinstance(v, dict):
        return {camel(k): out(x, k) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [out(x, key) for x in v]
    if v == "" and key == "to":
        return None
    return v


QUANTITY_IN = {"gas", "gasPrice", "value", "nonce", "maxFeePerGas", "maxPriorityFeePerGas", "chainId", "type"}


def snake(k):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k)


def parse_quantity(v, what="quantity"):
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"0x[0-9a-fA-F]+", v):
        return int(v, 16)
    if isinstance(v, str) and v.isdigit():
        return int(v)
    raise RpcError(-32602, f"invalid {what}: {v!r}")


class Node:
    def __init__(self, max_log_range=None, max_log_results=None):
        self.backend = PyEVMBackend()
        self.tester = EthereumTester(self.backend)
        self.lock = threading.RLock()
        self.max_log_range = max_log_range
        self.max_log_results = max_log_results
        self.chain_id = self.backend.chain.chain_id
        # log index: block number -> list of wire-format logs (only blocks with logs), sorted block list
        self._log_blocks = {}
        self._log_block_nums = []
        self._indexed_upto = -1
        self._tx_index = {}
        _ACTIVE_NODES.append(self)
        self.methods = {
            "web3_clientVersion": lambda: "devproof-devnet/eth-tester+py-evm",
            "net_version": lambda: str(self.chain_id),
            "eth_chainId": lambda: hex(self.chain_id),
            "eth_blockNumber": lambda: hex(self.latest_number()),
            "eth_accounts": lambda: list(self.tester.get_accounts()),
            "eth_gasPrice": lambda: hex(10**9),
            "eth_maxPriorityFeePerGas": lambda: hex(10**9),
            "eth_getBalance": lambda a, b="latest": hex(self.tester.get_balance(a, self.block_id(b))),
            "eth_getTransactionCount": lambda a, b="latest": hex(self.tester.get_nonce(a, self.block_id(b))),
            "eth_getCode": lambda a, b="latest": self.tester.get_code(a, self.block_id(b)),
            "eth_getStorageAt": self.get_storage_at,
            "eth_call": self.call,
            "eth_estimateGas": self.estimate_gas,
            "eth_sendTransaction": self.send_transaction,
            "eth_sendRawTransaction": self.send_raw_transaction,
            "eth_getTransactionReceipt": self.receipt,
            "eth_getTransactionByHash": self.tx_by_hash,
            "eth_getBlockByNumber": self.block_by_number,
            "eth_getBlockByHash": lambda h, full=False: self.block(lambda: self.tester.get_block_by_hash(h, full)),
            "eth_getLogs": self.get_logs,
            "eth_getProof": self.get_proof,
            "evm_mine": self.mine,
            "hardhat_mine": lambda n="0x1", interval=None: self.mine_many(parse_quantity(n), interval),
            "anvil_mine": lambda n="0x1", interval=None: self.mine_many(parse_quantity(n), interval),
            "evm_increaseTime": self.increase_time,
            "evm_setNextBlockTimestamp": self.set_next_timestamp,
            "anvil_setCode": self.set_code,
            "hardhat_setCode": self.set_code,
            "anvil_setStorageAt": self.set_storage_at,
            "hardhat_setStorageAt": self.set_storage_at,
            "evm_snapshot": lambda: hex(self.tester.take_snapshot()),
            "evm_revert": self.revert,
        }

    # ------------------------------------------------------------ blocks
    def latest_number(self):
        return self.backend.chain.get_block().number - 1

    def block_id(self, b):
        if b is None:
            return "latest"
        if isinstance(b, dict):  # EIP-1898
            if "blockNumber" in b:
                return self.check_number(parse_quantity(b["blockNumber"], "block number"))
            if "blockHash" in b:
                try:
                    return self.tester.get_block_by_hash(b["blockHash"])["number"]
                except BlockNotFound:
                    raise RpcError(-32001, f"header not found: {b['blockHash']}") from None
            raise RpcError(-32602, "invalid block parameter")
        if b in ("latest", "safe", "finalized", "pending"):
            return "latest"
        if b == "earliest":
            return 0
        return self.check_number(parse_quantity(b, "block number"))

    def check_number(self, n):
        if n > self.latest_number():
            raise RpcError(-32001, f"header not found: block {n} is beyond head {self.latest_number()}")
        return n

    def number_of(self, b):
        bid = self.block_id(b)
        return self.latest_number() if bid == "latest" else bid

    def block_by_number(self, b, full=False):
        try:
            bid = self.block_id(b)
        except RpcError as e:
            if e.code == -32001:
                return None  # like geth: a block beyond the head is null, not an error
            raise
        return self.block(lambda: self.tester.get_block_by_number(bid, full))

    def block(self, fn):
        try:
            blk = dict(fn())
        except BlockNotFound:
            return None
        for k in BLOCK_DROP:
            blk.pop(k, None)
        res = out(blk)
        try:  # eth-tester pads extraData to 32 bytes; the header (and its hash) has the real bytes
            header = self.backend.chain.get_block_header_by_hash(bytes.fromhex(res["hash"][2:]))
            res["extraData"] = "0x" + header.extra_data.hex()
        except Exception:  # noqa: BLE001
            pass
        if isinstance(res.get("transactions"), list):
            res["transactions"] = [self.tx_out(t) if isinstance(t, dict) else t for t in res["transactions"]]
        return res

    # ------------------------------------------------------------ state
    def get_storage_at(self, a, s, b="latest"):
        slot = parse_quantity(s, "storage slot")
        v = self.tester.get_storage_at(a, hex(slot), self.block_id(b))
        return "0x" + bytes.fromhex(v[2:].rjust(64, "0")).hex() if isinstance(v, str) else "0x" + v.hex()

    def call_in(self, tx):
        tx = dict(tx)
        tx.setdefault("from", self.tester.get_accounts()[0])
        return self.tx_in(tx)

    @staticmethod
    def tx_in(tx):
        res = {}
        for k, v in tx.items():
            if k == "input":
                k = "data"
            if v is None:
                continue
            if k in QUANTITY_IN and isinstance(v, str):
                v = int(v, 16)
            if k in ("type", "chainId"):
                continue
            if k == "accessList":
                v = [{"address": e["address"], "storage_keys": e.get("storageKeys", [])} for e in v]
            res[snake(k)] = v
        if "data" in res and res["data"] in ("0x", ""):
            res["data"] = "0x"
        return res

    def call(self, tx, b="latest", *_overrides):
        try:
            return self.tester.call(self.call_in(tx), self.block_id(b))
        except Reverted as e:
            raise revert_error(e.data, str(e)) from None

    def estimate_gas(self, tx, b="latest"):
        try:
            return hex(self.tester.estimate_gas(self.call_in(tx), self.block_id(b)))
        except TransactionFailed as e:
            data = e.args[0] if e.args and isinstance(e.args[0], (bytes, bytearray)) else b""
            raise revert_error(bytes(data), str(e)) from None

    def send_transaction(self, tx):
        t = self.tx_in(tx)
        if "gas" not in t:
            est = dict(t)
            try:
                t["gas"] = min(int(self.tester.estimate_gas(est) * 1.3) + 30000, 29_000_000)
            except TransactionFailed as e:
                data = e.args[0] if e.args and isinstance(e.args[0], (bytes, bytearray)) else b""
                raise revert_error(bytes(data), str(e)) from None
        return self.tester.send_transaction(t)

    def send_raw_transaction(self, raw):
        return self.tester.send_raw_transaction(raw)

    def receipt(self, h):
        try:
            r = dict(self.tester.get_transaction_receipt(h))
        except TransactionNotFound:
            return None
        r.pop("state_root", None)
        logs = r.pop("logs", [])
        res = out(r)
        res["logs"] = [self.log_out(lg) for lg in logs]
        res["logsBloom"] = self._receipt_bloom(res["logs"])
        return res

    @staticmethod
    def _receipt_bloom(logs):
        from eth_bloom import BloomFilter
        bf = BloomFilter()
        for lg in logs:
            bf.add(bytes.fromhex(lg["address"][2:]))
            for t in lg["topics"]:
                bf.add(bytes.fromhex(t[2:]))
        return "0x" + int(bf).to_bytes(256, "big").hex()

    def tx_by_hash(self, h):
        try:
            return self.tx_out(self.tester.get_transaction_by_hash(h))
        except TransactionNotFound:
            return None

    @staticmethod
    def tx_out(t):
        t = dict(t)
        res = out(t)
        if "data" in res:
            res["input"] = res.pop("data")
        return res

    @staticmethod
    def log_out(lg):
        return {
            "address": to_checksum_address(lg["address"]),
            "topics": [t if isinstance(t, str) else "0x" + t.hex() for t in lg["topics"]],
            "data": lg["data"] if isinstance(lg["data"], str) else "0x" + lg["data"].hex(),
            "blockNumber": hex(lg["block_number"]),
            "blockHash": lg["block_hash"],
            "transactionHash": lg["transaction_hash"],
            "transactionIndex": hex(lg["transaction_index"]),
            "logIndex": hex(lg["log_index"]),
            "removed": False,
        }

    # ------------------------------------------------------------ logs (indexed; blocks are immutable until evm_revert)
    def _index_chain(self):
        """Indexes new canonical blocks: tx hash → (block, index) and the logs of blocks that have any."""
        chain = self.backend.chain
        head = self.latest_number()
        for n in range(self._indexed_upto + 1, head + 1):
            header = chain.get_canonical_block_header_by_number(n)
            if header.transaction_root == EMPTY_TRIE_ROOT:
                continue
            block = chain.get_canonical_block_by_number(n)
            for i, tx in enumerate(block.transactions):
                self._tx_index[bytes(tx.hash)] = (n, i)
            if header.bloom == 0:
                continue
            logs, log_index = [], 0
            bhash = "0x" + header.hash.hex()
            for i, (tx, rcpt) in enumerate(zip(block.transactions, block.get_receipts(chain.chaindb))):
                for lg in rcpt.logs:
                    logs.append({
                        "address": to_checksum_address(lg.address),
                        "topics": ["0x" + t.to_bytes(32, "big").hex() for t in lg.topics],
                        "data": "0x" + bytes(lg.data).hex(),
                        "blockNumber": hex(n),
                        "blockHash": bhash,
                        "transactionHash": "0x" + bytes(tx.hash).hex(),
                        "transactionIndex": hex(i),
                        "logIndex": hex(log_index),
                        "removed": False,
                    })
                    log_index += 1
            if logs:
                self._log_blocks[n] = logs
                self._log_block_nums.append(n)
        self._indexed_upto = max(self._indexed_upto, head)

    def _reset_log_index(self):
        self._log_blocks, self._log_block_nums, self._indexed_upto, self._tx_index = {}, [], -1, {}

    def get_logs(self, f):
        if not isinstance(f, dict):
            raise RpcError(-32602, "invalid filter")
        if "blockHash" in f:
            try:
                fb = tb = self.tester.get_block_by_hash(f["blockHash"])["number"]
            except BlockNotFound:
                raise RpcError(-32001, f"unknown block {f['blockHash']}") from None
        else:
            fb = self.number_of(f.get("fromBlock", "latest"))
            tb = self.number_of(f.get("toBlock", "latest"))
        if fb > tb:
            raise RpcError(-32602, f"invalid block range params: fromBlock {fb} > toBlock {tb}")
        if self.max_log_range is not None and tb - fb + 1 > self.max_log_range:
            raise RpcError(-32005, f"query exceeds max block range {self.max_log_range}",
                           {"maxBlockRange": self.max_log_range})
        addrs = f.get("address")
        if isinstance(addrs, str):
            addrs = [addrs]
        addrs = {a.lower() for a in addrs} if addrs else None
        topics = f.get("topics") or []
        self._index_chain()
        res = []
        lo = bisect.bisect_left(self._log_block_nums, fb)
        hi = bisect.bisect_right(self._log_block_nums, tb)
        for n in self._log_block_nums[lo:hi]:
            for lg in self._log_blocks[n]:
                if addrs is not None and lg["address"].lower() not in addrs:
                    continue
                if not self._topics_match(lg["topics"], topics):
                    continue
                res.append(lg)
                if self.max_log_results is not None and len(res) > self.max_log_results:
                    raise RpcError(-32005, f"query returned more than {self.max_log_results} results",
                                   {"maxResults": self.max_log_results})
        return res

    @staticmethod
    def _topics_match(have, want):
        for i, w in enumerate(want):
            if w is None:
                continue
            if i >= len(have):
                return False
            opts = w if isinstance(w, list) else [w]
            opts = [o.lower() for o in opts if o is not None]
            if opts and have[i].lower() not in opts:
                return False
        return True

    # ------------------------------------------------------------ eth_getProof
    def get_proof(self, address, slots, blk="latest"):
        n = self.number_of(blk)
        header = self.backend.chain.get_canonical_block_header_by_number(n)
        db = self.backend.chain.chaindb.db
        state_trie = HexaryTrie(db, header.state_root)
        addr = to_canonical_address(address)
        acct_key = keccak(addr)
        acct_proof = state_trie.get_proof(acct_key)
        raw = state_trie.get(acct_key)
        if raw:
            nonce, balance, storage_root, code_hash = rlp.decode(raw)
            nonce = int.from_bytes(nonce, "big")
            balance = int.from_bytes(balance, "big")
        else:
            nonce, balance, storage_root, code_hash = 0, 0, EMPTY_TRIE_ROOT, keccak(b"")
        storage_trie = HexaryTrie(db, storage_root)
        storage_proofs = []
        for s in slots:
            slot = parse_quantity(s, "storage key")
            skey = keccak(slot.to_bytes(32, "big"))
            sraw = storage_trie.get(skey)
            val = int.from_bytes(rlp.decode(sraw), "big") if sraw else 0
            storage_proofs.append({
                "key": s,
                "value": hex(val),
                "proof": ["0x" + rlp.encode(node).hex() for node in storage_trie.get_proof(skey)],
            })
        return {
            "address": to_checksum_address(address),
            "accountProof": ["0x" + rlp.encode(node).hex() for node in acct_proof],
            "balance": hex(balance),
            "codeHash": "0x" + code_hash.hex(),
            "nonce": hex(nonce),
            "storageHash": "0x" + storage_root.hex(),
            "storageProof": storage_proofs,
        }

    # ------------------------------------------------------------ mining and time
    def mine(self, *args):
        """evm_mine: [] or [timestamp] (ganache) or [{"blocks": N, "timestamp"?: T}] → mines N blocks."""
        count, ts = 1, None
        if args:
            a = args[0]
            if isinstance(a, dict):
                count = parse_quantity(a.get("blocks", 1))
                if a.get("timestamp") is not None:
                    ts = parse_quantity(a["timestamp"])
            elif a is not None:
                ts = parse_quantity(a)
        if ts is not None:
            self.set_next_timestamp(ts)
        self.mine_many(count, None)
        return "0x0"

    def mine_many(self, count, interval):
        if count < 0 or count > 10_000_000:
            raise RpcError(-32602, "invalid block count")
        chain = self.backend.chain
        step = parse_quantity(interval) if interval is not None else None
        for _ in range(count):
            if step is not None and step > 1:
                parent_ts = chain.get_canonical_block_header_by_number(self.latest_number()).timestamp
                chain.header = chain.header.copy(timestamp=parent_ts + step)
            self.backend.mine_blocks(1)
        return None

    def pending_timestamp(self):
        return self.backend.chain.header.timestamp

    def increase_time(self, secs):
        """Advances the clock by secs and mines one block with the new time (eth_call at latest sees it)."""
        secs = parse_quantity(secs, "seconds")
        latest_ts = self.backend.chain.get_canonical_block_header_by_number(self.latest_number()).timestamp
        self.set_next_timestamp(max(latest_ts + 1, int(time.time())) + secs)
        self.mine_many(1, None)
        return hex(secs)

    def _edit_pending_state(self, edit):
        """Applies `edit(state)` to the pending block's state: the next mined block's state root commits to it (how
        the devnet gets system contracts such as EIP-4788's, whose per-block system call eth-tester cannot make)."""
        chain = self.backend.chain
        state = chain.get_vm().state
        edit(state)
        root = state.make_state_root()
        state.persist()
        chain.header = chain.header.copy(state_root=root)

    def set_code(self, address, code):
        """anvil_setCode / hardhat_setCode: replaces an account's code (in the next mined block)."""
        if not isinstance(code, str) or not re.fullmatch(r"0x([0-9a-fA-F]{2})*", code) or len(code) > 2 + 2 * 24576:
            raise RpcError(-32602, "code must be 0x-hex of at most 24576 bytes")
        self._edit_pending_state(lambda st: st.set_code(to_canonical_address(address), bytes.fromhex(code[2:])))
        return True

    def set_storage_at(self, address, slot, value):
        """anvil_setStorageAt / hardhat_setStorageAt: sets one storage word (in the next mined block)."""
        s, v = parse_quantity(slot, "storage slot"), parse_quantity(value, "storage value")
        if s >= 2**256 or v >= 2**256:
            raise RpcError(-32602, "storage slot and value must fit 32 bytes")
        self._edit_pending_state(lambda st: st.set_storage(to_canonical_address(address), s, v))
        return True

    def set_next_timestamp(self, ts):
        """The next mined block gets exactly this timestamp (must exceed the latest block's)."""
        ts = parse_quantity(ts, "timestamp")
        latest_ts = self.backend.chain.get_canonical_block_header_by_number(self.latest_number()).timestamp
        if ts <= latest_ts:
            raise RpcError(-32602, f"timestamp {ts} is not after the latest block's {latest_ts}")
        chain = self.backend.chain
        chain.header = chain.header.copy(timestamp=ts)
        return None

    def revert(self, sid):
        ok = True
        try:
            self.tester.revert_to_snapshot(parse_quantity(sid, "snapshot id"))
        except Exception:  # noqa: BLE001
            ok = False
        self._reset_log_index()
        return ok

    # ------------------------------------------------------------ dispatch
    def dispatch(self, req):
        if not isinstance(req, dict):
            return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}
        rid = req.get("id")
        m = req.get("method")
        params = req.get("params") or []
        if isinstance(params, dict):
            params = [params]
        fn = self.methods.get(m)
        if fn is None:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"the method {m} does not exist/is not available"}}
        try:
            with self.lock:
                res = fn(*params)
            return {"jsonrpc": "2.0", "id": rid, "result": res}
        except RpcError as e:
            err = {"code": e.code, "message": e.message}
            if e.data is not None:
                err["data"] = e.data
            return {"jsonrpc": "2.0", "id": rid, "error": err}
        except TransactionFailed as e:
            data = e.args[0] if e.args and isinstance(e.args[0], (bytes, bytearray)) else b""
            err = revert_error(bytes(data), str(e))
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": err.code, "message": err.message, "data": err.data}}
        except TesterValidationError as e:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": f"invalid params: {e}"}}
        except TypeError as e:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": f"invalid params: {e}"}}
        except Exception as e:  # noqa: BLE001
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32000, "message": f"{type(e).__name__}: {e}"}}

    def handle_body(self, body: bytes):
        try:
            req = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
        if isinstance(req, list):
            if not req:
                return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "empty batch"}}
            return [self.dispatch(r) for r in req]
        return self.dispatch(req)


def make_handler(node):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            n = int(self.headers.get("Content-Length", 0) or 0)
            body = self.rfile.read(n)
            resp = node.handle_body(body)
            data = json.dumps(resp).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            data = b'{"status":"ok","server":"devproof-devnet"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    return Handler


def watch_pid(pid, srv):
    while True:
        time.sleep(0.5)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            srv.shutdown()
            os._exit(0)
        except PermissionError:
            pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--max-log-range", type=int)
    ap.add_argument("--max-log-results", type=int)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args(argv)
    node = Node(max_log_range=a.max_log_range, max_log_results=a.max_log_results)
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer((a.host, a.port), make_handler(node))
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(str(port))
        os.replace(tmp, a.port_file)
    print(f"listening on http://{a.host}:{port}", flush=True)
    if a.watch_pid:
        threading.Thread(target=watch_pid, args=(a.watch_pid, srv), daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
