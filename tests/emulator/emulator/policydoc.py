"""RAM policy documents: syntax checks and the two trust questions the
emulator asks (does a role trust a service, does it trust a caller)."""

import json


def parse(text):
    """Parses a policy document; raises ValueError naming what is wrong.
    The grammar checked is the one RAM enforces: a JSON object with
    Version "1" and a non-empty Statement list of Allow/Deny statements
    that each have an Action."""
    try:
        doc = json.loads(text)
    except (TypeError, ValueError) as e:
        raise ValueError("not JSON: %s" % e) from None
    if not isinstance(doc, dict):
        raise ValueError("the document must be a JSON object")
    if doc.get("Version") != "1":
        raise ValueError('Version must be "1"')
    statements = doc.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise ValueError("Statement must be a non-empty list")
    for st in statements:
        if not isinstance(st, dict):
            raise ValueError("each Statement must be an object")
        if st.get("Effect") not in ("Allow", "Deny"):
            raise ValueError("Effect must be Allow or Deny")
        if not st.get("Action"):
            raise ValueError("each Statement needs an Action")
    return doc


def _as_list(v):
    """A policy field that may be a string or a list, as a list."""
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _assume_statements(text):
    """The Allow statements of a trust policy granting sts:AssumeRole;
    an unparsable document grants nothing."""
    try:
        doc = parse(text)
    except ValueError:
        return []
    return [st for st in doc["Statement"]
            if st["Effect"] == "Allow"
            and any(a in ("sts:AssumeRole", "sts:*", "*")
                    for a in _as_list(st["Action"]))
            and isinstance(st.get("Principal"), dict)]


def trusts_service(text, service):
    """Whether a trust policy lets a cloud service (e.g. log.aliyuncs.com)
    assume the role."""
    return any(service in _as_list(st["Principal"].get("Service"))
               for st in _assume_statements(text))


def trusts_caller(text, account, arn):
    """Whether a trust policy lets a caller of `account` whose own ARN is
    `arn` assume the role: a RAM principal naming the account (uid or
    acs:ram::<uid>:root), the caller's exact ARN, or "*"."""
    accepted = {"*", account, "acs:ram::%s:root" % account, arn.lower()}
    for st in _assume_statements(text):
        for p in _as_list(st["Principal"].get("RAM")):
            if isinstance(p, str) and p.lower() in accepted:
                return True
    return False
