"""KMS (2016-01-20): keys and aliases of the region in the Host header."""

import json
import re

from . import clock as clk
from .errors import ApiError

VERSION = "2016-01-20"

_ALIAS = re.compile(r"^alias/[a-zA-Z0-9:/_-]{1,249}$")
_FILTER_KEYS = ("KeyState", "KeySpec", "KeyUsage", "ProtectionLevel",
                "CreatorType")
_INTERNAL = ("account", "region")



def key_state(key):
    """The KeyState of a stored key: a state file may leave it out, and
    then the key is Enabled, for KMS and for the SLS BYOK rules alike."""
    return key.get("KeyState", "Enabled")

def key_metadata(key):
    """A key's KeyMetadata: documented defaults overlaid with whatever the
    state holds for it (its own KeyMetadata fields win)."""
    meta = {
        "KeyId": key["KeyId"],
        "Arn": "acs:kms:%s:%s:key/%s" % (key["region"], key["account"],
                                         key["KeyId"]),
        "KeySpec": "Aliyun_AES_256",
        "KeyUsage": "ENCRYPT/DECRYPT",
        "KeyState": "Enabled",
        "Origin": "Aliyun_KMS",
        "ProtectionLevel": "SOFTWARE",
        "CreationDate": "2020-01-01T00:00:00Z",
        "Creator": key["account"],
        "Description": "",
        "PrimaryKeyVersion": key["KeyId"] + "-v1",
        "AutomaticRotation": "Disabled",
        "DeletionProtection": "Disabled",
        "MaterialExpireTime": "",
    }
    meta.update((k, v) for k, v in key.items() if k not in _INTERNAL)
    if meta["KeyState"] != "PendingDeletion":
        meta.pop("DeleteDate", None)
    return meta


def _key(call, param="KeyId"):
    """The key a call names by id or alias/..., in the host's region."""
    ref = call.require(param)
    account, region = call.principal.account, call.region
    if ref.startswith("alias/"):
        alias = next((a for a in call.state.aliases_in(account, region)
                      if a["AliasName"] == ref), None)
        if alias is None:
            raise ApiError(404, "Forbidden.AliasNotFound",
                           "The specified Alias is not found.")
        ref = alias["KeyId"]
    key = call.state.key(account, region, ref)
    if key is None:
        raise ApiError(404, "Forbidden.KeyNotFound",
                       "The specified Key is not found.")
    return key


def _page(call):
    """PageNumber (>= 1) and PageSize (1..100) of a list call."""
    return (call.integer("PageNumber", 1, 1, 10 ** 9),
            call.integer("PageSize", 10, 1, 100))


def _key_filter(call):
    """ListKeys Filters: a JSON list of {Key, Values}; keys combine with AND,
    values with OR.  Returns a predicate over KeyMetadata."""
    raw = call.get("Filters")
    if raw is None:
        return lambda meta: True
    bad = ApiError(400, "InvalidParameter", "The parameter Filters must be "
                   "a JSON list of at most 10 {Key, Values} with Key one of "
                   + ", ".join(_FILTER_KEYS) + ".")
    try:
        filters = json.loads(raw)
    except ValueError:
        raise bad from None
    if not isinstance(filters, list) or len(filters) > 10:
        raise bad
    wanted = []
    for f in filters:
        if not isinstance(f, dict) or f.get("Key") not in _FILTER_KEYS \
                or not isinstance(f.get("Values"), list) \
                or not all(isinstance(v, str) for v in f["Values"]):
            raise bad
        wanted.append((f["Key"], set(f["Values"])))

    def accepts(meta):
        creator = "User" if meta.get("Creator") else "Service"
        return all((creator if k == "CreatorType" else meta.get(k)) in vs
                   for k, vs in wanted)
    return accepts


def describe_key(call):
    """DescribeKey: succeeds in every key state."""
    return {"KeyMetadata": key_metadata(_key(call))}


def list_keys(call):
    """ListKeys, paged, optionally filtered."""
    number, size = _page(call)
    accepts = _key_filter(call)
    keys = [k for k in call.state.keys_in(call.principal.account, call.region)
            if accepts(key_metadata(k))]
    page = keys[(number - 1) * size:number * size]
    return {"Keys": {"Key": [{"KeyId": k["KeyId"],
                              "KeyArn": key_metadata(k)["Arn"]}
                             for k in page]},
            "TotalCount": len(keys), "PageNumber": number, "PageSize": size}


