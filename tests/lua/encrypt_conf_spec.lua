-- slsh.encrypt_conf: the encryption rules of a logstore, through Lua.
local ec = require "slsh.encrypt_conf"
local json = require "slsh.json"

local ARN_A = "acs:ram::1234567890123456:role/aliyunlogdefaultrole"
local ARN_B = "acs:ram::1234567890123456:role/other-role"
local KEY_A = "key-hzz62f1cb66fa42qo0000"
local KEY_B = "1234abcd-12ab-34cd-56ef-1234567890ab"
local TYPES = "valid values: default (AES), m4, sm4, sm4_ecb, sm4_cbc, sm4_gcm, "
  .. "aes_ecb, aes_cbc, aes_cfb, aes_ofb, aes_gcm"
local PERM = "the first encryption choice is permanent: only enable can change"
local RULE_A = "acs:ram::<account id>:role/<role name>"
local RULE_R = "a region id such as cn-hangzhou"
local RULE_K = "a KMS key id"
local HUGE = string.rep("a", 1 << 20)

local function sk(t, on) return { enable = on, encrypt_type = t } end
local function byok(key, arn, region, t, on)
  return { enable = on, encrypt_type = t,
           user_cmk_info = { cmk_key_id = key, arn = arn, region_id = region } }
end
local function byok_a(on) return byok(KEY_A, ARN_A, "cn-hangzhou", "default", on) end
local function byok_b(on) return byok(KEY_B, ARN_A, "cn-hangzhou", "default", on) end
local function cmk(k, a, r)
  return { enable = true, encrypt_type = "default",
           user_cmk_info = { cmk_key_id = k, arn = a, region_id = r } }
end
local function arn(a) return cmk(KEY_A, a, "cn-hangzhou") end
local function region(r) return cmk(KEY_A, ARN_A, r) end
local function key(k) return cmk(k, ARN_A, "cn-hangzhou") end

-- Assert `err` is an error object with this code, field and words.
local function assert_err(err, code, field, m1, m2)
  assert.is_true(slsh.err.is(err), "not an error object: " .. tostring(err))
  assert.equal(code, err.code, tostring(err))
  if field then assert.equal(field, err.field, tostring(err)) end
  for _, m in ipairs { m1, m2 } do
    if m and not err.message:find(m, 1, true) then
      error(("message lacks '%s': %s"):format(m, err.message), 2)
    end
  end
end

local F_CMK = "encrypt_conf.user_cmk_info"
local F_ARN, F_KEY, F_REG = F_CMK .. ".arn", F_CMK .. ".cmk_key_id", F_CMK .. ".region_id"
local F_TYPE, F_EN = "encrypt_conf.encrypt_type", "encrypt_conf.enable"

