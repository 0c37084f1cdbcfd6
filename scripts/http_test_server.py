#!/usr/bin/env python3
"""Loopback HTTP server for devproof's HTTPClient tests (stdlib only).

Binds 127.0.0.1 on a random port, prints the port on the first stdout line, serves until killed.
Paths:
  /echo                       JSON {method, path, headers, body}
  /status/<code>              that status, body "status <code>"
  /flaky/<key>/<n>/<code>     the first <n> requests for <key> answer <code>, then 200 "ok"
  /hang/<seconds>             sleeps, then 200
  /headers                    custom headers (URL-encoded PEM chain, mixed case, repeated)
  /big/<n>                    <n> bytes of 'a'
  /redirect                   302 to /echo ; /redirect-ftp: 302 to ftp://
  /count/<key>                how many requests /flaky or /status-counted saw for <key>
  /counted/<key>/<code>       counts, then answers <code>
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTS = {}
LOCK = threading.Lock()


def bump(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = self.path.split("?")[0].strip("/").split("/")
        head = parts[0] if parts else ""
        if head == "echo":
            out = {"method": method, "path": self.path, "headers": {k: v for k, v in self.headers.items()},
                   "body": body.decode("latin-1")}
            self.send(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
        elif head == "status":
            code = int(parts[1])
            self.send(code, f"status {code}".encode())
        elif head == "flaky":
            key, n, code = parts[1], int(parts[2]), int(parts[3])
            c = bump(key)
            if c <= n:
                extra = [("Retry-After", "0")] if code == 429 else []
                self.send(code, f"fail {c}".encode(), extra)
            else:
                self.send(200, f"ok after {c}".encode())
        elif head == "counted":
            key, code = parts[1], int(parts[2])
            bump(key)
            self.send(code, b"counted")
        elif head == "count":
            self.send(200, str(COUNTS.get(parts[1], 0)).encode())
        elif head == "hang":
            bump("hang")
            time.sleep(float(parts[1]))
            try:
                self.send(200, b"late")
            except OSError:
                pass
        elif head == "headers":
            pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            self.send(200, b"{}", [("TCB-Info-Issuer-Chain", urllib.parse.quote(pem)),
                                   ("x-mixed-CASE", "v1"), ("X-Repeat", "a"), ("X-Repeat", "b")])
        elif head == "big":
            self.send(200, b"a" * int(parts[1]))
        elif head == "redirect":
            self.send(302, b"", [("Location", "/echo")])
        elif head == "redirect-ftp":
            self.send(302, b"", [("Location", "ftp://127.0.0.1/x")])
        else:
            self.send(404, b"not found")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--closed-port":
        # Print a port that nothing listens on (bound, then closed).
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1], flush=True)
        s.close()
    else:
        main()
