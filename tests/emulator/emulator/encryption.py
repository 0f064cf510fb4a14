"""The encrypt_conf rules of SLS logstores.

A logstore's first encryption config is permanent: the mechanism (service
key or BYOK), the algorithm and the CMK (key id, role ARN, region) never
change; only `enable` toggles, and every UpdateLogStore of an encrypted
logstore carries the complete config.  BYOK needs an Enabled KMS key of the
project's account in the project's region and a role of that account trusted
by log.aliyuncs.com holding the two KMS system policies.

Every violation is 400 ParameterInvalid with a message naming the rule.
"""

import re

from . import kms, policydoc
from .errors import ApiError

ENCRYPT_TYPES = ("default", "m4", "sm4", "sm4_ecb", "sm4_cbc", "sm4_gcm",
                 "aes_ecb", "aes_cbc", "aes_cfb", "aes_ofb", "aes_gcm")
ROLE_POLICIES = ("AliyunKMSReadOnlyAccess", "AliyunKMSCryptoUserAccess")
SLS_SERVICE = "log.aliyuncs.com"

_ARN = re.compile(r"^acs:ram::(\d+):role/([A-Za-z0-9.-]{1,64})$")
_CMK_FIELDS = ("cmk_key_id", "arn", "region_id")


class Context:
    """Where a config is applied: the state, and the account and region of
    the project that owns the logstore."""

    def __init__(self, state, account, region):
        self.state = state
        self.account = account
        self.region = region


def _invalid(message):
    """The refusal every rule uses."""
    return ApiError(400, "ParameterInvalid", message)


def is_byok(conf):
    """A config is BYOK when its user_cmk_info is present and non-empty;
    an empty one (as the service returns for service keys) is not."""
    return bool(conf and conf.get("user_cmk_info"))


def established(conf):
    """Whether a stored config locks the logstore: one with an encrypt_type.
    A bare {"enable": false} never chose a mechanism."""
    return bool(conf) and "encrypt_type" in conf


def validate(conf):
    """Checks the shape of an encrypt_conf (snake_case) and returns a copy."""
    if not isinstance(conf, dict):
        raise _invalid("encrypt_conf must be a JSON object")
    unknown = set(conf) - {"enable", "encrypt_type", "user_cmk_info"}
    if unknown:
        raise _invalid("encrypt_conf has unknown keys: %s"
                       % ", ".join(sorted(unknown)))
    if "enable" not in conf:
        raise _invalid("encrypt_conf.enable is required")
    if not isinstance(conf["enable"], bool):
        raise _invalid("encrypt_conf.enable must be a boolean")
    if "encrypt_type" in conf:
        if conf["encrypt_type"] not in ENCRYPT_TYPES:
            raise _invalid("encrypt_conf.encrypt_type %r is not valid; valid"
                           " values: %s" % (conf["encrypt_type"],
                                            ", ".join(ENCRYPT_TYPES)))
    elif conf["enable"]:
        raise _invalid("encrypt_conf.encrypt_type is required when enable "
                       "is true")
    info = conf.get("user_cmk_info")
    if info is not None:
        if not isinstance(info, dict):
            raise _invalid("encrypt_conf.user_cmk_info must be an object")
        unknown = set(info) - set(_CMK_FIELDS)
        if unknown:
            raise _invalid("user_cmk_info has unknown keys: %s"
                           % ", ".join(sorted(unknown)))
        if info:
            for field in _CMK_FIELDS:
                if not isinstance(info.get(field), str) or not info[field]:
                    raise _invalid("user_cmk_info.%s is required for BYOK "
                                   "(cmk_key_id, arn and region_id are all "
                                   "needed)" % field)
            if not _ARN.match(info["arn"]):
                raise _invalid("user_cmk_info.arn %r is not "
                               "acs:ram::<uid>:role/<name>" % info["arn"])
            if "encrypt_type" not in conf:
                raise _invalid("encrypt_conf.encrypt_type is required with "
                               "user_cmk_info")
    return {k: (dict(v) if isinstance(v, dict) else v)
            for k, v in conf.items()}


def apply(current, wanted, ctx):
    """The config to store when `wanted` (a full encrypt_conf, or None when
    the body has none) replaces `current`; raises when a rule forbids it.
    Nothing is changed here: the caller stores the result."""
    if wanted is None:
        if established(current):
            raise _invalid("this logstore is encrypted: every update must "
                           "carry its complete encrypt_conf (omitting it "
                           "would remove the encryption config)")
        return None
    new = validate(wanted)
    if not established(current):
        if is_byok(new):
            check_byok(new["user_cmk_info"], ctx)
        return new
    if "encrypt_type" not in new:
        raise _invalid("encrypt_conf is incomplete: encrypt_type %r must be "
                       "sent with every update" % current["encrypt_type"])
    if new["encrypt_type"] != current["encrypt_type"]:
        raise _invalid("encrypt_type can never change once set (it is %r, "
                       "the request asks for %r)"
                       % (current["encrypt_type"], new["encrypt_type"]))
    if is_byok(current) != is_byok(new):
        raise _invalid("the encryption mechanism can never change: this "
                       "logstore uses %s and the request asks for %s"
                       % (_mechanism(current), _mechanism(new)))
    if is_byok(new):
        old, want = current["user_cmk_info"], new["user_cmk_info"]
        for field in _CMK_FIELDS:
            a, b = old.get(field, ""), want[field]
            same = a.lower() == b.lower() if field == "arn" else a == b
            if not same:
                raise _invalid("user_cmk_info.%s can never change once set "
                               "(it is %r, the request asks for %r)"
                               % (field, a, b))
        if new["enable"] and not current.get("enable"):
            check_byok(new["user_cmk_info"], ctx)
    return new


