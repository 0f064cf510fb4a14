-- toggle end to end: only `enable` ever changes.
local fx = require "rollout_fixture"
local encconf = require "slsh.encrypt_conf"

local function args(extra)
  local a = { "--region", "cn-hangzhou,cn-shanghai", "--logstore", "*", "--retries", "0" }
  for _, x in ipairs(extra or {}) do a[#a + 1] = x end
  return a
end

describe("toggle", function()
  local c
  setup(function() c = fx.start() end)
  teardown(function() c:stop() end)
  before_each(function() fx.reset(c) end)

  it("requires --state, naming it, and explains every option", function()
    local r = fx.run(c, "toggle", { "--region", "cn-hangzhou" })
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("--state is required", 1, true), r.stderr)
    r = fx.run(c, "toggle", { "--region", "cn-hangzhou", "--state", "maybe" })
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("--state must be one of on, off", 1, true), r.stderr)
    r = fx.run(c, "toggle", { "--help" })
    assert.equal(0, r.code)
    for _, o in ipairs { "--state", "--via", "--canary", "--include-service-projects",
                         "--apply", "--journal", "--report", "--retries" } do
      assert.truthy(r.stdout:find(o, 1, true), o)
    end
    assert.truthy(r.stdout:find("stays encrypted", 1, true))
  end)

  it("disables only enable, keeps every other field, skips unencrypted logstores",
     function()
    local before = fx.stores(c:state())
    local report = fx.tmp(".json")
    local r = fx.run(c, "toggle", args { "--state", "off", "--report", report })
    assert.equal(0, r.code, r.stdout)
    assert.truthy(r.stdout:find("data already written stays encrypted", 1, true))
    assert.same(before, fx.stores(c:state())) -- a plan writes nothing
    local plan = fx.report(report)
    assert.equal("disable", plan["app-hz/byok-on"].action)
    assert.matches("stays encrypted with " .. fx.KEY .. ", reading it still needs the key",
                   plan["app-hz/byok-on"].reason, 1, true)
    assert.equal("done", plan["app-hz/byok-off"].action)
    assert.equal("skip", plan["app-hz/plain"].action)
    assert.matches("not encrypted: nothing to toggle", plan["app-hz/plain"].reason, 1, true)
    assert.matches(fx.KEY_DIS .. " is Disabled: reads and writes of this logstore are "
                   .. "failing now", plan["app-hz/byok-dead"].reason, 1, true)

    r = fx.run(c, "toggle", args { "--state", "off", "--apply", "--report", report })
    assert.equal(0, r.code, r.stdout)
    local rows = fx.report(report)
    os.remove(report)
    local after = fx.stores(c:state())
    local changed = 0
    for key, row in pairs(rows) do
      if row.status == "applied" then
        changed = changed + 1
        local want = encconf.with_enable(before[key].encrypt_conf, false)
        assert.is_true(fx.same(want, after[key].encrypt_conf), key)
        assert.same({}, fx.changed_fields(before[key], after[key],
                                          { encrypt_conf = true, lastModifyTime = true }), key)
      else
        assert.same({}, fx.changed_fields(before[key], after[key]), key)
      end
    end
    -- service, service-old, byok-on, byok-other, byok-dead, byok-sm4
    assert.equal(6, changed)
    assert.equal(6, c:count("UpdateLogStore"))
  end)

  it("enables where the key and role allow it and refuses a disabled key", function()
    local report = fx.tmp(".json")
    local r = fx.run(c, "toggle", args { "--state", "on", "--apply", "--report", report })
    assert.equal(3, r.code, r.stdout)
    local rows = fx.report(report)
    os.remove(report)
    assert.equal("applied", rows["app-hz/byok-off"].status)
    assert.equal("applied", rows["app-hz/service-off"].status)
    assert.equal("already", rows["app-hz/byok-on"].status)
    assert.equal("refused", rows["app-sh/byok-dead-sh"].status)
    assert.matches("cannot enable: key " .. fx.KEY_SH_DIS .. " is Disabled",
                   rows["app-sh/byok-dead-sh"].reason, 1, true)
    assert.equal("skipped", rows["app-sh/plain"].status)
    local after = fx.stores(c:state())
    assert.is_true(fx.same(fx.byok(fx.KEY), after["app-hz/byok-off"].encrypt_conf))
    assert.is_false(after["app-sh/byok-dead-sh"].encrypt_conf.enable)
    assert.equal(2, c:count("UpdateLogStore"))
  end)

  it("refuses to enable BYOK whose role is broken", function()
    local state = fx.state()
    state.roles[1].policies = { state.roles[1].policies[1] }
    c:control("PUT", "state", state)
    local r = fx.run(c, "toggle", { "--region", "cn-hangzhou", "--project", "app-hz",
                                    "--logstore", "byok-off", "--state", "on", "--apply" })
    assert.equal(3, r.code)
    assert.truthy(r.stdout:find("lacks the system policy AliyunKMSCryptoUserAccess", 1, true),
                  r.stdout)
    assert.truthy(r.stdout:find("slsh run setup-role", 1, true))
    assert.equal(0, c:count("UpdateLogStore"))
  end)

  it("toggles through the encryption API too", function()
    local r = fx.run(c, "toggle", { "--region", "cn-hangzhou", "--project", "app-hz",
                                    "--logstore", "byok-on,service", "--state", "off",
                                    "--via", "encryption_api", "--apply" })
    assert.equal(0, r.code, r.stdout)
    assert.equal(2, c:count("UpdateLogStoreEncryption"))
    local after = fx.stores(c:state())
    assert.is_true(fx.same(fx.byok(fx.KEY, "cn-hangzhou", false),
                           after["app-hz/byok-on"].encrypt_conf))
    assert.is_false(after["app-hz/service"].encrypt_conf.enable)
  end)
end)
