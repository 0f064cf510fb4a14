"""The request pipeline: route by Host, inject faults, authenticate,
throttle, run the API, and record statistics and the request log."""

import collections
import json
import os
import secrets
import tempfile
import threading
import time
import traceback

from . import clock as clk
from . import hosts, kms, ram, rd, sts
from .auth import NonceCache
from .control import Control
from .errors import ApiError
from .metadata import CredentialsUri, InstanceMetadata
from .rpc import RpcService
from .sls import Sls
from .wire import drop_response, json_response

CONTROL_PREFIX = "/__emulator/"
CREDENTIALS_URI_PATH = "/__emulator/credentials-uri"
LOG_SIZE = 1000


class Connection:
    """What the app remembers about one TCP connection: an id, and the
    statistics generation in which it last carried an API request."""

    def __init__(self, number):
        self.number = number
        self.generation = -1


class Stats:
    """Counters for /__emulator/stats.  `connections` counts every TCP
    connection opened; `api_connections` only those that carried an API
    (non-control) request since the last reset, which is what a keep-alive
    test wants."""

    def __init__(self):
        self._lock = threading.Lock()
        self._generation = 0
        self._opened = 0
        self.reset()

    # Zeroes every counter.
    def reset(self):
        with self._lock:
            self._generation += 1
            self.connections = 0
            self.api_connections = 0
            self.requests = 0
            self.by_service = {}
            self.by_status = {}

    # Registers a new TCP connection and returns its Connection.
    def connection_opened(self):
        with self._lock:
            self._opened += 1
            self.connections += 1
            return Connection(self._opened)

    # Counts one API request and its answer.
    def request(self, conn, service, action, status):
        with self._lock:
            self.requests += 1
            if conn is not None and conn.generation != self._generation:
                conn.generation = self._generation
                self.api_connections += 1
            actions = self.by_service.setdefault(service or "unknown", {})
            name = action or "unknown"
            actions[name] = actions.get(name, 0) + 1
            key = str(status)
            self.by_status[key] = self.by_status.get(key, 0) + 1

    # The counters as JSON-ready data.
    def snapshot(self):
        with self._lock:
            return {"connections": self.connections,
                    "api_connections": self.api_connections,
                    "requests": self.requests,
                    "by_service": json.loads(json.dumps(self.by_service)),
                    "by_status": dict(self.by_status)}


