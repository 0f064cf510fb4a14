-- byok-rollout end to end: the slsh binary against the emulator.
local fx = require "rollout_fixture"
local json = require "slsh.json"

local HZ_KEYS = { "--key", "cn-hangzhou=" .. fx.KEY, "--key", "cn-shanghai=" .. fx.KEY_SH }

-- args for both regions, every logstore, plus `extra`
local function args(extra)
  local a = { "--region", "cn-hangzhou,cn-shanghai", "--logstore", "*", "--retries", "0" }
  for _, k in ipairs(HZ_KEYS) do a[#a + 1] = k end
  for _, x in ipairs(extra or {}) do a[#a + 1] = x end
  return a
end

-- What the plan must say of each logstore of the fixture.
local EXPECTED = {
  ["app-hz/plain"] = "encrypt",
  ["app-hz/plain2"] = "encrypt",
  ["app-hz/service"] = "refused",
  ["app-hz/service-old"] = "refused",
  ["app-hz/service-off"] = "refused",
  ["app-hz/byok-on"] = "done",
  ["app-hz/byok-off"] = "enable",
  ["app-hz/byok-other"] = "refused",
  ["app-hz/byok-dead"] = "refused",
  ["app-hz/byok-sm4"] = "refused",
  ["app-hz/product-owned"] = "skip",
  [fx.CF_HZ .. "/cloudfirewall-logstore"] = "encrypt",
  [fx.SAS .. "/sas-log"] = "skip",
  ["app-sh/plain"] = "encrypt",
  ["app-sh/byok-dead-sh"] = "refused",
  [fx.CF_SH .. "/cloudfirewall-logstore"] = "encrypt",
}

local function actions(report)
  local out = {}
  for k, r in pairs(report) do out[k] = r.action end
  return out
end

-- The requests the emulator `c` served per logstore, in the order served:
-- "project/logstore" -> {action, ...} (listings and RPC left out).
local function served_per_logstore(c)
  local log = c:control("GET", "log?n=1000").entries
  local out = {}
  for _, e in ipairs(log) do
    local name = e.service == "sls" and e.path:match("^/logstores/([^/?]+)")
    if name then
      local key = e.host:match("^([^.]+)%.") .. "/" .. name
      out[key] = out[key] or {}
      table.insert(out[key], e.action)
    end
  end
  return out
end

describe("byok-rollout", function()
  local c
  setup(function() c = fx.start() end)
  teardown(function() c:stop() end)
  before_each(function() fx.reset(c) end)

  it("lists every option in --help, with the exit statuses", function()
    local r = fx.run(c, "byok-rollout", { "--help" })
    assert.equal(0, r.code)
    for _, o in ipairs { "--key", "--role", "--encrypt-type", "--via", "--canary",
                         "--include-service-projects", "--apply", "--region", "--project",
                         "--project-file", "--exclude-project", "--logstore", "--concurrency",
                         "--qps", "--retries", "--report", "--journal", "--quiet", "--help" } do
      assert.truthy(r.stdout:find(o .. " ", 1, true) or r.stdout:find(o .. "\n", 1, true), o)
    end
    assert.truthy(r.stdout:gsub("%s+", " "):find("default: cloudfirewall-logstore", 1, true))
    assert.truthy(r.stdout:find("Exit status", 1, true))
    assert.truthy(r.stdout:find("sas-log-*", 1, true))
  end)

  it("exits 2 naming the option on bad usage", function()
    local cases = {
      { { "--bogus" }, "--bogus" },
      { { "--region", "cn-hangzhou" }, "--key is required" },
      { { "--region", "cn-hangzhou", "--key", fx.KEY, "--encrypt-type", "rot13" },
        "--encrypt-type must be one of default, m4, sm4" },
      { { "--region", "cn-hangzhou,cn-shanghai", "--key", fx.KEY }, "needs a single --region" },
      { { "--region", "cn-hangzhou,cn-shanghai", "--key", "cn-hangzhou=" .. fx.KEY },
        "no key for region cn-shanghai" },
      { { "--region", "cn-hangzhou", "--key", "cn-beijing=" .. fx.KEY }, "not selected" },
      { { "--region", "cn-hangzhou", "--key", fx.KEY, "--via", "carrier-pigeon" }, "--via" },
      { { "--region", "cn-hangzhou", "--key", fx.KEY, "--role", "a role" }, "--role" },
      { { "--region", "cn-hangzhou", "--key", fx.KEY, "--canary", "-1" }, "--canary" },
      -- given twice, empty elements, keys that cannot be KMS keys: refused up front
      { { "--region", "cn-hangzhou", "--key", fx.KEY, "--via", "update",
          "--via", "encryption_api" }, "--via given twice" },
      { { "--region", "cn-hangzhou", "--key", fx.KEY, "--canary", "2", "--canary", "0" },
        "--canary given twice" },
      { { "--region", "cn-hangzhou,", "--key", fx.KEY }, "--region has an empty element" },
      { { "--region", "cn-hangzhou", "--key", "," }, "--key has an empty element in ','" },
      { { "--region", "cn-hangzhou", "--key", string.rep("k", 100000) },
        "--key takes KEYID" },
      { { "--region", "cn-hangzhou", "--key", "alias/ключ" }, "alias/NAME" },
      { { "--region", "cn-hangzhou", "--key", "alias/" .. string.rep("a", 250) },
        "at most 255" },
      { { "--region", "cn-hangzhou", "--key", "cn-hangzhou=key-1\nx" },
        "got \"cn-hangzhou=key-1\\nx\"" },
      { { "--region", "cn-hangzhou", "--key", "cn-hangzhou=key 1" }, "--key takes KEYID" },
    }
    for _, case in ipairs(cases) do
      local r = fx.run(c, "byok-rollout", case[1])
      assert.equal(2, r.code, table.concat(case[1], " "):sub(1, 200))
      assert.truthy(r.stderr:find(case[2], 1, true), r.stderr:sub(1, 400))
    end
    assert.equal(0, c:count("GetLogStore"))
  end)

  it("plans without changing anything, and says why for each logstore", function()
    local before = c:state()
    local report = fx.tmp(".json")
    local r = fx.run(c, "byok-rollout", args { "--report", report })
    assert.equal(3, r.code, r.stderr) -- some logstores are refused
    assert.same(before.projects, c:state().projects)
    assert.equal(0, c:count("UpdateLogStore") + c:count("UpdateLogStoreEncryption"))
    local rows = fx.report(report)
    os.remove(report)
    assert.same(EXPECTED, actions(rows))
    assert.truthy(r.stdout:find("plan (nothing is changed without --apply)", 1, true))
    assert.truthy(r.stdout:find("rerun with --apply to make the 6 planned changes", 1, true))
    assert.matches("SLS service key: the first choice is permanent",
                   rows["app-hz/service"].reason, 1, true)
    assert.matches("another key (" .. fx.KEY_B .. ")", rows["app-hz/byok-other"].reason, 1,
                   true)
    assert.matches(fx.KEY_DIS .. " is Disabled: reads and writes of this logstore are "
                   .. "failing now", rows["app-hz/byok-dead"].reason, 1, true)
    assert.matches("encrypt_type sm4: the algorithm can never change",
                   rows["app-hz/byok-sm4"].reason, 1, true)
    assert.matches("service-owned project (matches sas-log-*)",
                   rows[fx.SAS .. "/sas-log"].reason, 1, true)
    assert.matches("owned by the cloud service 'sas'", rows["app-hz/product-owned"].reason,
                   1, true)
    assert.equal("none", rows["app-hz/plain"].current)
    assert.equal("byok " .. fx.KEY .. " default", rows["app-hz/plain"].target)
    assert.equal("byok " .. fx.KEY .. " default (off)", rows["app-hz/byok-off"].current)
  end)

  it("applies exactly the planned changes and keeps every other field", function()
    local before = fx.stores(c:state())
    local report = fx.tmp(".json")
    local r = fx.run(c, "byok-rollout", args { "--apply", "--report", report })
    assert.equal(3, r.code, r.stderr)
    local rows = fx.report(report)
    os.remove(report)
    local after = fx.stores(c:state())
    local volatile = { encrypt_conf = true, lastModifyTime = true }
    for key, action in pairs(EXPECTED) do
      local changed = fx.changed_fields(before[key], after[key])
      local status = rows[key].status
      if action == "encrypt" or action == "enable" then
        assert.equal("applied", status, key)
        assert.same({}, fx.changed_fields(before[key], after[key], volatile), key)
        local sh = key:find("^app%-sh/") or key:find(fx.CF_SH, 1, true)
        local want = sh and fx.byok(fx.KEY_SH, "cn-shanghai") or fx.byok(fx.KEY)
        assert.is_true(fx.same(want, after[key].encrypt_conf), key)
      else
        assert.same({}, changed, key)
        assert.equal(({ done = "already", refused = "refused", skip = "skipped" })[action],
                     status, key)
      end
    end
    assert.equal(6, c:count("UpdateLogStore"))
    assert.truthy(r.stdout:find("byok-rollout: 16 logstores: already 1, applied 6, "
                                .. "refused 7, skipped 2", 1, true), r.stdout)
  end)

  it("finds everything done on a second run", function()
    assert.equal(3, fx.run(c, "byok-rollout", args { "--apply" }).code)
    local report = fx.tmp(".json")
    local r = fx.run(c, "byok-rollout", args { "--report", report })
    assert.equal(3, r.code)
    local rows = fx.report(report)
    os.remove(report)
    for key, action in pairs(EXPECTED) do
      local want = (action == "encrypt" or action == "enable") and "done" or action
      assert.equal(want, rows[key].action, key)
    end
    c:reset_stats()
    r = fx.run(c, "byok-rollout", args { "--apply" })
    assert.truthy(r.stdout:find("already 7, refused 7, skipped 2", 1, true), r.stdout)
    assert.equal(0, c:count("UpdateLogStore"))
  end)

  it("exits 0 when nothing is refused (the Cloud Firewall logstores)", function()
    local a = { "--region", "cn-hangzhou,cn-shanghai", "--key", "alias/slsh-byok" }
    local r = fx.run(c, "byok-rollout", a)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.truthy(r.stdout:find("plan: 2 logstores: encrypt 2", 1, true), r.stdout)
    a[#a + 1] = "--apply"
    r = fx.run(c, "byok-rollout", a)
    assert.equal(0, r.code, r.stdout)
    local after = fx.stores(c:state())
    assert.is_true(fx.same(fx.byok(fx.KEY_SH, "cn-shanghai"),
                           after[fx.CF_SH .. "/cloudfirewall-logstore"].encrypt_conf))
    assert.truthy(r.stdout:find(fx.KEY .. " (alias/slsh-byok): Enabled, usable", 1, true))
  end)

  it("resumes with --journal after a failure, skipping what was applied", function()
    local journal = fx.tmp(".jsonl")
    c:faults { next = { { status = 500, code = "InternalServerError",
                          match = { action = "UpdateLogStore" } } } }
    local r = fx.run(c, "byok-rollout", args { "--apply", "--concurrency", "1",
                                               "--journal", journal })
    assert.equal(3, r.code)
    assert.truthy(r.stdout:find("applied 5", 1, true), r.stdout)
    assert.truthy(r.stdout:find("failed 1", 1, true), r.stdout)
    assert.truthy(r.stdout:find("InternalServerError", 1, true)
                  or r.stdout:find("500", 1, true), r.stdout)
    -- the plan of a rerun shows what it would skip, without touching the file
    local function size()
      local f = assert(io.open(journal))
      local n = f:seek("end")
      f:close()
      return n
    end
    local size0 = size()
    local report = fx.tmp(".json")
    c:reset_stats()
    r = fx.run(c, "byok-rollout", args { "--apply", "--journal", journal,
                                         "--report", report })
    assert.equal(3, r.code)
    local rows = fx.report(report)
    os.remove(report)
    local served = served_per_logstore(c)
    local journaled, applied = 0, 0
    for key, row in pairs(rows) do
      if row.status == "journaled" then
        journaled = journaled + 1
        assert.matches("applied by an earlier run", row.reason)
        assert.matches("encrypt", row.action, 1, true)
        -- read once (the journal is not taken on trust), not written
        assert.same({ "GetLogStore" }, served[key], key)
        assert.matches("read now: as wanted", row.reason, 1, true)
      elseif row.status == "applied" then
        applied = applied + 1
      end
    end
    assert.equal(5, journaled)
    assert.equal(1, applied)
    assert.equal(1, c:count("UpdateLogStore"))
    assert.truthy(size() > size0)
    assert.truthy(r.stdout:find("journaled 5", 1, true))
    os.remove(journal)
  end)

  it("does not trust a journal the logstores do not bear out", function()
    -- a journal of a rehearsal (another endpoint, or the same estate put
    -- back since): the rerun reads each logstore and writes what is not
    -- as wanted
    local journal = fx.tmp(".jsonl")
    local a = { "--region", "cn-hangzhou", "--project", "app-hz", "--logstore", "plain*",
                "--key", fx.KEY, "--journal", journal, "--apply" }
    local r = fx.run(c, "byok-rollout", a)
    assert.equal(0, r.code, r.stdout)
    assert.equal(2, c:count("UpdateLogStore"))
    fx.reset(c)
    local report = fx.tmp(".json")
    r = fx.run(c, "byok-rollout", { "--report", report, table.unpack(a) })
    assert.equal(0, r.code, r.stdout)
    local rows = fx.report(report)
    os.remove(report)
    for _, key in ipairs { "app-hz/plain", "app-hz/plain2" } do
      assert.equal("applied", rows[key].status, key)
      assert.matches("the journal's entry (applied at ", rows[key].reason, 1, true)
      assert.matches("is ignored", rows[key].reason, 1, true)
    end
    assert.equal(2, c:count("UpdateLogStore"))
    local after = fx.stores(c:state())
    assert.is_true(fx.same(fx.byok(fx.KEY), after["app-hz/plain"].encrypt_conf))
    os.remove(journal)
  end)

  -- --plan-out of app-hz/plain (encrypt with fx.KEY), the file edited by
  -- edit(doc), then --apply --plan of it: the result and the report.
  local function apply_edited(edit)
    local plan, report = fx.tmp(".json"), fx.tmp(".json")
    local a = { "--region", "cn-hangzhou", "--project", "app-hz", "--logstore", "plain",
                "--key", fx.KEY }
    local r = fx.run(c, "byok-rollout", { "--plan-out", plan, table.unpack(a) })
    assert.equal(0, r.code, r.stderr)
    local f = assert(io.open(plan))
    local doc = json.decode(f:read("a"))
    f:close()
    assert.equal(1, #doc.changes)
    edit(doc)
    f = assert(io.open(plan, "w"))
    f:write(json.encode(doc))
    f:close()
    c:reset_stats()
    r = fx.run(c, "byok-rollout", { "--apply", "--plan", plan, "--report", report,
                                    table.unpack(a) })
    local rows = r.code ~= 2 and fx.report(report) or nil
    os.remove(plan)
    os.remove(report)
    return r, rows
  end

  it("refuses a saved change that is not what this run plans, writing nothing", function()
    local edits = {
      service_key = function(c1) c1.conf = { enable = true, encrypt_type = "default" } end,
      sm4 = function(c1) c1.conf.encrypt_type = "sm4" end,
      disabled = function(c1) c1.conf.enable = false end,
      other_key = function(c1) c1.conf.user_cmk_info.cmk_key_id = fx.KEY_B end,
      other_arn = function(c1)
        c1.conf.user_cmk_info.arn = "acs:ram::" .. fx.ACCOUNT .. ":role/untrusted-role"
      end,
      action = function(c1) c1.action = "enable" end,
    }
    for what, edit in pairs(edits) do
      fx.reset(c)
      local r, rows = apply_edited(function(doc) edit(doc.changes[1]) end)
      assert.equal(3, r.code, what .. ": " .. r.stdout .. r.stderr)
      local row = rows["app-hz/plain"]
      assert.equal("refused", row.status, what)
      assert.matches("the saved plan's change differs from what this run plans: saved ",
                     row.reason, 1, true)
      assert.matches("planned now encrypt to byok " .. fx.KEY, row.reason, 1, true)
      assert.matches("; nothing written", row.reason, 1, true)
      assert.equal(0, c:count("UpdateLogStore") + c:count("UpdateLogStoreEncryption"), what)
      assert.is_nil(fx.stores(c:state())["app-hz/plain"].encrypt_conf, what)
    end
    -- the plan as written is carried out
    fx.reset(c)
    local r, rows = apply_edited(function() end)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("applied", rows["app-hz/plain"].status)
    assert.equal(1, c:count("UpdateLogStore"))
  end)

  it("refuses a plan that names a logstore twice, before any request", function()
    local r = apply_edited(function(doc)
      doc.changes[2] = doc.changes[1]
    end)
    assert.equal(2, r.code, r.stdout)
    assert.matches("changes 1 and 2 both name cn-hangzhou/app-hz/plain", r.stderr, 1, true)
    assert.equal(0, c:stats().requests)
  end)

  it("says that a saved plan without changes has none", function()
    local r = apply_edited(function(doc) doc.changes = json.array {} end)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local text = r.stdout .. r.stderr
    assert.truthy(text:find("the saved plan has no changes", 1, true), text)
    assert.falsy(text:find("no logstore matches", 1, true), text)
    assert.equal(0, c:count("GetLogStore") + c:count("UpdateLogStore"))
  end)

  it("does not skip journal entries of another key", function()
    local journal = fx.tmp(".jsonl")
    local a = { "--region", "cn-hangzhou", "--project", "app-hz", "--logstore", "plain",
                "--journal", journal, "--apply" }
    local r = fx.run(c, "byok-rollout", { "--key", fx.KEY, table.unpack(a) })
    assert.equal(0, r.code, r.stdout)
    fx.reset(c)
    r = fx.run(c, "byok-rollout", { "--key", fx.KEY_B, table.unpack(a) })
    assert.equal(0, r.code, r.stdout)
    assert.truthy(r.stdout:find("applied 1", 1, true), r.stdout)
    os.remove(journal)
  end)

  -- The pipeline of --apply: the read that planned a change is the one
  -- the write merges from (no second GET before the PUT).
  it("makes GET, PUT, GET per changed logstore and one GET per other one", function()
    for _, via in ipairs { { "update", "UpdateLogStore" },
                           { "encryption_api", "UpdateLogStoreEncryption" } } do
      fx.reset(c)
      local report = fx.tmp(".json")
      local r = fx.run(c, "byok-rollout", args { "--apply", "--concurrency", "4",
                                                 "--via", via[1], "--report", report })
      assert.equal(3, r.code, r.stderr)
      local rows = fx.report(report)
      os.remove(report)
      local seen = served_per_logstore(c)
      local changed, unchanged = 0, 0
      for key, action in pairs(EXPECTED) do
        if action == "encrypt" or action == "enable" then
          assert.equal("applied", rows[key].status, key)
          assert.same({ "GetLogStore", via[2], "GetLogStore" }, seen[key], key)
          changed = changed + 1
        elseif key == fx.SAS .. "/sas-log" then
          assert.is_nil(seen[key], key) -- a service project: not even read
        else
          assert.same({ "GetLogStore" }, seen[key], key)
          unchanged = unchanged + 1
        end
      end
      assert.equal(6, changed)
      assert.equal(changed, c:count(via[2]))
      assert.equal(2 * changed + unchanged, c:count("GetLogStore"))
    end
    -- a plan reads each logstore once and writes nothing
    fx.reset(c)
    assert.equal(3, fx.run(c, "byok-rollout", args {}).code)
    for key, served in pairs(served_per_logstore(c)) do
      assert.same({ "GetLogStore" }, served, key)
    end
    assert.equal(15, c:count("GetLogStore")) -- the 16 but the service project's
  end)

  it("writes no other change before the canary's are read back", function()
    local r = fx.run(c, "byok-rollout", args { "--apply", "--canary", "2",
                                               "--concurrency", "8" })
    assert.equal(3, r.code, r.stderr)
    local log = c:control("GET", "log?n=1000").entries
    -- in the order served: the first two writes and a read-back of each
    -- come before any other write
    local writes, canary = {}, {}
    for i, e in ipairs(log) do
      if e.action == "UpdateLogStore" then
        writes[#writes + 1] = i
        if #writes <= 2 then canary[e.host .. e.path] = true end
      elseif e.action == "GetLogStore" and canary[e.host .. e.path] and #writes <= 2 then
        canary[e.host .. e.path] = i
      end
    end
    assert.equal(6, #writes)
    for key, i in pairs(canary) do
      assert.is_true(math.type(i) == "integer" and i < writes[3], key)
    end
  end)

  it("asks the pre-flight's questions at once: caller, role, every region's key",
     function()
    -- the caller's identity answers 1.5 s late: the role and the keys,
    -- asked at the same time, are answered before it
    c:faults { next = { { delay_ms = 1500, match = { service = "sts",
                                                     action = "GetCallerIdentity" } } } }
    local r = fx.run(c, "byok-rollout", args {})
    assert.equal(3, r.code, r.stderr)
    local seq, others = nil, {}
    for i, e in ipairs(c:control("GET", "log?n=1000").entries) do
      if e.service == "sls" then
        -- the pre-flight is over (the plans ask KMS about other keys later)
        assert.truthy(seq, "a listing before the pre-flight's end")
        break
      end
      if e.action == "GetCallerIdentity" then seq = seq or i end
      if e.service == "ram" or e.service == "kms" then others[#others + 1] = i end
    end
    assert.truthy(seq)
    assert.is_true(#others >= 3) -- the role, and a key in each of the two regions
    for _, i in ipairs(others) do assert.is_true(i < seq) end
    -- printed in the same order as ever
    local caller = r.stdout:find("caller", 1, true)
    local role = r.stdout:find("role ", caller, true)
    local key = r.stdout:find("cn-hangzhou key", role, true)
    assert.truthy(caller and role and key, r.stdout)
  end)

  it("stops after a failed canary and holds back the rest", function()
    c:faults { next = { { status = 500, code = "InternalServerError",
                          match = { action = "UpdateLogStore" } } } }
    local r = fx.run(c, "byok-rollout", args { "--apply", "--canary", "1" })
    assert.equal(3, r.code)
    assert.truthy(r.stdout:find("canary: cn-hangzhou/app-hz/byok-off failed: stopping "
                                .. "before the other 5 logstores", 1, true), r.stdout)
    assert.truthy(r.stdout:find("held 5", 1, true), r.stdout)
    assert.equal(1, c:count("UpdateLogStore"))
    -- the same with many tasks: the others are read and planned, never written
    fx.reset(c)
    c:faults { next = { { status = 500, code = "InternalServerError",
                          match = { action = "UpdateLogStore" } } } }
    local report = fx.tmp(".json")
    r = fx.run(c, "byok-rollout", args { "--apply", "--canary", "1", "--concurrency", "16",
                                         "--report", report })
    assert.equal(3, r.code)
    assert.equal(1, c:count("UpdateLogStore"))
    local rows = fx.report(report)
    os.remove(report)
    assert.equal("failed", rows["app-hz/byok-off"].status)
    for key, action in pairs(EXPECTED) do
      if (action == "encrypt" or action == "enable") and key ~= "app-hz/byok-off" then
        assert.equal("held", rows[key].status, key)
        assert.matches("not applied: the canary failed (app-hz/byok-off: failed)",
                       rows[key].reason, 1, true)
        assert.truthy(rows[key].current, key) -- read and planned meanwhile
      end
    end
  end)

  it("goes on after a canary that worked", function()
    local r = fx.run(c, "byok-rollout", args { "--apply", "--canary", "2" })
    assert.equal(3, r.code)
    assert.truthy(r.stdout:find("canary: 2 logstores changed and read back", 1, true))
    assert.truthy(r.stdout:find("applied 6", 1, true), r.stdout)
  end)

  it("refuses the region of a disabled key in pre-flight and writes nothing there",
     function()
    local before = fx.stores(c:state())
    local report = fx.tmp(".json")
    local r = fx.run(c, "byok-rollout", {
      "--region", "cn-hangzhou,cn-shanghai", "--logstore", "*", "--key",
      "cn-hangzhou=" .. fx.KEY_DIS, "--key", "cn-shanghai=" .. fx.KEY_SH, "--apply",
      "--report", report })
    assert.equal(3, r.code)
    assert.truthy(r.stdout:find("key " .. fx.KEY_DIS .. ": REFUSED: key " .. fx.KEY_DIS
                                .. " is Disabled", 1, true), r.stdout)
    local rows = fx.report(report)
    os.remove(report)
    assert.equal("refused", rows["app-hz/plain"].status)
    assert.matches("pre-flight: key " .. fx.KEY_DIS .. " is Disabled (would encrypt)",
                   rows["app-hz/plain"].reason, 1, true)
    local after = fx.stores(c:state())
    for key in pairs(EXPECTED) do
      if key:find("^app%-hz/") or key:find(fx.CF_HZ, 1, true) then
        assert.same({}, fx.changed_fields(before[key], after[key]), key)
      end
    end
    assert.equal("applied", rows["app-sh/plain"].status)
    assert.equal("applied", rows[fx.CF_SH .. "/cloudfirewall-logstore"].status)
  end)

  it("refuses a key of another region and a key pending deletion", function()
    for _, case in ipairs {
      { fx.KEY_SH, "does not exist in region cn-hangzhou" },
      { fx.KEY_PEND, "is pending deletion" },
    } do
      local r = fx.run(c, "byok-rollout", { "--region", "cn-hangzhou", "--key", case[1] })
      assert.equal(3, r.code)
      assert.truthy(r.stdout:find(case[2], 1, true), r.stdout)
      assert.truthy(r.stdout:find("pre-flight: ", 1, true))
    end
  end)

  it("refuses every change when the role is broken, pointing to setup-role", function()
    for _, case in ipairs {
      { "half-role", "lacks the system policy AliyunKMSCryptoUserAccess" },
      { "untrusted-role", "is not trusted by log.aliyuncs.com" },
      { "no-such-role", "role no-such-role does not exist" },
      { "acs:ram::999999:role/slsh-byok-role", "belongs to account 999999" },
    } do
      local report = fx.tmp(".json")
      local r = fx.run(c, "byok-rollout", args { "--role", case[1], "--apply",
                                                 "--report", report })
      assert.equal(3, r.code)
      assert.truthy(r.stdout:find(case[2], 1, true), r.stdout)
      local rows = fx.report(report)
      os.remove(report)
      for key, row in pairs(rows) do
        assert.is_not.equal("applied", row.status, key)
      end
      assert.matches("^pre%-flight: .*%(would encrypt%)$", rows["app-hz/plain"].reason)
      if case[1] ~= "acs:ram::999999:role/slsh-byok-role" then
        assert.truthy(r.stdout:find("slsh run setup-role", 1, true))
      end
    end
    assert.equal(0, c:count("UpdateLogStore"))
  end)

  it("writes through the encryption API with --via encryption_api", function()
    local r = fx.run(c, "byok-rollout", { "--region", "cn-hangzhou", "--key", fx.KEY,
                                          "--via", "encryption_api", "--apply" })
    assert.equal(0, r.code, r.stdout)
    assert.equal(1, c:count("UpdateLogStoreEncryption"))
    assert.equal(0, c:count("UpdateLogStore"))
    assert.is_true(fx.same(fx.byok(fx.KEY), fx.stores(c:state())[fx.CF_HZ
                                                      .. "/cloudfirewall-logstore"].encrypt_conf))
  end)

  it("includes service-owned projects only when asked", function()
    local r = fx.run(c, "byok-rollout", { "--region", "cn-hangzhou", "--key", fx.KEY,
                                          "--logstore", "sas-log,product-owned",
                                          "--include-service-projects", "--apply" })
    assert.equal(0, r.code, r.stdout)
    assert.truthy(r.stdout:find("applied 2", 1, true), r.stdout)
  end)

  it("uses the --encrypt-type asked for", function()
    local r = fx.run(c, "byok-rollout", { "--region", "cn-hangzhou", "--key", fx.KEY,
                                          "--logstore", "byok-sm4,plain",
                                          "--project", "app-hz",
                                          "--encrypt-type", "sm4", "--apply" })
    assert.equal(0, r.code, r.stdout)
    assert.truthy(r.stdout:find("already 1, applied 1", 1, true), r.stdout)
    assert.equal("sm4", fx.stores(c:state())["app-hz/plain"].encrypt_conf.encrypt_type)
  end)

  it("writes a CSV report", function()
    local report = fx.tmp(".csv")
    local r = fx.run(c, "byok-rollout", args { "--report", report, "--quiet" })
    assert.equal(3, r.code)
    assert.is_nil(r.stdout:find("app-hz", 1, true)) -- --quiet: no table
    local f = assert(io.open(report))
    local text = f:read("a")
    f:close()
    os.remove(report)
    local lines = {}
    for l in text:gmatch("([^\r\n]+)") do lines[#lines + 1] = l end
    assert.equal("region,project,logstore,current,action,status,target,result,reason,"
                 .. "drift,error_code,request_id,accepted", lines[1])
    assert.equal(17, #lines)
    assert.truthy(text:find("cn-hangzhou,app-hz,byok-off,byok " .. fx.KEY
                            .. " default (off),enable,enable,byok " .. fx.KEY
                            .. " default,,BYOK with this region's key but disabled: "
                            .. "only enable changes,,,,", 1, true), text)
  end)
end)
