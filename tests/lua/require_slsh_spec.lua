-- `local slsh = require "slsh"` is the whole configuration story: a stock
-- lua5.4 that loads slsh.so, with no global `slsh` anywhere, sees
-- slsh.config (and SLSH_CONNECT_TO, ALIBABA_CLOUD_REGION_ID behind it)
-- exactly as the slsh command does, and so does the host with its global
-- deleted. Each case talks to the emulator over HTTP, so a module that
-- read the global would miss --connect-to and fail.
local cloud = require "cloud"
local run = require "run"

describe("require 'slsh' without a global slsh", function()
  local c, home

  setup(function()
    c = cloud.start()
    home = run.tmpname(".home")
    assert(os.execute("mkdir -p " .. home))
  end)
  teardown(function()
    os.execute("rm -rf " .. run.quote(home))
    c:stop()
  end)

  -- The environment of a child: the test cloud's root key, an empty HOME
  -- (no ~/.aliyun), and none of the defaults unless `extra` sets them.
  local function env(extra)
    local e = { HOME = home, ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
                ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret,
                SLSH_CONNECT_TO = "", ALIBABA_CLOUD_REGION_ID = "" }
    for k, v in pairs(extra or {}) do e[k] = v end
    return e
  end

  -- What every case runs: the projects (SLS, signed V1), the caller (STS,
  -- an RPC client), and a workflow's clients for the default regions.
  local BODY = [[
assert(rawget(_G, "slsh") == nil, "a global slsh")
local sls = slsh.sls.client {}
for p in sls:projects() do print("project", p.projectName) end
print("caller", assert(slsh.sts.client {}:caller_identity()).AccountId)
local wf = require "slsh.workflow"
local regions = wf.default_regions()
print("regions", table.concat(regions, ","))
print("logstore", wf.clients(regions[1]).sls:get_logstore("slsh-test-project", "plain").ttl)
]]

  local function expect(r)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("project\tslsh-test-project\ncaller\t" .. cloud.ACCOUNT
                 .. "\nregions\tcn-hangzhou\nlogstore\t90\n", r.stdout)
  end

  it("in a stock lua5.4, takes SLSH_CONNECT_TO and the region from the environment", function()
    local code = "local slsh = require 'slsh'\n"
      .. "assert(slsh.config.connect_to == " .. string.format("%q", c.url) .. ")\n" .. BODY
    local r = run.sh("lua5.4 -e " .. run.quote(code),
                     { env = run.stock_lua_env(env { SLSH_CONNECT_TO = c.url,
                                                     ALIBABA_CLOUD_REGION_ID = cloud.REGION }) })
    expect(r)
  end)

  it("in a stock lua5.4, takes what a script sets in slsh.config", function()
    local code = "local slsh = require 'slsh'\n"
      .. "slsh.config.connect_to = " .. string.format("%q", c.url) .. "\n"
      .. "slsh.config.region = " .. string.format("%q", cloud.REGION) .. "\n" .. BODY
    local r = run.sh("lua5.4 -e " .. run.quote(code), { env = run.stock_lua_env(env()) })
    expect(r)
  end)

  it("in the slsh host with the global deleted, takes --connect-to and --region", function()
    local code = "slsh = nil\nlocal slsh = require 'slsh'\n" .. BODY
    local r = run.slsh({ "--region", cloud.REGION, "--connect-to", c.url, "-e", code },
                       { env = env() })
    expect(r)
  end)

  it("in the slsh host, a workflow file with no global finds the emulator", function()
    local path = run.tmpname(".lua")
    local f = assert(io.open(path, "w"))
    f:write("slsh = nil\nlocal slsh = require 'slsh'\n", BODY)
    f:close()
    local r = run.slsh({ "--region", cloud.REGION, "--connect-to", c.url, path },
                       { env = env() })
    os.remove(path)
    expect(r)
  end)
end)
