--- slsh.workflow: what every bundled workflow shares (DESIGN §6):
-- the common options, selecting projects and logstores across regions,
-- one client set per region, a journal to resume an interrupted run, the
-- concurrent loop with its progress bar, the report and the exit status.
--
--   local wf = require "slsh.workflow"
--   local opts = wf.parse(arg, {usage = ..., summary = ..., mutating = true,
--                               logstore_default = "cloudfirewall-logstore",
--                               options = {...workflow's own...}})
--   local targets = assert(wf.targets(opts))
--   local rows = wf.run(targets, function(t, clients) ... return row end, opts)
--   os.exit(wf.finish(rows, opts, {"region", "project", "logstore", "action", "reason"}))

local cli = require "slsh.cli"
local json = require "slsh.json"
local task = require "slsh.task"
local report = require "slsh.report"
local errors = require "slsh.err"
local host = require "slsh.host.core"

local M = {}

--- Seconds a workflow has, after Ctrl-C or SIGTERM, to finish the
-- requests in flight, write its journal and report and print the summary
-- before it is stopped (SLSH_INTERRUPT_GRACE overrides it).
M.INTERRUPT_GRACE = 10

--- wf.stopping() -> true once the user asked to stop (Ctrl-C, SIGTERM):
-- no new item may start; the items in flight end normally.
function M.stopping()
  return host.interrupted() ~= false
end

--- wf.interrupt_status() -> 130 (SIGINT) or 143 (SIGTERM), or nil when
-- the run was not interrupted: the exit status of a stopped run.
function M.interrupt_status()
  local sig = host.interrupted()
  if sig == "SIGTERM" then return 143 end
  if sig then return 130 end
end

--- Options every workflow takes; `mutating` workflows also take --apply.
function M.common_options(spec)
  local o = {
    { "region", type = "list", metavar = "REGION",
      help = "regions to work in (default: --region of slsh)" },
    { "project", type = "list", metavar = "GLOB",
      help = "project names to include, shell-style globs (default: all)" },
    { "project-file", metavar = "FILE",
      help = "file with one project name per line ('#' comments)" },
    { "exclude-project", type = "list", metavar = "GLOB",
      help = "project names to leave out" },
    { "logstore", type = "list", metavar = "GLOB",
      help = "logstore names to include", default = spec.logstore_default },
    { "exclude-logstore", type = "list", metavar = "GLOB",
      help = "logstore names to leave out" },
    { "concurrency", type = "integer", default = 8, min = 1, max = 128,
      help = "logstores handled at once" },
    { "qps", type = "number", default = 20, min = 0.1, max = 1000,
      help = "requests per second per service and endpoint" },
    { "retries", type = "integer", default = 4, min = 0, max = 10,
      help = "extra attempts of a request that failed for a retryable reason "
             .. "(5xx, throttling, network), with backoff" },
    { "report", metavar = "FILE",
      help = "write a report (.json or .csv, created mode 0600; '-': the JSON "
             .. "report on standard output and everything else on standard error)" },
    { "quiet", type = "flag", help = "no progress bar and no table, only the summary" },
  }
  if spec.mutating then
    table.insert(o, 1, { "apply", type = "flag",
                         help = "make the changes (default: plan only, change nothing)" })
    o[#o + 1] = { "journal", metavar = "FILE",
                  help = "record each applied item (mode 0600); a rerun with the "
                         .. "same file skips what is done and verifies what was "
                         .. "written but not verified (resume after interruption); "
                         .. "a journal that is not one is refused" }
    o[#o + 1] = { "new-journal", type = "flag",
                  help = "with --journal: start a new journal, moving an existing "
                         .. "file aside to FILE.old" }
    o[#o + 1] = { "accept-refused", metavar = "FILE",
                  help = "a JSON report of an earlier run: a logstore refused there "
                         .. "and refused again for the same reason does not make "
                         .. "the exit status 3 (a known, permanent refusal)" }
  end
  return o
end

-- Exit 2 with a one-line usage message.
local function usage_exit(spec, message)
  io.stderr:write(spec.usage or "slsh", ": ", message, "\n(try --help)\n")
  os.exit(2)
end

--- A region id such as cn-hangzhou or ap-southeast-1.
function M.region_ok(r)
  return type(r) == "string" and r:match("^[a-z][a-z0-9-]*[a-z0-9]$") ~= nil
end

--- wf.default_regions() -> list: slsh's --region (a comma-separated
-- list), else ALIBABA_CLOUD_REGION_ID, else the profile's region_id.
function M.default_regions()
  local r = slsh.default_region()
  local list = {}
  for item in tostring(r or ""):gmatch("[^,%s]+") do list[#list + 1] = item end
  return list
end

-- Whether `path` names a directory (opening one for reading works on
-- POSIX; reading from it fails with EISDIR).
local function is_dir(path)
  local f = io.open(path, "r")
  if not f then return false end
  local ok, _, code = f:read(0)
  f:close()
  return ok == nil and code == 21
end

-- The directory part of a path ("." for a bare name).
local function dirname(path)
  local d = path:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  return d == "" and "/" or d
end

--- wf.check_output(path, option) -> nil | message: an output file's
-- place is usable: not a directory, and its directory exists.
local function check_place(path, option)
  if is_dir(path) then return option .. " " .. path .. " is a directory" end
  local dir = dirname(path)
  if not is_dir(dir) then
    return option .. " " .. path .. ": no directory " .. dir
  end
end

M.check_output = check_place

--- wf.check_journal(path) -> entries (key -> entry) | nil, message: a
-- journal file read in full; a line that is not a journal entry (a
-- truncated write, another file) refuses the whole file, naming the line.
function M.check_journal(path)
  local done = {}
  local f = io.open(path, "r")
  if not f then return done end
  local n = 0
  for line in f:lines() do
    n = n + 1
    if line:match("%S") then
      local ok, entry = pcall(json.decode, line)
      if not ok or type(entry) ~= "table" or type(entry.key) ~= "string"
         or type(entry.status) ~= "string" then
        f:close()
        return nil, string.format("%s line %d is not a journal entry (a truncated "
                                  .. "line or another file); give --new-journal to "
                                  .. "start a new journal", path, n)
      end
      done[entry.key] = entry
    end
  end
  f:close()
  return done
end

-- A previous JSON report's refused rows: "region/project/logstore" -> reason.
local function read_accepted(path)
  local f, err = io.open(path, "r")
  if not f then return nil, "--accept-refused: " .. tostring(err) end
  local ok, rows = pcall(json.decode, f:read("a"))
  f:close()
  if ok and type(rows) == "table" and type(rows.rows) == "table" then rows = rows.rows end
  if not ok or type(rows) ~= "table" or not json.is_array(rows) then
    return nil, "--accept-refused " .. path .. " is not a JSON report (a list of rows)"
  end
  local set = {}
  for _, r in ipairs(rows) do
    if type(r) == "table" and r.status == "refused" and type(r.reason) == "string"
       and type(r.region) == "string" and type(r.project) == "string"
       and type(r.logstore) == "string" then
      set[M.key(r)] = r.reason
    end
  end
  return set
end

--- wf.check(opts, spec) -> true | nil, message: every option that names
-- a file or a region, checked before the first request; the report and
-- journal files are created (mode 0600) here, so that a run never finds
-- out after its writes that it cannot record them.
function M.check(opts)
  for _, r in ipairs(opts.regions) do
    if not M.region_ok(r) then
      return nil, "--region takes region ids such as cn-hangzhou, got '" .. r .. "'"
    end
  end
  if opts.project_file then
    local f, err = io.open(opts.project_file, "r")
    if not f or is_dir(opts.project_file) then
      return nil, "--project-file: cannot read " .. (f and opts.project_file .. ": a directory"
                                                     or tostring(err))
    end
    f:close()
  end
  if opts.accept_refused then
    local set, err = read_accepted(opts.accept_refused)
    if not set then return nil, err end
    opts.accepted_refusals = set
  end
  local rpath = opts.report
  if rpath and rpath ~= "-" then
    local bad = check_place(rpath, "--report")
    if bad then return nil, bad end
    if not (rpath:match("%.json$") or rpath:match("%.csv$")) then
      return nil, "--report " .. rpath .. ": the name must end in .json or .csv "
                  .. "(or be '-' for JSON on standard output)"
    end
  end
  local journal = opts.journal
  if journal then
    local bad = check_place(journal, "--journal")
    if bad then return nil, bad end
    if opts.new_journal then
      opts.journal_entries = {}
    else
      local entries, err = M.check_journal(journal)
      if not entries then return nil, "--journal " .. err end
      opts.journal_entries = entries
    end
  elseif opts.new_journal then
    return nil, "--new-journal needs --journal FILE"
  end
  if opts.plan_out then
    if opts.apply then return nil, "--plan-out writes a plan: give it without --apply" end
    local bad = check_place(opts.plan_out, "--plan-out")
    if bad then return nil, bad end
  end
  -- the files last: nothing is created when another option is wrong
  if rpath and rpath ~= "-" then
    local ok, err = host.create_private(rpath)
    if not ok then return nil, "--report: cannot write " .. tostring(err) end
  end
  if journal and opts.apply then
    if opts.new_journal then
      local f = io.open(journal, "r")
      if f then
        f:close()
        local ok, err = os.rename(journal, journal .. ".old")
        if not ok then return nil, "--new-journal: cannot move " .. tostring(err) end
      end
    end
    local ok, err = host.create_private(journal)
    if not ok then return nil, "--journal: cannot write " .. tostring(err) end
  end
  return true
end

--- wf.parse(args, spec) -> opts: the workflow's options plus the common
-- ones; --help explains all of them; usage errors (a bad option, a file
-- that cannot be read or written, a region that is not one) exit 2
-- before anything is sent. From here on, Ctrl-C and SIGTERM let the run
-- finish what is in flight (wf.stopping()) instead of stopping it dead.
function M.parse(args, spec)
  local options = {}
  for _, o in ipairs(spec.options or {}) do options[#options + 1] = o end
  if spec.common ~= false then
    for _, o in ipairs(M.common_options(spec)) do options[#options + 1] = o end
  end
  local full = {}
  for k, v in pairs(spec) do full[k] = v end
  full.options = options
  local opts = cli.parse(args, full)
  if spec.common ~= false then
    opts.regions = opts.region or M.default_regions()
    if #opts.regions == 0 and not opts.plan then
      usage_exit(spec, "no region: give --region (to slsh or to the workflow), "
                       .. "ALIBABA_CLOUD_REGION_ID or a profile with region_id")
    end
    local ok, err = M.check(opts)
    if not ok then usage_exit(spec, err) end
    if opts.report == "-" then
      -- the JSON report alone on standard output
      io.output(io.stderr)
    else
      -- progress lines reach a log file as they happen (tail -f)
      io.stdout:setvbuf("line")
    end
  end
  if spec.common ~= false then
    -- wf.run stops starting items once wf.stopping(); a workflow without
    -- the common loop (setup-role) is simply stopped
    host.finish_on_interrupt(math.tointeger(tonumber(os.getenv("SLSH_INTERRUPT_GRACE")))
                             or M.INTERRUPT_GRACE)
  end
  return opts
end

--- Shell-style glob match (`*`, `?`, `[...]`) of the whole string.
function M.glob(pattern, s)
  local lua = pattern:gsub("[%^%$%(%)%%%.%+%-]", "%%%0")
                     :gsub("%*", ".*"):gsub("%?", ".")
  return s:match("^" .. lua .. "$") ~= nil
end

local function any_glob(patterns, s)
  for _, p in ipairs(patterns) do
    if M.glob(p, s) then return true end
  end
  return false
end

-- The names listed in a --project-file.
local function read_list(path)
  local f, err = io.open(path, "r")
  if not f then
    return nil, errors.new { code = "io", field = "project-file", message = err }
  end
  local set = {}
  for line in f:lines() do
    local name = line:gsub("#.*$", ""):match("^%s*(.-)%s*$")
    if name ~= "" then set[name] = true end
  end
  f:close()
  return set
end

local client_cache = {}

--- wf.clients(region, opts) -> {sls=, kms=, ram=, sts=, region=} (one set
-- per region; RAM is global, STS is the region's endpoint).
-- Credentials come from the chain (--profile and the rest), or from
-- opts.credentials when a script or test passes a provider.
function M.clients(region, opts)
  local c = client_cache[region]
  if not c then
    local o = { region = region, qps = opts and opts.qps,
                retries = opts and opts.retries,
                credentials = opts and opts.credentials }
    c = { region = region, sls = slsh.sls.client(o), kms = slsh.kms.client(o),
          ram = slsh.ram.client(o), sts = slsh.sts.client(o) }
    client_cache[region] = c
  end
  return c
end

-- The first glob of `patterns` (a list, may be nil) that matches `s`.
local function first_glob(patterns, s)
  for _, p in ipairs(patterns or {}) do
    if M.glob(p, s) then return p end
  end
end

--- wf.targets(opts) -> list of {region=, project=, logstore=}, failures | nil, err
-- Projects of every region (filtered by --project, --project-file,
-- --exclude-project), then their logstores matching --logstore.
-- failures lists the {region=, project=, err=} whose logstores could not
-- be listed. opts.skip_projects (a list of globs, optional) marks the
-- logstores of matching projects with `skip` (the reason) instead of
-- leaving them out, so that a workflow can show what it did not touch.
function M.targets(opts)
  local only
  if opts.project_file then
    local err
    only, err = read_list(opts.project_file)
    if not only then return nil, err end
  end
  local projects = {}
  for _, region in ipairs(opts.regions) do
    local sls = M.clients(region, opts).sls
    local ok, err = pcall(function()
      for p in sls:projects() do
        local name = p.projectName
        if (not opts.project or any_glob(opts.project, name))
           and (not only or only[name])
           and not (opts.exclude_project and any_glob(opts.exclude_project, name)) then
          local skip = first_glob(opts.skip_projects, name)
          projects[#projects + 1] = {
            region = region, project = name,
            skip = skip and ("service-owned project (matches " .. skip .. ")") or nil }
        end
      end
    end)
    if not ok then return nil, err end
  end
  local lists, errs = task.map(projects, function(p)
    local names = {}
    for name in M.clients(p.region, opts).sls:logstores(p.project) do
      if (not opts.logstore or any_glob(opts.logstore, name))
         and not (opts.exclude_logstore and any_glob(opts.exclude_logstore, name)) then
        names[#names + 1] = name
      end
    end
    table.sort(names)
    return names
  end, { concurrency = math.min(opts.concurrency or 8, 16) })
  local targets, failures = {}, {}
  for i, p in ipairs(projects) do
    if lists[i] then
      for _, name in ipairs(lists[i]) do
        targets[#targets + 1] = { region = p.region, project = p.project, logstore = name,
                                  skip = p.skip }
      end
    else
      p.err = errs[i]
      failures[#failures + 1] = p
    end
  end
  table.sort(targets, function(a, b)
    if a.region ~= b.region then return a.region < b.region end
    if a.project ~= b.project then return a.project < b.project end
    return a.logstore < b.logstore
  end)
  return targets, failures
end

--- A journal: one JSON line per finished item, so that a rerun with the
-- same file skips what is done. Lines are flushed as they are written.
local Journal = {}
Journal.__index = Journal

--- wf.journal(path, {read_only=?, entries=?}) -> journal (path nil: a
-- journal that remembers nothing). read_only reads the entries but never
-- creates or writes the file (a plan shows what a resumed apply would
-- skip). entries: the file as wf.check read it (else it is read here). A
-- file with a line that is not an entry raises (a usage error): appending
-- to it would hide what it was.
function M.journal(path, jopts)
  local self = setmetatable({ path = path, done = {} }, Journal)
  if not path then return self end
  local entries = jopts and jopts.entries
  if not entries then
    local err
    entries, err = M.check_journal(path)
    if not entries then
      error(errors.new { code = "usage", field = "journal", message = err }, 0)
    end
  end
  self.done = entries
  if jopts and jopts.read_only then return self end
  local ok, err = host.create_private(path)
  if ok then self.file, err = io.open(path, "a") end
  if not self.file then
    error(errors.new { code = "io", field = "journal", message = err }, 0)
  end
  return self
end

--- The key of a target in the journal.
function M.key(t)
  return t.region .. "/" .. t.project .. "/" .. t.logstore
end

function Journal:get(t)
  return self.done[M.key(t)]
end

function Journal:record(t, entry)
  if not self.file then return end
  local e = json.object({ key = M.key(t) }, { "key" })
  for k, v in pairs(entry) do
    if type(v) ~= "table" or not getmetatable(v) then e[k] = v end
  end
  self.file:write(json.encode(e), "\n")
  self.file:flush()
end

function Journal:close()
  if self.file then self.file:close() end
end

--- wf.not_started(target) -> the row of an item the run did not start
-- because the user asked it to stop.
function M.not_started(t)
  return { region = t.region, project = t.project, logstore = t.logstore,
           status = "interrupted", action = t.action,
           reason = "not started: the run was interrupted (rerun to go on)" }
end

--- wf.failed_row(target, err) -> the row of an item whose function raised
-- or returned nil, err. A Lua error there is a bug in slsh, not a fact
-- about the logstore: its row says so (the traceback goes to standard
-- error with -v -v), never a bare "attempt to index a nil value".
function M.failed_row(t, e)
  local row = { region = t.region, project = t.project, logstore = t.logstore,
                status = "failed", action = "failed" }
  if e == nil then
    row.reason = "internal error (please report): the item ended without a result"
  elseif type(e) ~= "table" or e.code == "lua_error" or e.code == "internal"
         or e.code == nil then
    local msg = type(e) == "table" and (e.message or tostring(e)) or tostring(e)
    row.reason = "internal error (please report): " .. tostring(msg)
    row.error_code = "internal"
    if (slsh.config.verbose or 0) >= 2 and type(e) == "table" and e.traceback then
      io.stderr:write("slsh: ", M.key(t), ": ", tostring(msg), "\n", tostring(e.traceback),
                      "\n")
    end
  else
    local msg = tostring(e.message or e)
    if e.code and msg:sub(1, #e.code) ~= e.code then msg = e.code .. ": " .. msg end
    row.reason = msg
    row.error_code, row.request_id = e.code, e.request_id
  end
  return row
end

--- wf.run(targets, fn, opts, label) -> rows
-- fn(target, clients) -> row table (must hold `status`; "failed" and
-- "refused" count against the exit status). A raised error or nil, err
-- becomes a failed row. Runs --concurrency at a time with a progress bar.
function M.run(targets, fn, opts, label)
  local enabled -- nil: only on a terminal
  if opts.quiet then enabled = false end
  local bar = report.progress { total = #targets, label = label or "working",
                                enabled = enabled }
  local rows = {}
  local results, errs = task.map(targets, function(t, i)
    if M.stopping() then
      rows[i] = M.not_started(t)
      return rows[i]
    end
    local row, err = fn(t, M.clients(t.region, opts))
    rows[i] = row
    bar:tick(row and row.status or "failed")
    return row, err
  end, { concurrency = opts.concurrency or 8 })
  bar:finish()
  for i, t in ipairs(targets) do
    local row = results[i]
    if not row then
      local e = errs[i]
      row = M.failed_row(t, e)
    end
    rows[i] = row
  end
  return rows
end

--- Row statuses that make a run finish with exit status 3: `held` is an
-- item a workflow stopped before (a failed canary), `drift` one whose
-- change was made but altered other fields too.
-- `unverified` one that was written but could not be read back.
M.BAD_STATUS = { failed = true, refused = true, held = true, drift = true,
                 unverified = true }

--- wf.counts_against(row, opts) -> whether the row makes the exit status
-- 3: its status is bad, and it is not a refusal --accept-refused knew
-- (same logstore, same reason).
function M.counts_against(row, opts)
  if not M.BAD_STATUS[row.status] then return false end
  local known = opts and opts.accepted_refusals
  if row.status == "refused" and known and row.region and row.project and row.logstore
     and known[M.key(row)] == row.reason then
    row.accepted = true
    return false
  end
  return true
end

--- wf.finish(rows, opts, columns, summary_title?, report_columns?) -> exit status
-- Prints the table (unless --quiet) and a summary, writes --report (with
-- report_columns, default the table's), and returns 0, or 3 when some
-- item's status is in wf.BAD_STATUS (DESIGN §5), or 130/143 when the run
-- was interrupted (the report is then partial).
function M.finish(rows, opts, columns, summary_title, report_columns)
  if not opts.quiet and #rows > 0 then
    io.write(report.table(rows, columns))
  end
  local counts, order = {}, {}
  local bad = 0
  for _, r in ipairs(rows) do
    local s = r.status or "?"
    if not counts[s] then order[#order + 1] = s end
    counts[s] = (counts[s] or 0) + 1
    if M.counts_against(r, opts) then bad = bad + 1 end
  end
  table.sort(order)
  local parts = {}
  for _, s in ipairs(order) do parts[#parts + 1] = s .. " " .. counts[s] end
  io.write(string.format("%s: %d logstores: %s\n", summary_title or "summary", #rows,
                                #parts > 0 and table.concat(parts, ", ") or "nothing to do"))
  if opts.report then
    local ok, err = report.write(opts.report, rows, report_columns or columns)
    if not ok then
      io.stderr:write("slsh: cannot write the report: ", tostring(err), "\n")
      return 1
    end
    io.write("report written to ", opts.report, "\n")
  end
  return M.interrupt_status() or (bad > 0 and 3 or 0)
end

return M