local bad_docs = {
  { "an array instead of an object", json.array(), "encrypt_conf", "got an array" },
  { "an array of a conf", { sk("default", true) }, "encrypt_conf", "got an array",
    "enable, encrypt_type" },
  { "enable missing", { encrypt_type = "default" }, F_EN, "is required", "true or false" },
  { "an empty table", {}, F_EN, "is required" },
  { "enable as string \"true\"", { enable = "true", encrypt_type = "default" }, F_EN,
    "must be a boolean (true or false)", "got the string 'true'" },
  { "enable as 1", { enable = 1, encrypt_type = "default" }, F_EN, "got the integer 1" },
  { "enable as json.null", { enable = json.null }, F_EN, "got null" },
  { "enable as a table", { enable = { on = true } }, F_EN, "got an object" },
  { "encrypt_type missing while enabled", { enable = true }, F_TYPE,
    "required when enable is true", TYPES },
  { "encrypt_type unknown", sk("aes", true), F_TYPE, "'aes' is not a valid algorithm", TYPES },
  { "encrypt_type upper case", sk("AES_GCM", true), F_TYPE, "did you mean 'aes_gcm'?", TYPES },
  { "encrypt_type with a dash", sk("sm4-cbc", true), F_TYPE, "did you mean 'sm4_cbc'?" },
  { "encrypt_type empty", sk("", true), F_TYPE, "must not be empty", TYPES },
  { "encrypt_type a number", { enable = true, encrypt_type = 4 }, F_TYPE, "must be a string",
    "got the integer 4" },
  { "encrypt_type a float", { enable = true, encrypt_type = 4.5 }, F_TYPE, "must be a string" },
  { "encrypt_type a list", { enable = true, encrypt_type = { "default" } }, F_TYPE,
    "got an array" },
  { "encrypt_type 1 MB", sk(HUGE, true), F_TYPE, "1048576 bytes long; at most 32", TYPES },
  { "encrypt_type not UTF-8", sk("def\255ault", true), F_TYPE, "UTF-8" },
  { "typo encrypt_typ", { enable = true, encrypt_typ = "default" }, "encrypt_conf.encrypt_typ",
    "unknown key 'encrypt_typ'", "did you mean 'encrypt_type'?" },
  { "camelCase key", { enable = true, encryptType = "default" }, "encrypt_conf.encryptType",
    "did you mean 'encrypt_type'?", "valid keys: enable, encrypt_type, user_cmk_info" },
  { "user_cmk_info a string", { enable = true, encrypt_type = "default", user_cmk_info = KEY_A },
    F_CMK, "must be an object: {} for the SLS service key", "got the string" },
  { "user_cmk_info a list", { enable = true, encrypt_type = "default",
                              user_cmk_info = { KEY_A, ARN_A } }, F_CMK, "got an array" },
  { "BYOK without arn", cmk(KEY_A, nil, "cn-hangzhou"), F_ARN, "is required for BYOK", RULE_A },
  { "BYOK without region_id", cmk(KEY_A, ARN_A, nil), F_REG, "is required for BYOK", RULE_R },
  { "BYOK without cmk_key_id", cmk(nil, ARN_A, "cn-hangzhou"), F_KEY, "is required for BYOK" },
  { "user_cmk_info extra key", { enable = true, encrypt_type = "default", user_cmk_info = {
      cmk_key_id = KEY_A, arn = ARN_A, region_id = "cn-hangzhou", role = "x" } },
    F_CMK .. ".role", "unknown key 'role'", "valid keys: cmk_key_id, arn, region_id" },
  { "cmk_key_id empty", key(""), F_KEY, "must not be empty", RULE_K },
  { "cmk_key_id a number", key(123), F_KEY, "must be a string", "got the integer 123" },
  { "cmk_key_id a table", key({ id = "x" }), F_KEY, "got an object" },
  { "cmk_key_id with a space", key("key 1"), F_KEY, "has the character ' ' at offset 3" },
  { "cmk_key_id 1 MB", key(HUGE), F_KEY, "1048576 bytes long; at most 128" },
  { "cmk_key_id not UTF-8", key("key-\192\128"), F_KEY, "UTF-8" },
  { "arn empty", arn(""), F_ARN, "must not be empty", RULE_A },
  { "arn a boolean", arn(true), F_ARN, "must be a string", "got a boolean" },
  { "arn of AWS", arn("arn:aws:iam::123:role/x"), F_ARN, "does not start with 'acs:ram::'",
    RULE_A },
  { "arn of another service", arn("acs:kms::123:role/x"), F_ARN, "names the service 'kms'" },
  { "arn with a region", arn("acs:ram:cn-hangzhou:123:role/x"), F_ARN, "has a region field" },
  { "arn with a letter uid", arn("acs:ram::12ab:role/x"), F_ARN, "not all digits" },
  { "arn with a wildcard uid", arn("acs:ram::*:role/x"), F_ARN, "not all digits" },
  { "arn without uid", arn("acs:ram:::role/x"), F_ARN, "has no account id" },
  { "arn of a user", arn("acs:ram::123:user/x"), F_ARN, "does not name a role" },
  { "arn with an empty role", arn("acs:ram::123:role/"), F_ARN, "has an empty role name" },
  { "arn with an underscore", arn("acs:ram::123:role/my_role"), F_ARN,
    "has the character '_' in the role name" },
  { "arn with a 65-char role", arn("acs:ram::123:role/" .. string.rep("r", 65)), F_ARN,
    "role name longer than 64" },
  { "arn 1 MB", arn(HUGE), F_ARN, "1048576 bytes long; at most 160" },
  { "region_id empty", region(""), F_REG, "must not be empty", RULE_R },
  { "region_id capitalised", region("Hangzhou"), F_REG, "two lower-case letters" },
  { "region_id with underscore", region("cn_hangzhou"), F_REG, "does not look like a region id" },
  { "region_id double dash", region("cn--hangzhou"), F_REG, "does not look like a region id" },
  { "region_id 1 MB", region(HUGE), F_REG, "1048576 bytes long; at most 64" },
  { "region_id not UTF-8", region("cn-\255"), F_REG, "UTF-8" },
  { "region_id with NUL", region("cn-hang\0zhou"), F_REG, "NUL byte at offset 7" },
}

