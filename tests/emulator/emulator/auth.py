"""Who is calling: checks the signature, the access key, its security token,
the clock window and nonce reuse of SLS (V1, V4) and RPC (V1, ACS3) requests.

Each check refuses with the code the real service uses for it (see
docs/emulator.md for the codes chosen where the documentation is silent).
"""

import hashlib
import hmac
import re
import threading

from . import clock as clk
from . import signing
from .errors import ApiError
from .wire import BadQuery, decode_pairs

WINDOW = 15 * 60        # allowed clock skew, and how long a nonce is kept

_RPC_COMMON = ("AccessKeyId", "Signature", "SignatureMethod",
               "SignatureVersion", "SignatureNonce", "Timestamp",
               "SecurityToken", "Format", "Action", "Version")


class Principal:
    """The identity behind an access key: the root account, a RAM user, or
    a session of an assumed role (STS credentials)."""

    def __init__(self, account_id, key):
        self.account = account_id
        self.key_id = key["id"]
        self.user = key.get("user")
        self.assumed = key.get("assumed_role")

    # Account, RAMUser or AssumedRoleUser, as STS names them.
    @property
    def kind(self):
        if self.assumed:
            return "AssumedRoleUser"
        return "RAMUser" if self.user else "Account"


class NonceCache:
    """SignatureNonce values seen in the last 15 minutes, per access key."""

    def __init__(self):
        self._seen = {}
        self._lock = threading.Lock()

    # Records a nonce; False when it was already used within the window.
    def use(self, key_id, nonce, now):
        with self._lock:
            if len(self._seen) > 10000:
                self._seen = {k: t for k, t in self._seen.items()
                              if abs(now - t) <= WINDOW}
            seen = self._seen.get((key_id, nonce))
            if seen is not None and abs(now - seen) <= WINDOW:
                return False
            self._seen[(key_id, nonce)] = now
            return True


def _key_problem(state, key_id, token, now):
    """Looks up an access key and checks the token sent with it.  Returns
    (account, key, problem) where problem is None or one of unknown,
    inactive, token_missing, token_unexpected, token_mismatch,
    token_malformed, expired."""
    found = state.access_key(key_id)
    if found is None:
        return None, None, "unknown"
    account, key = found
    if key.get("status", "Active") != "Active":
        return account, key, "inactive"
    expected = key.get("security_token")
    if expected:
        if not token:
            return account, key, "token_missing"
        if not hmac.compare_digest(token.encode(), expected.encode()):
            owner = state.token_owner(token)
            return account, key, ("token_mismatch" if owner
                                  else "token_malformed")
    elif token:
        return account, key, "token_unexpected"
    expiration = key.get("expiration")
    if expiration and clk.parse_iso8601(expiration) <= now:
        return account, key, "expired"
    return account, key, None


def _skew_error(now, t, code, status):
    """The error for a request time outside the 15-minute window, or None."""
    if abs(now - t) <= WINDOW:
        return None
    return ApiError(status, code, "request time %s has been expired while "
                    "server time is %s" % (clk.iso8601(t), clk.iso8601(now)))


# --- SLS ----------------------------------------------------------------

_SLS_KEY_ERRORS = {
    "unknown": (401, "InvalidAccessKeyId",
                "The access key id you provided is invalid"),
    "inactive": (401, "Unauthorized", "The access key is disabled"),
    "token_missing": (401, "Unauthorized", "This access key is an STS key: "
                      "the x-acs-security-token header is required"),
    "token_unexpected": (401, "Unauthorized", "A security token was sent "
                         "with an access key that has none"),
    "token_mismatch": (401, "Unauthorized", "The security token does not "
                       "belong to this access key"),
    "token_malformed": (401, "Unauthorized",
                        "The security token is invalid"),
    "expired": (401, "SecurityTokenExpired",
                "The security token has expired"),
}

_V4_AUTH = re.compile(r"^SLS4-HMAC-SHA256 Credential=([^/,]*)/(\d{8})/"
                      r"([a-z0-9-]+)/([a-z0-9_]+)/([a-z0-9_]+),"
                      r"Signature=([0-9a-f]{64})$")


