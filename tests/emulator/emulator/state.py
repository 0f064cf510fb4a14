"""The emulated cloud's state, held as the JSON document it loads from and
dumps to.  Services edit the document in place, so keys the emulator does not
know survive a load/dump round trip untouched.

Top-level keys: accounts, projects, roles, policies (custom), keys (KMS),
aliases, users, user_policies, ecs, credentials_uri, resource_directory.
See docs/emulator.md.
"""

import json
import threading

LIST_KEYS = ("accounts", "projects", "roles", "policies", "keys", "aliases",
             "users", "user_policies")

# Fields each entry of a list must carry for the emulator to use it.
_REQUIRED = {
    "accounts": ("id",),
    "projects": ("name", "region", "account"),
    "roles": ("account", "RoleName"),
    "policies": ("account", "PolicyName"),
    "keys": ("account", "KeyId", "region"),
    "aliases": ("account", "region", "AliasName", "KeyId"),
    "users": ("account", "UserName"),
    "user_policies": ("account", "UserName", "PolicyName", "PolicyType"),
}


class State:
    """The state document plus indexes for the hot look-ups (access keys,
    security tokens, projects).  Callers hold `lock` around a whole request
    so that a check and the change it guards are atomic."""

    def __init__(self, data=None):
        self.lock = threading.RLock()
        self.replace(data if data is not None else {})

    # Replaces the whole document (load, PUT /__emulator/state); raises
    # ValueError when it is not shaped as documented.
    def replace(self, data):
        _validate(data)
        with self.lock:
            for k in LIST_KEYS:
                data.setdefault(k, [])
            self.data = data
            self._reindex()

    def _reindex(self):
        """Rebuilds the access key, token and project indexes."""
        self._keys = {}
        self._tokens = {}
        for account in self.data["accounts"]:
            for key in account.setdefault("access_keys", []):
                self._index_key(account, key)
        self._projects = {p["name"]: p for p in self.data["projects"]}
        self._regions = frozenset(
            [p["region"] for p in self.data["projects"]]
            + [k["region"] for k in self.data["keys"]])

    def _index_key(self, account, key):
        """Adds one access key (and its token) to the indexes."""
        self._keys[key["id"]] = (account, key)
        if key.get("security_token"):
            self._tokens[key["security_token"]] = key["id"]

    # The document as pretty JSON bytes, for dumps and the control API.
    def to_json(self):
        with self.lock:
            return json.dumps(self.data, indent=2,
                              ensure_ascii=False).encode("utf-8")

    # Every region a project or KMS key of the state lives in (neither can
    # be created through the emulated APIs, so this changes only on load).
    def regions(self):
        return self._regions

    # --- accounts and access keys ---

    # (account, key) for an AccessKeyId, or None.
    def access_key(self, key_id):
        return self._keys.get(key_id)

    # The AccessKeyId a security token was issued with, or None.
    def token_owner(self, token):
        return self._tokens.get(token)

    # Whether an account is marked `suspended` in the accounts list: its
    # roles cannot be assumed.
    def suspended(self, account_id):
        return any(a["id"] == account_id and a.get("suspended") is True
                   for a in self.data["accounts"])

    # Adds a key (e.g. STS credentials) to an account, creating the account
    # entry when the state has none for that uid.
    def add_access_key(self, account_id, key):
        account = next((a for a in self.data["accounts"]
                        if a["id"] == account_id), None)
        if account is None:
            account = {"id": account_id, "access_keys": []}
            self.data["accounts"].append(account)
        account.setdefault("access_keys", []).append(key)
        self._index_key(account, key)

    # --- SLS ---

    # The project named `name`, or None.
    def project(self, name):
        return self._projects.get(name)

    # Adds a project (CreateProject); its region becomes known.
    def add_project(self, project):
        self.data["projects"].append(project)
        self._projects[project["name"]] = project
        self._regions = self._regions | {project["region"]}

    # --- RAM ---

    # The roles of an account.
    def roles_of(self, account):
        return [r for r in self.data["roles"] if r["account"] == account]

    # A role by name; RAM role names are case-insensitive.
    def role(self, account, name):
        low = name.lower()
        return next((r for r in self.data["roles"]
                     if r["account"] == account
                     and r["RoleName"].lower() == low), None)

    # A custom policy by name (case-insensitive, like role names).
    def custom_policy(self, account, name):
        low = name.lower()
        return next((p for p in self.data["policies"]
                     if p["account"] == account
                     and p["PolicyName"].lower() == low), None)

    # Whether a RAM user exists: listed in `users` or named on an access key.
    def user_exists(self, account, name):
        if any(u["account"] == account and u["UserName"] == name
               for u in self.data["users"]):
            return True
        return any(a["id"] == account and
                   any(k.get("user") == name for k in a["access_keys"])
                   for a in self.data["accounts"])

    # --- KMS ---

    # The KMS keys of an account in a region.
    def keys_in(self, account, region):
        return [k for k in self.data["keys"]
                if k["account"] == account and k["region"] == region]

    # A KMS key by id in an account and region, or None.
    def key(self, account, region, key_id):
        return next((k for k in self.data["keys"]
                     if k["account"] == account and k["region"] == region
                     and k["KeyId"] == key_id), None)

    # The aliases of an account in a region.
    def aliases_in(self, account, region):
        return [a for a in self.data["aliases"]
                if a["account"] == account and a["region"] == region]


def _validate(data):
    """Checks the shape the emulator relies on, naming the first problem."""
    if not isinstance(data, dict):
        raise ValueError("state must be a JSON object")
    for name in LIST_KEYS:
        items = data.get(name, [])
        if not isinstance(items, list):
            raise ValueError("state.%s must be a list" % name)
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ValueError("state.%s[%d] must be an object" % (name, i))
            for field in _REQUIRED[name]:
                if not isinstance(item.get(field), str) or not item[field]:
                    raise ValueError("state.%s[%d].%s must be a non-empty "
                                     "string" % (name, i, field))
    rd = data.get("resource_directory")
    if rd is not None:
        if not isinstance(rd, dict) or \
                not isinstance(rd.get("MasterAccountId"), str) or \
                not isinstance(rd.get("accounts", []), list):
            raise ValueError("state.resource_directory must be an object "
                             "with MasterAccountId and a list accounts")
        for i, m in enumerate(rd.get("accounts", [])):
            if not isinstance(m, dict) or \
                    not isinstance(m.get("AccountId"), str):
                raise ValueError("state.resource_directory.accounts[%d] "
                                 "needs an AccountId" % i)
    for a in data.get("accounts", []):
        for key in a.get("access_keys", []):
            if not isinstance(key, dict) or not key.get("id") \
                    or not isinstance(key.get("secret"), str):
                raise ValueError("account %s: each access key needs id and "
                                 "secret" % a["id"])
    for p in data.get("projects", []):
        for ls in p.get("logstores", []):
            if not isinstance(ls, dict) or not ls.get("logstoreName"):
                raise ValueError("project %s: each logstore needs "
                                 "logstoreName" % p["name"])
