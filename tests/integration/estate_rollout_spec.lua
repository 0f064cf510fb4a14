-- A BYOK rollout over a generated estate (tests/emulator/make-estate: 6
-- projects x 8 logstores in 2 regions, plus the Cloud Firewall projects,
-- every kind of logstore field and encryption), with the clients only:
-- find the CMK by alias and check the role, encrypt every unencrypted
-- logstore, enable the disabled ones, leave the rest. Then the emulator's
-- state before and after is compared field by field: every field of
-- every logstore unchanged but encrypt_conf and lastModifyTime, and
-- those only where something was written; everything else identical.
local cloud = require "cloud"
local json = slsh.json
local encconf = slsh.encrypt_conf

local REGIONS = { "cn-hangzhou", "cn-shanghai" }
local ACCOUNT = "1827364554637281"
local ROLE_ARN = "acs:ram::" .. ACCOUNT .. ":role/slsh-byok-role"

-- The estate as a table (make-estate is deterministic for its arguments).
local function make_estate()
  local path = os.tmpname()
  local src = os.getenv("SLSH_SOURCE_DIR") or "."
  assert(os.execute(string.format("python3 %s/tests/emulator/make-estate --projects 6 "
    .. "--logstores 8 --regions %s --seed 1 --out %s 2>/dev/null", src,
    table.concat(REGIONS, ","), path)))
  local f = assert(io.open(path))
  local text = f:read("a")
  f:close()
  os.remove(path)
  return assert(json.decode(text))
end

-- project name -> logstore name -> logstore, from a state.
local function logstores_of(state)
  local out = {}
  for _, p in ipairs(state.projects) do
    out[p.name] = {}
    for _, ls in ipairs(p.logstores) do out[p.name][ls.logstoreName] = ls end
  end
  return out
end

-- The keys of `t` but those listed, sorted (the order of keys in a
-- stored JSON object is not a field).
local function keys_but(t, ...)
  local skip, out = {}, {}
  for _, k in ipairs { ... } do skip[k] = true end
  for k in pairs(t) do
    if not skip[k] then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

-- A copy of `t` without the keys listed.
local function without(t, ...)
  local c = json.copy(t)
  for _, k in ipairs { ... } do c[k] = nil end
  return c
end

describe("a BYOK rollout over a generated estate", function()
  local c, before, after, plan, results

  setup(function()
    c = cloud.start { state = make_estate() }
    c.creds = slsh.credentials { access_key_id = "LTAI5tEmulatorEstate0001",
                                 access_key_secret = "emulator-estate-secret-not-real-0001" }
    before = c:state()
    plan, results = {}, {}
    for _, region in ipairs(REGIONS) do
      local kms = c:kms { region = region, retries = 2 }
      local key = assert(kms:describe_key("alias/slsh-byok")).KeyId
      assert.is_true(assert(kms:key_health(key)).usable)
      local role = assert(c:ram { retries = 2 }:check_byok_role("slsh-byok-role"))
      assert.is_true(role.trusted)
      assert.same({}, role.missing)
      local want = encconf.byok { cmk_key_id = key, arn = ROLE_ARN, region_id = region }
      local sls = c:sls { region = region, retries = 2 }
      for p in sls:projects { page_size = 3 } do
        for name in sls:logstores(p.projectName, { page_size = 5 }) do
          plan[#plan + 1] = { sls = sls, project = p.projectName, logstore = name, want = want }
        end
      end
    end
    local errs, nerr
    results, errs, nerr = slsh.task.map(plan, function(item)
      local ls = assert(item.sls:get_logstore(item.project, item.logstore))
      local cur = ls.encrypt_conf
      local conf
      if cur == nil or cur.encrypt_type == nil then
        conf = item.want
      elseif cur.enable == false then
        conf = encconf.with_enable(cur, true)
      else
        conf = cur
      end
      local r = assert(item.sls:set_encryption(item.project, item.logstore, conf))
      item.sent = conf
      return r
    end, { concurrency = 4 })
    assert.equal(0, nerr, slsh.pretty.format(errs))
    after = c:state()
  end)

  teardown(function() c:stop() end)

  it("covers every kind of logstore field and encryption", function()
    local fields, kinds = {}, {}
    for _, p in ipairs(before.projects) do
      for _, ls in ipairs(p.logstores) do
        for k in pairs(ls) do fields[k] = true end
        local e = ls.encrypt_conf
        local kind = e == nil and "none" or next(e.user_cmk_info or {}) == nil and "service"
                     or e.enable and "byok" or "byok_disabled"
        kinds[kind] = (kinds[kind] or 0) + 1
      end
    end
    for _, k in ipairs { "ttl", "shardCount", "hot_ttl", "infrequentAccessTTL", "mode",
                         "telemetryType", "resourceQuota", "shardingPolicy", "x_future_field",
                         "productType", "encrypt_conf", "appendMeta", "autoSplit" } do
      assert.is_true(fields[k], k)
    end
    for _, k in ipairs { "none", "service", "byok", "byok_disabled" } do
      assert.is_true((kinds[k] or 0) > 0, k)
    end
    assert.equal(6 * 8 + 2, #plan)
  end)

  it("encrypts the unencrypted, enables the disabled, leaves the rest", function()
    local count = {}
    for i, r in ipairs(results) do
      count[r.action] = (count[r.action] or 0) + 1
      assert.same({}, r.drift or {}, plan[i].project .. "/" .. plan[i].logstore)
    end
    assert.is_true((count.encrypted or 0) > 0)
    assert.is_true((count.enabled or 0) > 0)
    assert.is_true((count.unchanged or 0) > 0)
    assert.equal(#plan, (count.encrypted or 0) + (count.enabled or 0) + (count.unchanged or 0))
  end)

  it("changes only encrypt_conf and lastModifyTime, field by field", function()
    local b, a = logstores_of(before), logstores_of(after)
    for i, item in ipairs(plan) do
      local where = item.project .. "/" .. item.logstore
      local x, y = b[item.project][item.logstore], a[item.project][item.logstore]
      assert.same(keys_but(x, "encrypt_conf"), keys_but(y, "encrypt_conf"), where)
      for k, v in pairs(x) do
        if k ~= "encrypt_conf" and k ~= "lastModifyTime" then
          assert.is_true(json.equal(v, y[k]), where .. " field " .. k .. " changed: "
                         .. json.encode(v) .. " -> " .. json.encode(y[k]))
        end
      end
      if results[i].action == "unchanged" then
        assert.is_true(json.equal(x, y), where .. " was written")
      else
        assert.is_true(json.equal(json.decode(json.encode(item.sent)), y.encrypt_conf), where)
        assert.is_true(y.lastModifyTime >= x.lastModifyTime, where)
      end
    end
  end)

  it("leaves projects and everything else of the state identical", function()
    assert.equal(#before.projects, #after.projects)
    for i, p in ipairs(before.projects) do
      assert.is_true(json.equal(without(p, "logstores"), without(after.projects[i], "logstores")),
                     p.name)
      assert.equal(#p.logstores, #after.projects[i].logstores)
    end
    assert.same(json.keys(before), json.keys(after))
    for k, v in pairs(before) do
      if k ~= "projects" then assert.is_true(json.equal(v, after[k]), k) end
    end
  end)
end)