def authenticate_sls(req, state, now):
    """Authenticates an SLS request (V1 or V4) for the endpoint region in
    req.route; returns the Principal or raises ApiError."""
    auth = req.header("authorization")
    if not auth:
        raise ApiError(401, "Unauthorized",
                       "The Authorization header is missing")
    version = req.header("x-log-apiversion")
    if version is None:
        raise ApiError(400, "MissingAPIVersion",
                       "The x-log-apiversion header is missing")
    if version != "0.6.0":
        raise ApiError(400, "InvalidAPIVersion",
                       "x-log-apiversion %s is not supported" % version)
    _check_sls_body_headers(req)
    try:
        query = req.query_pairs()
    except BadQuery as e:
        raise ApiError(400, "ParameterInvalid", str(e)) from None
    if auth.startswith("LOG "):
        account, key, t = _verify_sls_v1(req, auth, query, state, now)
    elif auth.startswith("SLS4-HMAC-SHA256 "):
        account, key, t = _verify_sls_v4(req, auth, query, state, now)
    else:
        raise ApiError(400, "ParameterInvalid", "Http extend authorization "
                       "is invalid: unknown scheme")
    err = _skew_error(now, t, "RequestTimeExpired", 400)
    if err:
        raise err
    return Principal(account["id"], key)


def _check_sls_body_headers(req):
    """Content-Type is required with a body; x-log-bodyrawsize with a
    compressed one (the official Node SDK sends JSON bodies without it,
    as the documentation allows)."""
    raw = req.header("x-log-bodyrawsize")
    if raw is None:
        if req.body and req.header("x-log-compresstype"):
            raise ApiError(400, "MissingBodyRawSize", "The "
                           "x-log-bodyrawsize header is required with "
                           "x-log-compresstype")
    elif not raw.isdigit():
        raise ApiError(400, "InvalidBodyRawSize",
                       "x-log-bodyrawsize must be a non-negative integer")
    if req.body and not req.header("content-type"):
        raise ApiError(400, "MissingContentType",
                       "The Content-Type header is missing")


def _sls_key(req, state, key_id, now):
    """Resolves (account, key) of an SLS request and checks its token."""
    req.access_key_id = key_id
    token = req.header("x-acs-security-token")
    account, key, problem = _key_problem(state, key_id, token, now)
    if problem:
        raise ApiError(*_SLS_KEY_ERRORS[problem])
    return account, key


def _verify_sls_v1(req, auth, query, state, now):
    """Checks a V1 (`LOG ak:signature`) request; returns (account, key,
    request time)."""
    key_id, sep, sig = auth[4:].partition(":")
    if not sep or not key_id or not sig:
        raise ApiError(400, "ParameterInvalid", "Http extend authorization "
                       ": %s pair is invalid" % ("LOG " + key_id + ":xxx"))
    method = req.header("x-log-signaturemethod")
    if method is None:
        raise ApiError(400, "MissingSignatureMethod",
                       "The x-log-signaturemethod header is missing")
    if method not in ("hmac-sha1", "hmac-sha256"):
        raise ApiError(400, "InvalidSignatureMethod",
                       "x-log-signaturemethod must be hmac-sha1 or "
                       "hmac-sha256")
    date = req.header("date")
    if date is None:
        raise ApiError(400, "MissingDate", "The Date header is missing")
    try:
        t = clk.parse_http_date(date)
        override = req.header("x-log-date")
        if override is not None:
            t = _parse_any_sls_date(override)
    except ValueError as e:
        raise ApiError(400, "InvalidRequestTime", str(e)) from None
    account, key = _sls_key(req, state, key_id, now)
    sts = signing.sls_v1_string_to_sign(req.method, req.raw_path, query,
                                        req.headers)
    want = signing.sls_v1_signature(key["secret"], sts, method)
    if not hmac.compare_digest(want.encode(), sig.encode()):
        raise ApiError(401, "SignatureNotMatch",
                       "Signature %s not matched." % sig)
    md5 = req.header("content-md5") or None     # gateway-sls sends it empty
    if req.body or md5 is not None:
        if md5 is None:
            raise ApiError(400, "MissingContentMD5",
                           "The Content-MD5 header is required with a body")
        if md5 != hashlib.md5(req.body).hexdigest().upper():
            raise ApiError(400, "InvalidContentMD5", "Content-MD5 is not "
                           "the upper-case hex MD5 of the body")
    return account, key, t


def _parse_any_sls_date(s):
    """An x-log-date sent with V1 may be RFC 1123 or the V4 compact form."""
    try:
        return clk.parse_http_date(s)
    except ValueError:
        return clk.parse_compact_date(s)


