-- `slsh run setup-role` end to end: the slsh binary against the emulator.
local cloud = require "cloud"
local run = require "run"
local json = slsh.json

local ACCOUNT = cloud.ACCOUNT
local ENV = { ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
              ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret }
local KMS_POLICIES = { "AliyunKMSCryptoUserAccess", "AliyunKMSReadOnlyAccess" }
local ACCOUNT_STATEMENT = { Action = "sts:AssumeRole", Effect = "Allow",
                            Principal = { RAM = { "acs:ram::" .. ACCOUNT .. ":root" } } }

-- cloud.state() has slsh-byok-role (ready), half-role (trusted by the
-- account only, AliyunKMSReadOnlyAccess only) and slsh-admin-role; add a
-- role trusted by the account that holds both KMS policies, and a user.
local function state()
  local s = cloud.state()
  s.roles[#s.roles + 1] = {
    account = ACCOUNT, RoleName = "untrusted-role",
    AssumeRolePolicyDocument = json.encode { Statement = { ACCOUNT_STATEMENT }, Version = "1" },
    policies = { { PolicyName = "AliyunKMSReadOnlyAccess", PolicyType = "System" },
                 { PolicyName = "AliyunKMSCryptoUserAccess", PolicyType = "System" } } }
  s.users = { { account = ACCOUNT, UserName = "operator" } }
  s.user_policies = json.array {}
  return s
end

local function role_in(st, name)
  for _, r in ipairs(st.roles) do
    if r.RoleName == name then return r end
  end
end

