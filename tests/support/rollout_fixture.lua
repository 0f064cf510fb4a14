--- A small estate for the integration tests of the rollout workflows
-- (byok-rollout, encrypt-service-key, toggle), with every encryption
-- situation they must tell apart, and helpers to run the real slsh
-- binary against it.
--
--   local fx = require "rollout_fixture"
--   local c = fx.start()                 -- emulator with fx.state()
--   local r = fx.run(c, "byok-rollout", {"--region", "cn-hangzhou", ...})
--   r.code, r.stdout, r.stderr
--   fx.reset(c)                          -- back to fx.state()
--   c:stop()

local cloud = require "cloud"
local run = require "run"
local json = require "slsh.json"

local M = {}

M.ACCOUNT = cloud.ACCOUNT
M.HZ, M.SH = "cn-hangzhou", "cn-shanghai"
M.ROLE = "slsh-byok-role"
M.ROLE_ARN = "acs:ram::" .. M.ACCOUNT .. ":role/" .. M.ROLE
M.KEY = "key-hzz62f1b1d5trollout01"         -- Enabled, cn-hangzhou, alias/slsh-byok
M.KEY_B = "key-hzz62f1b1d5trollout02"       -- Enabled, cn-hangzhou
M.KEY_DIS = "key-hzz62f1b1d5trollout03"     -- Disabled, cn-hangzhou
M.KEY_PEND = "key-hzz62f1b1d5trollout04"    -- PendingDeletion, cn-hangzhou
M.KEY_SH = "key-sha62f1b1d5trollout05"      -- Enabled, cn-shanghai, alias/slsh-byok
M.KEY_SH_DIS = "key-sha62f1b1d5trollout06"  -- Disabled, cn-shanghai
M.CF_HZ = "cloudfirewall-project-" .. M.ACCOUNT .. "-cn-hangzhou"
M.CF_SH = "cloudfirewall-project-" .. M.ACCOUNT .. "-cn-shanghai"
M.SAS = "sas-log-" .. M.ACCOUNT .. "-cn-hangzhou"

local function trust(principal)
  return json.encode { Statement = { { Action = "sts:AssumeRole", Effect = "Allow",
                                       Principal = principal } }, Version = "1" }
end

function M.byok(key, region, enable, etype)
  return { enable = enable ~= false, encrypt_type = etype or "default",
           user_cmk_info = { cmk_key_id = key, arn = M.ROLE_ARN,
                             region_id = region or M.HZ } }
end

-- cloud.logstore: every field the service returns, unknown ones included.
local function ls(name, conf, extra)
  local t = cloud.logstore(name, extra)
  t.encrypt_conf = conf
  return t
end

