--- A small, complete cloud for client tests: one account with a root key
-- and an STS key, a BYOK role, KMS keys in every state, and logstores with
-- every kind of field (unknown ones included), served by the emulator.
--
--   local cloud = require "cloud"
--   local c = cloud.start()           -- emulator with cloud.state()
--   local sls = c:sls{signature = "v4"}
--   c:faults{next = {{status = 503, code = "ServerBusy"}}}
--   c:stop()

local emulator = require "emulator"
local json = require "slsh.json"

local M = {}

M.ACCOUNT = "1234567890123456"
M.REGION = "cn-hangzhou"
M.AK = { id = "LTAI5tSlshTestRoot0001", secret = "slsh-test-root-secret-DO-NOT-PRINT-1" }
M.STS = { id = "STS.slshTestTemporary1", secret = "slsh-test-sts-secret-DO-NOT-PRINT-2",
          token = "slsh-test-security-token-DO-NOT-PRINT-3" }
M.USER = { id = "LTAI5tSlshTestUser0001", secret = "slsh-test-user-secret-DO-NOT-PRINT-4",
           name = "operator" }
M.ROLE = "slsh-byok-role"
M.ROLE_ARN = "acs:ram::" .. M.ACCOUNT .. ":role/" .. M.ROLE
M.KEY = "key-hzz62f1b1d5tslsh0001"         -- Enabled, cn-hangzhou
M.KEY_B = "key-hzz62f1b1d5tslsh0002"       -- Enabled, cn-hangzhou
M.KEY_DISABLED = "key-hzz62f1b1d5tslsh0003"
M.KEY_PENDING = "key-hzz62f1b1d5tslsh0004"
M.KEY_SH = "key-sh62f1b1d5tslsh0005"       -- Enabled, cn-shanghai
M.KEY_IMPORT = "key-hzz62f1b1d5tslsh0006"  -- PendingImport (EXTERNAL), cn-hangzhou
M.KEY_SIGN = "key-hzz62f1b1d5tslsh0007"    -- Enabled, EC_P256 SIGN/VERIFY, cn-hangzhou
M.ALIAS = "alias/slsh-byok"                -- M.KEY
M.ADMIN_ROLE_ARN = "acs:ram::" .. M.ACCOUNT .. ":role/slsh-admin-role"
M.PROJECT = "slsh-test-project"
-- The members of the Resource Directory whose management account is
-- M.ACCOUNT: entered through ResourceDirectoryAccountAccessRole, except
-- MEMBER_NO_ROLE (has none), MEMBER_UNTRUSTING (its role trusts another
-- account) and MEMBER_SUSPENDED; MEMBER_VERIFYING is listed as
-- PromoteVerifying (not usable).
M.MEMBER = "2000000000000001"
M.MEMBER_NO_ROLE = "2000000000000002"
M.MEMBER_SUSPENDED = "2000000000000003"
M.MEMBER_VERIFYING = "2000000000000004"
M.MEMBER_B = "2000000000000005"
M.MEMBER_UNTRUSTING = "2000000000000006"
M.MEMBERS = { M.MEMBER, M.MEMBER_NO_ROLE, M.MEMBER_SUSPENDED, M.MEMBER_VERIFYING, M.MEMBER_B,
              M.MEMBER_UNTRUSTING }

local TRUST = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
  .. '"Principal":{"Service":["log.aliyuncs.com"]}}],"Version":"1"}'
local TRUST_ACCOUNT = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
  .. '"Principal":{"RAM":["acs:ram::' .. M.ACCOUNT .. ':root"]}}],"Version":"1"}'

--- A logstore with every field the service is known to return, plus
-- fields it may add one day; `extra` fields are merged in.
function M.logstore(name, extra)
  local text = [==[{"logstoreName":"NAME","ttl":90,"shardCount":2,"enable_tracking":true,
    "autoSplit":true,"maxSplitShard":64,"appendMeta":true,"telemetryType":"None",
    "hot_ttl":30,"infrequentAccessTTL":60,"mode":"standard","createTime":1700000000,
    "lastModifyTime":1700000001,"productType":"","processorId":"",
    "resourceQuota":{"storage":{"preserved":-1,"used":1234}},
    "shardingPolicy":{"shardGroup":{"groupCount":4,"keys":["src"]},
      "shardHash":{"keys":["k"],"maxHashCount":4},"queryActiveTime":86400},
    "x_future_field":{"nested":[1,2.5,"x",null,{},[]],"empty":{},"big":9007199254740993}}]==]
  local ls = assert(json.decode((text:gsub("NAME", name))))
  for k, v in pairs(extra or {}) do ls[k] = v end
  return ls
