"""Request and Response values passed between the HTTP server and services."""

import json
import urllib.parse


class BadQuery(ValueError):
    """A query string or form body that cannot be percent-decoded."""


def decode_pairs(text):
    """Decodes a query string or urlencoded form into (name, value) pairs.

    Every client encodes differently (`*`, `(`, `!` raw or escaped, space as
    `%20` or `+`), so signatures are always computed over the decoded
    values: `+` is a space, `%XX` is a byte, and the bytes must be UTF-8.
    A name without `=` has the empty value."""
    pairs = []
    if not text:
        return pairs
    for part in text.split("&"):
        if part == "":
            continue
        name, _, value = part.partition("=")
        try:
            pairs.append((_unquote(name), _unquote(value)))
        except UnicodeDecodeError as e:
            raise BadQuery("query is not UTF-8: %s" % e) from None
    return pairs


def _unquote(s):
    """Percent-decodes one query component strictly as UTF-8."""
    return urllib.parse.unquote(s.replace("+", " "), errors="strict")


class Request:
    """One HTTP request as the services see it.  Header names are lower
    case; a header sent several times keeps every value in order."""

    def __init__(self, method, target, headers, body, scheme="http"):
        self.method = method
        self.target = target
        path, _, query = target.partition("?")
        self.raw_path = path
        self.raw_query = query
        self.headers = headers          # lower-case name -> [values]
        self.body = body
        self.scheme = scheme
        self.host = self.header("host")
        self.route = None               # set by the app (hosts.Route)
        self.request_id = None          # set by the app
        self.action = None              # set by the service, for stats/log
        self.access_key_id = None       # set by auth, for the log
        self.log_extra = {}             # service-chosen fields for the log
        self.connection = None          # app.Connection, set by the server
        self.rpc = None                 # (action, version, params) of RPC
        self._query = None

    # The value of a header (several values joined with ","), or default.
    def header(self, name, default=None):
        values = self.headers.get(name.lower())
        if not values:
            return default
        return ",".join(values)

    # The decoded query as (name, value) pairs; raises BadQuery.
    def query_pairs(self):
        if self._query is None:
            self._query = decode_pairs(self.raw_query)
        return self._query

    # The decoded query as a dict (the last value of a repeated name wins).
    def query(self):
        return dict(self.query_pairs())


class Response:
    """An answer: status, body bytes and extra headers.  The server adds
    Date, Content-Length and the request id header."""

    def __init__(self, status=200, body=b"", headers=None,
                 content_type=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        if content_type and body:
            self.headers.setdefault("Content-Type", content_type)
        self.error_code = None          # set when the answer is an error
        self.drop = False               # close the connection, send nothing


def json_response(obj, status=200, headers=None):
    """A JSON answer, keys kept in the order given."""
    body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    return Response(status, body, headers, "application/json")


def drop_response():
    """An answer that is no answer: the server closes the connection."""
    r = Response(0)
    r.drop = True
    return r
