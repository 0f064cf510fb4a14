--- Encrypt logstores with the SLS service key (PERMANENT: rules out BYOK forever)
--
-- The same plan/apply as byok-rollout, with the key SLS manages itself.
-- Choosing it is the one encryption decision that can never be revisited:
-- a logstore encrypted with the service key can never use your own KMS
-- key. So a plan prints that warning first, and --apply also needs
-- --i-understand-service-key-is-permanent.

local rollout = require "slsh.rollout"
local encconf = require "slsh.encrypt_conf"

local WARNING = [[
WARNING: the SLS service key is PERMANENT. A logstore encrypted with it can
never be switched to BYOK (your own KMS key), nor to another algorithm;
only enable can change. If you may ever need BYOK (compliance, key
rotation under your control, revoking access by disabling a key), use
'slsh run byok-rollout' instead.]]

local FLAG = "i-understand-service-key-is-permanent"

local function plan(t, ls, cur, ctx)
  local want = encconf.service_key { encrypt_type = ctx.opts.encrypt_type }
  if cur.mechanism == "none" then
    return "encrypt", "unencrypted: will use the SLS service key (PERMANENT: BYOK impossible "
                      .. "afterwards)", want
  end
  if cur.mechanism == "byok" then
    return "refused", "BYOK with " .. tostring(cur.cmk_key_id) .. ": the mechanism can "
                      .. "never change to the service key" .. ctx:key_note(cur, t.region)
  end
  local kind = encconf.check_transition(ls.encrypt_conf, want)
  if kind == "noop" then
    return "done", "already encrypted with the SLS service key, enabled"
  elseif kind == "toggle" then
    return "enable", "service key but disabled: only enable changes",
           encconf.with_enable(ls.encrypt_conf, true)
  end
  return "refused", "service key with encrypt_type " .. tostring(cur.encrypt_type)
                    .. ": the algorithm can never change (asked " .. ctx.opts.encrypt_type .. ")"
end

local policy = {
  name = "encrypt-service-key",
  usage = "slsh [--region R] run encrypt-service-key [OPTIONS]",
  summary = "Encrypt logstores with the SLS service key. PERMANENT: a logstore encrypted "
            .. "this way can never use BYOK.",
  description = WARNING .. [[


The plan says for every logstore:
  encrypt   unencrypted: gets the service key (permanent)
  enable    service key with this algorithm but disabled: only enable changes
  done      service key with this algorithm, enabled
  refused   cannot, with the reason (BYOK chosen already, another algorithm)
  skip      a project or logstore owned by another cloud service
Nothing is written without --apply, and --apply is refused unless
--i-understand-service-key-is-permanent is given too.

Default target: Cloud Firewall's logstore 'cloudfirewall-logstore'.
Projects of other services (sas-log-*, sls-alert-*) and logstores with
another productType are skipped unless --include-service-projects is given.]],
  epilog = [[
Exit status: 0 nothing refused or failed (a plan: every change possible);
1 the run could not start; 2 bad options (--apply without
--i-understand-service-key-is-permanent); 3 some logstore was refused or
failed (also in a plan), drifted, or was held back by a failed canary.]],
  warning = WARNING,
  options = {
    { "encrypt-type", type = "choice", choices = encconf.valid_types, default = "default",
      metavar = "TYPE",
      help = "the algorithm (default = AES, sm4, ...; one of "
             .. table.concat(encconf.valid_types, ", ") .. ")" },
    { FLAG, type = "flag",
      help = "required with --apply: you accept that these logstores can never use BYOK" },
  },
  apply_requires = {
    flag = (FLAG:gsub("-", "_")),
    message = "--apply needs --" .. FLAG .. ": the SLS service key can never be "
              .. "replaced by BYOK on these logstores",
  },
  plan = plan,
  fingerprint = function(_, ctx) return "service-key " .. ctx.opts.encrypt_type end,
}

os.exit(rollout.main(policy, arg))
