#!/usr/bin/env python3
"""Loopback stand-in for the Phala Cloud API's public attestation listing (tests only, stdlib only).

Usage: phala_api_stub.py APP_ID EVIDENCE.json [EVIDENCE.json ...]
Serves GET /api/v1/apps/<APP_ID>/attestations as {"instances": [{quote, event_log, vm_config, image_version}],
"kms_info": {}, "gateway_info": {}} built from GetQuote-shaped evidence files; any other app id answers 500, as
the real API does for an unknown or stopped app. Prints the port on the first stdout line; exits with its parent.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler

from loopback import send, serve

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
        send(self, code, body)


serve(Handler)
