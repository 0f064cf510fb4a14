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
    { "role", default = rollout.ROLE_DEFAULT, metavar = "NAME|ARN",
      help = "the RAM role SLS assumes to use the key; a name is made into "
             .. "acs:ram::<caller's account>:role/NAME" },
    { "encrypt-type", type = "choice", choices = encconf.valid_types, default = "default",
      metavar = "TYPE",
      help = "the algorithm (default = AES, sm4, ...; one of "
             .. table.concat(encconf.valid_types, ", ") .. ")" },
  },
  -- the key of each selected region, the role SLS assumes (shared with
  -- migrate-logstores through slsh.rollout)
  check = function(opts, policy) rollout.byok_keys(opts, policy, opts.regions) end,
  preflight = function(ctx) return rollout.byok_preflight(ctx, ctx.opts.regions) end,
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