def _mechanism(conf):
    """A human name for a config's mechanism."""
    return "BYOK (user_cmk_info)" if is_byok(conf) else "the service key"


def from_encryption_api(body, current):
    """Turns an UpdateLogStoreEncryption body (camelCase) into the full
    snake_case config it asks for: on an encrypted logstore the omitted
    fields keep their values, so {"enable": false} just toggles."""
    if not isinstance(body, dict):
        raise _invalid("the body must be a JSON object")
    unknown = set(body) - {"enable", "encryptType", "userCmkInfo"}
    if unknown:
        raise _invalid("unknown keys: %s" % ", ".join(sorted(unknown)))
    if not isinstance(body.get("enable"), bool):
        raise _invalid("enable is required and must be a boolean")
    wanted = dict(current) if established(current) else {}
    wanted["enable"] = body["enable"]
    if "encryptType" in body:
        wanted["encrypt_type"] = body["encryptType"]
    elif not established(current):
        raise _invalid("encryptType is required to create the encryption "
                       "config")
    if "userCmkInfo" in body:
        info = body["userCmkInfo"]
        if not isinstance(info, dict):
            raise _invalid("userCmkInfo must be an object")
        names = {"keyId": "cmk_key_id", "roleArn": "arn",
                 "regionId": "region_id"}
        unknown = set(info) - set(names)
        if unknown:
            raise _invalid("userCmkInfo has unknown keys: %s"
                           % ", ".join(sorted(unknown)))
        wanted["user_cmk_info"] = {names[k]: v for k, v in info.items()}
    return wanted


def check_byok(info, ctx):
    """The BYOK prerequisites: the CMK is an Enabled key of the project's
    account in the project's region, and the role is a role of that account
    trusted by log.aliyuncs.com with both KMS system policies."""
    if info["region_id"] != ctx.region:
        raise _invalid("user_cmk_info.region_id %s must be the region of "
                       "the project (%s)" % (info["region_id"], ctx.region))
    key = ctx.state.key(ctx.account, ctx.region, info["cmk_key_id"])
    if key is None:
        raise _invalid("CMK %s does not exist in KMS of account %s in "
                       "region %s" % (info["cmk_key_id"], ctx.account,
                                      ctx.region))
    if kms.key_state(key) != "Enabled":
        raise _invalid("CMK %s is %s; BYOK needs an Enabled key"
                       % (info["cmk_key_id"], kms.key_state(key)))
    uid, name = _ARN.match(info["arn"]).groups()
    if uid != ctx.account:
        raise _invalid("role %s belongs to account %s, not to the project's "
                       "account %s" % (info["arn"], uid, ctx.account))
    role = ctx.state.role(ctx.account, name)
    if role is None:
        raise _invalid("role %s does not exist" % info["arn"])
    if not policydoc.trusts_service(role.get("AssumeRolePolicyDocument", ""),
                                    SLS_SERVICE):
        raise _invalid("role %s is not trusted by %s (its "
                       "AssumeRolePolicyDocument must name that service)"
                       % (info["arn"], SLS_SERVICE))
    held = {p.get("PolicyName") for p in role.get("policies", [])
            if p.get("PolicyType") == "System"}
    missing = [p for p in ROLE_POLICIES if p not in held]
    if missing:
        raise _invalid("role %s lacks the system policies %s"
                       % (info["arn"], ", ".join(missing)))


def data_plane_error(conf, ctx):
    """Why reads and writes of a BYOK logstore fail now (its CMK missing,
    Disabled, PendingDeletion, PendingImport), or None.  Named after the
    KMS rejection so the reason is plain."""
    if not is_byok(conf):
        return None
    info = conf["user_cmk_info"]
    key = ctx.state.key(ctx.account, info.get("region_id"),
                        info.get("cmk_key_id"))
    if key is None:
        return ApiError(403, "Forbidden.KeyNotFound", "the CMK %s of this "
                        "logstore does not exist; reads and writes fail"
                        % info.get("cmk_key_id"))
    state = kms.key_state(key)
    if state == "Enabled":
        return None
    return ApiError(403, "Rejected." + str(state), "the CMK %s of this "
                    "logstore is %s in KMS; reads and writes fail until it "
                    "is Enabled" % (info["cmk_key_id"], state))
