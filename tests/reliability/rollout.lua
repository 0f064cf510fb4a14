--- The figures of docs/reliability.md: byok-rollout over a make-estate
-- estate served by the emulator, under injected faults, kill -9 and a
-- skewed clock. Each scenario checks the same invariants:
--   * no field but encrypt_conf (and lastModifyTime) changed anywhere;
--   * the logstores changed are exactly those the reports say were
--     written (applied, drift or unverified), and a final clean run finds
--     nothing left to do;
--   * no logstore was written more than once (UpdateLogStore per logstore).
--
--   build/slsh tests/reliability/rollout.lua            small (CI size)
--   build/slsh tests/reliability/rollout.lua --full     1,000 logstores, 10 kills
-- Prints a Markdown table of the figures; exit 1 if an invariant broke.
-- tests/integration/reliability_spec.lua runs the small version.

local src = os.getenv("SLSH_SOURCE_DIR") or "."
package.path = src .. "/tests/support/?.lua;" .. package.path
local cloud = require "cloud"
local run = require "run"
local json = require "slsh.json"

local M = {}

local OPERATOR = { ALIBABA_CLOUD_ACCESS_KEY_ID = "LTAI5tEmulatorOperator02",
                   ALIBABA_CLOUD_ACCESS_KEY_SECRET = "emulator-operator-secret-not-real-02" }

local function estate(size)
  local path = os.tmpname()
  local cmd = table.concat({ run.quote(src .. "/tests/emulator/make-estate"),
                             "--projects", size.projects, "--logstores", size.logstores,
                             "--regions", size.regions, "--seed", "7",
                             "--out", run.quote(path) }, " ")
  local r = run.sh(cmd)
  assert(r.code == 0, "make-estate failed: " .. r.stderr)
  local f = assert(io.open(path))
  local state = json.decode(f:read("a"))
  f:close()
  os.remove(path)
  return state
end

local function stores(state)
  local out, n = {}, 0
  for _, p in ipairs(state.projects) do
    for _, l in ipairs(p.logstores) do
      out[p.name .. "/" .. l.logstoreName] = l
      n = n + 1
    end
  end
  return out, n
end

