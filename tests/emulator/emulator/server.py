"""The threaded HTTP/1.1 server (plain and TLS) in front of the App.

Every answer carries Content-Length so connections stay alive, and a Date
header from the emulator's clock (clients correct clock skew from it).
"""

import http.server
import socket
import ssl
import sys
import threading

from . import clock as clk
from .wire import Request

MAX_READ = 11 * 1024 * 1024     # a little over the 10 MB SLS limit


class _Handler(http.server.BaseHTTPRequestHandler):
    """Turns each HTTP request into a wire.Request for the App."""

    protocol_version = "HTTP/1.1"
    server_version = "slsh-emulator"
    sys_version = ""
    # Headers and body go out in two writes; without TCP_NODELAY the second
    # waits for the client's delayed ACK (40 ms per request).
    disable_nagle_algorithm = True

    def setup(self):
        """Wraps the socket in TLS inside the connection's own thread (a
        slow handshake must not stall the accept loop), then registers the
        connection with the statistics."""
        if self.server.ssl_context is not None:
            self.request.settimeout(10)
            self.request = self.server.ssl_context.wrap_socket(
                self.request, server_side=True)
            self.request.settimeout(None)
        super().setup()
        self.conn = self.server.app.stats.connection_opened()

    def log_message(self, fmt, *args):
        """Silent: the request log is /__emulator/log (with --verbose the
        App prints one line per request, without secrets)."""

    def do_GET(self):
        """Every method is served alike; the services decide what it means."""
        self._serve()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def _read_body(self):
        """The request body by Content-Length or chunked encoding; None when
        it is larger than MAX_READ."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_READ:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_READ:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self):
        """Reads the request, asks the App, writes the answer."""
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "bad body framing")
            return
        if body is None:
            self.close_connection = True
            self._write(413, b'{"errorCode":"PostBodyTooLarge",'
                        b'"errorMessage":"body too large"}',
                        {"Content-Type": "application/json"})
            return
        headers = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value.strip())
        req = Request(self.command, self.path, headers, body,
                      "https" if self.server.ssl_context else "http")
        req.connection = self.conn
        resp = self.server.app.handle(req)
        if resp.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._write(resp.status, resp.body, resp.headers)

    def _write(self, status, body, headers):
        """Sends status, headers (Date from the emulator clock) and body."""
        self.send_response_only(status)
        self.send_header("Server", self.server_version)
        self.send_header("Date", clk.http_date(self.server.app.clock.now()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    """One listening socket of the emulator (plain or TLS)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app, ssl_context=None):
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        """Clients that vanish or fail the TLS handshake are normal in
        tests; anything else is printed."""
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def serve(app, host, port, ssl_context=None):
    """Starts a Server on host:port (0 = any free port) in a daemon thread;
    returns the server (its port is server.server_address[1])."""
    server = Server((host, port), app, ssl_context)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True,
                     name="emulator-%d" % server.server_address[1]).start()
    return server
