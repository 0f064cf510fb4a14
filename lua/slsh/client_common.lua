--- slsh.client_common: what the SLS and RPC clients share: option checks
-- that name the option and the valid ones, the region default, the
-- credentials provider, and name checks.

local M = {}

local function config()
  return (rawget(_G, "slsh") and slsh.config) or {}
end

--- Check `opts` against {name = "string"|"number"|"any"}; misuse raises
-- at the caller of the client constructor.
function M.check_options(who, opts, allowed)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    error(who .. ": options must be a table", 3)
  end
  for k, v in pairs(opts) do
    local want = allowed[k]
    if not want then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (valid: %s)", who, tostring(k),
                          table.concat(names, ", ")), 3)
    end
    if want ~= "any" and type(v) ~= want then
      error(string.format("%s: option '%s' must be a %s, got %s", who, k, want, type(v)), 3)
    end
  end
  return opts
end

--- The region: the option, else slsh.default_region() (--region, whose
-- first element is taken when it is a list, which the workflows take
-- whole; ALIBABA_CLOUD_REGION_ID; the profile's region_id), else an error
-- naming both.
function M.region(who, opts, optional)
  local region = opts.region
  if region == nil then
    local s = rawget(_G, "slsh")
    local default = s and s.default_region and s.default_region() or config().region
    region = default and default:match("^[^,]*")
  end
  if region == nil then
    if optional then return nil end
    error(who .. ": region is required (option region=, or --region), e.g. cn-hangzhou", 3)
  end
  if not region:match("^[a-z][a-z0-9-]*[a-z0-9]$") then
    error(who .. ": region '" .. region .. "' is not a region id such as cn-hangzhou", 3)
  end
  return region
end

-- A provider that always answers with one credentials object.
local function fixed(cred)
  return { get = function() return cred end }
end

-- A provider resolved on first use, so that a client can be made before
-- credentials are needed; a resolution failure is returned by every call.
local function lazy(opts)
  local provider, err
  return {
    get = function()
      if not provider and not err then
        provider, err = require("slsh.credentials") { profile = opts.profile
                                                       or config().profile }
      end
      if not provider then return nil, err end
      return provider:get()
    end,
    invalidate = function()
      if provider then provider:invalidate() end
    end,
  }
end

--- The credentials provider of a client: the `credentials` option (a
-- provider with :get(), or a credentials object), else the default chain
-- with the `profile` option or --profile.
function M.provider(opts)
  local c = opts.credentials
  if c == nil then return lazy(opts) end
  local creds = require "slsh.credentials"
  if creds.is(c) then return fixed(c) end
  if type(c) == "table" and type(c.get) == "function" then return c end
  error("credentials must be a provider (slsh.credentials{...}) or a credentials object", 3)
end

--- Project and logstore names: `[a-z0-9_-]`, so no escaping is needed in
-- hosts and paths; anything else is misuse and raises.
function M.check_name(what, name)
  if type(name) ~= "string" or not name:match("^[a-z0-9][a-z0-9_-]*$") then
    error(string.format("%s name must be a string of a-z, 0-9, '_' and '-', got %s",
                        what, type(name) == "string" and ("'" .. name .. "'") or type(name)), 3)
  end
  return name
end

return M
