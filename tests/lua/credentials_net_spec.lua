-- The network sources of the credential chain against the emulator: ECS
-- instance metadata (IMDSv2 token, IMDSv1 fallback), the credentials
-- URI, RamRoleArn profiles (AssumeRole) in-process and through the slsh
-- binary with --profile, caching and refreshing ahead of expiry with a
-- clock the test moves. The static sources are in credentials_spec.lua.
local cloud = require "cloud"
local run = require "run"
local json = slsh.json
local credentials = slsh.credentials

local homes = {}

-- A fresh HOME holding ~/.aliyun/config.json = `config` (if given).
local function home_with(config)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir .. "/.aliyun"))
  homes[#homes + 1] = dir
  if config then
    local f = assert(io.open(dir .. "/.aliyun/config.json", "w"))
    f:write(type(config) == "string" and config or json.encode(config))
    f:close()
  end
  return dir
end

-- A config.json with one RamRoleArn profile `name` (source: the root key).
local function role_profile(name, extra)
  local p = { name = name, mode = "RamRoleArn", access_key_id = cloud.AK.id,
              access_key_secret = cloud.AK.secret, ram_role_arn = cloud.ADMIN_ROLE_ARN,
              ram_session_name = "from-profile", expired_seconds = 900 }
  for k, v in pairs(extra or {}) do p[k] = v end
  return { current = name, profiles = { p } }
end

-- A clock the test moves, starting now.
local function clock()
  local clk = { now = os.time() }
  clk.fn = function() return clk.now end
  return clk
end

-- Requests the emulator logged, as "METHOD host path".
local function requests(c)
  local out = {}
  for _, e in ipairs(c:log().entries) do
    out[#out + 1] = e.method .. " " .. e.host .. " " .. e.path
  end
  return out
end

teardown(function()
  for _, dir in ipairs(homes) do os.execute("rm -rf " .. dir) end
end)

describe("network credential sources", function()
  local c, saved_connect_to
  local empty_home = home_with()

  setup(function()
    local state = cloud.state()
    state.ecs.require_token = true
    c = cloud.start { state = state }
    saved_connect_to = slsh.config.connect_to
    slsh.config.connect_to = c.url
  end)
  teardown(function()
    slsh.config.connect_to = saved_connect_to
    c:stop()
  end)
  before_each(function()
    c:faults { next = json.array {} }
    c:reset_stats()
  end)

  describe("ECS instance metadata", function()
    it("fetches the instance's role credentials with an IMDSv2 token", function()
      local p = assert(credentials { env = { HOME = empty_home } })
      assert.equal("ecs_ram_role", p.kind)
      local cred = assert(p:get())
      assert.matches("^STS%.", cred.access_key_id)
      assert.is_true(cred.has_token)
      assert.same({
        "PUT 100.100.100.200 /latest/api/token",
        "GET 100.100.100.200 /latest/meta-data/ram/security-credentials/",
        "GET 100.100.100.200 /latest/meta-data/ram/security-credentials/slsh-admin-role",
      }, requests(c))
      local id = assert(c:sts { credentials = p }:caller_identity())
      assert.matches(":assumed%-role/slsh%-admin%-role/", id.Arn)
      assert(c:sls { credentials = p }:get_logstore(cloud.PROJECT, "plain"))
    end)

    it("asks for the named role only, with ALIBABA_CLOUD_ECS_METADATA", function()
      local p = assert(credentials { env = { HOME = empty_home,
                                             ALIBABA_CLOUD_ECS_METADATA = "slsh-admin-role" } })
      assert(p:get())
      assert.same({
        "PUT 100.100.100.200 /latest/api/token",
        "GET 100.100.100.200 /latest/meta-data/ram/security-credentials/slsh-admin-role",
      }, requests(c))
    end)

    it("caches them and fetches again 15 minutes before they expire", function()
      local clk = clock()
      local p = assert(credentials { env = { HOME = empty_home }, clock = clk.fn })
      local first = assert(p:get())
      assert.equal(first, p:get())
      local n = #requests(c)
      clk.now = first.expiration - 15 * 60 - 1
      assert.equal(first, p:get())
      assert.equal(n, #requests(c))
      clk.now = clk.now + 1
      assert(p:get())
      assert.equal(n + 3, #requests(c)) -- a token, the role name, the credentials
    end)

    it("falls back to IMDSv1 when the token request fails, unless that is disabled", function()
      local state = cloud.state()
      local v1 = cloud.start { state = state } -- require_token off
      slsh.config.connect_to = v1.url
      v1:faults { next = { { status = 404, match = { service = "imds" } } } }
      local p = assert(credentials { env = { HOME = empty_home,
                                             ALIBABA_CLOUD_ECS_METADATA = "slsh-admin-role" } })
      local cred, err = p:get()
      v1:faults { next = { { status = 404, match = { service = "imds" } } } }
      local p2 = assert(credentials { env = { HOME = empty_home,
                                              ALIBABA_CLOUD_ECS_METADATA = "slsh-admin-role",
                                              ALIBABA_CLOUD_IMDSV1_DISABLED = "true" } })
      local cred2, err2 = p2:get()
      slsh.config.connect_to = c.url
      v1:stop()
      assert.truthy(cred, tostring(err))
      assert.is_nil(cred2)
      assert.matches("ECS metadata token: HTTP status 404", err2.message)
    end)

    it("follows slsh.config.connect_to when it changes", function()
      assert(assert(credentials { env = { HOME = empty_home } }):get())
      local other = cloud.start()
      slsh.config.connect_to = other.url
      local ok, cred = pcall(function()
        return assert(assert(credentials { env = { HOME = empty_home } }):get())
      end)
      slsh.config.connect_to = c.url
      local n = #other:log().entries
      other:stop()
      assert.truthy(ok, tostring(cred))
      assert.equal(3, n)
    end)

    it("falls back to the credentials URI when the metadata service fails", function()
      c:faults { next = { { status = 500, match = { service = "imds" } },
                          { status = 500, match = { service = "imds" } } } }
      local p = assert(credentials { env = { HOME = empty_home,
        ALIBABA_CLOUD_CREDENTIALS_URI = c.url .. "/__emulator/credentials-uri" } })
      assert(p:get())
      assert.equal("credentials_uri", p.active.kind)
    end)
  end)

  describe("credentials URI", function()
    local function provider(clk)
      return assert(credentials { clock = clk and clk.fn, env = { HOME = empty_home,
        ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true",
        ALIBABA_CLOUD_CREDENTIALS_URI = c.url .. "/__emulator/credentials-uri" } })
    end

    it("fetches credentials that work", function()
      local p = provider()
      assert.equal("credentials_uri", p.kind)
      assert(c:kms { credentials = p }:describe_key(cloud.KEY))
      assert.matches(":assumed%-role/", assert(c:sts { credentials = p }:caller_identity()).Arn)
      assert.equal(1, c:count("GetCredentials"))
    end)

    it("caches them and fetches again with 180 s left", function()
      local clk = clock()
      local p = provider(clk)
      local first = assert(p:get())
      clk.now = first.expiration - 181
      assert.equal(first, p:get())
      clk.now = clk.now + 1
      local second = assert(p:get())
      assert.are_not.equal(first.access_key_id, second.access_key_id)
      assert.equal(2, c:count("GetCredentials"))
    end)

    it("returns the failure as an error object, saying where it looked", function()
      c:faults { next = { { status = 500, match = { service = "credentials-uri" } } } }
      local cred, err = provider():get()
      assert.is_nil(cred)
      assert.equal("credentials_missing", err.code)
      assert.matches("credentials URI: HTTP status 500", err.looked[#err.looked])
    end)
  end)

  describe("RamRoleArn profiles", function()
    it("assume the role with the profile's key: credentials that work on SLS", function()
      local home = home_with(role_profile("ops"))
      local p = assert(credentials { env = { HOME = home } })
      assert.equal("ram_role_arn", p.kind)
      local cred = assert(p:get())
      assert.matches("^credentials%(assume_role " .. cloud.ADMIN_ROLE_ARN:gsub("%p", "%%%0"),
                     tostring(cred))
      assert(c:sls { credentials = p }:get_logstore(cloud.PROJECT, "plain"))
      assert(c:sls { credentials = p, signature = "v4" }:get_logstore(cloud.PROJECT, "plain"))
      assert.equal("acs:ram::" .. cloud.ACCOUNT .. ":assumed-role/slsh-admin-role/from-profile",
                   assert(c:sts { credentials = p }:caller_identity()).Arn)
      assert.equal(1, c:count("AssumeRole"))
    end)

    it("cache the session and assume again before it expires (900 s, 180 s ahead)", function()
      local clk = clock()
      local p = assert(credentials { env = { HOME = home_with(role_profile("ops")) },
                                     clock = clk.fn })
      local sls = c:sls { credentials = p }
      assert(sls:get_logstore(cloud.PROJECT, "plain"))
      local first = assert(p:get())
      assert.is_true(math.abs(first.expiration - (os.time() + 900)) <= 5)
      clk.now = first.expiration - 181
      assert(sls:get_logstore(cloud.PROJECT, "plain"))
      assert.equal(1, c:count("AssumeRole"))
      clk.now = clk.now + 1
      assert(sls:get_logstore(cloud.PROJECT, "plain"))
      assert.equal(2, c:count("AssumeRole"))
      assert.are_not.equal(first.access_key_id, assert(p:get()).access_key_id)
    end)

    it("fetch a fresh session when the service says the token expired", function()
      local p = assert(credentials { env = { HOME = home_with(role_profile("ops")) } })
      local sls = c:sls { credentials = p }
      assert(sls:get_logstore(cloud.PROJECT, "plain"))
      local assumed = c:count("AssumeRole")
      -- the service's clock runs past the session's end; the provider's
      -- does not, so only the service's answer can tell
      c:faults { clock_offset = 1000 }
      local transport = require "slsh.transport"
      transport.reset_clock()
      local stderr = io.stderr
      rawset(io, "stderr", { write = function(self) return self end }) -- the skew warning
      local ls, err = sls:get_logstore(cloud.PROJECT, "plain")
      rawset(io, "stderr", stderr)
      c:faults { clock_offset = 0 }
      transport.reset_clock()
      assert.is_nil(err)
      assert.equal("plain", ls.logstoreName)
      -- a new session was assumed (its first attempt may have met the skew)
      assert.is_true(c:count("AssumeRole") > assumed)
    end)

    it("chain through ChainableRamRoleArn profiles", function()
      local config = role_profile("base")
      config.current = "top"
      config.profiles[2] = { name = "top", mode = "ChainableRamRoleArn", source_profile = "base",
                             ram_role_arn = cloud.ADMIN_ROLE_ARN, ram_session_name = "top" }
      local p = assert(credentials { env = { HOME = home_with(config) } })
      assert.matches("/top$", assert(c:sts { credentials = p }:caller_identity()).Arn)
      assert.equal(2, c:count("AssumeRole"))
    end)

    it("say why AssumeRole failed", function()
      local p = assert(credentials { env = { HOME = home_with(role_profile("ops", {
        ram_role_arn = cloud.ROLE_ARN })) } })
      local ls, err = c:sls { credentials = p }:get_logstore(cloud.PROJECT, "plain")
      assert.is_nil(ls)
      assert.equal("sts", err.service)
      assert.equal("AssumeRole", err.action)
    end)
  end)

  describe("through the slsh binary", function()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write([[
local id = assert(slsh.sts.client{}:caller_identity())
print(id.Arn)
assert(slsh.sls.client{}:get_logstore(arg[1], "plain"))
print("sls ok")
]])
    f:close()
    teardown(function() os.remove(script) end)

    it("uses a RamRoleArn profile named by --profile", function()
      local config = role_profile("ops")
      config.current = "other"
      config.profiles[2] = { name = "other", mode = "AK", access_key_id = "LTAInotUsed",
                             access_key_secret = "not-used" }
      local r = run.slsh({ "--profile", "ops", "--region", cloud.REGION, "--connect-to", c.url,
                           script, cloud.PROJECT }, { env = { HOME = home_with(config) } })
      assert.equal(0, r.code, r.stderr)
      assert.equal("acs:ram::" .. cloud.ACCOUNT
                   .. ":assumed-role/slsh-admin-role/from-profile\nsls ok\n", r.stdout)
    end)

    it("names the file, profile and field of a malformed --profile", function()
      local config = role_profile("ops")
      config.profiles[1].ram_role_arn = nil
      local home = home_with(config)
      local r = run.slsh({ "--profile", "ops", "--region", cloud.REGION, "--connect-to", c.url,
                           script, cloud.PROJECT }, { env = { HOME = home } })
      assert.equal(1, r.code)
      assert.matches(home .. "/.aliyun/config.json: profile 'ops' (mode RamRoleArn): field "
                     .. "'ram_role_arn' is missing", r.stderr, 1, true)
      assert.is_nil(r.stderr:find(cloud.AK.secret, 1, true))
    end)

    it("names a --profile that exists nowhere", function()
      local home = home_with(role_profile("ops"))
      local r = run.slsh({ "--profile", "nope", "--region", cloud.REGION, "--connect-to", c.url,
                           script, cloud.PROJECT }, { env = { HOME = home } })
      assert.equal(1, r.code)
      assert.matches("nope", r.stderr)
    end)
  end)
end)
