"""make-estate: writes a deterministic emulator state of N projects x M
logstores across regions, with a chosen mix of encryption situations, for
benchmarks, integration tests and rehearsals.

The account has a fixed, documented key pair (ESTATE_AK / ESTATE_SECRET, a
fake that only the emulator accepts), a correctly set-up BYOK role, and per
region an Enabled, a Disabled and a PendingDeletion KMS key.
"""

import argparse
import json
import random
import sys

from .hosts import REGIONS

ESTATE_ACCOUNT = "1827364554637281"
ESTATE_AK = "LTAI5tEmulatorEstate0001"
ESTATE_SECRET = "emulator-estate-secret-not-real-0001"
OPERATOR_AK = "LTAI5tEmulatorOperator02"
OPERATOR_SECRET = "emulator-operator-secret-not-real-02"
BYOK_ROLE = "slsh-byok-role"
ADMIN_ROLE = "slsh-admin-role"
CATEGORIES = ("unencrypted", "service", "byok", "byok_disabled",
              "cmk_disabled", "cmk_pending")
DEFAULT_MIX = "unencrypted=50,service=20,byok=20,byok_disabled=5," \
              "cmk_disabled=3,cmk_pending=2"
_BASE_TIME = 1700000000


def parse_mix(text):
    """`name=weight,...` over CATEGORIES; at least one positive weight."""
    mix = {}
    for part in text.split(","):
        name, sep, weight = part.partition("=")
        name = name.strip()
        if not sep or name not in CATEGORIES:
            raise ValueError("mix entries are NAME=WEIGHT with NAME one of "
                             + ", ".join(CATEGORIES))
        mix[name] = float(weight)
        if mix[name] < 0:
            raise ValueError("weights must not be negative")
    if not any(mix.values()):
        raise ValueError("the mix needs a positive weight")
    return mix


def _trust(principal):
    """A trust policy document allowing sts:AssumeRole to `principal`."""
    return json.dumps({"Statement": [{"Action": "sts:AssumeRole",
                                      "Effect": "Allow",
                                      "Principal": principal}],
                       "Version": "1"})


def _keys(rng, account, region):
    """The KMS keys of a region: enabled, disabled, pending deletion."""
    def key_id():
        return "key-%s%s" % (region.split("-")[-1][:3],
                             "".join(rng.choice("0123456789abcdef")
                                     for _ in range(20)))
    created = "2024-%02d-%02dT08:00:00Z" % (rng.randint(1, 12),
                                            rng.randint(1, 28))
    keys = {}
    for name, state in (("enabled", "Enabled"), ("disabled", "Disabled"),
                        ("pending", "PendingDeletion")):
        k = {"account": account, "KeyId": key_id(), "region": region,
             "KeyState": state, "CreationDate": created,
             "Description": "slsh estate %s key" % name}
        if state == "PendingDeletion":
            k["DeleteDate"] = "2099-01-01T00:00:00Z"
        keys[name] = k
    return keys


def _encrypt_conf(rng, category, account, region, keys):
    """The encrypt_conf of a logstore of a category (None: unencrypted)."""
    if category == "unencrypted":
        return None
    if category == "service":
        conf = {"enable": True, "encrypt_type": rng.choice(
            ["default", "default", "sm4", "aes_gcm"])}
        if rng.random() < 0.3:
            conf["user_cmk_info"] = {}      # the shape older answers have
        return conf
    key = {"byok": "enabled", "byok_disabled": "enabled",
           "cmk_disabled": "disabled", "cmk_pending": "pending"}[category]
    return {"enable": category != "byok_disabled", "encrypt_type": "default",
            "user_cmk_info": {
                "cmk_key_id": keys[key]["KeyId"],
                "arn": "acs:ram::%s:role/%s" % (account, BYOK_ROLE),
                "region_id": region}}