def _alias_view(alias):
    """One alias as ListAliases lists it."""
    return {"AliasName": alias["AliasName"],
            "AliasArn": "acs:kms:%s:%s:%s" % (alias["region"],
                                              alias["account"],
                                              alias["AliasName"]),
            "KeyId": alias["KeyId"]}


def _alias_page(call, aliases):
    """A page of aliases in the ListAliases shape."""
    number, size = _page(call)
    page = aliases[(number - 1) * size:number * size]
    return {"Aliases": {"Alias": [_alias_view(a) for a in page]},
            "TotalCount": len(aliases), "PageNumber": number,
            "PageSize": size}


def list_aliases(call):
    """ListAliases."""
    return _alias_page(call, call.state.aliases_in(call.principal.account,
                                                   call.region))


def list_aliases_by_key_id(call):
    """ListAliasesByKeyId."""
    key = _key(call)
    return _alias_page(call, [a for a in call.state.aliases_in(
        call.principal.account, call.region) if a["KeyId"] == key["KeyId"]])


def create_alias(call):
    """CreateAlias: alias/<name>, unique in the account and region."""
    name = call.require("AliasName")
    if not _ALIAS.match(name) or name.startswith("alias/acs"):
        raise ApiError(400, "InvalidParameter", "The parameter AliasName "
                       "must be alias/ followed by letters, digits, "
                       ": / _ - and may not start with alias/acs.")
    key = _key(call, "TargetKeyId")
    account, region = call.principal.account, call.region
    if any(a["AliasName"] == name
           for a in call.state.aliases_in(account, region)):
        raise ApiError(409, "EntityAlreadyExists.Alias",
                       "The specified alias already exists.")
    call.state.data["aliases"].append(
        {"account": account, "region": region, "AliasName": name,
         "KeyId": key["KeyId"]})
    return {}


def _set_state(call, new_state):
    """EnableKey/DisableKey: refused for keys pending deletion or import."""
    key = _key(call)
    if key_state(key) in ("PendingDeletion", "PendingImport"):
        raise ApiError(409, "Rejected.StateModifiedFailed", "The key state "
                       "%s cannot be changed." % key["KeyState"])
    key["KeyState"] = new_state
    return {}


def enable_key(call):
    """EnableKey."""
    return _set_state(call, "Enabled")


def disable_key(call):
    """DisableKey."""
    return _set_state(call, "Disabled")


def schedule_key_deletion(call):
    """ScheduleKeyDeletion: PendingDeletion with a DeleteDate 7..366 days
    ahead."""
    key = _key(call)
    call.require("PendingWindowInDays")
    days = call.integer("PendingWindowInDays", None, 7, 366)
    if key_state(key) == "PendingDeletion":
        raise ApiError(409, "Rejected.StateModifiedFailed",
                       "The key is already pending deletion.")
    if key.get("DeletionProtection") == "Enabled":
        raise ApiError(403, "Forbidden.DeletionProtection", "The key is "
                       "protected against deletion.")
    key["KeyState"] = "PendingDeletion"
    key["DeleteDate"] = clk.iso8601(call.now() + days * 86400)
    return {}


def cancel_key_deletion(call):
    """CancelKeyDeletion: the key returns to Enabled."""
    key = _key(call)
    if key.get("KeyState") != "PendingDeletion":
        raise ApiError(409, "Rejected.StateModifiedFailed",
                       "The key is not pending deletion.")
    key["KeyState"] = "Enabled"
    key.pop("DeleteDate", None)
    return {}


ACTIONS = {
    "DescribeKey": describe_key,
    "ListKeys": list_keys,
    "ListAliases": list_aliases,
    "ListAliasesByKeyId": list_aliases_by_key_id,
    "CreateAlias": create_alias,
    "EnableKey": enable_key,
    "DisableKey": disable_key,
    "ScheduleKeyDeletion": schedule_key_deletion,
    "CancelKeyDeletion": cancel_key_deletion,
}
