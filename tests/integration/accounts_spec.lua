-- Workflows over the member accounts of a Resource Directory, end to end
-- with the slsh binary: make-estate --accounts 5 (member 4 without the
-- access role, member 5 suspended) x 2 regions. byok-rollout --accounts
-- all reaches the planned state in the three usable members and reports
-- the two others with their reasons; a run killed with SIGKILL resumes
-- from its journal across accounts without writing anything twice; audit
-- gives the organisation-wide view; setup-role repairs every member. No
-- secret of the caller or of any assumed-role session is printed,
-- journaled or reported.
local cloud = require "cloud"
local run = require "run"
local json = slsh.json

local REGIONS = "cn-hangzhou,cn-shanghai"
local MGMT = "1827364554637281"
local OPERATOR = { id = "LTAI5tEmulatorOperator02",
                   secret = "emulator-operator-secret-not-real-02" }
local function member(i) return tostring(1888000000000000 + i) end
local USABLE = { member(1), member(2), member(3) }
local ALL = { member(1), member(2), member(3), member(4), member(5) }

local function estate()
  local path = os.tmpname()
  local src = os.getenv("SLSH_SOURCE_DIR") or "."
  assert(os.execute(string.format("python3 %s/tests/emulator/make-estate --accounts 5 "
    .. "--no-access-role 4 --suspended 5 --projects 1 --member-projects 2 --logstores 3 "
    .. "--regions %s --seed 4 --mix unencrypted=6,service=1,byok_disabled=1 "
    .. "--out %s 2>/dev/null", src, REGIONS, path)))
  local f = assert(io.open(path))
  local text = f:read("a")
  f:close()
  os.remove(path)
  return assert(json.decode(text))
end

local function read(path)
  local f = io.open(path)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- Every secret a run could leak: the operator's, and those of every
