-- migrate-logstores end to end: the slsh binary against the emulator, on
-- the mixed estate of the rollout tests (service-key, BYOK, unencrypted
-- logstores) with indexes, data in every shard, and configs, jobs and
-- dashboards that name the old logstores.
local fx = require "rollout_fixture"
local cloud = require "cloud"
local run = require "run"
local json = require "slsh.json"

local SRC = "app-hz"
local DST = "app-moved"

-- Data: `n` groups of 3 logs in each shard of project/logstore.
local function seed(c, project, ls, n)
  local sls = c:sls { retries = 10 }
  local shards = assert(sls:shards(project, ls))
  local total = 0
  for _, sh in ipairs(shards) do
    for i = 1, n do
      local g = { topic = "t" .. sh.shardID, source = "10.0.0." .. i,
                  tags = { { "__hostname__", "h" .. i } }, logs = {} }
      for j = 1, 3 do
        g.logs[j] = { time = 1700000000 + i * 10 + j,
                      contents = { { "shard", tostring(sh.shardID) }, { "i", tostring(i) },
                                   { "j", tostring(j) }, { "pad", ("x"):rep(200) } } }
      end
      assert(sls:put_logs(project, ls, g, { shard_key = sh.inclusiveBeginKey }))
      total = total + 3
    end
  end
  return total
end

