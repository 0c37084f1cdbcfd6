#!/usr/bin/env python3
"""Renders an HTML report in headless Chromium the way an auditor's browser would, for the tests (stdlib only).

  html_check.py PAGE.html SCREENSHOT.png

Every host name is mapped to a loopback recorder (--host-resolver-rules "MAP * 127.0.0.1:PORT"), so any
request the page makes, http or https, to any host, arrives here and is counted; nothing leaves the machine.
Chromium runs twice: --screenshot (the page as rendered) and --dump-dom (the DOM after parsing and layout).
Chromium's own background services (BROWSER_HOSTS, exact names) are counted apart.
Prints JSON: {"page_connections": [...], "browser_connections", "verdict", "checks", "check_count", "rows", "nodes", "external_refs",
"screenshot_bytes"}. Exit 1 when Chromium fails.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from html.parser import HTMLParser

CONNECTIONS = []
# Chromium's own background services (component updater, network time, account sign-in): they are attempted
# whatever the page is, and land on the recorder like everything else. Exact names, so that a page fetching
# from any other host (a CDN, fonts, an image) is counted as a page request.
BROWSER_HOSTS = {"accounts.google.com", "clients2.google.com", "update.googleapis.com", "clientservices.googleapis.com",
                 "redirector.gvt1.com", "safebrowsingohttpgateway.googleapis.com", "optimizationguide-pa.googleapis.com",
                 "content-autofill.googleapis.com"}


def recorder():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)

    def loop():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.settimeout(2)
            first = b""
            try:
                # Read the whole first TLS record (a post-quantum ClientHello is > 1 KiB) or HTTP head.
                while len(first) < 16384:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    first += chunk
                    if first.startswith(b"\x16") and len(first) >= 5 and len(first) >= 5 + int.from_bytes(first[3:5], "big"):
                        break
                    if not first.startswith(b"\x16") and b"\r\n\r\n" in first:
                        break
            except OSError:
                pass
            CONNECTIONS.append(describe(first))
            try:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            conn.close()

    threading.Thread(target=loop, daemon=True).start()
    return srv


def sni(data):
    """The server_name of a TLS ClientHello (RFC 8446 4.1.2 / RFC 6066 3), or "?"."""
    try:
        p = 5 + 4 + 2 + 32                      # record header, handshake header, version, random
        p += 1 + data[p]                        # session id
        p += 2 + int.from_bytes(data[p:p + 2], "big")   # cipher suites
        p += 1 + data[p]                        # compression methods
        end = p + 2 + int.from_bytes(data[p:p + 2], "big")
        p += 2
        while p + 4 <= end:
            typ, ln = int.from_bytes(data[p:p + 2], "big"), int.from_bytes(data[p + 2:p + 4], "big")
            if typ == 0:
                n = int.from_bytes(data[p + 7:p + 9], "big")
                return data[p + 9:p + 9 + n].decode("ascii", "replace")
            p += 4 + ln
    except (IndexError, ValueError):
        pass
    return "?"


def describe(first):
    """The host a connection was meant for: the Host header of plain HTTP, the SNI of a TLS ClientHello.
    A connection that sent nothing (a browser preconnect) carries no request: host None."""
    if not first:
        return {"tls": False, "host": None}
    if first.startswith(b"\x16"):
        return {"tls": True, "host": sni(first)}
    head = first.decode("latin-1")
    m = re.search(r"^host:\s*([^\r\n:]+)", head, re.I | re.M)
    return {"tls": False, "host": m.group(1) if m else "?", "request": head.split("\r\n", 1)[0]}


class DomReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.verdict = self.checks = None
        self.rows = 0
        self.nodes = {}
        self.in_count = False
        self.check_count = ""
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "action", "poster", "data", "srcset"):
            if a.get(k) and re.match(r"\s*(https?:)?//", a[k], re.I):
                self.external.append(f"{tag} {k}={a[k]}")
        if a.get("style") and re.search(r"url\(\s*['\"]?\s*(https?:)?//", a["style"], re.I):
            self.external.append(f"{tag} style url()")
        if a.get("id") == "verdict":
            self.verdict, self.checks = a.get("data-verdict"), a.get("data-checks")
        if tag == "tr" and "check" in (a.get("class") or "").split():
            self.rows += 1
        if tag == "g" and a.get("data-node"):
            self.nodes[a["data-node"]] = a.get("data-state")
        if a.get("id") == "check-count":
            self.in_count = True

    def handle_data(self, data):
        if self.in_count:
            self.check_count += data

    def handle_endtag(self, tag):
        self.in_count = False


def main():
    page, shot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("chromium not found (Debian package chromium; `make test-deps` installs it)")
    srv = recorder()
    port = srv.getsockname()[1]
    profile = tempfile.mkdtemp(prefix="devproof-chromium-")
    base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-dev-shm-usage", "--no-pings", "--disable-domain-reliability", "--disable-breakpad",
            "--disable-client-side-phishing-detection", "--disable-component-extensions-with-background-pages",
            "--safebrowsing-disable-auto-update", "--metrics-recording-only", "--disable-field-trial-config",
            "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
            "CertificateTransparencyComponentUpdater,AutofillServerCommunication,OptimizationGuideModelDownloading", f"--user-data-dir={profile}",
            f"--host-resolver-rules=MAP * 127.0.0.1:{port}", "--window-size=1280,1400"]
    try:
        url = "file://" + page
        s = subprocess.run(base + [f"--screenshot={shot}", url], capture_output=True, text=True, timeout=120)
        d = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if s.returncode != 0 or d.returncode != 0 or not os.path.exists(shot):
        sys.exit(f"chromium failed: screenshot rc={s.returncode} dump rc={d.returncode}\n{s.stderr[-2000:]}\n{d.stderr[-2000:]}")
    dom = DomReader()
    dom.feed(d.stdout)
    with open(page, encoding="utf-8") as f:
        raw = f.read()
    # Also the raw file's CSS (style blocks; style attributes are read above): url() of a remote resource.
    for block in re.findall(r"<style[^>]*>(.*?)</style>", raw, re.S | re.I):
        for m in re.finditer(r"""url\(\s*['"]?\s*(?:https?:)?//|@import""", block, re.I):
            dom.external.append("css: " + block[m.start():m.start() + 60])
    page_conns = [c for c in CONNECTIONS if c["host"] is not None and c["host"] not in BROWSER_HOSTS]
    print(json.dumps({"page_connections": page_conns, "browser_connections": len(CONNECTIONS) - len(page_conns), "verdict": dom.verdict, "checks": dom.checks,
                      "check_count": dom.check_count.strip(), "rows": dom.rows, "nodes": dom.nodes,
                      "external_refs": dom.external, "dom_bytes": len(d.stdout),
                      "screenshot_bytes": os.path.getsize(shot)}))
    srv.close()


if __name__ == "__main__":
    main()
