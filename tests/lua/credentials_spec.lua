-- slsh.credentials: the chain through Lua, credentials objects, the
-- parsers, the provider's cache and refresh with fake fetchers and a fake
-- clock, and that no secret ever shows. Every secret in the fixtures
-- contains "s3cr3t" or "t0k3n". Files go to a temporary HOME; the
-- environment is given as a table (option `env`), never the process's.

local credentials = require "slsh.credentials"
local pretty = require "slsh.pretty"
local errs = require "slsh.err"

local SECRETS = { "s3cr3t", "t0k3n" }

-- Fail if `s` (a string) contains a secret.
local function clean(s, where)
  assert.is_string(s)
  for _, secret in ipairs(SECRETS) do
    if s:find(secret, 1, true) then
      error(string.format("secret in %s: %s", where or "text", s), 2)
    end
  end
  return s
end

-- Every way a value is shown: tostring, pretty printing and, for tables,
-- each string field (error objects carry message, field, looked).
local function shows_no_secret(v)
  clean(tostring(v), "tostring")
  clean(pretty.format(v), "pretty")
  if type(v) == "table" then
    for k, x in pairs(v) do
      if type(x) == "string" then clean(x, "field " .. tostring(k)) end
      if type(x) == "table" and k == "looked" then
        for _, line in ipairs(x) do clean(line, "looked") end
      end
    end
  end
end

local homes = {}

