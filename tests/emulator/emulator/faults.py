"""Injected trouble: latency, random 5xx answers, dropped connections, a
per-account QPS limit, and a deterministic queue of one-shot faults."""

import random
import threading
import time

_SETTINGS = ("fault_rate", "drop_rate", "latency_ms", "qps_limit")


class Injection:
    """What to do to one request: wait `delay` seconds, then either drop the
    connection, answer an error (status, code, retry_after), or go on;
    `drop_after` carries the request out and then drops the connection, the
    lost answer that makes a retried create meet its own first attempt."""

    def __init__(self, delay=0.0, drop=False, status=None, code=None,
                 message=None, retry_after=None, drop_after=False):
        self.delay = delay
        self.drop = drop
        self.drop_after = drop_after
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class Faults:
    """Fault settings, changeable at run time through /__emulator/faults.
    Random choices come from one seeded generator so a run is repeatable."""

    def __init__(self, seed=None, fault_rate=0.0, drop_rate=0.0,
                 latency_ms=0, qps_limit=0):
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.fault_rate = fault_rate
        self.drop_rate = drop_rate
        self.latency_ms = latency_ms
        self.qps_limit = qps_limit
        self._queue = []
        self._windows = {}

    # Applies a control request body; raises ValueError on a bad value.
    # Only the settings present change; "next" replaces the queue.
    def configure(self, body):
        if not isinstance(body, dict):
            raise ValueError("faults body must be a JSON object")
        unknown = set(body) - set(_SETTINGS) - {"next", "clock_offset"}
        if unknown:
            raise ValueError("unknown fault settings: %s"
                             % ", ".join(sorted(unknown)))
        values = {}
        for name in _SETTINGS:
            if name in body:
                v = body[name]
                if isinstance(v, bool) or not isinstance(v, (int, float)) \
                        or v < 0 or (name.endswith("rate") and v > 1):
                    raise ValueError("%s must be a number in range" % name)
                values[name] = v
        queue = None
        if "next" in body:
            if not isinstance(body["next"], list):
                raise ValueError("next must be a list")
            queue = [_check_entry(e) for e in body["next"]]
        with self._lock:
            for name, v in values.items():
                setattr(self, name, v)
            if queue is not None:
                self._queue = queue

    # The current settings and the queue still waiting.
    def snapshot(self):
        with self._lock:
            out = {name: getattr(self, name) for name in _SETTINGS}
            out["next"] = list(self._queue)
            return out

    # Decides what happens to a request for (service, action): the first
    # queued entry that matches it, else a random drop or one of the
    # service's random `errors` (status, code), plus the configured latency.
    def pick(self, service, action, errors):
        with self._lock:
            for i, entry in enumerate(self._queue):
                if _matches(entry.get("match"), service, action):
                    del self._queue[i]
                    return _injection(entry)
            delay = self.latency_ms / 1000.0
            if self.drop_rate and self._rng.random() < self.drop_rate:
                return Injection(delay=delay, drop=True)
            if self.fault_rate and self._rng.random() < self.fault_rate:
                status, code = self._rng.choice(errors)
                return Injection(delay=delay, status=status, code=code)
            return Injection(delay=delay)

    # Counts a request of an account to a service against the per-second
    # limit; False when it is over the limit.
    def admit(self, account, service):
        with self._lock:
            if not self.qps_limit:
                return True
            second = int(time.monotonic())
            key = (account, service)
            start, count = self._windows.get(key, (second, 0))
            if start != second:
                start, count = second, 0
            self._windows[key] = (start, count + 1)
            return count + 1 <= self.qps_limit


def _check_entry(entry):
    """Validates one queued fault: {"status","code",...}, {"drop":true},
    {"drop":"after"} or {"delay_ms":N}, each with an optional "match" on
    service/action."""
    if not isinstance(entry, dict):
        raise ValueError("each next entry must be an object")
    allowed = {"status", "code", "message", "retry_after", "drop",
               "delay_ms", "match"}
    if set(entry) - allowed:
        raise ValueError("unknown keys in next entry: %s"
                         % ", ".join(sorted(set(entry) - allowed)))
    if not ({"status", "drop", "delay_ms"} & set(entry)):
        raise ValueError("a next entry needs status, drop or delay_ms")
    if entry.get("drop") not in (None, True, False, "after"):
        raise ValueError('drop must be true or "after"')
    if "status" in entry and not (isinstance(entry["status"], int)
                                  and 400 <= entry["status"] <= 599):
        raise ValueError("status must be an HTTP error status")
    match = entry.get("match", {})
    if not isinstance(match, dict) or set(match) - {"service", "action"}:
        raise ValueError("match may only name service and action")
    return dict(entry)


def _matches(match, service, action):
    """Whether a queue entry's match (absent = any request) fits."""
    if not match:
        return True
    return (match.get("service", service) == service
            and match.get("action", action) == action)


def _injection(entry):
    """Turns a queued entry into an Injection."""
    return Injection(
        delay=entry.get("delay_ms", 0) / 1000.0,
        drop=entry.get("drop") is True,
        drop_after=entry.get("drop") == "after",
        status=entry.get("status"),
        code=entry.get("code") or ("ServerBusy" if entry.get("status")
                                   else None),
        message=entry.get("message"),
        retry_after=entry.get("retry_after"))
