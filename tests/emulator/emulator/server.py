"""The threaded HTTP/1.1 server (plain and TLS) in front of the App.

Every answer carries Content-Length so connections stay alive, and a Date
header from the emulator's clock (clients correct clock skew from it).

The emulator shares the machine with the client it measures, so the hot
path is lean: the request line and headers are parsed here straight into
the lower-case dict the services use (http.server's email-based parser
cost more than the API itself), and an answer goes out in one write.
"""

import http.server
import socket
import ssl
import sys
import threading

from . import clock as clk
from .wire import Request

MAX_READ = 11 * 1024 * 1024     # a little over the 10 MB SLS limit
MAX_LINE = 65536                # request line or header line
MAX_HEADERS = 100


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

    def handle_one_request(self):
        """Reads one request (line and headers), serves it, and decides
        whether the connection stays open: HTTP/1.1 unless the client
        says close, HTTP/1.0 only when it asks for keep-alive."""
        try:
            line = self.rfile.readline(MAX_LINE + 1)
        except (TimeoutError, socket.timeout):
            self.close_connection = True
            return
        if not line:
            self.close_connection = True
            return
        self.raw_requestline = line
        self.request_version = "HTTP/1.1"
        self.command = None
        parts = line.decode("iso-8859-1").split()
        if len(line) > MAX_LINE or len(parts) != 3 \
                or not parts[2].startswith("HTTP/1."):
            self.close_connection = True
            self.send_error(400, "bad request line")
            return
        self.command, self.path, self.request_version = parts
        headers = {}
        count = 0
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            count += 1
            name, sep, value = raw.decode("iso-8859-1").partition(":")
            if len(raw) > MAX_LINE or count > MAX_HEADERS or not sep \
                    or not name or name != name.strip():
                self.close_connection = True
                self.send_error(400, "bad header line")
                return
            headers.setdefault(name.lower(), []).append(value.strip())
        connection = ",".join(headers.get("connection", ())).lower()
        if self.request_version == "HTTP/1.0":
            self.close_connection = "keep-alive" not in connection
        else:
            self.close_connection = "close" in connection
        self._serve(headers)

    def _read_body(self, headers):
        """The request body by Content-Length or chunked encoding; None when
        it is larger than MAX_READ."""
        if "chunked" in ",".join(headers.get("transfer-encoding", ())).lower():
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
        length = int((headers.get("content-length") or ["0"])[-1] or 0)
        if length > MAX_READ:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self, headers):
        """Reads the body, asks the App, writes the answer."""
        try:
            body = self._read_body(headers)
        except ValueError:
            self.close_connection = True
            self.send_error(400, "bad body framing")
            return
        if body is None:
            self.close_connection = True
            self._write(413, b'{"errorCode":"PostBodyTooLarge",'
                        b'"errorMessage":"body too large"}',
                        {"Content-Type": "application/json"})
            return
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
        """Sends status, headers (Date from the emulator clock) and body in
        one write."""
        reason = self.responses.get(status, ("",))[0]
        lines = ["HTTP/1.1 %d %s" % (status, reason),
                 "Server: " + self.server_version,
                 "Date: " + clk.http_date(self.server.app.clock.now())]
        for name, value in headers.items():
            lines.append("%s: %s" % (name, value))
        lines.append("Content-Length: %d" % len(body))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
        self.wfile.write(head if self.command == "HEAD" else head + body)


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
