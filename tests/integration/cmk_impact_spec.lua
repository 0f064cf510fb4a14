-- `slsh run cmk-impact` end to end: the slsh binary against the emulator.
local cloud = require "cloud"
local run = require "run"
local json = slsh.json

local P, P2 = cloud.PROJECT, "slsh-test-second"
local ACCOUNT = cloud.ACCOUNT
local ENV = { ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
              ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret }

-- cloud.state() (KEY: byok-on and byok-off; KEY_DISABLED:
-- byok-disabled-key) plus a second project using KEY and KEY_B, a
-- logstore naming KEY by its alias, and aliases.
local function state()
  local s = cloud.state()
  s.projects[#s.projects + 1] = {
    name = P2, region = cloud.REGION, account = ACCOUNT, logstores = {
      cloud.logstore("uses-key", { encrypt_conf = cloud.byok(cloud.KEY) }),
      cloud.logstore("uses-key-b", { encrypt_conf = cloud.byok(cloud.KEY_B) }),
      cloud.logstore("by-alias", { encrypt_conf = cloud.byok("alias/byok") }),
      cloud.logstore("plain-2"),
    } }
  s.aliases = {
    { account = ACCOUNT, region = cloud.REGION, AliasName = "alias/byok", KeyId = cloud.KEY },
    { account = ACCOUNT, region = cloud.REGION, AliasName = "alias/other",
      KeyId = cloud.KEY },
    { account = ACCOUNT, region = "cn-shanghai", AliasName = "alias/byok",
      KeyId = cloud.KEY_SH },
  }
  return s
end

local tmp, read = run.tmpname, run.slurp

