#!/usr/bin/env python3
"""Loopback stand-in for a tutorial oracle, for devproof keys tests (stdlib only).

Usage: keys_oracle_server.py DIR
Binds 127.0.0.1 on a random port, prints the port on the first stdout line, serves until killed.
GET /<name> answers the contents of DIR/<name>.json (application/json); anything else is 404.
"""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(sys.argv[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.split("?")[0].strip("/") or "index"
        path = os.path.join(ROOT, name + ".json")
        if "/" in name or ".." in name or not os.path.isfile(path):
            body, code = b"not found", 404
        else:
            body, code = open(path, "rb").read(), 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if code == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
