--- slsh.sts: STS (2015-04-01) over slsh.rpc: who am I, and AssumeRole.
-- Loading this module also gives slsh.credentials its AssumeRole fetcher,
-- so RamRoleArn and ChainableRamRoleArn profiles work.

local rpc = require "slsh.rpc"
local json = require "slsh.json"
local host = require "slsh.host.core"
local common = require "slsh.client_common"
local errors = require "slsh.err"
local credentials = require "slsh.credentials"

local M = {}

local Client = setmetatable({}, { __index = rpc.Client })
Client.__index = Client
Client.__name = "slsh.sts.client"

--- sts.client{region=?, profile=?, credentials=?, endpoint=?, ...}
-- Endpoint: sts.<region>.aliyuncs.com with a region, else sts.aliyuncs.com.
function M.client(opts)
  opts = common.check_options("sts.client", opts, rpc.OPTIONS)
  local region = common.region("sts.client", opts, true)
  local endpoint = region and ("sts." .. region .. ".aliyuncs.com") or "sts.aliyuncs.com"
  local c = rpc.client({ service = "sts", version = "2015-04-01", region = region,
                         endpoint = endpoint, qps = 20 }, opts)
  return setmetatable(c, Client)
end

--- sts:caller_identity() -> {AccountId=, Arn=, IdentityType=, PrincipalId=, ...}
-- AccountId and Arn must be strings: callers build ARNs and role names
-- from them.
function Client:caller_identity()
  local r, err = self:call("GetCallerIdentity", {})
  if not r then return nil, err end
  for _, k in ipairs { "AccountId", "Arn" } do
    if type(r[k]) ~= "string" or r[k] == "" then
      return nil, errors.new { code = "bad_response", service = "sts",
                               action = "GetCallerIdentity", field = k,
                               message = "the GetCallerIdentity answer has no " .. k }
    end
  end
  return r
end

--- sts:assume_role{role_arn=, session_name=?, duration=?, policy=?, external_id=?}
--   -> credentials object (with expiration) | nil, err
function Client:assume_role(o)
  common.check_fields("sts:assume_role", o, { role_arn = "string", session_name = "string",
    duration = "number", policy = "string", external_id = "string" })
  if o.role_arn == nil then
    error("sts:assume_role: field 'role_arn' is required (acs:ram::<uid>:role/<name>)", 2)
  end
  local r, err = self:call("AssumeRole", {
    RoleArn = o.role_arn,
    RoleSessionName = o.session_name or ("slsh-" .. math.floor(host.time())),
    DurationSeconds = o.duration or 3600,
    Policy = o.policy, ExternalId = o.external_id,
  })
  if not r then return nil, err end
  return credentials.parse_assume_role(json.encode(r), "assume_role " .. o.role_arn)
end

-- The AssumeRole fetcher of RamRoleArn profiles: STS called with the
-- source credentials of the profile.
credentials.fetchers.ram_role_arn = function(spec, source)
  local endpoint = spec.sts_endpoint
  local c = M.client { credentials = source, endpoint = endpoint,
                       region = (not endpoint) and spec.sts_region or nil }
  return c:assume_role { role_arn = spec.role_arn, session_name = spec.session_name,
                         duration = spec.duration, policy = spec.policy,
                         external_id = spec.external_id }
end

return M
