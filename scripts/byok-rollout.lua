--- Roll your own KMS key (BYOK) out to logstores: pre-flight, plan, apply, verify
--
-- The first encryption choice of a logstore is permanent: afterwards only
-- `enable` may change, never the mechanism (service key or BYOK), the
-- algorithm or the CMK. So this workflow plans first and says, for every
-- logstore, whether it will be encrypted, only enabled, is already done,
-- or cannot be made BYOK with this key, and why. Nothing is written
-- without --apply, and nothing at all in a region whose key or role fails
-- the pre-flight checks.

local rollout = require "slsh.rollout"
local encconf = require "slsh.encrypt_conf"
local task = require "slsh.task"

local ROLE_DEFAULT = "slsh-byok-role"

-- --key values: REGION=KEY, or one bare KEY (a key id for a single
-- region; an alias, which names a key in each region, for several); with
-- --accounts also ACCOUNT:REGION=KEY, since a key id belongs to one
-- account, while an alias is looked up in every account and region.
local function check(opts, policy)
  local keys, bare, per_account = {}, nil, {}
  local multi = opts.account_selection ~= nil
  for _, v in ipairs(opts.key) do
    local account, aregion, akey = v:match("^(%d+):([a-z][a-z0-9-]*[a-z0-9])=(.+)$")
    if not account and v:find("=", 1, true)
       and not v:match("^[a-z][a-z0-9-]*[a-z0-9]=[^=]+$") then
      rollout.usage_error(policy, "--key takes REGION=KEYID (or one bare KEYID)"
                          .. (multi and ", or ACCOUNT:REGION=KEYID" or "") .. ", got '"
                          .. v .. "'")
    end
    local region, key = v:match("^([a-z][a-z0-9-]*[a-z0-9])=(.+)$")
    if account then
      if not multi then
        rollout.usage_error(policy, "--key " .. v .. " names an account: give --accounts too")
      end
      per_account[account] = per_account[account] or {}
      if per_account[account][aregion] then
        rollout.usage_error(policy, "--key names account " .. account .. " region "
                            .. aregion .. " twice")
      end
      per_account[account][aregion] = akey
      region = aregion -- checked against --region below
      keys[region] = keys[region] or false
    elseif multi and not (region and key or v):match("^alias/") then
      rollout.usage_error(policy, "--key " .. v .. ": with --accounts a key id belongs to "
                          .. "one account: give --key ACCOUNT:REGION=KEYID, or an alias "
                          .. "(alias/NAME), which each account resolves in each region")
    elseif region then
      if keys[region] then
        rollout.usage_error(policy, "--key names region " .. region .. " twice")
      end
      keys[region] = key
    elseif bare then
      rollout.usage_error(policy, "--key: give one bare KEYID at most; for several "
                          .. "regions use --key REGION=KEYID for each")
    else
      bare = v
    end
  end
  local selected = {}
  for _, r in ipairs(opts.regions) do selected[r] = true end
  if bare then
    if #opts.regions == 1 or bare:match("^alias/") then
      for _, r in ipairs(opts.regions) do keys[r] = keys[r] or bare end
    else
      rollout.usage_error(policy, "--key " .. bare .. " without REGION= needs a single "
                          .. "--region (a key id belongs to one region); give --key "
                          .. "REGION=KEYID for each region, or an alias (alias/NAME), "
                          .. "which is looked up in every region")
    end
  end
  for r in pairs(keys) do
    if not selected[r] then
      rollout.usage_error(policy, "--key names region " .. r .. ", which is not selected "
                          .. "(--region " .. table.concat(opts.regions, ",") .. ")")
    end
  end
  for _, r in ipairs(opts.regions) do
    if not keys[r] and not multi then
      rollout.usage_error(policy, "--key: no key for region " .. r .. " (give --key "
                          .. r .. "=KEYID)")
    end
    if keys[r] == false then keys[r] = nil end
  end
  opts.keys, opts.account_keys = keys, per_account
  local account, name = rollout.role_of(opts.role)
  if not name then
    if not opts.role:match("^[%w.-]+$") or #opts.role > 64 then
      rollout.usage_error(policy, "--role must be a role name ([A-Za-z0-9.-], at most 64) "
                          .. "or acs:ram::<account>:role/<name>, got '" .. opts.role .. "'")
    end
    name = opts.role
  end
  opts.role_account, opts.role_name = account, name
end

