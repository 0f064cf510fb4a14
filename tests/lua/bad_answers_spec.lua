-- The clients against answers the services should never give, from the
-- scripted server tests/support/malformed_server.py over real HTTP. SLS:
-- no write may follow a read that is not a complete, well-typed logstore;
-- a write that was accepted but cannot be verified says so (unverified,
-- with the request id of the write); a write whose connection died is not
-- sent again. RAM and KMS: an answer without the member a helper reads is
-- bad_response, never a nil indexed later.
local emulator = require "emulator"
local cloud = require "cloud"
local json = slsh.json

local P, LS = "slsh-test-project", "app"
local PATH = "/logstores/" .. LS

local function good(extra)
  local ls = cloud.logstore(LS)
  for k, v in pairs(extra or {}) do ls[k] = v end
  return ls
end

local function without(key)
  local ls = good()
  ls[key] = nil
  return ls
end

describe("slsh.sls with malformed answers", function()
  local srv, http, creds

  local function control(method, path, body)
    local r = assert(http:request { method = method, url = srv.url .. path,
                                    body = body and json.encode(body) or nil })
    assert.equal(200, r.status, r.body)
    return json.decode(r.body)
  end

  -- Script the answers, in order; each `{method, path, ...}` short form
  -- becomes {match = {method =, path =}, ...}.
  local function script(answers)
    local list = json.array {}
    for i, a in ipairs(answers) do
      local e = { match = { method = a[1], path = a[2] } }
      for k, v in pairs(a) do
        if type(k) == "string" then e[k] = v end
      end
      list[i] = e
    end
    control("POST", "/__reset")
    control("PUT", "/__script", { answers = list })
  end

  local function requests(method)
    local n, all = 0, control("GET", "/__log")
    for _, r in ipairs(all) do
      if method == nil or r.method == method then n = n + 1 end
    end
    return n, all
  end

  local function sls(extra)
    local o = { credentials = creds, connect_to = srv.url, region = "cn-hangzhou",
                retries = 0 }
    for k, v in pairs(extra or {}) do o[k] = v end
    return slsh.sls.client(o)
  end

  setup(function()
    srv = emulator.start {
      command = "python3 '" .. (os.getenv("SLSH_SOURCE_DIR") or ".")
                .. "/tests/support/malformed_server.py'",
    }
    http = slsh.http.client {}
    creds = slsh.credentials { access_key_id = cloud.AK.id,
                               access_key_secret = cloud.AK.secret }
  end)

  teardown(function()
    http:close()
    srv.stop()
  end)

  -- The writers that start from a read of the logstore.
  local byok = cloud.byok()
  local writers = {
    ["set_encryption via update"] = function(c) return c:set_encryption(P, LS, byok) end,
    ["set_encryption via encryption_api"] = function(c)
      return c:set_encryption(P, LS, byok, { via = "encryption_api" })
    end,
    ["update_logstore"] = function(c) return c:update_logstore(P, LS, { ttl = 120 }) end,
  }

  -- Each bad read: the answer, and the field the error must name.
  local bad_reads = {
    { "a field missing (shardCount)", { json = without("shardCount") }, "shardCount" },
    { "a field missing (ttl)", { json = without("ttl") }, "ttl" },
    { "ttl a string", { json = good { ttl = "90" } }, "ttl", "got the string '90'" },
    { "ttl negative", { json = good { ttl = -1 } }, "ttl", "out of range" },
    { "a 200 whose body is an error object",
      { json = { errorCode = "InternalServerError", errorMessage = "oops" } }, "errorCode",
      "error object" },
    { "another logstore's name", { json = good { logstoreName = "other" } }, "logstoreName",
      "'other', but 'app' was asked for" },
    { "encrypt_conf a list", { json = good { encrypt_conf = json.array { 1 } } },
      "encrypt_conf", "must be an object" },
    { "encrypt_conf a string", { json = good { encrypt_conf = "default" } }, "encrypt_conf",
      "got the string 'default'" },
    { "enable a string",
      { json = good { encrypt_conf = { enable = "true", encrypt_type = "default" } } },
      "encrypt_conf.enable", "must be a boolean" },
    { "user_cmk_info a list",
      { json = good { encrypt_conf = { enable = false, encrypt_type = "default",
                                       user_cmk_info = json.array {} } } },
      "encrypt_conf.user_cmk_info", "must be an object" },
    { "null", { body = "null" }, "logstore", "got null" },
    { "not JSON at all", { body = "{\"logstoreName\":\"app\",\"ttl\":" }, nil, "not valid JSON" },
  }

  for wname, write in pairs(writers) do
    for _, case in ipairs(bad_reads) do
      local name, answer, field, words = case[1], case[2], case[3], case[4]
      it(wname .. " refuses " .. name .. " and writes nothing", function()
        local a = { "GET", PATH }
        for k, v in pairs(answer) do a[k] = v end
        script { a, { "PUT", PATH }, { "PUT", PATH .. "/encryption" } }
        local r, err = write(sls { retries = 2 })
        assert.is_nil(r)
        assert.equal("bad_response", err.code)
        assert.equal(field, err.field)
        if words then assert.matches(words, err.message, 1, true) end
        assert.equal("req-1", err.request_id)
        assert.equal(0, requests("PUT"))
        assert.equal(1, requests("GET")) -- a bad answer is not asked again
      end)
    end

    it(wname .. " refuses a 50 MB answer without parsing it, and writes nothing", function()
      script { { "GET", PATH, size = 50 * 1024 * 1024 }, { "PUT", PATH } }
      local r, err = write(sls { retries = 2 })
      assert.is_nil(r)
      assert.equal("too_large", err.code)
      assert.matches("larger than", err.message)
      assert.equal(0, requests("PUT"))
    end)
  end

  describe("a list answer", function()
    local pages = {
      { "a 200 error object", { errorCode = "InternalServerError" }, "count" },
      { "total a string", { count = 1, total = "1", logstores = { "app" } }, "total" },
      { "logstores not a list", { count = 1, total = 1, logstores = "app" }, "logstores" },
      { "a name that is not one", { count = 2, total = 2, logstores = { "app", "Bad Name" } },
        "logstores[2]" },
      { "a name that is not a string", { count = 1, total = 1, logstores = { 7 } },
        "logstores[1]" },
    }
    for _, case in ipairs(pages) do
      it("refuses " .. case[1] .. " instead of listing less", function()
        script { { "GET", "/logstores", json = case[2] } }
        local r, err = sls():list_logstores(P)
        assert.is_nil(r)
        assert.equal("bad_response", err.code)
        assert.equal(case[3], err.field)
        -- the iterator raises it: a loop that simply ended would look complete
        script { { "GET", "/logstores", json = case[2] } }
        local ok, raised = pcall(function() for _ in sls():logstores(P) do end end)
        assert.is_false(ok)
        assert.equal("bad_response", raised.code)
      end)
    end

    it("refuses a project page whose item has no projectName", function()
      script { { "GET", "/", json = { count = 1, total = 1, projects = { { region = "x" } } } } }
      local _, err = sls():list_projects {}
      assert.equal("bad_response", err.code)
      assert.equal("projects[1]", err.field)
    end)

    it("takes a well-formed page, empty lists included", function()
      script { { "GET", "/logstores", json = { count = 0, total = 0, logstores = {} } } }
      assert.equal(0, assert(sls():list_logstores(P)).total)
    end)
  end)

  it("a caller's own max_body bounds an answer too", function()
    script { { "GET", PATH, json = good() } }
    local _, err = sls { max_body = 100 }:get_logstore(P, LS)
    assert.equal("too_large", err.code)
  end)

  it("reads a well-formed answer (the scripted server is not always refused)", function()
    script { { "GET", PATH, json = good { encrypt_conf = json.null } } }
    local ls = assert(sls():get_logstore(P, LS))
    assert.equal(90, ls.ttl)
  end)

  describe("a dropped connection", function()
    it("after a PUT: the PUT is not sent again", function()
      script { { "GET", PATH, json = good() }, { "PUT", PATH, drop = true },
               { "PUT", PATH }, { "GET", PATH, json = good { ttl = 120 } } }
      local r, err = sls { retries = 3 }:update_logstore(P, LS, { ttl = 120 })
      assert.is_nil(r)
      assert.equal("network", err.code)
      assert.matches("may have been carried out and was not sent again", err.message, 1, true)
      assert.equal(1, requests("PUT"))
      assert.equal(1, err.attempts)
      assert.is_true(err.maybe_written)
    end)

    it("after the PUT of the encryption API: not sent again either", function()
      script { { "GET", PATH, json = good() }, { "PUT", PATH .. "/encryption", drop = true },
               { "PUT", PATH .. "/encryption" } }
      local _, err = sls { retries = 3 }:set_encryption(P, LS, byok, { via = "encryption_api" })
      assert.equal("network", err.code)
      assert.equal(1, requests("PUT"))
    end)

    it("after a GET: the GET is sent again", function()
      script { { "GET", PATH, drop = true }, { "GET", PATH, json = good() },
               { "PUT", PATH }, { "GET", PATH, json = good { ttl = 120 } } }
      local r = assert(sls { retries = 3 }:update_logstore(P, LS, { ttl = 120 }))
      assert.equal(120, r.config.ttl)
      assert.equal(1, requests("PUT"))
      assert.equal(3, requests("GET"))
    end)
  end)

  describe("the read-back", function()
    local function put_ok()
      return { "PUT", PATH, status = 200, body = "" }
    end

    it("with ttl -1 after update_logstore{ttl=60}: unverified, with the PUT's request id",
      function()
        script { { "GET", PATH, json = good { ttl = 30, hot_ttl = 7 } }, put_ok(),
                 { "GET", PATH, json = good { ttl = -1, hot_ttl = 7 } } }
        local r, err = sls():update_logstore(P, LS, { ttl = 60 })
        assert.is_nil(r)
        assert.equal("unverified", err.code)
        assert.is_true(err.written)
        assert.equal("req-2", err.request_id)
        assert.equal("bad_response", err.cause.code)
        assert.equal("ttl", err.cause.field)
        assert.matches("written (request req-2) but not verified: bad_response", err.message,
                       1, true)
        assert.equal(1, requests("PUT"))
      end)

    it("without ttl: unverified", function()
      script { { "GET", PATH, json = good { ttl = 30, hot_ttl = 7 } }, put_ok(),
               { "GET", PATH, json = without("ttl") } }
      local _, err = sls():update_logstore(P, LS, { ttl = 60 })
      assert.equal("unverified", err.code)
      assert.equal("ttl", err.cause.field)
    end)

    it("with the old ttl: drift, written, naming the field", function()
      script { { "GET", PATH, json = good { ttl = 30, hot_ttl = 7 } }, put_ok(),
               { "GET", PATH, json = good { ttl = 30, hot_ttl = 7 } } }
      local _, err = sls():update_logstore(P, LS, { ttl = 60 })
      assert.equal("drift", err.code)
      assert.equal("ttl", err.field)
      assert.is_true(err.written)
      assert.equal("req-2", err.request_id)
      assert.matches("has ttl 30 where 60 was written", err.message, 1, true)
    end)

    it("that keeps failing (503 until retries ran out): unverified, cause kept", function()
      script { { "GET", PATH, json = good() }, put_ok(),
               { "GET", PATH, status = 503, json = { errorCode = "ServerBusy",
                                                     errorMessage = "busy" } },
               { "GET", PATH, status = 503, json = { errorCode = "ServerBusy",
                                                     errorMessage = "busy" } } }
      local _, err = sls { retries = 1 }:set_encryption(P, LS, byok)
      assert.equal("unverified", err.code)
      assert.is_true(err.written)
      assert.equal("req-2", err.request_id)
      assert.equal("ServerBusy", err.cause.code)
      assert.equal(2, err.cause.attempts)
      assert.equal("UpdateLogStore", err.action)
    end)

    it("of the encryption API without the conf written: drift on encrypt_conf", function()
      script { { "GET", PATH, json = good() }, { "PUT", PATH .. "/encryption", body = "" },
               { "GET", PATH, json = good() } }
      local _, err = sls():set_encryption(P, LS, byok, { via = "encryption_api" })
      assert.equal("drift", err.code)
      assert.equal("encrypt_conf", err.field)
      assert.equal("UpdateLogStoreEncryption", err.action)
      assert.is_true(err.written)
    end)

    it("of the encryption API that is not a logstore: unverified", function()
      script { { "GET", PATH, json = good() }, { "PUT", PATH .. "/encryption", body = "" },
               { "GET", PATH, json = good { encrypt_conf = "x" } } }
      local _, err = sls():set_encryption(P, LS, byok, { via = "encryption_api" })
      assert.equal("unverified", err.code)
      assert.equal("UpdateLogStoreEncryption", err.action)
      assert.equal("encrypt_conf", err.cause.field)
    end)

    it("a read-only field among the changes is not looked for in the read-back", function()
      script { { "GET", PATH, json = good() }, put_ok(),
               { "GET", PATH, json = good { ttl = 120, createTime = 1800000000 } } }
      local r = assert(sls():update_logstore(P, LS, { ttl = 120, createTime = 1700000000 }))
      assert.equal(120, r.config.ttl)
      local _, log = requests("PUT")
      for _, q in ipairs(log) do
        if q.method == "PUT" then assert.is_nil(json.decode(q.body).createTime) end
      end
    end)

    it("verified: the result as before", function()
      local after = good { encrypt_conf = byok }
      script { { "GET", PATH, json = good() }, put_ok(), { "GET", PATH, json = after } }
      local r = assert(sls():set_encryption(P, LS, byok))
      assert.equal("encrypted", r.action)
      assert.same({}, r.drift)
    end)
  end)

  describe("RAM and KMS answers", function()
    local function rpc(kind)
      return slsh[kind].client { credentials = creds, connect_to = srv.url,
                                 region = kind == "kms" and "cn-hangzhou" or nil, retries = 0 }
    end

    it("GetRole without Role: bad_response, and check_byok_role says so", function()
      script { { "POST", "/", json = { RequestId = "r1" } },
               { "POST", "/", json = { RequestId = "r2" } } }
      local role, err = rpc("ram"):get_role("slsh-byok-role")
      assert.is_nil(role)
      assert.equal("bad_response", err.code)
      assert.equal("Role", err.field)
      local state, serr = rpc("ram"):check_byok_role("slsh-byok-role")
      assert.is_nil(state)
      assert.equal("bad_response", serr.code)
    end)

    it("a policy list that is not a list: bad_response", function()
      script { { "POST", "/", json = { Policies = { Policy = "AliyunKMSReadOnlyAccess" } } } }
      local _, err = rpc("ram"):list_policies_for_role("slsh-byok-role")
      assert.equal("bad_response", err.code)
      assert.equal("Policies.Policy", err.field)
    end)

    it("a truncated role page without a Marker raises from the iterator", function()
      script { { "POST", "/", json = { IsTruncated = true,
                                       Roles = { Role = { { RoleName = "a" } } } } } }
      local ok, raised = pcall(function() for _ in rpc("ram"):roles() do end end)
      assert.is_false(ok)
      assert.equal("Marker", raised.field)
    end)

    it("DescribeKey without KeyMetadata: key_health fails cleanly", function()
      script { { "POST", "/", json = { RequestId = "r1" } } }
      local h, err = rpc("kms"):key_health(cloud.KEY)
      assert.is_nil(h)
      assert.equal("bad_response", err.code)
      assert.equal("KeyMetadata", err.field)
    end)

    it("GetCallerIdentity without AccountId: bad_response", function()
      script { { "POST", "/", json = { Arn = "acs:ram::1:root", AccountId = 1 } } }
      local id, err = rpc("sts"):caller_identity()
      assert.is_nil(id)
      assert.equal("AccountId", err.field)
    end)

    it("a key page without TotalCount raises from the iterator", function()
      script { { "POST", "/", json = { Keys = { Key = { { KeyId = cloud.KEY } } } } } }
      local ok, raised = pcall(function() for _ in rpc("kms"):keys() do end end)
      assert.is_false(ok)
      assert.equal("TotalCount", raised.field)
    end)
  end)

  it("a retried create meets a logstore that cannot be read: the create's error, with the cause",
    function()
      script { { "POST", "/logstores", status = 503, json = { errorCode = "ServerBusy" } },
               { "POST", "/logstores", status = 400,
                 json = { errorCode = "LogStoreAlreadyExist", errorMessage = "exists" } },
               { "GET", PATH, json = good { ttl = "7" } } }
      local ok, err = sls { retries = 1 }:create_logstore(P, { logstoreName = LS, ttl = 7,
                                                               shardCount = 1 })
      assert.is_nil(ok)
      assert.equal("LogStoreAlreadyExist", err.code)
      assert.equal("bad_response", err.cause.code)
    end)

  it("a retried create meets another logstore of the name: not taken as its own", function()
    script { { "POST", "/logstores", status = 503, json = { errorCode = "ServerBusy" } },
             { "POST", "/logstores", status = 400,
               json = { errorCode = "LogStoreAlreadyExist", errorMessage = "exists" } },
             { "GET", PATH, json = good { ttl = 30, shardCount = 1 } } }
    local ok, err = sls { retries = 1 }:create_logstore(P, { logstoreName = LS, ttl = 7,
                                                             shardCount = 1, appendMeta = true })
    assert.is_nil(ok)
    assert.equal("LogStoreAlreadyExist", err.code)
  end)
end)
