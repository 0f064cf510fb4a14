"""The Simple Log Service REST API (0.6.0): projects, logstores, the
encryption API, and a thin data plane (PutLogs, GetLogs).

UpdateLogStore is a full replace: what the body omits falls back to the
default, so a client that drops fields loses them here exactly as it would
in the cloud.  Read-only fields are kept by the server whatever the body
says.
"""

import json
import re
from collections import OrderedDict

from . import auth
from . import encryption
from .errors import ApiError
from .wire import BadQuery, Response, json_response

MAX_LOGSTORES = 200
MAX_PAGE = 500
MAX_BODY = 10 * 1024 * 1024

# What a logstore holds when the create or update body does not say.
DEFAULTS = (("enable_tracking", False), ("autoSplit", False),
            ("maxSplitShard", 0), ("appendMeta", False),
            ("telemetryType", ""), ("mode", "standard"))
# Set by the server only; a body's values for these are ignored.
# telemetryType is ignored on update as well (the Python SDK documents it).
READ_ONLY = ("createTime", "lastModifyTime", "productType")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,61}[a-z0-9]$")
_LOGSTORE_PATH = re.compile(r"^/logstores/([^/]+)(/encryption|/shards/lb|"
                            r"/logs)?$")

# Known writable fields and their JSON types.
_FIELD_TYPES = {
    "logstoreName": str, "ttl": int, "shardCount": int,
    "enable_tracking": bool, "autoSplit": bool, "maxSplitShard": int,
    "appendMeta": bool, "telemetryType": str, "hot_ttl": int,
    "infrequentAccessTTL": int, "mode": str, "enableModify": bool,
    "processorId": str, "resourceGroupId": str, "shardingPolicy": dict,
    "resourceQuota": dict, "encrypt_conf": dict,
}


def _invalid(message):
    """The generic 400 for a bad field value."""
    return ApiError(400, "ParameterInvalid", message)


