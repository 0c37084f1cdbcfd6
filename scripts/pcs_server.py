#!/usr/bin/env python3
"""A PCS/PCCS-shaped HTTP server for devproof's tests (stdlib only, 127.0.0.1 only).

Serves the documents of one dcap-qvl QuoteCollateralV3 JSON file the way Intel PCS / a PCCS does, built at
start-up from that file: bodies plus URL-encoded PEM issuer-chain headers.

  python3 scripts/pcs_server.py COLLATERAL.json [options]     # prints the port on the first stdout line

  GET /sgx/certification/v4/pckcrl?ca=processor|platform&encoding=der   CRL (DER; --crl-encoding hex|pem)
                                                                         + SGX-PCK-CRL-Issuer-Chain
  GET /{sgx,tdx}/certification/v4/tcb?fmspc=HEX     {"tcbInfo":<exact bytes>,"signature":"<hex>"}
                                                     + TCB-Info-Issuer-Chain (+ SGX-TCB-Info-Issuer-Chain on sgx)
  GET /{sgx,tdx}/certification/v4/qe/identity      {"enclaveIdentity":<exact bytes>,"signature":"<hex>"}
                                                     + SGX-Enclave-Identity-Issuer-Chain
  GET /sgx/certification/v4/rootcacrl               hex text of the root CA CRL DER
  GET /IntelSGXRootCA.der                           the root CA CRL DER (as at Intel's CRL distribution point)
  GET /_log                                          JSON list of the paths requested so far

Failure modes (SUBSTR matches the request path):
  --fail-first N       the first N requests to every path answer 500
  --hang SUBSTR        requests matching SUBSTR sleep 30 s before answering
  --missing SUBSTR     requests matching SUBSTR answer 404 (repeatable)
  --fmspc HEX          only this FMSPC has TCB info (default: the collateral's fmspc)
"""
import argparse
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def build(coll, crl_encoding):
    def crl_body(hexder):
        der = bytes.fromhex(hexder)
        if crl_encoding == "hex":
            return hexder.encode()
        if crl_encoding == "pem":
            import base64
            b64 = base64.b64encode(der).decode()
            lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
            return ("-----BEGIN X509 CRL-----\n" + "\n".join(lines) + "\n-----END X509 CRL-----\n").encode()
        return der

    q = urllib.parse.quote
    tcb_body = ('{"tcbInfo":' + coll["tcb_info"] + ',"signature":"' + coll["tcb_info_signature"] + '"}').encode()
    qe_body = ('{"enclaveIdentity":' + coll["qe_identity"] + ',"signature":"' + coll["qe_identity_signature"] + '"}').encode()
    return {
        "pckcrl": (crl_body(coll["pck_crl"]), [("SGX-PCK-CRL-Issuer-Chain", q(coll["pck_crl_issuer_chain"]))]),
        "tcb": (tcb_body, [("TCB-Info-Issuer-Chain", q(coll["tcb_info_issuer_chain"]))]),
        "qe": (qe_body, [("SGX-Enclave-Identity-Issuer-Chain", q(coll["qe_identity_issuer_chain"]))]),
        "rootcacrl": (coll["root_ca_crl"].encode(), []),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("collateral")
    ap.add_argument("--crl-encoding", choices=["der", "hex", "pem"], default="der")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--hang", action="append", default=[])
    ap.add_argument("--missing", action="append", default=[])
    ap.add_argument("--fmspc")
    a = ap.parse_args()
    with open(a.collateral) as f:
        coll = json.load(f)
    docs = build(coll, a.crl_encoding)
    fmspc = (a.fmspc or json.loads(coll["tcb_info"])["fmspc"]).upper()
    counts, log, lock = {}, [], threading.Lock()

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

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            path, query = u.path, urllib.parse.parse_qs(u.query)
            if path == "/_log":
                with lock:
                    return self.send(200, json.dumps(log).encode())
            with lock:
                log.append(self.path)
                counts[path] = counts.get(path, 0) + 1
                n = counts[path]
            if any(s in self.path for s in a.hang):
                time.sleep(30)
                return
            if any(s in self.path for s in a.missing):
                return self.send(404, b"not found")
            if n <= a.fail_first:
                return self.send(500, b"internal error")
            if path == "/IntelSGXRootCA.der":  # the root CA CRL as at a CRL distribution point (DER)
                return self.send(200, bytes.fromhex(coll["root_ca_crl"]), [("Content-Type", "application/pkix-crl")])
            parts = path.strip("/").split("/")
            if len(parts) < 4 or parts[0] not in ("sgx", "tdx") or parts[1:3] != ["certification", "v4"]:
                return self.send(404, b"not found")
            tee, rest = parts[0], "/".join(parts[3:])
            if rest == "pckcrl" and tee == "sgx" and query.get("ca", [""])[0] in ("processor", "platform"):
                body, hdrs = docs["pckcrl"]
                return self.send(200, body, hdrs + [("Content-Type", "application/pkix-crl")])
            if rest == "tcb":
                if query.get("fmspc", [""])[0].upper() != fmspc:
                    return self.send(404, b"no TCB info for this FMSPC")
                body, hdrs = docs["tcb"]
                if tee == "sgx":
                    hdrs = hdrs + [("SGX-TCB-Info-Issuer-Chain", hdrs[0][1])]
                return self.send(200, body, hdrs + [("Content-Type", "application/json")])
            if rest == "qe/identity":
                body, hdrs = docs["qe"]
                return self.send(200, body, hdrs + [("Content-Type", "application/json")])
            if rest == "rootcacrl" and tee == "sgx":
                body, hdrs = docs["rootcacrl"]
                return self.send(200, body, hdrs + [("Content-Type", "text/plain")])
            return self.send(404, b"not found")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