end

function M.byok(key, enable)
  return { enable = enable ~= false, encrypt_type = "default",
           user_cmk_info = { cmk_key_id = key or M.KEY, arn = M.ROLE_ARN,
                             region_id = M.REGION } }
end

-- The directory and its members' access roles (added to M.state()).
local function directory(s)
  local members = {}
  for _, id in ipairs(M.MEMBERS) do
    members[#members + 1] = { AccountId = id, DisplayName = "member-" .. id:sub(-1),
                              Status = id == M.MEMBER_VERIFYING and "PromoteVerifying"
                                       or "CreateSuccess" }
    if id ~= M.MEMBER_NO_ROLE then
      s.roles[#s.roles + 1] = { account = id, RoleName = "ResourceDirectoryAccountAccessRole",
                                AssumeRolePolicyDocument = id == M.MEMBER_UNTRUSTING
                                  and TRUST_ACCOUNT:gsub(M.ACCOUNT, "9999999999999999")
                                  or TRUST_ACCOUNT,
                                policies = { { PolicyName = "AdministratorAccess",
                                               PolicyType = "System" } } }
    end
  end
  s.accounts[#s.accounts + 1] = { id = M.MEMBER_SUSPENDED, access_keys = json.array {},
                                  suspended = true }
  s.resource_directory = { ResourceDirectoryId = "rd-slshtest", MasterAccountId = M.ACCOUNT,
                           accounts = members }
  return s
end

function M.state()
  return directory {
    accounts = {
      { id = M.ACCOUNT, access_keys = {
        { id = M.AK.id, secret = M.AK.secret },
        { id = M.STS.id, secret = M.STS.secret, security_token = M.STS.token },
        { id = M.USER.id, secret = M.USER.secret, user = M.USER.name },
      } },
    },
    users = { { account = M.ACCOUNT, UserName = M.USER.name } },
    projects = {
      { name = M.PROJECT, region = M.REGION, account = M.ACCOUNT, logstores = {
        M.logstore("plain"),
        M.logstore("service-key", { encrypt_conf = { enable = true, encrypt_type = "default" } }),
        M.logstore("service-key-off", { encrypt_conf = { enable = false,
                                                         encrypt_type = "sm4" } }),
        M.logstore("old-shape", { encrypt_conf = { encrypt_type = "default",
                                                   user_cmk_info = json.object {} } }),
        M.logstore("byok-on", { encrypt_conf = M.byok(M.KEY) }),
        M.logstore("byok-off", { encrypt_conf = M.byok(M.KEY, false) }),
        M.logstore("byok-disabled-key", { encrypt_conf = M.byok(M.KEY_DISABLED) }),
      } },
      { name = "slsh-test-other", region = "cn-shanghai", account = M.ACCOUNT,
        logstores = { M.logstore("sh-plain") } },
    },
    roles = {
      { account = M.ACCOUNT, RoleName = M.ROLE, AssumeRolePolicyDocument = TRUST,
        policies = { { PolicyName = "AliyunKMSReadOnlyAccess", PolicyType = "System" },
                     { PolicyName = "AliyunKMSCryptoUserAccess", PolicyType = "System" } } },
      { account = M.ACCOUNT, RoleName = "slsh-admin-role",
        AssumeRolePolicyDocument = TRUST_ACCOUNT,
        policies = { { PolicyName = "AdministratorAccess", PolicyType = "System" } } },
      { account = M.ACCOUNT, RoleName = "half-role", AssumeRolePolicyDocument = TRUST_ACCOUNT,
        policies = { { PolicyName = "AliyunKMSReadOnlyAccess", PolicyType = "System" } } },
    },
    policies = json.array {},
    keys = {
      { account = M.ACCOUNT, KeyId = M.KEY, region = M.REGION, KeyState = "Enabled",
        DeletionProtection = "Enabled" },
      { account = M.ACCOUNT, KeyId = M.KEY_B, region = M.REGION, KeyState = "Enabled" },
      { account = M.ACCOUNT, KeyId = M.KEY_DISABLED, region = M.REGION, KeyState = "Disabled" },
      { account = M.ACCOUNT, KeyId = M.KEY_PENDING, region = M.REGION,
        KeyState = "PendingDeletion", DeleteDate = "2030-01-01T00:00:00Z" },
      { account = M.ACCOUNT, KeyId = M.KEY_SH, region = "cn-shanghai", KeyState = "Enabled" },
      { account = M.ACCOUNT, KeyId = M.KEY_IMPORT, region = M.REGION, KeyState = "PendingImport",
        Origin = "EXTERNAL" },
      { account = M.ACCOUNT, KeyId = M.KEY_SIGN, region = M.REGION, KeyState = "Enabled",
        KeySpec = "EC_P256", KeyUsage = "SIGN/VERIFY" },
    },
    aliases = { { account = M.ACCOUNT, region = M.REGION, AliasName = M.ALIAS, KeyId = M.KEY } },
    ecs = { role = "slsh-admin-role", account = M.ACCOUNT },
    credentials_uri = { role = "slsh-admin-role", account = M.ACCOUNT },
  }
