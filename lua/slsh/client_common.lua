--- slsh.client_common: what the SLS and RPC clients share: option checks
-- that name the option and the valid ones, the region default, the
-- credentials provider, and name checks.

local M = {}

-- The slsh module's defaults (--profile, --region, --connect-to, ...),
-- read from the module, never from a global: `local slsh = require
-- "slsh"` in a stock Lua sees the same configuration as the slsh command.
-- Required at call time: slsh loads this module lazily.
local function config()
  return require("slsh").config
end

--- common.wire(opts) -> connect_to, ca_file, verbose: a client's options,
-- else slsh.config's (--connect-to, --ca-file, -v), handed to the
-- transport explicitly so that it needs no global to find them.
function M.wire(opts)
  local c = config()
  return opts.connect_to or c.connect_to, opts.ca_file or c.ca_file,
         opts.verbose or c.verbose
end

--- Check `opts` (nil: none) against {name = "string"|"number"|"any"}
-- like an argument list; misuse raises at the caller of `who`.
-- The ranges of a client's numeric options, checked here so that a bad
-- value is refused naming the option, at the caller, rather than deep in
-- the transport (or not at all: retries=-1 meant no attempt).
local function finite(v) return v == v and v ~= math.huge and v ~= -math.huge end
local RANGES = {
  timeout = { "a number > 0 (seconds)", function(v) return v > 0 and finite(v) end },
  retry_time = { "a number > 0 (seconds)", function(v) return v > 0 and finite(v) end },
  retries = { "a whole number >= 0",
              function(v) return math.tointeger(v) ~= nil and v >= 0 end },
  qps = { "a finite number >= 0 (0 = no limit)", function(v) return v >= 0 and finite(v) end },
  data_qps = { "a finite number >= 0 (0 = no limit)",
               function(v) return v >= 0 and finite(v) end },
}

function M.check_options(who, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(who .. ": options must be a table", 3)
  end
  opts = M.check_fields(who, opts, allowed, nil, "option", 4)
  for name, range in pairs(RANGES) do
    local v = opts[name]
    if allowed[name] and v ~= nil and not range[2](v) then
      error(string.format("%s: option '%s' must be %s, got %s", who, name, range[1],
                          tostring(v)), 3)
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
    local default = require("slsh").default_region()
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

-- Lengths of names the service accepts. A logstore name is 2-63
-- characters in the current CreateLogStore documentation (older pages say
-- 3); a project name is 3-63. Both use lower-case letters, digits, '_'
-- and '-', and start and end with a letter or digit.
local NAME_LENGTH = { project = { 3, 63 }, logstore = { 2, 63 } }

--- True when `name` is a valid project or logstore name (`what`): the
-- test of check_name, for names that come from the service.
function M.valid_name(what, name)
  local len = NAME_LENGTH[what] or { 1, 63 }
  return type(name) == "string" and #name >= len[1] and #name <= len[2]
    and (name:match("^[a-z0-9]$") or name:match("^[a-z0-9][a-z0-9_-]*[a-z0-9]$")) ~= nil
end

--- Project and logstore names: `[a-z0-9_-]`, so no escaping is needed in
-- hosts and paths, of the lengths above; anything else is misuse and
-- raises (before any request), quoting at most 64 characters of the name.
function M.check_name(what, name)
  local len = NAME_LENGTH[what] or { 1, 63 }
  if M.valid_name(what, name) then return name end
  local got = type(name)
  if type(name) == "string" then
    got = #name > 64 and string.format("'%s...' (%d characters)", name:sub(1, 64), #name)
          or ("'" .. name .. "'")
  end
  error(string.format("%s name must be %d-%d characters of a-z, 0-9, '_' and '-', "
                      .. "starting and ending with a letter or digit, got %s",
                      what, len[1], len[2], got), 3)
end

--- Check a table argument `t` against {name = "string"|"number"|...|
-- "any"} like an options table, with the names in `required` present;
-- `what` names it in messages ("field" or "option"). This is the one
-- checker of option and field tables: every public function's misuse
-- reads the same. `level` (default 3) is the error level, as for error().
function M.check_fields(who, t, allowed, required, what, level)
  what = what or "field"
  level = level or 3
  if type(t) ~= "table" then
    error(string.format("%s: expected a table, got %s", who, type(t)), level)
  end
  local names = {}
  for n in pairs(allowed) do names[#names + 1] = n end
  table.sort(names)
  for k, v in pairs(t) do
    local want = allowed[k]
    if not want then
      error(string.format("%s: unknown %s '%s' (valid: %s)", who, what, tostring(k),
                          table.concat(names, ", ")), level)
    end
    if want ~= "any" and type(v) ~= want then
      error(string.format("%s: %s '%s' must be a %s, got %s", who, what, k, want,
                          type(v)), level)
    end
  end
  for _, k in ipairs(required or {}) do
    if t[k] == nil then
      error(string.format("%s: %s '%s' is required (a %s)", who, what, k, allowed[k]), level)
    end
  end
  return t
end

return M