def _verify_sls_v4(req, auth, query, state, now):
    """Checks an SLS4-HMAC-SHA256 request; returns (account, key, request
    time)."""
    x_log_date = req.header("x-log-date")
    if x_log_date is None:
        raise ApiError(400, "MissingDate", "The x-log-date header is "
                       "required with signature V4")
    try:
        t = clk.parse_compact_date(x_log_date)
    except ValueError as e:
        raise ApiError(400, "InvalidRequestTime", str(e)) from None
    payload = req.header("x-log-content-sha256")
    if payload is None:
        raise ApiError(400, "MissingContentSha256", "The "
                       "x-log-content-sha256 header is required with V4")
    m = _V4_AUTH.match(auth)
    if not m:
        raise ApiError(400, "ParameterInvalid", "Http extend authorization "
                       "is invalid: expected SLS4-HMAC-SHA256 Credential="
                       "<ak>/<date>/<region>/sls/aliyun_v4_request,"
                       "Signature=<hex>")
    key_id, date, region, service, terminator, sig = m.groups()
    if (date, region, service, terminator) != (
            x_log_date[:8], req.route.region, "sls", "aliyun_v4_request"):
        raise ApiError(401, "SignatureNotMatch", "The credential scope %s/"
                       "%s/%s/%s does not match %s/%s/sls/aliyun_v4_request"
                       % (date, region, service, terminator,
                          x_log_date[:8], req.route.region))
    account, key = _sls_key(req, state, key_id, now)
    canonical = signing.sls_v4_canonical_request(req.method, req.raw_path,
                                                 query, req.headers)
    want = signing.sls_v4_signature(key["secret"], x_log_date, region,
                                    canonical)
    if not hmac.compare_digest(want.encode(), sig.encode()):
        raise ApiError(401, "SignatureNotMatch",
                       "Signature %s not matched." % sig)
    if payload != hashlib.sha256(req.body).hexdigest():
        raise ApiError(400, "InvalidContentSha256", "x-log-content-sha256 "
                       "is not the lower-case hex SHA-256 of the body")
    return account, key, t


# --- RPC ----------------------------------------------------------------

_RPC_KEY_ERRORS = {
    "unknown": (404, "InvalidAccessKeyId.NotFound",
                "Specified access key is not found."),
    "inactive": (400, "InvalidAccessKeyId.Inactive",
                 "Specified access key is disabled."),
    "token_missing": (400, "InvalidSecurityToken.MismatchWithAccessKey",
                      "Specified SecurityToken mismatch with the "
                      "AccessKey: this STS access key needs its token."),
    "token_unexpected": (400, "InvalidSecurityToken.MismatchWithAccessKey",
                         "Specified SecurityToken mismatch with the "
                         "AccessKey: this access key has no token."),
    "token_mismatch": (400, "InvalidSecurityToken.MismatchWithAccessKey",
                       "Specified SecurityToken mismatch with the "
                       "AccessKey."),
    "token_malformed": (400, "InvalidSecurityToken.Malformed",
                        "Specified SecurityToken is malformed."),
    "expired": (400, "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired."),
}

_ACS3_AUTH = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),"
                        r"SignedHeaders=([^,]*),Signature=([0-9a-f]{64})$")


def rpc_params(req):
    """Every parameter of an RPC request: the query plus an urlencoded form
    body, as (name, value) pairs."""
    try:
        pairs = list(req.query_pairs())
        ctype = (req.header("content-type") or "").split(";")[0].strip()
        if req.body and ctype == "application/x-www-form-urlencoded":
            pairs += decode_pairs(req.body.decode("utf-8"))
    except (BadQuery, UnicodeDecodeError) as e:
        raise ApiError(400, "InvalidParameter", str(e)) from None
    return pairs


def authenticate_rpc(req, state, nonces, now):
    """Authenticates an RPC request (V1 parameters or an ACS3 Authorization
    header); returns (Principal, action, version, API parameters dict)."""
    pairs = rpc_params(req)
    auth = req.header("authorization")
    if auth and auth.startswith("ACS3-HMAC-SHA256"):
        return _verify_acs3(req, auth, pairs, state, nonces, now)
    return _verify_rpc_v1(req, pairs, state, nonces, now)


def _rpc_key(state, key_id, token, now):
    """Resolves the key of an RPC request and its token, or raises."""
    account, key, problem = _key_problem(state, key_id, token, now)
    if problem:
        raise ApiError(*_RPC_KEY_ERRORS[problem])
    return account, key