end

local Cloud = {}
Cloud.__index = Cloud

--- cloud.start{state=?, args=?, tls=?} -> a running cloud
function M.start(opts)
  opts = opts or {}
  local path = os.tmpname()
  local initial = opts.state or M.state()
  local f = assert(io.open(path, "w"))
  f:write(json.encode(initial))
  f:close()
  local args = { "--state", path }
  for _, a in ipairs(opts.args or {}) do args[#args + 1] = a end
  local srv = emulator.start { tls = opts.tls, args = args }
  os.remove(path)
  local self = setmetatable({ srv = srv, url = srv.url, https_url = srv.https_url,
                              ca = srv.ca, initial = initial }, Cloud)
  self.http = slsh.http.client {}
  self.creds = slsh.credentials { access_key_id = M.AK.id, access_key_secret = M.AK.secret }
  self.sts_creds = slsh.credentials { access_key_id = M.STS.id,
                                      access_key_secret = M.STS.secret,
                                      security_token = M.STS.token }
  return self
end

function Cloud:stop()
  self.http:close()
  self.srv.stop()
end

-- Options every client of this cloud gets.
function Cloud:opts(extra)
  local o = { credentials = self.creds, connect_to = self.url, region = M.REGION,
              retries = 0 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

function Cloud:sls(extra) return slsh.sls.client(self:opts(extra)) end
function Cloud:ram(extra)
  local o = self:opts(extra)
  o.region = nil
  return slsh.ram.client(o)
end
function Cloud:kms(extra) return slsh.kms.client(self:opts(extra)) end
function Cloud:sts(extra) return slsh.sts.client(self:opts(extra)) end

-- A control request; the decoded JSON answer.
function Cloud:control(method, path, body)
  local r = assert(self.http:request { method = method, url = self.url .. "/__emulator/" .. path,
                                       body = body and json.encode(body) or nil,
                                       headers = body and { ["Content-Type"] = "application/json" }
                                                 or nil })
  assert(r.status == 200, path .. " answered " .. r.status .. ": " .. r.body)
  return r.body ~= "" and json.decode(r.body) or nil
end

function Cloud:faults(f) return self:control("POST", "faults", f) end
function Cloud:stats() return self:control("GET", "stats") end
function Cloud:reset_stats() return self:control("POST", "stats/reset") end
function Cloud:state() return self:control("GET", "state") end
--- Put the whole state back (default: the one the cloud started with).
function Cloud:restore(state)
  return self:control("PUT", "state", state or self.initial)
end

--- Back to the start: the first state, no queued faults, the emulator's
-- clock on time, the counters at zero. For specs that share one emulator.
function Cloud:reset()
  self:restore()
  self:faults { next = json.array {}, clock_offset = 0 }
  self:reset_stats()
end

--- How many requests of `action` the emulator served since the last reset.
function Cloud:count(action)
  local n = 0
  for _, actions in pairs(self:stats().by_service) do n = n + (actions[action] or 0) end
  return n
end
function Cloud:log() return self:control("GET", "log") end

--- The stored logstore `name` of project `project`, as the emulator holds it.
function Cloud:stored(project, name)
  for _, p in ipairs(self:state().projects) do
    if p.name == project then
      for _, ls in ipairs(p.logstores) do
        if ls.logstoreName == name then return ls end
      end
    end
  end
end

return M
