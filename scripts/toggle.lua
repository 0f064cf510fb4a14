--- Enable or disable the encryption of logstores where the rules allow it
--
-- Once a logstore has an encryption config, `enable` is the only thing
-- that may ever change. This workflow changes exactly that: it sends the
-- logstore's complete current encrypt_conf with only `enable` flipped
-- (slsh.encrypt_conf.with_enable), so the mechanism, algorithm and key
-- stay as they are. Unencrypted logstores have nothing to toggle.

local rollout = require "slsh.rollout"
local encconf = require "slsh.encrypt_conf"

-- Can SLS use this BYOK logstore's key and role again? nil, or the reason not.
local function byok_blocker(cur, region, ctx)
  local h, err = ctx:key_health(cur.region_id or region, cur.cmk_key_id)
  if not h then
    return "cannot check key " .. cur.cmk_key_id .. ": " .. tostring(err.message or err)
  end
  if not h.usable then
    return table.concat(h.problems, ", ") .. " (SLS enables BYOK only with an Enabled "
           .. "key); reads and writes of this logstore are failing now"
  end
  local _, name = rollout.role_of(cur.arn)
  if not name then return "role ARN " .. tostring(cur.arn) .. " is not a role ARN" end
  local chk, rerr = ctx:role_check(name)
  if not chk then
    return "cannot check role " .. name .. ": " .. tostring(rerr.message or rerr)
  end
  if #chk.problems > 0 then
    return table.concat(chk.problems, "; ") .. " (repair it with: slsh run setup-role)"
  end
end

local function plan(t, ls, cur, ctx)
  local on = ctx.opts.state == "on"
  if cur.mechanism == "none" then
    return "skip", "not encrypted: nothing to toggle (byok-rollout or encrypt-service-key "
                   .. "choose a mechanism first)"
  end
  if cur.enable_known and cur.enable == on then
    return "done", "already " .. ctx.opts.state
  end
  local conf = encconf.with_enable(ls.encrypt_conf, on)
  local what = cur.mechanism == "byok" and ("BYOK with " .. tostring(cur.cmk_key_id))
               or "service key"
  if on then
    if cur.mechanism == "byok" then
      local why = byok_blocker(cur, t.region, ctx)
      if why then return "refused", "cannot enable: " .. why end
    end
    return "enable", what .. ": only enable changes", conf
  end
  if cur.mechanism == "byok" then
    return "disable", "BYOK stays: data already written stays encrypted with "
                      .. tostring(cur.cmk_key_id) .. ", reading it still needs the key "
                      .. "and the role" .. ctx:key_note(cur, t.region), conf
  end
  return "disable", "service key stays: data already written stays encrypted", conf
end

local policy = {
  name = "toggle",
  usage = "slsh [--region R] run toggle --state on|off [OPTIONS]",
  summary = "Enable or disable encryption of logstores that already have an "
            .. "encryption config (only 'enable' ever changes).",
  description = [[
The first encryption choice of a logstore is permanent; afterwards only
enable may change. This workflow sends each logstore's complete current
encrypt_conf with only enable set to --state, inside the complete logstore
(or through the encryption API with --via encryption_api). The plan says:
  enable    encrypted but disabled, and --state on
  disable   encrypted and enabled, and --state off
  done      already in that state
  refused   --state on for a BYOK logstore whose key is not Enabled or whose
            role is broken (SLS cannot use them), with the reason
  skip      unencrypted (nothing to toggle; byok-rollout or
            encrypt-service-key choose a mechanism), or owned by another
            cloud service
Disabling does not decrypt anything and does not undo the choice: the
mechanism and key stay locked, and data already written stays encrypted;
for BYOK, reading it still needs the CMK and the role, so never delete or
disable the key because encryption is off.

Default target: Cloud Firewall's logstore 'cloudfirewall-logstore'.]],
  epilog = [[
Exit status: 0 nothing refused or failed; 1 the run could not start;
2 bad options (--state is required); 3 some logstore was refused or failed
(also in a plan), drifted, or was held back by a failed canary.]],
  options = {
    { "state", type = "choice", choices = { "on", "off" }, required = true,
      help = "on: enable encryption; off: disable it (data already written stays "
             .. "encrypted, BYOK reads still need the key)" },
  },
  warning = function(opts)
    if opts.state == "off" then
      return "note: disabling does not decrypt anything or undo the choice: data already "
             .. "written stays encrypted,\nand for BYOK logstores reading it still needs "
             .. "the CMK and the role (never delete or disable the key)."
    end
  end,
  plan = plan,
  fingerprint = function(_, ctx) return "toggle " .. ctx.opts.state end,
}

os.exit(rollout.main(policy, arg))
