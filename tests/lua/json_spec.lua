-- slsh.json: documents come back as they were read, through Lua tables.
local json = slsh.json

local CORPUS = "tests/core/json_corpus/"

-- Data lines of a corpus file, split at tabs.
local function corpus(name)
  local rows = {}
  for line in io.lines(CORPUS .. name) do
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local fields, pos = {}, 1
      while true do
        local tab = line:find("\t", pos, true)
        fields[#fields + 1] = line:sub(pos, (tab or 0) - 1)
        if not tab then break end
        pos = tab + 1
      end
      rows[#rows + 1] = fields
    end
  end
  return rows
end

local function unpct(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Call fn, which must raise; return the error value.
local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

describe("slsh.json corpus", function()
  it("gives back every round-trip document byte for byte", function()
    local rows = corpus("roundtrip.txt")
    assert.is_true(#rows >= 50)
    for _, row in ipairs(rows) do
      local name, doc = row[1], row[2]
      local v, err = json.decode(doc)
      assert(v ~= nil, name .. ": " .. tostring(err))
      assert.are.equal(doc, json.encode(v), name)
    end
  end)

  it("reads its own pretty and sorted output back to the same document", function()
    for _, row in ipairs(corpus("roundtrip.txt")) do
      local name, doc = row[1], row[2]
      local v = json.decode(doc)
      local pretty = json.encode(v, { pretty = true })
      assert.are.equal(doc, json.encode(json.decode(pretty)), name)
      local sorted = json.encode(v, { sort_keys = true })
      local again = json.decode(sorted)
      assert.is_true(json.equal(v, again), name)
      assert.are.equal(sorted, json.encode(again), name)
    end
  end)

  it("normalises non-canonical input as documented", function()
    local rows = corpus("normalise.txt")
    assert.is_true(#rows >= 30)
    for _, row in ipairs(rows) do
      local name, input, want = row[1], row[2], row[3]
      assert.are.equal(want, json.encode(assert(json.decode(input))), name)
      assert.are.equal(want, json.encode(assert(json.decode(want))), name)
    end
  end)

  it("returns nil, err with the code and byte offset for malformed input", function()
    local rows = corpus("malformed.txt")
    assert.is_true(#rows >= 30)
    for _, row in ipairs(rows) do
      local name, offset, code, input = row[1], tonumber(row[2]), row[3], unpct(row[4])
      local v, err = json.decode(input)
      assert(v == nil, name .. ": accepted")
      assert.are.equal(code, err.code, name)
      assert.are.equal(offset, err.offset, name)
      assert(err.message:find("at byte " .. offset, 1, true), name .. ": " .. err.message)
      assert.is_true(slsh.err.is(err))
    end
  end)
end)

describe("slsh.json.decode", function()
  it("says what was expected and where", function()
    local v, err = json.decode('{"a":1 "b":2}')
    assert.is_nil(v)
    assert.are.equal("json_syntax", err.code)
    assert.are.equal("expected ',' or '}' at byte 7", err.message)
    assert.are.equal(7, err.offset)
    assert.are.equal("json_syntax: expected ',' or '}' at byte 7", tostring(err))
  end)

  it("refuses duplicate keys", function()
    local _, err = json.decode('{"ttl":30,"ttl":3650}')
    assert.are.equal('duplicate key "ttl" at byte 10', err.message)
  end)

  it("stops a depth bomb at the limit", function()
    local _, err = json.decode(("["):rep(100000))
    assert.are.equal("json_too_deep", err.code)
    assert.are.equal(512, err.offset)
    assert.is_not_nil(json.decode(("["):rep(512) .. ("]"):rep(512)))
    _, err = json.decode("[[[1]]]", { max_depth = 2 })
    assert.are.equal("json_too_deep", err.code)
    assert.are.equal(2, err.offset)
    assert.is_not_nil(json.decode(("["):rep(1000) .. ("]"):rep(1000), { max_depth = 1000 }))
  end)

  it("refuses a 100 MB text under the default size limit", function()
    local big = '"' .. ("a"):rep(100 * 1024 * 1024) .. '"'
    local v, err = json.decode(big)
    assert.is_nil(v)
    assert.are.equal("too_large", err.code)
    big = nil -- luacheck: ignore
    collectgarbage()
    v, err = json.decode("[1,2,3]", { max_size = 6 })
    assert.is_nil(v)
    assert.are.equal("too_large", err.code)
    assert.are.same({ 1, 2, 3 }, json.decode("[1,2,3]", { max_size = 7 }))
  end)

  it("raises on misuse", function()
    assert.has_error(function() json.decode(42) end)
    assert.has_error(function() json.decode() end)
    assert.has_error(function() json.decode("1", { depth = 3 }) end,
      "unknown option 'depth' (valid: max_depth, max_size)")
    assert.has_error(function() json.decode("1", { max_depth = 0 }) end)
    assert.has_error(function() json.decode("1", { max_depth = 5000 }) end)
    assert.has_error(function() json.decode("1", { max_size = "big" }) end)
    assert.has_error(function() json.decode("1", { pretty = true }) end)
    assert.has_error(function() json.decode("1", "opts") end)
  end)

  it("keeps integers as integers and floats as floats", function()
    local v = json.decode('{"i":1,"f":1.0,"max":9223372036854775807,"min":-9223372036854775808}')
    assert.are.equal("integer", math.type(v.i))
    assert.are.equal("float", math.type(v.f))
    assert.are.equal(math.maxinteger, v.max)
    assert.are.equal(math.mininteger, v.min)
    assert.are.equal("1.0", json.encode(1.0))
    assert.are.equal("3", json.encode(3))
    assert.are.equal("9007199254740992.0", json.encode(2.0 ^ 53))
    assert.are.equal("9007199254740993", json.encode(json.decode("9007199254740993")))
  end)

  it("decodes null to slsh.json.null and back", function()
    assert.are.equal(json.null, json.decode("null"))
    local v = json.decode('{"a":null,"b":[null]}')
    assert.are.equal(json.null, v.a)
    assert.are.equal(json.null, v.b[1])
    assert.are.equal('{"a":null,"b":[null]}', json.encode(v))
    assert.are.equal("null", json.encode(json.null))
  end)

  it("keeps NUL bytes in strings and keys", function()
    local v = json.decode('{"k\\u0000":"a\\u0000b"}')
    assert.are.equal("a\0b", v["k\0"])
    assert.are.equal('{"k\\u0000":"a\\u0000b"}', json.encode(v))
  end)

  it("decodes escapes to raw UTF-8", function()
    assert.are.equal("é😀/", json.decode('"\\u00e9\\ud83d\\ude00\\/"'))
  end)
end)

describe("slsh.json key order", function()
  it("encodes remembered keys in order, then new keys sorted", function()
    local t = json.decode('{"z":1,"a":2,"m":3}')
    t.a = nil
    t.y = 5
    t.b = 4
    assert.are.equal('{"z":1,"m":3,"b":4,"y":5}', json.encode(t))
    assert.are.same({ "z", "m", "b", "y" }, json.keys(t))
  end)

  it("puts a removed key back in its remembered place", function()
    local t = json.decode('{"z":1,"a":2,"m":3}')
    t.a = nil
    t.a = 20
    assert.are.equal('{"z":1,"a":20,"m":3}', json.encode(t))
  end)

  it("keeps order in nested objects and inside arrays", function()
    local doc = '{"projects":[{"projectName":"p","status":"Normal","createTime":"1"}],'
      .. '"count":1,"total":1}'
    local t = json.decode(doc)
    t.projects[1].status = "Disabled"
    assert.are.equal(doc:gsub("Normal", "Disabled"), json.encode(t))
  end)

  it("sorts every key with sort_keys", function()
    local t = json.decode('{"z":{"b":1,"a":2},"a":[{"y":1,"x":2}]}')
    assert.are.equal('{"a":[{"x":2,"y":1}],"z":{"a":2,"b":1}}',
      json.encode(t, { sort_keys = true }))
  end)

  it("sorts the keys of a plain table bytewise", function()
    assert.are.equal('{"B":1,"a":2,"b":3,"é":4}', json.encode({ b = 3, a = 2, B = 1, ["é"] = 4 }))
    assert.are.same({ "B", "a", "b" }, json.keys({ b = 3, a = 2, B = 1 }))
  end)

  it("pretty-prints with two spaces", function()
    local t = json.decode('{"b":[1,{}],"a":[]}')
    assert.are.equal('{\n  "b": [\n    1,\n    {}\n  ],\n  "a": []\n}',
      json.encode(t, { pretty = true }))
  end)
end)

describe("slsh.json arrays and objects", function()
  it("keeps an empty array [] and an empty object {}", function()
    local t = json.decode('{"a":[],"o":{},"n":[[],{}]}')
    assert.is_true(json.is_array(t.a))
    assert.is_false(json.is_array(t.o))
    assert.are.equal('{"a":[],"o":{},"n":[[],{}]}', json.encode(t))
    t.a[1] = "x"
    t.a[1] = nil
    assert.are.equal('{"a":[],"o":{},"n":[[],{}]}', json.encode(t))
  end)

  it("marks tables with array() and object()", function()
    assert.are.equal("[]", json.encode(json.array()))
    assert.are.equal("{}", json.encode(json.object()))
    assert.are.equal("{}", json.encode({}))
    local t = { 1, 2 }
    assert.are.equal(t, json.array(t))
    assert.is_true(json.is_array(t))
    assert.are.equal(t, json.object(t))
    assert.is_false(json.is_array(t))
    assert.has_error(function() json.encode(t) end)
    assert.has_error(function() json.array(setmetatable({}, {})) end)
    assert.has_error(function() json.array(42) end)
    assert.has_error(function() json.object("x") end)
    assert.is_false(json.is_array("x"))
  end)

  it("takes a key order with object(t, keys)", function()
    local t = json.object({ b = 2, a = 1, c = 3, z = 0 }, { "c", "a", "b", "gone" })
    assert.are.equal('{"c":3,"a":1,"b":2,"z":0}', json.encode(t))
    assert.are.same({ "c", "a", "b", "z" }, json.keys(t))
    local d = json.decode('{"y":1,"x":2}')
    json.object(d)
    assert.are.equal('{"y":1,"x":2}', json.encode(d))
    assert.has_error(function() json.object({}, "a,b") end)
    assert.has_error(function() json.object({}, { "a", 1 }) end)
  end)

  it("encodes a plain table as an array only when its keys are 1..n", function()
    assert.are.equal("[1,2,3]", json.encode({ 1, 2, 3 }))
    assert.are.equal('{"a":1}', json.encode({ a = 1 }))
    assert.are.equal('[[],{"x":[true,false]}]',
      json.encode({ json.array(), { x = { true, false } } }))
  end)

  it("reports the JSON type of a value", function()
    local t = json.decode('{"a":[],"o":{},"i":1,"f":1.5,"s":"","b":false,"n":null}')
    assert.are.same({ "array", "object", "integer", "float", "string", "boolean", "null" },
      { json.type(t.a), json.type(t.o), json.type(t.i), json.type(t.f), json.type(t.s),
        json.type(t.b), json.type(t.n) })
    assert.are.equal("array", json.type({ 1, 2 }))
    assert.are.equal("object", json.type({}))
    assert.is_nil(json.type(print))
  end)
end)

describe("slsh.json.encode errors", function()
  it("raises for a function value, naming its path", function()
    local err = raises(json.encode, { logstore = { encrypt_conf = { enable = print } } })
    assert.are.equal("json_type", err.code)
    assert.are.equal("logstore.encrypt_conf.enable", err.field)
    assert.are.equal("a function value cannot be JSON", err.message)
    assert.is_true(slsh.err.is(err))
  end)

  it("names array items and odd keys in paths", function()
    assert.are.equal("list[3]", raises(json.encode, { list = { 1, 2, print } }).field)
    assert.are.equal('["a b"].f', raises(json.encode, { ["a b"] = { f = print } }).field)
    assert.are.equal("", raises(json.encode, print).field or "")
  end)

  it("refuses NaN and infinity", function()
    local err = raises(json.encode, { x = { y = 0 / 0 } })
    assert.are.equal("x.y", err.field)
    assert.are.equal("NaN cannot be JSON", err.message)
    assert.are.equal("infinity cannot be JSON", raises(json.encode, { math.huge }).message)
    assert.are.equal("z", raises(json.encode, { z = -math.huge }).field)
  end)

  it("refuses integer keys in an object and mixed tables", function()
    local t = json.decode('{"a":1}')
    t[1] = "x"
    local err = raises(json.encode, { obj = t })
    assert.are.equal("obj", err.field)
    assert.matches("integer key 1", err.message)
    assert.matches("mixes string keys and integer keys", raises(json.encode, { 1, a = 2 }).message)
    assert.matches("hole at index 2", raises(json.encode, { [1] = 1, [3] = 3 }).message)
    assert.matches("hole at index 2", raises(json.encode, json.array({ [1] = 1, [3] = 3 })).message)
    assert.matches("boolean key", raises(json.encode, { [true] = 1 }).message)
    assert.matches("float key 1.5", raises(json.encode, { [1.5] = 1 }).message)
    assert.matches("integer key 0", raises(json.encode, { [0] = 1 }).message)
    assert.matches("string key", raises(json.encode, json.array({ a = 1 })).message)
  end)

  it("detects cycles without crashing", function()
    local t = { name = "x" }
    t.self = t
    local err = raises(json.encode, t)
    assert.are.equal("json_type", err.code)
    assert.are.equal("self", err.field)
    local a = { b = { c = {} } }
    a.b.c.back = a
    assert.are.equal("b.c.back", raises(json.encode, a).field)
    local arr = json.array()
    arr[1] = arr
    assert.are.equal("[1]", raises(json.encode, arr).field)
  end)

  it("allows the same table twice when there is no cycle", function()
    local shared = { k = 1 }
    assert.are.equal('{"a":{"k":1},"b":{"k":1}}', json.encode({ a = shared, b = shared }))
  end)

  it("limits the depth of what it encodes", function()
    local t = {}
    local cur = t
    for _ = 1, 600 do
      cur.x = {}
      cur = cur.x
    end
    assert.are.equal("json_too_deep", raises(json.encode, t).code)
    assert.is_string(json.encode(t, { max_depth = 1000 }))
    assert.are.equal("json_too_deep", raises(json.encode, { { { 1 } } }, { max_depth = 2 }).code)
  end)

  it("refuses strings and keys that are not UTF-8", function()
    assert.are.equal("s", raises(json.encode, { s = "a\255" }).field)
    assert.matches("key is not valid UTF%-8", raises(json.encode, { ["\192\175"] = 1 }).message)
  end)

  it("raises for nil and for unknown options", function()
    assert.matches("slsh.json.null", raises(json.encode, nil).message)
    assert.has_error(function() json.encode(1, { indent = 2 }) end,
      "unknown option 'indent' (valid: pretty, sort_keys, max_depth, max_size)")
    assert.has_error(function() json.encode(1, { pretty = "yes" }) end)
  end)

  it("returns nil, err when the text would be too large", function()
    local v, err = json.encode({ ("x"):rep(100) }, { max_size = 50 })
    assert.is_nil(v)
    assert.are.equal("too_large", err.code)
  end)
end)

describe("slsh.json helpers", function()
  local doc = '{"logstoreName":"ls","ttl":30,'
    .. '"encrypt_conf":{"enable":true,"encrypt_type":"default",'
    .. '"user_cmk_info":{}},"tags":[],"extra":null}'

  it("copies deeply, keeping order and markers", function()
    local t = json.decode(doc)
    local c = json.copy(t)
    assert.are_not.equal(t, c)
    assert.are_not.equal(t.encrypt_conf, c.encrypt_conf)
    assert.are.equal(doc, json.encode(c))
    assert.is_true(json.is_array(c.tags))
    c.ttl = nil
    c.ttl = 60
    c.new = 1
    assert.are.equal(doc, json.encode(t))
    assert.are.equal(doc:gsub('"ttl":30', '"ttl":60'):gsub("}$", ',"new":1}'), json.encode(c))
  end)

  it("compares documents ignoring key order but not types", function()
    local a = json.decode('{"a":1,"b":[1,2],"c":{}}')
    assert.is_true(json.equal(a, json.decode('{"c":{},"b":[1,2],"a":1}')))
    assert.is_false(json.equal(a, json.decode('{"c":{},"b":[1,2],"a":1.0}')))
    assert.is_false(json.equal(a, json.decode('{"c":[],"b":[1,2],"a":1}')))
    assert.is_false(json.equal(a, json.decode('{"c":{},"b":[2,1],"a":1}')))
    assert.is_false(json.equal(a, json.decode('{"c":{},"b":[1,2]}')))
    assert.is_false(json.equal(1, 1.0))
    assert.is_true(json.equal(0.0, -0.0))
    assert.is_true(json.equal(json.null, json.decode("null")))
    assert.is_true(json.equal({ 1, 2 }, json.decode("[1,2]")))
  end)

  it("lists what changed, was added and was removed", function()
    local before = json.decode(doc)
    local after = json.decode('{"logstoreName":"ls","ttl":60,"encrypt_conf":{"enable":false,'
      .. '"encrypt_type":"default"},"tags":["a"],"extra":null,"hot_ttl":7}')
    assert.are.same({
      { path = "ttl", kind = "changed", before = 30, after = 60 },
      { path = "encrypt_conf.enable", kind = "changed", before = true, after = false },
      { path = "encrypt_conf.user_cmk_info", kind = "removed",
        before = before.encrypt_conf.user_cmk_info },
      { path = "tags[1]", kind = "added", after = "a" },
      { path = "hot_ttl", kind = "added", after = 7 },
    }, json.diff(before, after))
    assert.are.same({}, json.diff(before, json.copy(before)))
    assert.are.same({ { path = "", kind = "changed", before = 1, after = 1.0 } }, json.diff(1, 1.0))
    assert.are.same(
      { { path = '["a b"]', kind = "changed", before = json.array(), after = json.object() } },
      json.diff(json.decode('{"a b":[]}'), json.decode('{"a b":{}}')))
  end)
end)
