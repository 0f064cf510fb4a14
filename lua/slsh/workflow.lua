--- slsh.workflow: what every bundled workflow shares (docs/design.md, how a workflow is built):
-- the common options, selecting projects and logstores across regions,
-- one client set per region and options, a journal to resume an
-- interrupted run, the concurrent loop with its progress bar, the report
-- and the exit status. A run streams: the selection is listed while the
-- first items are worked on, and each row goes to the table spool, the
-- report file and the counts as soon as it is done, so memory stays
-- O(--concurrency) whatever the size of the estate.
--
--   local wf = require "slsh.workflow"
--   local opts = wf.parse(arg, {usage = ..., summary = ..., mutating = true,
--                               logstore_default = "cloudfirewall-logstore",
--                               options = {...workflow's own...}})
--   local out = assert(wf.output(opts, {columns = {"region", "project",
--                                      "logstore", "action", "reason"}}))
--   local targets = assert(wf.targets(opts))
--   wf.run(targets, function(t, clients) ... return row end, opts, "working", out)
--   os.exit(wf.finish(out))
--
-- With --accounts (every workflow takes it), the selection is made in each
-- member account of the caller's Resource Directory: wf.targets gives
-- targets with an `account`, wf.run hands fn that account's clients (a
-- session of --account-role, slsh.accounts), rows, journal keys and the
-- summary carry the account, and a member that cannot be entered is one
-- failed row. wf.accounts, wf.account_opts and wf.enter are the pieces for
-- workflows that work per account themselves (pre-flights, setup-role).

local cli = require "slsh.cli"
local json = require "slsh.json"
local task = require "slsh.task"
local report = require "slsh.report"
local errors = require "slsh.err"
local accounts = require "slsh.accounts"
local host = require "slsh.host.core"
local client_common = require "slsh.client_common"
-- slsh loads this module on first use (slsh.workflow), after it is
-- itself loaded, so requiring it here makes no cycle.
local slsh = require "slsh"

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
    { "qps", type = "number", default = 20, min = 0,
      help = "requests per second per host (each SLS project, each service "
             .. "endpoint); 0 = no limit" },
    { "retries", type = "integer", default = 4, min = 0, max = 10,
      help = "extra attempts of a request that failed for a retryable reason "
             .. "(5xx, throttling, network), with backoff" },
    { "report", metavar = "FILE",
      help = "write a report (.json or .csv, created mode 0600; '-': the JSON "
             .. "report on standard output and everything else on standard error)" },
    { "quiet", type = "flag", help = "no progress bar and no table, only the summary" },
  }
  for _, a in ipairs(M.account_options()) do o[#o + 1] = a end
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

--- wf.account_options() -> the options that select member accounts
-- (--accounts, --exclude-account, --account-role): part of the common
-- options; a workflow without them (common = false) may list them itself,
-- and wf.parse checks them all the same.
function M.account_options()
  return {
    { "accounts", metavar = "all|ID[,ID...]|@FILE",
      help = "work in these member accounts of the caller's Resource Directory "
             .. "instead of the caller's own account, each entered through "
             .. "--account-role; all = every member in a usable state (listed with "
             .. "Resource Manager ListAccounts), @FILE = one id per line" },
    { "exclude-account", type = "list", metavar = "ID",
      help = "member accounts to leave out of --accounts" },
    { "account-role", default = accounts.DEFAULT_ROLE, metavar = "NAME",
      help = "the role assumed in each member account (with --accounts)" },
  }
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
-- place is usable: absent or a regular file (an output is written to a
-- temporary file and renamed over it, which must never replace a device
-- such as /dev/null, a pipe or a link), and its directory exists.
local function check_place(path, option)
  local kind = host.file_kind(path)
  if kind == "directory" then return option .. " " .. path .. " is a directory" end
  if kind == "other" then
    return option .. " " .. path .. " is not a regular file (a device, a pipe or a "
           .. "link): give the path of a file"
  end
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

-- The names listed in a --project-file; a line that cannot be a project
-- name (a typo, a glob, a stray character) is a usage error naming the
-- line, not a project that silently matches nothing.
local function read_list(path)
  local f, err = io.open(path, "r")
  if not f then
    return nil, errors.new { code = "io", field = "project-file", message = err }
  end
  local set, n = {}, 0
  for line in f:lines() do
    n = n + 1
    local name = line:gsub("#.*$", ""):match("^%s*(.-)%s*$")
    if name ~= "" and not client_common.valid_name("project", name) then
      f:close()
      local shown = #name > 64 and name:sub(1, 64) .. "..." or name
      return nil, errors.new { code = "usage", field = "project-file",
        message = string.format("--project-file %s line %d: '%s' is not a project name "
                                .. "(3-63 characters of a-z, 0-9, '_' and '-')",
                                path, n, shown) }
    end
    if name ~= "" then set[name] = true end
  end
  f:close()
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
    local ok, lerr = read_list(opts.project_file)
    if not ok then return nil, lerr.message end
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
    -- the report is written as PATH.tmp and renamed: try that place now
    -- (nothing is left at PATH, which never holds half a document)
    local ok, err = host.create_private(rpath .. ".tmp")
    if not ok then return nil, "--report: cannot write " .. tostring(err) end
    os.remove(rpath .. ".tmp")
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
  if opts.accounts then
    local sel, why = accounts.parse_selection(opts.accounts)
    if not sel then usage_exit(spec, "--accounts: " .. why) end
    for _, id in ipairs(opts.exclude_account or {}) do
      if not id:match("^%d+$") then
        usage_exit(spec, "--exclude-account: account ids are digits, got '" .. id .. "'")
      end
    end
    if not opts.account_role:match("^[%w.-]+$") or #opts.account_role > 64 then
      usage_exit(spec, "--account-role must be a role name ([A-Za-z0-9.-], at most 64), "
                       .. "got '" .. opts.account_role .. "'")
    end
    opts.account_selection = sel
  elseif opts.exclude_account then
    usage_exit(spec, "--exclude-account works with --accounts (it leaves members out "
                     .. "of that selection)")
  end
  if spec.common ~= false then
    opts.regions = opts.region or M.default_regions()
    if #opts.regions == 0 and not opts.plan then
      usage_exit(spec, "no region: give --region (to slsh or to the workflow), "
                       .. "ALIBABA_CLOUD_REGION_ID or a profile with region_id")
    end
    local ok, err = M.check(opts)
    if not ok then usage_exit(spec, err) end
    -- wf.run stops starting items once wf.stopping(); a workflow without
    -- the common loop (setup-role) is simply stopped
    host.finish_on_interrupt(math.tointeger(tonumber(os.getenv("SLSH_INTERRUPT_GRACE")))
                             or M.INTERRUPT_GRACE)
  end
  if opts.report == "-" then
    -- --report -: standard output is the report's; everything else that
    -- the workflow prints goes to standard error
    io.output(io.stderr)
  else
    -- progress lines reach a log file as they happen (tail -f)
    io.stdout:setvbuf("line")
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

-- Clients by credentials provider (weak: a provider that is gone takes
-- its clients with it), then by the other options that shape a client.
local client_cache = setmetatable({}, { __mode = "k" })
local DEFAULT_CREDENTIALS = {} -- the key of "no provider given: the chain"

-- The part of the cache key besides the provider: everything a client
-- is made from (its region, its rate and retries, and the global
-- options a client reads when it is made).
local function client_key(region, opts)
  local config = slsh.config
  return table.concat({ region, tostring(opts and opts.qps), tostring(opts and opts.retries),
                        tostring(config.profile), tostring(config.connect_to),
                        tostring(config.ca_file) }, "\0")
end

--- wf.clients(region, opts) -> {sls=, kms=, ram=, sts=, region=}: one set
-- per region and options (RAM is global, STS is the region's endpoint).
-- Two callers with the same region but another --qps, --retries,
-- credentials provider or profile get different clients.
-- Credentials come from the chain (--profile and the rest), or from
-- opts.credentials when a script or test passes a provider.
function M.clients(region, opts)
  local by_creds = client_cache[opts and opts.credentials or DEFAULT_CREDENTIALS]
  if not by_creds then
    by_creds = {}
    client_cache[opts and opts.credentials or DEFAULT_CREDENTIALS] = by_creds
  end
  local key = client_key(region, opts)
  local c = by_creds[key]
  if not c then
    local o = { region = region, qps = opts and opts.qps,
                retries = opts and opts.retries,
                credentials = opts and opts.credentials }
    c = { region = region, sls = slsh.sls.client(o), kms = slsh.kms.client(o),
          ram = slsh.ram.client(o), sts = slsh.sts.client(o) }
    by_creds[key] = c
  end
  return c
end

--- wf.accounts(opts) -> list of {id=, name=?, status=?, err=?} | nil, err
-- The member accounts --accounts selects, less --exclude-account, in the
-- directory's order (all) or as given. `all` lists the directory with the
-- caller's credentials (a failure is nil, err: the run cannot start);
-- a member in a status that is not usable is in the list with `err` (its
-- status as the code), so that it is reported, not silently left out.
-- The list is kept in opts.account_list: a workflow may resolve it first
-- (to enter and check each account) and mark more members with `err`.
function M.accounts(opts)
  if opts.account_list then return opts.account_list end
  local sel = opts.account_selection
  if not sel then return nil end
  local excluded = {}
  for _, id in ipairs(opts.exclude_account or {}) do excluded[id] = true end
  local list = {}
  if sel.all then
    local members, err = accounts.members { all = true, source = opts.credentials }
    if not members then return nil, err end
    local usable = require("slsh.resourcemanager").USABLE
    for _, a in ipairs(members) do
      if not excluded[a.AccountId] then
        local e = { id = a.AccountId, name = a.DisplayName, status = a.Status }
        if not usable[a.Status] then
          e.err = errors.new { code = a.Status, message = "member status " .. a.Status
                               .. ": not a usable member of the directory (usable: "
                               .. "CreateSuccess, InviteSuccess, PromoteSuccess)" }
        end
        list[#list + 1] = e
      end
    end
  else
    for _, id in ipairs(sel.ids) do
      if not excluded[id] then list[#list + 1] = { id = id } end
    end
  end
  opts.account_list = list
  return list
end

--- wf.account_opts(opts, account) -> the options of a run in a member
-- account: a copy of opts whose credentials are the member's session of
-- --account-role (slsh.accounts.provider, from opts.credentials or the
-- caller's chain), and `account` = its id. One copy per account, so that
-- wf.clients (keyed by the provider) gives every account its own clients.
function M.account_opts(opts, account)
  if not account then return opts end
  opts.per_account = opts.per_account or {}
  local o = opts.per_account[account]
  if not o then
    o = {}
    for k, v in pairs(opts) do
      if k ~= "per_account" and k ~= "account_list" then o[k] = v end
    end
    o.credentials = accounts.provider(account, { role = opts.account_role,
                                                 source = opts.credentials })
    o.account = account
    opts.per_account[account] = o
  end
  return o
end

--- wf.enter(opts, account) -> true | nil, err: fetch the member's session
-- now; err says which role could not be assumed and why (the role is
-- missing or does not trust the caller, the account is suspended).
function M.enter(opts, account)
  local o = M.account_opts(opts, account)
  local cred, err = o.credentials:get()
  if cred then return true end
  local msg = type(err) == "table" and err.message or tostring(err)
  if type(err) == "table" and err.code and not tostring(msg):find(err.code, 1, true) then
    msg = err.code .. ": " .. tostring(msg)
  end
  return nil, errors.new { code = type(err) == "table" and err.code or "credentials_unavailable",
                           request_id = type(err) == "table" and err.request_id or nil,
                           message = "cannot enter the account through "
                                     .. accounts.role_arn(account, opts.account_role)
                                     .. ": " .. tostring(msg) }
end

-- The first glob of `patterns` (a list, may be nil) that matches `s`.
local function first_glob(patterns, s)
  for _, p in ipairs(patterns or {}) do
    if M.glob(p, s) then return p end
  end
end

-- How many projects fetch their logstore list at once, at least: the
-- listings run beside the workers, ahead of them.
local MIN_LISTINGS = 16
-- How many listed logstore names may wait for a worker before no new
-- listing starts (per unit of --concurrency; at least this many).
local NAMES_AHEAD = 256
-- Projects asked for in one ListProject page.
local PROJECT_PAGE = 500

local Targets = { __name = "slsh.workflow.targets" }
Targets.__index = Targets

-- An error object for anything raised while opening an account (a bug:
-- the row asks for a report, as failed_row does for workers).
local function as_error_of(e)
  if errors.is(e) then return e end
  return errors.new { code = "lua_error", message = tostring(e) }
end

--- wf.targets(opts) -> targets | nil, err
-- The selection as a stream: targets:next() gives the next
-- {region=, project=, logstore=, skip=?} (nil at the end). Projects of
-- every region (filtered by --project, --project-file,
-- --exclude-project), then their logstores matching --logstore, listed
-- page by page while the workers already work on the first ones: at
-- most max(16, --concurrency) projects are being listed at once, and
-- listing pauses while enough names wait, so the selection is never held
-- whole. The order is fixed: regions by name, projects in the order the
-- service lists them (by name), logstores by name within a project.
-- A project whose logstores could not be listed comes as one target
-- {region=, project=, logstore="*", err=} (err: why), as does a project
-- page that failed after the first; the first page of every region is
-- read before this returns, so an account that cannot list projects at
-- all is nil, err. opts.skip_projects (a list of globs, optional) marks
-- the logstores of matching projects with `skip` (the reason) instead of
-- leaving them out, so that a workflow can show what it did not touch.
-- targets.count is the number given out so far, targets.listed is true
-- once every project has been listed.
local single_targets
function M.targets(opts)
  if opts.account_selection and not opts.account then return M.account_targets(opts) end
  return single_targets(opts)
end

function single_targets(opts)
  local only
  if opts.project_file then
    local err
    only, err = read_list(opts.project_file)
    if not only then return nil, err end
  end
  local regions, seen = {}, {}
  for _, r in ipairs(opts.regions) do
    if not seen[r] then regions[#regions + 1], seen[r] = r, true end
  end
  table.sort(regions)
  local concurrency = opts.concurrency or 8
  local self = setmetatable({
    opts = opts, only = only, regions = regions,
    pages = {},            -- per region: {offset=, total=, task=, done=, r=, err=}
    region_i = 1,          -- the region whose projects are being paged
    projects = { first = 1, last = 0 },  -- selected, not yet being listed
    lists = { first = 1, last = 0 },     -- being listed or listed, in order
    listing = 0,           -- listings in flight
    waiting = 0,           -- names listed, not yet given out
    max_listings = math.max(MIN_LISTINGS, concurrency),
    max_waiting = NAMES_AHEAD * concurrency,
    count = 0, listed = false,
  }, Targets)
  -- the first page of every region now: if no project can be listed at
  -- all, the run ends before it starts
  for _, region in ipairs(regions) do
    self.pages[region] = { offset = 0 }
    self:fetch_page(region)
  end
  local failed
  for _, region in ipairs(regions) do
    local page = self.pages[region]
    task.wait(page.task)
    if page.err and not failed then failed = page.err end
  end
  if failed then return nil, failed end
  return self
end

-- Start reading the next page of `region`'s projects (in a task).
function Targets:fetch_page(region)
  local page = self.pages[region]
  local sls = M.clients(region, self.opts).sls
  page.done, page.r, page.err = false, nil, nil
  page.task = task.spawn(function()
    local ok, r, err = pcall(sls.list_projects, sls, { offset = page.offset,
                                                       size = PROJECT_PAGE })
    if not ok then r, err = nil, r end
    page.r, page.err, page.done = r, err, true
  end)
end

local function push(q, v)
  q.last = q.last + 1
  q[q.last] = v
end

local function shift(q)
  local v = q[q.first]
  q[q.first] = nil
  q.first = q.first + 1
  return v
end

-- Take a finished page of the current region: select its projects, and
-- start the next page, or go on to the next region.
function Targets:absorb_page()
  local region = self.regions[self.region_i]
  local page = region and self.pages[region]
  if not (page and page.done) then return end
  -- one page of projects waits for listing at most
  if self.projects.last - self.projects.first + 1 >= PROJECT_PAGE then return end
  local opts, items = self.opts, {}
  if page.err then
    push(self.projects, { failed = true, region = region, project = "*", err = page.err })
    page.total = 0
  else
    items = page.r.projects or {}
    page.total = page.r.total or 0
  end
  for _, p in ipairs(items) do
    local name = p.projectName
    if (not opts.project or any_glob(opts.project, name))
       and (not self.only or self.only[name])
       and not (opts.exclude_project and any_glob(opts.exclude_project, name)) then
      local skip = first_glob(opts.skip_projects, name)
      push(self.projects, { region = region, project = name, skip = skip
                            and ("service-owned project (matches " .. skip .. ")") or nil })
    end
  end
  page.offset = page.offset + #items
  if #items == 0 or page.offset >= page.total then
    self.pages[region] = nil
    self.region_i = self.region_i + 1
    -- the next region's first page was read by wf.targets
  else
    self:fetch_page(region)
  end
end

-- Start listing the logstores of one selected project (in a task); the
-- entry takes its place in the order of the lists.
function Targets:list(p)
  local entry = { region = p.region, project = p.project, skip = p.skip }
  push(self.lists, entry)
  self.listing = self.listing + 1
  local sls, globs = M.clients(p.region, self.opts).sls, self.opts.logstore
  local excluded = self.opts.exclude_logstore
  entry.task = task.spawn(function()
    local names = {}
    local ok, err = pcall(function()
      for name in sls:logstores(p.project) do
        if (not globs or any_glob(globs, name))
           and not (excluded and any_glob(excluded, name)) then
          names[#names + 1] = name
        end
      end
    end)
    self.listing = self.listing - 1
    entry.done = true
    if ok then
      table.sort(names)
      entry.names = names
      self.waiting = self.waiting + #names
    else
      entry.failed, entry.err = true, err
    end
  end)
end

-- Start listing the selected projects as far as the limits allow (in
-- flight, names waiting, lists waiting); take pages of projects as they
-- arrive.
function Targets:fill()
  self:absorb_page()
  local lists, projects = self.lists, self.projects
  while self.listing < self.max_listings and self.waiting < self.max_waiting
        and lists.last - lists.first < 4 * self.max_listings
        and projects.first <= projects.last do
    local p = shift(projects)
    if p.failed then -- a page of projects that could not be read
      p.done = true
      push(lists, p)
    else
      self:list(p)
    end
  end
end

-- Whether projects are still to be read from the service.
function Targets:paging()
  return self.regions[self.region_i] ~= nil
end

--- targets:next() -> the next target, or nil when every project has been
-- listed and every logstore given out. Inside a task it waits (letting
-- the others run) for the listing it needs; several tasks may call it.
function Targets:next()
  while true do
    local cur = self.cur
    if cur and cur.i < #cur.names then
      cur.i = cur.i + 1
      self.waiting = self.waiting - 1
      self.count = self.count + 1
      return { region = cur.region, project = cur.project, logstore = cur.names[cur.i],
               skip = cur.skip }
    end
    self.cur = nil
    self:fill()
    local head = self.lists[self.lists.first]
    if head then
      if not head.done then task.wait(head.task) end
      if self.lists[self.lists.first] == head then
        shift(self.lists)
        if head.failed then
          self.count = self.count + 1
          return { region = head.region, project = head.project, logstore = "*",
                   skip = head.skip, err = head.err }
        end
        self.cur = { region = head.region, project = head.project, skip = head.skip,
                     names = head.names, i = 0 }
      end
    elseif self:paging() then
      local page = self.pages[self.regions[self.region_i]]
      if not page.done then task.wait(page.task) end
    else
      self.listed = true
      return nil
    end
  end
end

local AccountTargets = { __name = "slsh.workflow.account_targets" }
AccountTargets.__index = AccountTargets

-- How many member accounts are being entered and listed ahead of the one
-- whose targets are given out: a member often holds only a few logstores
-- (one Cloud Firewall logstore per region), so entering and listing them
-- one after the other would leave the workers idle.
local ACCOUNTS_AHEAD = 8

--- wf.account_targets(opts) -> targets | nil, err: the selection of
-- wf.targets in every account of wf.accounts(opts), account after account
-- (up to 8 accounts are entered and listed ahead), each target with its
-- `account`. An account that is not usable, cannot be entered or cannot
-- list its projects is one target {account=, region="*", project="*",
-- logstore="*", err=, account_err=true} (a row with the reason), never the
-- end of the run.
function M.account_targets(opts)
  local list, err = M.accounts(opts)
  if not list then return nil, err end
  local self = setmetatable({ opts = opts, list = list, i = 0, opened = { first = 1, last = 0 },
                              count = 0, listed = false }, AccountTargets)
  self:open_ahead()
  return self
end

-- Enter and start listing the next accounts (each in a task), up to
-- ACCOUNTS_AHEAD not yet given out.
function AccountTargets:open_ahead()
  local opened = self.opened
  while opened.last - opened.first + 1 < ACCOUNTS_AHEAD and self.i < #self.list do
    self.i = self.i + 1
    local a = self.list[self.i]
    local entry = { id = a.id }
    entry.task = task.spawn(function()
      local ok, perr = pcall(function()
        local err = a.err
        if not err then
          local _, e = M.enter(self.opts, a.id)
          err = e
        end
        if not err then
          local sub, serr = single_targets(M.account_opts(self.opts, a.id))
          if sub then entry.sub = sub else err = serr end
        end
        entry.err = err
      end)
      if not ok then entry.err = as_error_of(perr) end
      entry.done = true
    end)
    opened.last = opened.last + 1
    opened[opened.last] = entry
  end
end

--- account_targets:next(): as targets:next(), across the accounts.
function AccountTargets:next()
  local opened = self.opened
  while true do
    local head = opened[opened.first]
    if not head then
      self.listed = true
      return nil
    end
    if not head.done then task.wait(head.task) end
    if head.err then
      if opened[opened.first] == head then
        opened[opened.first] = nil
        opened.first = opened.first + 1
        self:open_ahead()
        self.count = self.count + 1
        return { account = head.id, region = "*", project = "*", logstore = "*",
                 err = head.err, account_err = true }
      end
    else
      local t = head.sub:next()
      if t then
        t.account = head.id
        self.count = self.count + 1
        return t
      end
      if opened[opened.first] == head then
        opened[opened.first] = nil
        opened.first = opened.first + 1
        self:open_ahead()
      end
    end
  end
end

--- targets:all() -> list of every remaining target, in order, and the
-- list of those that are listing failures (err set). This holds the
-- whole selection: for small runs and tests.
function Targets:all()
  local list, failures = {}, {}
  for t in self.next, self do
    list[#list + 1] = t
    if t.err then failures[#failures + 1] = t end
  end
  return list, failures
end
AccountTargets.all = Targets.all

--- A journal: one JSON line per finished item, so that a rerun with the
-- same file skips what is done. Lines are flushed as they are written.
local Journal = { __name = "slsh.workflow.journal" }
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
  local k = t.region .. "/" .. t.project .. "/" .. t.logstore
  return t.account and (t.account .. "/" .. k) or k
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
  return { account = t.account, region = t.region, project = t.project,
           logstore = t.logstore, status = "interrupted", action = t.action,
           reason = "not started: the run was interrupted (rerun to go on)" }
end

-- How many items may be started beyond the oldest one not finished, per
-- unit of --concurrency: finished rows wait (in memory) until every
-- earlier one is done, so that rows come out in the order of the targets.
local WINDOW = 16
-- While the window is full a worker looks again this often (seconds).
local WINDOW_WAIT = 0.01

-- The row of an item that did not give one: fn raised or returned nil,
-- err, or the item is a listing that failed. A Lua error is a bug in
-- slsh, not a fact about the logstore: its row says so (the traceback
-- goes to standard error with -v -v), never a bare "attempt to index a
-- nil value". The world's errors keep their code and request id.
local function failed_row(t, e)
  local reason, code
  if t.account_err and not (errors.is(e) and e.code == "lua_error") then
    reason = tostring(e.message or e)
    code = type(e) == "table" and e.code or nil
  elseif t.err then
    reason = (t.project == "*" and "cannot list the projects: "
              or "cannot list the logstores: ") .. tostring(e.message or e)
    code = type(e) == "table" and e.code or nil
  elseif e == nil then
    reason, code = "no result (a bug in slsh; please report it)", "internal"
  elseif not errors.is(e) or e.code == "lua_error" or e.code == "internal" then
    local msg = tostring(type(e) == "table" and e.message or e)
    reason, code = "internal error (a bug in slsh; please report it): " .. msg, "internal"
    if (slsh.config.verbose or 0) >= 2 and type(e) == "table" and e.traceback then
      io.stderr:write("slsh: ", M.key(t), ": ", msg, "\n", tostring(e.traceback), "\n")
    end
  else
    reason, code = tostring(e.message or e), e.code
    if code and reason:sub(1, #code) ~= code then reason = code .. ": " .. reason end
  end
  return { account = t.account, region = t.region, project = t.project,
           logstore = t.logstore, status = "failed", action = "failed", reason = reason,
           error_code = code,
           request_id = type(e) == "table" and e.request_id or nil,
           unlisted = t.err and true or nil }
end
M.failed_row = failed_row

-- Error objects for anything fn raises (a traceback kept for -v -v).
local function as_error(e)
  if errors.is(e) then return e end
  return errors.new { code = "lua_error", message = tostring(e),
                      traceback = debug.traceback(nil, 2) }
end

-- targets as a stream: a wf.targets stream as it is, a list through an
-- index.
local function stream_of(targets)
  local mt = getmetatable(targets)
  if mt == Targets or mt == AccountTargets then return targets, nil end
  local i = 0
  return { next = function()
    i = i + 1
    return targets[i]
  end }, #targets
end

--- wf.run(targets, fn, opts, label?, sink?) -> rows | count
-- fn(target, clients, i) -> row table (must hold `status`; "failed" and
-- "refused" count against the exit status); i is the target's position
-- (1, 2, ...), the order in which the rows come out. A raised error or nil, err
-- becomes a failed row with the error's message and code, as does a
-- target that is a listing failure (see wf.targets; fn is not called).
-- `targets` is a wf.targets stream or a list. Runs --concurrency at a
-- time with a progress bar; before each new item it asks wf.stopping()
-- and takes no more once that is true (the items not started are not in
-- the rows). Rows come out in the order of the targets, each as soon as
-- it and every earlier one are done: to sink(row) (a function, or an
-- object with :add(row) such as wf.output) when given, and then wf.run
-- keeps none of them and returns their count; else into the list it
-- returns (O(items): for small runs, and for rows a caller needs again).
function M.run(targets, fn, opts, label, sink)
  local stream, total = stream_of(targets)
  local enabled -- nil: only on a terminal
  if opts.quiet then enabled = false end
  local bar = report.progress { total = total, label = label or "working",
                                enabled = enabled }
  local add = sink
  if type(sink) == "table" then add = function(row) sink:add(row) end end
  local rows = not sink and {} or nil
  local finished, emitted, taken = {}, 0, 0
  local window = WINDOW * (opts.concurrency or 8)
  local function emit()
    while finished[emitted + 1] do
      emitted = emitted + 1
      local row = finished[emitted]
      finished[emitted] = nil
      if add then add(row) else rows[emitted] = row end
    end
  end
  local function worker()
    while true do
      while taken - emitted >= window and not M.stopping() do task.sleep(WINDOW_WAIT) end
      if M.stopping() then return end
      local t = stream:next()
      if t == nil then return end
      taken = taken + 1
      local i = taken
      local row
      if t.err then
        row = failed_row(t, t.err)
      else
        local ok, r, e = xpcall(fn, as_error, t,
                                M.clients(t.region, M.account_opts(opts, t.account)), i)
        if not ok then
          row = failed_row(t, r)
        elseif r == nil then
          row = failed_row(t, e)
        else
          row = r
          if row.account == nil then row.account = t.account end
        end
      end
      if not total then bar:set_total(stream.count, stream.listed) end
      bar:tick(row.status or "failed")
      finished[i] = row
      emit()
    end
  end
  local workers = {}
  for k = 1, opts.concurrency or 8 do workers[k] = task.spawn(worker) end
  local _, werrs = task.wait(workers)
  bar:finish()
  -- a worker only fails if the loop itself broke (e.g. an interruption)
  for _, e in pairs(werrs) do errors.raise(e) end
  return rows or emitted
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

local Output = { __name = "slsh.workflow.output" }
Output.__index = Output

--- wf.output(opts, spec) -> out | nil, err: where the rows of a run go as
-- they finish (pass it to wf.run as the sink), and what wf.finish(out)
-- prints from them at the end. It counts the rows by status, writes the
-- --report file row by row (opened now, so a bad path is found before
-- any request: err with code "usage" or "io"), and spools the table to a
-- temporary file (nothing of a row is kept in memory). spec:
--   columns         the table's columns (nil: no table)
--   report_columns  the report's (default: the table's)
--   title           the summary line's first word (default "summary")
--   each(row, out)  optional: called first for every row; may complete
--                   the row and keep the workflow's own counts
--   show(row)       optional: false keeps a row out of the table and the
--                   report (it is still counted)
--   summary(out)    optional: prints the summary instead of the line
--                   "TITLE: N logstores: STATUS N, ..."
--   verdict(out)    optional: -> exit status (0 or 3), and prints why;
--                   default 3 when some status is in wf.BAD_STATUS
-- out.total is the number of rows, out.counts the rows per status, out.bad
-- those in wf.BAD_STATUS, out.shown those in the table.
-- With --accounts every row carries its account: the table and the report
-- get an `account` column first, and the summary a line per account.
local function with_account(columns)
  if not columns then return nil end
  local out = { "account" }
  for _, c in ipairs(columns) do
    if c ~= "account" then out[#out + 1] = c end
  end
  return out
end

function M.output(opts, spec)
  local self = setmetatable({ opts = opts, spec = spec or {}, total = 0, counts = {},
                              bad = 0, shown = 0, by_account = {}, account_order = {} },
                            Output)
  spec = self.spec
  if opts.account_selection then
    local s2 = {}
    for k, v in pairs(spec) do s2[k] = v end
    s2.columns = with_account(spec.columns)
    s2.report_columns = with_account(spec.report_columns or spec.columns)
    self.spec, spec = s2, s2
  end
  if spec.columns and not opts.quiet then self.table = report.table_writer(spec.columns) end
  if opts.report then
    local w, err = report.writer(opts.report, spec.report_columns or spec.columns or {})
    if not w then return nil, err end
    self.report = w
  end
  return self
end

--- out:add(row): one finished row.
function Output:add(row)
  local spec = self.spec
  if spec.each then spec.each(row, self) end
  local s = row.status or "?"
  self.total = self.total + 1
  self.counts[s] = (self.counts[s] or 0) + 1
  if M.counts_against(row, self.opts) then self.bad = self.bad + 1 end
  if row.account then
    local counts = self.by_account[row.account]
    if not counts then
      counts = {}
      self.by_account[row.account] = counts
      self.account_order[#self.account_order + 1] = row.account
    end
    counts[s] = (counts[s] or 0) + 1
  end
  if spec.show and not spec.show(row) then return end
  self.shown = self.shown + 1
  if self.table then self.table:add(row) end
  if self.report then self.report:add(row) end
end

--- out:status_counts() -> "applied 3, failed 1" (statuses sorted), or
-- "nothing to do".
function Output:status_counts(counts)
  counts = counts or self.counts
  local order = {}
  for s in pairs(counts) do order[#order + 1] = s end
  table.sort(order)
  local parts = {}
  for _, s in ipairs(order) do parts[#parts + 1] = s .. " " .. counts[s] end
  return #parts > 0 and table.concat(parts, ", ") or "nothing to do"
end

--- out:account_summary(): with --accounts, one line per account with the
-- count of its rows by status, in the order the accounts came.
function Output:account_summary()
  for _, a in ipairs(self.account_order) do
    local counts, n = self.by_account[a], 0
    for _, c in pairs(counts) do n = n + c end
    io.write(string.format("  account %s: %d row%s: %s\n", a, n, n == 1 and "" or "s",
                           self:status_counts(counts)))
  end
end

--- out:close_report() -> true | nil, err: end the --report document (it
-- can be closed at any time, e.g. on an interruption, and is then a
-- valid document of the rows so far). Idempotent.
function Output:close_report()
  if not self.report then return true end
  return self.report:close()
end

--- out:discard(): the run ends before it started; remove the report
-- file begun (nothing is printed).
function Output:discard()
  if self.report then self.report:discard() end
end

--- wf.finish(out) -> exit status
--- wf.finish(rows, opts, columns, summary_title?, report_columns?) -> exit status
-- Prints the table (unless --quiet) and the summary, closes --report, and
-- returns 0, 3 when the verdict says so (default: some item's status is
-- in wf.BAD_STATUS and not a refusal --accept-refused knows), 1 when the
-- report could not be written, or 130/143 when the run was interrupted
-- (the report then holds the rows finished). The
-- second form runs a list of rows through a wf.output first (the report
-- is then opened only now).
function M.finish(out, opts, columns, summary_title, report_columns)
  if getmetatable(out) ~= Output then
    local rows = out
    local err
    out, err = M.output(opts, { columns = columns, title = summary_title,
                                report_columns = report_columns })
    if not out then
      io.stderr:write("slsh: cannot write the report: ", tostring(err), "\n")
      return err.code == "usage" and 2 or 1
    end
    for _, r in ipairs(rows) do out:add(r) end
  end
  local spec = out.spec
  opts = out.opts
  if out.table and out.table.count > 0 then out.table:write(io.output()) end
  if spec.summary then
    spec.summary(out)
  else
    io.write(string.format("%s: %d logstores: %s\n", spec.title or "summary", out.total,
                           out:status_counts()))
  end
  if #out.account_order > 0 then
    io.write(string.format("%d account%s:\n", #out.account_order,
                           #out.account_order == 1 and "" or "s"))
    out:account_summary()
  end
  local ok, err = out:close_report()
  if not ok then
    io.stderr:write("slsh: cannot write the report: ", tostring(err), "\n")
    return 1
  end
  if opts.report then
    io.write("report written to ", opts.report == "-" and "standard output" or opts.report,
             "\n")
  end
  local status
  if spec.verdict then status = spec.verdict(out) else status = out.bad > 0 and 3 or 0 end
  local stopped = M.interrupt_status()
  if stopped then
    -- an interrupted run's report is partial: its output and status say so
    io.write("interrupted: nothing new was started after the signal; the ", out.total,
             " logstores above are the ones looked at (each row's status says how far ",
             "it got), the others were not looked at\n")
    return stopped
  end
  return status
end

return M
