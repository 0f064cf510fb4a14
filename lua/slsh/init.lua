--- slsh: the Lua API for Alibaba Cloud log encryption work (docs/lua-api.md).
-- Submodules load on first use (`slsh.sls`, `slsh.sign`, ...), so that a
-- script that needs only one of them starts as fast as plain Lua.

local host = require "slsh.host.core"

-- An environment variable, nil when unset or empty.
local function env(name)
  local v = os.getenv(name)
  if v ~= "" then return v end
end

local slsh = {
  version = host.version,
  -- Defaults for clients, set by the command line's global options; the
  -- environment variables aliyun-cli and curl users expect stand in for
  -- the options not given.
  config = {
    profile = nil,
    region = env("ALIBABA_CLOUD_REGION_ID"),
    connect_to = env("SLSH_CONNECT_TO"),
    ca_file = env("SSL_CERT_FILE") or env("CURL_CA_BUNDLE"),
    verbose = 0,
  },
}

local submodules = {
  host = "slsh.host.core",
  err = "slsh.err",
  sign = "slsh.sign",
  json = "slsh.json",
  encrypt_conf = "slsh.encrypt_conf",
  http = "slsh.http",
  task = "slsh.task",
  credentials = "slsh.credentials",
  cli = "slsh.cli",
  report = "slsh.report",
  pretty = "slsh.pretty",
  sls = "slsh.sls",
  logs = "slsh.logs",
  ram = "slsh.ram",
  kms = "slsh.kms",
  sts = "slsh.sts",
  resourcemanager = "slsh.resourcemanager",
  accounts = "slsh.accounts",
  -- what the bundled workflows are built on, public for the user's own
  workflow = "slsh.workflow",
  rollout = "slsh.rollout",
}

--- slsh.default_region() -> region id string (possibly a comma-separated
-- list) | nil: --region, else ALIBABA_CLOUD_REGION_ID (both in
-- slsh.config.region), else the region_id of the credentials profile
-- (--profile, else the current one) in ~/.aliyun/config.json, as
-- aliyun-cli does. A broken config file is the credential chain's to
-- report, so it only yields nil here.
function slsh.default_region()
  if slsh.config.region then return slsh.config.region end
  local home = os.getenv("HOME")
  local f = home and io.open(home .. "/.aliyun/config.json", "r")
  if not f then return nil end
  local ok, conf = pcall(require("slsh.json").decode, f:read("a"))
  f:close()
  if not ok or type(conf) ~= "table" or type(conf.profiles) ~= "table" then return nil end
  local want = slsh.config.profile or conf.current
  for _, p in ipairs(conf.profiles) do
    if type(p) == "table" and p.name == want and type(p.region_id) == "string"
       and p.region_id ~= "" then
      return p.region_id
    end
  end
end

-- The names of the submodules, for completion and documentation.
function slsh.modules()
  local names = {}
  for name in pairs(submodules) do names[#names + 1] = name end
  table.sort(names)
  return names
end

return setmetatable(slsh, {
  __index = function(t, key)
    local name = submodules[key]
    if not name then return nil end
    local mod = require(name)
    rawset(t, key, mod)
    return mod
  end,
})