-- Pre-flight: who calls, the role SLS will assume, the key of each region.
-- The questions do not depend on each other: they are asked at once (the
-- answers are kept by ctx), then printed in this order.
local function preflight(ctx)
  local o = ctx.opts
  -- the key of each region: ACCOUNT:REGION=KEY for this account, else
  -- REGION=KEY or the bare key (an alias with --accounts)
  local keys, regions, missing = {}, {}, {}
  local mine = o.account and o.account_keys[o.account] or {}
  for _, r in ipairs(o.regions) do
    keys[r] = mine[r] or o.keys[r]
    if keys[r] then regions[#regions + 1] = r else missing[#missing + 1] = r end
  end
  o.keys = keys
  local asks = { task.spawn(ctx.caller, ctx), task.spawn(ctx.role_check, ctx, o.role_name) }
  for i, r in ipairs(regions) do asks[2 + i] = task.spawn(ctx.key_health, ctx, r, keys[r]) end
  local answers, errs = task.wait(asks)
  if not answers[1] then return nil, errs[1] end
  local id, err = rollout.preflight_caller(ctx) -- the answer kept: printed
  if not id then return nil, err end
  local account = tostring(id.AccountId)
  local arn = "acs:ram::" .. account .. ":role/" .. o.role_name
  if o.role_account and o.role_account ~= account then
    ctx:block(nil, "role " .. o.role .. " belongs to account " .. o.role_account
                   .. ", the caller is in account " .. account)
  end
  local chk, rerr = answers[2], errs[2]
  if not chk then
    ctx:block(nil, "cannot check role " .. o.role_name .. ": "
                   .. tostring(rerr.message or rerr))
    ctx:item_warn("role", "%s: REFUSED: cannot check it: %s", o.role_name,
                  tostring(rerr.message or rerr))
  elseif #chk.problems > 0 then
    local why = table.concat(chk.problems, "; ")
    ctx:block(nil, why .. " (repair it with: slsh run setup-role)")
    ctx:item_warn("role", "%s: REFUSED: %s; repair it with: slsh run setup-role",
                  chk.arn or arn, why)
  else
    arn = chk.arn or arn
    ctx:item("role", "%s: trusted by log.aliyuncs.com, holds "
             .. "AliyunKMSReadOnlyAccess and AliyunKMSCryptoUserAccess", arn)
  end
  ctx:item("passrole", "the caller needs ram:PassRole on %s (RAM cannot be asked "
           .. "beforehand; without it every write is refused)", arn)
  for _, r in ipairs(missing) do
    ctx:block(r, "no --key for account " .. tostring(o.account) .. " in " .. r
                 .. " (give --key " .. tostring(o.account) .. ":" .. r
                 .. "=KEYID, or an alias)")
    ctx:item_warn(r, "key: REFUSED: no --key for this account and region")
  end
  ctx.want = {}
  for i, r in ipairs(regions) do
    local key, h, kerr = keys[r], answers[2 + i], errs[2 + i]
    if not h then
      local m = tostring(kerr and (kerr.message or kerr))
      ctx:block(r, "cannot check key " .. key .. ": " .. m)
      ctx:item_warn(r, "key %s: REFUSED: cannot check it: %s", key, m)
    elseif not h.usable then
      ctx:block(r, table.concat(h.problems, "; "))
      ctx:item_warn(r, "key %s: REFUSED: %s", key, table.concat(h.problems, "; "))
    else
      local alias = h.key_id ~= key and (" (" .. key .. ")") or ""
      ctx:item(r, "key %s%s: %s, usable", h.key_id, alias, h.state)
      for _, w in ipairs(h.warnings) do ctx:item("", "warning: %s", w) end
    end
    ctx.want[r] = encconf.byok { cmk_key_id = h and h.key_id or key, arn = arn,
                                 region_id = r, encrypt_type = o.encrypt_type }
  end
  return true
end

-- Why a BYOK logstore cannot take the wanted conf.
local function refusal(cur, want, code)
  if code == "cmk_locked" then
    if cur.cmk_key_id ~= want.cmk_key_id then
      return "BYOK with another key (" .. tostring(cur.cmk_key_id)
             .. "): a logstore's CMK can never change"
    elseif cur.region_id ~= want.region_id then
      return "BYOK with a key of region " .. tostring(cur.region_id)
             .. ": a logstore's CMK can never change"
    end
    return "BYOK through role " .. tostring(cur.arn) .. ": the role can never change"
  elseif code == "encrypt_type_locked" then
    return "BYOK with encrypt_type " .. tostring(cur.encrypt_type) .. ": the algorithm can "
           .. "never change (asked " .. tostring(want.encrypt_type) .. ")"
  end
  return "cannot become BYOK with " .. tostring(want.cmk_key_id) .. " (" .. code .. ")"
end

local function plan(t, ls, cur, ctx)
  local want = ctx.want[t.region]
  if not want then -- no key for this account and region (blocked)
    return "refused", "pre-flight: " .. tostring(ctx:blocked_reason(t.region))
  end
  if cur.mechanism == "none" then
    return "encrypt", "unencrypted: will be BYOK with this region's key (permanent)", want
  end
  if cur.mechanism == "service_key" then
    return "refused", "encrypted with the SLS service key: the first choice is permanent, "
                      .. "BYOK is impossible here"
  end
  local kind, err = encconf.check_transition(ls.encrypt_conf, want)
  if kind == "noop" then
    return "done", "already BYOK with this region's key, enabled"
  elseif kind == "toggle" then
    return "enable", "BYOK with this region's key but disabled: only enable changes",
           encconf.with_enable(ls.encrypt_conf, true)
  end
  return "refused", refusal(cur, encconf.parse(want), err and err.code or "?")
                    .. ctx:key_note(cur, t.region)
end

local policy = {
  name = "byok-rollout",
  usage = "slsh [--region R] run byok-rollout --key [REGION=]KEYID [OPTIONS]",
  summary = "Encrypt logstores at rest with your own KMS key (BYOK), across "
            .. "projects and regions: pre-flight, plan, then (with --apply) apply and verify.",
  description = [[
The first encryption choice of a logstore is permanent: afterwards only
enable can change, never the mechanism (SLS service key or BYOK), the
algorithm (--encrypt-type) or the CMK. The plan says for every logstore:
  encrypt   unencrypted: gets BYOK with your key (permanent)
  enable    already BYOK with your key but disabled: only enable changes
  done      already BYOK with your key, enabled
  refused   cannot become BYOK with this key, with the reason (service key
            already chosen, BYOK with another key or algorithm, ...)
  skip      a project or logstore owned by another cloud service
Pre-flight: the caller (GetCallerIdentity); the role SLS assumes (--role)
must exist, trust log.aliyuncs.com and hold AliyunKMSReadOnlyAccess and
AliyunKMSCryptoUserAccess (else every change is refused: repair it with
'slsh run setup-role'); the key of each region must be Enabled, symmetric
and in that region (else that region's changes are refused). The caller
also needs ram:PassRole on the role, which RAM cannot be asked about.

Default target: Cloud Firewall's logstore 'cloudfirewall-logstore' in its
project 'cloudfirewall-project-<account>-<region>'. Projects of other
services (sas-log-*, sls-alert-*) and logstores with another productType
are skipped unless --include-service-projects is given.]],
  epilog = [[
Exit status: 0 nothing refused or failed (a plan: every change possible);
1 the run could not start (credentials, listing); 2 bad options;
3 some logstore was refused or failed (also in a plan), drifted, or was
held back by a failed canary.

Examples:
  slsh --region cn-hangzhou run byok-rollout --key key-hzz6xxxx
  slsh run byok-rollout --region cn-hangzhou,cn-shanghai \
       --key cn-hangzhou=key-hzz6xxxx --key cn-shanghai=key-sha6xxxx
  slsh run byok-rollout --region cn-hangzhou,cn-shanghai --key alias/byok \
       --canary 2 --apply --journal rollout.jsonl --report rollout.json]],
  options = {
    { "key", type = "list", required = true, metavar = "[REGION=]KEYID",
      help = "the KMS key (CMK) of each region, by id or alias/NAME; it must be "
             .. "in that region. A bare KEYID serves a single --region; a bare "
             .. "alias serves every region. With --accounts: an alias (looked up "
             .. "in each member account) or ACCOUNT:REGION=KEYID" },
    { "role", default = ROLE_DEFAULT, metavar = "NAME|ARN",
      help = "the RAM role SLS assumes to use the key; a name is made into "
             .. "acs:ram::<caller's account>:role/NAME" },
    { "encrypt-type", type = "choice", choices = encconf.valid_types, default = "default",
      metavar = "TYPE",
      help = "the algorithm (default = AES, sm4, ...; one of "
             .. table.concat(encconf.valid_types, ", ") .. ")" },
  },
  check = check,
  preflight = preflight,
  plan = plan,
  -- what was asked for this target's region: the key as resolved by the
  -- pre-flight (an alias may move), the algorithm and the role
  fingerprint = function(t, ctx)
    if not ctx.want[t.region] then return "byok none" end
    local w = encconf.parse(ctx.want[t.region])
    return table.concat({ "byok", w.cmk_key_id, w.encrypt_type, w.arn:lower() }, " ")
  end,
}

os.exit(rollout.main(policy, arg))
