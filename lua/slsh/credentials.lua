--- slsh.credentials: the credential chain, in the order of the official
-- SDKs' default chain (docs/guide.md, Credentials).
--
--   local provider, err = slsh.credentials{profile=?, access_key_id=?,
--       access_key_secret=?, security_token=?, env=?, clock=?}
--   local cred, err = provider:get()
--
-- The C core (slsh.cred.core) resolves the chain without the network:
-- explicit keys, environment, ~/.aliyun/config.json, the INI file, ECS
-- metadata, credentials URI. A static result is returned as is. The other
-- kinds (ram_role_arn, ecs_ram_role, credentials_uri) are fetched by a
-- function registered in `credentials.fetchers[kind]` (or set on one
-- provider as `provider.fetch`), called as fetch(spec, source) where
-- `source` is the provider of the credentials that sign an AssumeRole
-- (nil for the other kinds); it returns credentials (see
-- credentials.new and the parse_* functions) or nil, err. The result is
-- cached and fetched again when less than `credentials.margins[kind]`
-- seconds remain (at most half its lifetime).

local core = require "slsh.cred.core"
local errs = require "slsh.err"

local M = {
  is = core.is,
  new = core.new,
  resolve = core.resolve,
  parse_imds = core.parse_imds,
  parse_uri_response = core.parse_uri_response,
  parse_assume_role = core.parse_assume_role,
  needs_refresh = core.needs_refresh,
  parse_time = core.parse_time,
  format_time = core.format_time,
}

--- Fetchers by kind: function(spec, source) -> credentials | nil, err.
M.fetchers = {}

--- Modules that register a fetcher when loaded, required on first need
-- (the STS client brings AssumeRole).
M.fetcher_modules = {
  ram_role_arn = "slsh.sts",
  ecs_ram_role = "slsh.metadata",
  credentials_uri = "slsh.metadata",
}

--- Seconds before expiry at which cached credentials are fetched again:
-- credentials-python treats IMDS credentials as stale 15 minutes ahead;
-- credentials-go refreshes URI and AssumeRole credentials with 180 s left.
M.margins = {
  ecs_ram_role = 15 * 60,
  credentials_uri = 180,
  ram_role_arn = 180,
}

local OPTIONS = {
  profile = "string", access_key_id = "string", access_key_secret = "string",
  security_token = "string", env = "table", clock = "function",
  verbose = "number", log = "function",
}
local OPTION_LIST = "profile, access_key_id, access_key_secret, "
  .. "security_token, env, clock, verbose, log"

local Provider = {}
Provider.__index = Provider
Provider.__name = "slsh.credentials.provider"

function Provider.__tostring(p)
  return string.format("credentials provider (%s: %s)", p.kind, p.origin)
end

local function new_provider(spec, clock, verbose, log)
  return setmetatable({
    kind = spec.kind,
    origin = spec.origin,
    spec = spec,
    clock = clock,
    verbose = verbose or 0,
    log = log,
  }, Provider)
end

-- Lines already written to stderr: every client of a run has its own
-- provider, and the user wants to read the source once, not per client.
local said = {}

-- With -v, say once which source the credentials came from (the source
-- that worked, for a chain of candidates): its kind and where it was
-- found, which never includes a key or a token.
local function announce(p)
  if p.announced or p.verbose < 1 then return end
  p.announced = true
  local spec = p.active or p.spec
  local line = string.format("credentials: %s from %s", spec.kind, spec.origin)
  if p.log then
    p.log(line)
  elseif not said[line] then
    said[line] = true
    io.stderr:write("slsh: ", line, "\n")
  end
end

-- The fetch function for `kind`, or nil and why there is none.
local function fetcher_for(p, kind)
  local fn = rawget(p, "fetch") or M.fetchers[kind]
  if fn then return fn end
  local mod = M.fetcher_modules[kind]
  if mod and (package.loaded[mod] or package.preload[mod]) then
    require(mod)
    fn = M.fetchers[kind]
    if fn then return fn end
    return nil, mod .. " registers no fetcher for it"
  end
  return nil, "no fetcher is registered for it"