-- The dependents in a JSON report, as "project/logstore", sorted.
local function dependents(path)
  local out = {}
  for _, r in ipairs(json.decode(read(path))) do
    if r.status == "depends" then out[#out + 1] = r.project .. "/" .. r.logstore end
  end
  table.sort(out)
  return out
end

local KEY_DEPENDENTS = { P .. "/byok-off", P .. "/byok-on", P2 .. "/by-alias",
                         P2 .. "/uses-key" }

describe("slsh run cmk-impact", function()
  local c

  setup(function() c = cloud.start { state = state() } end)
  teardown(function() c:stop() end)

  local function impact(args)
    local words = { "--connect-to", c.url, "run", "cmk-impact", "--region", cloud.REGION }
    for _, a in ipairs(args) do words[#words + 1] = a end
    return run.slsh(words, { env = ENV })
  end

  it("lists exactly the logstores that depend on a key", function()
    local path = tmp(".json")
    local r = impact { "--key", cloud.KEY, "--report", path }
    assert.equal(0, r.code, r.stderr)
    assert.same(KEY_DEPENDENTS, dependents(path))
    assert.matches("key " .. cloud.KEY .. " in cn-hangzhou: Enabled, deletion protection on, "
                   .. "aliases: alias/byok, alias/other", r.stdout, 1, true)
    assert.matches("disabling or deleting this key makes reads and writes fail on 4 "
                   .. "logstores in 2 projects (1 of them with encryption off", r.stdout, 1, true)
    assert.not_matches("uses%-key%-b", r.stdout)
    assert.not_matches("byok%-disabled%-key", r.stdout)
  end)

  it("resolves an alias to its key, region by region", function()
    local path = tmp(".json")
    local r = impact { "--key", "alias/byok", "--region", "cn-shanghai", "--report", path }
    assert.equal(0, r.code, r.stderr)
    assert.same(KEY_DEPENDENTS, dependents(path))
    assert.matches("key " .. cloud.KEY .. " (alias/byok) in cn-hangzhou", r.stdout, 1, true)
    assert.matches("key " .. cloud.KEY_SH .. " (alias/byok) in cn-shanghai", r.stdout, 1, true)
    assert.matches("no logstore in cn-hangzhou, cn-shanghai depends on this key", r.stdout,
                   1, true)
  end)

  it("keeps the dependents of different keys apart", function()
    local path = tmp(".json")
    local r = impact { "--key", cloud.KEY_B .. "," .. cloud.KEY_DISABLED, "--report", path }
    assert.equal(0, r.code, r.stderr)
    local by_key = {}
    for _, row in ipairs(json.decode(read(path))) do
      by_key[row.key] = (by_key[row.key] and (by_key[row.key] .. " ") or "") .. row.logstore
    end
    assert.same({ [cloud.KEY_B] = "uses-key-b", [cloud.KEY_DISABLED] = "byok-disabled-key" },
                by_key)
    assert.matches("this key is already Disabled: reads and writes fail now on 1 logstore "
                   .. "in 1 project", r.stdout, 1, true)
  end)

  it("exits 3 with --fail-if-used only when something depends on the key", function()
    assert.equal(3, impact { "--key", cloud.KEY_B, "--fail-if-used", "--quiet" }.code)
    assert.equal(0, impact { "--key", cloud.KEY_B, "--quiet" }.code)
    local r = impact { "--key", cloud.KEY_PENDING, "--fail-if-used" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("no logstore in cn-hangzhou depends on this key", r.stdout, 1, true)
  end)

  it("still searches for a key id that no region knows", function()
    local r = impact { "--key", "key-hzz62f1b1d5tslsh9999" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("not found in cn-hangzhou", r.stdout, 1, true)
  end)

  it("fails on an alias that no selected region knows", function()
    local r = impact { "--key", "alias/nothing" }
    assert.equal(1, r.code)
    assert.matches("alias alias/nothing is not in any selected region", r.stderr, 1, true)
  end)

  it("exits 3 when a logstore cannot be read: the count may be short", function()
    c:faults { next = { { status = 403, code = "Unauthorized", message = "denied",
                          match = { service = "sls", action = "GetLogStore" } } } }
    local r = impact { "--key", cloud.KEY_B, "--concurrency", "1" }
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.matches("incomplete: 1 logstore could not be read", r.stdout, 1, true)
  end)

  it("writes the JSON report to stdout with --report -, everything else to stderr", function()
    local r = impact { "--key", cloud.KEY_B, "--report", "-" }
    assert.equal(0, r.code, r.stderr)
    local rows = assert(json.decode(r.stdout))
    assert.equal(1, #rows)
    assert.equal("uses-key-b", rows[1].logstore)
    assert.matches("cmk-impact: ", r.stderr, 1, true)
    assert.matches("  uses%-key%-b", r.stderr)
  end)

  it("leaves no report behind when a key cannot be resolved", function()
    local path = tmp(".json")
    local r = impact { "--key", "alias/nothing", "--report", path }
    assert.equal(1, r.code)
    assert.is_nil(io.open(path))
    assert.is_nil(io.open(path .. ".tmp"))
  end)

  it("needs --key and explains every option with --help", function()
    local r = impact {}
    assert.equal(2, r.code)
    assert.matches("--key is required", r.stderr, 1, true)
    -- an empty --key must not become "0 keys, nothing uses them"
    c:reset_stats()
    for _, k in ipairs { ",", "" } do
      r = impact { "--key", k }
      assert.equal(2, r.code, k)
      assert.matches("--key has an empty element in '" .. k .. "'", r.stderr, 1, true)
      assert.equal("", r.stdout)
    end
    r = impact { "--key", cloud.KEY_B, "--qps", "1e999" }
    assert.equal(2, r.code)
    assert.matches("--qps takes a number, got '1e999'", r.stderr, 1, true)
    r = impact { "--key", cloud.KEY_B, "--region", "cn-hangzhou," }
    assert.equal(2, r.code)
    assert.matches("--region has an empty element in 'cn-hangzhou,'", r.stderr, 1, true)
    r = impact { "--key", cloud.KEY_B, "--report", "-", "--report", "r.json" }
    assert.equal(2, r.code)
    assert.matches("--report given twice", r.stderr, 1, true)
    assert.equal(0, c:count("GetLogStore"))
    r = run.slsh { "run", "cmk-impact", "--help" }
    assert.equal(0, r.code)
    for _, o in ipairs { "key", "fail-if-used", "region", "project", "project-file",
                         "exclude-project", "logstore", "concurrency", "qps", "report",
                         "quiet", "help" } do
      assert.matches("\n  %-%-" .. o:gsub("%-", "%%-") .. "[ \n]", r.stdout)
    end
  end)
end)
