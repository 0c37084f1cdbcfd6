#!/usr/bin/env python3
"""Loopback TLS servers for `devproof tls --url` tests and the bench (stdlib only).

Binds 127.0.0.1 on a random port, prints the port on the first stdout line, serves until killed.
  tls_test_server.py MODE CERT_CHAIN_PEM KEY_PEM [ATTESTATION_JSON]
MODE:
  honest         presents CERT, answers GET <any path> with ATTESTATION_JSON (200), one request per connection
  mitm           the same code path: a relay presenting its own CERT while serving the honest attestation
                 (ATTESTATION_JSON is whatever the relay forwards, e.g. with certFingerprint rewritten)
  second-conn    serves the attestation only on a connection that is not the first (the first gets 503 + close)
  slow           completes the handshake, then answers one byte per second
  silent         accepts TCP and never speaks (no ServerHello)
  endless        accepts TCP and sends an endless trickle of garbage handshake bytes
  files          the 4th argument is a DIRECTORY: GET /evidences/NAME answers that file (200) or 404 (dstack-ingress)
Connections are counted; `GET /__count` answers how many TLS connections were accepted before it.
"""
import socket
import ssl
import sys
import threading
import time

MODE, CERT, KEY = sys.argv[1], sys.argv[2], sys.argv[3]
BODY = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 and MODE != "files" else b"{}"
FILES = sys.argv[4] if MODE == "files" else None
COUNT = 0
LOCK = threading.Lock()


def response(code: int, body: bytes) -> bytes:
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}.get(code, "X")
    return (f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode() + body


def read_request(conn) -> bytes:
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def serve_tls(raw, ctx):
    global COUNT
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    with LOCK:
        COUNT += 1
        n = COUNT
    try:
        req = read_request(conn)
        if req.startswith(b"GET /__count "):
            conn.sendall(response(200, str(n - 1).encode()))
        elif MODE == "files":
            import os
            path = req.split(b" ")[1].decode() if req.count(b" ") >= 2 else ""
            name = path[len("/evidences/"):] if path.startswith("/evidences/") else ""
            full = os.path.join(FILES, name)
            if name and "/" not in name and name not in (".", "..") and os.path.isfile(full):
                conn.sendall(response(200, open(full, "rb").read()))
            else:
                conn.sendall(response(404, b"not found"))
        elif MODE == "second-conn" and n == 1:
            conn.sendall(response(503, b'{"error":"try again"}'))
        elif MODE == "slow":
            for b in response(200, BODY):
                conn.sendall(bytes([b]))
                time.sleep(1)
        else:
            conn.sendall(response(200, BODY))
        try:
            conn.unwrap()
        except (ssl.SSLError, OSError):
            pass
    except (ssl.SSLError, OSError):
        pass
    finally:
        conn.close()


def serve_raw(raw):
    try:
        if MODE == "endless":
            while True:
                raw.sendall(b"\x16\x03\x03")  # looks like a handshake record header, never completes
                time.sleep(0.05)
        else:
            time.sleep(3600)
    except OSError:
        pass
    finally:
        raw.close()


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        raw, _ = srv.accept()
        target = serve_raw if MODE in ("silent", "endless") else serve_tls
        args = (raw,) if MODE in ("silent", "endless") else (raw, ctx)
        threading.Thread(target=target, args=args, daemon=True).start()


if __name__ == "__main__":
    main()
