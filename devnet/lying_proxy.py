#!/usr/bin/env python3
"""A JSON-RPC proxy that forwards to a real devnet and alters chosen answers (for quorum / cross-check tests).

Usage: python devnet/lying_proxy.py --upstream URL [--port 0] [--port-file F] --lie MODES [--watch-pid PID]

MODES is a comma list of:
  call        eth_call results: the last byte of the returned data is XOR-ed with 0x01
              (a bool true becomes false, an address or hash changes)
  blockhash   eth_getBlockByNumber/ByHash: "hash" and "stateRoot" altered; eth_getLogs/receipts: blockHash altered
  logs        eth_getLogs: the last log of each answer is dropped
  storage     eth_getStorageAt: last byte XOR 0x01; eth_getProof: storageProof values and balance altered
  code        eth_getCode: a byte appended
  chainid     eth_chainId / net_version: a different chain
  head        eth_blockNumber: 5 blocks behind
  header      eth_getBlockByNumber/ByHash: "timestamp" +1 and "stateRoot" altered, "hash" left as it was (the
              header no longer hashes to the hash it claims)
  proofvalue  eth_getProof: each storageProof value XOR 0x01 (nothing else changed: e.g. another beacon root)
  proofnode   eth_getProof: one byte of the last account-proof node flipped (values left as they were)
  stale=N     a stale/lying head: eth_getBlockByNumber(latest|safe|finalized|pending) answers the block N below the
              real head, eth_blockNumber says head-N (steers a "lowest head wins" pin to an old state)
  all         every mode above
Batches are forwarded and altered element by element. Everything else passes through unchanged.
"""
import argparse
import json
import os
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = {"call", "blockhash", "logs", "storage", "code", "chainid", "head", "header", "proofnode", "proofvalue"}


def flip_last(hexstr):
    if not isinstance(hexstr, str) or len(hexstr) < 4:
        return hexstr
    return hexstr[:-2] + "%02x" % (int(hexstr[-2:], 16) ^ 1)


def alter(method, result, modes):
    if result is None:
        return result
    if "call" in modes and method == "eth_call":
        return flip_last(result)
    if "blockhash" in modes:
        if method in ("eth_getBlockByNumber", "eth_getBlockByHash") and isinstance(result, dict):
            result = dict(result)
            result["hash"] = flip_last(result.get("hash"))
            result["stateRoot"] = flip_last(result.get("stateRoot"))
            return result
        if method == "eth_getLogs" and isinstance(result, list):
            result = [dict(lg, blockHash=flip_last(lg.get("blockHash"))) for lg in result]
        if method == "eth_getTransactionReceipt" and isinstance(result, dict):
            result = dict(result, blockHash=flip_last(result.get("blockHash")))
    if "logs" in modes and method == "eth_getLogs" and isinstance(result, list) and result:
        result = result[:-1]
    if "storage" in modes:
        if method == "eth_getStorageAt":
            return flip_last(result)
        if method == "eth_getProof" and isinstance(result, dict):
            result = dict(result)
            result["balance"] = hex(int(result["balance"], 16) + 1)
            result["storageProof"] = [dict(p, value=hex(int(p["value"], 16) ^ 1)) for p in result.get("storageProof", [])]
            return result
    if "header" in modes and method in ("eth_getBlockByNumber", "eth_getBlockByHash") and isinstance(result, dict):
        result = dict(result)
        result["timestamp"] = hex(int(result["timestamp"], 16) + 1)
        result["stateRoot"] = flip_last(result.get("stateRoot"))
        return result
    if "proofvalue" in modes and method == "eth_getProof" and isinstance(result, dict):
        return dict(result, storageProof=[dict(p, value=hex(int(p["value"], 16) ^ 1)) for p in result.get("storageProof", [])])
    if "proofnode" in modes and method == "eth_getProof" and isinstance(result, dict) and result.get("accountProof"):
        nodes = list(result["accountProof"])
        last = nodes[-1]
        mid = len(last) // 2 & ~1
        nodes[-1] = last[:mid] + "%02x" % (int(last[mid:mid + 2], 16) ^ 0x10) + last[mid + 2:]
        return dict(result, accountProof=nodes)
    if "code" in modes and method == "eth_getCode":
        return result + "00"
    if "chainid" in modes:
        if method == "eth_chainId":
            return hex(int(result, 16) + 1)
        if method == "net_version":
            return str(int(result) + 1)
    if "head" in modes and method == "eth_blockNumber":
        return hex(max(0, int(result, 16) - 5))
    lag = next((int(m.split("=", 1)[1]) for m in modes if m.startswith("stale=")), None)
    if lag is not None and method == "eth_blockNumber":
        return hex(max(0, int(result, 16) - lag))
    return result


def upstream_head(upstream):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}).encode()
    req = urllib.request.Request(upstream, body, {"Content-Type": "application/json"})
    return int(json.loads(urllib.request.urlopen(req, timeout=60).read())["result"], 16)


def make_stale(body, upstream, lag):
    """Rewrites head-tag block requests to the block `lag` below the real head."""
    try:
        sent = json.loads(body)
    except ValueError:
        return body
    items = sent if isinstance(sent, list) else [sent]
    touched = False
    head = None
    for r in items:
        if not isinstance(r, dict):
            continue
        p = r.get("params") or []
        if r.get("method") == "eth_getBlockByNumber" and p and p[0] in ("latest", "safe", "finalized", "pending"):
            head = upstream_head(upstream) if head is None else head
            r["params"] = [hex(max(0, head - lag))] + list(p[1:])
            touched = True
    return json.dumps(sent).encode() if touched else body


def make_handler(upstream, modes, lag=None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            n = int(self.headers.get("Content-Length", 0) or 0)
            body = self.rfile.read(n)
            if lag is not None:
                body = make_stale(body, upstream, lag)
            req = urllib.request.Request(upstream, body, {"Content-Type": "application/json"})
            raw = urllib.request.urlopen(req, timeout=300).read()
            try:
                sent = json.loads(body)
                resp = json.loads(raw)
                if isinstance(sent, list) and isinstance(resp, list):
                    by_id = {json.dumps(r.get("id")): r.get("method") for r in sent if isinstance(r, dict)}
                    for r in resp:
                        if "result" in r:
                            r["result"] = alter(by_id.get(json.dumps(r.get("id"))), r["result"], modes)
                elif isinstance(sent, dict) and isinstance(resp, dict) and "result" in resp:
                    resp["result"] = alter(sent.get("method"), resp["result"], modes)
                raw = json.dumps(resp).encode()
            except (ValueError, AttributeError):
                pass
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *a):
            pass

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--lie", default="call")
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    modes = set(m.strip() for m in a.lie.split(",") if m.strip())
    if "all" in modes:
        modes = set(MODES)
    stale = [m for m in modes if m.startswith("stale=")]
    lag = None
    if stale:
        try:
            lag = int(stale[0].split("=", 1)[1])
        except ValueError:
            ap.error("stale=N needs a number of blocks")
    bad = modes - MODES - set(stale)
    if bad:
        ap.error(f"unknown lie modes: {sorted(bad)}")
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer((a.host, a.port), make_handler(a.upstream, modes, lag))
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as fh:
            fh.write(str(port))
        os.replace(a.port_file + ".tmp", a.port_file)
    print(f"lying proxy on http://{a.host}:{port} -> {a.upstream} ({','.join(sorted(modes))})", flush=True)
    if a.watch_pid:
        def watch():
            while True:
                time.sleep(0.5)
                try:
                    os.kill(a.watch_pid, 0)
                except ProcessLookupError:
                    os._exit(0)
                except PermissionError:
                    pass
        threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