class RequestLog:
    """The last LOG_SIZE API requests, without any secret: no headers, no
    signature, no token; RPC parameters are the API's own (the common
    signing parameters are left out)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=LOG_SIZE)
        self._seq = 0

    # Appends one entry, numbering it.
    def add(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    # The last n entries, oldest first.
    def last(self, n):
        with self._lock:
            return list(self._entries)[-n:] if n > 0 else []

    # Forgets every entry.
    def clear(self):
        with self._lock:
            self._entries.clear()


class App:
    """The whole emulator behind the HTTP server."""

    def __init__(self, state, clock, faults, dump_path=None, verbose=False):
        self.state = state
        self.clock = clock
        self.faults = faults
        self.dump_path = dump_path
        self.verbose = verbose
        nonces = NonceCache()
        self.services = {
            "sls": Sls(state, clock),
            "ram": RpcService("ram", ram.VERSION, ram.ACTIONS, state, clock,
                              nonces),
            "kms": RpcService("kms", kms.VERSION, kms.ACTIONS, state, clock,
                              nonces),
            "sts": RpcService("sts", sts.VERSION, sts.ACTIONS, state, clock,
                              nonces),
            "resourcemanager": RpcService("resourcemanager", rd.VERSION,
                                          rd.ACTIONS, state, clock, nonces),
            "imds": InstanceMetadata(state, clock),
        }
        self.credentials_uri = CredentialsUri(state, clock)
        self.stats = Stats()
        self.log = RequestLog()
        self.control = Control(self)
        self._regions_of = None
        self._regions = frozenset()

    # The regions answered for: the built-in list and those of the state
    # (recomputed only when a load replaced the state's set).
    def _known_regions(self):
        regions = self.state.regions()
        if regions is not self._regions_of:
            self._regions = frozenset(hosts.REGIONS) | regions
            self._regions_of = regions
        return self._regions

    # Answers one request (the server adds Date and Content-Length).
    def handle(self, req):
        if req.raw_path.startswith(CONTROL_PREFIX) \
                and req.raw_path != CREDENTIALS_URI_PATH:
            return self.control.handle(req)
        req.route = hosts.route(req.host, self._known_regions())
        req.request_id = "%024X" % secrets.randbits(96)
        if req.raw_path == CREDENTIALS_URI_PATH:
            service = self.credentials_uri
        else:
            service = self.services.get(req.route.service)
        if service is None:
            resp = json_response({"errorCode": "InvalidHost",
                                  "errorMessage": "The host %r is not an "
                                  "endpoint of this emulator" % req.host},
                                 400)
            resp.error_code = "InvalidHost"
            self._record(req, None, resp)
            return resp
        req.action = service.action_of(req)
        resp = self._run(service, req)
        self._record(req, service.name, resp)
        return resp

    def _run(self, service, req):
        """Faults, authentication, throttling and the API itself."""
        injection = self.faults.pick(service.name, req.action,
                                     service.RANDOM_ERRORS)
        if injection.delay:
            time.sleep(injection.delay)
        if injection.drop:
            return drop_response()
        try:
            if injection.status:
                raise _injected_error(injection)
            with self.state.lock:
                principal = service.authenticate(req)
                if principal and not service.is_data_plane(req.action) \
                        and not self.faults.admit(principal.account,
                                                  service.name):
                    raise service.throttled()
                resp = service.handle(req, principal)
        except ApiError as err:
            resp = service.render_error(err, req)
        except Exception:
            # A bug of the emulator: answer like the service's own internal
            # error rather than dropping the connection, and say so.
            traceback.print_exc()
            resp = service.render_error(ApiError(
                500, "InternalServerError" if service.name == "sls"
                else "InternalError", "emulator bug, see its stderr"), req)
        resp.headers.setdefault(
            "x-log-requestid" if service.name == "sls" else
            "x-acs-request-id", req.request_id)
        if injection.drop_after:
            return drop_response()
        return resp

    def _record(self, req, service, resp):
        """Counts the request and appends it to the request log."""
        self.stats.request(req.connection, service, req.action, resp.status)
        entry = {"time": clk.iso8601(self.clock.now()),
                 "method": req.method, "host": req.host,
                 "path": req.raw_path, "service": service,
                 "action": req.action,
                 "status": "dropped" if resp.drop else resp.status,
                 "error_code": resp.error_code,
                 "access_key_id": req.access_key_id}
        if service == "sls":
            entry["query"] = _safe_query(req)
            if req.method in ("POST", "PUT", "DELETE"):
                entry["body"] = _json_or_none(req.body)
                entry["body_size"] = len(req.body)
        entry.update(req.log_extra)
        self.log.add(entry)
        if self.verbose:
            print("%s %s %s %s %s" % (req.method, req.host, req.raw_path,
                                      entry["status"], resp.error_code or ""),
                  flush=True)

    # Writes the state to the --dump file (atomically); no-op without one.
    # A path that is not a regular file (/dev/null, a pipe) is written
    # into: a rename would replace the device itself.
    def dump(self):
        if not self.dump_path:
            return
        data = self.state.to_json()
        if os.path.lexists(self.dump_path) and not os.path.isfile(self.dump_path):
            with open(self.dump_path, "wb") as f:
                f.write(data)
            return
        folder = os.path.dirname(os.path.abspath(self.dump_path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".dump-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, self.dump_path)


def _injected_error(injection):
    """The ApiError of a queued or random fault, with Retry-After (seconds)
    and x-acs-retry-after (milliseconds) when the entry asks for them."""
    headers = {}
    if injection.retry_after is not None:
        headers["Retry-After"] = str(injection.retry_after)
        headers["x-acs-retry-after"] = str(int(injection.retry_after * 1000))
    return ApiError(injection.status, injection.code,
                    injection.message or "injected fault: %s"
                    % injection.code, headers)


def _safe_query(req):
    """The decoded query of an SLS request (it never carries secrets)."""
    try:
        return req.query()
    except ValueError:
        return None


def _json_or_none(body):
    """A body parsed as JSON, or None when it is not JSON."""
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None