-- Every log of every shard of project/logstore (in cn-hangzhou or
-- `region`), as sorted "shard|contents" strings, and the count per shard.
local function dump(c, project, ls, region)
  local sls = c:sls { region = region or fx.HZ, retries = 10 }
  local all, per = {}, {}
  for _, sh in ipairs(assert(sls:shards(project, ls))) do
    per[sh.shardID] = 0
    for groups in sls:pull_range(project, ls, sh.shardID, "begin", "end", { count = 1000 }) do
      for _, g in ipairs(groups) do
        for _, l in ipairs(g.logs) do
          local parts = { tostring(g.topic), tostring(g.source), tostring(l.time) }
          for _, kv in ipairs(l.contents) do parts[#parts + 1] = kv[1] .. "=" .. kv[2] end
          all[#all + 1] = sh.shardID .. "|" .. table.concat(parts, ",")
          per[sh.shardID] = per[sh.shardID] + 1
        end
      end
    end
  end
  table.sort(all)
  return all, per
end

-- A second account, the target of --to-profile.
local OTHER = { account = "6543210987654321", id = "LTAI5tSlshMigrateOther01",
                secret = "slsh-migrate-other-secret-DO-NOT-PRINT" }

-- The state with switch-over references to app-hz/service.
local function state()
  local s = fx.state()
  s.accounts[#s.accounts + 1] = { id = OTHER.account,
                                  access_keys = { { id = OTHER.id, secret = OTHER.secret } } }
  local p = s.projects[1]
  p.description = "the app's logs"
  p.logtail_configs = { { configName = "nginx-access", inputType = "file",
                          outputType = "LogService",
                          outputDetail = { logstoreName = "service" } } }
  p.jobs = { { name = "error-alert", type = "Alert",
               configuration = { queryList = { { store = "service", query = "*" } } } } }
  p.dashboards = { { dashboardName = "overview", charts = {
    { title = "errors", search = { logstore = "service", query = "level: error" } } } } }
  p.shippers = { { logstore = "service", shipperName = "to-oss" } }
  return s
end

local function migrate(c, extra)
  local a = { "--region", fx.HZ }
  local retries = true   -- "--retries 2" unless the test gives its own (twice is refused)
  for _, x in ipairs(extra) do
    a[#a + 1] = x
    if x == "--retries" then retries = false end
  end
  if retries then
    a[#a + 1] = "--retries"
    a[#a + 1] = "2"
  end
  return fx.run(c, "migrate-logstores", a)
end

-- Every request of the emulator's log that wrote to `project`.
local function writes_to(c, project)
  local n = 0
  for _, e in ipairs(c:control("GET", "log?n=1000").entries) do
    if e.host and e.host:find("^" .. project .. "%.") and e.method ~= "GET" then n = n + 1 end
  end
  return n
end

describe("migrate-logstores", function()
  local c
  setup(function() c = cloud.start { state = state() } end)
  teardown(function() c:stop() end)
  before_each(function()
    c:control("PUT", "state", state())
    c:reset_stats()
  end)

  it("lists every option in --help, with the exit statuses", function()
    local r = fx.run(c, "migrate-logstores", { "--help" })
    assert.equal(0, r.code)
    for _, o in ipairs { "--from", "--to", "--to-region", "--to-profile", "--rename",
                         "--suffix", "--key", "--role", "--service-key", "--no-encryption",
                         "--encrypt-type", "--create-project", "--copy-data", "--from-time",
                         "--to-time", "--apply", "--journal", "--report", "--concurrency",
                         "--plan-out", "--plan" } do
      assert.truthy(r.stdout:find(o .. " ", 1, true) or r.stdout:find(o .. "\n", 1, true), o)
    end
    assert.truthy(r.stdout:find("Exit status", 1, true))
  end)

  it("exits 2 on bad usage, before any request", function()
    for _, a in ipairs {
      { "--from", SRC, "--to", DST },                                  -- no encryption mode
      { "--from", SRC, "--to", DST, "--service-key", "--no-encryption" },
      { "--from", SRC, "--to", SRC, "--service-key" },                  -- target is the source
      { "--from", SRC, "--to", DST, "--service-key", "--rename", "x" },
      { "--from", SRC, "--to", DST, "--service-key", "--from-time", "1" },
      { "--from", SRC, "--to", DST, "--service-key", "--copy-data", "--from-time", "soon" },
      { "--from", SRC, "--to", DST, "--no-encryption", "--role", "r" },
      { "--from", SRC, "--to", DST, "--key", "cn-beijing=k", "--to-region", fx.SH },
      { "--from", "Bad_Project", "--to", DST, "--service-key" },
      { "--from", SRC, "--to", DST, "--service-key", "--copy-data", "--apply" }, -- no journal
      { "--from", SRC, "--to", DST, "--service-key", "--to-profile", "no-such-profile" },
      { "--from", SRC, "--to", DST, "--service-key", "--accounts", "all" },
      { "--from", SRC, "--from", SRC .. "/plain", "--to", DST, "--service-key" }, -- twice
      { "--from", SRC, "--to", DST, "--key", "alias/ключ" },
    } do
      local r = migrate(c, a)
      assert.equal(2, r.code, table.concat(a, " ") .. "\n" .. r.stdout .. r.stderr)
    end
    -- target names that cannot be logstore names: named with the rule
    for _, case in ipairs {
      { { "--suffix", ("x"):rep(70) }, "--suffix must make logstore names" },
      { { "--suffix", "-" }, "--suffix must make logstore names" },
      { { "--suffix", "_A" }, "--suffix must make logstore names" },
      { { "--rename", "plain=Plain" }, "--rename must be OLD=NEW with NEW a logstore name" },
      { { "--rename", "plain=p-" }, "--rename must be OLD=NEW with NEW a logstore name" },
      { { "--rename", "plain=" .. ("p"):rep(64) }, "--rename must be OLD=NEW" },
    } do
      local a = { "--from", SRC, "--to", DST, "--service-key", table.unpack(case[1]) }
      local r = migrate(c, a)
      assert.equal(2, r.code, table.concat(a, " ") .. "\n" .. r.stdout .. r.stderr)
      assert.truthy(r.stderr:find(case[2], 1, true), r.stderr)
      assert.truthy(r.stderr:find("2-63 characters, ending with a letter or digit", 1, true),
                    r.stderr)
    end
    assert.equal(0, c:stats().requests)
  end)

  it("refuses a target name made too long by --suffix, creating nothing for it", function()
    -- 58 characters: plain-... is 63 (a name), plain2-... is 64 (not one)
    local report = run.tmpname(".json")
    local suffix = "-" .. ("s"):rep(57)
    local r = migrate(c, { "--from", SRC .. "/plain*", "--to", DST, "--service-key",
                           "--suffix", suffix, "--create-project", "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local rows = fx.report(report)
    assert.equal("create", rows[SRC .. "/plain"].action)
    assert.equal("refused", rows[SRC .. "/plain2"].action)
    assert.matches("the target name plain2" .. suffix .. " is not a logstore name",
                   rows[SRC .. "/plain2"].reason, 1, true)
    assert.equal(0, writes_to(c, DST))
    -- no row can be written: the apply refuses them all and creates no project
    c:reset_stats()
    r = migrate(c, { "--from", SRC .. "/plain*", "--to", DST, "--service-key",
                     "--suffix", suffix .. "x", "--create-project", "--apply",
                     "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.falsy((r.stdout .. r.stderr):find("internal error", 1, true), r.stdout .. r.stderr)
    rows = fx.report(report)
    for _, key in ipairs { SRC .. "/plain", SRC .. "/plain2" } do
      assert.equal("refused", rows[key].status, key)
      assert.matches("is not a logstore name", rows[key].reason, 1, true)
    end
    assert.equal(0, c:count("CreateProject") + c:count("CreateLogStore"))
    assert.equal(0, writes_to(c, DST))
    -- a name that fits is migrated alongside a refused one
    c:reset_stats()
    r = migrate(c, { "--from", SRC .. "/plain*", "--to", DST, "--service-key",
                     "--suffix", suffix, "--create-project", "--apply", "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    rows = fx.report(report)
    assert.equal("migrated", rows[SRC .. "/plain"].status, rows[SRC .. "/plain"].reason)
    assert.equal("refused", rows[SRC .. "/plain2"].status)
    assert.equal(1, c:count("CreateProject"))
    assert.equal(1, c:count("CreateLogStore"))
    os.remove(report)
  end)

  it("migrates service-key logstores to BYOK in another project and region, "
     .. "config, index and data, and never writes the source", function()
    local src = c:sls()
    local index = json.decode [[{"line":{"token":[","," ","\n"],"caseSensitive":false},
      "keys":{"level":{"type":"text","token":[","]},"latency":{"type":"long"}},
      "x_future_index_key":{"kept":[1,2]}}]]
    assert(src:create_index(SRC, "service", index))
    local n_service = seed(c, SRC, "service", 7)
    local n_old = seed(c, SRC, "service-old", 2)
    local before = c:state()
    c:reset_stats()
    local report = run.tmpname(".json")
    local journal = run.tmpname(".jsonl")
    local r = migrate(c, { "--from", SRC .. "/service*", "--to", DST, "--to-region", fx.SH,
                           "--create-project", "--key", fx.KEY_SH, "--copy-data", "--apply",
                           "--journal", journal, "--report", report })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local rows = fx.report(report)
    for _, name in ipairs { "service", "service-old", "service-off" } do
      local row = rows[SRC .. "/" .. name]
      assert.equal("migrated", row.status, json.encode(row))
      assert.equal(row.read, row.written)
    end
    assert.equal(n_service, rows[SRC .. "/service"].written)
    assert.equal(n_old, rows[SRC .. "/service-old"].written)
    assert.matches("logtail config nginx%-access", rows[SRC .. "/service"].still_pointing)
    assert.matches("alert error%-alert", rows[SRC .. "/service"].still_pointing)
    assert.matches("dashboard overview", rows[SRC .. "/service"].still_pointing)
    assert.matches("shipper to%-oss", rows[SRC .. "/service"].still_pointing)
    assert.equal("nothing found", rows[SRC .. "/service-old"].still_pointing)
    -- every field of the source, minus the read-only ones, in the target
    local after = c:state()
    local stores = fx.stores(after)
    local moved_project
    for _, p in ipairs(after.projects) do if p.name == DST then moved_project = p end end
    assert.equal(fx.SH, moved_project.region)
    assert.equal("the app's logs", moved_project.description)
    for _, name in ipairs { "service", "service-old", "service-off" } do
      local a = assert(slsh.sls.creatable(fx.stores(before)[SRC .. "/" .. name]))
      local b = assert(slsh.sls.creatable(stores[DST .. "/" .. name]))
      assert.equal("byok", slsh.encrypt_conf.parse(b.encrypt_conf).mechanism)
      assert.equal(fx.KEY_SH, b.encrypt_conf.user_cmk_info.cmk_key_id)
      a.encrypt_conf, b.encrypt_conf = nil, nil
      assert.same({}, json.diff(a, b))
    end
    -- the index, unknown keys included
    local got = assert(c:sls { region = fx.SH }:get_index(DST, "service"))
    got.lastModifyTime = nil
    assert.is_true(json.equal(index, got))
    -- the data, log by log, shard by shard
    local want_logs, want_per = dump(c, SRC, "service")
    local got_logs, got_per = dump(c, DST, "service", fx.SH)
    assert.same(want_per, got_per)
    assert.same(want_logs, got_logs)
    -- the source: not one write, and its state unchanged
    assert.equal(0, writes_to(c, SRC))
    assert.same(fx.stores(before)[SRC .. "/service"], fx.stores(after)[SRC .. "/service"])
    -- a rerun with the journal does nothing
    local again = migrate(c, { "--from", SRC .. "/service*", "--to", DST, "--to-region", fx.SH,
                               "--key", fx.KEY_SH, "--copy-data", "--apply",
                               "--journal", journal })
    assert.equal(0, again.code, again.stdout .. again.stderr)
    assert.same(got_per, select(2, dump(c, DST, "service", fx.SH)))
    os.remove(report)
    os.remove(journal)
  end)

  it("resumes a copy killed with SIGKILL with no duplicate and no loss", function()
    local n = seed(c, SRC, "plain", 60)
    c:reset_stats()
    local journal = run.tmpname(".jsonl")
    local report = run.tmpname(".json")
    local args = { "--region", fx.HZ, "--retries", "2", "--from", SRC .. "/plain",
                   "--to", DST, "--create-project", "--service-key", "--copy-data",
                   "--apply", "--journal", journal, "--report", report, "--quiet" }
    -- every answer 20 ms late, so that the kill lands in the middle
    c:faults { latency_ms = 20 }
    for round = 1, 3 do
      local words = { run.quote(run.bin), "--connect-to", run.quote(c.url), "run",
                      "migrate-logstores" }
      for _, a in ipairs(args) do words[#words + 1] = run.quote(a) end
      -- exec all the way down: no shell is left to report the kill
      local p = assert(io.popen("exec env ALIBABA_CLOUD_ACCESS_KEY_ID=" .. run.quote(cloud.AK.id)
        .. " ALIBABA_CLOUD_ACCESS_KEY_SECRET=" .. run.quote(cloud.AK.secret)
        .. " sh -c 'echo $$; exec " .. table.concat(words, " "):gsub("'", "'\\''")
        .. " >/dev/null 2>&1'", "r"))
      local pid = tonumber(p:read("l"))
      -- kill it after some more groups were written
      local target = c:count("PutLogs") + 15 + round * 7
      local deadline = os.time() + 60
      while c:count("PutLogs") < target and os.time() < deadline do
        os.execute("sleep 0.02")
      end
      os.execute("kill -9 " .. pid)
      p:close()
    end
    c:faults { latency_ms = 0 }
    local written = c:count("PutLogs")
    assert.is_true(written > 30 and written < n / 3, "PutLogs before the last run: " .. written)
    local r = migrate(c, { "--from", SRC .. "/plain", "--to", DST, "--create-project",
                           "--service-key", "--copy-data", "--apply", "--journal", journal,
                           "--report", report })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal("migrated", row.status, json.encode(row))
    assert.equal(n, row.read)
    assert.equal(n, row.written)
    local want_logs, want_per = dump(c, SRC, "plain")
    local got_logs, got_per = dump(c, DST, "plain")
    assert.same(want_per, got_per)
    assert.same(want_logs, got_logs)
    assert.equal(0, writes_to(c, SRC))
    os.remove(journal)
    os.remove(report)
  end)

  it("stops on Ctrl-C at a checkpoint, exits 130 with a partial report, and resumes",
     function()
    seed(c, SRC, "plain", 40)
    c:reset_stats()
    local journal, report = run.tmpname(".jsonl"), run.tmpname(".json")
    local args = { "--region", fx.HZ, "--from", SRC .. "/plain", "--to", DST,
                   "--create-project", "--service-key", "--copy-data", "--apply",
                   "--journal", journal, "--report", report, "--quiet" }
    c:faults { latency_ms = 20 }
    local words = { run.quote(run.bin), "--connect-to", run.quote(c.url), "run",
                    "migrate-logstores" }
    for _, a in ipairs(args) do words[#words + 1] = run.quote(a) end
    local cmd = table.concat(words, " ") .. " >/dev/null 2>&1"
    local p = assert(io.popen("ALIBABA_CLOUD_ACCESS_KEY_ID=" .. run.quote(cloud.AK.id)
      .. " ALIBABA_CLOUD_ACCESS_KEY_SECRET=" .. run.quote(cloud.AK.secret)
      .. " sh -c " .. run.quote("(exec " .. cmd .. ") & echo $!; wait $!; echo rc=$?"), "r"))
    local pid = tonumber(p:read("l"))
    local deadline = os.time() + 60
    while c:count("PutLogs") < 10 and os.time() < deadline do os.execute("sleep 0.02") end
    os.execute("kill -INT " .. pid)
    local rc = p:read("l")
    p:close()
    c:faults { latency_ms = 0 }
    assert.equal("rc=130", rc)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal("interrupted", row.status, json.encode(row))
    assert.is_true(c:count("PutLogs") < 80)
    local r = migrate(c, { "--from", SRC .. "/plain", "--to", DST, "--service-key",
                           "--copy-data", "--apply", "--journal", journal, "--report", report })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("migrated", fx.report(report)[SRC .. "/plain"].status)
    assert.same(dump(c, SRC, "plain"), dump(c, DST, "plain"))
    for _, f in ipairs { journal, report } do os.remove(f) end
  end)

  it("a PutLogs whose answer was lost is found in the target, not sent twice", function()
    local n = seed(c, SRC, "plain", 12)
    local journal = run.tmpname(".jsonl")
    local report = run.tmpname(".json")
    local pass = { delay_ms = 0, match = { action = "PutLogs" } }
    c:faults { next = { pass, pass, pass, pass, pass,
                        { drop = "after", match = { action = "PutLogs" } } } }
    local args = { "--from", SRC .. "/plain", "--to", DST, "--create-project",
                   "--service-key", "--copy-data", "--apply", "--journal", journal,
                   "--report", report }
    local r = migrate(c, args)
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal("failed", row.status)
    assert.matches("not sent again", row.reason)
    r = migrate(c, args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    row = fx.report(report)[SRC .. "/plain"]
    assert.equal(n, row.written)
    local want_logs = dump(c, SRC, "plain")
    local got_logs = dump(c, DST, "plain")
    assert.same(want_logs, got_logs)
    os.remove(journal)
    os.remove(report)
  end)

  it("copies through the shards' quotas, retrying their throttling answers", function()
    local st = state()
    st.sls_limits = { write_qps = 10, read_qps = 5 }
    c:control("PUT", "state", st)
    local n = seed(c, SRC, "plain", 25)  -- the seeding is throttled too, and retried
    c:reset_stats()
    local journal, report = run.tmpname(".jsonl"), run.tmpname(".json")
    local r = migrate(c, { "--from", SRC .. "/plain", "--to", DST, "--create-project",
                           "--service-key", "--copy-data", "--apply", "--retries", "8",
                           "--journal", journal, "--report", report })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal(n, row.written)
    assert.same(dump(c, SRC, "plain"), dump(c, DST, "plain"))
    local throttled = c:stats().by_status["403"] or 0
    assert.is_true(throttled > 0, "the quotas were never reached")
    for _, f in ipairs { journal, report } do os.remove(f) end
  end)

  it("moves a logstore to another account with --to-profile", function()
    seed(c, SRC, "plain", 4)
    local home = os.tmpname()
    os.remove(home)
    assert(os.execute("mkdir -p " .. home .. "/.aliyun"))
    local f = assert(io.open(home .. "/.aliyun/config.json", "w"))
    f:write(json.encode { current = "default", profiles = {
      { name = "other", mode = "AK", access_key_id = OTHER.id,
        access_key_secret = OTHER.secret, region_id = fx.HZ } } })
    f:close()
    local journal, report = run.tmpname(".jsonl"), run.tmpname(".json")
    local words = { "--connect-to", c.url, "run", "migrate-logstores", "--region", fx.HZ,
                    "--from", SRC .. "/plain", "--to", "other-account-logs", "--to-profile",
                    "other", "--create-project", "--service-key", "--copy-data", "--apply",
                    "--journal", journal, "--report", report }
    local r = run.slsh(words, { env = { HOME = home,
                                        ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
                                        ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret } })
    os.execute("rm -rf " .. home)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.is_nil(r.stdout:find(OTHER.secret, 1, true))
    assert.is_nil(r.stderr:find(OTHER.secret, 1, true))
    local owner
    for _, p in ipairs(c:state().projects) do
      if p.name == "other-account-logs" then owner = p.account end
    end
    assert.equal(OTHER.account, owner)
    assert.equal(24, fx.report(report)[SRC .. "/plain"].written)
    for _, fl in ipairs { journal, report } do os.remove(fl) end
  end)

  it("refuses a target that exists and differs, naming the fields", function()
    local dst = c:sls()
    assert(dst:create_project(DST))
    assert(dst:create_logstore(DST, { logstoreName = "plain", ttl = 7, shardCount = 2 }))
    local report = run.tmpname(".json")
    local r = migrate(c, { "--from", SRC .. "/plain", "--to", DST, "--no-encryption",
                           "--apply", "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal("refused", row.status)
    assert.matches("ttl", row.reason)
    assert.matches("never overwritten", row.reason)
    assert.equal(7, c:sls():get_logstore(DST, "plain").ttl)
    os.remove(report)
  end)

  it("resumes a partial copy into a target that existed before the run", function()
    seed(c, SRC, "plain", 6)
    local sls = c:sls()
    assert(sls:create_project(DST))
    local body = assert(slsh.sls.creatable(assert(sls:get_logstore(SRC, "plain"))))
    body.encrypt_conf = slsh.encrypt_conf.service_key {}
    assert(sls:create_logstore(DST, body))
    local pass = { delay_ms = 0, match = { action = "PutLogs" } }
    c:faults { next = { pass, pass, pass, { status = 500, code = "InternalServerError",
                                            match = { action = "PutLogs" } } } }
    local journal, report = run.tmpname(".jsonl"), run.tmpname(".json")
    local args = { "--from", SRC .. "/plain", "--to", DST, "--service-key", "--copy-data",
                   "--apply", "--retries", "0", "--journal", journal, "--report", report }
    local r = migrate(c, args)
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.equal("resume", fx.report(report)[SRC .. "/plain"].action)
    r = migrate(c, args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("migrated", fx.report(report)[SRC .. "/plain"].status)
    assert.same(dump(c, SRC, "plain"), dump(c, DST, "plain"))
    for _, f in ipairs { journal, report } do os.remove(f) end
  end)

  it("refuses to copy into a target holding data that its journal does not record", function()
    seed(c, SRC, "plain", 3)
    local args = { "--from", SRC .. "/plain", "--to", DST, "--create-project", "--service-key",
                   "--copy-data", "--apply" }
    local j1, j2 = run.tmpname(".jsonl"), run.tmpname(".jsonl")
    local a1 = { table.unpack(args) }
    for _, x in ipairs { "--journal", j1 } do a1[#a1 + 1] = x end
    assert.equal(0, migrate(c, a1).code)
    local report = run.tmpname(".json")
    local a2 = { table.unpack(args) }
    for _, x in ipairs { "--journal", j2, "--report", report } do a2[#a2 + 1] = x end
    local r = migrate(c, a2)
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal("refused", row.status)
    assert.matches("would duplicate", row.reason)
    local _, per = dump(c, DST, "plain")
    assert.same({ [0] = 9, [1] = 9 }, per)
    for _, f in ipairs { j1, j2, report } do os.remove(f) end
  end)

  it("trusts a journal's migrated entry only after reading the target: a journal of "
     .. "another estate plans create, and --apply creates and copies", function()
    seed(c, SRC, "plain", 3)
    local journal, report = run.tmpname(".jsonl"), run.tmpname(".json")
    local args = { "--from", SRC .. "/plain", "--to", DST, "--create-project", "--service-key",
                   "--copy-data", "--journal", journal, "--report", report }
    local a = { table.unpack(args) }
    a[#a + 1] = "--apply"
    local r = migrate(c, a)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("migrated", fx.report(report)[SRC .. "/plain"].status)
    -- the same journal read against the same estate: journaled, as read now
    r = migrate(c, args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal("done", row.action)
    assert.equal("journaled", row.status)
    assert.matches("read now: the target exists with the same configuration", row.reason)
    -- a fresh estate, the same source, no target: the journal (of a
    -- rehearsal, say) is not believed
    c:control("PUT", "state", state())
    local n = seed(c, SRC, "plain", 3)
    c:reset_stats()
    r = migrate(c, args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    row = fx.report(report)[SRC .. "/plain"]
    assert.equal("create", row.action)
    assert.equal("create", row.status)
    assert.matches("journal's entry %(migrated at .*%) is ignored", row.reason)
    assert.equal(0, writes_to(c, DST) + writes_to(c, SRC))
    r = migrate(c, a)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    row = fx.report(report)[SRC .. "/plain"]
    assert.equal("create", row.action)
    assert.equal("migrated", row.status, json.encode(row))
    assert.matches("is ignored", row.reason)
    -- the earlier run's shard checkpoints are not this target's place:
    -- every log is copied
    assert.equal(n, row.written)
    assert.truthy(fx.stores(c:state())[DST .. "/plain"])
    assert.same(dump(c, SRC, "plain"), dump(c, DST, "plain"))
    for _, f in ipairs { journal, report } do os.remove(f) end
  end)

  it("carries out a saved plan exactly, refusing a source changed since", function()
    local plan = run.tmpname(".json")
    local report = run.tmpname(".json")
    local base = { "--from", SRC .. "/plain*", "--to", DST, "--create-project",
                   "--service-key" }
    local a = { table.unpack(base) }
    for _, x in ipairs { "--plan-out", plan } do a[#a + 1] = x end
    local r = migrate(c, a)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    -- after the plan: plain changes, a new plain3 appears
    local sls = c:sls()
    assert(sls:update_logstore(SRC, "plain", { ttl = 120 }))
    assert(sls:create_logstore(SRC, { logstoreName = "plain3", ttl = 7, shardCount = 1 }))
    a = { table.unpack(base) }
    for _, x in ipairs { "--apply", "--plan", plan, "--report", report } do a[#a + 1] = x end
    r = migrate(c, a)
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local rows = fx.report(report)
    assert.equal("refused", rows[SRC .. "/plain"].status)
    assert.matches("changed since the plan", rows[SRC .. "/plain"].reason)
    assert.equal("migrated", rows[SRC .. "/plain2"].status)
    assert.is_nil(rows[SRC .. "/plain3"])
    local stores = fx.stores(c:state())
    assert.is_nil(stores[DST .. "/plain"])
    assert.is_nil(stores[DST .. "/plain3"])
    assert.truthy(stores[DST .. "/plain2"])
    os.remove(plan)
    os.remove(report)
  end)

  it("plans without writing: create, done, missing project refused", function()
    local report = run.tmpname(".json")
    local r = migrate(c, { "--from", SRC .. "/plain*", "--to", DST, "--service-key",
                           "--suffix", "-svc", "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)[SRC .. "/plain"]
    assert.equal("refused", row.action)
    assert.matches("does not exist", row.reason)
    r = migrate(c, { "--from", SRC .. "/plain*", "--to", DST, "--service-key",
                     "--suffix", "-svc", "--create-project", "--report", report })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    row = fx.report(report)[SRC .. "/plain2"]
    assert.equal("create", row.action)
    assert.equal("plain2-svc", row.to_logstore)
    assert.equal(0, writes_to(c, DST) + writes_to(c, SRC))
    os.remove(report)
  end)
end)
