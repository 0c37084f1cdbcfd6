"""Shared plumbing of the project's loopback stand-in servers (tests only, stdlib only): bind 127.0.0.1 on a
random port, print the port on the first stdout line, exit when the parent (the test process) is gone."""
import os
import threading
import time
from http.server import ThreadingHTTPServer


def send(handler, code, body, content_type="application/json"):
    handler.send_response(code)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _watch_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def serve(handler_class):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    print(srv.server_address[1], flush=True)
    threading.Thread(target=_watch_parent, daemon=True).start()
    srv.serve_forever()