def _logstore(rng, name, conf, product=None):
    """A logstore with a random but realistic set of fields."""
    ttl = rng.choice([7, 30, 30, 90, 180, 3650])
    auto = rng.random() < 0.5
    created = _BASE_TIME + rng.randint(0, 10 ** 7)
    ls = {"logstoreName": name, "ttl": ttl,
          "shardCount": rng.randint(1, 4),
          "enable_tracking": rng.random() < 0.1, "autoSplit": auto,
          "maxSplitShard": 64 if auto else 0,
          "appendMeta": rng.random() < 0.7,
          "telemetryType": "Metrics" if rng.random() < 0.05 else "",
          "mode": "query" if rng.random() < 0.15 else "standard"}
    if ttl > 30 and rng.random() < 0.4:
        ls["hot_ttl"] = rng.choice([7, 30])
    if ttl > 30 and rng.random() < 0.3:
        ls["infrequentAccessTTL"] = rng.choice([30, 60])
    if rng.random() < 0.3:
        ls["resourceQuota"] = {"storage": {"preserved": -1,
                                           "used": rng.randint(0, 10 ** 9)}}
    if rng.random() < 0.2:
        ls["shardingPolicy"] = {"shardGroup": {"groupCount": 2,
                                               "keys": ["__source__"]},
                                "shardHash": {"keys": ["__topic__"],
                                              "maxHashCount": 4},
                                "queryActiveTime": 86400}
    if rng.random() < 0.2:
        ls["x_future_field"] = {"added_by": "estate", "n": rng.randint(1, 9)}
    if product:
        ls["productType"] = product
    if conf is not None:
        ls["encrypt_conf"] = conf
    ls["createTime"] = created
    ls["lastModifyTime"] = created + rng.randint(0, 10 ** 6)
    return ls


ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"
MEMBER_BASE = 1888000000000000
OTHER_MASTER = "1999999999999999"   # trusted by --untrusting members' role


def member_id(i):
    """The account id of member i (1-based) of a --accounts estate."""
    return str(MEMBER_BASE + i)


def _kms_policies():
    """The two System policies SLS needs on a BYOK role."""
    return [{"PolicyName": "AliyunKMSReadOnlyAccess", "PolicyType": "System"},
            {"PolicyName": "AliyunKMSCryptoUserAccess",
             "PolicyType": "System"}]


def _byok_role(account):
    """The BYOK role of an account, set up correctly."""
    return {"account": account, "RoleName": BYOK_ROLE,
            "AssumeRolePolicyDocument": _trust(
                {"Service": ["log.aliyuncs.com"]}),
            "Description": "SLS reads the BYOK CMKs with this role",
            "MaxSessionDuration": 3600, "policies": _kms_policies()}


def _account_estate(rng, account, projects, logstores, regions, mix,
                    cloudfirewall, prefix="slsh-estate"):
    """The projects, keys and aliases of one account (the rng is drawn in
    the same order as before members existed, so the management account's
    estate is unchanged by --accounts)."""
    names = list(mix)
    weights = [mix[n] for n in names]
    keys = {r: _keys(rng, account, r) for r in regions}

    def pick():
        return rng.choices(names, weights)[0]

    def project(name, region, stores, description, product=None):
        return {"name": name, "region": region, "account": account,
                "description": description,
                "createTime": str(_BASE_TIME + rng.randint(0, 10 ** 6)),
                "logstores": [_logstore(rng, ls, _encrypt_conf(
                    rng, pick(), account, region, keys[region]), product)
                    for ls in stores]}

    out = []
    for i in range(projects):
        region = regions[i % len(regions)]
        out.append(project("%s-%s-%04d" % (prefix, region, i), region,
                           ["ls-%03d" % j for j in range(logstores)],
                           "estate project %d" % i))
    if cloudfirewall:
        for region in regions:
            out.append(project("cloudfirewall-project-%s-%s"
                               % (account, region), region,
                               ["cloudfirewall-logstore"],
                               "Cloud Firewall log analysis",
                               "cloudfirewall"))
    aliases = [{"account": account, "region": r,
                "AliasName": "alias/slsh-byok",
                "KeyId": keys[r]["enabled"]["KeyId"]} for r in regions]
    return out, [k for r in regions for k in keys[r].values()], aliases


