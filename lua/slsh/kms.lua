--- slsh.kms: KMS (2016-01-20) over slsh.rpc, with the key-health checks
-- BYOK depends on: if the CMK of a logstore is disabled or deleted, every
-- read and write of that logstore fails.
--
--   local kms = slsh.kms.client{region = "cn-hangzhou"}
--   local h = assert(kms:key_health("key-..."))
--   if not h.usable then print(table.concat(h.problems, "; ")) end

local rpc = require "slsh.rpc"
local json = require "slsh.json"
local common = require "slsh.client_common"

local M = {}

local Client = setmetatable({}, { __index = rpc.Client })
Client.__index = Client
Client.__name = "slsh.kms.client"

-- Symmetric specs SLS can encrypt with.
M.BYOK_KEY_SPECS = { Aliyun_AES_256 = true, Aliyun_SM4 = true }

--- kms.client{region=, profile=?, credentials=?, endpoint=?, ...}
function M.client(opts)
  opts = common.check_options("kms.client", opts, rpc.OPTIONS)
  local region = common.region("kms.client", opts)
  local c = rpc.client({ service = "kms", version = "2016-01-20", region = region,
                         endpoint = "kms." .. region .. ".aliyuncs.com", qps = 50 }, opts)
  return setmetatable(c, Client)
end

--- kms:describe_key(id_or_alias) -> KeyMetadata | nil, err
function Client:describe_key(id)
  local r, err = self:call("DescribeKey", { KeyId = id })
  if not r then return nil, err end
  return r.KeyMetadata
end

--- kms:keys{filters=?, page_size=?} -> iterator over {KeyId, KeyArn}
-- (PageNumber paging, 100 a page by default; raises on failure).
-- filters: a list of {Key=, Values={...}}, e.g. {{Key = "KeyState",
-- Values = {"Enabled"}}}; the API takes it as one JSON parameter, not
-- flattened like other lists.
function Client:keys(o)
  o = o or {}
  local filters = o.filters
  if type(filters) == "table" then filters = json.encode(filters) end
  return rpc.page_pager(function(page)
    local r, err = self:call("ListKeys", { PageNumber = page, PageSize = o.page_size or 100,
                                           Filters = filters })
    if not r then return nil, err end
    return r.Keys and r.Keys.Key or {}, r.TotalCount or 0
  end)
end

--- kms:aliases{key_id=?, page_size=?} -> iterator over {AliasName,
-- AliasArn, KeyId}
function Client:aliases(o)
  o = o or {}
  return rpc.page_pager(function(page)
    local r, err = self:call(o.key_id and "ListAliasesByKeyId" or "ListAliases",
                             { KeyId = o.key_id, PageNumber = page,
                               PageSize = o.page_size or 100 })
    if not r then return nil, err end
    return r.Aliases and r.Aliases.Alias or {}, r.TotalCount or 0
  end)
end

local function simple(action)
  return function(self, id, extra)
    local p = { KeyId = id }
    for k, v in pairs(extra or {}) do p[k] = v end
    local r, err = self:call(action, p)
    if not r then return nil, err end
    return true
  end
end

--- kms:enable_key(id), kms:disable_key(id), kms:cancel_key_deletion(id)
Client.enable_key = simple("EnableKey")
Client.disable_key = simple("DisableKey")
Client.cancel_key_deletion = simple("CancelKeyDeletion")

--- kms:schedule_key_deletion(id, days)
function Client:schedule_key_deletion(id, days)
  return simple("ScheduleKeyDeletion")(self, id, { PendingWindowInDays = days or 30 })
end

--- kms:key_health(id) -> {key_id=, state=, usable=bool, problems={...},
-- warnings={...}, metadata=} | nil, err
-- usable: Enabled, a symmetric ENCRYPT/DECRYPT key in this client's region.
function Client:key_health(id)
  local m, err = self:describe_key(id)
  if not m then
    if err.code == "Forbidden.KeyNotFound" then
      return { key_id = id, state = "NotFound", usable = false,
               problems = { "key " .. id .. " does not exist in region " .. self.region },
               warnings = {} }
    end
    return nil, err
  end
  local h = { key_id = m.KeyId, arn = m.Arn, state = m.KeyState, problems = {},
              warnings = {}, metadata = m }
  local function problem(s) h.problems[#h.problems + 1] = s end
  if m.KeyState == "PendingDeletion" then
    problem("key " .. m.KeyId .. " is pending deletion" ..
            (m.DeleteDate and (" (on " .. m.DeleteDate .. ")") or ""))
  elseif m.KeyState ~= "Enabled" then
    problem("key " .. m.KeyId .. " is " .. tostring(m.KeyState))
  end
  if m.KeyUsage and m.KeyUsage ~= "ENCRYPT/DECRYPT" then
    problem("key " .. m.KeyId .. " is for " .. m.KeyUsage .. ", not ENCRYPT/DECRYPT")
  end
  if m.KeySpec and not M.BYOK_KEY_SPECS[m.KeySpec] then
    problem("key " .. m.KeyId .. " has spec " .. m.KeySpec
            .. "; SLS needs Aliyun_AES_256 or Aliyun_SM4")
  end
  local arn_region = type(m.Arn) == "string" and m.Arn:match("^acs:kms:([^:]+):")
  if arn_region and arn_region ~= self.region then
    problem("key " .. m.KeyId .. " is in region " .. arn_region .. ", not " .. self.region)
  end
  if m.DeletionProtection ~= "Enabled" then
    h.warnings[#h.warnings + 1] = "deletion protection is off for key " .. m.KeyId
  end
  if m.Origin == "EXTERNAL" and m.MaterialExpireTime and m.MaterialExpireTime ~= "" then
    h.warnings[#h.warnings + 1] = "imported key material expires " .. m.MaterialExpireTime
  end
  h.usable = #h.problems == 0
  return h
end

return M
