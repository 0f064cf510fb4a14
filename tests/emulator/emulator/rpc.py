"""The RPC envelope shared by RAM, KMS and STS: authentication, Version and
Action checks, the JSON answer with RequestId, and the error shape
{"RequestId","HostId","Code","Message","Recommend"}."""

import re

from . import auth
from .errors import ApiError
from .wire import json_response


class Call:
    """One authenticated RPC call as an action handler sees it."""

    def __init__(self, state, clock, principal, params, region):
        self.state = state
        self.clock = clock
        self.principal = principal
        self.params = params
        self.region = region            # KMS and regional STS hosts only

    # A required parameter; MissingParameter when absent or empty.
    def require(self, name):
        v = self.params.get(name)
        if v is None or v == "":
            raise ApiError(400, "MissingParameter", "The input parameter "
                           "\"%s\" that is mandatory for processing this "
                           "request is not supplied." % name)
        return v

    # An optional parameter.
    def get(self, name, default=None):
        v = self.params.get(name)
        return default if v is None or v == "" else v

    # An optional integer parameter in [lo, hi]; `code` when it is not.
    def integer(self, name, default, lo, hi, code="InvalidParameter"):
        raw = self.get(name)
        if raw is None:
            return default
        if not re.match(r"^-?\d+$", raw) or not lo <= int(raw) <= hi:
            raise ApiError(400, code, "The parameter %s must be an integer "
                           "in [%d, %d]." % (name, lo, hi))
        return int(raw)

    # The emulator clock.
    def now(self):
        return self.clock.now()


class RpcService:
    """One RPC product: its name, API version and action handlers (each a
    function of a Call returning the answer's fields)."""

    # The 5xx answers --fault-rate picks from, in RPC's own codes.
    RANDOM_ERRORS = ((500, "InternalError"), (503, "ServerBusy"),
                     (503, "ServiceUnavailable"))

    def __init__(self, name, version, actions, state, clock, nonces):
        self.name = name
        self.version = version
        self.actions = actions
        self.state = state
        self.clock = clock
        self.nonces = nonces

    # The Action a request names (ACS3 header or Action parameter), read
    # before authentication for statistics and fault matching.
    def action_of(self, req):
        if req.header("x-acs-action"):
            return req.header("x-acs-action")
        try:
            return dict(auth.rpc_params(req)).get("Action")
        except ApiError:
            return None

    # RPC answers nothing on the data plane; every call is throttled alike.
    @staticmethod
    def is_data_plane(action):
        return False

    # Checks the signature and credentials; keeps the API parameters on the
    # request for handle().
    def authenticate(self, req):
        if req.method not in ("GET", "POST"):
            raise ApiError(400, "UnsupportedHTTPMethod",
                           "RPC APIs take GET or POST")
        principal, action, version, params = auth.authenticate_rpc(
            req, self.state, self.nonces, self.clock.now())
        req.rpc = (action, version, params)
        req.log_extra["params"] = params
        return principal

    # Runs an authenticated call.
    def handle(self, req, principal):
        action, version, params = req.rpc
        if not action:
            raise ApiError(400, "MissingAction", "The input parameter "
                           "\"Action\" that is mandatory for processing this "
                           "request is not supplied.")
        if not version:
            raise ApiError(400, "MissingVersion", "The input parameter "
                           "\"Version\" that is mandatory for processing "
                           "this request is not supplied.")
        if version != self.version:
            raise ApiError(400, "InvalidVersion", "Specified parameter "
                           "Version is not valid.")
        fn = self.actions.get(action)
        if fn is None:
            raise ApiError(404, "InvalidAction.NotFound", "Specified api is "
                           "not found, please check your url and method.")
        call = Call(self.state, self.clock, principal, params,
                    req.route.region)
        answer = {"RequestId": req.request_id}
        answer.update(fn(call))
        return json_response(answer)

    # The RPC error shape.
    def render_error(self, err, req):
        r = json_response({
            "RequestId": req.request_id,
            "HostId": req.route.host,
            "Code": err.code,
            "Message": err.message,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=%s&product="
                         "%s&requestId=%s" % (err.code, self.name.upper(),
                                              req.request_id),
        }, err.status, err.headers)
        r.error_code = err.code
        return r

    # The RPC throttling answer.
    @staticmethod
    def throttled():
        return ApiError(400, "Throttling.User",
                        "Request was denied due to user flow control.")
