"""The tests' own small signing client for the emulator, and a fixture state.

Its signers are written independently of emulator/signing.py (and checked
against the published vectors in test_signing_vectors.py), so a bug in one
is not silently mirrored in the other.
"""

import base64
import copy
import hashlib
import hmac
import http.client
import json
import time
import unittest
import urllib.parse
import uuid

from emulator.main import build_app, launch

ACCOUNT = "1234567890123456"
OTHER_ACCOUNT = "6543210987654321"
AK, SECRET = "LTAI5tTestRootKey0001", "test-root-secret-0001"
USER_AK, USER_SECRET = "LTAI5tTestUserKey0002", "test-user-secret-0002"
OTHER_AK, OTHER_SECRET = "LTAI5tOtherKey0003", "other-secret-0003"
STS_AK, STS_SECRET, STS_TOKEN = ("STS.fixedTempKey0004", "sts-secret-0004",
                                 "CAISfixedToken0004")
OLD_AK, OLD_SECRET, OLD_TOKEN = ("STS.expiredKey0005", "old-secret-0005",
                                 "CAISexpiredToken0005")
REGION = "cn-hangzhou"
KEY_ON, KEY_OFF, KEY_PENDING = ("key-hzz-enabled-0001", "key-hzz-disabled-02",
                                "key-hzz-pending-003")
KEY_SH = "key-sha-enabled-0004"
BYOK_ROLE = "SlsByokRole"

SLS_TRUST = json.dumps({"Statement": [{
    "Action": "sts:AssumeRole", "Effect": "Allow",
    "Principal": {"Service": ["log.aliyuncs.com"]}}], "Version": "1"})
ACCOUNT_TRUST = json.dumps({"Statement": [{
    "Action": "sts:AssumeRole", "Effect": "Allow",
    "Principal": {"RAM": ["acs:ram::%s:root" % ACCOUNT]}}], "Version": "1"})
KMS_POLICIES = [{"PolicyName": "AliyunKMSReadOnlyAccess",
                 "PolicyType": "System"},
                {"PolicyName": "AliyunKMSCryptoUserAccess",
                 "PolicyType": "System"}]


def byok_conf(key=KEY_ON, role=BYOK_ROLE, region=REGION, enable=True,
              encrypt_type="default"):
    """A BYOK encrypt_conf for the fixture account."""
    return {"enable": enable, "encrypt_type": encrypt_type,
            "user_cmk_info": {"cmk_key_id": key,
                              "arn": "acs:ram::%s:role/%s"
                                     % (ACCOUNT, role.lower()),
                              "region_id": region}}


def logstore(name, **extra):
    """A logstore object as GetLogStore returns it."""
    ls = {"logstoreName": name, "ttl": 30, "shardCount": 2,
          "enable_tracking": False, "autoSplit": True, "maxSplitShard": 64,
          "appendMeta": True, "telemetryType": "", "mode": "standard",
          "createTime": 1700000000, "lastModifyTime": 1700000000}
    ls.update(extra)
    return ls