local function policies_of(role)
  local names = {}
  for _, p in ipairs(role.policies or {}) do names[#names + 1] = p.PolicyName end
  table.sort(names)
  return names
end

local function arn(name) return "acs:ram::" .. ACCOUNT .. ":role/" .. name end

describe("slsh run setup-role", function()
  local c

  setup(function() c = cloud.start { state = state() } end)
  teardown(function() c:stop() end)
  before_each(function() c:control("PUT", "state", state()) end)

  local function setup_role(args)
    local words = { "--connect-to", c.url, "run", "setup-role" }
    for _, a in ipairs(args) do words[#words + 1] = a end
    return run.slsh(words, { env = ENV })
  end

  it("plans by default and changes nothing", function()
    local before = json.encode(c:state())
    local r = setup_role { "--role", "new-role", "--attach-passrole-to-user", "operator" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("plan: 5 changes (nothing changed", r.stdout, 1, true)
    assert.matches("create role new-role trusted by log.aliyuncs.com", r.stdout, 1, true)
    assert.matches("attach custom policy slsh-passrole-new-role to RAM user operator",
                   r.stdout, 1, true)
    r = setup_role { "--role", "half-role" }
    assert.equal(0, r.code, r.stderr)
    assert.equal(before, json.encode(c:state()))
  end)

  it("creates a missing role, prints its ARN, and then has nothing to do", function()
    local r = setup_role { "--role", "new-role", "--apply" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("applied 3 changes", r.stdout, 1, true)
    assert.matches("role ARN: " .. arn("new-role") .. "\n", r.stdout, 1, true)
    assert.matches('"Resource": "' .. arn("new-role") .. '"', r.stdout, 1, true)
    local role = role_in(c:state(), "new-role")
    assert.same(KMS_POLICIES, policies_of(role))
    assert.is_true(slsh.ram.trusts_service(role.AssumeRolePolicyDocument))
    local before = json.encode(c:state())
    r = setup_role { "--role", "new-role", "--apply" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("^nothing to do: role new%-role is trusted by log.aliyuncs.com", r.stdout)
    assert.equal(before, json.encode(c:state()))
  end)

  it("saves a plan and makes exactly it, refusing it once the role changed", function()
    local plan = run.tmpname(".json")
    local r = setup_role { "--role", "half-role", "--plan-out", plan }
    assert.equal(0, r.code, r.stderr)
    local f = assert(io.open(plan))
    local doc = json.decode(f:read("a"))
    f:close()
    assert.equal("setup-role", doc.workflow)
    assert.equal("half-role", doc.role)
    assert.equal(2, #doc.changes) -- the trust statement and the crypto policy
    local p = io.popen("stat -c %a " .. run.quote(plan))
    assert.equal("600", p:read("l"))
    p:close()
    r = setup_role { "--role", "other", "--apply", "--plan", plan }
    assert.equal(2, r.code)
    assert.matches("was made for --role half-role", r.stderr, 1, true)
    -- the world moves: someone fixes the trust meanwhile
    local st = c:state()
    local role = role_in(st, "half-role")
    local trust = json.decode(role.AssumeRolePolicyDocument)
    trust.Statement[#trust.Statement + 1] = { Action = "sts:AssumeRole", Effect = "Allow",
                                              Principal = { Service = { "log.aliyuncs.com" } } }
    role.AssumeRolePolicyDocument = json.encode(trust)
    c:control("PUT", "state", st)
    local before = json.encode(c:state())
    r = setup_role { "--role", "half-role", "--apply", "--plan", plan }
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.matches("refused: the role or the user changed since the plan", r.stdout, 1, true)
    assert.equal(before, json.encode(c:state()))
    -- as planned: made
    c:control("PUT", "state", state())
    r = setup_role { "--role", "half-role", "--apply", "--plan", plan }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("applied 2 changes", r.stdout, 1, true)
    assert.same(KMS_POLICIES, policies_of(role_in(c:state(), "half-role")))
    os.remove(plan)
  end)

  it("adds log.aliyuncs.com to an untrusted role and keeps its other statements", function()
    local r = setup_role { "--role", "untrusted-role", "--apply" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("applied 1 change:\n  add log.aliyuncs.com to the trust policy of "
                   .. "untrusted-role\n", r.stdout, 1, true)
    local role = role_in(c:state(), "untrusted-role")
    local doc = json.decode(role.AssumeRolePolicyDocument)
    assert.equal(2, #doc.Statement)
    assert.same(ACCOUNT_STATEMENT, doc.Statement[1])
    assert.is_true(slsh.ram.trusts_service(role.AssumeRolePolicyDocument))
    assert.same(KMS_POLICIES, policies_of(role))
  end)

  it("attaches only the missing KMS policy", function()
    local r = setup_role { "--role", "half-role", "--apply" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("attach system policy AliyunKMSCryptoUserAccess to half-role", r.stdout,
                   1, true)
    assert.not_matches("attach system policy AliyunKMSReadOnlyAccess", r.stdout)
    assert.same(KMS_POLICIES, policies_of(role_in(c:state(), "half-role")))
    assert.matches("^nothing to do", setup_role { "--role", "half-role" }.stdout)
  end)

  it("creates the PassRole policy for the exact role ARN and attaches it to the user",
     function()
    local r = setup_role { "--attach-passrole-to-user", "operator", "--apply" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("applied 2 changes", r.stdout, 1, true)
    local st = c:state()
    local policy = st.policies[1]
    assert.equal("slsh-passrole-slsh-byok-role", policy.PolicyName)
    assert.same({ Version = "1", Statement = { { Effect = "Allow", Action = "ram:PassRole",
                                                 Resource = cloud.ROLE_ARN } } },
                json.decode(policy.PolicyDocument))
    assert.equal(1, #st.user_policies)
    assert.equal("operator", st.user_policies[1].UserName)
    assert.equal("slsh-passrole-slsh-byok-role", st.user_policies[1].PolicyName)
    r = setup_role { "--attach-passrole-to-user", "operator", "--apply" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("^nothing to do: .* policy slsh%-passrole%-slsh%-byok%-role is attached "
                   .. "to RAM user operator", r.stdout)
  end)

  it("takes an existing policy with an equivalent document as done", function()
    local s = state()
    -- the same grant, written differently: a list, another key order, spaces
    s.policies = { { account = ACCOUNT, PolicyName = "passrole", Description = "",
      PolicyDocument = '{ "Statement": [ { "Resource": ["' .. cloud.ROLE_ARN:upper()
        .. '"], "Action": ["ram:PassRole"], "Effect": "Allow" } ], "Version": "1" }' } }
    c:control("PUT", "state", s)
    local r = setup_role { "--attach-passrole-to-user", "operator",
                           "--passrole-policy-name", "passrole", "--apply" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("applied 1 change:\n  attach custom policy passrole to RAM user operator",
                   r.stdout, 1, true)
    assert.equal(1, #c:state().policies)
  end)

  it("refuses an existing policy of that name with another document", function()
    local s = state()
    s.policies = { { account = ACCOUNT, PolicyName = "passrole", Description = "",
      PolicyDocument = '{"Version":"1","Statement":[{"Effect":"Allow",'
        .. '"Action":"ram:PassRole","Resource":"*"}]}' } }
    c:control("PUT", "state", s)
    local r = setup_role { "--attach-passrole-to-user", "operator",
                           "--passrole-policy-name", "passrole", "--apply" }
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.matches("refused: custom policy passrole exists and grants something else",
                   r.stdout, 1, true)
    assert.equal(0, #c:state().user_policies)
  end)

  it("fails on a RAM user that does not exist, and on a bad role name", function()
    local r = setup_role { "--attach-passrole-to-user", "nobody" }
    assert.equal(1, r.code)
    assert.matches("cannot read the policies of RAM user nobody", r.stderr, 1, true)
    r = setup_role { "--role", "bad/name" }
    assert.equal(2, r.code)
    assert.matches("--role must be", r.stderr, 1, true)
  end)

  it("explains every option with --help", function()
    local r = run.slsh { "run", "setup-role", "--help" }
    assert.equal(0, r.code)
    for _, o in ipairs { "apply", "role", "attach-passrole-to-user", "passrole-policy-name",
                         "help" } do
      assert.matches("\n  %-%-" .. o:gsub("%-", "%%-") .. "[ \n]", r.stdout)
    end
    assert.not_matches("%-%-region", r.stdout)
  end)
end)