local function rollout_args(size, extra)
  local a = { "--connect-to", nil, "run", "byok-rollout", "--region", size.regions,
              "--key", "alias/slsh-byok", "--logstore", "*", "--project", "*",
              "--include-service-projects", "--quiet", "--concurrency", "8",
              "--qps", "200" }
  for _, x in ipairs(extra or {}) do a[#a + 1] = x end
  return a
end

local function slsh(c, args)
  args[2] = c.url
  return run.slsh(args, { env = OPERATOR })
end

-- Start slsh in the background and kill -9 it once the emulator has
-- served `target` UpdateLogStore calls in all (or when it ends first).
local function slsh_killed(c, args, target)
  args[2] = c.url
  local words = { run.quote(run.bin) }
  for _, a in ipairs(args) do words[#words + 1] = run.quote(a) end
  local env = ""
  for k, v in pairs(OPERATOR) do env = env .. k .. "=" .. run.quote(v) .. " " end
  local count = "curl -s " .. run.quote(c.url .. "/__emulator/stats")
    .. " | grep -o '\"UpdateLogStore\": [0-9]*' | grep -o '[0-9]*$'"
  local script = env .. table.concat(words, " ") .. " >/dev/null 2>&1 & pid=$!\n"
    .. "while kill -0 $pid 2>/dev/null; do\n"
    .. "  n=$(" .. count .. "); [ \"${n:-0}\" -ge " .. target .. " ] && break\n"
    .. "  sleep 0.02\ndone\n"
    .. "kill -9 $pid 2>/dev/null; wait $pid"
  return run.sh("sh -c " .. run.quote(script))
end

-- The rows of a JSON report (missing or empty: none).
local function report_rows(path)
  local f = io.open(path)
  if not f then return {} end
  local text = f:read("a")
  f:close()
  os.remove(path)
  if text == "" then return {} end
  return json.decode(text)
end

local WRITTEN = { applied = true, drift = true, unverified = true }

-- Compare the emulator's state with the first one; the figures.
local function check(c, before, written, fig, problems)
  local after = stores(c:state())
  local changed = 0
  for key, b in pairs(before) do
    local a = after[key]
    if not a then
      problems[#problems + 1] = key .. " disappeared"
    else
      for field in pairs(b) do
        if field ~= "encrypt_conf" and field ~= "lastModifyTime"
           and not json.equal(b[field], a[field]) then
          problems[#problems + 1] = key .. ": " .. field .. " changed"
        end
      end
      if not json.equal(b.encrypt_conf, a.encrypt_conf) then
        changed = changed + 1
        if not written[key] then
          problems[#problems + 1] = key .. ": changed but no report says it was written"
        end
      elseif written[key] then
        problems[#problems + 1] = key .. ": reported written but unchanged"
      end
    end
  end
  fig.changed = changed
end

-- The emulator's request log since the last call: successful
-- UpdateLogStore calls per logstore path are added to `puts`; false when
-- the log (the last 1,000 requests) no longer reaches back that far.
local function collect(c, seen)
  local entries = c:control("GET", "log?n=1000").entries
  local complete = true
  if entries[1] and entries[1].seq > seen.last + 1 then complete = false end
  for _, e in ipairs(entries) do
    if e.seq > seen.last then
      if e.action == "UpdateLogStore" and e.status == 200 then
        local k = tostring(e.host) .. tostring(e.path)
        seen.puts[k] = (seen.puts[k] or 0) + 1
      end
      seen.last = e.seq
    end
  end
  seen.complete = seen.complete and complete
end

-- One scenario: `runs` is a list of {args=, kill=delay?, faults=?}; then
-- a clean run that must find nothing to do.
local function scenario(name, size, state, emulator_args, runs)
  local c = cloud.start { state = state, args = emulator_args }
  local before, total = stores(state)
  local fig = { name = name, logstores = total, runs = 0, kills = 0 }
  local written, problems = {}, {}
  local t0 = os.time()
  local seen = { last = 0, puts = {}, complete = true }
  local journal = os.tmpname()
  os.remove(journal)
  journal = journal .. ".jsonl"
  local chunk
  for _, step in ipairs(runs) do
    if step.faults then c:faults(step.faults) end
    if step.kill and not chunk then
      -- how many writes there are to make: the kills are spread over them
      local plan = os.tmpname() .. ".json"
      slsh(c, rollout_args(size, { "--report", plan }))
      local n = 0
      for _, row in ipairs(report_rows(plan)) do
        if row.action == "encrypt" or row.action == "enable" then n = n + 1 end
      end
      chunk = math.max(1, n // (#runs + 1))
      collect(c, seen) -- a plan writes nothing; this moves the log mark
    end
    local report = os.tmpname() .. ".json"
    local args = rollout_args(size, { "--apply", "--journal", journal, "--report", report })
    for _, x in ipairs(step.args or {}) do args[#args + 1] = x end
    fig.runs = fig.runs + 1
    if step.kill then
      local done = 0
      for _, actions in pairs(c:stats().by_service) do
        done = done + (actions.UpdateLogStore or 0)
      end
      slsh_killed(c, args, done + math.max(1, math.floor(chunk * step.kill)))
      fig.kills = fig.kills + 1
    else
      local r = slsh(c, args)
      if r.code ~= 0 and r.code ~= 3 then
        problems[#problems + 1] = "run " .. fig.runs .. " exited " .. tostring(r.code)
                                  .. ": " .. r.stderr:sub(1, 300)
      end
    end
    collect(c, seen)
    for _, row in ipairs(report_rows(report)) do
      if WRITTEN[row.status] then written[row.project .. "/" .. row.logstore] = true end
      if row.status == "unverified" then fig.unverified = (fig.unverified or 0) + 1 end
      if row.status == "failed" then fig.failed = (fig.failed or 0) + 1 end
    end
    os.remove(report .. ".tmp")
  end
  -- writes whose report died with a killed run are in the journal
  local jf = io.open(journal)
  if jf then
    for line in jf:lines() do
      local ok, e = pcall(json.decode, line)
      if ok and type(e) == "table" and WRITTEN[e.status] then
        written[e.key:match("^[^/]+/(.*)$")] = true
      end
    end
    jf:close()
  end
  -- a run killed between a write and its journal line leaves a logstore
  -- that the next run finds done: count it as written by a killed run
  c:faults { fault_rate = 0, drop_rate = 0, latency_ms = 0, clock_offset = 0 }
  local final_report = os.tmpname() .. ".json"
  local r = slsh(c, rollout_args(size, { "--apply", "--report", final_report }))
  collect(c, seen)
  local left = 0
  for _, row in ipairs(report_rows(final_report)) do
    if WRITTEN[row.status] then
      left = left + 1
      written[row.project .. "/" .. row.logstore] = true
    end
  end
  fig.left_for_final = left
  if r.code ~= 0 and r.code ~= 3 then
    problems[#problems + 1] = "final run exited " .. tostring(r.code)
  end
  local stats = c:stats()
  fig.update_calls = 0
  for _, actions in pairs(stats.by_service) do
    fig.update_calls = fig.update_calls + (actions.UpdateLogStore or 0)
  end
  if fig.kills > 0 then
    -- killed runs may lose report rows; trust the emulator for those
    local after = stores(c:state())
    for key, b in pairs(before) do
      if after[key] and not json.equal(b.encrypt_conf, after[key].encrypt_conf) then
        written[key] = written[key] or "killed"
      end
    end
  end
  check(c, before, written, fig, problems)
  fig.rewrites = 0
  for path, n in pairs(seen.puts) do
    if n > 1 then
      fig.rewrites = fig.rewrites + (n - 1)
      problems[#problems + 1] = path .. " written " .. n .. " times"
    end
  end
  if not seen.complete then fig.rewrites = nil end
  -- the clean run after everything: nothing left
  local again = os.tmpname() .. ".json"
  slsh(c, rollout_args(size, { "--report", again }))
  fig.planned_after = 0
  for _, row in ipairs(report_rows(again)) do
    if row.action == "encrypt" or row.action == "enable" then
      fig.planned_after = fig.planned_after + 1
    end
  end
  if fig.planned_after > 0 then
    problems[#problems + 1] = fig.planned_after .. " changes still planned at the end"
  end
  fig.seconds = os.time() - t0
  fig.problems = problems
  os.remove(journal)
  c:stop()
  return fig
end

--- reliability.run{full=?} -> list of figures (each with .problems)
function M.run(opts)
  local full = opts and opts.full
  local size = full and { projects = 200, logstores = 5, regions = "cn-hangzhou,cn-shanghai",
                          kills = 10 }
                    or { projects = 12, logstores = 3, regions = "cn-hangzhou", kills = 2 }
  local state = estate(size)
  local out = {}
  out[#out + 1] = scenario("faults: 5% 5xx, 2% dropped connections", size, state,
                           { "--fault-rate", "0.05", "--drop-rate", "0.02", "--seed", "1" },
                           { { args = { "--retries", "6" } } })
  local kills = {}
  -- after 0.5 to 1.5 times an even share of the writes
  for i = 1, size.kills do
    kills[i] = { kill = 0.5 + ((i * 7) % size.kills) / size.kills }
  end
  for _, k in ipairs(kills) do k.faults = { latency_ms = 20 } end
  out[#out + 1] = scenario("kill -9 at random points, rerun with the journal", size, state,
                           {}, kills)
  out[#out + 1] = scenario("emulator clock 1 hour ahead", size, state,
                           { "--clock-offset", "3600" }, { {} })
  out[#out + 1] = scenario("emulator clock 1 hour behind", size, state,
                           { "--clock-offset", "-3600" }, { {} })
  return out
end

function M.markdown(figs)
  local lines = {
    "| scenario | logstores | runs | kills | changed | UpdateLogStore calls | rewrites | "
    .. "unverified | failed (retried later) | left for the clean run | planned after | "
    .. "problems |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  }
  for _, f in ipairs(figs) do
    lines[#lines + 1] = string.format(
      "| %s | %d | %d | %d | %d | %d | %s | %d | %d | %d | %d | %s |",
      f.name, f.logstores, f.runs, f.kills, f.changed, f.update_calls,
      f.rewrites and tostring(f.rewrites) or "n/a (log window)",
      f.unverified or 0, f.failed or 0, f.left_for_final, f.planned_after,
      #f.problems == 0 and "none" or table.concat(f.problems, "; "):sub(1, 200))
  end
  return table.concat(lines, "\n") .. "\n"
end

if arg and arg[0] and arg[0]:match("reliability/rollout%.lua$") then
  local full = false
  for _, a in ipairs(arg) do
    if a == "--full" then full = true
    else
      io.stderr:write("usage: slsh tests/reliability/rollout.lua [--full]\n")
      os.exit(2)
    end
  end
  local figs = M.run { full = full }
  io.write(M.markdown(figs))
  for _, f in ipairs(figs) do
    if #f.problems > 0 then os.exit(1) end
  end
end

return M