class Sls:
    """The SLS service of the emulator."""

    name = "sls"
    # The 5xx answers --fault-rate picks from.
    RANDOM_ERRORS = ((500, "InternalServerError"), (503, "ServerBusy"),
                     (503, "ServiceUnavailable"))

    def __init__(self, state, clock):
        self.state = state
        self.clock = clock
        self._handlers = {
            "ListProject": self._list_project,
            "GetProject": self._get_project,
            "ListLogStores": self._list_logstores,
            "GetLogStore": self._get_logstore,
            "CreateLogStore": self._create_logstore,
            "UpdateLogStore": self._update_logstore,
            "DeleteLogStore": self._delete_logstore,
            "UpdateLogStoreEncryption": self._update_encryption,
            "PutLogs": self._put_logs,
            "GetLogs": self._get_logs,
        }

    # The API a request calls, from its method and path (None if none).
    def action_of(self, req):
        path, method = req.raw_path, req.method
        if path == "/":
            if method == "GET":
                return "GetProject" if req.route.project else "ListProject"
            return None
        if path == "/logstores":
            return {"GET": "ListLogStores",
                    "POST": "CreateLogStore"}.get(method)
        m = _LOGSTORE_PATH.match(path)
        if not m:
            return None
        sub = m.group(2)
        if sub is None:
            if method == "GET":
                try:
                    is_log = req.query().get("type") == "log"
                except BadQuery:
                    is_log = False
                return "GetLogs" if is_log else "GetLogStore"
            return {"PUT": "UpdateLogStore",
                    "DELETE": "DeleteLogStore"}.get(method)
        return {("/encryption", "PUT"): "UpdateLogStoreEncryption",
                ("/shards/lb", "POST"): "PutLogs",
                ("/logs", "POST"): "GetLogs"}.get((sub, method))

    # Whether an action reads or writes log data rather than metadata
    # (the meta-operation QPS limit does not apply to it).
    @staticmethod
    def is_data_plane(action):
        return action in ("PutLogs", "GetLogs")

    # Checks the signature and credentials; returns the Principal.  Bodies
    # may come chunked: the official 2020-12-30 SDKs always send them so.
    def authenticate(self, req):
        if len(req.body) > MAX_BODY:
            raise ApiError(413, "PostBodyTooLarge",
                           "The body is larger than 10 MB")
        return auth.authenticate_sls(req, self.state, self.clock.now())

    # Runs an authenticated request.
    def handle(self, req, principal):
        action = req.action
        if action is None:
            raise ApiError(400, "InvalidMethod", "%s %s is not an SLS API"
                           % (req.method, req.raw_path))
        if action == "ListProject":
            return self._list_project(req, principal)
        if not req.route.project:
            raise _invalid("%s needs the project in the Host header" % action)
        project = self._project(req, principal)
        return self._handlers[action](req, project)

    # The SLS error shape: {"errorCode","errorMessage"}.
    @staticmethod
    def render_error(err, req):
        r = json_response({"errorCode": err.code,
                           "errorMessage": err.message},
                          err.status, err.headers)
        r.error_code = err.code
        return r

    # The service's throttling answer.
    @staticmethod
    def throttled():
        return ApiError(403, "MetaOperationQpsLimitExceeded",
                        "Qps limit for the meta operation is exceeded.")

    # --- helpers ---

    def _project(self, req, principal):
        """The project of the Host header, if it is in the endpoint's region
        and belongs to the caller's account."""
        name = req.route.project
        p = self.state.project(name)
        if p is None or p["region"] != req.route.region:
            raise ApiError(404, "ProjectNotExist",
                           "The Project does not exist : %s" % name)
        if p["account"] != principal.account:
            raise ApiError(401, "Unauthorized",
                           "The project does not belong to you.")
        return p

    def _logstore(self, project, name):
        """A logstore of a project by name, or 404 LogStoreNotExist."""
        for ls in project.setdefault("logstores", []):
            if ls["logstoreName"] == name:
                return ls
        raise ApiError(404, "LogStoreNotExist",
                       "logstore %s does not exist" % name)

    def _ctx(self, project):
        """The encryption rules' view of a project."""
        return encryption.Context(self.state, project["account"],
                                  project["region"])

    @staticmethod
    def _page(req, default_size):
        """offset and size of a list call (size 1..500)."""
        try:
            q = req.query()
        except BadQuery as e:
            raise _invalid(str(e)) from None
        out = []
        for name, default, hi in (("offset", 0, None),
                                  ("size", default_size, MAX_PAGE)):
            raw = q.get(name, "")
            if raw == "":
                out.append(default)
                continue
            if not re.match(r"^\d+$", raw) or (hi and not 1 <= int(raw) <= hi):
                raise _invalid("%s must be an integer%s" % (
                    name, " in [1, %d]" % hi if hi else " >= 0"))
            out.append(int(raw))
        return out[0], out[1], q

    @staticmethod
    def _json_body(req):
        """The body as a JSON object, or 400 PostBodyInvalid."""
        ctype = (req.header("content-type") or "").split(";")[0].strip()
        if ctype != "application/json":
            raise ApiError(400, "InvalidContentType",
                           "Content-Type must be application/json")
        try:
            body = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        if not isinstance(body, dict):
            raise ApiError(400, "PostBodyInvalid",
                           "The request body is not valid JSON object.")
        return body

    # --- projects ---

    def _list_project(self, req, principal):
        """ListProject: the caller's projects in the endpoint's region."""
        offset, size, q = self._page(req, 100)
        name = q.get("projectName", "")
        desc = q.get("description", "")
        group = q.get("resourceGroupId", "")
        found = sorted(
            (p for p in self.state.data["projects"]
             if p["account"] == principal.account
             and p["region"] == req.route.region
             and name in p["name"] and desc in p.get("description", "")
             and (not group or p.get("resourceGroupId") == group)),
            key=lambda p: p["name"])
        page = found[offset:offset + size]
        return json_response({"count": len(page), "total": len(found),
                              "projects": [project_view(p) for p in page]})

    def _get_project(self, req, project):
        """GetProject."""
        return json_response(project_view(project))

    # --- logstores ---

    def _list_logstores(self, req, project):
        """ListLogStores: names only, logstoreName as a substring filter."""
        offset, size, q = self._page(req, 200)
        name = q.get("logstoreName", "")
        kind = q.get("telemetryType", "")
        mode = q.get("mode", "")
        found = sorted(
            ls["logstoreName"] for ls in project.get("logstores", [])
            if name in ls["logstoreName"]
            and (not kind or (ls.get("telemetryType") or "None") == kind)
            and (not mode or ls.get("mode", "standard") == mode))
        page = found[offset:offset + size]
        return json_response({"count": len(page), "total": len(found),
                              "logstores": page})

    def _get_logstore(self, req, project):
        """GetLogStore: the stored object, every field."""
        return json_response(self._logstore(project, _path_name(req)))

    def _create_logstore(self, req, project):
        """CreateLogStore."""
        body = self._json_body(req)
        for field in ("logstoreName", "ttl", "shardCount"):
            if field not in body:
                raise _invalid("%s is required" % field)
        _check_fields(body)
        name = body["logstoreName"]
        if not _NAME.match(name):
            raise _invalid("logstore name %r is invalid: 2-63 characters of "
                           "a-z 0-9 _ -, starting and ending with a letter or "
                           "digit" % name)
        stores = project.setdefault("logstores", [])
        if any(ls["logstoreName"] == name for ls in stores):
            raise ApiError(400, "LogStoreAlreadyExist",
                           "logstore %s already exists" % name)
        if len(stores) >= MAX_LOGSTORES:
            raise ApiError(403, "LogStoreQuotaExceed", "a project holds at "
                           "most %d logstores" % MAX_LOGSTORES)
        conf = encryption.apply(None, body.get("encrypt_conf"),
                                self._ctx(project))
        now = int(self.clock.now())
        stored = _replace({}, body, conf, now)
        stored["createTime"] = now
        stored.move_to_end("lastModifyTime")
        stores.append(dict(stored))
        return Response(200)

    def _update_logstore(self, req, project):
        """UpdateLogStore: a full replace of the writable fields."""
        current = self._logstore(project, _path_name(req))
        body = self._json_body(req)
        if "ttl" not in body:
            raise _invalid("ttl is required")
        _check_fields(body)
        if body.get("logstoreName", current["logstoreName"]) != \
                current["logstoreName"]:
            raise _invalid("logstoreName in the body must be the logstore "
                           "of the path")
        if "shardCount" in body and \
                body["shardCount"] != current.get("shardCount"):
            raise _invalid("shard_count could only be modified by split & "
                           "merge")
        conf = encryption.apply(current.get("encrypt_conf"),
                                body.get("encrypt_conf"), self._ctx(project))
        new = _replace(current, body, conf, int(self.clock.now()))
        current.clear()
        current.update(new)
        return Response(200)

    def _delete_logstore(self, req, project):
        """DeleteLogStore."""
        ls = self._logstore(project, _path_name(req))
        project["logstores"].remove(ls)
        return Response(200)

    def _update_encryption(self, req, project):
        """UpdateLogStoreEncryption (camelCase body)."""
        current = self._logstore(project, _path_name(req))
        body = self._json_body(req)
        old = current.get("encrypt_conf")
        wanted = encryption.from_encryption_api(body, old)
        conf = encryption.apply(old, wanted, self._ctx(project))
        current["encrypt_conf"] = conf
        current["lastModifyTime"] = int(self.clock.now())
        return Response(200)

    # --- data plane ---

    def _usable(self, project, name):
        """The logstore, if its CMK lets data be read and written."""
        ls = self._logstore(project, name)
        err = encryption.data_plane_error(ls.get("encrypt_conf"),
                                          self._ctx(project))
        if err:
            raise err
        return ls

    def _put_logs(self, req, project):
        """PutLogs: any body is accepted and discarded."""
        self._usable(project, _path_name(req))
        return Response(200)

    def _get_logs(self, req, project):
        """GetLogs: always an empty, complete result."""
        self._usable(project, _path_name(req))
        if req.method == "GET":
            q = req.query()
            for name in ("from", "to"):
                if not re.match(r"^\d+$", q.get(name, "")):
                    raise _invalid("%s is required: unix seconds" % name)
        return Response(200, b"[]", {"x-log-progress": "Complete",
                                     "x-log-count": "0"},
                        "application/json")