end

-- Fetch one candidate spec: credentials or nil, err.
local function fetch_one(p, spec)
  local fn, why = fetcher_for(p, spec.kind)
  if not fn then
    return nil, errs.new {
      code = "credentials_unavailable",
      message = string.format("%s credentials (%s) cannot be fetched: %s",
        spec.kind, spec.origin, why),
    }
  end
  local source = spec.source_provider
  if not source and spec.source then
    p.sources = p.sources or {}
    source = p.sources[spec.source]
    if not source then
      source = new_provider(spec.source, p.clock)
      source.fetch = rawget(p, "fetch")
      p.sources[spec.source] = source
    end
  end
  local cred, err = fn(spec, source)
  if cred == nil then
    return nil, err or errs.new {
      code = "credentials_unavailable",
      message = spec.kind .. " fetcher returned nothing",
    }
  end
  if not core.is(cred) then
    error(string.format("slsh.credentials: the %s fetcher returned a %s, "
      .. "not credentials", spec.kind, type(cred)), 0)
  end
  return cred
end

local function message_of(err)
  if type(err) == "table" and err.message then return tostring(err.message) end
  return tostring(err)
end

-- Fetch from the remembered candidate, or walk the candidates (ECS
-- metadata, then credentials URI) and remember the first that works.
local function fetch(p)
  if p.active then return fetch_one(p, p.active) end
  local spec, failures = p.spec, {}
  while spec do
    local cred, err = fetch_one(p, spec)
    if cred then
      p.active = spec
      return cred
    end
    if not spec.implicit then return nil, err end
    failures[#failures + 1] = spec.origin .. ": " .. message_of(err)
    spec = spec.fallback
  end
  local looked = {}
  for _, line in ipairs(p.spec.looked or {}) do looked[#looked + 1] = line end
  for _, line in ipairs(failures) do looked[#looked + 1] = line end
  return nil, errs.new {
    code = "credentials_missing",
    message = "no credentials found (looked at: "
      .. table.concat(looked, "; ") .. ")",
    looked = looked,
  }
end

-- True when `cred`, fetched at p.fetched_at, should be fetched again.
local function stale(p, cred, now)
  local exp = cred.expiration
  if not exp then return false end
  local kind = p.active and p.active.kind or p.kind
  local margin = M.margins[kind] or 180
  local life = exp - p.fetched_at
  if life > 0 and margin > life // 2 then margin = life // 2 end
  return core.needs_refresh(exp, now, margin)
end

--- provider:get() -> credentials | nil, err
-- Static credentials as resolved; otherwise the cached ones while they are
-- fresh, else a new fetch. When a refresh fails while the cached
-- credentials have not yet expired, those are returned (the failure is
-- kept in provider.last_error) and the next call tries again.
function Provider:get()
  if self.kind == "static" then
    announce(self)
    return self.spec.credentials
  end
  local now = math.floor(self.clock())
  local cached = self.cached
  if cached and not stale(self, cached, now) then return cached end
  local cred, err = fetch(self)
  if cred then
    self.cached, self.fetched_at, self.last_error = cred, now, nil
    announce(self)
    return cred
  end
  self.last_error = err
  if cached and cached.expiration and now < cached.expiration then
    return cached
  end
  return nil, err
end

--- provider:invalidate(): forget cached credentials (for instance after
-- the service said the token expired), so that get() fetches again.
function Provider:invalidate()
  self.cached, self.fetched_at = nil, nil
  for _, source in pairs(self.sources or {}) do source:invalidate() end
end

local ASSUME_OPTIONS = {
  source = "table", role_arn = "string", session_name = "string",
  duration = "number", clock = "function", verbose = "number", log = "function",
}

--- credentials.assume_role{source=, role_arn=, session_name=?, duration=?,
--   clock=?, verbose=?, log=?} -> provider
-- A provider of the credentials of a session of role `role_arn`, assumed
-- (STS AssumeRole) with the credentials of the provider `source`: the
-- same fetcher, cache and refresh as a RamRoleArn profile (fetched again
-- when less than credentials.margins.ram_role_arn seconds remain). Nothing
-- is sent before the first get().
function M.assume_role(opts)
  if type(opts) ~= "table" then
    error("slsh.credentials.assume_role: expected a table of options, got "
      .. type(opts), 2)
  end
  local names = {}
  for n in pairs(ASSUME_OPTIONS) do names[#names + 1] = n end
  table.sort(names)
  for k, v in pairs(opts) do
    if not ASSUME_OPTIONS[k] then
      error(string.format("slsh.credentials.assume_role: unknown option '%s' (valid: %s)",
        tostring(k), table.concat(names, ", ")), 2)
    end
    if type(v) ~= ASSUME_OPTIONS[k] then
      error(string.format("slsh.credentials.assume_role: option '%s' must be a %s, got %s",
        k, ASSUME_OPTIONS[k], type(v)), 2)
    end
  end
  if type(opts.source) ~= "table" or type(opts.source.get) ~= "function" then
    error("slsh.credentials.assume_role: 'source' must be a credentials provider", 2)
  end
  if type(opts.role_arn) ~= "string"
     or not opts.role_arn:match("^acs:ram::%d+:role/[%w.-]+$") then
    error("slsh.credentials.assume_role: 'role_arn' must be acs:ram::<account>:role/<name>", 2)
  end
  local spec = {
    kind = "ram_role_arn", origin = "assumed role " .. opts.role_arn,
    role_arn = opts.role_arn, session_name = opts.session_name,
    duration = opts.duration, source_provider = opts.source,
    -- the central endpoint: a member is entered the same from any region
    sts_endpoint = "sts.aliyuncs.com",
  }
  local slsh = package.loaded.slsh
  local config = type(slsh) == "table" and slsh.config or {}
  return new_provider(spec, opts.clock or os.time,
    opts.verbose or tonumber(config.verbose), opts.log)
end

--- credentials.provider{...} (also credentials{...}) -> provider | nil, err
-- profile: a profile of ~/.aliyun/config.json or the INI file that must
--   exist (default: slsh.config.profile, i.e. --profile); environment keys
--   are then not used.
-- access_key_id, access_key_secret, security_token: explicit keys.
-- env: a table used instead of the process environment (tests, embedding).
-- clock: function returning Unix seconds (default os.time).
-- verbose: at 1 or more, the first get() says on stderr (or through
--   `log(line)`) which source gave the credentials (default
--   slsh.config.verbose, i.e. -v).
function M.provider(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    error("slsh.credentials: expected a table of options, got "
      .. type(opts), 2)
  end
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then
      error(string.format("slsh.credentials: unknown option '%s' (valid: %s)",
        tostring(k), OPTION_LIST), 2)
    end
    if type(v) ~= want then
      error(string.format("slsh.credentials: option '%s' must be a %s, got %s",
        k, want, type(v)), 2)
    end
  end
  local args = {
    profile = opts.profile,
    access_key_id = opts.access_key_id,
    access_key_secret = opts.access_key_secret,
    security_token = opts.security_token,
    env = opts.env,
  }
  local explicit = opts.access_key_id or opts.access_key_secret
    or opts.security_token
  local config = require("slsh").config
  if args.profile == nil and not explicit then
    args.profile = config.profile
  end
  local ok, spec, err = pcall(core.resolve, args)
  if not ok then error(spec, 2) end
  if not spec then return nil, err end
  return new_provider(spec, opts.clock or os.time,
    opts.verbose or tonumber(config.verbose), opts.log)
end

return setmetatable(M, {
  __call = function(_, opts) return M.provider(opts) end,
})
