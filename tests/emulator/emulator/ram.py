"""RAM (2015-05-01): roles, policies, and their attachments to roles and
users."""

import base64
import hashlib
import json
import re

from . import clock as clk
from . import policydoc
from .errors import ApiError

VERSION = "2015-05-01"

_ROLE_NAME = re.compile(r"^[A-Za-z0-9.-]+$")
_POLICY_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_EPOCH_DATE = "2020-01-01T00:00:00Z"


def _doc(actions, resource="*"):
    """A one-statement Allow policy document, as RAM stores system ones."""
    return json.dumps({"Version": "1", "Statement": [
        {"Action": actions, "Resource": resource, "Effect": "Allow"}]})


# The built-in system policies the emulator knows (name -> description,
# document).  Attaching any other System policy is EntityNotExist.Policy.
SYSTEM_POLICIES = {
    "AdministratorAccess": ("Full access to all cloud resources",
                            _doc("*")),
    "AliyunKMSReadOnlyAccess": ("Read-only access to KMS",
                                _doc(["kms:List*", "kms:Describe*",
                                      "kms:Get*"])),
    "AliyunKMSCryptoUserAccess": ("Use KMS keys for cryptographic "
                                  "operations",
                                  _doc(["kms:List*", "kms:Describe*",
                                        "kms:Encrypt", "kms:Decrypt",
                                        "kms:GenerateDataKey*"])),
    "AliyunKMSFullAccess": ("Full access to KMS", _doc("kms:*")),
    "AliyunLogFullAccess": ("Full access to Log Service", _doc("log:*")),
    "AliyunLogReadOnlyAccess": ("Read-only access to Log Service",
                                _doc(["log:Get*", "log:List*"])),
    "AliyunLogRolePolicy": ("Policy of the Log Service role",
                            _doc(["log:*"])),
    "AliyunRAMFullAccess": ("Full access to RAM", _doc("ram:*")),
    "AliyunRAMReadOnlyAccess": ("Read-only access to RAM",
                                _doc(["ram:Get*", "ram:List*"])),
    "AliyunSTSAssumeRoleAccess": ("Call STS AssumeRole",
                                  _doc("sts:AssumeRole")),
}


def role_arn(account, name):
    """A role's ARN.  RAM writes the role name in lower case there (as the
    console and the SLS BYOK examples show); compare ARNs ignoring case."""
    return "acs:ram::%s:role/%s" % (account, name.lower())


def role_id(role):
    """A role's RoleId: the stored one, or a stable 19-digit id derived from
    account and name for roles written into a state file without one."""
    if role.get("RoleId"):
        return role["RoleId"]
    h = hashlib.sha256(("%s/%s" % (role["account"], role["RoleName"].lower())
                        ).encode()).hexdigest()
    return str(int(h[:16], 16) % 10 ** 19).rjust(19, "3")


def role_view(role, with_document=True):
    """A role as GetRole answers it (ListRoles leaves out the document)."""
    view = {
        "RoleId": role_id(role),
        "RoleName": role["RoleName"],
        "Arn": role_arn(role["account"], role["RoleName"]),
        "Description": role.get("Description", ""),
        "CreateDate": role.get("CreateDate", _EPOCH_DATE),
        "UpdateDate": role.get("UpdateDate",
                               role.get("CreateDate", _EPOCH_DATE)),
        "MaxSessionDuration": int(role.get("MaxSessionDuration", 3600)),
    }
    if with_document:
        view["AssumeRolePolicyDocument"] = role.get(
            "AssumeRolePolicyDocument", "")
    return view


def _role(call, name=None):
    """The named role of the caller's account, or EntityNotExist.Role."""
    name = name or call.require("RoleName")
    role = call.state.role(call.principal.account, name)
    if role is None:
        raise ApiError(404, "EntityNotExist.Role",
                       "The role not exists: %s." % name)
    return role


