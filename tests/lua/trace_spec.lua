-- -v traces and secrets: a script calling every service (SLS V1 and V4,
-- RAM, KMS, STS with RPC V1 and ACS3, AssumeRole and the credentials it
-- gives, the member accounts of the directory entered through their
-- access role), with env credentials (permanent, and STS with a token), run by
-- the slsh binary with -v -v: every request is traced with its line,
-- status, request id, attempt and timing, and no secret, token, derived
-- signing key or Authorization value appears anywhere in what it prints,
-- error paths (a wrong secret) and pretty-printed clients included.
local cloud = require "cloud"
local run = require "run"
local sign = slsh.sign
local pretty = slsh.pretty

local WRONG = "wrong-secret-DO-NOT-PRINT-5"

local SCRIPT = [[
local P, KEY, ROLE_ARN, AK_ID, STS_ID, STS_TOKEN, WRONG = table.unpack(arg)
local R = "cn-hangzhou"
local function show(label, v) print(label, tostring(v)) print(slsh.pretty.format(v)) end
local sls = slsh.sls.client{region = R}
show("logstore", assert(sls:get_logstore(P, "plain")).logstoreName)
assert(slsh.sls.client{region = R, signature = "v4"}:get_logstore(P, "plain"))
assert(slsh.sls.client{region = R, signature_method = "hmac-sha256"}:list_projects{})
local clients = { sls = sls }
for _, sig in ipairs{"v1", "acs3"} do
  local ram = slsh.ram.client{signature = sig}
  local kms = slsh.kms.client{region = R, signature = sig}
  local sts = slsh.sts.client{signature = sig}
  clients["ram_" .. sig], clients["kms_" .. sig], clients["sts_" .. sig] = ram, kms, sts
  assert(ram:get_role("slsh-byok-role"))
  assert(ram:check_byok_role("slsh-byok-role"))
  assert(kms:describe_key(KEY))
  assert(kms:key_health(KEY))
  show("identity", assert(sts:caller_identity()).Arn)
  local cred = assert(sts:assume_role{role_arn = ROLE_ARN, duration = 900})
  show("assumed", cred)
  local as_role = slsh.sls.client{region = R, credentials = cred, signature = "v4"}
  clients["assumed_" .. sig] = as_role
  assert(as_role:get_logstore(P, "plain"))
  assert(slsh.kms.client{region = R, credentials = cred, signature = sig}:describe_key(KEY))
  show("assumed identity", assert(slsh.sts.client{credentials = cred}:caller_identity()).Arn)
end
-- wrong secrets: every signature kind, with and without a token
for _, c in ipairs{
  slsh.credentials{access_key_id = AK_ID, access_key_secret = WRONG},
  slsh.credentials{access_key_id = STS_ID, access_key_secret = WRONG, security_token = STS_TOKEN},
} do
  show("wrong credentials", c)
  for _, call in ipairs{
    function() return slsh.sls.client{region = R, credentials = c}:get_logstore(P, "plain") end,
    function() return slsh.sls.client{region = R, credentials = c, signature = "v4"}
                        :get_logstore(P, "plain") end,
    function() return slsh.ram.client{credentials = c}:get_role("x") end,
    function() return slsh.kms.client{region = R, credentials = c, signature = "acs3"}
                        :describe_key(KEY) end,
    function() return slsh.sts.client{credentials = c}:assume_role{role_arn = ROLE_ARN} end,
  } do
    local r, err = call()
    assert(r == nil, "a wrong secret was accepted")
    print("error", err.code, tostring(err))
    print(slsh.pretty.format(err))
    for k, v in pairs(err) do print("error field", k, tostring(v)) end
  end
end
-- the members of the directory, each entered through its access role (the
-- sessions of a run: their secrets must not show either), and those that
-- cannot be entered
for _, a in ipairs(assert(slsh.accounts.members())) do
  local p = slsh.accounts.provider(a.AccountId)
  show("member provider", p)
  local cred, err = p:get()
  if cred then
    show("member credentials", cred)
    show("member identity", assert(slsh.sts.client{credentials = p}:caller_identity()).Arn)
    for k in slsh.kms.client{region = R, credentials = p, signature = "acs3"}:keys() do
      show("member key", k)
    end
  else
    print("error", err.code, tostring(err))
    print(slsh.pretty.format(err))
  end
end
local provider = slsh.credentials{}
show("provider", provider)
show("env credentials", provider:get())
for name, c in pairs(clients) do show("client " .. name, c) end
print(slsh.pretty.format(clients))
print("done")
]]

