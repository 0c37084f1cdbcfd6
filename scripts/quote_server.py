#!/usr/bin/env python3
"""Loopback stand-in for an app's quote endpoint (tests only, stdlib only).

Usage: quote_server.py QUOTE_FILE
GET /quote?nonce=HEX answers {"quote": "<hex of QUOTE_FILE>", "nonce_seen": "HEX"}: a canned quote whatever the
nonce, i.e. what a replaying operator would serve. /missing answers 404. Prints the port on the first stdout
line; exits with its parent.
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler

from loopback import send, serve

raw = open(sys.argv[1], "rb").read()
try:
    QUOTE = bytes.fromhex(raw.decode().strip()).hex()
except ValueError:
    QUOTE = raw.hex()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/quote":
            nonce = urllib.parse.parse_qs(u.query).get("nonce", [""])[0]
            body, code = json.dumps({"quote": QUOTE, "nonce_seen": nonce}).encode(), 200
        else:
            body, code = b"not found", 404
        send(self, code, body)


serve(Handler)