def make_estate(projects, logstores, regions, seed, mix,
                account=ESTATE_ACCOUNT, cloudfirewall=True, members=0,
                no_access_role=(), suspended=(), member_status=None,
                member_projects=1, untrusting=()):
    """The state document; the same arguments always give the same one.
    With members > 0 the account is the management account of a Resource
    Directory of that many member accounts, each with its own projects,
    keys, BYOK role and the access role trusting the management account
    (except members listed in no_access_role, by 1-based index);
    `suspended` members cannot be entered; the access role of `untrusting`
    members trusts another account (AssumeRole: NoPermission); member_status
    maps an index to the Status ListAccounts shows (default CreateSuccess)."""
    rng = random.Random(seed)
    out, keys, aliases = _account_estate(rng, account, projects, logstores,
                                         regions, mix, cloudfirewall)
    state = {
        "accounts": [{"id": account, "access_keys": [
            {"id": ESTATE_AK, "secret": ESTATE_SECRET},
            {"id": OPERATOR_AK, "secret": OPERATOR_SECRET,
             "user": "rollout-operator"}]}],
        "users": [{"account": account, "UserName": "rollout-operator"}],
        "projects": out,
        "roles": [
            _byok_role(account),
            {"account": account, "RoleName": ADMIN_ROLE,
             "AssumeRolePolicyDocument": _trust(
                 {"RAM": ["acs:ram::%s:root" % account]}),
             "MaxSessionDuration": 43200,
             "policies": [{"PolicyName": "AdministratorAccess",
                           "PolicyType": "System"}]},
        ],
        "policies": [],
        "keys": keys,
        "aliases": aliases,
        "ecs": {"role": ADMIN_ROLE, "account": account,
                "require_token": False},
        "credentials_uri": {"account": account, "role": ADMIN_ROLE},
    }
    if members:
        _add_members(state, seed, account, members, logstores, regions, mix,
                     cloudfirewall, set(no_access_role), set(suspended),
                     member_status or {}, member_projects, set(untrusting))
    return state


def _add_members(state, seed, master, members, logstores, regions, mix,
                 cloudfirewall, no_access_role, suspended, member_status,
                 member_projects, untrusting):
    """Adds the member accounts and the directory to a state."""
    directory = []
    for i in range(1, members + 1):
        uid = member_id(i)
        rng = random.Random("%d/member/%d" % (seed, i))
        projects, keys, aliases = _account_estate(
            rng, uid, member_projects, logstores, regions, mix,
            cloudfirewall, prefix="member%d" % i)
        entry = {"id": uid, "access_keys": []}
        if i in suspended:
            entry["suspended"] = True
        state["accounts"].append(entry)
        state["projects"] += projects
        state["keys"] += keys
        state["aliases"] += aliases
        state["roles"].append(_byok_role(uid))
        if i not in no_access_role:
            state["roles"].append({
                "account": uid, "RoleName": ACCESS_ROLE,
                "AssumeRolePolicyDocument": _trust(
                    {"RAM": ["acs:ram::%s:root" % (
                        OTHER_MASTER if i in untrusting else master)]}),
                "Description": "Resource Directory access from the "
                               "management account",
                "MaxSessionDuration": 3600,
                "policies": [{"PolicyName": "AdministratorAccess",
                              "PolicyType": "System"}]})
        directory.append({
            "AccountId": uid, "DisplayName": "member-%d" % i,
            "Status": member_status.get(i, "CreateSuccess"),
            "Type": "ResourceAccount", "JoinMethod": "created",
            "JoinTime": "2024-01-%02dT08:00:00.000Z" % min(i, 28),
            "ModifyTime": "2024-02-01T08:00:00.000Z",
            "FolderId": "fd-estate%04d" % (seed % 10000)})
    state["resource_directory"] = {
        "ResourceDirectoryId": "rd-estate%04d" % (seed % 10000),
        "MasterAccountId": master, "accounts": directory}


