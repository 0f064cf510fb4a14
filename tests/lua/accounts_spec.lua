-- slsh.resourcemanager and slsh.accounts against the emulator: the members
-- of a Resource Directory, page by page, and one credentials provider per
-- member that assumes its access role once, refreshes it before it
-- expires, and says why a member cannot be entered (the directory of
-- tests/support/cloud.lua).
local cloud = require "cloud"

local MEMBER = cloud.MEMBER
local NO_ROLE = cloud.MEMBER_NO_ROLE
local SUSPENDED = cloud.MEMBER_SUSPENDED
local VERIFYING = cloud.MEMBER_VERIFYING
local FIFTH = cloud.MEMBER_B
local UNTRUSTING = cloud.MEMBER_UNTRUSTING

describe("slsh.accounts", function()
  local c, saved

  setup(function()
    c = cloud.start()
    saved = slsh.config.connect_to
    slsh.config.connect_to = c.url
  end)
  teardown(function()
    slsh.config.connect_to = saved
    c:stop()
  end)
  before_each(function() c:reset_stats() end)

  it("lists every member page by page, in the directory's order", function()
    local rm = slsh.resourcemanager.client { credentials = c.creds }
    local ids = {}
    for a in rm:accounts { page_size = 2 } do ids[#ids + 1] = a.AccountId end
    assert.same({ MEMBER, NO_ROLE, SUSPENDED, VERIFYING, FIFTH, UNTRUSTING }, ids)
    assert.equal(3, c:count("ListAccounts"))
    local one = assert(rm:get_account(VERIFYING))
    assert.equal("PromoteVerifying", one.Status)
    assert.equal("rd-slshtest", one.ResourceDirectoryId)
  end)

  it("keeps only the members in a usable status unless all are asked for", function()
    local usable = assert(slsh.accounts.members { source = c.creds })
    local ids = {}
    for _, a in ipairs(usable) do ids[#ids + 1] = a.AccountId end
    assert.same({ MEMBER, NO_ROLE, SUSPENDED, FIFTH, UNTRUSTING }, ids)
    assert.equal(6, #assert(slsh.accounts.members { source = c.creds, all = true }))
  end)

  it("enters a member once, whatever the number of its clients", function()
    local p = slsh.accounts.provider(MEMBER, { source = c.creds })
    assert.equal(p, slsh.accounts.provider(MEMBER, { source = c.creds }))
    local sts = slsh.sts.client { credentials = p, retries = 0 }
    local kms = slsh.kms.client { credentials = p, region = cloud.REGION, retries = 0 }
    local id = assert(sts:caller_identity())
    assert.equal(MEMBER, id.AccountId)
    assert.matches("assumed%-role/resourcedirectoryaccountaccessrole/slsh%-", id.Arn)
    assert.equal(slsh.accounts.session_name(), id.Arn:match("/([^/]+)$"))
    local keys = {}
    for k in kms:keys() do keys[#keys + 1] = k end
    assert.equal(0, #keys) -- the member's own keys: none in this state
    assert.equal(1, c:count("AssumeRole"))
  end)

  it("gives each member's clients rate limits of their own", function()
    local transport = require "slsh.transport"
    transport.reset_buckets()
    for _, id in ipairs { MEMBER, FIFTH } do
      local p = slsh.accounts.provider(id, { source = c.creds })
      assert(slsh.sts.client { credentials = p, retries = 0 }:caller_identity())
    end
    assert(slsh.sts.client { credentials = c.creds, retries = 0 }:caller_identity())
    local b = transport.buckets()
    assert.is_table(b["sts sts.aliyuncs.com " .. MEMBER])
    assert.is_table(b["sts sts.aliyuncs.com " .. FIFTH])
    assert.is_table(b["sts sts.aliyuncs.com"])
  end)

  it("assumes the role again before the session expires", function()
    local now = os.time()
    local p = slsh.credentials.assume_role {
      source = c.creds, role_arn = slsh.accounts.role_arn(FIFTH), session_name = "spec-r",
      duration = 900, clock = function() return now end }
    local first = assert(p:get())
    now = now + 800 -- 100 s left: under the margin
    local second = assert(p:get())
    assert.are_not.equal(first.access_key_id, second.access_key_id)
    assert.equal(2, c:count("AssumeRole"))
    now = now + 10
    assert.equal(second, assert(p:get()))
    assert.equal(2, c:count("AssumeRole"))
  end)

  it("says why a member cannot be entered, with the service's code", function()
    for id, code in pairs { [NO_ROLE] = "EntityNotExist.Role",
                            [SUSPENDED] = "Forbidden.AccountSuspended",
                            [UNTRUSTING] = "NoPermission" } do
      local cred, err = slsh.accounts.provider(id, { source = c.creds }):get()
      assert.is_nil(cred)
      assert.equal(code, err.code)
      assert.is_nil(tostring(err):find("DO-NOT-PRINT", 1, true))
    end
  end)

  it("a member's session cannot list the directory", function()
    local p = slsh.accounts.provider(MEMBER, { source = c.creds })
    local list, err = slsh.accounts.members { source = p }
    assert.is_nil(list)
    assert.equal("EntityNotExists.ResourceDirectory", err.code)
  end)

  it("parses --accounts values", function()
    assert.same({ all = true }, slsh.accounts.parse_selection("all"))
    assert.same({ ids = { "1", "22" } }, slsh.accounts.parse_selection("1, 22,1"))
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("# members\n333\n\n444 # second\n")
    f:close()
    assert.same({ ids = { "333", "444" } }, slsh.accounts.parse_selection("@" .. path))
    os.remove(path)
    for _, bad in ipairs { "1,,2", "12a", "@/no/such/file", "" } do
      local r, why = slsh.accounts.parse_selection(bad)
      assert.is_nil(r, bad)
      assert.is_string(why)
    end
  end)

  it("a workflow reports every member it cannot work in, with the reason", function()
    local run = require "run"
    local report = run.tmpname(".json")
    local r = run.slsh({ "--connect-to", c.url, "run", "audit", "--region", cloud.REGION,
                         "--accounts", "all", "--report", report },
                       { env = { HOME = "/nonexistent",
                                 ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
                                 ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret } })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local f = assert(io.open(report))
    local rows = assert(slsh.json.decode(f:read("a")))
    f:close()
    os.remove(report)
    local why, n = {}, 0
    for _, row in ipairs(rows) do
      if row.project == "*" then
        why[row.account], n = row.details, n + 1
        assert.equal("failed", row.severity)
      end
    end
    assert.equal(4, n)
    for id, code in pairs { [NO_ROLE] = "EntityNotExist.Role",
                            [SUSPENDED] = "Forbidden.AccountSuspended",
                            [VERIFYING] = "member status PromoteVerifying",
                            [UNTRUSTING] = "NoPermission" } do
      assert.truthy(why[id] and why[id]:find(code, 1, true), id .. ": " .. tostring(why[id]))
    end
  end)

  it("refuses misuse before anything is sent", function()
    assert.error_matches(function() slsh.accounts.provider("x1") end, "digits")
    assert.error_matches(function() slsh.accounts.provider(MEMBER, { rol = "x" }) end,
                         "unknown option 'rol'")
    assert.error_matches(function() slsh.accounts.role_arn(MEMBER, "bad role") end,
                         "role name")
    assert.error_matches(function()
      slsh.credentials.assume_role { source = c.creds, role_arn = "x" }
    end, "role_arn")
    assert.error_matches(function()
      slsh.resourcemanager.client { credentials = c.creds }:accounts { page_size = 101 }
    end, "1..100")
    assert.equal(0, c:stats().requests)
  end)
end)
