-- slsh.sls against the emulator over real HTTP: listing, paging, reading,
-- writes that lose nothing, encryption transitions, errors.
local cloud = require "cloud"
local json = slsh.json

local P = cloud.PROJECT

-- Every field of `a` and `b` except those named in `except`.
local function same_but(a, b, except)
  local x, y = json.copy(a), json.copy(b)
  for _, k in ipairs(except) do
    x[k], y[k] = nil, nil
  end
  return json.equal(x, y), json.diff(x, y)
end

describe("slsh.sls", function()
  local c, sls

  before_each(function()
    c = cloud.start()
    sls = c:sls()
  end)

  after_each(function() c:stop() end)

  it("lists projects of the endpoint's region and pages by itself", function()
    local r = assert(sls:list_projects {})
    assert.equal(1, r.total)
    assert.equal(P, r.projects[1].projectName)
    local names = {}
    for name in sls:logstores(P, { page_size = 2 }) do names[#names + 1] = name end
    table.sort(names)
    assert.same({ "byok-disabled-key", "byok-off", "byok-on", "old-shape", "plain",
                  "service-key", "service-key-off" }, names)
    assert.equal(4, c:count("ListLogStores"))
  end)

  it("reads a logstore with every field, in the service's order", function()
    local ls = assert(sls:get_logstore(P, "plain"))
    local keys = json.keys(ls)
    assert.equal("logstoreName", keys[1])
    assert.equal("x_future_field", keys[#keys])
    assert.equal(9007199254740993, ls.x_future_field.big)
    assert.is_true(json.is_array(ls.x_future_field.nested[6]))
    assert.equal(json.null, ls.x_future_field.nested[4])
  end)

  it("returns error objects with the service's code and request id", function()
    local ls, err = sls:get_logstore(P, "nope")
    assert.is_nil(ls)
    assert.equal("LogStoreNotExist", err.code)
    assert.equal(404, err.status)
    assert.equal("sls", err.service)
    assert.equal("GetLogStore", err.action)
    assert.truthy(err.request_id and #err.request_id > 0)
    assert.is_false(err.retryable)
    assert.matches("^LogStoreNotExist: .*%(sls; GetLogStore; HTTP 404; request %x+%)$",
                   tostring(err))
  end)

  it("encrypts with BYOK keeping every other field, via UpdateLogStore", function()
    local before = c:stored(P, "plain")
    local r = assert(sls:set_encryption(P, "plain", cloud.byok()))
    assert.equal("encrypted", r.action)
    assert.same({}, r.drift)
    local after = c:stored(P, "plain")
    local same, diff = same_but(before, after, { "encrypt_conf", "lastModifyTime" })
    assert.is_true(same, slsh.pretty.format(diff))
    assert.is_true(json.equal(json.decode(json.encode(cloud.byok())), after.encrypt_conf))
  end)

  it("sends the complete logstore and leaves out read-only fields", function()
    assert(sls:set_encryption(P, "plain", cloud.byok()))
    local put
    for _, e in ipairs(c:log().entries) do
      if e.action == "UpdateLogStore" then put = e end
    end
    assert.truthy(put, "no UpdateLogStore was sent")
    for _, k in ipairs { "ttl", "shardCount", "hot_ttl", "infrequentAccessTTL", "mode",
                         "enable_tracking", "autoSplit", "maxSplitShard", "appendMeta",
                         "shardingPolicy", "x_future_field", "encrypt_conf" } do
      assert.is_not_nil(put.body[k], k)
    end
    assert.is_nil(put.body.createTime)
    assert.is_nil(put.body.lastModifyTime)
    assert.is_nil(put.body.productType)
    assert.is_nil(put.body.resourceQuota.storage.used)
  end)

  it("says 'configured', not 'encrypted', of a first choice written disabled", function()
    for _, via in ipairs { "update", "encryption_api" } do
      local ls = via == "update" and "plain" or "plain2"
      if via ~= "update" then
        assert(sls:create_logstore(P, { logstoreName = ls, ttl = 30, shardCount = 2 }))
      end
      local off = { enable = false, encrypt_type = "default" }
      local r = assert(sls:set_encryption(P, ls, off, { via = via }))
      assert.equal("configured", r.action, via)
      assert.is_false(c:stored(P, ls).encrypt_conf.enable)
      assert.equal("default", c:stored(P, ls).encrypt_conf.encrypt_type)
      -- a second call writes nothing
      assert.equal("unchanged", assert(sls:set_encryption(P, ls, off)).action)
    end
    local plan = assert(sls:set_encryption(P, "byok-on", cloud.byok(), { dry_run = true }))
    assert.equal("unchanged", plan.action)
    assert(sls:create_logstore(P, { logstoreName = "plain3", ttl = 30, shardCount = 2 }))
    plan = assert(sls:set_encryption(P, "plain3", { enable = false, encrypt_type = "default" },
                                     { dry_run = true }))
    assert.equal("configured", plan.action)
    assert.equal("encrypted", assert(sls:set_encryption(P, "plain3", cloud.byok(),
                                                        { dry_run = true })).action)
  end)

  it("has no public write that sends a body as it is", function()
    assert.is_nil(sls.put_and_verify)
    assert.is_nil(getmetatable(sls).__index.put_and_verify)
  end)

  it("encrypts through the encryption API too", function()
    local before = c:stored(P, "plain")
    local r = assert(sls:set_encryption(P, "plain", cloud.byok(), { via = "encryption_api" }))
    assert.equal("encrypted", r.action)
    local after = c:stored(P, "plain")
    assert.is_true((same_but(before, after, { "encrypt_conf", "lastModifyTime" })))
  end)

  it("toggles enable on a BYOK logstore and on a service-key logstore", function()
    local cur = assert(sls:get_logstore(P, "byok-off")).encrypt_conf
    local r = assert(sls:set_encryption(P, "byok-off", slsh.encrypt_conf.with_enable(cur, true)))
    assert.equal("enabled", r.action)
    cur = assert(sls:get_logstore(P, "service-key")).encrypt_conf
    r = assert(sls:set_encryption(P, "service-key", slsh.encrypt_conf.with_enable(cur, false)))
    assert.equal("disabled", r.action)
    assert.is_false(c:stored(P, "service-key").encrypt_conf.enable)
  end)

  it("reports an unchanged logstore without writing", function()
    c:reset_stats()
    local r = assert(sls:set_encryption(P, "byok-on", cloud.byok()))
    assert.equal("unchanged", r.action)
    assert.equal(0, c:count("UpdateLogStore"))
  end)

  for _, case in ipairs {
    { "service-key", cloud.byok(), "mechanism_locked" },
    { "byok-on", cloud.byok(cloud.KEY_B), "cmk_locked" },
    { "byok-on", { enable = true, encrypt_type = "sm4",
                   user_cmk_info = cloud.byok().user_cmk_info }, "encrypt_type_locked" },
    { "byok-on", { enable = true, encrypt_type = "default" }, "mechanism_locked" },
    { "service-key-off", { enable = true, encrypt_type = "default" }, "encrypt_type_locked" },
  } do
    it("refuses " .. case[3] .. " on " .. case[1] .. " before sending anything", function()
      local before = c:stored(P, case[1])
      c:reset_stats()
      local r = assert(sls:set_encryption(P, case[1], case[2]))
      assert.equal("refused", r.action)
      assert.equal(case[3], r.code)
      assert.matches("permanent", r.reason)
      assert.equal(0, c:count("UpdateLogStore"))
      assert.is_true(json.equal(before, c:stored(P, case[1])))
    end)
  end

  it("plans without writing on dry_run", function()
    c:reset_stats()
    local r = assert(sls:set_encryption(P, "plain", cloud.byok(), { dry_run = true }))
    assert.equal("encrypted", r.action)
    assert.is_true(r.dry_run)
    assert.equal(0, c:count("UpdateLogStore"))
  end)

  it("refuses an invalid conf with the field and the valid values", function()
    local r, err = sls:set_encryption(P, "plain", { enable = true, encrypt_type = "rot13" })
    assert.is_nil(r)
    assert.equal("encrypt_conf.encrypt_type", err.field)
    assert.matches("aes_gcm", err.message)
  end)

  it("updates a field and keeps the rest, encrypt_conf included", function()
    local before = c:stored(P, "byok-on")
    local r = assert(sls:update_logstore(P, "byok-on", { ttl = 120 }))
    assert.equal(120, r.config.ttl)
    assert.same({}, r.drift)
    local after = c:stored(P, "byok-on")
    assert.is_true((same_but(before, after, { "ttl", "lastModifyTime" })))
  end)

  -- A caller that just read the logstore (to plan) writes from that read:
  -- a change is GET, PUT, GET, never a second GET before the PUT.
  it("writes from the caller's own read with current=, checked again", function()
    local ls = assert(sls:get_logstore(P, "plain"))
    c:reset_stats()
    local r = assert(sls:set_encryption(P, "plain", cloud.byok(), { current = ls }))
    assert.equal("encrypted", r.action)
    assert.same({}, r.drift)
    assert.equal(1, c:count("UpdateLogStore"))
    assert.equal(1, c:count("GetLogStore")) -- the read-back only
    local before = c:stored(P, "byok-on")
    ls = assert(sls:get_logstore(P, "byok-on"))
    c:reset_stats()
    local u = assert(sls:update_logstore(P, "byok-on", { ttl = 120 }, { current = ls }))
    assert.equal(120, u.config.ttl)
    assert.equal(1, c:count("GetLogStore"))
    assert.is_true((same_but(before, c:stored(P, "byok-on"), { "ttl", "lastModifyTime" })))
    -- the read-back is a read of this client too: the next write may start from it
    c:reset_stats()
    u = assert(sls:update_logstore(P, "byok-on", { ttl = 150 }, { current = u.config }))
    assert.equal(150, u.config.ttl)
    assert.equal(1, c:count("GetLogStore"))
  end)

  it("raises when current= is not this client's read of that logstore, or was changed",
     function()
    local ls = assert(sls:get_logstore(P, "plain"))
    local other = c:sls()
    c:reset_stats()
    local conf = cloud.byok()
    local wrong = "sls:set_encryption: option 'current' must be the logstore "
    for _, case in ipairs {
      { P, "plain", json.copy(ls), wrong .. P .. "/plain as this client's get_logstore "
                                   .. "returned it" },
      { P, "byok-on", ls, wrong .. P .. "/byok-on as this client's get_logstore returned it" },
    } do
      assert.has_error(function() sls:set_encryption(case[1], case[2], conf,
                                                     { current = case[3] }) end, case[4])
    end
    assert.has_error(function() other:set_encryption(P, "plain", conf, { current = ls }) end,
                     wrong .. P .. "/plain as this client's get_logstore returned it")
    assert.has_error(function() sls:set_encryption(P, "plain", conf, { current = "x" }) end,
                     "sls:set_encryption: option 'current' must be a table, got string")
    ls.ttl = "90"
    assert.has_error(function() sls:set_encryption(P, "plain", conf, { current = ls }) end,
                     "sls:set_encryption: option 'current' is not a complete logstore any "
                     .. "more (changed since it was read): ttl must be an integer (an integer "
                     .. "number of days, 1-3650 (3650 = permanent)), got the string '90'")
    ls.ttl = nil
    assert.has_error(function() sls:update_logstore(P, "plain", { ttl = 100 },
                                                    { current = ls }) end)
    assert.equal(0, c:stats().requests)
  end)

  it("refuses to shorten retention unless told to", function()
    local r, err = sls:update_logstore(P, "plain", { ttl = 30 })
    assert.is_nil(r)
    assert.equal("retention_shortened", err.code)
    assert.equal("ttl", err.field)
    assert.equal(90, c:stored(P, "plain").ttl)
    r = assert(sls:update_logstore(P, "plain", { ttl = 45 }, { allow_shorter_retention = true }))
    assert.equal(45, r.config.ttl)
  end)

  it("creates and deletes a logstore", function()
    assert(sls:create_logstore(P, { logstoreName = "fresh", ttl = 7, shardCount = 1,
                                    encrypt_conf = cloud.byok() }))
    local ls = assert(sls:get_logstore(P, "fresh"))
    assert.equal(cloud.KEY, ls.encrypt_conf.user_cmk_info.cmk_key_id)
    assert(sls:delete_logstore(P, "fresh"))
    local _, err = sls:get_logstore(P, "fresh")
    assert.equal("LogStoreNotExist", err.code)
  end)

  it("treats LogStoreAlreadyExist after a lost answer as its own success", function()
    local s = c:sls { retries = 2 }
    c:faults { next = { { drop = "after", match = { action = "CreateLogStore" } } } }
    assert(s:create_logstore(P, { logstoreName = "retried", ttl = 7, shardCount = 1 }))
    assert.equal(7, c:stored(P, "retried").ttl)
  end)

  it("reports LogStoreAlreadyExist when nothing was retried", function()
    local ok, err = sls:create_logstore(P, { logstoreName = "plain", ttl = 7, shardCount = 1 })
    assert.is_nil(ok)
    assert.equal("LogStoreAlreadyExist", err.code)
  end)

  it("signs with V4 and with hmac-sha256 as well", function()
    assert(c:sls { signature = "v4" }:get_logstore(P, "plain"))
    assert(c:sls { signature_method = "hmac-sha256" }:get_logstore(P, "plain"))
    assert(c:sls { credentials = c.sts_creds }:get_logstore(P, "plain"))
  end)

  it("raises on misuse, naming the option", function()
    assert.has_error(function() slsh.sls.client { region = "cn-hangzhou", signatur = "v4" } end,
      "sls.client: unknown option 'signatur' (valid: ca_file, connect_to, credentials, "
      .. "data_qps, endpoint, max_body, profile, qps, region, retries, retry_time, signature, "
      .. "signature_method, "
      .. "timeout, verbose)")
    assert.has_error(function() sls:get_logstore(P, "Bad Name") end)
  end)

  it("checks a create body's known fields before sending it", function()
    c:reset_stats()
    for _, case in ipairs {
      { { logstoreName = "new", ttl = "7", shardCount = 1 }, "ttl",
        "ttl must be an integer (an integer number of days, 1-3650 (3650 = permanent)), "
        .. "got the string" },
      { { logstoreName = "new", ttl = 0, shardCount = 1 }, "ttl", "ttl is 0, out of range" },
      { { logstoreName = "new", ttl = 7 }, "shardCount", "the logstore has no shardCount" },
      { { logstoreName = "new", ttl = 7, shardCount = 1, autoSplit = "yes" }, "autoSplit",
        "autoSplit must be a boolean" },
    } do
      local ok, err = sls:create_logstore(P, case[1])
      assert.is_nil(ok)
      assert.equal("invalid_logstore", err.code)
      assert.equal(case[2], err.field)
      assert.equal(case[3], err.message:sub(1, #case[3]))
    end
    assert.equal(0, c:stats().requests)
    assert(sls:create_logstore(P, { logstoreName = "new", ttl = 7, shardCount = 1,
                                    appendMeta = true }))
  end)

  it("checks the ranges of the clients' numeric options, naming them at the caller",
     function()
    local cases = {
      { "timeout", -5, "a number > 0 (seconds), got -5" },
      { "timeout", 0, "a number > 0 (seconds), got 0" },
      { "retry_time", 0, "a number > 0 (seconds), got 0" },
      { "retries", -1, "a whole number >= 0, got -1" },
      { "retries", 1.5, "a whole number >= 0, got 1.5" },
      { "qps", -1, "a finite number >= 0 (0 = no limit), got -1" },
      { "qps", math.huge, "a finite number >= 0 (0 = no limit), got inf" },
      { "qps", 0 / 0, "a finite number >= 0 (0 = no limit), got" },
      { "data_qps", -1, "a finite number >= 0 (0 = no limit), got -1" },
    }
    for _, make in ipairs { "sls", "kms", "ram", "sts" } do
      for _, case in ipairs(cases) do
        if make == "sls" or case[1] ~= "data_qps" then
          local opts = { region = "cn-hangzhou", [case[1]] = case[2] }
          local ok, err = pcall(function() local cl = slsh[make].client(opts); return cl end)
          assert.is_false(ok, make .. " " .. case[1])
          -- at the caller (this file, not a module of slsh), naming the option
          local where, msg = err:match("^([^:]*):%d+: (.*)$")
          assert.matches("sls_spec%.lua$", where, nil, err)
          local want = make .. ".client: option '" .. case[1] .. "' must be " .. case[3]
          assert.equal(want, msg:sub(1, #want), err)
        end
      end
    end
    assert(slsh.sls.client { region = "cn-hangzhou", retries = 0, qps = 0, timeout = 0.5 })
  end)

  -- Misuse raises before anything is sent: an unknown key of any table,
  -- a conf that is not a table, an unknown via, a name the service would
  -- refuse (characters or length).
  it("raises on misuse of every method before sending anything", function()
    local conf = cloud.byok()
    c:reset_stats()
    assert.has_error(function() sls:set_encryption(P, "plain", conf, { dryrun = true }) end,
      "sls:set_encryption: unknown option 'dryrun' (valid: current, dry_run, via)")
    assert.has_error(function() sls:set_encryption(P, "plain", conf, { dry_run = 1 }) end,
      "sls:set_encryption: option 'dry_run' must be a boolean, got number")
    for _, bad in ipairs { "default", 1 } do
      assert.has_error(function() sls:set_encryption(P, "plain", bad) end,
        "sls:set_encryption: conf must be an encrypt_conf table (from "
        .. "slsh.encrypt_conf.byok{...}, service_key{...} or with_enable), got " .. type(bad))
    end
    assert.has_error(function() sls:set_encryption(P, "plain") end,
      "sls:set_encryption: conf must be an encrypt_conf table (from "
      .. "slsh.encrypt_conf.byok{...}, service_key{...} or with_enable), got nil")
    assert.has_error(function() sls:set_encryption(P, "plain", conf, { via = "bogus" }) end,
      "sls:set_encryption: option 'via' must be one of update, encryption_api, got 'bogus'")
    assert.has_error(function() sls:update_logstore(P, "plain", { ttl = 120 },
                                                    { allow_shorter = true }) end,
      "sls:update_logstore: unknown option 'allow_shorter' (valid: allow_mode_change, "
      .. "allow_shorter_retention, allow_telemetry_type_change, current, dry_run)")
    assert.has_error(function() sls:list_projects { limit = 5 } end,
      "sls:list_projects: unknown option 'limit' (valid: name, offset, size)")
    assert.has_error(function() for _ in sls:projects { pagesize = 5 } do end end,
      "sls:projects: unknown option 'pagesize' (valid: name, page_size)")
    assert.has_error(function() sls:list_logstores(P, { sise = 5 }) end)
    assert.has_error(function() for _ in sls:logstores(P, { nmae = "x" }) do end end)
    assert.has_error(function() sls:request { path = "/", mehtod = "GET" } end,
      "sls:request: unknown field 'mehtod' (valid: action, body, data_plane, headers, method, "
      .. "no_resend, path, project, query)")
    local long = string.rep("p", 1000)
    assert.has_error(function() sls:get_logstore(long, "plain") end,
      "project name must be 3-63 characters of a-z, 0-9, '_' and '-', starting and "
      .. "ending with a letter or digit, got '" .. long:sub(1, 64) .. "...' (1000 characters)")
    assert.has_error(function() sls:get_project("ab") end)
    assert.has_error(function() sls:get_logstore(P, string.rep("l", 64)) end)
    assert.has_error(function() sls:get_logstore(P, "x") end)
    assert.has_error(function() sls:get_logstore(P, "trailing-") end)
    assert.has_error(function() sls:delete_logstore(long, "plain") end)
    assert.has_error(function() sls:create_logstore(P, { logstoreName = "l", ttl = 1,
                                                         shardCount = 1 }) end)
    assert.has_error(function() sls:create_logstore(P, { logstoreName = "new", ttl = 1,
                                                         shardCount = 1,
                                                         encrypt_conf = "default" }) end,
      "sls:create_logstore: body.encrypt_conf must be an encrypt_conf table (from "
      .. "slsh.encrypt_conf.byok{...} or service_key{...}), got string")
    assert.equal(0, c:stats().requests)
    -- the shortest and longest names pass
    local _, err = sls:get_logstore(P, "ab")
    assert.equal("LogStoreNotExist", err.code)
    _, err = sls:get_logstore(P, string.rep("l", 63))
    assert.equal("LogStoreNotExist", err.code)
  end)

  it("does not send an UpdateLogStore again after its answer was lost", function()
    local s = c:sls { retries = 3 }
    assert(s:get_logstore(P, "plain")) -- a kept-alive connection, as in a real run
    c:faults { next = { { drop = "after", match = { action = "UpdateLogStore" } } } }
    local r, err = s:update_logstore(P, "plain", { ttl = 120 })
    assert.is_nil(r)
    assert.equal("network", err.code)
    assert.equal(1, c:count("UpdateLogStore"))
    assert.equal(120, c:stored(P, "plain").ttl) -- it was carried out, once
  end)
end)
