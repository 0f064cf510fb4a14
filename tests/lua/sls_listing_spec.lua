-- slsh.sls listing and the raw request, against the emulator: projects
-- and logstores page by themselves (page_size=), a failing page raises,
-- and sls:request{} gives the service's answer as data.
local cloud = require "cloud"
local json = slsh.json

local P = cloud.PROJECT
local EXTRA = 6

-- The test cloud plus EXTRA projects in cn-hangzhou.
local function state()
  local s = cloud.state()
  for i = 1, EXTRA do
    s.projects[#s.projects + 1] = { name = string.format("extra-project-%02d", i),
                                    region = cloud.REGION, account = cloud.ACCOUNT,
                                    logstores = { cloud.logstore("only") } }
  end
  return s
end

describe("slsh.sls listing", function()
  local c, sls

  setup(function() c = cloud.start { state = state() } end)
  teardown(function() c:stop() end)
  before_each(function()
    c:faults { next = json.array {} }
    c:reset_stats()
    sls = c:sls()
  end)

  it("lists one page of projects", function()
    local r = assert(sls:list_projects { offset = 2, size = 3 })
    assert.equal(3, r.count)
    assert.equal(EXTRA + 1, r.total)
    assert.equal(3, #r.projects)
  end)

  it("iterates every project of the region, page_size at a time", function()
    local names = {}
    for p in sls:projects { page_size = 3 } do names[#names + 1] = p.projectName end
    table.sort(names)
    local want = { P }
    for i = 1, EXTRA do want[#want + 1] = string.format("extra-project-%02d", i) end
    table.sort(want)
    assert.same(want, names)
    assert.equal(3, c:count("ListProject"))
    c:reset_stats()
    local n = 0
    for _ in sls:projects() do n = n + 1 end
    assert.equal(EXTRA + 1, n)
    assert.equal(1, c:count("ListProject"))
  end)

  it("filters projects by name, and sees only its region", function()
    local names = {}
    for p in sls:projects { name = "extra-project-0" } do names[#names + 1] = p.projectName end
    assert.equal(EXTRA, #names)
    local sh = {}
    for p in c:sls { region = "cn-shanghai" }:projects() do sh[#sh + 1] = p.projectName end
    assert.same({ "slsh-test-other" }, sh)
  end)

  it("raises the error object when a later page fails", function()
    local it = sls:projects { page_size = 2 }
    assert.truthy(it())
    assert.truthy(it())
    c:faults { next = { { status = 500, code = "InternalServerError" } } }
    local ok, err = pcall(it)
    assert.is_false(ok)
    assert.equal("InternalServerError", err.code)
    assert.equal("ListProject", err.action)
  end)

  it("iterates logstores, filtered by name", function()
    local names = {}
    for name in sls:logstores(P, { name = "byok", page_size = 1 }) do names[#names + 1] = name end
    table.sort(names)
    assert.same({ "byok-disabled-key", "byok-off", "byok-on" }, names)
    assert.equal(3, c:count("ListLogStores"))
    local r = assert(sls:list_logstores(P, { offset = 0, size = 2 }))
    assert.equal(2, r.count)
    assert.equal(7, r.total)
  end)

  it("gets a project", function()
    local p = assert(sls:get_project(P))
    assert.equal(P, p.projectName)
    local _, err = sls:get_project("no-such-project")
    assert.equal("ProjectNotExist", err.code)
  end)
end)

describe("sls:request", function()
  local c, sls

  setup(function() c = cloud.start() end)
  teardown(function() c:stop() end)
  before_each(function() sls = c:sls() end)

  it("sends an account-level GET with a query and gives the answer as data", function()
    local res = assert(sls:request { path = "/", query = { offset = 0, size = 10 } })
    assert.equal(200, res.status)
    assert.matches("json", res.headers["content-type"])
    assert.equal(res.headers["x-log-requestid"], res.request_id)
    assert.equal(P, res.json.projects[1].projectName)
    assert.equal(res.json.total, json.decode(res.body).total)
  end)

  it("writes with a table or a string body, at project level", function()
    local res = assert(sls:request { method = "POST", project = P, path = "/logstores",
                                     action = "CreateLogStore",
                                     body = { logstoreName = "raw-one", ttl = 3, shardCount = 1 } })
    assert.equal(200, res.status)
    res = assert(sls:request { method = "POST", project = P, path = "/logstores",
                               body = '{"logstoreName":"raw-two","ttl":3,"shardCount":1}' })
    assert.equal(200, res.status)
    assert.equal(3, c:stored(P, "raw-two").ttl)
    res = assert(sls:request { method = "DELETE", project = P, path = "/logstores/raw-one" })
    assert.equal(200, res.status)
    assert.is_nil(c:stored(P, "raw-one"))
  end)

  it("returns the service's error as an error object", function()
    local res, err = sls:request { project = P, path = "/logstores/nope", action = "GetLogStore" }
    assert.is_nil(res)
    assert.equal("LogStoreNotExist", err.code)
    assert.equal(404, err.status)
    assert.equal("GetLogStore", err.action)
    assert.matches("^%x+$", err.request_id)
    err = select(2, sls:request { project = P, path = "/logstores/nope" })
    assert.equal("GET /logstores/nope", err.action)
  end)

  it("signs extra headers and the query with V4 too", function()
    local v4 = c:sls { signature = "v4" }
    local res = assert(v4:request { project = P, path = "/logstores",
                                    query = { logstoreName = "byok", size = 10 },
                                    headers = { ["x-log-test"] = "a b" } })
    assert.equal(3, res.json.total)
  end)

  it("raises on misuse", function()
    assert.has_error(function() sls:request { path = "logstores" } end,
      "sls:request: field 'path' must be a string starting with '/'")
    assert.has_error(function() sls:request { path = "/", body = 5 } end,
      "sls:request: field 'body' must be a table or a string")
    assert.has_error(function() sls:request { path = "/", project = "Bad Name" } end)
  end)
end)
