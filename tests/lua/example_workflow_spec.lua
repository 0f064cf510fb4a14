-- docs/examples/raise-ttl.lua, the complete example of
-- docs/writing-a-workflow.md, works as the page says: found by `slsh run`
-- through $SLSH_PATH, it plans, applies with a journal and a report,
-- resumes from the journal, keeps every other field of the logstores it
-- writes, fails with status 3 when a write is refused, and refuses bad
-- options with status 2; all against the emulator.
local cloud = require "cloud"
local run = require "run"
local json = require "slsh.json"

local SRC = os.getenv("SLSH_SOURCE_DIR") or "."
local P = cloud.PROJECT

describe("docs/examples/raise-ttl.lua through slsh run", function()
  local c, dir, env

  setup(function()
    c = cloud.start()
    dir = run.tmpname(".d")
    assert(os.execute("mkdir -p " .. dir .. "/home"))
    env = { SLSH_PATH = SRC .. "/docs/examples", HOME = dir .. "/home", XDG_CONFIG_HOME = "",
            ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret }
  end)
  teardown(function()
    os.execute("rm -rf " .. run.quote(dir))
    c:stop()
  end)
  before_each(function() c:reset() end)

  local function raise_ttl(...)
    return run.slsh({ "--region", cloud.REGION, "--connect-to", c.url, "run", "raise-ttl",
                      "--quiet", ... }, { env = env })
  end

  it("is listed by slsh run with its summary", function()
    local r = run.slsh({ "run" }, { env = env })
    assert.equal(0, r.code, r.stderr)
    assert.matches("\n  raise%-ttl%s+Raise the retention %(ttl%) of logstores", r.stdout)
  end)

  it("plans without changing anything, then applies, then resumes", function()
    local sel = { "--days", "120", "--logstore", "plain,service-*" }
    local r = raise_ttl(table.unpack(sel))
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("raise%-ttl: 3 logstores: raise 3\n", r.stdout)
    assert.matches("rerun with %-%-apply to raise 3", r.stdout)
    assert.equal(0, c:count("UpdateLogStore"))
    assert.equal(90, c:stored(P, "plain").ttl)

    local journal, report = dir .. "/run.journal", dir .. "/run.json"
    local before = c:stored(P, "service-key")
    r = raise_ttl("--apply", "--journal", journal, "--report", report, table.unpack(sel))
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("raise%-ttl: 3 logstores: raised 3\n", r.stdout)
    assert.equal(3, c:count("UpdateLogStore"))
    -- the plan's 3 reads, then GET, PUT, GET per logstore (the write
    -- merges from the read that decided it)
    assert.equal(9, c:count("GetLogStore"))
    local after = c:stored(P, "service-key")
    assert.equal(120, after.ttl)
    after.ttl, after.lastModifyTime, before.ttl, before.lastModifyTime = nil, nil, nil, nil
    assert.same(before, after) -- every other field kept, unknown ones and encrypt_conf too
    local rows = json.decode(run.slurp(report))
    assert.equal(3, #rows)
    for _, row in ipairs(rows) do assert.equal("raised", row.status) end

    c:reset_stats()
    r = raise_ttl("--apply", "--journal", journal, table.unpack(sel))
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("raise%-ttl: 3 logstores: journaled 3\n", r.stdout)
    -- read again (one GET each: the journal is checked against the
    -- logstore), no writes
    assert.equal(0, c:count("UpdateLogStore"))
    assert.equal(3, c:count("GetLogStore"))
    -- a journal the logstores do not bear out (the estate put back) is
    -- not believed: they are raised again
    c:restore()
    c:reset_stats()
    r = raise_ttl("--apply", "--journal", journal, table.unpack(sel))
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("raise%-ttl: 3 logstores: raised 3\n", r.stdout)
    assert.equal(3, c:count("UpdateLogStore"))
  end)

  it("leaves a longer retention alone", function()
    local r = raise_ttl("--days", "60", "--apply", "--logstore", "plain")
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("raise%-ttl: 1 logstores: done 1\n", r.stdout)
    assert.equal(0, c:count("UpdateLogStore"))
  end)

  it("ends with status 3 when a write is refused, naming the error", function()
    c:faults { next = { { status = 403, code = "Unauthorized",
                          match = { service = "sls", action = "UpdateLogStore" } } } }
    local report = dir .. "/failed.json"
    local r = raise_ttl("--days", "120", "--apply", "--logstore", "plain,byok-on",
                        "--concurrency", "1", "--report", report)
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.matches("failed 1, raised 1", r.stdout)
    local rows = json.decode(run.slurp(report))
    assert.equal("failed", rows[1].status)
    assert.equal("Unauthorized", rows[1].error_code)
  end)

  it("refuses bad options with status 2 before any request", function()
    for _, args in ipairs { {}, { "--days", "0" }, { "--days", "9", "--bogus" } } do
      local r = raise_ttl(table.unpack(args))
      assert.equal(2, r.code, table.concat(args, " ") .. ": " .. r.stdout .. r.stderr)
    end
    assert.equal(0, c:count("ListProject"))
  end)
end)