def base_state():
    """The fixture cloud most tests start from."""
    return copy.deepcopy({
        "accounts": [
            {"id": ACCOUNT, "access_keys": [
                {"id": AK, "secret": SECRET},
                {"id": USER_AK, "secret": USER_SECRET, "user": "operator"},
                {"id": STS_AK, "secret": STS_SECRET,
                 "security_token": STS_TOKEN,
                 "expiration": "2099-01-01T00:00:00Z"},
                {"id": OLD_AK, "secret": OLD_SECRET,
                 "security_token": OLD_TOKEN,
                 "expiration": "2020-01-01T00:00:00Z"}]},
            {"id": OTHER_ACCOUNT, "access_keys": [
                {"id": OTHER_AK, "secret": OTHER_SECRET}]},
        ],
        "projects": [
            {"name": "proj-a", "region": REGION, "account": ACCOUNT,
             "description": "first", "logstores": [
                 logstore("plain", hot_ttl=7, infrequentAccessTTL=10,
                          x_unknown={"keep": [1, 2]}, productType="aliyun",
                          resourceQuota={"storage": {"preserved": -1,
                                                     "used": 123}}),
                 logstore("svc", encrypt_conf={"enable": True,
                                               "encrypt_type": "default"}),
                 logstore("byok", encrypt_conf=byok_conf()),
                 logstore("byok-off", encrypt_conf=byok_conf(key=KEY_OFF)),
             ]},
            {"name": "proj-b", "region": REGION, "account": ACCOUNT,
             "description": "second", "logstores": []},
            {"name": "proj-other", "region": REGION,
             "account": OTHER_ACCOUNT, "logstores": []},
            {"name": "proj-sh", "region": "cn-shanghai", "account": ACCOUNT,
             "logstores": [logstore("ls1")]},
        ],
        "roles": [
            {"account": ACCOUNT, "RoleName": BYOK_ROLE,
             "AssumeRolePolicyDocument": SLS_TRUST,
             "policies": copy.deepcopy(KMS_POLICIES)},
            {"account": ACCOUNT, "RoleName": "NoCryptoRole",
             "AssumeRolePolicyDocument": SLS_TRUST,
             "policies": [KMS_POLICIES[0]]},
            {"account": ACCOUNT, "RoleName": "UntrustedRole",
             "AssumeRolePolicyDocument": ACCOUNT_TRUST,
             "policies": copy.deepcopy(KMS_POLICIES)},
            {"account": ACCOUNT, "RoleName": "AdminRole",
             "AssumeRolePolicyDocument": ACCOUNT_TRUST,
             "MaxSessionDuration": 7200, "policies": []},
        ],
        "policies": [],
        "keys": [
            {"account": ACCOUNT, "KeyId": KEY_ON, "region": REGION,
             "KeyState": "Enabled"},
            {"account": ACCOUNT, "KeyId": KEY_OFF, "region": REGION,
             "KeyState": "Disabled"},
            {"account": ACCOUNT, "KeyId": KEY_PENDING, "region": REGION,
             "KeyState": "PendingDeletion",
             "DeleteDate": "2099-01-01T00:00:00Z"},
            {"account": ACCOUNT, "KeyId": KEY_SH, "region": "cn-shanghai",
             "KeyState": "Enabled"},
        ],
        "aliases": [{"account": ACCOUNT, "region": REGION,
                     "AliasName": "alias/byok", "KeyId": KEY_ON}],
        "ecs": {"role": "AdminRole", "account": ACCOUNT,
                "require_token": False},
        "credentials_uri": {"account": ACCOUNT, "role": "AdminRole"},
        "x_top_unknown": {"kept": True},
    })