def _verify_rpc_v1(req, pairs, state, nonces, now):
    """Checks a signature V1 request (GET, POST form, or POST query)."""
    params = dict(pairs)
    if "Signature" not in params:
        raise ApiError(400, "MissingSignature", "The input parameter "
                       "\"Signature\" that is mandatory for processing this "
                       "request is not supplied.")
    for name in ("AccessKeyId", "SignatureMethod", "SignatureVersion",
                 "SignatureNonce", "Timestamp"):
        if not params.get(name):
            raise ApiError(400, "Missing" + name, "The input parameter "
                           "\"%s\" that is mandatory for processing this "
                           "request is not supplied." % name)
    if params["SignatureMethod"] != "HMAC-SHA1":
        raise ApiError(400, "InvalidSignatureMethod",
                       "Specified signature method is not valid.")
    if params["SignatureVersion"] != "1.0":
        raise ApiError(400, "InvalidSignatureVersion",
                       "Specified signature version is not valid.")
    _check_format(params.get("Format"), required=True)
    try:
        t = clk.parse_iso8601_strict(params["Timestamp"])
    except ValueError:
        raise ApiError(400, "IllegalTimestamp", "The input parameter "
                       "\"Timestamp\" that is mandatory for processing this "
                       "request is not supplied or is not "
                       "yyyy-MM-ddTHH:mm:ssZ.") from None
    key_id = params["AccessKeyId"]
    req.access_key_id = key_id
    account, key = _rpc_key(state, key_id, params.get("SecurityToken"), now)
    sts = signing.rpc_v1_string_to_sign(req.method, pairs)
    want = signing.rpc_v1_signature(key["secret"], sts)
    if not hmac.compare_digest(want.encode(), params["Signature"].encode()):
        raise ApiError(400, "SignatureDoesNotMatch", "Specified signature "
                       "is not matched with our calculation. server string "
                       "to sign is:" + sts)
    _check_time_and_nonce(now, t, key_id, params["SignatureNonce"], nonces)
    api = {k: v for k, v in params.items() if k not in _RPC_COMMON}
    return (Principal(account["id"], key), params.get("Action"),
            params.get("Version"), api)


def _check_format(fmt, required):
    """Only JSON answers are emulated; XML (the default when Format is
    absent in signature V1) is refused rather than answered wrongly."""
    if fmt is None and not required:
        return
    if fmt not in ("JSON", "json"):
        raise ApiError(400, "InvalidParameter.Format", "Format must be JSON:"
                       " without it the real service answers XML")


def _check_time_and_nonce(now, t, key_id, nonce, nonces):
    """The 15-minute window, then nonce reuse (after the signature check,
    so a forged request cannot burn a client's nonce)."""
    err = _skew_error(now, t, "InvalidTimeStamp.Expired", 400)
    if err:
        err.message = ("Specified time stamp or date value is expired: "
                       + err.message)
        raise err
    if not nonces.use(key_id, nonce, now):
        raise ApiError(400, "SignatureNonceUsed",
                       "Specified signature nonce was used already.")


def _verify_acs3(req, auth, pairs, state, nonces, now):
    """Checks an ACS3-HMAC-SHA256 request."""
    m = _ACS3_AUTH.match(auth)
    if not m:
        raise ApiError(400, "IncompleteSignature", "The Authorization header"
                       " must be ACS3-HMAC-SHA256 Credential=<ak>,"
                       "SignedHeaders=<h1;h2>,Signature=<hex>")
    key_id, signed, sig = m.groups()
    req.access_key_id = key_id
    names = signed.split(";") if signed else []
    required = {n for n in req.headers if n.startswith("x-acs-")}
    required.add("host")
    if "content-type" in req.headers:
        required.add("content-type")
    missing = sorted(required - set(names))
    if missing:
        raise ApiError(400, "IncompleteSignature", "these headers must be "
                       "signed: " + ", ".join(missing))
    absent = [n for n in names if n not in req.headers]
    if absent or names != sorted(names):
        raise ApiError(400, "IncompleteSignature", "SignedHeaders must be "
                       "sorted lower-case names of headers that were sent")
    for name in ("x-acs-action", "x-acs-version", "x-acs-date",
                 "x-acs-signature-nonce", "x-acs-content-sha256"):
        if not req.header(name):
            raise ApiError(400, "MissingParameter", "The header \"%s\" that "
                           "is mandatory for processing this request is not "
                           "supplied." % name)
    try:
        t = clk.parse_iso8601_strict(req.header("x-acs-date"))
    except ValueError:
        raise ApiError(400, "IllegalTimestamp", "x-acs-date must be "
                       "yyyy-MM-ddTHH:mm:ssZ") from None
    params = dict(pairs)
    _check_format(params.get("Format"), required=False)
    account, key = _rpc_key(state, key_id,
                            req.header("x-acs-security-token"), now)
    canonical = signing.acs3_canonical_request(
        req.method, req.raw_path, req.query_pairs(), req.headers, names)
    want = signing.acs3_signature(key["secret"], canonical)
    if not hmac.compare_digest(want.encode(), sig.encode()):
        raise ApiError(400, "SignatureDoesNotMatch", "Specified signature "
                       "is not matched with our calculation. server "
                       "canonical request is:" + canonical)
    if req.header("x-acs-content-sha256") != \
            hashlib.sha256(req.body).hexdigest():
        raise ApiError(400, "InvalidContentSha256", "x-acs-content-sha256 "
                       "is not the lower-case hex SHA-256 of the body")
    _check_time_and_nonce(now, t, key_id, req.header("x-acs-signature-nonce"),
                          nonces)
    api = {k: v for k, v in params.items() if k not in _RPC_COMMON}
    return (Principal(account["id"], key), req.header("x-acs-action"),
            req.header("x-acs-version"), api)
