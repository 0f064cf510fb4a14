"""Resource Manager (2020-03-31): the members of the Resource Directory the
state describes, as the management account lists them (ListAccounts,
GetAccount).

The directory is the state's `resource_directory` object:
{"ResourceDirectoryId", "MasterAccountId", "accounts": [member, ...]},
each member holding the fields ListAccounts answers (AccountId,
DisplayName, Status, Type, JoinMethod, JoinTime, ModifyTime, FolderId).
Whether a member can be entered is decided elsewhere: by the trust policy
of its access role (STS AssumeRole) and by its `suspended` flag in the
state's accounts list.
"""

from .errors import ApiError

VERSION = "2020-03-31"

# The member statuses the documentation lists; a state may hold others
# (they are answered as they are).
STATUSES = ("CreateSuccess", "PromoteVerifying", "PromoteFailed",
            "PromoteExpired", "PromoteCancelled", "PromoteSuccess",
            "InviteSuccess")

_DEFAULTS = {"DisplayName": "", "Status": "CreateSuccess",
             "Type": "ResourceAccount", "JoinMethod": "created",
             "JoinTime": "2024-01-01T00:00:00.000Z",
             "ModifyTime": "2024-01-01T00:00:00.000Z",
             "FolderId": "fd-emulator0"}


def _directory(call):
    """The directory, when the caller is its management account; the
    documented refusal otherwise (a member, or no directory at all)."""
    rd = call.state.data.get("resource_directory")
    if not isinstance(rd, dict) or \
            rd.get("MasterAccountId") != call.principal.account:
        raise ApiError(404, "EntityNotExists.ResourceDirectory",
                       "The resource directory does not exist, or the caller "
                       "is not its management account.")
    return rd


def _view(rd, member):
    """A member as ListAccounts answers it."""
    view = dict(_DEFAULTS)
    view.update({k: v for k, v in member.items() if k[:1].isupper()})
    view["ResourceDirectoryId"] = rd.get("ResourceDirectoryId", "rd-emulator")
    return view


def list_accounts(call):
    """ListAccounts, paged by PageNumber (from 1) and PageSize (1..100,
    default 10), in the directory's order."""
    rd = _directory(call)
    number = call.integer("PageNumber", 1, 1, 10 ** 6,
                          "InvalidParameter.PageNumber")
    size = call.integer("PageSize", 10, 1, 100, "InvalidParameter.PageSize")
    members = rd.get("accounts", [])
    page = members[(number - 1) * size:number * size]
    return {"TotalCount": len(members), "PageNumber": number,
            "PageSize": size,
            "Accounts": {"Account": [_view(rd, m) for m in page]}}


def get_account(call):
    """GetAccount of one member."""
    rd = _directory(call)
    account = call.require("AccountId")
    for m in rd.get("accounts", []):
        if m.get("AccountId") == account:
            return {"Account": _view(rd, m)}
    raise ApiError(404, "EntityNotExists.Account",
                   "The account does not exist in the resource directory: %s."
                   % account)


ACTIONS = {
    "ListAccounts": list_accounts,
    "GetAccount": get_account,
}