class Resp:
    """An answer: status, headers (lower-case names), body, and its JSON."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def code(self):
        """The error code in either the SLS or the RPC shape."""
        j = self.json
        return j.get("errorCode") or j.get("Code") if isinstance(j, dict) \
            else None


class Http:
    """A keep-alive HTTP connection to the emulator, any Host header."""

    def __init__(self, port, host="127.0.0.1"):
        self.conn = http.client.HTTPConnection(host, port, timeout=10)

    def send(self, method, target, headers, body=b"", chunked=False):
        """One request; with `chunked` the body goes out with
        Transfer-Encoding: chunked and no Content-Length."""
        headers = {k: v.encode("utf-8") for k, v in headers.items()}
        if chunked:
            self.conn.request(method, target, body=iter([body]),
                              headers=headers, encode_chunked=True)
        else:
            self.conn.request(method, target, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()},
                    data)

    def close(self):
        self.conn.close()


def enc(s):
    """RFC 3986 percent-encoding (space as %20, * and ~ handled)."""
    return urllib.parse.quote(str(s), safe="~")


def gmt(t):
    """RFC 1123 date."""
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))


class SlsClient:
    """Signs SLS requests with V1 (hmac-sha1 or hmac-sha256) or V4."""

    def __init__(self, port, project=None, region=REGION, ak=AK,
                 secret=SECRET, token=None, sig="v1", endpoint=None):
        self.http = Http(port)
        self.project, self.region = project, region
        self.ak, self.secret, self.token, self.sig = ak, secret, token, sig
        self.endpoint = endpoint or "%s.log.aliyuncs.com" % region

    def request(self, method, path, query=(), body=None, headers=None,
                t=None, raw_target=None, after_sign=None, project=None,
                chunked=False):
        """Sends one request; `headers` entries override (None deletes)
        before signing, `after_sign(headers)` may tamper afterwards."""
        project = self.project if project is None else project
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        body = body or b""
        query = list(query.items()) if isinstance(query, dict) else \
            list(query)
        t = time.time() if t is None else t
        h = {"Host": (project + "." if project else "") + self.endpoint,
             "x-log-apiversion": "0.6.0",
             "x-log-bodyrawsize": str(len(body))}
        if body:
            h["Content-Type"] = "application/json"
        if self.token:
            h["x-acs-security-token"] = self.token
        if self.sig == "v4":
            h["x-log-date"] = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
            h["x-log-content-sha256"] = hashlib.sha256(body).hexdigest()
        else:
            h["Date"] = gmt(t)
            h["x-log-signaturemethod"] = ("hmac-sha256" if self.sig ==
                                          "v1-sha256" else "hmac-sha1")
            if body:
                h["Content-MD5"] = hashlib.md5(body).hexdigest().upper()
        for k, v in (headers or {}).items():
            h.pop(k, None)
            if v is not None:
                h[k] = v
        if self.sig == "v4":
            h["Authorization"] = self._v4(method, path, query, h)
        else:
            h["Authorization"] = self._v1(method, path, query, h)
        if after_sign:
            after_sign(h)
        target = raw_target or path + (
            "?" + "&".join(enc(k) + "=" + enc(v) for k, v in query)
            if query else "")
        return self.http.send(method, target, h, body, chunked)

    def _v1(self, method, path, query, h):
        low = {k.lower(): v for k, v in h.items()}
        lines = [method, low.get("content-md5", ""),
                 low.get("content-type", ""), low.get("date", "")]
        signed = sorted((k, v) for k, v in low.items()
                        if (k.startswith("x-log-") or k.startswith("x-acs-"))
                        and k != "x-log-date")
        resource = path
        if query:
            resource += "?" + "&".join(k + "=" + v for k, v in sorted(query))
        text = "\n".join(lines) + "\n" + "".join(
            k + ":" + v + "\n" for k, v in signed) + resource
        algo = hashlib.sha256 if self.sig == "v1-sha256" else hashlib.sha1
        mac = hmac.new(self.secret.encode(), text.encode(), algo).digest()
        return "LOG %s:%s" % (self.ak, base64.b64encode(mac).decode())

    def _v4(self, method, path, query, h):
        low = {k.lower(): v.strip() for k, v in h.items()}
        low.setdefault("x-log-date", "")
        low.setdefault("x-log-content-sha256", "")
        names = sorted(k for k in low if k in ("host", "content-type")
                       or k.startswith("x-log-") or k.startswith("x-acs-"))
        cq = "&".join(k if v == "" else k + "=" + enc(v)
                      for k, v in sorted(query))
        creq = "\n".join([method, path, cq,
                          "".join(n + ":" + low[n] + "\n" for n in names),
                          ";".join(names), low["x-log-content-sha256"]])
        day = low["x-log-date"][:8]
        scope = "/".join([day, self.region, "sls", "aliyun_v4_request"])
        sts = "\n".join(["SLS4-HMAC-SHA256", low["x-log-date"], scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
        k = ("aliyun_v4" + self.secret).encode()
        for part in (day, self.region, "sls", "aliyun_v4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        return "SLS4-HMAC-SHA256 Credential=%s/%s,Signature=%s" % (
            self.ak, scope, sig)

    # Shorthands for the APIs.
    def get_logstore(self, name, **kw):
        return self.request("GET", "/logstores/" + name, **kw)

    def update_logstore(self, name, body, **kw):
        return self.request("PUT", "/logstores/" + name, body=body, **kw)

    def create_logstore(self, body, **kw):
        return self.request("POST", "/logstores", body=body, **kw)

    def update_encryption(self, name, body, **kw):
        return self.request("PUT", "/logstores/%s/encryption" % name,
                            body=body, **kw)


class RpcClient:
    """Signs RPC calls: V1 as GET, POST with a form body, or POST with the
    query in the URL; or ACS3-HMAC-SHA256 (query or form body)."""

    VERSIONS = {"ram": "2015-05-01", "kms": "2016-01-20",
                "sts": "2015-04-01", "resourcemanager": "2020-03-31"}

    def __init__(self, port, product, region=REGION, ak=AK, secret=SECRET,
                 token=None, style="get", host=None):
        self.http = Http(port)
        self.product = product
        self.host = host or {"ram": "ram.aliyuncs.com",
                             "sts": "sts.aliyuncs.com",
                             "resourcemanager":
                                 "resourcemanager.aliyuncs.com",
                             "kms": "kms.%s.aliyuncs.com" % region}[product]
        self.ak, self.secret, self.token, self.style = ak, secret, token, style

    def call(self, action, params=None, t=None, nonce=None, version=None,
             common=None, after_sign=None, quote=enc):
        """One call; `common` overrides common parameters (None deletes);
        `quote` encodes the parameters on the wire (not for signing)."""
        t = time.time() if t is None else t
        nonce = nonce or uuid.uuid4().hex
        version = version or self.VERSIONS[self.product]
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        if self.style in ("acs3", "acs3-form"):
            return self._acs3(action, dict(params or {}), stamp, nonce,
                              version, after_sign)
        p = {"Action": action, "Version": version, "Format": "JSON",
             "AccessKeyId": self.ak, "SignatureMethod": "HMAC-SHA1",
             "SignatureVersion": "1.0", "SignatureNonce": nonce,
             "Timestamp": stamp}
        if self.token:
            p["SecurityToken"] = self.token
        p.update(params or {})
        for k, v in (common or {}).items():
            p.pop(k, None)
            if v is not None:
                p[k] = v
        method = "GET" if self.style == "get" else "POST"
        canon = "&".join(enc(k) + "=" + enc(p[k]) for k in sorted(p))
        text = method + "&%2F&" + enc(canon)
        mac = hmac.new((self.secret + "&").encode(), text.encode(),
                       hashlib.sha1).digest()
        p["Signature"] = base64.b64encode(mac).decode()
        if after_sign:
            after_sign(p)
        query = "&".join(quote(k) + "=" + quote(v) for k, v in p.items())
        headers = {"Host": self.host}
        if self.style == "post-form":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.http.send("POST", "/", headers, query.encode())
        return self.http.send(method, "/?" + query, headers)

    def _acs3(self, action, params, stamp, nonce, version, after_sign):
        """ACS3 with the parameters in the query, or (acs3-form) in an
        urlencoded body covered by x-acs-content-sha256 only."""
        body = b""
        if self.style == "acs3-form":
            body = "&".join(enc(k) + "=" + enc(v)
                            for k, v in params.items()).encode()
            params = {}
        h = {"host": self.host, "x-acs-action": action,
             "x-acs-version": version, "x-acs-date": stamp,
             "x-acs-signature-nonce": nonce,
             "x-acs-content-sha256": hashlib.sha256(body).hexdigest()}
        if self.token:
            h["x-acs-security-token"] = self.token
        if body:
            h["content-type"] = "application/x-www-form-urlencoded"
        cq = "&".join(enc(k) + "=" + enc(params[k]) for k in sorted(params))
        names = sorted(h)
        creq = "\n".join(["POST", "/", cq,
                          "".join(n + ":" + h[n].strip() + "\n"
                                  for n in names),
                          ";".join(names), h["x-acs-content-sha256"]])
        sts = "ACS3-HMAC-SHA256\n" + hashlib.sha256(creq.encode()).hexdigest()
        sig = hmac.new(self.secret.encode(), sts.encode(),
                       hashlib.sha256).hexdigest()
        h["Authorization"] = ("ACS3-HMAC-SHA256 Credential=%s,SignedHeaders="
                              "%s,Signature=%s" % (self.ak, ";".join(names),
                                                   sig))
        if after_sign:
            body = after_sign(h) or body    # may tamper with the body too
        target = "/" + ("?" + cq if cq else "")
        return self.http.send("POST", target, h, body)


class EmulatorCase(unittest.TestCase):
    """Starts an in-process emulator over base_state() for each test."""

    options = {}

    def state(self):
        """The state the test starts from (override to change it)."""
        return base_state()

    def setUp(self):
        self.emu = launch(build_app(self.state(), **self.options))
        self.port = self.emu.port
        self.addCleanup(self.emu.stop)

    def sls(self, project="proj-a", **kw):
        """An SLS client for a project (None: the region endpoint)."""
        c = SlsClient(self.port, project, **kw)
        self.addCleanup(c.http.close)
        return c

    def rpc(self, product, **kw):
        """An RPC client of ram, kms or sts."""
        c = RpcClient(self.port, product, **kw)
        self.addCleanup(c.http.close)
        return c

    def control(self, method, path, body=None):
        """Calls a control endpoint; returns the Resp."""
        data = json.dumps(body).encode() if body is not None else b""
        h = Http(self.port)
        try:
            return h.send(method, "/__emulator/" + path, {"Host": "control"},
                          data)
        finally:
            h.close()

    def stored(self, project, name):
        """A logstore exactly as the emulator holds it (key order too),
        serialised, to prove a refused request left it untouched."""
        for p in self.emu.app.state.data["projects"]:
            if p["name"] == project:
                for ls in p["logstores"]:
                    if ls["logstoreName"] == name:
                        return json.dumps(ls)
        return None

    def assertError(self, resp, status, code):
        """An error answer with this status and code."""
        self.assertEqual((resp.status, resp.code), (status, code),
                         resp.body[:400])

    def assertOk(self, resp):
        self.assertEqual(resp.status, 200, resp.body[:400])