local function hex(s)
  return (s:gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
end

-- The SLS V4 signing keys (and the intermediate ones) of `secret` today
-- and yesterday (UTC), hex and base64.
local function derived_keys(secret)
  local out = {}
  for _, t in ipairs { os.time(), os.time() - 86400 } do
    local k = sign.hmac_sha256("aliyun_v4" .. secret, os.date("!%Y%m%d", t))
    for _, part in ipairs { cloud.REGION, "sls", "aliyun_v4_request" } do
      out[#out + 1] = hex(k)
      out[#out + 1] = sign.base64(k)
      k = sign.hmac_sha256(k, part)
    end
    out[#out + 1] = hex(k)
    out[#out + 1] = sign.base64(k)
  end
  return out
end

-- Fail naming the first forbidden string found in `text`.
local function assert_clean(text, forbidden, where)
  for _, s in ipairs(forbidden) do
    local i = text:find(s, 1, true)
    if i then
      error(string.format("%s shows a secret (%s...) at byte %d: ...%s...", where,
                          s:sub(1, 6), i, text:sub(math.max(1, i - 80), i - 1)), 2)
    end
  end
end

describe("-v traces", function()
  local c, script

  setup(function()
    c = cloud.start()
    script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(SCRIPT)
    f:close()
  end)
  teardown(function()
    os.remove(script)
    c:stop()
  end)

  -- Run the script with -v -v and env credentials; every secret the
  -- emulator knows of afterwards (the issued sessions too) is forbidden.
  local function run_script(env_cred)
    c:faults { next = { { status = 503, code = "ServerBusy",
                          match = { service = "sls", action = "ListProject" } } } }
    local home = os.tmpname()
    os.remove(home)
    assert(os.execute("mkdir -p " .. home))
    local env = { HOME = home, ALIBABA_CLOUD_ACCESS_KEY_ID = env_cred.id,
                  ALIBABA_CLOUD_ACCESS_KEY_SECRET = env_cred.secret,
                  ALIBABA_CLOUD_SECURITY_TOKEN = env_cred.token }
    local r = run.slsh({ "-v", "-v", "--connect-to", c.url, script, cloud.PROJECT, cloud.KEY,
                         cloud.ADMIN_ROLE_ARN, cloud.AK.id, cloud.STS.id, cloud.STS.token, WRONG },
                       { env = env })
    os.execute("rm -rf " .. home)
    local forbidden = { WRONG }
    local members = 0
    for _, account in ipairs(c:state().accounts) do -- the members' sessions too
      for _, k in ipairs(account.access_keys) do
        forbidden[#forbidden + 1] = k.secret
        if k.security_token then forbidden[#forbidden + 1] = k.security_token end
        for _, d in ipairs(derived_keys(k.secret)) do forbidden[#forbidden + 1] = d end
        if account.id ~= cloud.ACCOUNT then members = members + 1 end
      end
    end
    assert(members >= 2, "the script entered no member account")
    for _, d in ipairs(derived_keys(WRONG)) do forbidden[#forbidden + 1] = d end
    return r, forbidden
  end

  for _, case in ipairs {
    { "permanent keys", cloud.AK },
    { "STS credentials with a token", cloud.STS },
  } do
    describe("with " .. case[1] .. " from the environment", function()
      local r, forbidden

      setup(function()
        r, forbidden = run_script(case[2])
      end)

      it("runs the script", function()
        assert.equal(0, r.code, r.stderr)
        assert.matches("\ndone\n$", r.stdout)
      end)

      it("shows no secret, token or derived key in stdout or stderr", function()
        assert.is_true(#forbidden >= 10)
        assert_clean(r.stdout, forbidden, "stdout")
        assert_clean(r.stderr, forbidden, "stderr")
      end)

      it("shows no Authorization value and no echoed string to sign", function()
        for _, text in ipairs { r.stdout, r.stderr } do
          assert.is_nil(text:find("LOG " .. cloud.AK.id, 1, true))
          assert.is_nil(text:find("LOG " .. cloud.STS.id, 1, true))
          assert.is_nil(text:find("SLS4-HMAC-SHA256 Credential", 1, true))
          assert.is_nil(text:find("ACS3-HMAC-SHA256 Credential", 1, true))
          assert.is_nil(text:lower():find("string to sign", 1, true))
          assert.is_nil(text:lower():find("canonical request", 1, true))
        end
        assert.matches("Authorization: %*%*%*", r.stderr)
        if case[2].token then
          assert.matches("x%-acs%-security%-token: %*%*%*", r.stderr)
          assert.matches("SecurityToken=%*%*%*", r.stderr)
        end
      end)

      it("reports the wrong secrets as signature errors", function()
        local _, n = r.stdout:gsub("\nerror\tSignatureNotMatch\t", "")
        assert.equal(4, n) -- SLS V1 and V4, twice
        _, n = r.stdout:gsub("\nerror\tSignatureDoesNotMatch\t", "")
        assert.equal(6, n) -- RAM, KMS (ACS3), STS, twice
      end)

      it("traces each request: line, status, request id, attempt, timing", function()
        local lines = 0
        for line in r.stderr:gmatch("[^\n]+") do
          if line:match("^slsh: %a+ %S+ %u+ %S+ %->") then
            lines = lines + 1
            assert.matches("^slsh: %l+ %u%a+ %u+ [%w.-]+%.aliyuncs%.com/%S* %-> %d%d%d[ %S]* "
                           .. "%(request %x+%) attempt %d+ %d+%.%d%d%ds$", line)
          end
        end
        assert.is_true(lines >= 30, "only " .. lines .. " request lines")
        local project = cloud.PROJECT:gsub("%p", "%%%0")
        assert.matches("slsh: sls GetLogStore GET " .. project
                       .. "%.cn%-hangzhou%.log%.aliyuncs%.com/logstores/plain %-> 200 "
                       .. "%(request %x+%) attempt 1 %d+%.%d+s", r.stderr)
        assert.matches("slsh: sls ListProject GET cn%-hangzhou%.log%.aliyuncs%.com/%?offset=0"
                       .. "&size=100 %-> 503 ServerBusy %(request %x+%) attempt 1", r.stderr)
        assert.matches("slsh: retrying ListProject in %d+%.%d+s", r.stderr)
        assert.matches("slsh: sls ListProject GET [^\n]* %-> 200 %(request %x+%) attempt 2",
                       r.stderr)
        assert.matches("slsh: sts AssumeRole POST sts%.aliyuncs%.com/ %-> 200 %(request %x+%)",
                       r.stderr)
        assert.matches("slsh: kms DescribeKey POST kms%.cn%-hangzhou%.aliyuncs%.com/%?KeyId=",
                       r.stderr) -- ACS3 puts the parameters in the query
      end)
    end)
  end
end)

describe("secrets in values shown in-process", function()
  local c

  setup(function() c = cloud.start() end)
  teardown(function() c:stop() end)

  local function forbidden()
    local list = { cloud.AK.secret, cloud.STS.secret, cloud.STS.token, WRONG }
    for _, k in ipairs(c:state().accounts[1].access_keys) do
      list[#list + 1] = k.secret
      if k.security_token then list[#list + 1] = k.security_token end
    end
    return list
  end

  -- Every way a value is shown: tostring, pretty, and each string field.
  local function shown(v)
    local parts = { tostring(v), pretty.format(v) }
    if type(v) == "table" then
      for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(x) end
    end
    return table.concat(parts, "\n")
  end

  it("keeps credentials, providers and clients of every kind quiet", function()
    local home = os.tmpname()
    os.remove(home)
    assert(os.execute("mkdir -p " .. home .. "/.aliyun"))
    local f = assert(io.open(home .. "/.aliyun/config.json", "w"))
    f:write(slsh.json.encode { current = "ops", profiles = { {
      name = "ops", mode = "RamRoleArn", access_key_id = cloud.AK.id,
      access_key_secret = cloud.AK.secret, ram_role_arn = cloud.ADMIN_ROLE_ARN } } })
    f:close()
    local saved = slsh.config.connect_to
    slsh.config.connect_to = c.url
    local role = assert(slsh.credentials { env = { HOME = home } })
    local ecs = assert(slsh.credentials { env = { HOME = home .. "/none" } })
    local values = {
      c.creds, c.sts_creds, c.creds:get(), c.sts_creds:get(), role, ecs,
      slsh.credentials { access_key_id = cloud.AK.id, access_key_secret = WRONG },
    }
    for _, p in ipairs { c.creds, c.sts_creds, role, ecs } do
      values[#values + 1] = c:sls { credentials = p }
      values[#values + 1] = c:sls { credentials = p, signature = "v4" }
      values[#values + 1] = c:ram { credentials = p }
      values[#values + 1] = c:kms { credentials = p, signature = "acs3" }
      values[#values + 1] = c:sts { credentials = p }
    end
    values[#values + 1] = c:sls { credentials = c.sts_creds:get() }
    -- use them, so that providers hold fetched sessions
    for _, v in ipairs(values) do
      if getmetatable(v) and v.get_logstore then assert(v:get_logstore(cloud.PROJECT, "plain")) end
    end
    values[#values + 1] = role:get()
    values[#values + 1] = ecs:get()
    values[#values + 1] = role.spec
    values[#values + 1] = values
    local text = {}
    for _, v in ipairs(values) do text[#text + 1] = shown(v) end
    slsh.config.connect_to = saved
    os.execute("rm -rf " .. home)
    assert_clean(table.concat(text, "\n"), forbidden(), "a shown value")
  end)

  it("cuts the string to sign and the canonical request from error messages", function()
    local bad = slsh.credentials { access_key_id = cloud.STS.id, access_key_secret = WRONG,
                                   security_token = cloud.STS.token }
    for _, client in ipairs {
      c:ram { credentials = bad }, c:ram { credentials = bad, signature = "acs3" },
      c:kms { credentials = bad }, c:kms { credentials = bad, signature = "acs3" },
      c:sts { credentials = bad }, c:sts { credentials = bad, signature = "acs3" },
    } do
      local action = ({ ram = "GetRole", kms = "DescribeKey" })[client.service]
                     or "GetCallerIdentity"
      local r, err = client:call(action, action == "GetCallerIdentity" and {}
                                         or { RoleName = "x", KeyId = cloud.KEY })
      assert.is_nil(r)
      assert.equal("SignatureDoesNotMatch", err.code)
      assert.equal("Specified signature is not matched with our calculation.", err.message)
      assert_clean(shown(err), forbidden(), "an error")
    end
  end)
end)
