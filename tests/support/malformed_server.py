#!/usr/bin/env python3
"""A scripted HTTP/1.1 server that answers what a test tells it to
(standard library, loopback only): malformed, truncated, mistyped, huge
or missing answers, to prove that a client refuses them and that no write
follows a bad read.

    malformed_server.py [--listen 127.0.0.1:PORT]

prints `listening http://HOST:PORT`, then serves until killed or its
parent dies. Any Host header is accepted; nothing is authenticated.

Control endpoints (never scripted, never logged):
  PUT  /__script   {"answers": [ANSWER, ...]} replaces the queue
  GET  /__log      the requests received since the last reset, oldest
                   first: {"method", "host", "path", "query", "body"}
                   (body as text)
  POST /__reset    empties the queue and the log, request ids restart

Each request takes the first queued ANSWER whose "match" fits it
({"method": "PUT", "path": "/logstores/app"}, both optional; a path that
ends in "*" matches by prefix); an unmatched request gets 404
{"errorCode": "NoScriptedAnswer"}. An ANSWER:
  "status"    HTTP status (default 200)
  "headers"   extra headers ({"name": "value"})
  "json"      a value sent as JSON (null included), or
  "body"      text sent as it is, or
  "size"      a JSON-looking body of that many bytes, streamed
  "drop"      true: read the request, close without answering (curl says
              "Empty reply from server")
Every answer carries Content-Type application/json (unless "headers" says
otherwise) and x-log-requestid "req-<n>", n counting requests.
"""
import argparse
import http.server
import json
import os
import signal
import socketserver
import sys
import threading
import urllib.parse

LOCK = threading.Lock()
QUEUE = []
LOG = []
SEQ = [0]


def take(method, path):
    """The first queued answer matching the request, removed; or None."""
    with LOCK:
        for i, a in enumerate(QUEUE):
            m = a.get("match") or {}
            want = m.get("path")
            if m.get("method", method) != method:
                continue
            if want is not None and not (
                    path == want or
                    (want.endswith("*") and path.startswith(want[:-1]))):
                continue
            del QUEUE[i]
            return a
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "malformed"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send_all(self, status, body, headers=()):
        self.send_response(status)
        names = set()
        for name, value in headers:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self, url, body):
        global QUEUE
        if url.path == "/__script" and self.command == "PUT":
            doc = json.loads(body or b"{}")
            with LOCK:
                QUEUE = list(doc.get("answers", []))
            return self.send_all(200, b"{}")
        if url.path == "/__log" and self.command == "GET":
            with LOCK:
                text = json.dumps(LOG).encode()
            return self.send_all(200, text)
        if url.path == "/__reset" and self.command == "POST":
            with LOCK:
                QUEUE = []
                del LOG[:]
                SEQ[0] = 0
            return self.send_all(200, b"{}")
        return self.send_all(404, b'{"errorCode":"NoSuchControl"}')

    def stream(self, status, size, headers):
        """A JSON-looking body of `size` bytes, written in pieces."""
        head = b'{"logstoreName":"app","ttl":30,"shardCount":2,"pad":"'
        tail = b'"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            self.wfile.write(head)
            left = size - len(head) - len(tail)
            chunk = b"x" * 65536
            while left > 0:
                n = min(left, len(chunk))
                self.wfile.write(chunk[:n])
                left -= n
            self.wfile.write(tail)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/__"):
            return self.control(url, body)
        with LOCK:
            SEQ[0] += 1
            rid = "req-%d" % SEQ[0]
            LOG.append({"method": self.command,
                        "host": self.headers.get("Host", ""),
                        "path": url.path,
                        "query": dict(urllib.parse.parse_qsl(url.query)),
                        "body": body.decode("utf-8", "replace")})
        a = take(self.command, url.path)
        if a is None:
            return self.send_all(404, b'{"errorCode":"NoScriptedAnswer",'
                                 b'"errorMessage":"nothing scripted"}',
                                 [("x-log-requestid", rid)])
        if a.get("drop"):
            self.close_connection = True
            return None
        headers = [("x-log-requestid", rid)]
        headers += list((a.get("headers") or {}).items())
        status = a.get("status", 200)
        if "size" in a:
            return self.stream(status, a["size"], headers)
        if "json" in a:
            text = json.dumps(a["json"]).encode()
        else:
            text = a.get("body", "").encode()
        return self.send_all(status, text, headers)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """A client that hangs up (on a huge answer, say) is expected."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


def watch_parent():
    """Exit when the process that started us goes away."""
    parent = os.getppid()

    def loop():
        while True:
            if os.getppid() != parent:
                os._exit(0)
            threading.Event().wait(1)
    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:0")
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("malformed_server.py: loopback addresses only")
    srv = Server((host, int(port)), Handler)
    print("listening http://%s:%d" % (host, srv.server_address[1]),
          flush=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    watch_parent()
    srv.serve_forever()


if __name__ == "__main__":
    main()