-- session the emulator issued (its state holds them).
local function secrets(state)
  local out = { OPERATOR.secret }
  for _, a in ipairs(state.accounts) do
    for _, k in ipairs(a.access_keys or {}) do
      out[#out + 1] = k.secret
      if k.security_token then out[#out + 1] = k.security_token end
    end
  end
  return out
end

local function assert_no_secret(state, what, text)
  for _, s in ipairs(secrets(state)) do
    assert.is_nil(text:find(s, 1, true), what .. " holds a secret")
  end
end

-- The logstores of `account` in the state: {project/logstore = logstore}.
local function stores_of(state, account)
  local out = {}
  for _, p in ipairs(state.projects) do
    if p.account == account then
      for _, ls in ipairs(p.logstores) do out[p.name .. "/" .. ls.logstoreName] = ls end
    end
  end
  return out
end

describe("workflows across the accounts of a Resource Directory", function()
  local c, before, env

  setup(function()
    c = cloud.start { state = estate() }
    before = c:state()
    env = { ALIBABA_CLOUD_ACCESS_KEY_ID = OPERATOR.id,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET = OPERATOR.secret, HOME = "/nonexistent" }
  end)
  teardown(function() c:stop() end)

  local function slsh_run(args)
    local full = { "--connect-to", c.url }
    for _, a in ipairs(args) do full[#full + 1] = a end
    return run.slsh(full, { env = env })
  end

  it("byok-rollout --accounts all: plans, applies in every usable member, "
     .. "reports the two others with their reasons", function()
    c:restore(before)
    local report, journal = run.tmpname(".json"), run.tmpname(".jsonl")
    local r = slsh_run { "run", "byok-rollout", "--region", REGIONS, "--accounts", "all",
                         "--key", "alias/slsh-byok", "--logstore", "*" }
    assert.equal(3, r.code, r.stderr) -- refused (service key) and the two members
    assert.matches("account 1888000000000004 %(member%-4%)\n  NOT ENTERED: [^\n]*"
                   .. "EntityNotExist.Role", r.stdout)
    assert.matches("account 1888000000000005 %(member%-5%)\n  NOT ENTERED: [^\n]*"
                   .. "Forbidden.AccountSuspended", r.stdout)
    assert.equal(0, c:count("UpdateLogStore") + c:count("UpdateLogStoreEncryption"))

    r = slsh_run { "run", "byok-rollout", "--region", REGIONS, "--accounts", "all",
                   "--key", "alias/slsh-byok", "--logstore", "*", "--apply",
                   "--journal", journal, "--report", report }
    assert.equal(3, r.code, r.stderr)
    assert.matches("5 accounts:", r.stdout)
    local doc = assert(json.decode(read(report)))
    local by_account, reasons = {}, {}
    for _, row in ipairs(doc) do
      assert.is_string(row.account)
      by_account[row.account] = (by_account[row.account] or 0) + 1
      if row.project == "*" then reasons[row.account] = row.error_code end
      assert.is_not.equal("failed", row.project ~= "*" and row.status or nil,
                          json.encode(row))
    end
    for _, id in ipairs(USABLE) do assert.equal(8, by_account[id], id) end
    assert.same({ [member(4)] = "EntityNotExist.Role",
                  [member(5)] = "Forbidden.AccountSuspended" }, reasons)

    -- the planned state: every logstore of a usable member that was
    -- unencrypted or BYOK-off is BYOK, with that member's own key and role
    local after = c:state()
    for _, id in ipairs(USABLE) do
      local keys = {}
      for _, a in ipairs(after.aliases) do
        if a.account == id then keys[a.region] = a.KeyId end
      end
      local b = stores_of(before, id)
      for name, ls in pairs(stores_of(after, id)) do
        local was = b[name].encrypt_conf
        local service = was and next(was.user_cmk_info or {}) == nil and was.encrypt_type
        if not service then
          local info = ls.encrypt_conf and ls.encrypt_conf.user_cmk_info or {}
          assert.is_true(ls.encrypt_conf.enable, name)
          assert.equal("acs:ram::" .. id .. ":role/slsh-byok-role", info.arn:lower(), name)
          if not was then assert.equal(keys[info.region_id], info.cmk_key_id, name) end
        else
          assert.is_true(json.equal(was, ls.encrypt_conf), name)
        end
      end
    end
    -- nothing of the two members that were not entered, nor of the
    -- management account, changed
    for _, id in ipairs { member(4), member(5), MGMT } do
      assert.is_true(json.equal(stores_of(before, id), stores_of(after, id)), id)
    end
    -- a plan now has nothing left to change
    r = slsh_run { "run", "byok-rollout", "--region", REGIONS, "--accounts", "all",
                   "--exclude-account", member(4), "--exclude-account", member(5),
                   "--key", "alias/slsh-byok", "--logstore", "*" }
    assert.matches("nothing changed, and nothing can change", r.stdout)
    assert_no_secret(after, "the output", r.stdout .. r.stderr)
    assert_no_secret(after, "the report", read(report))
    assert_no_secret(after, "the journal", read(journal))
    for line in read(journal):gmatch("[^\n]+") do
      assert.matches('^{"key":"188800000000000[123]/cn%-', line)
    end
    os.remove(report)
    os.remove(journal)
  end)

  it("resumes across accounts after kill -9, writing nothing twice", function()
    c:restore(before)
    c:reset_stats()
    local journal = run.tmpname(".jsonl")
    c:faults { latency_ms = 60 }
    local args = { run.bin, "--connect-to", c.url, "run", "byok-rollout", "--region", REGIONS,
                   "--accounts", "all", "--key", "alias/slsh-byok", "--logstore", "*",
                   "--apply", "--concurrency", "1", "--journal", journal, "--quiet" }
    for i, a in ipairs(args) do args[i] = run.quote(a) end
    local prefix = ""
    for k, v in pairs(env) do prefix = prefix .. k .. "=" .. run.quote(v) .. " " end
    local p = assert(io.popen("echo $$; " .. prefix .. "exec " .. table.concat(args, " ")
                              .. " >/dev/null 2>&1", "r"))
    local pid = assert(tonumber(p:read("l")))
    local lines = 0
    for _ = 1, 600 do -- until some members have journaled writes
      local text = read(journal)
      local _, n = text:gsub("\n", "")
      lines = n
      if text:find(member(2), 1, true) then break end
      os.execute("sleep 0.05")
    end
    os.execute("kill -9 " .. pid)
    p:close()
    assert.is_true(lines >= 1, "nothing was journaled before the kill")
    c:faults { latency_ms = 0 }
    local r = slsh_run { "run", "byok-rollout", "--region", REGIONS, "--accounts", "all",
                         "--key", "alias/slsh-byok", "--logstore", "*", "--apply",
                         "--journal", journal }
    assert.equal(3, r.code, r.stderr)
    assert.matches("journaled %d+", r.stdout)
    assert.matches("applied %d+", r.stdout) -- the kill came before the end
    -- every change was written once: the writes of both runs are the
    -- logstores that needed one
    local needed = 0
    for _, id in ipairs(USABLE) do
      for _, ls in pairs(stores_of(before, id)) do
        local e = ls.encrypt_conf
        if not e or e.enable == false then needed = needed + 1 end
      end
    end
    assert.equal(needed, c:count("UpdateLogStore"))
    local keys = {}
    for line in read(journal):gmatch("[^\n]+") do
      local e = assert(json.decode(line))
      assert.is_nil(keys[e.key], "journaled twice: " .. e.key)
      keys[e.key] = true
    end
    os.remove(journal)
  end)

  it("a saved plan covers accounts: --plan-out, then --apply --plan in each member", function()
    c:restore(before)
    local plan = run.tmpname(".json")
    local r = slsh_run { "run", "byok-rollout", "--region", REGIONS, "--accounts", "all",
                         "--key", "alias/slsh-byok", "--plan-out", plan }
    assert.equal(3, r.code, r.stderr)
    local doc = assert(json.decode(read(plan)))
    local accounts_in = {}
    for _, ch in ipairs(doc.changes) do accounts_in[ch.account] = true end
    assert.same({ [member(1)] = true, [member(2)] = true, [member(3)] = true }, accounts_in)
    c:reset_stats()
    r = slsh_run { "run", "byok-rollout", "--region", REGIONS, "--key", "alias/slsh-byok",
                   "--apply", "--plan", plan }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal(#doc.changes, c:count("UpdateLogStore"))
    local after = c:state()
    for _, ch in ipairs(doc.changes) do
      local ls = stores_of(after, ch.account)[ch.project .. "/" .. ch.logstore]
      assert.equal("acs:ram::" .. ch.account .. ":role/slsh-byok-role",
                   ls.encrypt_conf.user_cmk_info.arn:lower())
    end
    os.remove(plan)
  end)

  it("audit --accounts all: one view of the organisation, findings per account", function()
    c:restore(before)
    local report = run.tmpname(".json")
    local r = slsh_run { "-v", "-v", "run", "audit", "--region", REGIONS, "--accounts", "all",
                         "--report", report }
    assert.matches("slsh: sts AssumeRole POST sts.aliyuncs.com/ %-> 200", r.stderr)
    assert.equal(3, r.code, r.stderr) -- two members could not be checked
    assert.matches("5 accounts:", r.stdout)
    assert.matches("account 1888000000000001: 8 rows:", r.stdout)
    local doc = assert(json.decode(read(report)))
    local seen = {}
    for _, row in ipairs(doc) do seen[row.account] = (seen[row.account] or 0) + 1 end
    for _, id in ipairs(ALL) do assert.is_true((seen[id] or 0) > 0, id) end
    assert.equal(1, seen[member(4)])
    assert_no_secret(c:state(), "the audit", r.stdout .. r.stderr .. read(report))
    os.remove(report)
  end)

  it("cmk-impact --accounts all: an alias is each member's own key", function()
    c:restore(before)
    local r = slsh_run { "run", "cmk-impact", "--region", REGIONS, "--accounts", "all",
                         "--key", "alias/slsh-byok" }
    assert.equal(3, r.code, r.stderr) -- two members could not be read
    local heads = 0
    for id, key in r.stdout:gmatch("account (%d+): key (key%-%w+) %(alias/slsh%-byok%)") do
      heads = heads + 1
      local owner
      for _, k in ipairs(before.keys) do
        if k.KeyId == key then owner = k.account end
      end
      assert.equal(id, owner)
    end
    assert.equal(6, heads) -- 3 members x 2 regions
    assert.matches("1888000000000004%s+%*%s+%*%s+%*%s+cannot enter", r.stdout)
  end)

  it("setup-role --accounts repairs the role in every member it can enter", function()
    c:restore(before)
    local r = slsh_run { "run", "setup-role", "--role", "org-byok", "--accounts",
                         member(1) .. "," .. member(3) .. "," .. member(4), "--apply" }
    assert.equal(3, r.code, r.stderr)
    assert.matches("account 1888000000000001: applied: create role org%-byok", r.stdout)
    assert.matches("account 1888000000000004: NOT ENTERED", r.stdout)
    local roles = {}
    for _, role in ipairs(c:state().roles) do
      if role.RoleName == "org-byok" then roles[#roles + 1] = role.account end
    end
    table.sort(roles)
    assert.same({ member(1), member(3) }, roles)
    r = slsh_run { "run", "setup-role", "--role", "org-byok", "--accounts",
                   member(1) .. "," .. member(3) }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("2 accounts: ok 2", r.stdout)
  end)

  it("refuses bad account options before any request (exit 2)", function()
    c:reset_stats()
    for _, args in ipairs {
      { "run", "audit", "--region", REGIONS, "--accounts", "12a" },
      { "run", "audit", "--region", REGIONS, "--accounts", "1,,2" },
      { "run", "audit", "--region", REGIONS, "--accounts", "@/no/such/file" },
      { "run", "audit", "--region", REGIONS, "--accounts", "all", "--exclude-account", "x" },
      { "run", "audit", "--region", REGIONS, "--exclude-account", member(4) },
      { "run", "audit", "--region", REGIONS, "--accounts", "all", "--account-role", "a b" },
      { "run", "byok-rollout", "--region", REGIONS, "--key", "1888000000000001:cn-hangzhou=k" },
      { "run", "byok-rollout", "--region", REGIONS, "--accounts", "all",
        "--key", "cn-hangzhou=key-x", "--key", "cn-shanghai=alias/slsh-byok" },
      { "run", "byok-rollout", "--region", "cn-hangzhou", "--accounts", "all",
        "--key", "key-x" },
      { "run", "setup-role", "--accounts", "all", "--attach-passrole-to-user", "u" },
    } do
      local r = slsh_run(args)
      assert.equal(2, r.code, table.concat(args, " ") .. "\n" .. r.stdout .. r.stderr)
      assert.is_nil(r.stderr:find("traceback", 1, true), r.stderr)
    end
    assert.equal(0, c:stats().requests)
  end)

  it("a caller that is not a directory's management account: exit 1, nothing sent after",
     function()
    local state = json.copy(before)
    state.resource_directory = nil
    c:restore(state)
    for _, w in ipairs { { "audit" }, { "byok-rollout", "--key", "alias/slsh-byok" },
                         { "cmk-impact", "--key", "alias/slsh-byok" } } do
      c:reset_stats()
      local args = { "run" }
      for _, a in ipairs(w) do args[#args + 1] = a end
      for _, a in ipairs { "--region", REGIONS, "--accounts", "all" } do args[#args + 1] = a end
      local r = slsh_run(args)
      assert.equal(1, r.code, w[1] .. ": " .. r.stdout .. r.stderr)
      assert.matches("cannot list the accounts: EntityNotExists.ResourceDirectory", r.stderr)
      assert.equal(1, c:count("ListAccounts"))
      assert.equal(0, c:count("ListProject") + c:count("AssumeRole"))
    end
  end)

  it("without --accounts works in the caller's own account as before", function()
    c:restore(before)
    local r = slsh_run { "run", "byok-rollout", "--region", REGIONS, "--key",
                         "alias/slsh-byok" }
    assert.is_nil(r.stdout:find("accounts:", 1, true), r.stdout)
    assert.matches("cloudfirewall%-project%-1827364554637281%-cn%-hangzhou", r.stdout)
    assert.is_nil(r.stdout:find("188800000000", 1, true))
  end)
end)