-- A fresh directory with `files` {relative path = text}.
local function home_with(files)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir .. "/.aliyun " .. dir .. "/.alibabacloud"))
  homes[#homes + 1] = dir
  for rel, text in pairs(files or {}) do
    local f = assert(io.open(dir .. "/" .. rel, "w"))
    f:write(text)
    f:close()
  end
  return dir
end

-- An environment table: HOME plus `vars`, ECS left enabled unless said.
local function env(home, vars)
  local e = { HOME = home }
  for k, v in pairs(vars or {}) do e[k] = v end
  return e
end

local NOECS = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"

local function ak_profile(name, id)
  return string.format('{"name":"%s","mode":"AK","access_key_id":"%s",'
    .. '"access_key_secret":"s3cr3t-%s"}', name, id, id)
end

local function config(current, ...)
  return string.format('{"current":"%s","profiles":[%s]}', current,
    table.concat({ ... }, ","))
end

teardown(function()
  for _, dir in ipairs(homes) do os.execute("rm -rf " .. dir) end
end)

describe("slsh.credentials resolving", function()
  local home = home_with()

  it("reads every environment name, the SDK's first", function()
    local cases = {
      { { ALIBABA_CLOUD_ACCESS_KEY_ID = "A1", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "s3cr3t" },
        "A1", "env" },
      { { ALIBABA_CLOUD_ACCESS_KEY_Id = "A2", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "s3cr3t" },
        "A2", "env ALIBABA_CLOUD_ACCESS_KEY_Id" },
      { { ALIBABACLOUD_ACCESS_KEY_ID = "A3", ALIBABACLOUD_ACCESS_KEY_SECRET = "s3cr3t" },
        "A3", "env ALIBABACLOUD_ACCESS_KEY_ID" },
      { { ALICLOUD_ACCESS_KEY_ID = "A4", ALICLOUD_ACCESS_KEY_SECRET = "s3cr3t" },
        "A4", "env ALICLOUD_ACCESS_KEY_ID" },
      { { ALICLOUD_ACCESS_KEY = "A5", ALICLOUD_SECRET_KEY = "s3cr3t" },
        "A5", "env ALICLOUD_ACCESS_KEY" },
      { { ACCESS_KEY_ID = "A6", ACCESS_KEY_SECRET = "s3cr3t" },
        "A6", "env ACCESS_KEY_ID" },
      { { ALIBABA_CLOUD_ACCESS_KEY_ID = "", ALIBABACLOUD_ACCESS_KEY_ID = "B1",
          ACCESS_KEY_ID = "B2", ACCESS_KEY_SECRET = "s3cr3t" }, "B1",
        "env ALIBABACLOUD_ACCESS_KEY_ID" },
      { { ALICLOUD_ACCESS_KEY_ID = "C2", ALIBABA_CLOUD_ACCESS_KEY_ID = "C1",
          ALICLOUD_SECRET_KEY = "s3cr3t" }, "C1", "env" },
    }
    for _, case in ipairs(cases) do
      local p = assert(credentials { env = env(home, case[1]) })
      local c = assert(p:get())
      assert.equal(case[2], c.access_key_id)
      assert.equal(case[3], c.source)
      assert.equal("s3cr3t", c:secret())
      assert.is_false(c.has_token)
      assert.is_nil(c:token())
    end
  end)

  it("reads every token name", function()
    for _, name in ipairs { "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABACLOUD_SECURITY_TOKEN",
                            "ALICLOUD_SECURITY_TOKEN", "SECURITY_TOKEN" } do
      local c = assert(credentials { env = env(home, {
        ALIBABA_CLOUD_ACCESS_KEY_ID = "STS.x", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "s3cr3t",
        [name] = "t0k3n-" .. name }) }):get()
      assert.is_true(c.has_token)
      assert.equal("t0k3n-" .. name, c:token())
    end
  end)

  it("refuses half a key pair, naming the variables", function()
    local p, err = credentials { env = env(home, { ALIBABA_CLOUD_ACCESS_KEY_ID = "X" }) }
    assert.is_nil(p)
    assert.equal("credentials_invalid", err.code)
    assert.equal("ALIBABA_CLOUD_ACCESS_KEY_SECRET", err.field)
    assert.matches("ALIBABA_CLOUD_ACCESS_KEY_ID is set but none of", err.message, 1, true)
    shows_no_secret(err)
  end)

  it("takes explicit keys over everything", function()
    local h = home_with { [".aliyun/config.json"] = config("default", ak_profile("default", "P")) }
    local c = assert(credentials {
      access_key_id = "EX", access_key_secret = "s3cr3t", security_token = "t0k3n",
      env = env(h, { ALIBABA_CLOUD_ACCESS_KEY_ID = "E", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "s" }),
    }):get()
    assert.equal("EX", c.access_key_id)
    assert.equal("explicit", c.source)
    assert.equal("t0k3n", c:token())
  end)

  it("follows the chain order: env, config.json, INI, ECS", function()
    local ini = "[default]\ntype = access_key\naccess_key_id = I\naccess_key_secret = s3cr3t\n"
    local h = home_with {
      [".aliyun/config.json"] = config("default", ak_profile("default", "CLI")),
      [".alibabacloud/credentials.ini"] = ini,
    }
    local envkeys = { ALIBABA_CLOUD_ACCESS_KEY_ID = "E",
                      ALIBABA_CLOUD_ACCESS_KEY_SECRET = "s3cr3t" }
    assert.equal("E", assert(credentials { env = env(h, envkeys) }):get().access_key_id)
    local p = assert(credentials { env = env(h) })
    assert.equal("CLI", p:get().access_key_id)
    assert.equal("profile default (AK) in " .. h .. "/.aliyun/config.json", p:get().source)
    p = assert(credentials { env = env(h, { ALIBABA_CLOUD_CLI_PROFILE_DISABLED = "true" }) })
    assert.equal("I", p:get().access_key_id)
    assert.equal("ini default (access_key) in " .. h .. "/.alibabacloud/credentials.ini",
      p:get().source)
    p = assert(credentials { env = env(home) })
    assert.equal("ecs_ram_role", p.kind)
    assert.is_true(p.spec.implicit)
    p = assert(credentials { env = env(home, { [NOECS] = "true",
      ALIBABA_CLOUD_CREDENTIALS_URI = "http://127.0.0.1:9/c" }) })
    assert.equal("credentials_uri", p.kind)
    assert.equal("http://127.0.0.1:9/c", p.spec.uri)
  end)

  it("reports every place looked at when there is nothing", function()
    local p, err = credentials { env = env(home, { [NOECS] = "true" }) }
    assert.is_nil(p)
    assert.equal("credentials_missing", err.code)
    assert.same({
      "env: ALIBABA_CLOUD_ACCESS_KEY_ID not set",
      home .. "/.aliyun/config.json: not found",
      home .. "/.alibabacloud/credentials.ini: not found",
      home .. "/.alibabacloud/credentials: not found",
      "ECS metadata: disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED)",
      "credentials URI: ALIBABA_CLOUD_CREDENTIALS_URI not set",
    }, err.looked)
    assert.matches("^credentials_missing: no credentials found %(looked at: env: ",
      tostring(err))
  end)

  describe("config.json", function()
    local function resolve(profile_json, opts)
      local h = home_with { [".aliyun/config.json"] = config("p", profile_json) }
      opts = opts or {}
      opts.env = env(h, opts.env)
      return credentials(opts)
    end

    local KEYS = '"access_key_id":"K","access_key_secret":"s3cr3t"'
    local ROLE = '"ram_role_arn":"acs:ram::123:role/r"'

    it("reads each mode", function()
      local cases = {
        { '"mode":"AK",' .. KEYS, "static" },
        { '"mode":"StsToken",' .. KEYS .. ',"sts_token":"t0k3n"', "static" },
        { '"mode":"RamRoleArn",' .. KEYS .. "," .. ROLE, "ram_role_arn" },
        { '"mode":"EcsRamRole","ram_role_name":"r"', "ecs_ram_role" },
        { '"mode":"CredentialsURI","credentials_uri":"http://127.0.0.1/c"', "credentials_uri" },
        { '"mode":"RamRoleArnWithRoleName","ram_role_name":"e",' .. ROLE, "ram_role_arn" },
      }
      for _, case in ipairs(cases) do
        local p = assert(resolve('{"name":"p",' .. case[1] .. "}"))
        assert.equal(case[2], p.kind)
        assert.matches("^profile p %(", p.origin)
        shows_no_secret(p)
        shows_no_secret(p.spec)
      end
    end)

    it("describes a RamRoleArn profile for the STS fetcher", function()
      local p = assert(resolve('{"name":"p","mode":"RamRoleArn",' .. KEYS .. "," .. ROLE
        .. ',"ram_session_name":"ops","expired_seconds":1800,"sts_region":"cn-shanghai",'
        .. '"external_id":"ext","policy":"{}","enable_vpc":true}'))
      local s = p.spec
      assert.equal("acs:ram::123:role/r", s.role_arn)
      assert.equal("ops", s.session_name)
      assert.equal(1800, s.duration)
      assert.equal("cn-shanghai", s.sts_region)
      assert.equal("sts-vpc.cn-shanghai.aliyuncs.com", s.sts_endpoint)
      assert.equal("ext", s.external_id)
      assert.equal("{}", s.policy)
      assert.equal("static", s.source.kind)
      assert.equal("K", s.source.credentials.access_key_id)
    end)

    it("chains ChainableRamRoleArn to its source profile", function()
      local h = home_with { [".aliyun/config.json"] = config("c",
        '{"name":"c","mode":"ChainableRamRoleArn","source_profile":"b",'
          .. '"ram_role_arn":"acs:ram::1:role/c"}',
        '{"name":"b","mode":"ChainableRamRoleArn","source_profile":"base",'
          .. '"ram_role_arn":"acs:ram::1:role/b"}',
        ak_profile("base", "BASE")) }
      local s = assert(credentials { env = env(h) }).spec
      assert.equal("acs:ram::1:role/c", s.role_arn)
      assert.equal("acs:ram::1:role/b", s.source.role_arn)
      assert.equal("BASE", s.source.source.credentials.access_key_id)
      assert.equal("sts.aliyuncs.com", s.sts_endpoint)
    end)

    it("names the file, profile, mode and field of a malformed profile", function()
      local cases = {
        { '{"name":"p","mode":"RamRoleArn",' .. KEYS .. "}", "ram_role_arn",
          "/.aliyun/config.json: profile 'p' (mode RamRoleArn): field 'ram_role_arn' is missing" },
        { '{"name":"p","mode":"AK","access_key_id":"K","access_key_secret":5}',
          "access_key_secret", "field 'access_key_secret' must be a string, got integer" },
        { '{"name":"p","mode":"Nope"}', "mode",
          "'Nope' is unknown (supported: AK, StsToken, RamRoleArn, ChainableRamRoleArn, "
            .. "EcsRamRole, CredentialsURI, RamRoleArnWithRoleName)" },
        { '{"name":"p","mode":"External"}', "mode", "'External' is not supported by slsh" },
        { '{"name":"p","mode":"ChainableRamRoleArn","source_profile":"p",' .. ROLE .. "}",
          "source_profile", "field 'source_profile' makes a loop: p -> p" },
        { '{"name":"p","mode":"ChainableRamRoleArn","source_profile":"q",' .. ROLE .. "}",
          "source_profile", "names profile 'q', which does not exist" },
      }
      for _, case in ipairs(cases) do
        local p, err = resolve(case[1])
        assert.is_nil(p)
        assert.equal("credentials_invalid", err.code)
        assert.equal(case[2], err.field)
        assert.matches(case[3], err.message, 1, true)
        shows_no_secret(err)
      end
    end)

    it("gives the byte of invalid JSON without quoting it", function()
      local h = home_with { [".aliyun/config.json"] =
        '{"profiles":[{"name":"p","access_key_secret":"s3cr3t}]}' }
      local p, err = credentials { env = env(h) }
      assert.is_nil(p)
      assert.equal("credentials_invalid", err.code)
      assert.matches(h .. "/.aliyun/config.json: invalid JSON at byte %d+ %(line 1, column %d+%)",
        err.message)
      shows_no_secret(err)
    end)
  end)

  describe("INI file", function()
    it("reads each type, with inline comments", function()
      local cases = {
        { "type = access_key # plain\naccess_key_id = I # the id\naccess_key_secret = s3cr3t\n",
          "static" },
        { "type = sts\naccess_key_id = I\naccess_key_secret = s3cr3t\nsecurity_token = t0k3n\n",
          "static" },
        { "type = ram_role_arn\naccess_key_id = I\naccess_key_secret = s3cr3t\n"
          .. "role_arn = acs:ram::1:role/r\nrole_session_name = s\n", "ram_role_arn" },
        { "type = ecs_ram_role\nrole_name = r\n", "ecs_ram_role" },
      }
      for _, case in ipairs(cases) do
        local h = home_with { [".alibabacloud/credentials.ini"] = "; x\n[default]\n" .. case[1] }
        local p = assert(credentials { env = env(h) })
        assert.equal(case[2], p.kind)
        assert.matches("^ini default %(", p.origin)
      end
      local h = home_with { [".alibabacloud/credentials.ini"] =
        "[default]\ntype = access_key # c\naccess_key_id = I # c\naccess_key_secret = s3cr3t#c\n" }
      local c = assert(credentials { env = env(h) }):get()
      assert.equal("I", c.access_key_id)
      assert.equal("s3cr3t", c:secret())
    end)

    it("names the profile and field of a malformed section", function()
      local h = home_with { [".alibabacloud/credentials.ini"] =
        "[prod]\ntype = ram_role_arn\naccess_key_id = I\naccess_key_secret = s3cr3t\n" }
      local p, err = credentials { profile = "prod", env = env(h) }
      assert.is_nil(p)
      assert.equal("role_arn", err.field)
      assert.equal(h .. "/.alibabacloud/credentials.ini: profile 'prod' (type ram_role_arn): "
        .. "field 'role_arn' is missing", err.message)
    end)
  end)

  describe("profile selection", function()
    local h = home_with { [".aliyun/config.json"] = config("cur",
      ak_profile("cur", "CUR"), ak_profile("a", "A"), ak_profile("b", "B"),
      ak_profile("c", "C")) }

    it("prefers the argument, then the profile variables, then current", function()
      local all = { ALIBABA_CLOUD_PROFILE = "a", ALIBABACLOUD_PROFILE = "b",
                    ALICLOUD_PROFILE = "c" }
      local function id(opts) return assert(credentials(opts)):get().access_key_id end
      assert.equal("B", id { profile = "b", env = env(h, all) })
      assert.equal("A", id { env = env(h, all) })
      assert.equal("B", id { env = env(h, { ALIBABACLOUD_PROFILE = "b", ALICLOUD_PROFILE = "c" }) })
      assert.equal("C", id { env = env(h, { ALICLOUD_PROFILE = "c" }) })
      assert.equal("CUR", id { env = env(h) })
    end)

    it("takes slsh.config.profile (--profile) as the default", function()
      local saved = slsh.config.profile
      slsh.config.profile = "b"
      local ok, p = pcall(credentials, { env = env(h, {
        ALIBABA_CLOUD_ACCESS_KEY_ID = "E", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "s3cr3t" }) })
      local keys = ok and p and credentials { access_key_id = "X", access_key_secret = "s3cr3t" }
      slsh.config.profile = saved
      assert.is_true(ok)
      assert.equal("B", p:get().access_key_id)
      assert.equal("X", keys:get().access_key_id)
    end)

    it("refuses a named profile that exists nowhere", function()
      local p, err = credentials { profile = "zz", env = env(h) }
      assert.is_nil(p)
      assert.equal("credentials_missing", err.code)
      assert.equal("profile", err.field)
      assert.matches("profile 'zz' not found (looked at: " .. h
        .. "/.aliyun/config.json: no profile 'zz' (profiles: cur, a, b, c)", err.message, 1, true)
    end)
  end)

  describe("a config.json whose current names no profile (issue 7)", function()
    -- It used to fall through to the INI file or the ECS instance role and
    -- so run as another identity than the one the user chose.
    local ini = "[default]\ntype = access_key\naccess_key_id = INI\n"
      .. "access_key_secret = s3cr3t\n"
    local h = home_with { [".aliyun/config.json"] = config("gone",
      ak_profile("a", "A"), ak_profile("b", "B")),
      [".alibabacloud/credentials.ini"] = ini }

    it("is an error naming the file and the profile, not the next source", function()
      local p, err = credentials { env = env(h) }
      assert.is_nil(p)
      assert.equal("credentials_invalid", err.code)
      assert.equal("current", err.field)
      assert.equal(h .. "/.aliyun/config.json: 'current' names profile 'gone', "
        .. "which is not in the file (profiles: a, b)", err.message)
      shows_no_secret(err)
    end)

    it("is an error with ECS metadata enabled and no INI file either", function()
      local bare = home_with { [".aliyun/config.json"] = config("gone") }
      local p, err = credentials { env = env(bare) }
      assert.is_nil(p)
      assert.equal("credentials_invalid", err.code)
      assert.matches("'current' names profile 'gone'", err.message, 1, true)
    end)

    it("gives way to a profile named explicitly", function()
      assert.equal("A", assert(credentials { profile = "a", env = env(h) }):get().access_key_id)
    end)
  end)

  describe("with -v", function()
    local h = home_with { [".aliyun/config.json"] = config("cur",
      ak_profile("cur", "CUR")) }

    local function lines_of(opts)
      local lines = {}
      opts.log = function(line) lines[#lines + 1] = line end
      local p = assert(credentials(opts))
      p:get()
      p:get()
      return lines
    end

    it("says once which source gave the credentials, never the secret", function()
      local lines = lines_of { verbose = 1, env = env(h) }
      assert.same({ "credentials: static from profile cur (AK) in " .. h
        .. "/.aliyun/config.json" }, lines)
      clean(lines[1], "the -v line")
      assert.same({ "credentials: static from env" },
        lines_of { verbose = 1, env = env(h, {
          ALIBABA_CLOUD_ACCESS_KEY_ID = "E", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "s3cr3t" }) })
      assert.same({ "credentials: static from explicit" },
        lines_of { verbose = 1, access_key_id = "X", access_key_secret = "s3cr3t" })
    end)

    it("names the candidate that worked in a chain of fallbacks", function()
      local saved = credentials.fetchers
      credentials.fetchers = {
        ecs_ram_role = function()
          return nil, errs.new { code = "timeout", message = "no IMDS" }
        end,
        credentials_uri = function() return credentials.new { access_key_id = "U",
          access_key_secret = "s3cr3t", security_token = "t0k3n", expiration = 4000000000 } end,
      }
      local ok, lines = pcall(lines_of, { verbose = 1, env = env(home_with(), {
        ALIBABA_CLOUD_CREDENTIALS_URI = "http://127.0.0.1:9/c" }) })
      credentials.fetchers = saved
      assert.is_true(ok, lines)
      assert.same({ "credentials: credentials_uri from env ALIBABA_CLOUD_CREDENTIALS_URI" }, lines)
    end)

    it("is one line on stderr from the command line's -v, none without", function()
      local run = require "run"
      local code = 'local c = require "slsh.credentials"; '
        .. 'assert(c{}):get(); assert(c{}):get(); print("done")'
      local e = { HOME = h, ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true" }
      -- slsh's own lines (an ASan build adds its leak-suppression report)
      local function said(stderr)
        local lines = {}
        for line in stderr:gmatch("[^\n]+") do
          if line:match("^slsh:") then lines[#lines + 1] = line end
        end
        return lines
      end
      local r = run.slsh({ "-v", "--profile", "cur", "-e", code }, { env = e })
      assert.equal(0, r.code, r.stderr)
      assert.equal("done\n", r.stdout)
      assert.same({ "slsh: credentials: static from profile cur (AK) in " .. h
        .. "/.aliyun/config.json" }, said(r.stderr))
      r = run.slsh({ "--profile", "cur", "-e", code }, { env = e })
      assert.equal(0, r.code, r.stderr)
      assert.same({}, said(r.stderr))
    end)

    it("is silent without -v", function()
      assert.same({}, lines_of { env = env(h) })
    end)

    it("follows slsh.config.verbose, writes to stderr once per source", function()
      local saved_v, saved_err = slsh.config.verbose, io.stderr
      local got = {}
      slsh.config.verbose = 1
      io.stderr = { write = function(_, ...) -- luacheck: ignore 122
        for _, s in ipairs { ... } do got[#got + 1] = s end
      end }
      local ok, err = pcall(function()
        assert(credentials { env = env(h) }):get()
        -- a second client's provider of the same source says nothing more
        assert(credentials { env = env(h) }):get()
      end)
      slsh.config.verbose, io.stderr = saved_v, saved_err -- luacheck: ignore 122
      assert.is_true(ok, err)
      assert.equal("slsh: credentials: static from profile cur (AK) in " .. h
        .. "/.aliyun/config.json\n", table.concat(got))
    end)
  end)

  it("raises on misuse, naming the option", function()
    local function msg(f, ...)
      local ok, e = pcall(f, ...)
      assert.is_false(ok)
      return e
    end
    assert.matches("unknown option 'profil' %(valid: profile, access_key_id",
      msg(credentials, { profil = "x" }))
    assert.matches("option 'profile' must be a string, got number",
      msg(credentials, { profile = 1 }))
    assert.matches("expected a table of options", msg(credentials, "x"))
    assert.matches("give either a profile or access keys",
      msg(credentials, { profile = "p", access_key_id = "a", access_key_secret = "s3cr3t" }))
    assert.matches("access_key_id and access_key_secret go together",
      msg(credentials, { access_key_id = "a" }))
    assert.matches("field 'env' must map strings to strings",
      msg(credentials, { env = { HOME = 1 } }))
    clean(msg(credentials, { profile = "p", access_key_id = "a", access_key_secret = "s3cr3t" }))
  end)
end)

describe("credentials objects", function()
  it("expose id, source, expiration and has_token, and nothing else", function()
    local c = credentials.new { access_key_id = "STS.abc", access_key_secret = "s3cr3t",
      security_token = "t0k3n", expiration = 1729914398, source = "unit" }
    assert.is_true(credentials.is(c))
    assert.is_false(credentials.is({}))
    assert.equal("STS.abc", c.access_key_id)
    assert.equal("unit", c.source)
    assert.equal(1729914398, c.expiration)
    assert.is_true(c.has_token)
    assert.is_nil(c.access_key_secret)
    assert.is_nil(c.security_token)
    assert.equal("s3cr3t", c:secret())
    assert.equal("t0k3n", c:token())
    assert.has_error(function() c.access_key_id = "x" end)
  end)

  it("print as credentials(<source> <id> secret=*** token=*** expires <iso>)", function()
    local c = credentials.new { access_key_id = "STS.abc", access_key_secret = "s3cr3t",
      security_token = "t0k3n", expiration = 1729914398, source = "unit" }
    assert.equal("credentials(unit STS.abc secret=*** token=*** expires 2024-10-26T03:46:38Z)",
      tostring(c))
    local plain = credentials.new { access_key_id = "LTAI", access_key_secret = "s3cr3t" }
    assert.equal("credentials(explicit LTAI secret=***)", tostring(plain))
    assert.is_nil(plain.expiration)
    assert.is_false(plain.has_token)
  end)

  it("refuse bad fields at construction", function()
    assert.has_error(function() credentials.new { access_key_id = "a" } end,
      "field 'access_key_secret' is required (a string)")
    assert.has_error(function()
      credentials.new { access_key_id = "", access_key_secret = "s3cr3t" }
    end, "access_key_id must be a non-empty string")
    assert.has_error(function()
      credentials.new { access_key_id = "a", access_key_secret = "s3cr3t", expiration = "soon" }
    end)
    assert.has_error(function()
      credentials.new { access_key_id = "a", access_key_secret = "s3cr3t", colour = 1 }
    end)
  end)
end)

describe("answer parsers", function()
  local GOOD = '"AccessKeyId":"STS.id","AccessKeySecret":"s3cr3t","SecurityToken":"t0k3n",'
    .. '"Expiration":"2024-10-26T03:46:38Z"'

  it("read IMDS, URI and AssumeRole answers", function()
    local cases = {
      { credentials.parse_imds, '{"Code":"Success",' .. GOOD .. "}", "ecs_ram_role" },
      { credentials.parse_uri_response, '{"Code":"Success",' .. GOOD .. "}", "credentials_uri" },
      { credentials.parse_uri_response, "{" .. GOOD .. "}", "credentials_uri" },
      { credentials.parse_assume_role, '{"RequestId":"r","Credentials":{' .. GOOD .. "}}",
        "assume_role" },
    }
    for _, case in ipairs(cases) do
      local c = assert(case[1](case[2]))
      assert.equal("STS.id", c.access_key_id)
      assert.equal(1729914398, c.expiration)
      assert.equal(case[3], c.source)
      assert.equal("s3cr3t", c:secret())
      assert.equal("t0k3n", c:token())
    end
    local c = assert(credentials.parse_assume_role('{"Credentials":{' .. GOOD .. "}}",
      "assume_role acs:ram::1:role/x"))
    assert.equal("assume_role acs:ram::1:role/x", c.source)
  end)

  it("refuse a Code other than Success and missing fields", function()
    local cases = {
      { credentials.parse_imds, "{" .. GOOD .. "}", "Code", "field 'Code' is missing" },
      { credentials.parse_imds, '{"Code":"Failed",' .. GOOD .. "}", "Code",
        "ECS metadata answered Code 'Failed'" },
      { credentials.parse_uri_response, '{"Code":"Nope",' .. GOOD .. "}", "Code",
        "credentials URI answered Code 'Nope'" },
      { credentials.parse_uri_response, '{"AccessKeyId":"a","AccessKeySecret":"s3cr3t",'
        .. '"SecurityToken":"t0k3n"}', "Expiration", "field 'Expiration' is missing" },
      { credentials.parse_assume_role, '{"Code":"NoPermission","Message":"denied"}', "Code",
        "STS AssumeRole answered Code 'NoPermission': denied" },
      { credentials.parse_assume_role, '{"Code":"SignatureDoesNotMatch","Message":'
        .. '"server string to sign is:GET&SecurityToken%3Dt0k3n"}', "Code",
        "answered Code 'SignatureDoesNotMatch'" },
      { credentials.parse_assume_role, '{"Credentials":{"AccessKeyId":"a",'
        .. '"AccessKeySecret":"s3cr3t","SecurityToken":"t0k3n"}}',
        "Credentials.Expiration", "field 'Credentials.Expiration' is missing" },
      { credentials.parse_imds, '{"AccessKeySecret":"s3cr3t', nil, "invalid JSON at byte" },
    }
    for _, case in ipairs(cases) do
      local c, err = case[1](case[2])
      assert.is_nil(c)
      assert.is_true(errs.is(err))
      assert.equal("bad_response", err.code)
      assert.equal(case[3], err.field)
      assert.matches(case[4], err.message, 1, true)
      shows_no_secret(err)
    end
  end)

  it("converts times and decides refreshes", function()
    assert.equal(1729914398, credentials.parse_time("2024-10-26T03:46:38Z"))
    assert.equal("2024-10-26T03:46:38Z", credentials.format_time(1729914398))
    local t, err = credentials.parse_time("2024-10-26 03:46:38")
    assert.is_nil(t)
    assert.equal("invalid_argument", err.code)
    assert.is_false(credentials.needs_refresh(nil, 100, 10))
    assert.is_false(credentials.needs_refresh(1000, 989, 10))
    assert.is_true(credentials.needs_refresh(1000, 990, 10))
  end)
end)

describe("the provider", function()
  local home = home_with()
  local saved_fetchers

  before_each(function()
    saved_fetchers = credentials.fetchers
    credentials.fetchers = {}
  end)
  after_each(function()
    credentials.fetchers = saved_fetchers
  end)

  -- A clock the test moves.
  local function clock(start)
    local c = { now = start }
    c.fn = function() return c.now end
    return c
  end

  -- A fetcher returning credentials that expire `life` seconds after the
  -- clock's time; counts its calls; fails while `fail` is set.
  local function fake(clk, life, kind)
    local f = { calls = 0 }
    f.fn = function(spec, source)
      f.calls = f.calls + 1
      f.spec, f.source = spec, source
      if f.fail then
        return nil, errs.new { code = "timeout", message = "fake " .. kind .. " timed out" }
      end
      return credentials.new { access_key_id = "STS." .. kind .. f.calls,
        access_key_secret = "s3cr3t", security_token = "t0k3n",
        expiration = clk.now + life, source = kind }
    end
    return f
  end

  it("returns static credentials as resolved, every time", function()
    local p = assert(credentials { access_key_id = "A", access_key_secret = "s3cr3t" })
    assert.equal("static", p.kind)
    assert.equal(p:get(), p:get())
  end)

  it("caches ECS credentials and refreshes them 15 minutes ahead", function()
    local clk = clock(1000000)
    local f = fake(clk, 6 * 3600, "ecs")
    credentials.fetchers.ecs_ram_role = f.fn
    local p = assert(credentials { env = env(home, { ALIBABA_CLOUD_ECS_METADATA = "myrole",
      ALIBABA_CLOUD_IMDSV1_DISABLED = "true" }), clock = clk.fn })
    local c1 = assert(p:get())
    assert.equal("STS.ecs1", c1.access_key_id)
    assert.equal("myrole", f.spec.role_name)
    assert.is_true(f.spec.imdsv1_disabled)
    assert.is_nil(f.source)
    clk.now = clk.now + 6 * 3600 - 15 * 60 - 1
    assert.equal(c1, p:get())
    assert.equal(1, f.calls)
    clk.now = clk.now + 1
    local c2 = assert(p:get())
    assert.equal("STS.ecs2", c2.access_key_id)
    assert.equal(2, f.calls)
  end)

  it("refreshes URI credentials with 180 s left", function()
    local clk = clock(5000)
    local f = fake(clk, 3600, "uri")
    credentials.fetchers.credentials_uri = f.fn
    local p = assert(credentials { env = env(home, { [NOECS] = "1",
      ALIBABA_CLOUD_CREDENTIALS_URI = "http://127.0.0.1:9/c" }), clock = clk.fn })
    assert(p:get())
    clk.now = 5000 + 3600 - 181
    p:get()
    assert.equal(1, f.calls)
    clk.now = clk.now + 1
    p:get()
    assert.equal(2, f.calls)
  end)

  it("never uses a margin above half the lifetime", function()
    local clk = clock(0)
    local f = fake(clk, 1000, "ecs")            -- 1000 s life < 2 * 15 min
    credentials.fetchers.ecs_ram_role = f.fn
    local p = assert(credentials { env = env(home), clock = clk.fn })
    p:get()
    clk.now = 499
    p:get()
    assert.equal(1, f.calls)
    clk.now = 500
    p:get()
    assert.equal(2, f.calls)
  end)

  it("keeps still-valid credentials when a refresh fails, until they expire", function()
    local clk = clock(0)
    local f = fake(clk, 3600, "ecs")
    credentials.fetchers.ecs_ram_role = f.fn
    local p = assert(credentials { env = env(home), clock = clk.fn })
    local c1 = assert(p:get())
    f.fail = true
    clk.now = 3600 - 60
    assert.equal(c1, p:get())
    assert.equal("timeout", p.last_error.code)
    clk.now = 3600
    local c, err = p:get()
    assert.is_nil(c)
    assert.equal("timeout", err.code)
    f.fail = false
    assert.equal("STS.ecs4", p:get().access_key_id)
    assert.is_nil(p.last_error)
  end)

  it("falls back from ECS to the URI and remembers the one that worked", function()
    local clk = clock(0)
    local ecs, uri = fake(clk, 3600, "ecs"), fake(clk, 3600, "uri")
    ecs.fail = true
    credentials.fetchers.ecs_ram_role = ecs.fn
    credentials.fetchers.credentials_uri = uri.fn
    local p = assert(credentials { env = env(home, {
      ALIBABA_CLOUD_CREDENTIALS_URI = "http://127.0.0.1:9/c" }), clock = clk.fn })
    assert.equal("STS.uri1", p:get().access_key_id)
    clk.now = 3600
    assert.equal("STS.uri2", p:get().access_key_id)
    assert.equal(1, ecs.calls)
  end)

  it("says credentials_missing, with every place, when the chain's end fails", function()
    local clk = clock(0)
    local ecs = fake(clk, 3600, "ecs")
    ecs.fail = true
    credentials.fetchers.ecs_ram_role = ecs.fn
    local p = assert(credentials { env = env(home), clock = clk.fn })
    local c, err = p:get()
    assert.is_nil(c)
    assert.equal("credentials_missing", err.code)
    assert.equal("env: ALIBABA_CLOUD_ACCESS_KEY_ID not set", err.looked[1])
    assert.equal("ECS instance metadata: fake ecs timed out", err.looked[#err.looked])
    assert.matches("; ECS instance metadata: fake ecs timed out)", err.message, 1, true)
    shows_no_secret(err)
  end)

  it("returns a configured source's own error", function()
    local clk = clock(0)
    local ecs = fake(clk, 3600, "ecs")
    ecs.fail = true
    credentials.fetchers.ecs_ram_role = ecs.fn
    local h = home_with { [".aliyun/config.json"] =
      config("e", '{"name":"e","mode":"EcsRamRole","ram_role_name":"r"}') }
    local c, err = assert(credentials { env = env(h), clock = clk.fn }):get()
    assert.is_nil(c)
    assert.equal("timeout", err.code)
  end)

  it("says credentials_unavailable when no fetcher is registered", function()
    local h = home_with { [".aliyun/config.json"] = config("r", '{"name":"r","mode":"RamRoleArn",'
      .. '"access_key_id":"K","access_key_secret":"s3cr3t","ram_role_arn":"acs:ram::1:role/x"}') }
    -- slsh.sts registers the real AssumeRole fetcher: take it away here.
    local saved_mod, saved_fn = credentials.fetcher_modules.ram_role_arn,
                                credentials.fetchers.ram_role_arn
    credentials.fetcher_modules.ram_role_arn, credentials.fetchers.ram_role_arn = nil, nil
    local p = assert(credentials { env = env(h) })
    local c, err = p:get()
    credentials.fetcher_modules.ram_role_arn = saved_mod
    credentials.fetchers.ram_role_arn = saved_fn
    assert.is_nil(c)
    assert.equal("credentials_unavailable", err.code)
    assert.matches("ram_role_arn credentials %(profile r %(RamRoleArn%) in .*%) cannot be fetched",
      err.message)
    shows_no_secret(err)
  end)

  it("gives an AssumeRole fetcher the spec and a provider of its source", function()
    local clk = clock(0)
    local ecs = fake(clk, 7200, "ecs")
    local seen = {}
    credentials.fetchers.ecs_ram_role = ecs.fn
    credentials.fetchers.ram_role_arn = function(spec, source)
      local signer = assert(source:get())
      seen[#seen + 1] = signer.access_key_id
      return credentials.new { access_key_id = "STS.role" .. #seen, access_key_secret = "s3cr3t",
        security_token = "t0k3n", expiration = clk.now + 3600,
        source = "assume_role " .. spec.role_arn }
    end
    local h = home_with { [".aliyun/config.json"] = config("outer",
      '{"name":"outer","mode":"ChainableRamRoleArn","source_profile":"inner",'
        .. '"ram_role_arn":"acs:ram::1:role/outer"}',
      '{"name":"inner","mode":"RamRoleArnWithRoleName","ram_role_name":"node",'
        .. '"ram_role_arn":"acs:ram::1:role/inner"}') }
    local p = assert(credentials { env = env(h), clock = clk.fn })
    local c = assert(p:get())
    assert.equal("assume_role acs:ram::1:role/outer", c.source)
    assert.same({ "STS.ecs1", "STS.role1" }, seen)
    clk.now = 3600 - 180
    assert.equal("STS.role4", p:get().access_key_id)   -- both roles again, ECS cached
    assert.same({ "STS.ecs1", "STS.role1", "STS.ecs1", "STS.role3" }, seen)
    assert.equal(1, ecs.calls)
    p:invalidate()
    p:get()
    assert.equal(2, ecs.calls)
  end)

  it("lets one provider carry its own fetch function", function()
    local clk = clock(0)
    local p = assert(credentials { env = env(home), clock = clk.fn })
    local kinds = {}
    p.fetch = function(spec)
      kinds[#kinds + 1] = spec.kind
      return credentials.new { access_key_id = "OWN", access_key_secret = "s3cr3t" }
    end
    assert.equal("OWN", p:get().access_key_id)
    assert.same({ "ecs_ram_role" }, kinds)
  end)

  it("raises when a fetcher returns something that is not credentials", function()
    credentials.fetchers.ecs_ram_role = function() return { access_key_id = "x" } end
    local p = assert(credentials { env = env(home) })
    assert.has_error(function() p:get() end,
      "slsh.credentials: the ecs_ram_role fetcher returned a table, not credentials")
  end)

  it("never shows a secret, whatever is printed", function()
    local clk = clock(0)
    credentials.fetchers.ecs_ram_role = fake(clk, 3600, "ecs").fn
    local h = home_with {
      [".aliyun/config.json"] = config("p", '{"name":"p","mode":"RamRoleArn",'
        .. '"access_key_id":"K","access_key_secret":"s3cr3t","sts_token":"t0k3n",'
        .. '"ram_role_arn":"acs:ram::1:role/x"}', ak_profile("ak", "AK")),
    }
    local ecs = assert(credentials { env = env(home), clock = clk.fn })
    local cred = assert(ecs:get())
    local role = assert(credentials { env = env(h) })
    local ak = assert(credentials { profile = "ak", env = env(h) })
    local explicit = assert(credentials { access_key_id = "X", access_key_secret = "s3cr3t",
      security_token = "t0k3n" })
    for _, v in ipairs { cred, ecs, role, role.spec, role.spec.source,
                         role.spec.source.credentials, ak, ak:get(), explicit, explicit:get() } do
      shows_no_secret(v)
    end
    assert.equal("credentials provider (ram_role_arn: profile p (RamRoleArn) in " .. h
      .. "/.aliyun/config.json)", tostring(role))
    local _, e1 = role:get()
    local ok, e3 = pcall(credentials, { profile = "p", access_key_id = "a",
      access_key_secret = "s3cr3t" })
    assert.is_false(ok)
    local _, e4 = credentials.parse_imds('{"Code":"Success","AccessKeySecret":"s3cr3t"}')
    local _, e5 = credentials { env = env(home, { ALICLOUD_SECRET_KEY = "s3cr3t" }) }
    for _, e in ipairs { e1, e4, e5 } do shows_no_secret(e) end
    clean(e3)
  end)
end)