function M.state()
  local kms_policies = {
    { PolicyName = "AliyunKMSReadOnlyAccess", PolicyType = "System" },
    { PolicyName = "AliyunKMSCryptoUserAccess", PolicyType = "System" },
  }
  local function key(id, region, state)
    return { account = M.ACCOUNT, KeyId = id, region = region, KeyState = state,
             DeletionProtection = "Enabled",
             DeleteDate = state == "PendingDeletion" and "2099-01-01T00:00:00Z" or nil }
  end
  return {
    accounts = { { id = M.ACCOUNT, access_keys = {
      { id = cloud.AK.id, secret = cloud.AK.secret } } } },
    projects = {
      { name = "app-hz", region = M.HZ, account = M.ACCOUNT, logstores = {
        ls("plain"),
        ls("plain2", nil, { ttl = 3650, hot_ttl = 7, mode = "query" }),
        ls("service", { enable = true, encrypt_type = "default" }),
        ls("service-old", { enable = true, encrypt_type = "sm4",
                            user_cmk_info = json.object {} }),
        ls("service-off", { enable = false, encrypt_type = "default" }),
        ls("byok-on", M.byok(M.KEY)),
        ls("byok-off", M.byok(M.KEY, M.HZ, false)),
        ls("byok-other", M.byok(M.KEY_B)),
        ls("byok-dead", M.byok(M.KEY_DIS)),
        ls("byok-sm4", M.byok(M.KEY, M.HZ, true, "sm4")),
        ls("product-owned", nil, { productType = "sas" }),
      } },
      { name = M.CF_HZ, region = M.HZ, account = M.ACCOUNT, logstores = {
        ls("cloudfirewall-logstore", nil, { productType = "cloudfirewall" }) } },
      { name = M.SAS, region = M.HZ, account = M.ACCOUNT, logstores = { ls("sas-log") } },
      { name = "app-sh", region = M.SH, account = M.ACCOUNT, logstores = {
        ls("plain"),
        ls("byok-dead-sh", M.byok(M.KEY_SH_DIS, M.SH, false)),
      } },
      { name = M.CF_SH, region = M.SH, account = M.ACCOUNT, logstores = {
        ls("cloudfirewall-logstore", nil, { productType = "cloudfirewall" }) } },
    },
    roles = {
      { account = M.ACCOUNT, RoleName = M.ROLE,
        AssumeRolePolicyDocument = trust { Service = { "log.aliyuncs.com" } },
        policies = kms_policies },
      { account = M.ACCOUNT, RoleName = "half-role",
        AssumeRolePolicyDocument = trust { Service = { "log.aliyuncs.com" } },
        policies = { kms_policies[1] } },
      { account = M.ACCOUNT, RoleName = "untrusted-role",
        AssumeRolePolicyDocument = trust { RAM = { "acs:ram::" .. M.ACCOUNT .. ":root" } },
        policies = kms_policies },
    },
    policies = json.array {},
    keys = {
      key(M.KEY, M.HZ, "Enabled"), key(M.KEY_B, M.HZ, "Enabled"),
      key(M.KEY_DIS, M.HZ, "Disabled"), key(M.KEY_PEND, M.HZ, "PendingDeletion"),
      key(M.KEY_SH, M.SH, "Enabled"), key(M.KEY_SH_DIS, M.SH, "Disabled"),
    },
    aliases = {
      { account = M.ACCOUNT, region = M.HZ, AliasName = "alias/slsh-byok", KeyId = M.KEY },
      { account = M.ACCOUNT, region = M.SH, AliasName = "alias/slsh-byok", KeyId = M.KEY_SH },
    },
  }
end

function M.start()
  return cloud.start { state = M.state() }
end

--- Put the emulator back to M.state() and zero its counters.
function M.reset(c)
  c:control("PUT", "state", M.state())
  c:reset_stats()
end

--- Run `slsh --connect-to URL run WORKFLOW ARGS...` with the estate's key.
function M.run(c, workflow, args)
  local words = { "--connect-to", c.url, "run", workflow }
  for _, a in ipairs(args or {}) do words[#words + 1] = a end
  return run.slsh(words, { env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret,
  } })
end

--- The logstores of an emulator state: "project/logstore" -> logstore.
function M.stores(state)
  local out = {}
  for _, p in ipairs(state.projects) do
    for _, l in ipairs(p.logstores) do out[p.name .. "/" .. l.logstoreName] = l end
  end
  return out
end

--- A --report .json file: "project/logstore" -> row.
function M.report(path)
  local f = assert(io.open(path, "rb"))
  local rows = assert(json.decode(f:read("a")))
  f:close()
  local out = {}
  for _, r in ipairs(rows) do out[r.project .. "/" .. r.logstore] = r end
  return out, rows
end

--- A temporary file name with an extension (for --report and --journal).
function M.tmp(ext)
  local p = os.tmpname()
  os.remove(p)
  return p .. ext
end

-- Deep equality of decoded JSON values (key order ignored, types kept:
-- 1 and 1.0 differ, as they would on the wire).
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b and math.type(a) == math.type(b) end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return json.is_array(a) == json.is_array(b)
end
M.same = same

--- Fields of two logstores that differ, other than `ignore` (a set).
function M.changed_fields(a, b, ignore)
  local keys, out = {}, {}
  for k in pairs(a) do keys[k] = true end
  for k in pairs(b) do keys[k] = true end
  for k in pairs(keys) do
    if not (ignore and ignore[k]) and not same(a[k], b[k]) then
      out[#out + 1] = k
    end
  end
  table.sort(out)
  return out
end

return M
