"""Command line of slsh-emulator, and launch() for tests running it in
process."""

import argparse
import json
import shutil
import signal
import sys
import tempfile
import threading

from . import clock as clk
from . import server, tls
from .app import App
from .faults import Faults
from .state import State


def _listen(text):
    """HOST:PORT (IPv6 as [::1]:PORT) for argparse."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def _rate(text):
    """A probability for argparse."""
    v = float(text)
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError("must be in [0, 1]")
    return v


def _iso(text):
    """An ISO 8601 instant for argparse, as epoch seconds."""
    try:
        return clk.parse_iso8601(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def parse_args(argv):
    """The documented options (see docs/emulator.md)."""
    p = argparse.ArgumentParser(
        prog="slsh-emulator",
        description="Local strict emulator of Alibaba Cloud SLS, RAM, KMS "
                    "and STS for slsh tests.")
    p.add_argument("--listen", type=_listen, default=("127.0.0.1", 0),
                   metavar="HOST:PORT",
                   help="address to listen on (default 127.0.0.1:0)")
    p.add_argument("--tls", action="store_true",
                   help="also serve HTTPS on a second port with a generated "
                        "CA (printed as 'ca PATH')")
    p.add_argument("--state", metavar="FILE", help="load this state JSON")
    p.add_argument("--dump", metavar="FILE",
                   help="write the state JSON here on exit and on "
                        "POST /__emulator/dump")
    p.add_argument("--clock", type=_iso, metavar="ISO8601",
                   help="a fixed 'now' (for replaying recorded requests)")
    p.add_argument("--clock-offset", type=float, default=0.0,
                   metavar="SECONDS",
                   help="run the emulator clock this far from the real one")
    p.add_argument("--latency-ms", type=int, default=0, metavar="N")
    p.add_argument("--fault-rate", type=_rate, default=0.0, metavar="F",
                   help="share of requests answered 500/503")
    p.add_argument("--drop-rate", type=_rate, default=0.0, metavar="F",
                   help="share of connections closed without an answer")
    p.add_argument("--qps-limit", type=int, default=0, metavar="N",
                   help="requests per second per account and service")
    p.add_argument("--seed", type=int, help="seed of the fault generator")
    p.add_argument("--verbose", action="store_true",
                   help="print one line per request (never secrets)")
    return p.parse_args(argv)


class Running:
    """A started emulator: its App, its servers and where they listen."""

    def __init__(self, app, plain, secure=None, ca=None, tmpdir=None):
        self.app = app
        self._servers = [s for s in (plain, secure) if s is not None]
        self.host = plain.server_address[0]
        self.port = plain.server_address[1]
        self.https_port = secure.server_address[1] if secure else None
        self.ca = ca
        self._tmpdir = tmpdir

    # The plain HTTP base URL.
    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    # Stops listening and removes the generated certificates.
    def stop(self):
        for s in self._servers:
            s.shutdown()
            s.server_close()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)


def build_app(state=None, fixed_clock=None, clock_offset=0.0, seed=None,
              fault_rate=0.0, drop_rate=0.0, latency_ms=0, qps_limit=0,
              dump_path=None, verbose=False):
    """An App over a state document (a dict, or None for an empty cloud)."""
    return App(State(state), clk.Clock(fixed_clock, clock_offset),
               Faults(seed, fault_rate, drop_rate, latency_ms, qps_limit),
               dump_path, verbose)


def launch(app, host="127.0.0.1", port=0, use_tls=False):
    """Starts serving an App; with use_tls also HTTPS on another port."""
    plain = server.serve(app, host, port)
    if not use_tls:
        return Running(app, plain)
    tmpdir = tempfile.mkdtemp(prefix="slsh-emulator-tls-")
    try:
        ca, cert, key = tls.make_certificates(tmpdir)
        secure = server.serve(app, host, 0, tls.server_context(cert, key))
    except Exception:
        plain.shutdown()
        plain.server_close()
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    return Running(app, plain, secure, ca, tmpdir)


def main(argv=None):
    """Runs the emulator until SIGTERM or SIGINT, then writes --dump."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    data = None
    if args.state:
        with open(args.state, encoding="utf-8") as f:
            data = json.load(f)
    try:
        app = build_app(data, args.clock, args.clock_offset, args.seed,
                        args.fault_rate, args.drop_rate, args.latency_ms,
                        args.qps_limit, args.dump, args.verbose)
    except ValueError as e:
        print("slsh-emulator: bad state: %s" % e, file=sys.stderr)
        return 2
    # The handlers come before the "listening" line: whoever reads it may
    # send SIGTERM at once, and must get the clean stop (exit 0, --dump).
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    running = launch(app, args.listen[0], args.listen[1], args.tls)
    print("listening %s" % running.url, flush=True)
    if running.https_port:
        print("listening https://%s:%d" % (running.host, running.https_port))
        print("ca %s" % running.ca, flush=True)
    while not stop.wait(0.5):
        pass
    app.dump()
    running.stop()
    return 0
