"""The Simple Log Service REST API (0.6.0): projects, logstores, the
encryption API, indexes, the data plane (ListShards, GetCursor, PullLogs,
PutLogs with protobuf and lz4 bodies, per-shard quotas), and the listings
that name a logstore (logtail configs, shippers, alerts and ETL jobs,
dashboards, saved searches).

UpdateLogStore is a full replace: what the body omits falls back to the
default, so a client that drops fields loses them here exactly as it would
in the cloud.  Read-only fields are kept by the server whatever the body
says.
"""

import base64
import collections
import copy
import json
import re
import time
from collections import OrderedDict

from . import auth
from . import encryption
from . import logwire
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
                            r"/shards/route|/logs|/index|/shards|"
                            r"/shards/\d+|/shipper)?$")
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
# The children of a project kept in its state entry beside its logstores
# (none of them is part of a GetProject answer).
PROJECT_CHILDREN = ("logstores", "indexes", "logtail_configs", "jobs",
                    "dashboards", "savedsearches", "shippers")
_LISTING = re.compile(r"^/(configs|dashboards|savedsearches)(?:/([^/]+))?$")

# PutLogs: a log group (the body, uncompressed) is at most 5 MB and holds at
# most 4096 logs; PullLogs returns 1..1000 groups.
MAX_GROUP_BYTES = 5 * 1024 * 1024
MAX_GROUP_LOGS = 4096
MAX_PULL_COUNT = 1000
# Per-shard quotas (documented as about 500 writes/s, 100 reads/s and
# 20 MB/s read per shard); the state's "sls_limits" object overrides them
# so that a test can reach them.
SHARD_LIMITS = {"write_qps": 500, "read_qps": 100,
                "read_bytes_per_s": 20 * 1024 * 1024}

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
            "CreateProject": self._create_project,
            "GetIndex": self._get_index,
            "CreateIndex": self._create_index,
            "UpdateIndex": self._update_index,
            "ListShards": self._list_shards,
            "GetCursor": self._get_cursor,
            "PullLogs": self._pull_logs,
            "ListShipper": self._list_shipper,
            "ListConfig": self._list_children,
            "GetConfig": self._get_child,
            "ListDashboard": self._list_children,
            "GetDashboard": self._get_child,
            "ListSavedSearch": self._list_children,
            "GetSavedSearch": self._get_child,
            "ListJobs": self._list_jobs,
        }
        # (state, project, logstore) -> one list per shard of stored groups, each
        # (receive time, LogGroup bytes, number of logs); not in the state
        # document, which holds metadata only.
        self.data = {}
        self._rr = collections.Counter()
        self._recent = collections.defaultdict(collections.deque)

    # The API a request calls, from its method and path (None if none).
    def action_of(self, req):
        path, method = req.raw_path, req.method
        if path == "/":
            if method == "GET":
                return "GetProject" if req.route.project else "ListProject"
            return "CreateProject" if method == "POST" else None
        if path == "/logstores":
            return {"GET": "ListLogStores",
                    "POST": "CreateLogStore"}.get(method)
        if path == "/jobs":
            return "ListJobs" if method == "GET" else None
        m = _LISTING.match(path)
        if m and method == "GET":
            kind = {"configs": "Config", "dashboards": "Dashboard",
                    "savedsearches": "SavedSearch"}[m.group(1)]
            return ("Get" if m.group(2) else "List") + kind
        m = _LOGSTORE_PATH.match(path)
        if not m:
            return None
        sub = m.group(2)
        if sub and re.match(r"^/shards/\d+$", sub):
            if method != "GET":
                return None
            try:
                kind = req.query().get("type")
            except BadQuery:
                kind = None
            return {"cursor": "GetCursor", "logs": "PullLogs"}.get(kind)
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
                ("/shards/route", "POST"): "PutLogs",
                ("/logs", "POST"): "GetLogs",
                ("/index", "GET"): "GetIndex",
                ("/index", "POST"): "CreateIndex",
                ("/index", "PUT"): "UpdateIndex",
                ("/shards", "GET"): "ListShards",
                ("/shipper", "GET"): "ListShipper"}.get((sub, method))

    # Whether an action reads or writes log data rather than metadata
    # (the meta-operation QPS limit does not apply to it).
    @staticmethod
    def is_data_plane(action):
        return action in ("PutLogs", "GetLogs", "GetCursor", "PullLogs")

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
        if action == "CreateProject":
            return self._create_project(req, principal)
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
        self.data[(id(self.state.data), project["name"], name)] = [
            [] for _ in range(stored["shardCount"])]
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
        self.data.pop((id(self.state.data), project["name"],
                       ls["logstoreName"]), None)
        project.get("indexes", {}).pop(ls["logstoreName"], None)
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

    def _shards(self, project, ls):
        """The stored groups of each shard of a logstore."""
        # a state replaced through the control API starts with no data
        key = (id(self.state.data), project["name"], ls["logstoreName"])
        shards = self.data.get(key)
        if shards is None:
            shards = self.data[key] = [[] for _ in
                                       range(ls.get("shardCount") or 1)]
        return shards

    def _limit(self, name):
        return (self.state.data.get("sls_limits") or {}).get(
            name, SHARD_LIMITS[name])

    def _admit(self, project, ls, shard, kind, size=0):
        """Per-shard quotas over the last second: `kind` is write or read;
        a read also counts its bytes."""
        now = time.monotonic()
        key = (project["name"], ls["logstoreName"], shard, kind)
        recent = self._recent[key]
        while recent and recent[0][0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= self._limit(kind + "_qps"):
            raise ApiError(403, "Shard%sQuotaExceed" % kind.capitalize(),
                           "shard %d of logstore %s is over its %s quota"
                           % (shard, ls["logstoreName"], kind))
        if kind == "read" and sum(b for _, b in recent) >= \
                self._limit("read_bytes_per_s"):
            raise ApiError(403, "ShardReadQuotaExceed",
                           "shard %d of logstore %s is over its read "
                           "bandwidth" % (shard, ls["logstoreName"]))
        recent.append((now, size))
        return recent

    @staticmethod
    def _shard_id(req):
        return int(req.raw_path.rsplit("/", 1)[1])

    def _shard_of(self, ls, req, shards):
        """The shard a PutLogs goes to: by hash key (header or ?key=) or
        round robin."""
        try:
            key = req.header("x-log-hashkey") or req.query().get("key")
        except BadQuery as e:
            raise _invalid(str(e)) from None
        n = len(shards)
        if key:
            if not re.match(r"^[0-9a-fA-F]{1,32}$", key):
                raise _invalid("the hash key must be up to 32 hex digits")
            value = int(key.ljust(32, "0"), 16)
            return min(value * n >> 128, n - 1)
        i = self._rr[ls["logstoreName"]] % n
        self._rr[ls["logstoreName"]] += 1
        return i

    def _put_logs(self, req, project):
        """PutLogs: a LogGroup, protobuf, maybe lz4; stored in a shard."""
        ls = self._usable(project, _path_name(req))
        ctype = (req.header("content-type") or "").split(";")[0].strip()
        if ctype != "application/x-protobuf":
            raise ApiError(400, "InvalidContentType",
                           "Content-Type must be application/x-protobuf")
        body = req.body
        compress = req.header("x-log-compresstype")
        raw = req.header("x-log-bodyrawsize") or ""
        if not re.match(r"^\d+$", raw):
            raise _invalid("x-log-bodyrawsize must be the raw size")
        if int(raw) > MAX_GROUP_BYTES:
            raise ApiError(400, "PostBodyTooLarge", "a log group is at most "
                           "5 MB (raw), not %s bytes" % raw)
        try:
            if compress == "lz4":
                body = logwire.lz4_decompress(body, int(raw))
            elif compress:
                raise ApiError(400, "InvalidCompressType",
                               "x-log-compresstype %s is not supported here"
                               % compress)
            elif len(body) != int(raw):
                raise _invalid("x-log-bodyrawsize does not match the body")
            group = logwire.decode_group(body)
        except logwire.WireError as e:
            raise ApiError(400, "PostBodyInvalid",
                           "the body is not a LogGroup: %s" % e) from None
        if len(group["logs"]) > MAX_GROUP_LOGS:
            raise ApiError(400, "InvalidLogSize", "a log group holds at most "
                           "%d logs, not %d" % (MAX_GROUP_LOGS,
                                                len(group["logs"])))
        shards = self._shards(project, ls)
        shard = self._shard_of(ls, req, shards)
        self._admit(project, ls, shard, "write")
        shards[shard].append((self.clock.now(), body, len(group["logs"])))
        req.log_extra["shard"] = shard
        req.log_extra["logs"] = len(group["logs"])
        return Response(200)

    def _list_shards(self, req, project):
        """ListShards: each shard with its hash range (readwrite)."""
        ls = self._logstore(project, _path_name(req))
        n = len(self._shards(project, ls))
        out = []
        for i in range(n):
            end = "%032x" % ((i + 1 << 128) // n) if i + 1 < n else "f" * 32
            out.append({"shardID": i, "status": "readwrite",
                        "inclusiveBeginKey": "%032x" % ((i << 128) // n),
                        "exclusiveEndKey": end,
                        "createTime": ls.get("createTime", 0)})
        return json_response(out)

    def _shard_args(self, req, project):
        ls = self._usable(project, _path_name(req))
        shards = self._shards(project, ls)
        shard = self._shard_id(req)
        if shard >= len(shards):
            raise ApiError(400, "ShardNotExist", "shard %d does not exist"
                           % shard)
        return ls, shards, shard

    def _get_cursor(self, req, project):
        """GetCursor: from=begin|end|unix seconds (receive time)."""
        ls, shards, shard = self._shard_args(req, project)
        groups = shards[shard]
        where = req.query().get("from", "")
        if where == "begin":
            pos = 0
        elif where == "end":
            pos = len(groups)
        elif re.match(r"^\d+$", where):
            t = int(where)
            pos = next((i for i, g in enumerate(groups) if g[0] >= t),
                       len(groups))
        else:
            raise _invalid("from must be begin, end or unix seconds")
        return json_response({"cursor": _cursor(pos)})

    def _pull_logs(self, req, project):
        """PullLogs: up to `count` groups from `cursor` (and before
        end_cursor) as a LogGroupList, lz4 when the client accepts it."""
        ls, shards, shard = self._shard_args(req, project)
        groups = shards[shard]
        q = req.query()
        count = q.get("count", "")
        if not re.match(r"^\d+$", count) or \
                not 1 <= int(count) <= MAX_PULL_COUNT:
            raise _invalid("count must be in [1, %d]" % MAX_PULL_COUNT)
        start = _uncursor(q.get("cursor", ""), len(groups))
        end = len(groups)
        if q.get("end_cursor"):
            end = min(end, _uncursor(q["end_cursor"], len(groups)))
        stop = max(start, min(end, start + int(count)))
        picked = groups[start:stop]
        body = logwire.group_list([g[1] for g in picked])
        self._admit(project, ls, shard, "read", len(body))
        headers = {"x-log-cursor": _cursor(stop),
                   "x-log-count": str(len(picked)),
                   "x-log-bodyrawsize": str(len(body))}
        accept = (req.header("accept-encoding") or "").lower()
        if "lz4" in [a.strip() for a in accept.split(",")]:
            body = logwire.lz4_compress(body)
            headers["x-log-compresstype"] = "lz4"
        resp = Response(200, body, headers, "application/x-protobuf")
        if not body:
            resp.headers["Content-Type"] = "application/x-protobuf"
        return resp

    # --- indexes ---

    def _index_of(self, project, req):
        ls = self._logstore(project, _path_name(req))
        return ls["logstoreName"], project.setdefault("indexes", {})

    def _index_body(self, req):
        body = self._json_body(req)
        if "line" not in body and "keys" not in body:
            raise _invalid("an index needs line or keys")
        for name, kind in (("line", dict), ("keys", dict), ("ttl", int),
                           ("max_text_len", int), ("log_reduce", bool)):
            if name in body and not isinstance(body[name], kind):
                raise _invalid("index %s has the wrong type" % name)
        body.pop("lastModifyTime", None)
        return body

    def _get_index(self, req, project):
        """GetIndex: the stored config plus lastModifyTime (read-only)."""
        name, indexes = self._index_of(project, req)
        if name not in indexes:
            raise ApiError(400, "IndexConfigNotExist",
                           "index config doesn't exist")
        view = copy.deepcopy(indexes[name])
        view["lastModifyTime"] = indexes[name].get("__mtime", 0)
        view.pop("__mtime", None)
        return json_response(view)

    def _create_index(self, req, project):
        """CreateIndex: the body kept whole, unknown keys included."""
        name, indexes = self._index_of(project, req)
        if name in indexes:
            raise ApiError(400, "IndexAlreadyExist",
                           "log store index is already created")
        body = self._index_body(req)
        body["__mtime"] = int(self.clock.now())
        indexes[name] = body
        return Response(200)

    def _update_index(self, req, project):
        """UpdateIndex: a full replace of an existing index."""
        name, indexes = self._index_of(project, req)
        if name not in indexes:
            raise ApiError(400, "IndexConfigNotExist",
                           "index config doesn't exist")
        body = self._index_body(req)
        body["__mtime"] = int(self.clock.now())
        indexes[name] = body
        return Response(200)

    # --- what names a logstore (read by a migration's switch-over help) ---

    def _list_shipper(self, req, project):
        """ListShipper: the shippers of one logstore."""
        ls = self._logstore(project, _path_name(req))
        names = [s["shipperName"] for s in project.get("shippers", [])
                 if s.get("logstore") == ls["logstoreName"]]
        return json_response({"count": len(names), "total": len(names),
                              "shipper": names})

    _CHILD = {"Config": ("logtail_configs", "configName", "configs",
                         "ConfigNotExist"),
              "Dashboard": ("dashboards", "dashboardName", "dashboards",
                            "DashboardNotExist"),
              "SavedSearch": ("savedsearches", "savedsearchName",
                              "savedsearches", "SavedSearchNotExist")}

    def _list_children(self, req, project):
        """ListConfig, ListDashboard, ListSavedSearch: names, paged."""
        key, field, plural, _ = self._CHILD[req.action[4:]]
        offset, size, _ = self._page(req, 100)
        names = sorted(c[field] for c in project.get(key, []))
        page = names[offset:offset + size]
        out = {"count": len(page), "total": len(names), plural: page}
        if plural == "dashboards":
            out["dashboardItems"] = [{"dashboardName": n, "displayName": n}
                                     for n in page]
        return json_response(out)

    def _get_child(self, req, project):
        """GetConfig, GetDashboard, GetSavedSearch: the stored object."""
        key, field, _, missing = self._CHILD[req.action[3:]]
        name = _LISTING.match(req.raw_path).group(2)
        for c in project.get(key, []):
            if c[field] == name:
                return json_response(c)
        raise ApiError(404, missing, "%s does not exist" % name)

    def _list_jobs(self, req, project):
        """ListAlerts / ListETLs (GET /jobs?jobType=): whole job objects."""
        offset, size, q = self._page(req, 100)
        kind = q.get("jobType", "")
        if kind not in ("Alert", "ETL", "ScheduledSQL", "Ingestion",
                        "Export"):
            raise _invalid("jobType is required")
        jobs = [j for j in project.get("jobs", []) if j.get("type") == kind]
        page = jobs[offset:offset + size]
        return json_response({"count": len(page), "total": len(jobs),
                              "results": page})

    # --- projects ---

    def _create_project(self, req, principal):
        """CreateProject: in the endpoint's region, for the caller."""
        body = self._json_body(req)
        name = body.get("projectName")
        if not isinstance(name, str) or not _PROJECT_NAME.match(name):
            raise _invalid("projectName must be 3-63 characters of a-z 0-9 "
                           "-, starting and ending with a letter or digit")
        desc = body.get("description", "")
        if not isinstance(desc, str) or len(desc) > 64:
            raise _invalid("description must be a string of at most 64 "
                           "characters")
        if self.state.project(name) is not None:
            raise ApiError(400, "ProjectAlreadyExist",
                           "Project %s already exist" % name)
        now = str(int(self.clock.now()))
        self.state.add_project({
            "name": name, "region": req.route.region,
            "account": principal.account, "description": desc,
            "createTime": now, "lastModifyTime": now,
            "resourceGroupId": body.get("resourceGroupId", ""),
            "dataRedundancyType": body.get("dataRedundancyType", "LRS"),
            "logstores": []})
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


def _cursor(pos):
    """A cursor: base64 of the position, as opaque as the service's."""
    return base64.b64encode(str(pos).encode()).decode()


def _uncursor(cursor, size):
    """The position of a cursor of ours, or 400 InvalidCursor."""
    try:
        pos = int(base64.b64decode(cursor.encode(), validate=True).decode())
    except (ValueError, UnicodeDecodeError):
        pos = -1
    if not 0 <= pos <= size:
        raise ApiError(400, "InvalidCursor", "the cursor %r is not valid"
                       % cursor)
    return pos


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
        if k not in ("name", "account") + PROJECT_CHILDREN and \
                k not in view:
            view[k] = v
    return view
