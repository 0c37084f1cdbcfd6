#!/usr/bin/env python3
"""Loopback stand-in for the Phala Cloud API's public attestation listing (tests only, stdlib only).

Usage: phala_api_stub.py APP_ID EVIDENCE.json [EVIDENCE.json ...]
Serves GET /api/v1/apps/<APP_ID>/attestations as {"instances": [{quote, event_log, vm_config, image_version}],
"kms_info": {}, "gateway_info": {}} built from GetQuote-shaped evidence files; any other app id answers 500, as
the real API does for an unknown or stopped app. Prints the port on the first stdout line; exits with its parent.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP = sys.argv[1].lower().removeprefix("0x")
INSTANCES = []
for p in sys.argv[2:]:
    ev = json.load(open(p))
    INSTANCES.append({"quote": ev["quote"], "event_log": ev.get("event_log"), "vm_config": ev.get("vm_config"),
                      "image_version": "stub"})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == f"/api/v1/apps/{APP}/attestations":
            body, code = json.dumps({"instances": INSTANCES, "kms_info": {}, "gateway_info": {}}).encode(), 200
        else:
            body, code = b'{"detail":"not found"}', 500
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def watch_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
threading.Thread(target=watch_parent, daemon=True).start()
srv.serve_forever()
