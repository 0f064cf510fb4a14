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

-- Raise unless `id` (of `who`) is a key id, ARN or alias: a non-empty string.
local function check_id(who, id)
  if type(id) ~= "string" or id == "" then
    error(string.format("%s: the key id must be a non-empty string (a key id, "
                        .. "ARN or alias/NAME), got %s", who, id == "" and "''" or type(id)), 3)
  end
end

--- kms:describe_key(id_or_alias) -> KeyMetadata | nil, err
function Client:describe_key(id)
  check_id("kms:describe_key", id)
  local r, err = self:call("DescribeKey", { KeyId = id })
  if not r then return nil, err end
  return self:member(r, "KeyMetadata", "DescribeKey")
end

--- kms:keys{filters=?, page_size=?} -> iterator over {KeyId, KeyArn}
-- (PageNumber paging, 100 a page by default; raises on failure).
-- filters: a list of {Key=, Values={...}}, e.g. {{Key = "KeyState",
-- Values = {"Enabled"}}}; the API takes it as one JSON parameter, not
-- flattened like other lists.
function Client:keys(o)
  o = common.check_fields("kms:keys", o or {}, { filters = "any", page_size = "number" },
                          nil, "option")
  local filters = o.filters
  if type(filters) == "table" then filters = json.encode(filters) end
  return rpc.page_pager(function(page)
    local r, err = self:call("ListKeys", { PageNumber = page, PageSize = o.page_size or 100,
                                           Filters = filters })
    if not r then return nil, err end
    local items, lerr = self:list_member(r, "Keys", "Key", "ListKeys")
    if not items then return nil, lerr end
    local total, terr = self:count_member(r, "TotalCount", "ListKeys")
    if not total then return nil, terr end
    return items, total
  end)
end

--- kms:aliases{key_id=?, page_size=?} -> iterator over {AliasName,
-- AliasArn, KeyId}
function Client:aliases(o)
  o = common.check_fields("kms:aliases", o or {}, { key_id = "string", page_size = "number" },
                          nil, "option")
  return rpc.page_pager(function(page)
    local r, err = self:call(o.key_id and "ListAliasesByKeyId" or "ListAliases",
                             { KeyId = o.key_id, PageNumber = page,
                               PageSize = o.page_size or 100 })
    if not r then return nil, err end
    local action = o.key_id and "ListAliasesByKeyId" or "ListAliases"
    local items, lerr = self:list_member(r, "Aliases", "Alias", action)
    if not items then return nil, lerr end
    local total, terr = self:count_member(r, "TotalCount", action)
    if not total then return nil, terr end
    return items, total
  end)
end

-- A call on one key that answers nothing but success.
local function simple(action, who)
  return function(self, id)
    check_id(who, id)
    local r, err = self:call(action, { KeyId = id })
    if not r then return nil, err end
    return true
  end
end

--- kms:enable_key(id), kms:disable_key(id), kms:cancel_key_deletion(id)
Client.enable_key = simple("EnableKey", "kms:enable_key")
Client.disable_key = simple("DisableKey", "kms:disable_key")
Client.cancel_key_deletion = simple("CancelKeyDeletion", "kms:cancel_key_deletion")

--- kms:schedule_key_deletion(id, days?) (days: 7-366, the window KMS
-- accepts; default 30)
function Client:schedule_key_deletion(id, days)
  check_id("kms:schedule_key_deletion", id)
  if days ~= nil and (math.type(days) ~= "integer" or days < 7 or days > 366) then
    error("kms:schedule_key_deletion: days must be an integer 7-366, got " .. tostring(days), 2)
  end
  local r, err = self:call("ScheduleKeyDeletion", { KeyId = id,
                                                    PendingWindowInDays = days or 30 })
  if not r then return nil, err end
  return true
end

--- kms:key_health(id) -> {key_id=, state=, usable=bool, problems={...},
-- warnings={...}, metadata=} | nil, err
-- usable: Enabled, a symmetric ENCRYPT/DECRYPT key in this client's region.
function Client:key_health(id)
  check_id("kms:key_health", id)
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
