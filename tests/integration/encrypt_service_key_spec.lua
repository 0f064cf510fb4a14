-- encrypt-service-key end to end: the permanent choice needs two flags.
local fx = require "rollout_fixture"

local FLAG = "--i-understand-service-key-is-permanent"

local function args(extra)
  local a = { "--region", "cn-hangzhou,cn-shanghai", "--logstore", "*", "--retries", "0" }
  for _, x in ipairs(extra or {}) do a[#a + 1] = x end
  return a
end

describe("encrypt-service-key", function()
  local c
  setup(function() c = fx.start() end)
  teardown(function() c:stop() end)
  before_each(function() fx.reset(c) end)

  it("warns in --help that the choice is permanent and lists every option", function()
    local r = fx.run(c, "encrypt-service-key", { "--help" })
    assert.equal(0, r.code)
    assert.truthy(r.stdout:find("PERMANENT", 1, true))
    assert.truthy(r.stdout:find("never be switched to BYOK", 1, true))
    for _, o in ipairs { FLAG, "--encrypt-type", "--via", "--canary", "--apply",
                         "--journal", "--report", "--include-service-projects" } do
      assert.truthy(r.stdout:find(o, 1, true), o)
    end
  end)

  it("refuses --apply without the acknowledgement, before any request", function()
    local before = c:state()
    local r = fx.run(c, "encrypt-service-key", args { "--apply" })
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("--apply needs " .. FLAG, 1, true), r.stderr)
    assert.same(before.projects, c:state().projects)
    assert.equal(0, c:stats().requests)
  end)

  it("plans with the warning first and writes nothing", function()
    local before = c:state()
    local report = fx.tmp(".json")
    local r = fx.run(c, "encrypt-service-key", args { "--report", report })
    assert.equal(3, r.code)
    assert.truthy(r.stdout:find("WARNING: the SLS service key is PERMANENT", 1, true) == 1
                  or r.stdout:find("\nWARNING: the SLS service key is PERMANENT", 1, true),
                  r.stdout)
    assert.same(before.projects, c:state().projects)
    local rows = fx.report(report)
    os.remove(report)
    assert.equal("encrypt", rows["app-hz/plain"].action)
    assert.matches("PERMANENT: BYOK impossible", rows["app-hz/plain"].reason, 1, true)
    assert.equal("done", rows["app-hz/service"].action)
    assert.equal("enable", rows["app-hz/service-off"].action)
    assert.equal("refused", rows["app-hz/service-old"].action) -- sm4, asked default
    assert.matches("algorithm can never change", rows["app-hz/service-old"].reason, 1, true)
    assert.equal("refused", rows["app-hz/byok-on"].action)
    assert.matches("mechanism can never change", rows["app-hz/byok-on"].reason, 1, true)
  end)

  it("encrypts with the service key when acknowledged, keeping every other field",
     function()
    local before = fx.stores(c:state())
    local report = fx.tmp(".json")
    local r = fx.run(c, "encrypt-service-key", args { "--apply", FLAG, "--report", report })
    assert.equal(3, r.code, r.stdout)
    local rows = fx.report(report)
    os.remove(report)
    local after = fx.stores(c:state())
    local applied = 0
    for key, row in pairs(rows) do
      if row.status == "applied" then
        applied = applied + 1
        assert.same({}, fx.changed_fields(before[key], after[key],
                                          { encrypt_conf = true, lastModifyTime = true }), key)
        assert.is_true(after[key].encrypt_conf.enable, key)
        assert.equal("default", after[key].encrypt_conf.encrypt_type, key)
        assert.is_nil(next(after[key].encrypt_conf.user_cmk_info or {}), key)
      else
        assert.same({}, fx.changed_fields(before[key], after[key]), key)
      end
    end
    -- plain, plain2, cloudfirewall x2, app-sh/plain, service-off (enable)
    assert.equal(6, applied)
  end)
end)
