--- slsh: the Lua API for Alibaba Cloud log encryption work (DESIGN §2).
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
  ram = "slsh.ram",
  kms = "slsh.kms",
  sts = "slsh.sts",
}

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