def _path_name(req):
    """The logstore name of a /logstores/{name}... path."""
    return _LOGSTORE_PATH.match(req.raw_path).group(1)


def _check_fields(body):
    """Types and ranges of the known logstore fields of a body."""
    for name, kind in _FIELD_TYPES.items():
        if name not in body:
            continue
        v = body[name]
        ok = isinstance(v, kind) and not (kind is int and isinstance(v, bool))
        if not ok:
            raise _invalid("%s must be a JSON %s" % (
                name, {str: "string", int: "integer", bool: "boolean",
                       dict: "object"}[kind]))
    ttl = body["ttl"]
    if not 1 <= ttl <= 3650:
        raise _invalid("ttl must be in [1, 3650]")
    if "shardCount" in body and not 1 <= body["shardCount"] <= 256:
        raise _invalid("shardCount must be in [1, 256]")
    hot = body.get("hot_ttl", 0)
    if hot and not 7 <= hot < ttl:
        raise _invalid("hot_ttl must be 0 or in [7, ttl)")
    if body.get("infrequentAccessTTL", 0) < 0:
        raise _invalid("infrequentAccessTTL must be >= 0")
    split = body.get("maxSplitShard", 0)
    if not 0 <= split <= 256 or (body.get("autoSplit") and split < 1):
        raise _invalid("maxSplitShard must be in [1, 256] when autoSplit is "
                       "true, else in [0, 256]")
    if body.get("mode", "standard") not in ("standard", "query", "lite"):
        raise _invalid("mode must be standard or query")
    if body.get("telemetryType", "") not in ("", "None", "Metrics", "Event"):
        raise _invalid("telemetryType must be None or Metrics")


