#!/usr/bin/env python3
"""A small HTTP/1.1 server for the HTTP engine's tests (standard library).

    echo_server.py [--listen HOST:PORT] [--tls]

prints, one per line, then serves until killed or its parent dies:

    listening http://HOST:PORT
    listening https://HOST:PORT     (with --tls)
    ca PATH                         (with --tls: the CA that signed it)

Any Host header is accepted. Paths:
  /echo                  the request as text: "METHOD TARGET", one line per
                         header "Name: value", an empty line, the body
  /sleep?ms=N            answer after N milliseconds
  /big?bytes=N           N bytes of "x" (&chunked=1: no Content-Length)
  /status?code=N         that status, with Retry-After, x-acs-retry-after,
                         x-log-requestid and a repeated header
  /drop                  close the connection without answering
  /stats, /__emulator/stats   {"connections": N, "requests": M} so far

The TLS certificate is made with the openssl command for localhost,
127.0.0.1, ::1 and *.log.aliyuncs.com, *.cn-hangzhou.log.aliyuncs.com.
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

STATS = {"connections": 0, "requests": 0}
LOCK = threading.Lock()


def count(key):
    with LOCK:
        STATS[key] += 1


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "echo"
    disable_nagle_algorithm = True  # else 40 ms per answer (delayed ACK)

    def setup(self):
        count("connections")
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        # 1xx, 204 and 304 have no body (RFC 9110 6.4.1): bytes sent anyway
        # would be read as the start of the next answer on a kept-alive
        # connection.
        if status < 200 or status in (204, 304):
            body = b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        count("requests")
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = url.path
        if path == "/echo":
            lines = ["%s %s" % (self.command, self.path)]
            lines += ["%s: %s" % (k, v) for k, v in self.headers.items()]
            text = ("\n".join(lines) + "\n\n").encode("latin-1") + body
            self.reply(200, text, [("Content-Type", "text/plain")])
        elif path == "/sleep":
            time.sleep(int(query.get("ms", "0")) / 1000)
            self.reply(200, b"slept")
        elif path == "/big":
            n = int(query.get("bytes", "0"))
            if query.get("chunked"):
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 65536
                while n > 0:
                    piece = chunk[:n]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    n -= len(piece)
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.reply(200, b"x" * n)
        elif path == "/status":
            code = int(query.get("code", "200"))
            self.reply(code, b"status %d" % code, [
                ("Retry-After", "3"),
                ("x-acs-retry-after", "1500"),
                ("x-log-requestid", "5F1C0D2E3A4B"),
                ("X-Repeat", "a"),
                ("X-Repeat", "b"),
            ])
        elif path == "/drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif path in ("/stats", "/__emulator/stats"):
            with LOCK:
                text = json.dumps(STATS).encode()
            self.reply(200, text, [("Content-Type", "application/json")])
        else:
            self.reply(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        pass  # TLS refusals and resets are what some tests provoke


def make_cert(directory):
    """A CA and a server certificate signed by it, with EC keys (fast)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=slsh test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=slsh test server")
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,DNS:*.log.aliyuncs.com,"
                "DNS:*.cn-hangzhou.log.aliyuncs.com,IP:127.0.0.1,IP:::1\n"
                "basicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
        "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
        "-days", "2", "-extfile", "ext.cnf")
    return (os.path.join(directory, "ca.pem"),
            os.path.join(directory, "server.pem"),
            os.path.join(directory, "server.key"))


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    plain = Server((host, int(port)), Handler)
    serve(plain)
    print("listening http://%s:%d" % (host, plain.server_address[1]))
    tmp = None
    if args.tls:
        tmp = tempfile.mkdtemp(prefix="slsh-echo-")
        ca, cert, key = make_cert(tmp)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["http/1.1"])
        secure = Server((host, 0), Handler)
        secure.socket = ctx.wrap_socket(secure.socket, server_side=True,
                                        do_handshake_on_connect=False)
        serve(secure)
        print("listening https://%s:%d" % (host, secure.server_address[1]))
        print("ca %s" % ca)
    sys.stdout.flush()

    def stop(*_):
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    stop()


if __name__ == "__main__":
    main()
