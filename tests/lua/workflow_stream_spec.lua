-- slsh.workflow streams: the selection listed as it is worked on, rows
-- handed on in order as they finish, the report written row by row, the
-- client cache keyed by everything that shapes a client.
local cloud = require "cloud"
local wf = require "slsh.workflow"
local report = require "slsh.report"
local task = require "slsh.task"
local json = slsh.json

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- A state with `n` more projects of `per` logstores in cn-hangzhou.
local function state(n, per)
  local s = cloud.state()
  for i = 1, n do
    local lss = {}
    for j = 1, per do lss[j] = cloud.logstore(string.format("ls-%02d", j)) end
    s.projects[#s.projects + 1] = { name = string.format("many-%03d", i),
                                    region = cloud.REGION, account = cloud.ACCOUNT,
                                    logstores = lss }
  end
  return s
end

describe("slsh.workflow streaming", function()
  local c

  setup(function()
    c = cloud.start { state = state(40, 3) }
    slsh.config.connect_to = c.url
  end)
  teardown(function()
    slsh.config.connect_to = nil
    c:stop()
  end)
  before_each(function() c:reset() end)

  local function opts(extra)
    local o = { regions = { "cn-shanghai", "cn-hangzhou" }, concurrency = 4,
                credentials = c.creds, retries = 0, quiet = true }
    for k, v in pairs(extra or {}) do o[k] = v end
    return o
  end

  it("lists every project's logstores in a fixed order: regions, projects, names", function()
    local all = assert(wf.targets(opts { concurrency = 32 })):all()
    assert.equal(40 * 3 + 7 + 1, #all)
    local keys = {}
    for i, t in ipairs(all) do keys[i] = wf.key(t) end
    local sorted = { table.unpack(keys) }
    table.sort(sorted)
    assert.same(sorted, keys)
    -- one ListLogStores per project: 41 in cn-hangzhou, 1 in cn-shanghai
    assert.equal(42, c:count("ListLogStores"))
  end)

  it("lists a region given twice once", function()
    local all = assert(wf.targets(opts { regions = { "cn-shanghai", "cn-shanghai" } })):all()
    assert.equal(1, #all)
    assert.equal("sh-plain", all[1].logstore)
  end)

  it("makes a row of a project whose logstores cannot be listed, and goes on", function()
    c:faults { next = { { status = 403, code = "Unauthorized", message = "denied",
                          match = { service = "sls", action = "ListLogStores" } } } }
    local targets = assert(wf.targets(opts { concurrency = 1, logstore = { "ls-01", "plain" } }))
    local rows = wf.run(targets, function(t) return { status = "done", logstore = t.logstore,
                                                      project = t.project } end, opts())
    local failed = {}
    for _, r in ipairs(rows) do
      if r.status == "failed" then failed[#failed + 1] = r end
    end
    assert.equal(1, #failed)
    assert.equal("*", failed[1].logstore)
    assert.equal("Unauthorized", failed[1].error_code)
    assert.matches("^cannot list the logstores: ", failed[1].reason)
    assert.is_true(failed[1].unlisted)
    -- one project's listing failed (whichever reached the emulator
    -- first); every other project's logstores are there: 41 projects in
    -- cn-hangzhou with one matching logstore each, none in cn-shanghai
    assert.matches("^[%w-]+$", failed[1].project)
    assert.equal(41, #rows)
  end)

  it("fails up front when a region's projects cannot be listed at all", function()
    c:faults { next = { { status = 403, code = "Unauthorized", message = "no projects",
                          match = { service = "sls", action = "ListProject" } } } }
    local targets, err = wf.targets(opts())
    assert.is_nil(targets)
    assert.equal("Unauthorized", err.code)
  end)

  it("hands rows to the sink in the order of the targets, keeping none", function()
    local items = {}
    for i = 1, 60 do
      items[i] = { region = "cn-hangzhou", project = "p", logstore = "l" .. i, n = i }
    end
    local got = {}
    local n = wf.run(items, function(t)
      task.sleep((t.n * 7919 % 13) / 1000) -- finishing out of order
      return { status = "done", n = t.n }
    end, opts { concurrency = 8 }, "test", function(row) got[#got + 1] = row.n end)
    assert.equal(60, n)
    for i = 1, 60 do assert.equal(i, got[i]) end
  end)

  it("carries the error of a function that returns nil, err into its row", function()
    local rows = wf.run({ { region = "cn-hangzhou", project = "p", logstore = "a" },
                          { region = "cn-hangzhou", project = "p", logstore = "b" } }, function(t)
      if t.logstore == "a" then
        return nil, slsh.err.new { code = "Throttling", message = "slow down",
                                   request_id = "REQ-1" }
      end
      error("attempt to index a nil value")
    end, opts())
    assert.equal("failed", rows[1].status)
    assert.equal("Throttling", rows[1].error_code)
    assert.equal("REQ-1", rows[1].request_id)
    assert.matches("slow down", rows[1].reason, 1, true)
    assert.matches("^internal error %(a bug in slsh; please report it%)", rows[2].reason)
  end)

  it("starts no new item once wf.stopping() says so", function()
    local started = 0
    local saved = wf.stopping
    wf.stopping = function() return started >= 3 end
    local items = {}
    for i = 1, 20 do items[i] = { region = "cn-hangzhou", project = "p", logstore = "l" .. i } end
    local ok, rows = pcall(wf.run, items, function()
      started = started + 1
      return { status = "done" }
    end, opts { concurrency = 1 })
    wf.stopping = saved
    assert.is_true(ok, rows)
    assert.equal(3, started)
    assert.equal(3, #rows)
  end)

  it("keeps one client set per region and options", function()
    local o = opts()
    local a = wf.clients("cn-hangzhou", o)
    assert.equal(a, wf.clients("cn-hangzhou", o))
    assert.equal(a, wf.clients("cn-hangzhou", opts()))
    assert.not_equal(a, wf.clients("cn-shanghai", o))
    assert.not_equal(a, wf.clients("cn-hangzhou", opts { qps = 5 }))
    assert.not_equal(a, wf.clients("cn-hangzhou", opts { retries = 3 }))
    assert.not_equal(a, wf.clients("cn-hangzhou", opts { credentials = c.sts_creds }))
    slsh.config.connect_to = c.url .. "/"
    assert.not_equal(a, wf.clients("cn-hangzhou", o))
    slsh.config.connect_to = c.url
  end)
end)

describe("slsh.report writer", function()
  local cols = { "project", "logstore", "findings" }
  local rows = {
    { project = "p", logstore = "a", findings = json.array { "x", "y" } },
    { project = "p", logstore = "b,c", findings = json.array {} },
  }

  it("writes JSON row by row to FILE.tmp and moves it into place at close", function()
    local path = os.tmpname() .. ".json"
    local w = assert(report.writer(path, cols))
    w:add(rows[1])
    assert.is_nil(io.open(path))        -- never a half document at PATH
    assert.is_not_nil(io.open(path .. ".tmp"))
    w:add(rows[2])
    assert.is_true(w:close())
    assert.is_nil(io.open(path .. ".tmp"))
    local doc = assert(json.decode(slurp(path)))
    assert.same({ "x", "y" }, doc[1].findings)
    assert.is_true(json.is_array(doc[2].findings))
    assert.equal(report.json(rows, cols), slurp(path))
    os.remove(path)
  end)

  it("is a valid document when closed early (an interrupted run)", function()
    for n = 0, 1 do
      local path = os.tmpname() .. ".json"
      local w = assert(report.writer(path, cols))
      for i = 1, n do w:add(rows[i]) end
      assert.is_true(w:close())
      assert.equal(n, #assert(json.decode(slurp(path))))
      os.remove(path)
    end
  end)

  it("writes CSV with \\n line ends and the findings comma-separated", function()
    local path = os.tmpname() .. ".csv"
    local w = assert(report.writer(path, cols))
    for _, r in ipairs(rows) do w:add(r) end
    assert.is_true(w:close())
    assert.equal('project,logstore,findings\np,a,"x,y"\np,"b,c",\n', slurp(path))
    os.remove(path)
  end)

  it("refuses a path that is neither .json, .csv nor -, before writing", function()
    local w, err = report.writer("/tmp/out.txt", cols)
    assert.is_nil(w)
    assert.equal("usage", err.code)
    w, err = report.writer("/no/such/dir/r.json", cols)
    assert.is_nil(w)
    assert.equal("io", err.code)
  end)

  it("discards what it began when the run ends before it started", function()
    local path = os.tmpname() .. ".json"
    local w = assert(report.writer(path, cols))
    w:discard()
    assert.is_nil(io.open(path .. ".tmp"))
    assert.is_nil(io.open(path))
  end)

  it("spools a table and prints it as report.table does", function()
    local tw = report.table_writer(cols)
    for _, r in ipairs(rows) do tw:add(r) end
    local out = {}
    tw:write { write = function(_, s) out[#out + 1] = s end }
    assert.equal(report.table(rows, cols), table.concat(out))
    assert.equal("project  logstore  findings\np        a         x,y\np        b,c       \n",
                 table.concat(out))
  end)
end)

describe("wf.output and wf.finish", function()
  it("counts, reports and decides the exit status as the rows stream by", function()
    local path = os.tmpname() .. ".json"
    local saved = io.output()
    local text = os.tmpname()
    io.output(text)
    local seen = 0
    local out = assert(wf.output({ report = path }, {
      columns = { "logstore", "status" }, title = "test",
      each = function(r) seen = seen + 1; r.extra = "x" end,
      show = function(r) return r.status ~= "skipped" end,
    }))
    out:add { logstore = "a", status = "done" }
    out:add { logstore = "b", status = "skipped" }
    out:add { logstore = "c", status = "refused" }
    local status = wf.finish(out)
    io.output():close()
    io.output(saved)
    assert.equal(3, status)
    assert.equal(3, seen)
    local printed = slurp(text)
    os.remove(text)
    assert.equal("logstore  status\na         done\nc         refused\n"
                 .. "test: 3 logstores: done 1, refused 1, skipped 1\n"
                 .. "report written to " .. path .. "\n", printed)
    local doc = json.decode(slurp(path))
    os.remove(path)
    assert.equal(2, #doc)
    assert.equal("c", doc[2].logstore)
  end)
end)