def _indexes(text, members):
    """A comma-separated list of 1-based member indexes."""
    out = set()
    for part in text.split(",") if text else []:
        if not part.strip().isdigit() or not 1 <= int(part) <= members:
            raise ValueError("member indexes are 1..%d, got %r"
                             % (members, part))
        out.add(int(part))
    return out


def main(argv=None):
    """The make-estate command line."""
    p = argparse.ArgumentParser(
        prog="make-estate",
        description="Write a deterministic slsh-emulator state. The account "
                    "key is %s / %s (fake)." % (ESTATE_AK, ESTATE_SECRET))
    p.add_argument("--projects", type=int, default=10)
    p.add_argument("--logstores", type=int, default=5)
    p.add_argument("--regions", default="cn-hangzhou,cn-shanghai",
                   help="comma-separated region ids")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mix", default=DEFAULT_MIX,
                   help="weights of %s (default %s)"
                        % ("/".join(CATEGORIES), DEFAULT_MIX))
    p.add_argument("--account", default=ESTATE_ACCOUNT)
    p.add_argument("--no-cloudfirewall", action="store_true",
                   help="leave out the Cloud Firewall projects")
    p.add_argument("--accounts", type=int, default=0, metavar="N",
                   help="make the account the management account of a "
                        "Resource Directory of N member accounts")
    p.add_argument("--member-projects", type=int, default=1, metavar="M",
                   help="projects of --logstores logstores in each member "
                        "(besides its Cloud Firewall projects)")
    p.add_argument("--no-access-role", metavar="I[,I...]",
                   help="members (1-based) without %s" % ACCESS_ROLE)
    p.add_argument("--suspended", metavar="I[,I...]",
                   help="members (1-based) that are suspended")
    p.add_argument("--untrusting", metavar="I[,I...]",
                   help="members (1-based) whose %s trusts another account"
                        % ACCESS_ROLE)
    p.add_argument("--member-status", action="append", default=[],
                   metavar="I=STATUS",
                   help="the Status ListAccounts shows for member I")
    p.add_argument("--out", help="output file (default: stdout)")
    args = p.parse_args(argv)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    unknown = [r for r in regions if r not in REGIONS]
    if not regions or unknown:
        p.error("unknown regions: %s" % ", ".join(unknown or ["(none)"]))
    if args.projects < 0 or not 0 <= args.logstores <= 200:
        p.error("--projects >= 0 and --logstores in [0, 200]")
    try:
        mix = parse_mix(args.mix)
    except ValueError as e:
        p.error(str(e))
    try:
        no_role = _indexes(args.no_access_role, args.accounts)
        suspended = _indexes(args.suspended, args.accounts)
        untrusting = _indexes(args.untrusting, args.accounts)
        status = {}
        for item in args.member_status:
            i, sep, value = item.partition("=")
            if not sep or not value:
                raise ValueError("--member-status is I=STATUS")
            status[_indexes(i, args.accounts).pop()] = value
    except (ValueError, KeyError) as e:
        p.error(str(e))
    if not 0 <= args.accounts <= 1000 or args.member_projects < 0:
        p.error("--accounts in [0, 1000] and --member-projects >= 0")
    state = make_estate(args.projects, args.logstores, regions, args.seed,
                        mix, args.account, not args.no_cloudfirewall,
                        args.accounts, no_role, suspended, status,
                        args.member_projects, untrusting)
    text = json.dumps(state, indent=1) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    print("account %s access key %s secret %s (fake, emulator only)"
          % (args.account, ESTATE_AK, ESTATE_SECRET), file=sys.stderr)
    return 0
