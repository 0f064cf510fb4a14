-- slsh.sts against the emulator over real HTTP: who am I (root, RAM
-- user, assumed role), AssumeRole giving credentials that work on every
-- service, with RPC V1 and ACS3 signatures.
local cloud = require "cloud"
local json = slsh.json

describe("slsh.sts", function()
  local c
  local user_creds

  setup(function()
    c = cloud.start()
    user_creds = slsh.credentials { access_key_id = cloud.USER.id,
                                    access_key_secret = cloud.USER.secret }
  end)
  teardown(function() c:stop() end)
  before_each(function()
    c:faults { next = json.array {} }
    c:reset_stats()
  end)

  for _, signature in ipairs { "v1", "acs3" } do
    describe("with signature " .. signature, function()
      local function sts(extra)
        extra = extra or {}
        extra.signature = signature
        return c:sts(extra)
      end

      it("names the root account", function()
        local id = assert(sts():caller_identity())
        assert.equal(cloud.ACCOUNT, id.AccountId)
        assert.equal("acs:ram::" .. cloud.ACCOUNT .. ":root", id.Arn)
        assert.equal("Account", id.IdentityType)
      end)

      it("names a RAM user", function()
        local id = assert(sts { credentials = user_creds }:caller_identity())
        assert.equal("acs:ram::" .. cloud.ACCOUNT .. ":user/" .. cloud.USER.name, id.Arn)
        assert.equal("RAMUser", id.IdentityType)
      end)

      it("assumes a role: credentials that work on SLS, RAM, KMS and STS", function()
        local cred = assert(sts():assume_role { role_arn = cloud.ADMIN_ROLE_ARN,
                                                session_name = "spec-" .. signature,
                                                duration = 900 })
        assert.is_true(slsh.credentials.is(cred))
        assert.matches("^STS%.", cred.access_key_id)
        assert.is_true(cred.has_token)
        assert.is_true(math.abs(cred.expiration - (os.time() + 900)) <= 5)
        local id = assert(sts { credentials = cred }:caller_identity())
        assert.equal("acs:ram::" .. cloud.ACCOUNT .. ":assumed-role/slsh-admin-role/spec-"
                     .. signature, id.Arn)
        assert.equal("AssumedRoleUser", id.IdentityType)
        assert(c:sls { credentials = cred }:get_logstore(cloud.PROJECT, "plain"))
        assert(c:sls { credentials = cred, signature = "v4" }:get_logstore(cloud.PROJECT, "plain"))
        assert(c:ram { credentials = cred, signature = signature }:get_role(cloud.ROLE))
        assert(c:kms { credentials = cred, signature = signature }:describe_key(cloud.KEY))
      end)

      it("assumes a role with assumed-role credentials (a chain)", function()
        local first = assert(sts():assume_role { role_arn = cloud.ADMIN_ROLE_ARN })
        local second = assert(sts { credentials = first }:assume_role {
          role_arn = cloud.ADMIN_ROLE_ARN, session_name = "second" })
        assert.matches("/second$", assert(sts { credentials = second }:caller_identity()).Arn)
      end)

      it("refuses a role that does not trust the caller, as an error object", function()
        local cred, err = sts():assume_role { role_arn = cloud.ROLE_ARN }
        assert.is_nil(cred)
        assert.equal("sts", err.service)
        assert.equal("AssumeRole", err.action)
        assert.is_number(err.status)
        assert.matches("^%x+$", err.request_id)
        assert.is_false(err.retryable)
        assert.is_string(err.code)
      end)
    end)
  end

  it("uses the regional endpoint with a region, the central one without", function()
    assert(c:sts():caller_identity())
    assert(c:sts { region = "cn-shanghai" }:caller_identity())
    local ram_opts = c:opts()
    ram_opts.region = nil
    assert(slsh.sts.client(ram_opts):caller_identity())
    local hosts = {}
    for _, e in ipairs(c:log().entries) do hosts[#hosts + 1] = e.host end
    assert.same({ "sts.cn-hangzhou.aliyuncs.com", "sts.cn-shanghai.aliyuncs.com",
                  "sts.aliyuncs.com" }, hosts)
  end)

  it("says which temporary credentials expired", function()
    local cred = assert(c:sts():assume_role { role_arn = cloud.ADMIN_ROLE_ARN, duration = 900 })
    c:faults { clock_offset = 1000 }
    local transport = require "slsh.transport"
    transport.reset_clock()
    local stderr = io.stderr
    rawset(io, "stderr", { write = function(self) return self end }) -- the skew warning
    local r, err = c:sts { credentials = cred }:caller_identity()
    rawset(io, "stderr", stderr)
    c:faults { clock_offset = 0 }
    transport.reset_clock()
    assert.is_nil(r)
    assert.equal("InvalidSecurityToken.Expired", err.code)
  end)

  it("raises on misuse", function()
    assert.has_error(function() c:sts():assume_role {} end,
      "sts:assume_role: field 'role_arn' is required (acs:ram::<uid>:role/<name>)")
    assert.has_error(function() c:sts():assume_role { role_arn = cloud.ADMIN_ROLE_ARN,
                                                      duration_seconds = 900 } end,
      "sts:assume_role: unknown field 'duration_seconds' (valid: duration, external_id, "
      .. "policy, role_arn, session_name)")
    assert.has_error(function() slsh.sts.client { signature = "v4" } end,
      "sts.client: signature must be one of v1, acs3, got 'v4'")
  end)
end)
