"""Credential sources outside the RPC APIs: the ECS instance metadata
service (Host 100.100.100.200, IMDSv1 and v2) and a credentials URI.

Both hand out real STS credentials of the emulator, which then work on
every service until they expire.
"""

import secrets
import threading

from . import clock as clk
from . import sts
from .errors import ApiError
from .wire import Response, json_response

ECS_DURATION = 6 * 3600         # ECS role credentials last six hours
REFRESH_MARGIN = 15 * 60        # handed out again until this close to expiry
_CREDENTIALS_PATH = "/latest/meta-data/ram/security-credentials/"


def _issue_for(state, now, account, role_name, duration):
    """STS credentials for a session of a role (or of the account itself
    when role_name is empty); 404 when the role does not exist."""
    role = None
    if role_name:
        role = state.role(account, role_name)
        if role is None:
            raise ApiError(404, "EntityNotExist.Role",
                           "The role not exists: %s." % role_name)
    return sts.issue(state, now, account, role, "emulator-session",
                     duration)


def _credentials_json(key):
    """The JSON both sources answer: Code plus the credential fields."""
    return {"Code": "Success", "AccessKeyId": key["id"],
            "AccessKeySecret": key["secret"],
            "SecurityToken": key["security_token"],
            "Expiration": key["expiration"], "LastUpdated": key["issued"]}


class _CredentialSource:
    """What the two sources share: no credentials to reach them, no
    per-account throttling, and their own random 5xx."""

    RANDOM_ERRORS = ((500, "InternalServerError"),
                     (503, "ServiceUnavailable"))

    def __init__(self, state, clock):
        self.state = state
        self.clock = clock

    # Never throttled per account (the QPS limit is for APIs).
    @staticmethod
    def is_data_plane(action):
        return True

    # Reached without credentials.
    def authenticate(self, req):
        return None


class InstanceMetadata(_CredentialSource):
    """The ECS metadata service, configured by the state's `ecs` entry
    {"role", "account", "require_token"}."""

    name = "imds"

    def __init__(self, state, clock):
        super().__init__(state, clock)
        self._tokens = {}
        self._cache = {}
        self._lock = threading.Lock()

    # The request's kind, for statistics and fault matching.
    def action_of(self, req):
        if req.raw_path == "/latest/api/token":
            return "GetToken"
        if req.raw_path == _CREDENTIALS_PATH:
            return "ListRoles"
        if req.raw_path.startswith(_CREDENTIALS_PATH):
            return "GetCredentials"
        return None

    # Serves a metadata request.
    def handle(self, req, principal):
        now = self.clock.now()
        if req.action == "GetToken" and req.method == "PUT":
            return self._token(req, now)
        if req.method != "GET" or req.action is None:
            raise ApiError(404, "NotFound", "Not Found")
        self._check_token(req, now)
        ecs = self.state.data.get("ecs")
        if not isinstance(ecs, dict) or not ecs.get("role"):
            raise ApiError(404, "NotFound", "Not Found")
        if req.action == "ListRoles":
            return Response(200, ecs["role"].encode(), None, "text/plain")
        if req.raw_path[len(_CREDENTIALS_PATH):] != ecs["role"]:
            raise ApiError(404, "NotFound", "Not Found")
        return json_response(self._credentials(ecs, now))

    def _token(self, req, now):
        """PUT /latest/api/token: a session token for 1..21600 seconds."""
        ttl = req.header("x-aliyun-ecs-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            raise ApiError(400, "BadRequest", "X-aliyun-ecs-metadata-token-"
                           "ttl-seconds must be an integer in [1, 21600]")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens = {t: e for t, e in self._tokens.items() if e > now}
            self._tokens[token] = now + int(ttl)
        return Response(200, token.encode(), None, "text/plain")

    def _check_token(self, req, now):
        """A token, when sent, must be live; hardened mode requires one."""
        token = req.header("x-aliyun-ecs-metadata-token")
        if token is None:
            ecs = self.state.data.get("ecs")
            if isinstance(ecs, dict) and ecs.get("require_token"):
                raise ApiError(403, "Forbidden", "Forbidden: this instance "
                               "requires an IMDSv2 token")
            return
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None or expiry <= now:
            raise ApiError(401, "Unauthorized", "Unauthorized: the metadata "
                           "token is invalid or expired")

    def _credentials(self, ecs, now):
        """The role's credentials, reused until 15 minutes before expiry
        (and while the state still holds them)."""
        account = ecs.get("account", "")
        cache_key = (account, ecs["role"].lower())
        key = self._cache.get(cache_key)
        if key is None or self.state.access_key(key["id"]) is None or \
                clk.parse_iso8601(key["expiration"]) - now < REFRESH_MARGIN:
            key = _issue_for(self.state, now, account, ecs["role"],
                             ECS_DURATION)
            self._cache[cache_key] = key
        return _credentials_json(key)

    # IMDS errors are plain text.
    @staticmethod
    def render_error(err, req):
        r = Response(err.status, err.message.encode(), err.headers,
                     "text/plain")
        r.error_code = err.code
        return r


class CredentialsUri(_CredentialSource):
    """GET /__emulator/credentials-uri: fresh STS credentials for the state's
    `credentials_uri` entry {"account", "role"?, "duration"?}."""

    name = "credentials-uri"

    # The only action of this source.
    def action_of(self, req):
        return "GetCredentials"

    # Issues credentials.
    def handle(self, req, principal):
        conf = self.state.data.get("credentials_uri")
        if req.method != "GET":
            raise ApiError(405, "MethodNotAllowed", "use GET")
        if not isinstance(conf, dict) or not conf.get("account"):
            raise ApiError(404, "NotConfigured", "the state has no "
                           "credentials_uri entry")
        key = _issue_for(self.state, self.clock.now(), conf["account"],
                         conf.get("role"), int(conf.get("duration", 3600)))
        return json_response(_credentials_json(key))

    # Errors in the same JSON shape the providers read.
    @staticmethod
    def render_error(err, req):
        r = json_response({"Code": err.code, "Message": err.message},
                          err.status, err.headers)
        r.error_code = err.code
        return r