def _check_role_name(name):
    """RoleName: 1-64 characters of letters, digits, '.' and '-'."""
    if len(name) > 64:
        raise ApiError(400, "InvalidParameter.RoleName.Length",
                       "The parameter \"RoleName\" is beyond the length "
                       "limit 64.")
    if not _ROLE_NAME.match(name):
        raise ApiError(400, "InvalidParameter.RoleName.InvalidChars",
                       "The parameter \"RoleName\" contains invalid "
                       "chars.")


def _check_trust_document(text):
    """A trust policy: at most 2048 characters, valid grammar, and a
    Principal in every statement."""
    if len(text) > 2048:
        raise ApiError(400, "InvalidParameter.AssumeRolePolicyDocument."
                       "Length", "The parameter \"AssumeRolePolicyDocument\""
                       " is beyond the length limit 2048.")
    try:
        doc = policydoc.parse(text)
    except ValueError as e:
        raise ApiError(400, "MalformedPolicyDocument",
                       "The policy document is malformed: %s." % e) from None
    if not all(isinstance(st.get("Principal"), dict)
               for st in doc["Statement"]):
        raise ApiError(400, "MalformedPolicyDocument", "The policy document "
                       "is malformed: a trust policy statement needs a "
                       "Principal.")


def _check_description(text):
    """Descriptions hold at most 1024 characters."""
    if text is not None and len(text) > 1024:
        raise ApiError(400, "InvalidParameter.Description.Length",
                       "The parameter \"Description\" is beyond the length "
                       "limit 1024.")


def _session_duration(call, name):
    """MaxSessionDuration-style parameter: 3600..43200 seconds."""
    return call.integer(name, None, 3600, 43200,
                        "InvalidParameter.MaxSessionDuration")


def create_role(call):
    """CreateRole."""
    name = call.require("RoleName")
    _check_role_name(name)
    document = call.require("AssumeRolePolicyDocument")
    _check_trust_document(document)
    description = call.get("Description", "")
    _check_description(description)
    duration = _session_duration(call, "MaxSessionDuration") or 3600
    account = call.principal.account
    if call.state.role(account, name):
        raise ApiError(409, "EntityAlreadyExists.Role",
                       "The role already exists: %s." % name)
    now = clk.iso8601(call.now())
    role = {"account": account, "RoleName": name,
            "AssumeRolePolicyDocument": document,
            "Description": description, "MaxSessionDuration": duration,
            "CreateDate": now, "UpdateDate": now, "policies": []}
    role["RoleId"] = role_id(role)
    call.state.data["roles"].append(role)
    return {"Role": role_view(role)}


def get_role(call):
    """GetRole."""
    return {"Role": role_view(_role(call))}


def update_role(call):
    """UpdateRole: the New* parameters that are given replace the old."""
    role = _role(call)
    document = call.get("NewAssumeRolePolicyDocument")
    if document is not None:
        _check_trust_document(document)
    description = call.get("NewDescription")
    _check_description(description)
    duration = _session_duration(call, "NewMaxSessionDuration")
    if document is not None:
        role["AssumeRolePolicyDocument"] = document
    if description is not None:
        role["Description"] = description
    if duration is not None:
        role["MaxSessionDuration"] = duration
    role["UpdateDate"] = clk.iso8601(call.now())
    return {"Role": role_view(role)}


def delete_role(call):
    """DeleteRole: refused while policies are attached."""
    role = _role(call)
    if role.get("policies"):
        raise ApiError(409, "DeleteConflict.Role.Policy", "The role still "
                       "has policies attached: %s." % role["RoleName"])
    call.state.data["roles"].remove(role)
    return {}


