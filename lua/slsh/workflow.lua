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

local M = {}

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
    { "concurrency", type = "integer", default = 8, min = 1, max = 128,
      help = "logstores handled at once" },
    { "qps", type = "number", default = 20, min = 0,
      help = "requests per second per host (each SLS project, each service "
             .. "endpoint); 0 = no limit" },
    { "retries", type = "integer", default = 4, min = 0, max = 10,
      help = "extra attempts of a request that failed for a retryable reason "
             .. "(5xx, throttling, network), with backoff" },
    { "report", metavar = "FILE", help = "write a report (.json or .csv)" },
    { "quiet", type = "flag", help = "no progress bar and no table, only the summary" },
  }
  if spec.mutating then
    table.insert(o, 1, { "apply", type = "flag",
                         help = "make the changes (default: plan only, change nothing)" })
    o[#o + 1] = { "journal", metavar = "FILE",
                  help = "record each applied item; a rerun with the same file "
                         .. "skips what is done (resume after interruption)" }
  end
  return o
end

--- wf.parse(args, spec) -> opts: the workflow's options plus the common
-- ones; --help explains all of them; usage errors exit 2.
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
    opts.regions = opts.region or { slsh.config.region }
    if #opts.regions == 0 then
      io.stderr:write(spec.usage, ": no region: give --region (to slsh or to the workflow)\n")
      os.exit(2)
    end
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
      if not opts.logstore or any_glob(opts.logstore, name) then
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

--- wf.journal(path, {read_only=?}) -> journal (path nil: a journal that
-- remembers nothing). read_only reads the entries but never creates or
-- writes the file (a plan shows what a resumed apply would skip).
function M.journal(path, jopts)
  local self = setmetatable({ path = path, done = {} }, Journal)
  if not path then return self end
  local f = io.open(path, "r")
  if f then
    for line in f:lines() do
      local entry = json.decode(line)
      if type(entry) == "table" and entry.key then self.done[entry.key] = entry end
    end
    f:close()
  end
  if jopts and jopts.read_only then return self end
  local err
  self.file, err = io.open(path, "a")
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
    local row = fn(t, M.clients(t.region, opts))
    rows[i] = row
    bar:tick(row and row.status or "failed")
    return row
  end, { concurrency = opts.concurrency or 8 })
  bar:finish()
  for i, t in ipairs(targets) do
    local row = results[i]
    if not row then
      local e = errs[i]
      row = { region = t.region, project = t.project, logstore = t.logstore,
              status = "failed", action = "failed",
              reason = e and (tostring(e.message or e)) or "unknown error",
              error_code = e and e.code }
    end
    rows[i] = row
  end
  return rows
end

--- Row statuses that make a run finish with exit status 3: `held` is an
-- item a workflow stopped before (a failed canary), `drift` one whose
-- change was made but altered other fields too.
M.BAD_STATUS = { failed = true, refused = true, held = true, drift = true }

--- wf.finish(rows, opts, columns, summary_title?, report_columns?) -> exit status
-- Prints the table (unless --quiet) and a summary, writes --report (with
-- report_columns, default the table's), and returns 0, or 3 when some
-- item's status is in wf.BAD_STATUS (DESIGN §5).
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
    if M.BAD_STATUS[s] then bad = bad + 1 end
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
  return bad > 0 and 3 or 0
end

return M
