"""Canonicalisation and HMAC for SLS V1, SLS V4, RPC V1 and ACS3-HMAC-SHA256.

Pure functions: no clock, no state, no network.  This is the emulator's own
implementation, written from the specification and checked against the
published SDK vectors; it deliberately shares nothing with the C client's
signer so that the two check each other.

Inputs are always decoded: `query` is a list of (name, value) pairs of
decoded strings, `headers` maps lower-case names to lists of values.
"""

import base64
import hashlib
import hmac

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def percent_encode(s):
    """RFC 3986 encoding of the UTF-8 bytes of s: only A-Z a-z 0-9 - _ . ~
    stay literal, everything else is %XX with upper-case hex."""
    out = []
    for b in s.encode("utf-8"):
        out.append(chr(b) if b in _UNRESERVED else "%%%02X" % b)
    return "".join(out)


def _joined(values):
    """Several values of one header, as SLS sees them: trimmed, joined."""
    return ",".join(v.strip() for v in values)


def _sorted_pairs(query):
    """Query pairs in byte order of name, then value, which is also the order
    of Python's code point comparison for UTF-8 strings."""
    return sorted(query, key=lambda kv: (kv[0].encode(), kv[1].encode()))


# --- SLS V1 -----------------------------------------------------------------

def sls_v1_string_to_sign(method, raw_path, query, headers):
    """The SLS V1 StringToSign: verb, Content-MD5, Content-Type, Date, the
    x-log-/x-acs- headers sorted by lower-case name (x-log-date excluded: the
    service documents that it does not take part), then the path as sent and
    the decoded, unescaped query sorted by name."""
    def one(name):
        return _joined(headers.get(name, []))
    canon = ""
    for name in sorted(headers):
        if name == "x-log-date":
            continue
        if name.startswith("x-log-") or name.startswith("x-acs-"):
            canon += "%s:%s\n" % (name, one(name))
    resource = raw_path
    if query:
        resource += "?" + "&".join(
            "%s=%s" % kv for kv in _sorted_pairs(query))
    return "\n".join([method, one("content-md5"), one("content-type"),
                      one("date"), canon + resource])


def sls_v1_signature(secret, string_to_sign, method="hmac-sha1"):
    """Base64 HMAC of the StringToSign; `method` is the value of the
    x-log-signaturemethod header (hmac-sha1 or hmac-sha256)."""
    digest = {"hmac-sha1": hashlib.sha1,
              "hmac-sha256": hashlib.sha256}[method]
    mac = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"),
                   digest).digest()
    return base64.b64encode(mac).decode("ascii")


# --- SLS V4 -----------------------------------------------------------------

def _sls_v4_signed(name):
    """Whether SLS V4 signs a header: host, content-type, x-log-* (except
    the unsigned x-log-meta-*) and x-acs-*."""
    if name in ("host", "content-type") or name.startswith("x-acs-"):
        return True
    return name.startswith("x-log-") and not name.startswith("x-log-meta-")


def sls_v4_canonical_request(method, raw_path, query, headers):
    """The SLS V4 CanonicalRequest.  The query keeps names as they are and
    percent-encodes values; an empty value leaves the name alone."""
    names = sorted(n for n in headers if _sls_v4_signed(n))
    canon_headers = "".join(
        "%s:%s\n" % (n, _joined(headers[n])) for n in names)
    canon_query = "&".join(
        k if v == "" else "%s=%s" % (k, percent_encode(v))
        for k, v in _sorted_pairs(query))
    payload = _joined(headers.get("x-log-content-sha256", []))
    return "\n".join([method, raw_path, canon_query, canon_headers,
                      ";".join(names), payload])


def sls_v4_scope(date, region):
    """The credential scope: YYYYMMDD/region/sls/aliyun_v4_request."""
    return "%s/%s/sls/aliyun_v4_request" % (date, region)


def sls_v4_signature(secret, x_log_date, region, canonical_request):
    """Hex HMAC-SHA256 of the V4 StringToSign with the key derived from the
    secret, the date (first 8 characters of x-log-date) and the region."""
    date = x_log_date[:8]
    string_to_sign = "\n".join([
        "SLS4-HMAC-SHA256", x_log_date, sls_v4_scope(date, region),
        hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
    key = ("aliyun_v4" + secret).encode("utf-8")
    for part in (date, region, "sls", "aliyun_v4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()


# --- RPC V1 -----------------------------------------------------------------

def rpc_v1_string_to_sign(method, params):
    """METHOD&%2F&enc(canonical query) where the canonical query is every
    parameter except Signature, sorted by name, each side encoded."""
    canon = "&".join(
        "%s=%s" % (percent_encode(k), percent_encode(v))
        for k, v in _sorted_pairs(params) if k != "Signature")
    return "%s&%s&%s" % (method, percent_encode("/"), percent_encode(canon))


def rpc_v1_signature(secret, string_to_sign):
    """Base64 HMAC-SHA1 keyed with the secret followed by "&"."""
    mac = hmac.new((secret + "&").encode("utf-8"),
                   string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(mac).decode("ascii")


# --- ACS3-HMAC-SHA256 -------------------------------------------------------

def acs3_canonical_request(method, raw_path, query, headers, signed_names):
    """The ACS3 CanonicalRequest over the headers the client says it signed
    (values trimmed; repeated values sorted and joined with ",")."""
    canon_query = "&".join(
        "%s=%s" % (percent_encode(k), percent_encode(v))
        for k, v in _sorted_pairs(query))
    names = sorted(signed_names)
    canon_headers = "".join(
        "%s:%s\n" % (n, ",".join(sorted(v.strip() for v in headers[n])))
        for n in names)
    payload = ",".join(headers.get("x-acs-content-sha256", []))
    return "\n".join([method, raw_path, canon_query, canon_headers,
                      ";".join(names), payload])


def acs3_signature(secret, canonical_request):
    """Hex HMAC-SHA256 (keyed with the bare secret) of
    "ACS3-HMAC-SHA256\\n" + hex(SHA-256(CanonicalRequest))."""
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(
        canonical_request.encode("utf-8")).hexdigest()
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()
