#!/usr/bin/env python3
"""Loopback JSON-RPC stub for devproof's RPC client tests (stdlib only): a canned chain with misbehaviours.

Binds 127.0.0.1 on a random port, prints the port on the first stdout line, serves until killed or its parent exits.
Chain: head 10000, block n has hash keccak-free stand-in sha256(n), chain id 0x539, one log every 100 blocks
from address 0xabab…ab (topic0 = ComposeHashAdded). Paths select behaviour:
  /rpc                          normal answers
  /slowlogs/<max>/<seconds>     eth_getLogs over more than <max> blocks sleeps <seconds> first (a timeout)
  /http500                      HTTP 500 with an HTML body
  /garbage                      HTTP 200 with a body that is not JSON
  /rpcerr400                    HTTP 400 with a JSON-RPC error object (some providers do this)
  /chain/<head>/<every>/<max_range>/<max_results>
                                a chain of <head> blocks with a log every <every> blocks from block 100 (contract
                                code from block 100); eth_getLogs refuses (-32005) ranges above <max_range> blocks or
                                answers above <max_results> logs (0 = no limit). Used by scripts/bench.d/30-history.
"""
import hashlib
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEAD = 10000
ADDR = "0x" + "ab" * 20
TOPIC = "0xfecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af"


def bhash(n):
    return "0x" + hashlib.sha256(str(n).encode()).hexdigest()


def answer(req, path):
    parts = path.strip("/").split("/")
    head, every, max_range, max_results = HEAD, 100, 0, 0
    if parts[0] == "chain" and len(parts) == 5:
        head, every, max_range, max_results = (int(x) for x in parts[1:])

    def num(v):
        if v in ("latest", "finalized", "safe", None):
            return head
        return int(v, 16)

    m, p, rid = req.get("method"), req.get("params") or [], req.get("id")
    ok = lambda r: {"jsonrpc": "2.0", "id": rid, "result": r}
    if m == "eth_chainId":
        return ok("0x539")
    if m == "eth_getBlockByNumber":
        n = num(p[0])
        return ok({"number": hex(n), "hash": bhash(n), "parentHash": bhash(n - 1), "timestamp": hex(1_700_000_000 + 2 * n)})
    if m == "eth_getCode":
        return ok("0x6080" if num(p[1]) >= 100 else "0x")
    if m == "eth_getStorageAt":
        return ok("0x" + "00" * 32)
    if m == "eth_getLogs":
        f = p[0]
        fb, tb = num(f["fromBlock"]), num(f["toBlock"])
        if parts[0] == "slowlogs" and tb - fb + 1 > int(parts[1]):
            time.sleep(float(parts[2]))
        if max_range and tb - fb + 1 > max_range:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32005, "message": f"block range too large: max {max_range}"}}
        first = 100 + max(0, -(-(fb - 100) // every)) * every
        blocks = range(first, tb + 1, every)
        if max_results and len(blocks) > max_results:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32005, "message": f"query returned more than {max_results} results"}}
        logs = [{"address": ADDR, "topics": [TOPIC], "data": "0x" + format(b, "064x"), "blockNumber": hex(b),
                 "blockHash": bhash(b), "transactionHash": bhash(b + 10**9), "logIndex": "0x0", "removed": False}
                for b in blocks]
        return ok(logs)
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "method not found"}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        if self.path == "/http500":
            return self.send(500, b"<html>internal error</html>", "text/html")
        if self.path == "/garbage":
            return self.send(200, b"this is not json")
        req = json.loads(body)
        if self.path == "/rpcerr400":
            rid = req.get("id") if isinstance(req, dict) else None
            return self.send(400, json.dumps({"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": "invalid params"}}).encode())
        out = [answer(r, self.path) for r in req] if isinstance(req, list) else answer(req, self.path)
        self.send(200, json.dumps(out).encode())


def exit_with_parent():
    # Tests keep the server in a static that is never torn down: leave when the test process is gone.
    parent = os.getppid()
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def main():
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    threading.Thread(target=exit_with_parent, daemon=True).start()
    s = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    s.daemon_threads = True
    print(s.server_address[1], flush=True)
    s.serve_forever()


if __name__ == "__main__":
    main()
