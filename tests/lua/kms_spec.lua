-- slsh.kms against the emulator over real HTTP: describing keys by id and
-- alias, paging, aliases, state changes, and key_health in every state.
local cloud = require "cloud"

describe("slsh.kms", function()
  local c, kms

  setup(function() c = cloud.start() end)
  teardown(function() c:stop() end)
  before_each(function()
    c:reset()
    kms = c:kms()
  end)

  it("describes a key by id and by alias", function()
    local m = assert(kms:describe_key(cloud.KEY))
    assert.equal(cloud.KEY, m.KeyId)
    assert.equal("acs:kms:cn-hangzhou:" .. cloud.ACCOUNT .. ":key/" .. cloud.KEY, m.Arn)
    assert.equal("Enabled", m.KeyState)
    assert.equal(cloud.KEY, assert(kms:describe_key(cloud.ALIAS)).KeyId)
  end)

  it("returns error objects with the service's code, status and request id", function()
    local m, err = kms:describe_key("alias/nope")
    assert.is_nil(m)
    assert.equal("Forbidden.AliasNotFound", err.code)
    assert.equal(404, err.status)
    assert.equal("kms", err.service)
    assert.equal("DescribeKey", err.action)
    assert.matches("^%x+$", err.request_id)
    -- keys are regional: the Shanghai key is not found from Hangzhou
    m, err = kms:describe_key(cloud.KEY_SH)
    assert.is_nil(m)
    assert.equal("Forbidden.KeyNotFound", err.code)
  end)

  it("pages keys by PageNumber, page_size at a time", function()
    local got = {}
    for k in kms:keys { page_size = 2 } do got[#got + 1] = k.KeyId end
    table.sort(got)
    assert.same({ cloud.KEY, cloud.KEY_B, cloud.KEY_DISABLED, cloud.KEY_PENDING,
                  cloud.KEY_IMPORT, cloud.KEY_SIGN }, got)
    assert.equal(3, c:count("ListKeys"))
    c:reset_stats()
    local n = 0
    for _ in kms:keys() do n = n + 1 end
    assert.equal(6, n)
    assert.equal(1, c:count("ListKeys"))
  end)

  it("filters keys", function()
    local got = {}
    for k in kms:keys { filters = { { Key = "KeyState", Values = { "Disabled" } } } } do
      got[#got + 1] = k.KeyId
    end
    assert.same({ cloud.KEY_DISABLED }, got)
  end)

  it("stops with the error object when a page fails", function()
    local keys = kms:keys { page_size = 2 }
    assert.truthy(keys())
    assert.truthy(keys())
    c:faults { next = { { status = 400, code = "InvalidParameter" } } }
    local ok, err = pcall(keys)
    assert.is_false(ok)
    assert.equal("InvalidParameter", err.code)
  end)

  it("lists aliases, all or of one key", function()
    local all = {}
    for a in kms:aliases() do all[#all + 1] = a end
    assert.equal(1, #all)
    assert.equal(cloud.ALIAS, all[1].AliasName)
    assert.equal(cloud.KEY, all[1].KeyId)
    local n = 0
    for _ in kms:aliases { key_id = cloud.KEY_B, page_size = 1 } do n = n + 1 end
    assert.equal(0, n)
    n = 0
    for _ in kms:aliases { key_id = cloud.KEY } do n = n + 1 end
    assert.equal(1, n)
  end)

  it("disables, enables, schedules and cancels deletion", function()
    assert(kms:disable_key(cloud.KEY_B))
    assert.equal("Disabled", assert(kms:describe_key(cloud.KEY_B)).KeyState)
    assert(kms:enable_key(cloud.KEY_B))
    assert.equal("Enabled", assert(kms:describe_key(cloud.KEY_B)).KeyState)
    assert(kms:schedule_key_deletion(cloud.KEY_B, 7))
    local m = assert(kms:describe_key(cloud.KEY_B))
    assert.equal("PendingDeletion", m.KeyState)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", m.DeleteDate)
    local ok, err = kms:enable_key(cloud.KEY_B)
    assert.is_nil(ok)
    assert.equal("Rejected.StateModifiedFailed", err.code)
    assert(kms:cancel_key_deletion(cloud.KEY_B))
    assert.equal("Enabled", assert(kms:describe_key(cloud.KEY_B)).KeyState)
    ok, err = kms:schedule_key_deletion(cloud.KEY, 7)
    assert.is_nil(ok)
    assert.equal("Forbidden.DeletionProtection", err.code)
    assert.equal(403, err.status)
  end)

  describe("key_health", function()
    -- key, state, usable, a problem (or nil), a warning (or nil)
    for _, case in ipairs {
      { "KEY", "Enabled", true, nil, nil },
      { "KEY_B", "Enabled", true, nil, "deletion protection is off" },
      { "KEY_DISABLED", "Disabled", false, "is Disabled", nil },
      { "KEY_PENDING", "PendingDeletion", false,
        "is pending deletion %(on 2030%-01%-01T00:00:00Z%)", nil },
      { "KEY_IMPORT", "PendingImport", false, "is PendingImport", nil },
      { "KEY_SIGN", "Enabled", false, "is for SIGN/VERIFY, not ENCRYPT/DECRYPT", nil },
      { "KEY_SIGN", "Enabled", false, "has spec EC_P256; SLS needs", nil },
    } do
      local key, state, usable, problem, warning = table.unpack(case, 1, 5)
      it(string.format("says %s (%s) is %s", key, state, usable and "usable" or "not usable"),
        function()
          local h = assert(kms:key_health(cloud[key]))
          assert.equal(cloud[key], h.key_id)
          assert.equal(state, h.state)
          assert.equal(usable, h.usable)
          if problem then
            assert.matches(problem, table.concat(h.problems, "\n"))
          else
            assert.same({}, h.problems)
          end
          if warning then assert.matches(warning, table.concat(h.warnings, "\n")) end
          assert.equal(cloud[key], h.metadata.KeyId)
        end)
    end

    it("says a missing key is NotFound, naming the region", function()
      local h = assert(kms:key_health("key-does-not-exist"))
      assert.equal("NotFound", h.state)
      assert.is_false(h.usable)
      assert.matches("does not exist in region cn%-hangzhou", h.problems[1])
    end)

    it("follows the key through its states", function()
      assert.is_true(assert(kms:key_health(cloud.KEY_B)).usable)
      assert(kms:disable_key(cloud.KEY_B))
      assert.is_false(assert(kms:key_health(cloud.KEY_B)).usable)
      assert(kms:enable_key(cloud.KEY_B))
      assert(kms:schedule_key_deletion(cloud.KEY_B, 30))
      assert.equal("PendingDeletion", assert(kms:key_health(cloud.KEY_B)).state)
    end)

    it("returns other errors as errors", function()
      c:faults { next = { { status = 403, code = "Forbidden.NoPermission" } } }
      local h, err = kms:key_health(cloud.KEY)
      assert.is_nil(h)
      assert.equal("Forbidden.NoPermission", err.code)
    end)

    it("works in another region", function()
      local sh = c:kms { region = "cn-shanghai" }
      assert.is_true(assert(sh:key_health(cloud.KEY_SH)).usable)
    end)
  end)

  it("signs with ACS3 too", function()
    local a = c:kms { signature = "acs3" }
    assert.equal(cloud.KEY, assert(a:describe_key(cloud.ALIAS)).KeyId)
    local n = 0
    for _ in a:keys { page_size = 4 } do n = n + 1 end
    assert.equal(6, n)
  end)

  it("raises on misuse, naming the option", function()
    assert.has_error(function() slsh.kms.client { credentials = c.creds } end,
      "kms.client: region is required (option region=, or --region), e.g. cn-hangzhou")
    assert.has_error(function() slsh.kms.client { region = "Hangzhou" } end,
      "kms.client: region 'Hangzhou' is not a region id such as cn-hangzhou")
  end)

  it("refuses an answer larger than max_body before parsing it", function()
    local m, err = c:kms { max_body = 64 }:describe_key(cloud.KEY)
    assert.is_nil(m)
    assert.equal("too_large", err.code)
  end)

  it("raises on misuse of every method, naming the key, before sending", function()
    c:reset_stats()
    assert.has_error(function() kms:keys { pagesize = 10 } end,
      "kms:keys: unknown option 'pagesize' (valid: filters, page_size)")
    assert.has_error(function() kms:aliases { keyid = cloud.KEY } end,
      "kms:aliases: unknown option 'keyid' (valid: key_id, page_size)")
    assert.has_error(function() kms:describe_key(nil) end,
      "kms:describe_key: the key id must be a non-empty string (a key id, ARN or "
      .. "alias/NAME), got nil")
    assert.has_error(function() kms:enable_key("") end)
    assert.has_error(function() kms:key_health({}) end)
    assert.has_error(function() kms:schedule_key_deletion(cloud.KEY_B, 3) end,
      "kms:schedule_key_deletion: days must be an integer 7-366, got 3")
    assert.equal(0, c:stats().requests)
  end)
end)
