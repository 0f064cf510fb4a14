-- slsh.ram against the emulator over real HTTP: roles, paging, policies,
-- attachments, and ensure_byok_role creating, repairing and leaving alone.
local cloud = require "cloud"
local json = slsh.json
local ram_mod = slsh.ram

-- The trust document of a role as stored, decoded.
local function trust_of(c, name)
  for _, r in ipairs(c:state().roles) do
    if r.RoleName == name then return json.decode(r.AssumeRolePolicyDocument) end
  end
end

-- Names of the policies attached to a role, sorted.
local function policies_of(ram, name)
  local names = {}
  for _, p in ipairs(assert(ram:list_policies_for_role(name))) do
    names[#names + 1] = p.PolicyName
  end
  table.sort(names)
  return names
end

describe("slsh.ram", function()
  local c, ram

  setup(function() c = cloud.start() end)
  teardown(function() c:stop() end)
  before_each(function()
    c:reset()
    ram = c:ram()
  end)

  it("gets a role with its ARN and trust document", function()
    local r = assert(ram:get_role(cloud.ROLE))
    assert.equal(cloud.ROLE_ARN, r.Arn)
    assert.is_true(ram_mod.trusts_service(r.AssumeRolePolicyDocument))
    assert.is_false(ram_mod.trusts_service(assert(ram:get_role("half-role"))
                                             .AssumeRolePolicyDocument))
  end)

  it("returns error objects with the service's code, status and request id", function()
    local r, err = ram:get_role("no-such-role")
    assert.is_nil(r)
    assert.equal("EntityNotExist.Role", err.code)
    assert.equal(404, err.status)
    assert.equal("ram", err.service)
    assert.equal("GetRole", err.action)
    assert.matches("^%x+$", err.request_id)
    assert.is_false(err.retryable)
    assert.matches("^EntityNotExist.Role: .*%(ram; GetRole; HTTP 404; request %x+%)$",
                   tostring(err))
  end)

  it("creates and updates a role", function()
    local r = assert(ram:create_role { name = "Made-By-Test", description = "first",
                                       max_session_duration = 7200 })
    assert.equal("acs:ram::" .. cloud.ACCOUNT .. ":role/made-by-test", r.Arn)
    assert.equal(7200, r.MaxSessionDuration)
    assert.is_true(ram_mod.trusts_service(r.AssumeRolePolicyDocument))
    local _, err = ram:create_role { name = "Made-By-Test" }
    assert.equal("EntityAlreadyExists.Role", err.code)
    assert.equal(409, err.status)
    r = assert(ram:update_role { name = "Made-By-Test", description = "second" })
    assert.equal("second", r.Description)
    assert.equal("second", assert(ram:get_role("Made-By-Test")).Description)
  end)

  it("pages roles by Marker, page_size at a time", function()
    for i = 1, 5 do assert(ram:create_role { name = "paged-" .. i }) end
    local want = {}
    for _, r in ipairs(c:state().roles) do -- the caller's own, not the members'
      if r.account == cloud.ACCOUNT then want[#want + 1] = r.RoleName:lower() end
    end
    table.sort(want)
    c:reset_stats()
    local got = {}
    for r in ram:roles { page_size = 2 } do got[#got + 1] = r.RoleName:lower() end
    table.sort(got)
    assert.same(want, got)
    assert.equal(math.ceil(#want / 2), c:count("ListRoles"))
    c:reset_stats()
    local n = 0
    for _ in ram:roles() do n = n + 1 end
    assert.equal(#want, n)
    assert.equal(1, c:count("ListRoles"))
  end)

  it("raises the error object when a later page fails", function()
    local pages = ram:roles { page_size = 1 }
    assert.truthy(pages())
    c:faults { next = { { status = 400, code = "InvalidParameter.Marker" } } }
    local ok, err = pcall(pages)
    assert.is_false(ok)
    assert.is_true(slsh.err.is(err))
    assert.equal("InvalidParameter.Marker", err.code)
  end)

  it("reads, creates and attaches policies", function()
    local p = assert(ram:get_policy("AliyunKMSReadOnlyAccess", "System"))
    assert.equal("AliyunKMSReadOnlyAccess", p.Policy.PolicyName)
    local doc = ram_mod.passrole_policy(cloud.ROLE_ARN)
    assert.equal("ram:PassRole", json.decode(doc).Statement[1].Action)
    assert(ram:create_policy { name = "slsh-passrole", document = doc })
    assert.equal(doc, assert(ram:get_policy("slsh-passrole")).DefaultPolicyVersion.PolicyDocument)
    assert(ram:attach_policy_to_user { user = cloud.USER.name, policy = "slsh-passrole" })
    -- attached already: done, not an error
    assert(ram:attach_policy_to_user { user = cloud.USER.name, policy = "slsh-passrole" })
    local _, err = ram:get_policy("no-such-policy")
    assert.equal("EntityNotExist.Policy", err.code)
  end)

  it("attaches and detaches role policies, an existing attachment being done", function()
    assert.same({ "AliyunKMSReadOnlyAccess" }, policies_of(ram, "half-role"))
    assert(ram:attach_policy_to_role { role = "half-role", policy = "AliyunLogReadOnlyAccess" })
    assert(ram:attach_policy_to_role { role = "half-role", policy = "AliyunLogReadOnlyAccess" })
    assert.same({ "AliyunKMSReadOnlyAccess", "AliyunLogReadOnlyAccess" },
                policies_of(ram, "half-role"))
    assert(ram:detach_policy_from_role { role = "half-role", policy = "AliyunLogReadOnlyAccess" })
    local ok, err = ram:detach_policy_from_role { role = "half-role",
                                                  policy = "AliyunLogReadOnlyAccess" }
    assert.is_nil(ok)
    assert.equal("EntityNotExist.Role.Policy", err.code)
    assert.same({ "AliyunKMSReadOnlyAccess" }, policies_of(ram, "half-role"))
  end)

  it("checks a BYOK role, reading only", function()
    local s = assert(ram:check_byok_role(cloud.ROLE))
    assert.is_true(s.exists and s.trusted)
    assert.same({}, s.missing)
    s = assert(ram:check_byok_role("half-role"))
    assert.is_false(s.trusted)
    assert.same({ "AliyunKMSCryptoUserAccess" }, s.missing)
    assert.equal(2, #s.problems)
    s = assert(ram:check_byok_role("absent-role"))
    assert.is_false(s.exists)
    assert.equal(0, c:count("UpdateRole") + c:count("CreateRole") + c:count("AttachPolicyToRole"))
  end)

  describe("ensure_byok_role", function()
    it("creates a missing role, trusted by SLS, with both KMS policies", function()
      local r = assert(ram:ensure_byok_role { name = "new-byok-role" })
      assert.is_true(r.created)
      assert.equal("acs:ram::" .. cloud.ACCOUNT .. ":role/new-byok-role", r.arn)
      assert.equal(3, #r.changes)
      local s = assert(ram:check_byok_role("new-byok-role"))
      assert.is_true(s.trusted)
      assert.same({}, s.missing)
      -- a second run changes nothing
      c:reset_stats()
      r = assert(ram:ensure_byok_role { name = "new-byok-role" })
      assert.is_false(r.created)
      assert.same({}, r.changes)
      assert.equal(0, c:count("CreateRole") + c:count("UpdateRole")
                      + c:count("AttachPolicyToRole"))
    end)

    it("repairs an untrusted role keeping its other statements, attaching what is missing",
      function()
        local before = trust_of(c, "half-role")
        local r = assert(ram:ensure_byok_role { name = "half-role" })
        assert.is_false(r.created)
        assert.equal(2, #r.changes)
        local after = trust_of(c, "half-role")
        assert.equal(#before.Statement + 1, #after.Statement)
        assert.is_true(json.equal(before.Statement[1], after.Statement[1]))
        assert.is_true(ram_mod.trusts_service(after))
        assert.same({ "AliyunKMSCryptoUserAccess", "AliyunKMSReadOnlyAccess" },
                    policies_of(ram, "half-role"))
        assert.same({}, assert(ram:ensure_byok_role { name = "half-role" }).changes)
      end)

    it("plans without changing anything on dry_run", function()
      local before = c:state()
      local r = assert(ram:ensure_byok_role { name = "half-role", dry_run = true })
      assert.equal(2, #r.changes)
      assert.is_true(r.dry_run)
      r = assert(ram:ensure_byok_role { name = "dry-role", dry_run = true })
      assert.is_true(r.created)
      assert.is_true(json.equal(before.roles, c:state().roles))
    end)

    it("takes its own lost CreateRole (EntityAlreadyExists.Role) as created", function()
      local r2 = c:ram { retries = 2 }
      assert(r2:get_role(cloud.ROLE)) -- a kept-alive connection, as in a real run
      c:faults { next = { { drop = "after", match = { action = "CreateRole" } } } }
      local r = assert(r2:ensure_byok_role { name = "lost-answer-role" })
      assert.is_true(r.created)
      assert.equal(2, c:count("CreateRole"))
      local s = assert(ram:check_byok_role("lost-answer-role"))
      assert.is_true(s.trusted)
      assert.same({}, s.missing)
    end)

    it("repairs a role that appeared, untrusted, between its check and its create", function()
      -- GetRole says the role is missing; CreateRole then meets it
      c:faults { next = { { status = 404, code = "EntityNotExist.Role",
                            match = { action = "GetRole" } } } }
      local r = assert(ram:ensure_byok_role { name = "half-role" })
      assert.is_false(r.created)
      local s = assert(ram:check_byok_role("half-role"))
      assert.is_true(s.trusted, "left untrusted")
      assert.same({}, s.missing)
    end)

    it("raises on misuse, before anything is sent", function()
      assert.has_error(function() ram:ensure_byok_role {} end,
        "ram:ensure_byok_role: field 'name' is required (a role name)")
      c:reset_stats()
      -- a typo of dry_run must never become a real run
      assert.has_error(function() ram:ensure_byok_role { name = "typo-role", dryrun = true } end,
        "ram:ensure_byok_role: unknown field 'dryrun' (valid: description, dry_run, name)")
      assert.has_error(function() ram:ensure_byok_role { name = "x", dry_run = "yes" } end,
        "ram:ensure_byok_role: field 'dry_run' must be a boolean, got string")
      assert.equal(0, c:stats().requests)
    end)
  end)

  it("signs with ACS3 too", function()
    assert.equal(cloud.ROLE_ARN, assert(c:ram { signature = "acs3" }:get_role(cloud.ROLE)).Arn)
    local r, err = c:ram { signature = "acs3" }:get_role("nope")
    assert.is_nil(r)
    assert.equal("EntityNotExist.Role", err.code)
  end)

  it("raises on misuse of the client, naming the option", function()
    assert.has_error(function() slsh.ram.client { regoin = "x" } end)
    assert.has_error(function() slsh.ram.client { signature = "v4" } end,
      "ram.client: signature must be one of v1, acs3, got 'v4'")
    assert.has_error(function() ram:call("not an action") end)
  end)

  it("raises on misuse of every method's table, naming the key, before sending", function()
    c:reset_stats()
    assert.has_error(function() ram:create_role { name = "r", descripton = "x" } end,
      "ram:create_role: unknown field 'descripton' (valid: description, document, "
      .. "max_session_duration, name)")
    assert.has_error(function() ram:create_role { document = "{}" } end,
      "ram:create_role: field 'name' is required (a string)")
    assert.has_error(function() ram:update_role { name = "r", doc = "{}" } end)
    assert.has_error(function() ram:roles { pagesize = 10 } end,
      "ram:roles: unknown option 'pagesize' (valid: page_size)")
    assert.has_error(function() ram:attach_policy_to_role { role = "r", polcy = "p" } end,
      "ram:attach_policy_to_role: unknown field 'polcy' (valid: policy, role, type)")
    assert.has_error(function() ram:detach_policy_from_role { role = "r" } end,
      "ram:detach_policy_from_role: field 'policy' is required (a string)")
    assert.has_error(function() ram:attach_policy_to_user { user = "u", policy = "p",
                                                            typ = "Custom" } end)
    assert.has_error(function() ram:create_policy { name = "p" } end,
      "ram:create_policy: field 'document' is required (a string)")
    assert.has_error(function() ram:get_role(nil) end,
      "ram:get_role: the role name must be a non-empty string, got nil")
    assert.has_error(function() ram:check_byok_role("") end)
    assert.has_error(function() ram:get_policy(42) end)
    assert.equal(0, c:stats().requests)
  end)
end)
