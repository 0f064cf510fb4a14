-- slsh.logs: log groups and lz4 bodies as the data plane carries them.
local logs = require "slsh.logs"

describe("slsh.logs", function()
  it("round-trips groups, keeping pair order, repeats and raw bytes", function()
    local bytes = assert(logs.encode{
      {topic = "t", source = "10.0.0.1", tags = {{"b", "2"}, {"a", "1"}},
       logs = {{time = 1700000000, time_ns = 9,
                contents = {{"k", "v\0\255"}, {"k", "again"}}}}},
      {logs = {}},
    })
    local g = assert(logs.decode(bytes))
    assert.are.equal(2, #g)
    assert.are.same({{"b", "2"}, {"a", "1"}}, g[1].tags)
    assert.are.same({{"k", "v\0\255"}, {"k", "again"}}, g[1].logs[1].contents)
    assert.are.equal(9, g[1].logs[1].time_ns)
    assert.are.equal("10.0.0.1", g[1].source)
    assert.is_nil(g[2].topic)
    assert.are.equal(1, logs.count(g))
  end)

  it("writes a map of contents in sorted key order", function()
    local g = assert(logs.decode_group(assert(logs.encode_group{
      logs = {{time = 1, contents = {z = "1", a = "2"}}}})))
    assert.are.same({{"a", "2"}, {"z", "1"}}, g.logs[1].contents)
  end)

  it("refuses bytes that are not a log group list", function()
    local g, err = logs.decode("\10\200")
    assert.is_nil(g)
    assert.are.equal("bad_response", err.code)
  end)

  it("raises on a malformed group before encoding anything", function()
    assert.has_error(function() logs.encode{{logs = {{time = "now"}}}} end)
    assert.has_error(function() logs.encode_group{logs = {{time = 1, contents = {a = 1}}}} end)
    assert.has_error(function() logs.encode("x") end)
  end)

  it("compresses with lz4 and checks the raw size on the way back", function()
    local raw = ("abc"):rep(1000)
    local z = assert(logs.compress(raw))
    assert.is_true(#z < #raw)
    assert.are.equal(raw, logs.decompress(z, #raw))
    local bad, err = logs.decompress(z, #raw + 1)
    assert.is_nil(bad)
    assert.are.equal("bad_response", err.code)
  end)
end)