def _replace(current, body, conf, now):
    """The logstore a full replace stores: the body's writable fields (known
    and unknown), defaults for what it omits, and the server's own values of
    the read-only fields.  Returns an ordered dict."""
    new = OrderedDict()
    for k, v in body.items():
        if k in READ_ONLY or k in ("encrypt_conf", "resourceQuota",
                                   "telemetryType"):
            continue
        new[k] = v                  # the body is freshly parsed: no copy
    new["logstoreName"] = current.get("logstoreName", body["logstoreName"])
    new["shardCount"] = current.get("shardCount", body.get("shardCount"))
    for k, v in DEFAULTS:
        new.setdefault(k, v)
    if current:
        new["telemetryType"] = current.get("telemetryType", "")
    else:
        new["telemetryType"] = body.get("telemetryType", "")
    quota = _quota(current.get("resourceQuota"), body.get("resourceQuota"))
    if quota is not None:
        new["resourceQuota"] = quota
    if conf is not None:
        new["encrypt_conf"] = conf
    for k in ("createTime", "productType"):
        if k in current:
            new[k] = current[k]
    new["lastModifyTime"] = now
    return new


def _quota(old, sent):
    """resourceQuota after a write: storage.preserved from the body (default
    -1), storage.used always the server's."""
    used = ((old or {}).get("storage") or {}).get("used")
    if sent is None and used is None:
        return None
    quota = dict(sent) if sent is not None else {}
    storage = quota.get("storage")
    if not isinstance(storage, dict):
        storage = quota["storage"] = {}
    storage.setdefault("preserved", -1)
    storage["used"] = used if used is not None else 0
    return quota


def project_view(p):
    """A project as GetProject / ListProject return it; extra keys of the
    state's project are passed through."""
    region = p["region"]
    view = {
        "projectName": p["name"],
        "description": p.get("description", ""),
        "status": p.get("status", "Normal"),
        "owner": p["account"],
        "region": region,
        "createTime": str(p.get("createTime", "1700000000")),
        "lastModifyTime": str(p.get("lastModifyTime",
                                    p.get("createTime", "1700000000"))),
        "resourceGroupId": p.get("resourceGroupId", ""),
        "dataRedundancyType": p.get("dataRedundancyType", "LRS"),
        "recycleBinEnabled": p.get("recycleBinEnabled", False),
        "internetEndpoint": region + ".log.aliyuncs.com",
        "internalEndpoint": region + "-intranet.log.aliyuncs.com",
    }
    for k, v in p.items():
        if k not in ("name", "account", "logstores") and k not in view:
            view[k] = v
    return view
