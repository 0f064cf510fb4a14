"""The /__emulator/ control endpoints: state, dump, stats, faults, log.

They answer on any Host, never need credentials, and are never subject to
injected faults.
"""

import json

from .wire import Response, json_response


def _error(status, message):
    """A control endpoint's error answer."""
    return json_response({"error": message}, status)


class Control:
    """Serves the control endpoints of an App."""

    def __init__(self, app):
        self.app = app
        self._routes = {
            ("POST", "/__emulator/dump"): self._dump,
            ("GET", "/__emulator/state"): self._get_state,
            ("PUT", "/__emulator/state"): self._put_state,
            ("GET", "/__emulator/stats"): self._stats,
            ("POST", "/__emulator/stats/reset"): self._reset_stats,
            ("GET", "/__emulator/faults"): self._get_faults,
            ("POST", "/__emulator/faults"): self._set_faults,
            ("GET", "/__emulator/log"): self._log,
        }

    # Answers a control request.
    def handle(self, req):
        fn = self._routes.get((req.method, req.raw_path))
        if fn is None:
            return _error(404, "no control endpoint %s %s"
                          % (req.method, req.raw_path))
        try:
            return fn(req)
        except ValueError as e:
            return _error(400, str(e))

    def _state_answer(self):
        """The state document as the answer body."""
        return Response(200, self.app.state.to_json(), None,
                        "application/json")

    def _dump(self, req):
        """POST /__emulator/dump: the state, also written to --dump."""
        self.app.dump()
        return self._state_answer()

    def _get_state(self, req):
        """GET /__emulator/state."""
        return self._state_answer()

    def _put_state(self, req):
        """PUT /__emulator/state: replaces the whole state."""
        try:
            self.app.state.replace(json.loads(req.body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as e:
            return _error(400, "bad state: %s" % e)
        return json_response({"ok": True})

    def _stats(self, req):
        """GET /__emulator/stats."""
        return json_response(self.app.stats.snapshot())

    def _reset_stats(self, req):
        """POST /__emulator/stats/reset: zeroes the counters and clears the
        request log."""
        self.app.stats.reset()
        self.app.log.clear()
        return json_response({"ok": True})

    def _faults_answer(self):
        """The fault settings plus the clock offset."""
        out = self.app.faults.snapshot()
        out["clock_offset"] = self.app.clock.offset()
        return json_response(out)

    def _get_faults(self, req):
        """GET /__emulator/faults."""
        return self._faults_answer()

    def _set_faults(self, req):
        """POST /__emulator/faults: changes the settings given (fault_rate,
        drop_rate, latency_ms, qps_limit, clock_offset, next)."""
        try:
            body = json.loads(req.body.decode("utf-8") or "{}")
            offset = body.get("clock_offset", 0) \
                if isinstance(body, dict) else 0
            if isinstance(offset, bool) or \
                    not isinstance(offset, (int, float)):
                raise ValueError("clock_offset must be a number")
            self.app.faults.configure(body)
            if "clock_offset" in body:
                self.app.clock.set_offset(offset)
        except (UnicodeDecodeError, ValueError) as e:
            return _error(400, str(e))
        return self._faults_answer()

    def _log(self, req):
        """GET /__emulator/log?n=N: the last N requests (default 100)."""
        raw = req.query().get("n", "100")
        if not raw.isdigit():
            return _error(400, "n must be a non-negative integer")
        return json_response({"entries": self.app.log.last(int(raw))})