describe("slsh.encrypt_conf.validate", function()
  for _, b in ipairs(bad_docs) do
    it("refuses " .. b[1], function()
      local ok, err = ec.validate(b[2])
      assert.is_nil(ok)
      assert_err(err, "invalid_encrypt_conf", b[3], b[4], b[5])
    end)
  end

  it("has at least 40 bad documents", function()
    assert.is_true(#bad_docs >= 40)
  end)

  it("accepts every valid document", function()
    local good = {
      sk("default", true), sk("default", false), { enable = false },
      { enable = true, encrypt_type = "sm4", user_cmk_info = json.object() },
      { enable = true, encrypt_type = "sm4", user_cmk_info = {} },
      byok_a(true), byok_a(false),
      byok(KEY_B, "acs:ram::1:role/AliyunLogDefaultRole.v2", "ap-southeast-1", "aes_gcm", true),
      byok("alias/my-key", ARN_A, "cn-hangzhou-finance", "m4", true),
    }
    for _, t in ipairs(ec.valid_types) do good[#good + 1] = sk(t, true) end
    for _, doc in ipairs(good) do
      assert.is_true(ec.validate(doc))
    end
  end)

  it("lists the eleven valid types", function()
    assert.same({ "default", "m4", "sm4", "sm4_ecb", "sm4_cbc", "sm4_gcm", "aes_ecb",
                  "aes_cbc", "aes_cfb", "aes_ofb", "aes_gcm" }, ec.valid_types)
  end)

  it("gives an error object that prints as one line", function()
    local _, err = ec.validate { enable = true, encrypt_type = "x" }
    assert.matches("^invalid_encrypt_conf: .*%(field encrypt_conf%.encrypt_type%)$",
                   tostring(err))
  end)

  it("raises on misuse", function()
    assert.has_error(function() ec.validate("default") end)
    assert.has_error(function() ec.validate() end)
    assert.has_error(function() ec.validate(json.null) end)
  end)

  it("returns nil, err for a value JSON cannot hold", function()
    local ok, err = ec.validate { enable = true, encrypt_type = print }
    assert.is_nil(ok)
    assert_err(err, "invalid_encrypt_conf", "encrypt_conf.encrypt_type")
  end)
end)

-- The transition matrix: {none, service key on/off, BYOK key A on/off} x
-- {same, toggle, other encrypt_type, other key, other mechanism}.
local states = {
  { "none", nil },
  { "service key on", sk("default", true) },
  { "service key off", sk("default", false) },
  { "BYOK key A on", byok_a(true) },
  { "BYOK key A off", byok_a(false) },
}
local ops = { "same", "toggle", "other encrypt_type", "other key", "other mechanism" }
local function ok(want, kind) return { want = want, kind = kind } end
local function no(want, code, field, m1, m2)
  return { want = want, code = code, field = field, m1 = m1, m2 = m2 }
end
local matrix = {
  { ok({ enable = false }, "noop"),
    no({ enable = true }, "invalid_encrypt_conf", F_TYPE, "required when enable is true"),
    ok(sk("sm4", true), "create"), ok(byok_b(true), "create"), ok(byok_a(true), "create") },
  { ok(sk("default", true), "noop"), ok(sk("default", false), "toggle"),
    no(sk("sm4", true), "encrypt_type_locked", F_TYPE,
       "encrypt_type is 'default' now and 'sm4' was asked", PERM),
    no(byok_b(true), "mechanism_locked", F_CMK,
       "uses the SLS service key and the request asks for BYOK with CMK '" .. KEY_B .. "'", PERM),
    no(byok_a(true), "mechanism_locked", F_CMK, "the encryption mechanism cannot change", PERM) },
  { ok(sk("default", false), "noop"), ok(sk("default", true), "toggle"),
    no(sk("aes_gcm", false), "encrypt_type_locked", F_TYPE, "'aes_gcm' was asked", PERM),
    no(byok_b(false), "mechanism_locked", F_CMK, "SLS service key", PERM),
    no(byok_a(true), "mechanism_locked", F_CMK, "SLS service key", PERM) },
  { ok(byok_a(true), "noop"), ok(byok_a(false), "toggle"),
    no(byok(KEY_A, ARN_A, "cn-hangzhou", "sm4", true), "encrypt_type_locked", F_TYPE,
       "'default' now and 'sm4' was asked", PERM),
    no(byok_b(true), "cmk_locked", F_KEY,
       "cmk_key_id is '" .. KEY_A .. "' now and '" .. KEY_B .. "' was asked", PERM),
    no(sk("default", true), "mechanism_locked", F_CMK,
       "uses BYOK with CMK '" .. KEY_A .. "' and the request asks for the SLS service key", PERM) },
  { ok(byok_a(false), "noop"), ok(byok_a(true), "toggle"),
    no(byok(KEY_A, ARN_A, "cn-hangzhou", "aes_cbc", false), "encrypt_type_locked", F_TYPE,
       "'aes_cbc' was asked", PERM),
    no(byok_b(false), "cmk_locked", F_KEY, "the CMK of this logstore cannot change", PERM),
    no(sk("default", false), "mechanism_locked", F_CMK,
       "the request asks for the SLS service key", PERM) },
}

local function check_cell(cur, c)
  local kind, err = ec.check_transition(cur, c.want)
  if c.kind then
    assert.is_nil(err, err and tostring(err))
    assert.equal(c.kind, kind)
  else
    assert.is_nil(kind)
    assert_err(err, c.code, c.field, c.m1, c.m2)
  end
end

describe("slsh.encrypt_conf.check_transition", function()
  for s, state in ipairs(states) do
    for o, op in ipairs(ops) do
      local c = matrix[s][o]
      it(("%s x %s: %s"):format(state[1], op, c.kind or ("refused " .. c.code)), function()
        check_cell(state[2], c)
      end)
    end
  end

  it("compares role names case-insensitively", function()
    check_cell(byok_a(true), ok(byok(KEY_A, "acs:ram::1234567890123456:role/AliyunLogDefaultRole",
                                     "cn-hangzhou", "default", true), "noop"))
  end)

  it("refuses another role or region of the CMK", function()
    check_cell(byok_a(true), no(byok(KEY_A, ARN_B, "cn-hangzhou", "default", true), "cmk_locked",
                                F_ARN, "arn is '" .. ARN_A .. "' now and '" .. ARN_B .. "'", PERM))
    check_cell(byok_a(true), no(byok(KEY_A, ARN_A, "cn-shanghai", "default", true), "cmk_locked",
                                F_REG, "region_id is 'cn-hangzhou' now and 'cn-shanghai'", PERM))
  end)

  it("refuses a toggle that omits encrypt_type or user_cmk_info", function()
    check_cell(sk("default", true), no({ enable = false }, "encrypt_type_locked", F_TYPE,
                                       "the request omits it", "complete current"))
    check_cell(byok_a(true), no(sk("default", false), "mechanism_locked", F_CMK, "BYOK with CMK"))
  end)

  it("treats json.null like no config", function()
    check_cell(json.null, ok(sk("m4", true), "create"))
  end)

  it("tolerates a service answer without enable", function()
    check_cell({ encrypt_type = "default", user_cmk_info = json.object() },
               ok(sk("default", true), "toggle"))
  end)

  it("treats an empty user_cmk_info as the service key", function()
    local cur = json.decode '{"enable":true,"encrypt_type":"default","user_cmk_info":{}}'
    check_cell(cur, no(byok_a(true), "mechanism_locked", F_CMK, "SLS service key", PERM))
    check_cell(cur, ok(ec.with_enable(cur, false), "toggle"))
  end)

  it("accepts an algorithm unknown here when the service reported it", function()
    check_cell({ enable = true, encrypt_type = "aes_xts" },
               ok({ enable = false, encrypt_type = "aes_xts" }, "toggle"))
    check_cell({ enable = true, encrypt_type = "aes_xts" },
               no({ enable = false, encrypt_type = "aes_xtz" }, "invalid_encrypt_conf", F_TYPE,
                  "not a valid algorithm", TYPES))
  end)

  it("raises on misuse", function()
    assert.has_error(function() ec.check_transition(nil, "x") end)
    assert.has_error(function() ec.check_transition("x", sk("default", true)) end)
    assert.has_error(function() ec.check_transition(nil, nil) end)
  end)
end)

describe("slsh.encrypt_conf.parse", function()
  it("reads what the service really returns", function()
    local cases = {
      { nil, { mechanism = "none", enable = false, enable_known = false } },
      { json.null, { mechanism = "none", enable = false, enable_known = false } },
      { json.decode '{"encrypt_type":"default","user_cmk_info":{}}',
        { mechanism = "service_key", enable = false, enable_known = false,
          encrypt_type = "default" } },
      { { enable = false }, { mechanism = "none", enable = false, enable_known = true } },
      { sk("sm4", true), { mechanism = "service_key", enable = true, enable_known = true,
                           encrypt_type = "sm4" } },
      { byok_a(false), { mechanism = "byok", enable = false, enable_known = true,
                         encrypt_type = "default", cmk_key_id = KEY_A, arn = ARN_A,
                         region_id = "cn-hangzhou" } },
      { { enable = true, encrypt_type = "default",
          user_cmk_info = { cmk_key_id = "", arn = "", region_id = "" } },
        { mechanism = "service_key", enable = true, enable_known = true,
          encrypt_type = "default" } },
      { { enable = true, user_cmk_info = {} },
        { mechanism = "none", enable = true, enable_known = true } },
      { { enable = true, encrypt_type = "future", future_key = 1 },
        { mechanism = "service_key", enable = true, enable_known = true,
          encrypt_type = "future" } },
    }
    for _, c in ipairs(cases) do
      assert.same(c[2], assert(ec.parse(c[1])))
    end
  end)

  it("refuses what cannot be read", function()
    local p, err = ec.parse { enable = "true" }
    assert.is_nil(p)
    assert_err(err, "invalid_encrypt_conf", F_EN, "must be a boolean")
    p, err = ec.parse { user_cmk_info = "k" }
    assert.is_nil(p)
    assert_err(err, "invalid_encrypt_conf", F_CMK, "must be an object")
  end)
end)

describe("slsh.encrypt_conf.with_enable", function()
  it("flips only enable and keeps the rest", function()
    local cur = json.decode('{"enable":false,"encrypt_type":"default","user_cmk_info":'
      .. '{"cmk_key_id":"' .. KEY_A .. '","arn":"' .. ARN_A .. '","region_id":"cn-hangzhou"}}')
    local on = assert(ec.with_enable(cur, true))
    assert.equal('{"enable":true,"encrypt_type":"default","user_cmk_info":{"cmk_key_id":"'
      .. KEY_A .. '","arn":"' .. ARN_A .. '","region_id":"cn-hangzhou"}}', json.encode(on))
    assert.equal("toggle", ec.check_transition(cur, on))
  end)

  it("completes a service answer without enable", function()
    local cur = json.decode '{"encrypt_type":"sm4","user_cmk_info":{}}'
    assert.equal('{"enable":true,"encrypt_type":"sm4"}',
                 json.encode(assert(ec.with_enable(cur, true))))
  end)

  it("refuses when there is nothing to toggle", function()
    local c, err = ec.with_enable({ enable = false }, true)
    assert.is_nil(c)
    assert_err(err, "invalid_encrypt_conf", "encrypt_conf", "no encryption config")
  end)

  it("raises on misuse", function()
    assert.has_error(function() ec.with_enable(sk("default", true), "yes") end)
    assert.has_error(function() ec.with_enable(nil, true) end)
  end)
end)

local LOGSTORE = '{"logstoreName":"cloudfirewall-logstore","ttl":180,"shardCount":2,'
  .. '"enable_tracking":false,"autoSplit":true,"maxSplitShard":64,"appendMeta":true,'
  .. '"telemetryType":"","createTime":1700000000,"lastModifyTime":1700000100,%s'
  .. '"hot_ttl":30,"infrequentAccessTTL":60,"mode":"standard","productType":"cloudfirewall",'
  .. '"resourceQuota":{"storage":{"preserved":-1,"used":123}},"futureField":{"a":[1,2],"b":{}},'
  .. '"processorId":""}'
local BODY = '{"logstoreName":"cloudfirewall-logstore","ttl":%d,"shardCount":2,'
  .. '"enable_tracking":false,"autoSplit":true,"maxSplitShard":64,"appendMeta":true,'
  .. '"telemetryType":"",%s"hot_ttl":30,"infrequentAccessTTL":60,"mode":"standard",'
  .. '"resourceQuota":{"storage":{"preserved":-1}},"futureField":{"a":[1,2],"b":{}},'
  .. '"processorId":""%s}'
local BYOK_A_JSON = '{"enable":true,"encrypt_type":"default","user_cmk_info":{"cmk_key_id":"'
  .. KEY_A .. '","arn":"' .. ARN_A .. '","region_id":"cn-hangzhou"}}'

describe("slsh.encrypt_conf.merge", function()
  it("keeps every key in order, drops read-only ones, appends encrypt_conf", function()
    local ls = json.decode(LOGSTORE:format(""))
    local body, kind = ec.merge(ls, json.decode(BYOK_A_JSON))
    assert.equal("create", kind)
    assert.equal(BODY:format(180, "", ',"encrypt_conf":' .. BYOK_A_JSON), json.encode(body))
  end)

  it("replaces encrypt_conf in place", function()
    local ls = json.decode(LOGSTORE:format('"encrypt_conf":'
      .. BYOK_A_JSON:gsub('"enable":true', '"enable":false') .. ','))
    local body, kind = ec.merge(ls, ec.with_enable(ls.encrypt_conf, true))
    assert.equal("toggle", kind)
    assert.equal(BODY:format(180, '"encrypt_conf":' .. BYOK_A_JSON .. ",", ""), json.encode(body))
  end)

  it("refuses an illegal change and sends nothing", function()
    local ls = json.decode(LOGSTORE:format(
      '"encrypt_conf":{"enable":true,"encrypt_type":"default"},'))
    local body, err = ec.merge(ls, byok_a(true))
    assert.is_nil(body)
    assert_err(err, "mechanism_locked", F_CMK, PERM)
  end)

  it("raises on misuse", function()
    assert.has_error(function() ec.merge("ls", byok_a(true)) end)
    assert.has_error(function() ec.merge({}, nil) end)
  end)
end)

local SMALL = '{"logstoreName":"a","ttl":90,"shardCount":2,"hot_ttl":30,'
  .. '"infrequentAccessTTL":20,"mode":"standard","telemetryType":"","createTime":1}'

describe("slsh.encrypt_conf.merge_changes", function()
  local function change(changes, opts, ls)
    return ec.merge_changes(json.decode(ls or SMALL), changes, opts)
  end

  it("applies a change and keeps everything else", function()
    local body = assert(change { ttl = 365 })
    assert.equal('{"logstoreName":"a","ttl":365,"shardCount":2,"hot_ttl":30,'
      .. '"infrequentAccessTTL":20,"mode":"standard","telemetryType":""}', json.encode(body))
  end)

  it("keeps encrypt_conf when the change does not touch it", function()
    local ls = LOGSTORE:format('"encrypt_conf":' .. BYOK_A_JSON .. ',')
    local body = assert(change({ ttl = 365 }, nil, ls))
    assert.equal(BODY:format(365, '"encrypt_conf":' .. BYOK_A_JSON .. ",", ""), json.encode(body))
  end)

  it("accepts the whole logstore back as changes", function()
    local ls = LOGSTORE:format('"encrypt_conf":' .. BYOK_A_JSON .. ',')
    local changes = json.decode(ls)
    changes.ttl = 400
    local body = assert(change(changes, nil, ls))
    assert.equal(BODY:format(400, '"encrypt_conf":' .. BYOK_A_JSON .. ",", ""), json.encode(body))
  end)

  it("refuses to shorten retention unless allowed", function()
    local body, err = change { ttl = 30 }
    assert.is_nil(body)
    assert_err(err, "retention_shortened", "ttl", "from 90 to 30 days",
               "unless shorter retention is explicitly allowed")
    body, err = change { hot_ttl = 7 }
    assert.is_nil(body)
    assert_err(err, "retention_shortened", "hot_ttl", "from 30 to 7")
    body, err = change { infrequentAccessTTL = 10 }
    assert.is_nil(body)
    assert_err(err, "retention_shortened", "infrequentAccessTTL", "from 20 to 10")
    body = assert(change({ ttl = 60 }, { allow_shorter_retention = true }))
    assert.equal(60, body.ttl)
  end)

  it("refuses hot_ttl not below ttl", function()
    local _, err = change { hot_ttl = 90 }
    assert_err(err, "invalid_logstore", "hot_ttl", "must be less than ttl (90)")
  end)

  it("never changes shardCount or logstoreName", function()
    local _, err = change({ shardCount = 4 }, { allow_shorter_retention = true,
                                               allow_mode_change = true,
                                               allow_telemetry_type_change = true })
    assert_err(err, "field_locked", "shardCount", "cannot change", "SplitShard")
    _, err = change { logstoreName = "b" }
    assert_err(err, "field_locked", "logstoreName", "cannot be renamed")
    assert.is_table(change { shardCount = 2, logstoreName = "a" })
  end)

  it("changes mode and telemetryType only when allowed", function()
    local _, err = change { mode = "query" }
    assert_err(err, "field_locked", "mode", "unless a mode change is explicitly allowed")
    assert.equal("query", assert(change({ mode = "query" }, { allow_mode_change = true })).mode)
    _, err = change { telemetryType = "Metrics" }
    assert_err(err, "field_locked", "telemetryType", "telemetryType change")
    assert.equal("Metrics", assert(change({ telemetryType = "Metrics" },
                                          { allow_telemetry_type_change = true })).telemetryType)
  end)

  it("checks the types of known fields", function()
    local _, err = change { ttl = "365" }
    assert_err(err, "invalid_logstore", "ttl", "must be an integer", "got the string '365'")
    _, err = change { ttl = 365.0 }
    assert_err(err, "invalid_logstore", "ttl", "must be an integer")
    _, err = change { ttl = 5000 }
    assert_err(err, "invalid_logstore", "ttl", "out of range", "1-3650")
    _, err = change { appendMeta = "yes" }
    assert_err(err, "invalid_logstore", "appendMeta", "must be a boolean")
  end)

  it("refuses a typo, json.null and a changed read-only key", function()
    local _, err = change { tll = 365 }
    assert_err(err, "invalid_logstore", "tll", "unknown logstore field 'tll'",
               "did you mean 'ttl'?")
    _, err = change { hot_ttl = json.null }
    assert_err(err, "invalid_logstore", "hot_ttl", "cannot be removed")
    _, err = change { createTime = 5 }
    assert_err(err, "field_locked", "createTime", "read-only")
  end)

  it("puts encrypt_conf through the transition check", function()
    local ls = LOGSTORE:format('"encrypt_conf":' .. BYOK_A_JSON .. ',')
    local _, err = change({ encrypt_conf = byok_b(true) }, nil, ls)
    assert_err(err, "cmk_locked", F_KEY, PERM)
    local body = assert(change({ encrypt_conf = byok_a(false) }, nil, ls))
    assert.is_false(body.encrypt_conf.enable)
  end)

  it("raises on misuse", function()
    assert.has_error(function() change({ ttl = 1 }, { allow_shorter = true }) end,
                     "merge_changes: unknown option 'allow_shorter' (valid: "
                     .. "allow_mode_change, allow_shorter_retention, allow_telemetry_type_change)")
    assert.has_error(function() change({ ttl = 1 }, { allow_mode_change = 1 }) end)
    assert.has_error(function() ec.merge_changes({}, "ttl=1") end)
  end)
end)

describe("slsh.encrypt_conf builders", function()
  it("builds a complete BYOK conf", function()
    local c = assert(ec.byok { cmk_key_id = KEY_A, arn = ARN_A, region_id = "cn-hangzhou" })
    assert.equal(BYOK_A_JSON, json.encode(c))
    c = assert(ec.byok { cmk_key_id = KEY_B, arn = ARN_A, region_id = "cn-hangzhou",
                         encrypt_type = "sm4_gcm" })
    assert.equal("sm4_gcm", c.encrypt_type)
  end)

  it("builds a service-key conf", function()
    assert.equal('{"enable":true,"encrypt_type":"default"}', json.encode(ec.service_key()))
    assert.equal('{"enable":true,"encrypt_type":"aes_ofb"}',
                 json.encode(ec.service_key { encrypt_type = "aes_ofb" }))
  end)

  it("returns nil, err for values that break a rule", function()
    local c, err = ec.byok { cmk_key_id = KEY_A, arn = "acs:ram::1:role/a b",
                             region_id = "cn-hangzhou" }
    assert.is_nil(c)
    assert_err(err, "invalid_encrypt_conf", F_ARN, "character ' '", RULE_A)
    c, err = ec.service_key { encrypt_type = "sm5" }
    assert.is_nil(c)
    assert_err(err, "invalid_encrypt_conf", F_TYPE, "'sm5'", TYPES)
    c, err = ec.byok { cmk_key_id = KEY_A, arn = ARN_A, region_id = "cn-\0hz" }
    assert.is_nil(c)
    assert_err(err, "invalid_encrypt_conf", F_REG, "NUL byte")
    c, err = ec.byok { cmk_key_id = KEY_A, arn = ARN_A, region_id = "cn-\255" }
    assert.is_nil(c)
    assert_err(err, "invalid_encrypt_conf", F_REG, "not valid UTF-8")
  end)

  it("raises on misuse", function()
    assert.has_error(function() ec.byok { cmk_key_id = KEY_A, arn = ARN_A } end,
                     "byok: option 'region_id' is required (a string)")
    assert.has_error(function() ec.byok { cmk_key_id = KEY_A, arn = ARN_A, region_id = 1 } end)
    assert.has_error(function()
      ec.byok { cmk_key_id = KEY_A, arn = ARN_A, region_id = "cn-hangzhou", key = "x" }
    end)
    assert.has_error(function() ec.byok() end)
    assert.has_error(function() ec.service_key { encryption_type = "sm4" } end)
    assert.has_error(function() ec.service_key "sm4" end)
  end)
end)

describe("slsh.encrypt_conf API shape", function()
  it("converts to and from the camelCase body of /encryption", function()
    local api = assert(ec.to_api(json.decode(BYOK_A_JSON)))
    assert.equal('{"enable":true,"encryptType":"default","userCmkInfo":{"keyId":"' .. KEY_A
      .. '","roleArn":"' .. ARN_A .. '","regionId":"cn-hangzhou"}}', json.encode(api))
    assert.equal(BYOK_A_JSON, json.encode(assert(ec.from_api(api))))
    assert.equal('{"enable":false,"encryptType":"sm4"}',
                 json.encode(ec.to_api { enable = false, encrypt_type = "sm4",
                                         user_cmk_info = json.object() }))
  end)

  it("refuses a broken conf or an unknown camelCase key", function()
    local api, err = ec.to_api { enable = true, encrypt_type = "aes" }
    assert.is_nil(api)
    assert_err(err, "invalid_encrypt_conf", F_TYPE, TYPES)
    api, err = ec.from_api { enable = true, encrypt_type = "default" }
    assert.is_nil(api)
    assert_err(err, "invalid_encrypt_conf", "encryption.encrypt_type",
               "did you mean 'encryptType'?")
  end)
end)