def list_roles(call):
    """ListRoles, paged by Marker/MaxItems in role name order."""
    size = call.integer("MaxItems", 100, 1, 1000,
                        "InvalidParameter.MaxItems")
    roles = sorted(call.state.roles_of(call.principal.account),
                   key=lambda r: r["RoleName"].lower())
    start = 0
    marker = call.get("Marker")
    if marker is not None:
        try:
            after = base64.b64decode(marker.encode(), altchars=b"-_",
                                     validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "InvalidParameter.Marker",
                           "The parameter \"Marker\" is invalid.") from None
        start = next((i for i, r in enumerate(roles)
                      if r["RoleName"].lower() >= after), len(roles))
    page = roles[start:start + size]
    answer = {"IsTruncated": start + size < len(roles),
              "Roles": {"Role": [role_view(r, False) for r in page]}}
    if answer["IsTruncated"]:
        answer["Marker"] = base64.urlsafe_b64encode(
            roles[start + size]["RoleName"].lower().encode()).decode()
    return answer


def create_policy(call):
    """CreatePolicy (custom policies)."""
    name = call.require("PolicyName")
    if len(name) > 128:
        raise ApiError(400, "InvalidParameter.PolicyName.Length",
                       "The parameter \"PolicyName\" is beyond the length "
                       "limit 128.")
    if not _POLICY_NAME.match(name):
        raise ApiError(400, "InvalidParameter.PolicyName.InvalidChars",
                       "The parameter \"PolicyName\" contains invalid "
                       "chars.")
    document = call.require("PolicyDocument")
    if len(document) > 6144:
        raise ApiError(400, "InvalidParameter.PolicyDocument.Length",
                       "The parameter \"PolicyDocument\" is beyond the "
                       "length limit 6144.")
    try:
        policydoc.parse(document)
    except ValueError as e:
        raise ApiError(400, "MalformedPolicyDocument",
                       "The policy document is malformed: %s." % e) from None
    description = call.get("Description", "")
    _check_description(description)
    account = call.principal.account
    if call.state.custom_policy(account, name):
        raise ApiError(409, "EntityAlreadyExists.Policy",
                       "The policy already exists: %s." % name)
    now = clk.iso8601(call.now())
    policy = {"account": account, "PolicyName": name,
              "PolicyDocument": document, "Description": description,
              "CreateDate": now, "UpdateDate": now}
    call.state.data["policies"].append(policy)
    return {"Policy": {"PolicyName": name, "PolicyType": "Custom",
                       "Description": description, "DefaultVersion": "v1",
                       "CreateDate": now}}


def _policy(call):
    """(PolicyType, name, description, document, create date) of the policy
    a call names, or EntityNotExist.Policy / InvalidParameter.PolicyType."""
    kind = call.require("PolicyType")
    name = call.require("PolicyName")
    if kind == "System":
        if name in SYSTEM_POLICIES:
            description, document = SYSTEM_POLICIES[name]
            return kind, name, description, document, _EPOCH_DATE
    elif kind == "Custom":
        p = call.state.custom_policy(call.principal.account, name)
        if p:
            return (kind, p["PolicyName"], p.get("Description", ""),
                    p["PolicyDocument"], p.get("CreateDate", _EPOCH_DATE))
    else:
        raise ApiError(400, "InvalidParameter.PolicyType", "The parameter "
                       "\"PolicyType\" must be System or Custom.")
    raise ApiError(404, "EntityNotExist.Policy",
                   "The policy not exists: %s." % name)


def _attachments(state, account):
    """Every (holder, attachment) of an account's roles and users."""
    for r in state.roles_of(account):
        for a in r.get("policies", []):
            yield r, a
    for a in state.data["user_policies"]:
        if a["account"] == account:
            yield a, a


def get_policy(call):
    """GetPolicy, with its default (only) version."""
    kind, name, description, document, created = _policy(call)
    count = sum(1 for _, a in _attachments(call.state,
                                           call.principal.account)
                if a.get("PolicyName") == name
                and a.get("PolicyType") == kind)
    return {
        "Policy": {"PolicyName": name, "PolicyType": kind,
                   "Description": description, "DefaultVersion": "v1",
                   "AttachmentCount": count, "CreateDate": created,
                   "UpdateDate": created},
        "DefaultPolicyVersion": {"VersionId": "v1", "IsDefaultVersion": True,
                                 "PolicyDocument": document,
                                 "CreateDate": created},
    }


