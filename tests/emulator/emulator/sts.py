"""STS (2015-04-01): caller identity, and AssumeRole issuing temporary
credentials that work on every service of the emulator until they expire."""

import hashlib
import re
import secrets

from . import clock as clk
from . import policydoc
from .errors import ApiError
from .ram import role_id

VERSION = "2015-04-01"

_ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/([A-Za-z0-9.-]{1,64})$")
_SESSION = re.compile(r"^[A-Za-z0-9.@_-]{2,64}$")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"


def _random(n):
    """n random characters of a base58-like alphabet."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def user_id(account, name):
    """A stable numeric UserId for a RAM user known only by name."""
    h = hashlib.sha256(("%s/user/%s" % (account, name)).encode()).hexdigest()
    return str(int(h[:15], 16)).rjust(16, "2")


def caller_arn(principal):
    """The ARN of a caller: root account, RAM user or assumed-role session."""
    if principal.assumed:
        return "acs:ram::%s:assumed-role/%s/%s" % (
            principal.account, principal.assumed["RoleName"].lower(),
            principal.assumed["session"])
    if principal.user:
        return "acs:ram::%s:user/%s" % (principal.account, principal.user)
    return "acs:ram::%s:root" % principal.account


def issue(state, now, account, role, session, duration):
    """Creates temporary credentials for a session of `role` (None: of the
    account itself), stores them as an access key of the account, and
    returns the key entry."""
    key = {"id": "STS.NT" + _random(26), "secret": _random(44),
           "security_token": "CAIS" + _random(160),
           "expiration": clk.iso8601(now + duration),
           "issued": clk.iso8601(now)}
    if role is not None:
        key["assumed_role"] = {"RoleName": role["RoleName"],
                               "RoleId": role_id(role), "session": session}
    state.add_access_key(account, key)
    return key


def credentials_view(key):
    """The Credentials object of an issued key."""
    return {"AccessKeySecret": key["secret"], "Expiration": key["expiration"],
            "SecurityToken": key["security_token"],
            "AccessKeyId": key["id"]}


def get_caller_identity(call):
    """GetCallerIdentity."""
    p = call.principal
    answer = {"AccountId": p.account, "Arn": caller_arn(p),
              "IdentityType": p.kind}
    if p.assumed:
        answer["RoleId"] = p.assumed["RoleId"]
        answer["PrincipalId"] = "%s:%s" % (p.assumed["RoleId"],
                                           p.assumed["session"])
    elif p.user:
        answer["UserId"] = answer["PrincipalId"] = user_id(p.account, p.user)
    else:
        answer["UserId"] = answer["PrincipalId"] = p.account
    return answer


def assume_role(call):
    """AssumeRole: allowed when the role's trust policy has a RAM principal
    naming the caller's account (uid, acs:ram::<uid>:root), the caller's
    own ARN, or "*"."""
    m = _ROLE_ARN.match(call.require("RoleArn"))
    if not m:
        raise ApiError(400, "InvalidParameter.RoleArn", "The parameter "
                       "RoleArn is not acs:ram::<uid>:role/<name>.")
    session = call.require("RoleSessionName")
    if not _SESSION.match(session):
        raise ApiError(400, "InvalidParameter.RoleSessionName", "The "
                       "parameter RoleSessionName must be 2-64 characters "
                       "of letters, digits and . @ - _")
    policy = call.get("Policy")
    if policy is not None:
        if len(policy) > 2048:
            raise ApiError(400, "InvalidParameter.PolicySize", "The "
                           "parameter Policy is longer than 2048.")
        try:
            policydoc.parse(policy)
        except ValueError as e:
            raise ApiError(400, "InvalidParameter.PolicyGrammar", "The "
                           "parameter Policy is malformed: %s." % e) from None
    account, name = m.groups()
    if call.state.suspended(account):
        raise ApiError(403, "Forbidden.AccountSuspended", "The account %s "
                       "that owns the role is suspended." % account)
    role = call.state.role(account, name)
    if role is None:
        raise ApiError(404, "EntityNotExist.Role",
                       "The role not exists: %s." % name)
    maximum = int(role.get("MaxSessionDuration", 3600))
    duration = call.integer("DurationSeconds", 3600, 900, maximum,
                            "InvalidParameter.DurationSeconds")
    arn = caller_arn(call.principal)
    if not policydoc.trusts_caller(role.get("AssumeRolePolicyDocument", ""),
                                   call.principal.account, arn):
        raise ApiError(403, "NoPermission", "You are not authorized to do "
                       "this action. The trust policy of role %s does not "
                       "name %s." % (name, arn))
    key = issue(call.state, call.now(), account, role, session, duration)
    rid = key["assumed_role"]["RoleId"]
    return {"Credentials": credentials_view(key),
            "AssumedRoleUser": {
                "Arn": "acs:ram::%s:assumed-role/%s/%s" % (
                    account, role["RoleName"].lower(), session),
                "AssumedRoleId": "%s:%s" % (rid, session)}}


ACTIONS = {
    "GetCallerIdentity": get_caller_identity,
    "AssumeRole": assume_role,
}
