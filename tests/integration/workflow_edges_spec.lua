-- The edges of the rollout workflows (issue 7): options and files checked
-- before the first request, interrupts, TLS from the command line, saved
-- plans, region defaults, exclusions and accepted refusals. Against the
-- emulator, through the real slsh binary.
local fx = require "rollout_fixture"
local cloud = require "cloud"
local run = require "run"
local json = require "slsh.json"

-- slsh GLOBAL... run WORKFLOW ARGS... with the estate's key (and env).
local function slsh_run(c, globals, workflow, args, env)
  local words = {}
  local connect = true   -- the emulator unless the test gives its own (twice is refused)
  for _, a in ipairs(globals or {}) do
    words[#words + 1] = a
    if a == "--connect-to" then connect = false end
  end
  if connect then
    words[#words + 1] = "--connect-to"
    words[#words + 1] = c.url
  end
  words[#words + 1] = "run"
  words[#words + 1] = workflow
  for _, a in ipairs(args or {}) do words[#words + 1] = a end
  local e = { ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
              ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret }
  for k, v in pairs(env or {}) do e[k] = v end
  return run.slsh(words, { env = e })
end

local function requests(c)
  local n = 0
  for _, actions in pairs(c:stats().by_service) do
    for _, k in pairs(actions) do n = n + k end
  end
  return n
end

local function mode(path)
  local p = io.popen("stat -c %a " .. run.quote(path))
  local m = p:read("l")
  p:close()
  return m
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function no_traceback(r)
  assert.is_nil(r.stderr:find("traceback", 1, true), r.stderr)
  assert.is_nil(r.stdout:find("traceback", 1, true), r.stdout)
end

describe("workflow edges", function()
  local c
  setup(function() c = cloud.start { state = fx.state(), tls = true } end)
  teardown(function() c:stop() end)
  before_each(function()
    fx.reset(c)
    c:faults { next = json.array {}, latency_ms = 0 }
  end)

  it("checks every option and file before the first request, exit 2, one line", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local garbage = dir .. "/bad.jsonl"
    local f = assert(io.open(garbage, "w"))
    f:write('{"key":"cn-hangzhou/app-hz/plain","status":"applied"}\n{"key":"cn-hang')
    f:close()
    -- outputs are written to FILE.tmp and renamed: never over a pipe or a
    -- link (as root, over /dev/null it would replace the device)
    local fifo, link = dir .. "/fifo.json", dir .. "/link.json"
    assert(os.execute("mkfifo " .. fifo .. " && ln -s " .. dir .. "/real.json " .. link))
    local plist = dir .. "/projects.txt"
    f = assert(io.open(plist, "w"))
    f:write("# projects\napp-hz  # first\n\napp-*\n")
    f:close()
    for _, case in ipairs {
      { { "--report", fifo }, "is not a regular file" },
      { { "--report", link }, "is not a regular file" },
      { { "--journal", fifo, "--apply" }, "is not a regular file" },
      { { "--plan-out", link }, "is not a regular file" },
      { { "--project-file", plist },
        "--project-file " .. plist .. " line 4: 'app-*' is not a project name" },
      { { "--report", dir .. "/out.txt" }, "must end in .json or .csv" },
      { { "--report", dir .. "/missing/x.json" }, "no directory " .. dir .. "/missing" },
      { { "--report", dir }, "is a directory" },
      { { "--journal", dir .. "/missing/j.jsonl", "--apply" }, "no directory" },
      { { "--journal", dir, "--apply" }, "is a directory" },
      { { "--journal", garbage, "--apply" }, "bad.jsonl line 2 is not a journal entry" },
      { { "--journal", garbage }, "line 2" },
      { { "--new-journal" }, "--new-journal needs --journal" },
      { { "--region", "no/such" }, "region ids such as cn-hangzhou, got 'no/such'" },
      { { "--project-file", dir .. "/missing" }, "--project-file: cannot read" },
      { { "--accept-refused", dir .. "/missing.json" }, "--accept-refused" },
      { { "--accept-refused", garbage }, "is not a JSON report" },
      { { "--plan-out", dir .. "/p.json", "--apply" }, "without --apply" },
      { { "--plan", garbage }, "is not a plan written by --plan-out" },
    } do
      c:reset_stats()
      local args = { "--state", "on", "--region", "cn-hangzhou" }
      for _, a in ipairs(case[1]) do args[#args + 1] = a end
      local r = slsh_run(c, {}, "toggle", args)
      assert.equal(2, r.code, table.concat(case[1], " ") .. ": " .. r.stdout .. r.stderr)
      assert.truthy(r.stderr:find(case[2], 1, true), r.stderr)
      assert.equal(2, select(2, r.stderr:gsub("\n", "")), r.stderr) -- message + "try --help"
      assert.equal(0, requests(c), table.concat(case[1], " "))
    end
    -- nothing was created by a refused run
    assert.is_nil(slurp(dir .. "/out.txt"))
    assert.equal('{"key":"cn-hangzhou/app-hz/plain","status":"applied"}\n{"key":"cn-hang',
                 slurp(garbage))
    for _, case in ipairs {
      { { "--connect-to", "ftp://x" }, "--connect-to must be http(s)://HOST[:PORT]" },
      { { "--connect-to", "http://h/path" }, "--connect-to must be" },
      { { "--ca-file", dir .. "/none.pem" }, "--ca-file: cannot read" },
      { { "--region", "cn-hangzhou,x y" }, "--region takes region ids" },
    } do
      local r = slsh_run(c, case[1], "toggle", { "--state", "on" })
      assert.equal(2, r.code, r.stderr)
      assert.truthy(r.stderr:find(case[2], 1, true), r.stderr)
    end
    local r = slsh_run(c, {}, "byok-rollout", { "--region", "cn-hangzhou",
                                                "--key", "cn-hangzhou=" })
    assert.equal(2, r.code, r.stdout .. r.stderr)
    no_traceback(r)
    os.execute("rm -rf " .. dir)
  end)

  it("explains the new options in every rollout workflow's --help, within 80 columns",
     function()
    for _, w in ipairs { "byok-rollout", "encrypt-service-key", "toggle" } do
      local r = slsh_run(c, {}, w, { "--help" })
      assert.equal(0, r.code, w)
      for _, o in ipairs { "--plan-out FILE", "--plan FILE", "--exclude-logstore",
                           "--accept-refused", "--new-journal", "mode 0600", "'-'" } do
        assert.truthy(r.stdout:find(o, 1, true), w .. ": " .. o)
      end
      for line in r.stdout:gmatch("[^\n]+") do
        assert.is_true(#line <= 80, w .. ": " .. line)
      end
    end
    local r = run.slsh { "--help" }
    for _, o in ipairs { "--ca-file FILE", "SSL_CERT_FILE", "ALIBABA_CLOUD_REGION_ID", "130" } do
      assert.truthy(r.stdout:find(o, 1, true), o)
    end
  end)

  it("creates the report and journal 0600 and starts a new journal on request", function()
    local report, journal = fx.tmp(".json"), fx.tmp(".jsonl")
    local f = assert(io.open(journal, "w"))
    f:write("garbage\n")
    f:close()
    local r = slsh_run(c, {}, "toggle", { "--state", "off", "--region", "cn-hangzhou",
                                          "--logstore", "byok-on", "--apply", "--report", report,
                                          "--journal", journal, "--new-journal" })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("600", mode(report))
    assert.equal("600", mode(journal))
    assert.equal("garbage\n", slurp(journal .. ".old"))
    local line = json.decode(slurp(journal):match("^[^\n]+"))
    assert.equal("cn-hangzhou/app-hz/byok-on", line.key)
    assert.equal("applied", line.status)
    os.remove(report)
    os.remove(journal)
    os.remove(journal .. ".old")
  end)

  it("shows the real error of a failed read in the plan, with its code", function()
    local report = fx.tmp(".json")
    c:faults { next = json.array { { status = 500, code = "InternalServerError",
                                     message = "boom",
                                     match = { service = "sls", action = "GetLogStore" } } } }
    local r = slsh_run(c, {}, "toggle", { "--state", "on", "--region", "cn-hangzhou",
                                          "--logstore", "byok-off", "--retries", "0",
                                          "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local rows = fx.report(report)
    os.remove(report)
    local row = rows["app-hz/byok-off"]
    assert.equal("failed", row.status)
    assert.matches("cannot read the logstore: InternalServerError: boom", row.reason, 1, true)
    assert.equal("InternalServerError", row.error_code)
    assert.is_nil(row.reason:find("unknown error", 1, true))
  end)

  it("reports a write whose read-back failed as unverified, and a rerun verifies it",
     function()
    local report, journal = fx.tmp(".json"), fx.tmp(".jsonl")
    local args = { "--state", "off", "--region", "cn-hangzhou", "--logstore", "byok-on",
                   "--retries", "0", "--apply", "--report", report, "--journal", journal }
    -- the plan's read passes (the write merges from it, no second read);
    -- the read-back fails
    local pass = { delay_ms = 1, match = { service = "sls", action = "GetLogStore" } }
    c:faults { next = json.array { pass,
      { status = 503, code = "ServerBusy", message = "busy",
        match = { service = "sls", action = "GetLogStore" } } } }
    local r = slsh_run(c, {}, "toggle", args)
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)["app-hz/byok-on"]
    assert.equal("unverified", row.status)
    assert.equal(1, c:count("UpdateLogStore"))
    local put
    for _, e in ipairs(c:log().entries) do
      if e.action == "UpdateLogStore" then put = e end
    end
    assert.truthy(row.request_id)
    assert.matches("written (request id " .. row.request_id .. ") but not verified",
                   row.reason, 1, true)
    assert.matches("ServerBusy", row.reason, 1, true)
    assert.equal(200, put.status)
    local entry = json.decode(slurp(journal):match("^[^\n]+"))
    assert.equal("unverified", entry.status)
    -- the rerun reads it again: as wanted, no second write
    r = slsh_run(c, {}, "toggle", args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    row = fx.report(report)["app-hz/byok-on"]
    assert.equal("already", row.status)
    assert.matches("verified: written by an earlier run", row.reason, 1, true)
    assert.equal(1, c:count("UpdateLogStore"))
    os.remove(report)
    os.remove(journal)
  end)

  it("reports a write whose answer was lost as may-have-been-written, never resent",
     function()
    local report, journal = fx.tmp(".json"), fx.tmp(".jsonl")
    local args = { "--state", "off", "--region", "cn-hangzhou", "--logstore", "byok-on",
                   "--apply", "--report", report, "--journal", journal }
    c:faults { next = json.array { { drop = "after",
                                     match = { service = "sls", action = "UpdateLogStore" } } } }
    local r = slsh_run(c, {}, "toggle", args)
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)["app-hz/byok-on"]
    assert.equal("unverified", row.status)
    assert.matches("may have been written", row.reason, 1, true)
    assert.equal(1, c:count("UpdateLogStore"))
    r = slsh_run(c, {}, "toggle", args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("already", fx.report(report)["app-hz/byok-on"].status)
    assert.equal(1, c:count("UpdateLogStore"))
    os.remove(report)
    os.remove(journal)
  end)

  -- Start a workflow in the background, wait for `ready` in its output,
  -- send `sig` (once or twice); the finished run.
  local function interrupt(args, ready, sig, twice, delay, env)
    local out, err = os.tmpname(), os.tmpname()
    local words = { run.quote(run.bin), "--connect-to", run.quote(c.url), "run", "toggle" }
    for _, a in ipairs(args) do words[#words + 1] = run.quote(a) end
    local script = "ALIBABA_CLOUD_ACCESS_KEY_ID=" .. run.quote(cloud.AK.id)
      .. " ALIBABA_CLOUD_ACCESS_KEY_SECRET=" .. run.quote(cloud.AK.secret) .. " "
      .. (env or "")
      .. table.concat(words, " ") .. " >" .. out .. " 2>" .. err .. " & pid=$!\n"
      .. "n=0; until grep -q " .. run.quote(ready) .. " " .. out
      .. " || [ $n -gt 400 ]; do sleep 0.05; n=$((n+1)); done\n"
      .. "sleep " .. (delay or 0.3) .. "; kill -" .. sig .. " $pid\n"
      .. (twice and ("sleep 0.2; kill -" .. sig .. " $pid\n") or "")
      .. "wait $pid; exit $?"
    local r = run.sh("sh -c " .. run.quote(script))
    r.stdout, r.stderr = run.unsanitize(slurp(out)), run.unsanitize(slurp(err))
    os.remove(out)
    os.remove(err)
    return r
  end

  -- The rows of an interrupted apply, each consistent with the journal
  -- and the writes the emulator saw: what is applied was written once and
  -- journaled, nothing else was written; the run stopped before the end.
  local function check_stopped(r, report, journal)
    local _, rows = fx.report(report)
    assert.is_true(#rows >= 1 and #rows < 13, #rows)
    assert.truthy(r.stdout:find("toggle: " .. #rows .. " logstores:", 1, true), r.stdout)
    local applied = 0
    local after = fx.stores(c:state())
    for _, row in ipairs(rows) do
      assert.is_true(row.status == "applied" or row.status == "interrupted"
                     or row.status == "already" or row.status == "skipped", row.status)
      if row.status == "applied" then
        applied = applied + 1
        assert.is_false(after[row.project .. "/" .. row.logstore].encrypt_conf.enable)
      end
      if row.status == "interrupted" then
        assert.matches("not applied: the run was interrupted", row.reason, 1, true)
      end
    end
    assert.equal(applied, c:count("UpdateLogStore"))
    if journal then
      local entries = 0
      for line in (slurp(journal) or ""):gmatch("[^\n]+") do
        assert.equal("applied", json.decode(line).status)
        entries = entries + 1
      end
      assert.equal(applied, entries)
    end
  end

  it("on Ctrl-C during the apply finishes what is in flight, reports, exits 130",
     function()
    c:faults { latency_ms = 300 }
    local report, journal = fx.tmp(".json"), fx.tmp(".jsonl")
    -- one at a time: the signal comes while the first change (listing,
    -- read, then its write) is in flight
    local r = interrupt({ "--state", "off", "--region", "cn-hangzhou", "--logstore", "*",
                          "--apply", "--concurrency", "1", "--report", report,
                          "--journal", journal }, "apply: ", "INT", false, 0.75)
    assert.equal(130, r.code, r.stdout .. r.stderr)
    no_traceback(r)
    assert.truthy(r.stdout:find("the items in flight were finished", 1, true),
                  r.stdout)
    check_stopped(r, report, journal)
    -- a rerun with the journal finishes the job
    c:faults { latency_ms = 0 }
    local again = slsh_run(c, {}, "toggle", { "--state", "off", "--region", "cn-hangzhou",
                                              "--logstore", "*", "--apply", "--report", report,
                                              "--journal", journal })
    assert.equal(0, again.code, again.stdout .. again.stderr)
    assert.equal(6, c:count("UpdateLogStore"))
    os.remove(report)
    os.remove(journal)
  end)

  it("on SIGTERM during the run writes a partial report and exits 143", function()
    c:faults { latency_ms = 300 }
    local report = fx.tmp(".json")
    local r = interrupt({ "--state", "off", "--region", "cn-hangzhou", "--logstore", "*",
                          "--apply", "--concurrency", "1", "--report", report },
                        "caller", "TERM", false, 2.5)
    assert.equal(143, r.code, r.stdout .. r.stderr)
    no_traceback(r)
    -- the rows finished before the signal, no more (the selection is
    -- streamed: what was not looked at is not listed)
    assert.truthy(r.stdout:find("interrupted: nothing new was started", 1, true), r.stdout)
    check_stopped(r, report)
    os.remove(report)
  end)

  it("abandons what is still in flight when the grace runs out, and says so", function()
    -- the writes take 4 s: the grace of 1 s runs out while they are in flight
    local slow = { delay_ms = 4000, match = { service = "sls", action = "UpdateLogStore" } }
    c:faults { latency_ms = 300, next = json.array { slow, slow, slow, slow, slow, slow } }
    local report, journal = fx.tmp(".json"), fx.tmp(".jsonl")
    local r = interrupt({ "--state", "off", "--region", "cn-hangzhou", "--logstore", "*",
                          "--apply", "--concurrency", "4", "--report", report,
                          "--journal", journal }, "apply: ", "INT", false, 1.5,
                        "SLSH_INTERRUPT_GRACE=1 ")
    assert.equal(130, r.code, r.stdout .. r.stderr)
    no_traceback(r)
    assert.truthy(r.stdout:find("still in flight after the grace", 1, true), r.stdout)
    local _, rows = fx.report(report)
    local in_flight, applied = 0, 0
    for _, row in ipairs(rows) do
      if row.reason:find("interrupted in flight: the write may have been made", 1, true) then
        in_flight = in_flight + 1
      end
      if row.status == "applied" then applied = applied + 1 end
    end
    assert.is_true(in_flight > 0, r.stdout)
    local f = io.open(journal)
    for line in f:lines() do assert.equal("applied", json.decode(line).status) end
    f:close()
    -- the abandoned writes were sent: the emulator carries them out late
    -- (wait for them, so that they land in this test and not the next)
    local waited = 0
    while c:count("UpdateLogStore") < in_flight + applied and waited < 100 do
      os.execute("sleep 0.1")
      waited = waited + 1
    end
    assert.equal(in_flight + applied, c:count("UpdateLogStore"))
    os.remove(report)
    os.remove(journal)
  end)

  it("exits at once on a second Ctrl-C", function()
    c:faults { latency_ms = 2000 }
    local r = interrupt({ "--state", "off", "--region", "cn-hangzhou", "--logstore", "*",
                          "--apply" }, "pre-flight", "INT", true)
    assert.equal(130, r.code, r.stdout .. r.stderr)
    no_traceback(r)
  end)

  it("trusts --ca-file, SSL_CERT_FILE and CURL_CA_BUNDLE for HTTPS", function()
    local args = { "--state", "on", "--region", "cn-hangzhou", "--logstore", "byok-off",
                   "--quiet" }
    local function https(globals, env)
      local words = { "--connect-to", c.https_url }
      for _, g in ipairs(globals) do words[#words + 1] = g end
      words[#words + 1] = "run"
      words[#words + 1] = "toggle"
      for _, a in ipairs(args) do words[#words + 1] = a end
      local e = { ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
                  ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret,
                  SSL_CERT_FILE = "", CURL_CA_BUNDLE = "" }
      for k, v in pairs(env or {}) do e[k] = v end
      return run.slsh(words, { env = e })
    end
    local r = https({})
    assert.equal(1, r.code, r.stdout .. r.stderr)
    assert.truthy(r.stderr:find("certificate", 1, true), r.stderr)
    no_traceback(r)
    for _, case in ipairs {
      { { "--ca-file", c.ca } },
      { {}, { SSL_CERT_FILE = c.ca } },
      { {}, { CURL_CA_BUNDLE = c.ca } },
    } do
      r = https(case[1], case[2])
      assert.equal(0, r.code, r.stdout .. r.stderr)
      assert.truthy(r.stdout:find("plan: 1 logstores: enable 1", 1, true), r.stdout)
    end
    -- the credentials URI over https trusts the same file
    local st = c:state()
    st.credentials_uri = { account = fx.ACCOUNT }
    c:restore(st)
    local env = { ALIBABA_CLOUD_ACCESS_KEY_ID = "", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "",
                  ALIBABA_CLOUD_CREDENTIALS_URI = c.https_url .. "/__emulator/credentials-uri" }
    r = https({}, env)
    assert.equal(1, r.code, r.stdout .. r.stderr)
    no_traceback(r)
    r = https({ "--ca-file", c.ca }, env)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.truthy(r.stdout:find("plan: 1 logstores: enable 1", 1, true), r.stdout)
  end)

  it("carries out exactly a saved plan, refusing logstores changed since", function()
    local plan = fx.tmp(".json")
    local base = { "--state", "off", "--region", "cn-hangzhou", "--logstore", "byok-*" }
    local args = {}
    for _, a in ipairs(base) do args[#args + 1] = a end
    args[#args + 1] = "--plan-out"
    args[#args + 1] = plan
    local r = slsh_run(c, {}, "toggle", args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal("600", mode(plan))
    local doc = json.decode(slurp(plan))
    assert.equal("toggle", doc.workflow)
    local planned = {}
    for _, ch in ipairs(doc.changes) do
      planned[ch.logstore] = ch
      assert.equal(64, #ch.state)
    end
    -- byok-on, byok-other, byok-dead, byok-sm4
    assert.same({ "byok-dead", "byok-on", "byok-other", "byok-sm4" },
                (function()
                  local t = {}
                  for k in pairs(planned) do t[#t + 1] = k end
                  table.sort(t)
                  return t
                end)())
    assert.equal(false, planned["byok-on"].conf.enable)
    -- the world moves on: one planned logstore changes, one appears
    local st = c:state()
    for _, p in ipairs(st.projects) do
      if p.name == "app-hz" then
        for _, l in ipairs(p.logstores) do
          if l.logstoreName == "byok-other" then l.ttl = 7 end
        end
        local fresh = cloud.logstore("byok-new")
        fresh.encrypt_conf = fx.byok(fx.KEY)
        p.logstores[#p.logstores + 1] = fresh
      end
    end
    c:restore(st)
    c:reset_stats()
    local report = fx.tmp(".json")
    -- a plan applied with other options than it was made with is refused
    r = slsh_run(c, {}, "toggle", { "--state", "on", "--apply", "--plan", plan,
                                    "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    for _, row in pairs(fx.report(report)) do
      assert.equal("refused", row.status)
      assert.matches("the plan was made for 'toggle off'", row.reason, 1, true)
    end
    assert.equal(0, c:count("UpdateLogStore"))
    r = slsh_run(c, {}, "toggle", { "--state", "off", "--apply", "--plan", plan,
                                    "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local rows = fx.report(report)
    assert.equal("refused", rows["app-hz/byok-other"].status)
    assert.matches("changed since the plan", rows["app-hz/byok-other"].reason, 1, true)
    assert.equal("applied", rows["app-hz/byok-on"].status)
    assert.is_nil(rows["app-hz/byok-new"])
    assert.equal(3, c:count("UpdateLogStore"))
    local after = fx.stores(c:state())
    assert.is_true(after["app-hz/byok-new"].encrypt_conf.enable)
    assert.is_true(after["app-hz/byok-other"].encrypt_conf.enable)
    os.remove(plan)
    os.remove(report)
  end)

  it("refuses a toggle plan edited by hand, writing nothing", function()
    local plan, report = fx.tmp(".json"), fx.tmp(".json")
    local function save(doc)
      local f = assert(io.open(plan, "w"))
      f:write(json.encode(doc))
      f:close()
    end
    -- byok-off would be enabled: the edit disables it instead
    local r = slsh_run(c, {}, "toggle", { "--state", "on", "--region", "cn-hangzhou",
                                          "--logstore", "byok-off", "--plan-out", plan })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local doc = json.decode(slurp(plan))
    assert.equal("enable", doc.changes[1].action)
    doc.changes[1].conf.enable = false
    save(doc)
    r = slsh_run(c, {}, "toggle", { "--state", "on", "--apply", "--plan", plan,
                                    "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    local row = fx.report(report)["app-hz/byok-off"]
    assert.equal("refused", row.status)
    assert.matches("the saved plan's change differs from what this run plans", row.reason,
                   1, true)
    -- an unencrypted logstore (its fingerprint taken from a byok-rollout
    -- plan) made an "enable" of the toggle plan: toggle plans nothing there
    r = slsh_run(c, {}, "byok-rollout", { "--region", "cn-hangzhou", "--key", fx.KEY,
                                          "--logstore", "plain", "--plan-out", plan })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    doc = json.decode(slurp(plan))
    doc.workflow = "toggle"
    doc.changes[1].action = "enable"
    doc.changes[1].target = "toggle on"
    save(doc)
    r = slsh_run(c, {}, "toggle", { "--state", "on", "--apply", "--plan", plan,
                                    "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    row = fx.report(report)["app-hz/plain"]
    assert.equal("refused", row.status)
    assert.matches("saved enable to byok " .. fx.KEY, row.reason, 1, true)
    assert.matches("; nothing written", row.reason, 1, true)
    assert.equal(0, c:count("UpdateLogStore") + c:count("UpdateLogStoreEncryption"))
    assert.is_nil(fx.stores(c:state())["app-hz/plain"].encrypt_conf)
    os.remove(plan)
    os.remove(report)
  end)

  it("saves and carries out a byok-rollout plan, with the key it was made for", function()
    local plan, report = fx.tmp(".json"), fx.tmp(".json")
    local r = slsh_run(c, {}, "byok-rollout", { "--region", "cn-hangzhou", "--key",
                                                "alias/slsh-byok", "--logstore", "plain*",
                                                "--plan-out", plan })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    r = slsh_run(c, {}, "byok-rollout", { "--key", "cn-hangzhou=" .. fx.KEY_B, "--apply",
                                          "--plan", plan, "--report", report })
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.equal(0, c:count("UpdateLogStore"))
    r = slsh_run(c, {}, "byok-rollout", { "--key", "alias/slsh-byok", "--apply",
                                          "--plan", plan, "--report", report })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local rows = fx.report(report)
    assert.equal("applied", rows["app-hz/plain"].status)
    assert.equal("applied", rows["app-hz/plain2"].status)
    assert.equal(2, c:count("UpdateLogStore"))
    assert.equal(fx.KEY, fx.stores(c:state())["app-hz/plain"].encrypt_conf.user_cmk_info.cmk_key_id)
    os.remove(plan)
    os.remove(report)
  end)

  it("takes a list of regions from the global --region, the environment and the profile",
     function()
    local args = { "--state", "on", "--logstore", "plain", "--quiet" }
    local r = slsh_run(c, { "--region", "cn-hangzhou,cn-shanghai" }, "toggle", args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.truthy(r.stdout:find("plan: 2 logstores", 1, true), r.stdout)
    -- a client takes the first region of the list
    local one = run.slsh { "--region", "cn-shanghai,cn-hangzhou", "-e",
                           "print(slsh.sls.client{}.region)" }
    assert.equal("cn-shanghai\n", one.stdout, one.stderr)
    r = slsh_run(c, {}, "toggle", args, { ALIBABA_CLOUD_REGION_ID = "cn-shanghai" })
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.truthy(r.stdout:find("plan: 1 logstores", 1, true), r.stdout)
    local home = os.tmpname()
    os.remove(home)
    assert(os.execute("mkdir -p " .. home .. "/.aliyun"))
    local f = assert(io.open(home .. "/.aliyun/config.json", "w"))
    f:write(json.encode { current = "p", profiles = { {
      name = "p", mode = "AK", access_key_id = cloud.AK.id,
      access_key_secret = cloud.AK.secret, region_id = "cn-shanghai" } } })
    f:close()
    local words = { "--connect-to", c.url, "run", "toggle" }
    for _, a in ipairs(args) do words[#words + 1] = a end
    r = run.slsh(words, { env = { HOME = home } })
    local client = run.slsh({ "-e", "print(slsh.sls.client{}.region)" },
                            { env = { HOME = home } })
    os.execute("rm -rf " .. home)
    assert.equal("cn-shanghai\n", client.stdout, client.stderr)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.truthy(r.stdout:find("plan: 1 logstores", 1, true), r.stdout)
  end)

  it("writes --report - alone on standard output, everything else on stderr", function()
    local r = slsh_run(c, {}, "toggle", { "--state", "on", "--region", "cn-hangzhou",
                                          "--logstore", "byok-*", "--report", "-" })
    assert.equal(0, r.code, r.stderr)
    local rows = json.decode(r.stdout)
    assert.equal(5, #rows)
    assert.truthy(r.stderr:find("plan: 5 logstores", 1, true), r.stderr)
  end)

  it("leaves out --exclude-logstore and forgives refusals --accept-refused knows", function()
    local report = fx.tmp(".json")
    local base = { "--state", "on", "--region", "cn-hangzhou,cn-shanghai",
                   "--logstore", "byok-*", "--report", report }
    local r = slsh_run(c, {}, "toggle", base)
    assert.equal(3, r.code, r.stdout .. r.stderr) -- byok-dead-sh: its key is disabled
    local rows = fx.report(report)
    assert.equal("refused", rows["app-sh/byok-dead-sh"].status)
    local baseline = fx.tmp(".json")
    assert(os.rename(report, baseline))
    local args = { "--accept-refused", baseline }
    for _, a in ipairs(base) do args[#args + 1] = a end
    r = slsh_run(c, {}, "toggle", args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    rows = fx.report(report)
    assert.equal("refused", rows["app-sh/byok-dead-sh"].status)
    assert.is_true(rows["app-sh/byok-dead-sh"].accepted)
    args = { "--exclude-logstore", "byok-dead*,byok-o*" }
    for _, a in ipairs(base) do args[#args + 1] = a end
    r = slsh_run(c, {}, "toggle", args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    rows = fx.report(report)
    assert.is_nil(rows["app-hz/byok-dead"])
    assert.is_nil(rows["app-sh/byok-dead-sh"])
    assert.is_nil(rows["app-hz/byok-off"])
    assert.is_nil(rows["app-hz/byok-other"])
    assert.truthy(rows["app-hz/byok-sm4"])
    os.remove(report)
    os.remove(baseline)
  end)
end)