def _attachment_view(call, a):
    """One attached policy as ListPoliciesFor* lists it."""
    description = ""
    if a["PolicyType"] == "System":
        description = SYSTEM_POLICIES.get(a["PolicyName"], ("",))[0]
    else:
        p = call.state.custom_policy(call.principal.account, a["PolicyName"])
        description = p.get("Description", "") if p else ""
    return {"PolicyName": a["PolicyName"], "PolicyType": a["PolicyType"],
            "Description": description, "DefaultVersion": "v1",
            "AttachDate": a.get("AttachDate", _EPOCH_DATE)}


def attach_policy_to_role(call):
    """AttachPolicyToRole."""
    role = _role(call)
    kind, name = _policy(call)[:2]
    held = role.setdefault("policies", [])
    if any(a.get("PolicyName") == name and a.get("PolicyType") == kind
           for a in held):
        raise ApiError(409, "EntityAlreadyExists.Role.Policy", "The policy "
                       "%s is already attached to the role." % name)
    held.append({"PolicyName": name, "PolicyType": kind,
                 "AttachDate": clk.iso8601(call.now())})
    return {}


def detach_policy_from_role(call):
    """DetachPolicyFromRole."""
    role = _role(call)
    kind, name = call.require("PolicyType"), call.require("PolicyName")
    held = role.get("policies", [])
    for a in held:
        if a.get("PolicyName") == name and a.get("PolicyType") == kind:
            held.remove(a)
            return {}
    raise ApiError(404, "EntityNotExist.Role.Policy", "The policy %s is not "
                   "attached to the role %s." % (name, role["RoleName"]))


def list_policies_for_role(call):
    """ListPoliciesForRole (no paging)."""
    role = _role(call)
    return {"Policies": {"Policy": [_attachment_view(call, a)
                                    for a in role.get("policies", [])]}}


def _user(call):
    """The UserName of a call, which must be a user of the account."""
    name = call.require("UserName")
    if not call.state.user_exists(call.principal.account, name):
        raise ApiError(404, "EntityNotExist.User",
                       "The user not exists: %s." % name)
    return name


def _user_attachments(call, user):
    """The attachments of a user, in the state's user_policies list."""
    return [a for a in call.state.data["user_policies"]
            if a["account"] == call.principal.account
            and a["UserName"] == user]


def attach_policy_to_user(call):
    """AttachPolicyToUser (e.g. the PassRole policy of a rollout user)."""
    user = _user(call)
    kind, name = _policy(call)[:2]
    if any(a["PolicyName"] == name and a["PolicyType"] == kind
           for a in _user_attachments(call, user)):
        raise ApiError(409, "EntityAlreadyExists.User.Policy", "The policy "
                       "%s is already attached to the user." % name)
    call.state.data["user_policies"].append(
        {"account": call.principal.account, "UserName": user,
         "PolicyName": name, "PolicyType": kind,
         "AttachDate": clk.iso8601(call.now())})
    return {}


def list_policies_for_user(call):
    """ListPoliciesForUser."""
    user = _user(call)
    return {"Policies": {"Policy": [_attachment_view(call, a) for a in
                                    _user_attachments(call, user)]}}


ACTIONS = {
    "CreateRole": create_role,
    "GetRole": get_role,
    "UpdateRole": update_role,
    "DeleteRole": delete_role,
    "ListRoles": list_roles,
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "AttachPolicyToRole": attach_policy_to_role,
    "DetachPolicyFromRole": detach_policy_from_role,
    "ListPoliciesForRole": list_policies_for_role,
    "AttachPolicyToUser": attach_policy_to_user,
    "ListPoliciesForUser": list_policies_for_user,
}
