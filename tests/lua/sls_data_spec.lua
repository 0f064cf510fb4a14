-- slsh.sls data plane and indexes against the emulator: shards, cursors,
-- PullLogs/PutLogs with lz4 bodies, limits and throttling, indexes kept
-- whole, creatable(ls) and the read-only list.
local cloud = require "cloud"
local json = slsh.json

local P = cloud.PROJECT

local function group(n, word)
  local g = { topic = "t", source = "10.0.0.1", tags = { { "__hostname__", "h1" } }, logs = {} }
  for i = 1, n do
    g.logs[i] = { time = 1700000000 + i, contents = { { "msg", (word or "m") .. i } } }
  end
  return g
end

describe("slsh.sls data plane", function()
  local c, sls

  before_each(function()
    c = cloud.start()
    sls = c:sls()
  end)

  after_each(function() c:stop() end)

  it("writes groups to a chosen shard and reads them back whole", function()
    local shards = assert(sls:shards(P, "plain"))
    assert.equal(2, #shards)
    local r = assert(sls:put_logs(P, "plain", { group(3, "a"), group(2, "b") },
                                  { shard_key = shards[2].inclusiveBeginKey }))
    assert.same({ requests = 2, logs = 5 }, { requests = r.requests, logs = r.logs })
    assert.is_true(r.bytes > 0 and r.raw_bytes > 0)
    local cur = assert(sls:cursor(P, "plain", 1, "begin"))
    local groups, nextc = assert(sls:pull_logs(P, "plain", 1, cur, { count = 10 }))
    assert.equal(2, #groups)
    assert.same({ { "msg", "a1" } }, groups[1].logs[1].contents)
    assert.same({ { "__hostname__", "h1" } }, groups[1].tags)
    assert.equal(nextc, assert(sls:cursor(P, "plain", 1, "end")))
    local none = assert(sls:pull_logs(P, "plain", 0, assert(sls:cursor(P, "plain", 0, "begin"))))
    assert.equal(0, #none)
  end)

  it("iterates over a time range batch by batch", function()
    for i = 1, 5 do assert(sls:put_logs(P, "plain", group(1, "x" .. i), { shard_key = "0" })) end
    local seen, batches = 0, 0
    for groups in sls:pull_range(P, "plain", 0, "begin", "end", { count = 2 }) do
      batches = batches + 1
      seen = seen + #groups
    end
    assert.equal(5, seen)
    assert.equal(3, batches)
  end)

  it("splits a group over 4096 logs into PutLogs the service accepts", function()
    local r = assert(sls:put_logs(P, "plain", group(5000), { shard_key = "0" }))
    assert.equal(2, r.requests)
    assert.equal(5000, r.logs)
  end)

  it("retries shard throttling and refuses misuse before sending", function()
    c:faults { next = { { status = 403, code = "ShardWriteQuotaExceed",
                          match = { action = "PutLogs" } } } }
    local retrying = c:sls { retries = 3 }
    assert(retrying:put_logs(P, "plain", group(1)))
    assert.equal(2, c:count("PutLogs"))
    assert.has_error(function() sls:put_logs(P, "plain", group(1), { shard = 1 }) end)
    assert.has_error(function() sls:put_logs(P, "plain", group(1), { shard_key = "xyz" }) end)
    assert.has_error(function() sls:pull_logs(P, "plain", 0, "c", { count = 5000 }) end)
    assert.has_error(function() sls:cursor(P, "plain", 0, "yesterday") end)
    assert.equal(2, c:count("PutLogs"))
  end)

  it("refuses a PullLogs answer whose count does not match its groups", function()
    local cur = assert(sls:cursor(P, "plain", 0, "begin"))
    local g, err = sls:pull_logs(P, "nope", 0, cur)
    assert.is_nil(g)
    assert.equal("LogStoreNotExist", err.code)
  end)

  it("keeps an index config whole, unknown keys included", function()
    local index = json.decode [[{"line":{"token":[","," "],"caseSensitive":false},
      "keys":{"status":{"type":"long"}},"x_future":{"a":[1]}}]]
    local none, err = sls:get_index(P, "plain")
    assert.is_nil(none)
    assert.equal("IndexConfigNotExist", err.code)
    assert(sls:create_index(P, "plain", index))
    local got = assert(sls:get_index(P, "plain"))
    assert.is_number(got.lastModifyTime)
    got.lastModifyTime = nil
    assert.is_true(json.equal(index, got))
    -- what GetIndex returned can be written again as is
    assert(sls:update_index(P, "plain", assert(sls:get_index(P, "plain"))))
  end)

  it("creatable(ls) leaves out exactly the read-only fields", function()
    local ls = assert(sls:get_logstore(P, "plain"))
    local body = assert(slsh.sls.creatable(ls))
    assert.same({ "createTime", "lastModifyTime", "productType", "resourceQuota.storage.used" },
                slsh.sls.READ_ONLY)
    for _, f in ipairs { "createTime", "lastModifyTime", "productType" } do
      assert.is_nil(body[f])
    end
    assert.is_nil(body.resourceQuota.storage.used)
    assert.equal(-1, body.resourceQuota.storage.preserved)
    assert.is_true(json.equal(ls.x_future_field, body.x_future_field))
    local bad, berr = slsh.sls.creatable { logstoreName = "x", ttl = "30", shardCount = 2 }
    assert.is_nil(bad)
    assert.equal("invalid_logstore", berr.code)
  end)

  it("creates a project", function()
    assert(sls:create_project("slsh-new-project", { description = "moved" }))
    assert.equal("moved", assert(sls:get_project("slsh-new-project")).description)
    local again, err = sls:create_project("slsh-new-project")
    assert.is_nil(again)
    assert.equal("ProjectAlreadyExist", err.code)
  end)
end)
