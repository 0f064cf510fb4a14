--- slsh: the Lua API for Alibaba Cloud log encryption work (DESIGN §2).
-- Submodules load on first use (`slsh.sls`, `slsh.sign`, ...), so that a
-- script that needs only one of them starts as fast as plain Lua.

local host = require "slsh.host.core"

local slsh = {
  version = host.version,
  -- Defaults for clients, set by the command line's global options.
  config = {
    profile = nil,
    region = nil,
    connect_to = os.getenv("SLSH_CONNECT_TO"),
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
