--- Move logstores to a new project, region or account: configuration, indexes, encryption and data
--
-- A logstore's first encryption choice is permanent, so the only way to a
-- different one (the service key to BYOK, one CMK to another, none to
-- either) is a new logstore created with it, carrying the old one's
-- configuration, indexes and, when asked, its data. This workflow plans
-- that for every selected logstore, creates the targets with --apply,
-- copies the data shard by shard with checkpoints in the journal, and
-- lists what still points at the old logstore. The source is only ever
-- read: never written, never deleted.

local wf = require "slsh.workflow"
local rollout = require "slsh.rollout"
local encconf = require "slsh.encrypt_conf"
local task = require "slsh.task"
local json = require "slsh.json"
local logs = require "slsh.logs"
local host = require "slsh.host.core"
local errors = require "slsh.err"
local sls_mod = require "slsh.sls"
local cc = require "slsh.client_common"
local credentials = require "slsh.credentials"

local NAME = "migrate-logstores"
local USAGE = "slsh [--region R] run migrate-logstores --from PROJECT[/GLOB] --to PROJECT "
              .. "(--key [REGION=]KEYID | --service-key | --no-encryption) [OPTIONS]"

-- PullLogs batch (log groups) and the pace kept below each shard's
-- documented limits (about 100 reads/s and 500 writes/s per shard).
local PULL_COUNT = 100
local READ_INTERVAL = 1 / 80
local WRITE_INTERVAL = 1 / 400

local PLAN_COLUMNS = { "project", "logstore", "to", "current", "target", "action", "reason" }
local APPLY_COLUMNS = { "project", "logstore", "to", "action", "status", "copied", "reason" }
local REPORT_COLUMNS = { "region", "project", "logstore", "to_region", "to_project",
                         "to_logstore", "current", "target", "action", "status", "shards",
                         "read", "written", "bytes", "per_shard", "still_pointing",
                         "reason", "error_code", "request_id" }

local policy = {
  name = NAME,
  usage = USAGE,
  summary = "Move logstores to another project, region or account, with their "
            .. "configuration, indexes, a chosen encryption and (optionally) their data.",
  description = [[
The first encryption choice of a logstore is permanent: a logstore on the
SLS service key can never become BYOK, one on a CMK can never change key.
The way forward is a new logstore created with the right encrypt_conf,
carrying the old one's configuration and indexes (and data, with
--copy-data). For every logstore of --from the plan says:
  create    the target does not exist: it will be created (with its index)
  resume    the target exists as this workflow would create it, but its
            index or data copy is unfinished (journal): it will be completed
  done      the target exists with the same configuration and index
            ("journaled" when the --journal says an earlier run migrated
            it; the target is read all the same, and an entry it does not
            bear out is ignored, the reason saying so)
  refused   the target exists and differs (the differing fields are named;
            it is never overwritten), or the target project is missing
            (without --create-project), or the pre-flight failed
The configuration is every field GetLogStore returns, unknown ones
included, minus the read-only ones (slsh.sls.READ_ONLY), with the shard
count kept and encrypt_conf set at creation to --key (BYOK with the target
region's key through --role, pre-flighted like byok-rollout),
--service-key or --no-encryption. --copy-data copies every log group of
every shard (GetCursor, PullLogs, PutLogs to the target shard of the same
number, lz4) with a checkpoint per shard in the --journal: a copy killed at
any point resumes where it stopped, without a duplicate or a gap. The
report lists, per logstore, what still names the old one (logtail
configs, shippers, alerts, ETL jobs, dashboards, saved searches). The
source is only read.]],
  epilog = [[
Exit status: 0 nothing refused or failed; 1 the run could not start
(credentials, listing, pre-flight); 2 bad options; 3 some logstore was
refused or failed (also in a plan), or its copy counts differ.

Examples:
  slsh --region cn-hangzhou run migrate-logstores --from app-logs --to app-logs-byok \
       --key key-hzz6xxxx --role slsh-byok-role
  slsh --region cn-hangzhou run migrate-logstores --from app-logs/nginx-* \
       --to app-logs-sh --to-region cn-shanghai --create-project --service-key \
       --copy-data --apply --journal migrate.jsonl --report migrate.json]],
  options = {
    { "from", required = true, metavar = "PROJECT[/GLOB]",
      help = "the source project and, optionally, a glob of its logstores (default: all)" },
    { "to", required = true, metavar = "PROJECT", help = "the target project" },
    { "to-region", metavar = "REGION",
      help = "the target project's region (default: the source's)" },
    { "to-profile", metavar = "PROFILE",
      help = "credentials profile for the target (another account); default: the source's" },
    { "rename", type = "list", metavar = "OLD=NEW",
      help = "target name of a logstore (default: the same name)" },
    { "suffix", metavar = "S",
      help = "append S to every target logstore name (a-z, 0-9, '_', '-', ending with "
             .. "a letter or digit; a source whose name becomes longer than 63 "
             .. "characters is refused)" },
    { "key", type = "list", metavar = "[REGION=]KEYID",
      help = "BYOK: the target region's KMS key, by id or alias/NAME" },
    { "role", metavar = "NAME|ARN",
      help = "with --key: the RAM role SLS assumes to use the key (default "
             .. rollout.ROLE_DEFAULT .. ")" },
    { "service-key", type = "flag", help = "encrypt the targets with the SLS service key" },
    { "no-encryption", type = "flag", help = "create the targets without encryption" },
    { "encrypt-type", type = "choice", choices = encconf.valid_types, metavar = "TYPE",
      help = "with --key or --service-key: the algorithm (default: default = AES; one of "
             .. table.concat(encconf.valid_types, ", ") .. ")" },
    { "create-project", type = "flag",
      help = "create the target project when it is missing, with the source's description" },
    { "copy-data", type = "flag", help = "copy the log data too (PullLogs -> PutLogs)" },
    { "from-time", metavar = "TIME",
      help = "with --copy-data: only data received at or after TIME (unix seconds or "
             .. "YYYY-MM-DDTHH:MM:SSZ)" },
    { "to-time", metavar = "TIME", help = "with --copy-data: only data received before TIME" },
    { "plan-out", metavar = "FILE",
      help = "without --apply: write the plan to FILE (JSON, mode 0600): each logstore "
             .. "to create or resume, with a fingerprint of the source it was planned "
             .. "from, for --apply --plan FILE" },
    { "plan", metavar = "FILE",
      help = "with the same --from, --to and encryption: carry out exactly the "
             .. "migrations of a plan written by --plan-out; each source is read again "
             .. "and refused when it (or the target) is no longer as planned; "
             .. "logstores not in the plan are not touched" },
  },
}

local function usage_error(message) rollout.usage_error(policy, message) end

-- Unix seconds from "1700000000" or "2024-01-02T03:04:05Z".
local function parse_time(name, s)
  if s:match("^%d+$") then return math.tointeger(tonumber(s)) end
  if s:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$") then
    local t = credentials.parse_time(s)
    if t then return math.floor(t) end
  end
  usage_error("--" .. name .. " must be unix seconds or YYYY-MM-DDTHH:MM:SSZ, got '" .. s .. "'")
end

local VALID_NAME = "^[a-z0-9][a-z0-9_-]*[a-z0-9]$"
-- What a logstore name may be (client_common.valid_name tests it).
local NAME_RULE = "a-z, 0-9, '_' and '-', 2-63 characters, ending with a letter or digit"

-- Every check that needs no request; a bad value exits 2.
local function check(opts)
  if opts.accounts or opts.account_selection then
    usage_error("--accounts: a migration reads one project of one account; for another "
                .. "target account give --to-profile")
  end
  if opts.project or opts.project_file or opts.logstore then
    usage_error("select with --from PROJECT[/GLOB], not --project/--project-file/--logstore")
  end
  local from, glob = opts.from:match("^([^/]+)/(.+)$")
  from = from or opts.from
  if not from:match(VALID_NAME) or #from < 3 or #from > 63 then
    usage_error("--from: '" .. from .. "' is not a project name")
  end
  if not opts.to:match(VALID_NAME) or #opts.to < 3 or #opts.to > 63 then
    usage_error("--to: '" .. opts.to .. "' is not a project name")
  end
  opts.from_project, opts.project, opts.logstore = from, { from }, { glob or "*" }
  if #opts.regions ~= 1 then
    usage_error("--region: a migration reads one project, in one region (got "
                .. table.concat(opts.regions, ",") .. ")")
  end
  opts.to_region = opts.to_region or opts.regions[1]
  if not opts.to_region:match("^[a-z][a-z0-9-]*[a-z0-9]$") then
    usage_error("--to-region: '" .. opts.to_region .. "' is not a region id")
  end
  local modes = (opts.key and 1 or 0) + (opts.service_key and 1 or 0)
                + (opts.no_encryption and 1 or 0)
  if modes ~= 1 then
    usage_error("choose the targets' encryption: exactly one of --key, --service-key, "
                .. "--no-encryption (it is permanent once created)")
  end
  if opts.role and not opts.key then usage_error("--role goes with --key") end
  if opts.encrypt_type and opts.no_encryption then
    usage_error("--encrypt-type goes with --key or --service-key")
  end
  if opts.key then
    opts.role = opts.role or rollout.ROLE_DEFAULT
    opts.encrypt_type = opts.encrypt_type or "default"
    rollout.byok_keys(opts, policy, { opts.to_region })
  end
  if opts.rename and opts.suffix then usage_error("give --rename or --suffix, not both") end
  opts.renames = {}
  for _, r in ipairs(opts.rename or {}) do
    local old, new = r:match("^([^=]+)=([^=]+)$")
    if not old or not cc.valid_name("logstore", new) then
      usage_error("--rename must be OLD=NEW with NEW a logstore name (" .. NAME_RULE
                  .. "), got '" .. r .. "'")
    end
    if opts.renames[old] then usage_error("--rename names " .. old .. " twice") end
    opts.renames[old] = new
  end
  -- the shortest source name (2 characters) with the suffix must still
  -- be a logstore name; a longer source whose name becomes too long is a
  -- refused row of the plan
  if opts.suffix and not cc.valid_name("logstore", "aa" .. opts.suffix) then
    usage_error("--suffix must make logstore names (" .. NAME_RULE .. ") of the source "
                .. "names, got '" .. opts.suffix .. "'")
  end
  if opts.copy_data and opts.apply and not opts.journal then
    usage_error("--copy-data with --apply needs --journal FILE: its per-shard checkpoints "
                .. "are what lets a stopped copy resume without duplicating data")
  end
  if (opts.from_time or opts.to_time) and not opts.copy_data then
    usage_error("--from-time and --to-time go with --copy-data")
  end
  opts.from_t = opts.from_time and parse_time("from-time", opts.from_time)
  opts.to_t = opts.to_time and parse_time("to-time", opts.to_time)
  if opts.from_t and opts.to_t and opts.from_t >= opts.to_t then
    usage_error("--from-time must be before --to-time")
  end
  if opts.to_region == opts.regions[1] and opts.to == from and not opts.to_profile
     and not opts.suffix and #(opts.rename or {}) == 0 then
    usage_error("the target is the source: give another --to, --to-region, --to-profile, "
                .. "--rename or --suffix")
  end
  if opts.plan then
    if opts.plan_out then usage_error("--plan and --plan-out exclude each other") end
    local changes, err = rollout.read_plan(opts.plan, NAME, function(c)
      return (c.action == "create" or c.action == "resume") and type(c.to_logstore) == "string"
    end)
    if not changes then usage_error(err) end
    opts.saved = changes
  end
  if opts.to_profile then
    local provider, err = credentials { profile = opts.to_profile }
    if not provider then usage_error("--to-profile: " .. tostring(err)) end
    opts.to_credentials = provider
  end
end

-- The target name of a source logstore.
local function target_name(opts, name)
  return opts.renames[name] or (name .. (opts.suffix or ""))
end

-- The conf the targets get (nil: no encryption).
local function wanted(ctx)
  local o = ctx.opts
  if o.key then return ctx.want[o.to_region] end
  if o.service_key then return encconf.service_key { encrypt_type = o.encrypt_type } end
  return nil
end

local function describe(conf)
  return rollout.describe(encconf.parse(conf))
end

-- "a, b and 3 more" of a list of names.
local function some(list, n)
  n = n or 6
  if #list <= n then return table.concat(list, ", ") end
  return table.concat(list, ", ", 1, n) .. " and " .. (#list - n) .. " more"
end

-- The fields in which two creatable bodies differ (encrypt_conf by the
-- transition rules: a read-back may spell the same conf differently).
local function differing(want, got)
  local fields, seen = {}, {}
  local a, b = json.copy(want), json.copy(got)
  local wc, gc = a.encrypt_conf, b.encrypt_conf
  a.encrypt_conf, b.encrypt_conf = nil, nil
  for _, d in ipairs(json.diff(a, b)) do
    local top = d.path:match("^[^.%[]+") or d.path
    if not seen[top] then fields[#fields + 1], seen[top] = top, true end
  end
  local same_conf
  if wc == nil or wc == json.null then
    same_conf = encconf.parse(gc).mechanism == "none"
  else
    same_conf = encconf.check_transition(gc, wc) == "noop"
  end
  if not same_conf then
    fields[#fields + 1] = "encrypt_conf (" .. describe(gc) .. ", wanted " .. describe(wc) .. ")"
  end
  table.sort(fields)
  return fields
end

-- An index config without what the service sets, for comparisons.
local function index_core(ix)
  if ix == nil then return nil end
  local c = json.copy(ix)
  c.lastModifyTime = nil
  return c
end

-- The index of a logstore, or false when it has none; nil, err on failure.
local function read_index(sls, p, ls)
  local ix, err = sls:get_index(p, ls)
  if ix then return ix end
  if err.code == "IndexConfigNotExist" then return false end
  return nil, err
end

-- The journal key of one shard's copy checkpoint.
local function shard_key(row, shard)
  return { region = row.to_region, project = row.to_project,
           logstore = row.to_logstore .. "#shard" .. shard }
end

local function target_key(row)
  return { region = row.to_region, project = row.to_project, logstore = row.to_logstore }
end

-- ---------------------------------------------------------------------
-- What still names the old logstore (read, never changed), per project.

-- The members that name a logstore in these documents (logtail's
-- outputDetail.logstoreName, a chart's search.logstore, an alert query's
-- store, an ETL job's logstore).
local LOGSTORE_KEYS = { logstore = true, logstoreName = true, logStore = true, store = true }

-- Whether document `v` names logstore `name` anywhere in it.
local function names_logstore(v, name)
  if type(v) ~= "table" then return false end
  for k, x in pairs(v) do
    if LOGSTORE_KEYS[k] and x == name then return true end
    if type(x) == "table" and names_logstore(x, name) then return true end
  end
  return false
end

-- Every object of a list API, each read with its Get API: {kind, name, doc}.
local function read_listing(sls, p, kind, list_path, key, get_path)
  local out = {}
  local doc, err = sls:get_json("List" .. kind, p, list_path, { offset = 0, size = 500 })
  if not doc then return nil, err end
  for _, name in ipairs(doc[key] or {}) do
    if type(name) == "string" then
      local one, gerr = sls:get_json("Get" .. kind, p, get_path .. "/" .. name)
      if not one then return nil, gerr end
      out[#out + 1] = { kind = kind, name = name, doc = one }
    end
  end
  return out
end

-- The project's configs, jobs, dashboards and saved searches (cached).
local function project_refs(ctx, sls, p)
  local cached = ctx.refs[p]
  if cached then return task.wait(cached) end
  ctx.refs[p] = task.spawn(function()
    local all, problems = {}, {}
    local function add(list, err, what)
      if not list then
        problems[#problems + 1] = what .. ": " .. tostring(err and err.message or err)
        return
      end
      for _, x in ipairs(list) do all[#all + 1] = x end
    end
    add(read_listing(sls, p, "Config", "/configs", "configs", "/configs"))
    add(read_listing(sls, p, "Dashboard", "/dashboards", "dashboards", "/dashboards"),
        nil, "dashboards")
    add(read_listing(sls, p, "SavedSearch", "/savedsearches", "savedsearches",
                     "/savedsearches"), nil, "saved searches")
    for _, jt in ipairs { "Alert", "ETL" } do
      local doc, err = sls:get_json("ListJobs", p, "/jobs", { jobType = jt, offset = 0,
                                                             size = 500 })
      if doc then
        for _, j in ipairs(doc.results or {}) do
          all[#all + 1] = { kind = jt, name = tostring(j.name), doc = j }
        end
      else
        problems[#problems + 1] = jt .. " jobs: " .. tostring(err and err.message or err)
      end
    end
    return { all = all, problems = problems }
  end)
  return task.wait(ctx.refs[p])
end

local KIND_TEXT = { Config = "logtail config", Dashboard = "dashboard",
                    SavedSearch = "saved search", Alert = "alert", ETL = "ETL job",
                    Shipper = "shipper" }

-- "logtail config nginx; alert a1" for what names `ls` in project `p`.
local function still_pointing(ctx, sls, p, ls)
  local refs = project_refs(ctx, sls, p)
  local found = {}
  for _, r in ipairs(refs.all) do
    if names_logstore(r.doc, ls) then
      found[#found + 1] = KIND_TEXT[r.kind] .. " " .. r.name
    end
  end
  local ship, serr = sls:get_json("ListShipper", p, "/logstores/" .. ls .. "/shipper")
  if ship then
    for _, s in ipairs(ship.shipper or {}) do found[#found + 1] = "shipper " .. tostring(s) end
  elseif serr.code ~= "LogStoreNotExist" then
    found[#found + 1] = "(shippers unknown: " .. tostring(serr.message) .. ")"
  end
  for _, pr in ipairs(refs.problems) do found[#found + 1] = "(" .. pr .. ")" end
  table.sort(found)
  return #found > 0 and table.concat(found, "; ") or "nothing found"
end

-- ---------------------------------------------------------------------
-- Copy progress: logs, bytes, rate, shards done, eta; on stderr.

local Copy = {}
Copy.__index = Copy

local function copy_meter(quiet)
  return setmetatable({ logs = 0, bytes = 0, shards = 0, done = 0,
                        started = host.monotime(), last = 0,
                        enabled = not quiet and host.isatty(2) }, Copy)
end

local function human(n)
  if n >= 1e9 then return string.format("%.1f GB", n / 1e9) end
  if n >= 1e6 then return string.format("%.1f MB", n / 1e6) end
  if n >= 1e3 then return string.format("%.1f kB", n / 1e3) end
  return string.format("%d B", n)
end

function Copy:line()
  local el = math.max(host.monotime() - self.started, 1e-3)
  local eta = ""
  if self.done > 0 and self.shards > self.done then
    eta = string.format(", eta %ds", math.ceil(el / self.done * (self.shards - self.done)))
  end
  return string.format("copy: %d/%d shards, %d logs, %s, %.0f logs/s, %s/s%s", self.done,
                       self.shards, self.logs, human(self.bytes), self.logs / el,
                       human(self.bytes / el), eta)
end

function Copy:add(nlogs, nbytes)
  self.logs, self.bytes = self.logs + nlogs, self.bytes + nbytes
  local now = host.monotime()
  if self.enabled and now - self.last >= 0.5 then
    self.last = now
    io.stderr:write("\r", self:line(), "\27[K")
  end
end

function Copy:finish()
  if self.enabled then io.stderr:write("\r", self:line(), "\27[K\n") end
end

-- ---------------------------------------------------------------------
-- One shard's copy, resumable from its journal checkpoint.

-- What identifies a log group across a copy: its logs, topic and source
-- (the service may add tags of its own, such as the receive time).
local function group_id(g)
  return logs.encode_group { topic = g.topic, source = g.source, logs = g.logs }
end

-- Keep a request on `shard` at least `interval` after the previous one.
local function pace(state, interval)
  local now = host.monotime()
  local wait = (state.next or 0) - now
  if wait > 0 then task.sleep(wait) end
  state.next = math.max(now, state.next or 0) + interval
end

-- Whether the group in flight when a copy was stopped (`g`, the next one
-- after `skip` confirmed groups of `batch`) reached the target: the
-- target shard since the checkpoint's target cursor holds it once more
-- than the batch's confirmed groups account for.
local function landed(tgt, row, tshard, tcursor, batch, skip, g)
  tshard = tshard.shardID
  local id, seen = group_id(g), 0
  local cursor = tcursor
  local stop = assert(tgt:cursor(row.to_project, row.to_logstore, tshard, "end"))
  while cursor ~= stop do
    local groups, nextc = tgt:pull_logs(row.to_project, row.to_logstore, tshard, cursor,
                                        { count = 1000, end_cursor = stop })
    if not groups then errors.raise(nextc) end
    for _, x in ipairs(groups) do
      if group_id(x) == id then seen = seen + 1 end
    end
    if nextc == cursor then break end
    cursor = nextc
  end
  for i = 1, skip do
    if group_id(batch[i]) == id then seen = seen - 1 end
  end
  return seen > 0
end

local function copy_shard(ctx, row, src, tgt, shard, tshard, meter)
  local o = ctx.opts
  local key = shard_key(row, shard.shardID)
  -- a target this run created holds nothing of an earlier run: a
  -- checkpoint of that name (a journal of another estate) is not its place
  local cp = row.action ~= "create" and ctx.journal:get(key) or nil
  local sid = shard.shardID
  local read_pace, write_pace = {}, {}
  local P, L, TP, TL = row.project, row.logstore, row.to_project, row.to_logstore
  local st = { read = 0, written = 0, bytes = 0 }
  if cp and cp.done then
    st.read, st.written = cp.read or 0, cp.written or 0
    meter.done = meter.done + 1
    return st
  end
  local cursor, stop, skip, tcursor
  if cp then
    cursor, stop, skip, tcursor = cp.cursor, cp.stop, cp.skip or 0, cp.tcursor
    st.read, st.written, st.bytes = cp.read or 0, cp.written or 0, cp.bytes or 0
  else
    local err
    cursor, err = src:cursor(P, L, sid, o.from_t or "begin")
    if not cursor then return nil, err end
    stop, err = src:cursor(P, L, sid, o.to_t or "end")
    if not stop then return nil, err end
    skip = 0
  end
  local resumed = cp ~= nil
  local function save(extra)
    local e = { status = "copying", cursor = cursor, stop = stop, skip = skip,
                tcursor = tcursor,
                read = st.read, written = st.written, bytes = st.bytes,
                time = os.date("!%Y-%m-%dT%H:%M:%SZ") }
    for k, v in pairs(extra or {}) do e[k] = v end
    ctx.journal:record(key, e)
  end
  while cursor ~= stop do
    pace(read_pace, READ_INTERVAL)
    local groups, nextc = src:pull_logs(P, L, sid, cursor, { count = PULL_COUNT,
                                                            end_cursor = stop })
    if not groups then return nil, nextc end
    if #groups == 0 or nextc == cursor then break end
    if resumed then
      -- the batch of the checkpoint: its first `skip` groups are
      -- confirmed; the next one may have landed before the stop
      resumed = false
      if skip < #groups and tcursor and landed(tgt, row, tshard, tcursor, groups, skip,
                                               groups[skip + 1]) then
        skip = skip + 1
        st.written = st.written + #groups[skip].logs
        save()
      end
    else
      local t, err = tgt:cursor(TP, TL, tshard.shardID, "end")
      if not t then return nil, err end
      tcursor, skip = t, 0
      st.read = st.read + logs.count(groups)
      save()
    end
    for i = skip + 1, #groups do
      if wf.stopping() then
        -- interrupted: what is written is checkpointed, a rerun goes on
        return nil, errors.new { code = "interrupted", message = string.format(
          "interrupted after %d of %d logs of shard %d (the journal has the place)",
          st.written, st.read, sid) }
      end
      pace(write_pace, WRITE_INTERVAL)
      local w, err = tgt:put_logs(TP, TL, groups[i], { shard_key = tshard.inclusiveBeginKey })
      if not w then return nil, err end
      skip = i
      st.written = st.written + w.logs
      st.bytes = st.bytes + w.raw_bytes
      save()
      meter:add(w.logs, w.raw_bytes)
    end
    cursor, skip = nextc, 0
  end
  save { done = true, status = "copied" }
  meter.done = meter.done + 1
  return st
end

-- Copy every shard of a migrated logstore; the row gets the counts.
local function copy_data(ctx, row, src, tgt)
  local sshards, err = src:shards(row.project, row.logstore)
  if not sshards then return nil, err end
  local tshards, terr = tgt:shards(row.to_project, row.to_logstore)
  if not tshards then return nil, terr end
  if #tshards == 0 then return nil, errors.new { code = "bad_response",
                                                 message = "the target has no shards" } end
  ctx.meter.shards = ctx.meter.shards + #sshards
  local results, errs = task.map(sshards, function(sh, i)
    return copy_shard(ctx, row, src, tgt, sh, tshards[(i - 1) % #tshards + 1], ctx.meter)
  end, { concurrency = math.min(#sshards, 4) })
  local read, written, bytes, parts, bad = 0, 0, 0, {}, nil
  for i, sh in ipairs(sshards) do
    local r = results[i]
    if not r then
      bad = bad or errs[i]
      parts[#parts + 1] = sh.shardID .. ":failed"
    else
      read, written, bytes = read + r.read, written + r.written, bytes + r.bytes
      parts[#parts + 1] = string.format("%d:%d/%d", sh.shardID, r.read, r.written)
      if r.read ~= r.written then
        bad = bad or errors.new { code = "count_mismatch", message = string.format(
          "shard %d: %d logs read, %d written", sh.shardID, r.read, r.written) }
      end
    end
  end
  row.read, row.written, row.bytes = read, written, bytes
  row.per_shard = table.concat(parts, " ")
  row.copied = string.format("%d/%d logs", written, read)
  if bad then return nil, bad end
  return true
end

-- ---------------------------------------------------------------------
-- Plan and apply.

-- Whether any shard of a logstore holds data; nil, err when unknown.
local function holds_data(sls, p, ls)
  local shards, err = sls:shards(p, ls)
  if not shards then return nil, err end
  for _, sh in ipairs(shards) do
    local b, berr = sls:cursor(p, ls, sh.shardID, "begin")
    if not b then return nil, berr end
    local e, eerr = sls:cursor(p, ls, sh.shardID, "end")
    if not e then return nil, eerr end
    if b ~= e then return true end
  end
  return false
end

-- A journal entry saying this target was migrated by a run like this
-- one (trusted only when the target is read as it would be created).
local function journal_done(ctx, row)
  local e = ctx.journal:get(target_key(row))
  return e and e.fingerprint == ctx.fingerprint and e.status == "migrated" and e
end

local check_saved

-- The plan of one logstore from what the source and the target read now.
local function plan_fresh(ctx, t, src, tgt)
  local o = ctx.opts
  local row = { region = t.region, project = t.project, logstore = t.logstore,
                to_region = o.to_region, to_project = o.to,
                to_logstore = target_name(o, t.logstore) }
  row.to = o.to .. "/" .. row.to_logstore
  if o.to_region ~= t.region then row.to = o.to_region .. ":" .. row.to end
  if not cc.valid_name("logstore", row.to_logstore) then
    -- e.g. a long source name with --suffix: never sent (a request with
    -- it would be refused before it leaves), and the project is not
    -- created for it
    row.action, row.status = "refused", "refused"
    row.reason = "the target name " .. row.to_logstore .. " is not a logstore name ("
                 .. NAME_RULE .. "): give a shorter --suffix or a --rename"
    return row
  end
  if ctx.claimed[row.to] and ctx.claimed[row.to] ~= t.logstore then
    row.action, row.status = "refused", "refused"
    row.reason = "the target " .. row.to .. " is also the target of " .. ctx.claimed[row.to]
    return row
  end
  ctx.claimed[row.to] = t.logstore
  local ls, err = src:get_logstore(t.project, t.logstore)
  if not ls then return nil, err end
  row.current = describe(ls.encrypt_conf)
  row.shards = ls.shardCount
  row.state = rollout.state_fingerprint(ls)
  local body, berr = sls_mod.creatable(ls)
  if not body then return nil, berr end
  body.logstoreName = row.to_logstore
  body.encrypt_conf = ctx.want_conf
  row.body = body
  row.target = describe(ctx.want_conf)
  local ix, ierr = read_index(src, t.project, t.logstore)
  if ix == nil then return nil, ierr end
  row.index = ix or nil
  local blocked = ctx.pre:blocked_reason(o.to_region)
  if blocked then
    row.action, row.status = "refused", "refused"
    row.reason = "pre-flight: " .. blocked
    return row
  end
  if not ctx.project_exists then
    if not o.create_project then
      row.action, row.status = "refused", "refused"
      row.reason = "the target project " .. o.to .. " does not exist in " .. o.to_region
                   .. " (--create-project creates it with the source's description)"
      return row
    end
    row.action, row.status = "create", "create"
    row.reason = "new logstore in a new project " .. o.to .. " (" .. row.target .. ", "
                 .. tostring(ls.shardCount) .. " shards" .. (ix and ", index" or "") .. ")"
    return row
  end
  local cur, gerr = tgt:get_logstore(o.to, row.to_logstore)
  if not cur then
    if gerr.code ~= "LogStoreNotExist" then return nil, gerr end
    row.action, row.status = "create", "create"
    row.reason = "new logstore (" .. row.target .. ", " .. tostring(ls.shardCount)
                 .. " shards" .. (ix and ", index" or "") .. (o.copy_data and ", data" or "")
                 .. ")"
    return row
  end
  local have = assert(sls_mod.creatable(cur))
  local diff = differing(body, have)
  if #diff > 0 then
    row.action, row.status = "refused", "refused"
    row.reason = "the target exists and differs in " .. some(diff)
                 .. ": never overwritten (delete it or choose another name)"
    return row
  end
  local tix, terr = read_index(tgt, o.to, row.to_logstore)
  if tix == nil then return nil, terr end
  local todo = {}
  if ix and not tix then
    todo[#todo + 1] = "index"
  elseif ix and not json.equal(index_core(ix), index_core(tix)) then
    row.action, row.status = "refused", "refused"
    row.reason = "the target exists with the same configuration but another index: "
                 .. "never overwritten"
    return row
  end
  if o.copy_data then
    local e = ctx.journal:get(target_key(row))
    if not e then
      -- a target this journal knows nothing of: copying into one that
      -- holds data already would duplicate it
      local filled, ferr = holds_data(tgt, o.to, row.to_logstore)
      if filled == nil then return nil, ferr end
      if filled then
        row.action, row.status = "refused", "refused"
        row.reason = "the target exists and already holds data that no journal of this run "
                     .. "records: copying again would duplicate it (give the --journal of the "
                     .. "run that copied it)"
        return row
      end
    end
    -- copied: the last entry of a finished copy ("copied", then
    -- "migrated" by a run that copied the same data)
    local copied = e and (e.status == "copied"
                          or (e.status == "migrated" and e.fingerprint == ctx.fingerprint))
    if not copied then todo[#todo + 1] = "data" end
  end
  row.exists = true
  if #todo > 0 then
    row.action, row.status = "resume", "resume"
    row.reason = "the target exists as it would be created; to do: " .. table.concat(todo, ", ")
  else
    row.action, row.status = "done", "done"
    row.reason = "the target exists with the same configuration and index"
  end
  return row
end

-- Plan one logstore. A target the journal says was migrated is read and
-- planned all the same (the journal may come from a run against another
-- estate, such as a rehearsal on an emulator, or be edited by hand): it
-- is "journaled" only when the plan finds it done; otherwise the entry
-- is ignored, and the reason says so.
local function plan_one(ctx, t, src, tgt)
  local row, err = plan_fresh(ctx, t, src, tgt)
  if not row then return nil, err end
  local e = journal_done(ctx, row)
  if not e then return row end
  if row.status == "done" then
    row.status = "journaled"
    row.reason = "migrated by an earlier run at " .. tostring(e.time)
                 .. " (journal), read now: " .. row.reason
  else
    row.ignored = "; the journal's entry (migrated at " .. tostring(e.time)
                  .. ") is ignored: the target read now is not as it would be created"
    row.reason = row.reason .. row.ignored
  end
  return row
end

-- With --plan: a row that is no longer what was planned is refused.
function check_saved(ctx, row, c)
  if row.status ~= "create" and row.status ~= "resume" then return end
  local why
  if c.target ~= ctx.fingerprint then
    why = "the plan was made for " .. c.target .. ", not " .. ctx.fingerprint
  elseif c.to_logstore ~= row.to_logstore then
    why = "the plan's target is " .. c.to_logstore
  elseif c.state ~= row.state then
    why = "the source logstore changed"
  elseif c.action ~= row.action then
    why = "planned to " .. c.action .. ", now " .. row.action
  end
  if why then
    row.action, row.status = "refused", "refused"
    row.reason = "changed since the plan: " .. why
  end
end

-- The target project, created once (with the source's description).
local function ensure_project(ctx, tgt)
  if ctx.project_exists then return true end
  if not ctx.project_task then
    ctx.project_task = task.spawn(function()
      local ok, err = tgt:create_project(ctx.opts.to, { description = ctx.source_description })
      if not ok and err.code ~= "ProjectAlreadyExist" then return nil, err end
      ctx.project_exists = true
      return true
    end)
  end
  return task.wait(ctx.project_task)
end

local function fail(row, err, what)
  row.status = err and err.code == "interrupted" and "interrupted" or "failed"
  local msg = tostring(err and err.message or err)
  if err and err.code and msg:sub(1, #err.code) ~= err.code then msg = err.code .. ": " .. msg end
  row.reason = what .. ": " .. msg
  row.error_code, row.request_id = err and err.code, err and err.request_id
  return row
end

local function apply_one(ctx, row, src, tgt)
  local o = ctx.opts
  if row.action == "create" then
    local ok, err = ensure_project(ctx, tgt)
    if not ok then return fail(row, err, "cannot create the project " .. o.to) end
    ok, err = tgt:create_logstore(o.to, row.body)
    if not ok then return fail(row, err, "cannot create the logstore") end
    local cur, gerr = tgt:get_logstore(o.to, row.to_logstore)
    if not cur then return fail(row, gerr, "created, but cannot read it back") end
    local diff = differing(row.body, assert(sls_mod.creatable(cur)))
    if #diff > 0 then
      row.status = "drift"
      row.reason = "created, but the service changed " .. some(diff)
      return row
    end
    ctx.journal:record(target_key(row), { status = "created", fingerprint = ctx.fingerprint,
                                          time = os.date("!%Y-%m-%dT%H:%M:%SZ") })
  end
  if row.index then
    local have, ierr = read_index(tgt, o.to, row.to_logstore)
    if have == nil then return fail(row, ierr, "cannot read the target's index") end
    if not have then
      local ok, err = tgt:create_index(o.to, row.to_logstore, row.index)
      if not ok then return fail(row, err, "cannot create the index") end
      have, ierr = read_index(tgt, o.to, row.to_logstore)
      if not have then return fail(row, ierr, "index created, but cannot read it back") end
    end
    if not json.equal(index_core(row.index), index_core(have)) then
      row.status = "drift"
      row.reason = "the target's index is not the source's"
      return row
    end
  end
  if o.copy_data then
    -- the journal knows this target from now on, so that a rerun after a
    -- partial copy resumes it rather than refusing it as holding data
    -- (and an entry of another run's, for a target created now, says
    -- nothing of its data)
    if row.action == "create" or not ctx.journal:get(target_key(row)) then
      ctx.journal:record(target_key(row), { status = "copying", fingerprint = ctx.fingerprint,
                                            time = os.date("!%Y-%m-%dT%H:%M:%SZ") })
    end
    local ok, err = copy_data(ctx, row, src, tgt)
    if not ok then return fail(row, err, "data copy") end
    ctx.journal:record(target_key(row), { status = "copied", fingerprint = ctx.fingerprint,
                                          time = os.date("!%Y-%m-%dT%H:%M:%SZ") })
  end
  ctx.journal:record(target_key(row), { status = "migrated", fingerprint = ctx.fingerprint,
                                        time = os.date("!%Y-%m-%dT%H:%M:%SZ") })
  row.status = "migrated"
  local what = { row.action == "create" and "created" or "completed" }
  if row.index then what[#what + 1] = "index copied" end
  if o.copy_data then what[#what + 1] = "data " .. row.copied end
  row.reason = table.concat(what, ", ")
  return row
end

-- ---------------------------------------------------------------------

local opts = wf.parse(arg, {
  usage = policy.usage, summary = policy.summary, description = policy.description,
  epilog = policy.epilog, mutating = true, options = policy.options,
})
check(opts)

-- The target side: its own region and, with --to-profile, credentials.
local topts = setmetatable({ regions = { opts.to_region },
                             credentials = opts.to_credentials or opts.credentials },
                           { __index = opts })
local ctx = { opts = opts, refs = {}, claimed = {} }
ctx.pre = rollout.context(topts, policy)
ctx.pre.width = math.max(ctx.pre.width, #opts.to_region)

local out, oerr = wf.output(opts, {
  title = NAME, columns = opts.apply and APPLY_COLUMNS or PLAN_COLUMNS,
  report_columns = REPORT_COLUMNS,
})
if not out then
  io.stderr:write(NAME, ": ", tostring(oerr), "\n")
  os.exit(2)
end
local ok_j, journal = pcall(wf.journal, opts.journal, { read_only = not opts.apply,
                                                        entries = opts.journal_entries })
if not ok_j then
  out:discard()
  io.stderr:write(NAME, ": ", tostring(journal), "\n")
  os.exit(2)
end
ctx.journal = journal

-- Run fn(...) (a phase of the run); when the grace after Ctrl-C or
-- SIGTERM runs out, the host raises "interrupted" in it: false then.
local function phase(fn, ...)
  local ok, a, b, c = pcall(fn, ...)
  if ok then return true, a, b, c end
  if a == "interrupted" and wf.stopping() then return false end
  error(a, 0)
end

-- The run ends before anything was written (interrupted, or failed).
local function ended_early(status, message)
  out:discard()
  io.stderr:write(NAME, ": ", message, "\n")
  os.exit(status)
end

ctx.pre:info("%s: %s", NAME, opts.apply and "apply"
             or "plan (nothing is changed without --apply)")
ctx.pre:info("pre-flight")
local done, ok, err = phase(task.run, function()
  local src = wf.clients(opts.regions[1], opts).sls
  local tgt = wf.clients(opts.to_region, topts).sls
  if opts.key then
    local pok, perr = rollout.byok_preflight(ctx.pre, { opts.to_region })
    if not pok then return nil, perr end
  else
    local id, ierr = rollout.preflight_caller(ctx.pre)
    if not id then return nil, ierr end
  end
  ctx.want_conf = wanted(ctx.pre)
  local sp, serr = src:get_project(opts.from_project)
  if not sp then return nil, serr end
  ctx.source_description = type(sp.description) == "string" and sp.description or ""
  local tp, terr = tgt:get_project(opts.to)
  if tp then
    ctx.project_exists = true
    ctx.pre:item("target", "project %s in %s exists", opts.to, opts.to_region)
  elseif terr.code == "ProjectNotExist" then
    ctx.project_exists = false
    ctx.pre:item_warn("target", "project %s does not exist in %s%s", opts.to, opts.to_region,
                      opts.create_project and ": --apply creates it" or
                      ": every logstore is refused (--create-project creates it)")
  else
    return nil, terr
  end
  ctx.pre:item("encryption", "%s", describe(ctx.want_conf))
  return true
end)
if not done or wf.stopping() then
  ended_early(wf.interrupt_status() or 130, "interrupted during the pre-flight: nothing was "
              .. "changed")
end
if not ok then ended_early(1, "pre-flight failed: " .. tostring(err)) end
ctx.fingerprint = table.concat({ "migrate", opts.to_region, opts.to, describe(ctx.want_conf),
                                 opts.copy_data and "data" or "config",
                                 tostring(opts.from_t), tostring(opts.to_t) }, " ")

local targets, lerr
if opts.saved then
  -- exactly the logstores of the saved plan, in its order
  targets, done = {}, true
  for _, c in ipairs(opts.saved) do
    targets[#targets + 1] = { region = c.region, project = c.project, logstore = c.logstore,
                              saved = c }
  end
else
  done, targets, lerr = phase(wf.targets, opts)
end
if not done or wf.stopping() then
  ended_early(wf.interrupt_status() or 130, "interrupted while listing the logstores: "
              .. "nothing was changed")
end
if not targets then ended_early(1, "cannot list the projects: " .. tostring(lerr)) end

local finished = {}
local rows
local planned_all
planned_all, rows = phase(wf.run, targets, function(t)
  local src = wf.clients(t.region, opts).sls
  local tgt = wf.clients(opts.to_region, topts).sls
  local row, perr = plan_one(ctx, t, src, tgt)
  if row and t.saved then check_saved(ctx, row, t.saved) end
  finished[#finished + 1] = row
  return row, perr
end, opts, "planning")
if not planned_all then rows = finished end
for _, r in ipairs(rows) do
  if r.status == "failed" and not r.unlisted then
    r.action = "failed"
    r.reason = "cannot read the source or the target: " .. tostring(r.reason)
  end
  r.to = r.to or (opts.to .. "/" .. target_name(opts, r.logstore))
end

if opts.plan_out and not wf.stopping() then
  local changes = {}
  for _, r in ipairs(rows) do
    if r.status == "create" or r.status == "resume" then
      changes[#changes + 1] = json.object({ region = r.region, project = r.project,
                                            logstore = r.logstore, action = r.action,
                                            to_logstore = r.to_logstore, state = r.state,
                                            target = ctx.fingerprint, reason = r.reason },
                                          { "region", "project", "logstore", "action",
                                            "to_logstore", "state", "target", "reason" })
    end
  end
  local wrote, werr = rollout.write_plan_file(opts.plan_out, NAME, changes)
  if not wrote then
    io.stderr:write(NAME, ": cannot write --plan-out: ", tostring(werr), "\n")
    os.exit(1)
  end
  ctx.pre:info("plan written to %s (%d migration%s): carry it out with --apply --plan %s",
               opts.plan_out, #changes, #changes == 1 and "" or "s", opts.plan_out)
end

local status
if opts.apply then
  ctx.meter = copy_meter(opts.quiet)
  local planned = {}
  for _, r in ipairs(rows) do
    if r.status == "create" or r.status == "resume" then planned[#planned + 1] = r end
    if r.status == "done" then r.status = "already" end
  end
  -- (an apply stopped by the grace running out leaves `applied` nil:
  -- every row not finished is marked below)
  local _, applied = phase(wf.run, planned, function(row)
    row.started = true
    local src = wf.clients(row.region, opts).sls
    local tgt = wf.clients(opts.to_region, topts).sls
    local r = apply_one(ctx, row, src, tgt)
    row.finished = true
    return r
  end, opts, "migrating")
  for i, r in ipairs(applied or {}) do
    if r ~= planned[i] then
      planned[i].status, planned[i].reason = r.status, r.reason
      planned[i].error_code = r.error_code
      planned[i].finished = true
    end
  end
  -- what an interruption left: not started, or stopped in flight (the
  -- journal has every checkpoint; a rerun goes on from them)
  for _, r in ipairs(planned) do
    if not r.finished then
      r.status = "interrupted"
      r.reason = r.started and "interrupted in flight: rerun with the same --journal to "
                               .. "go on from its checkpoints"
                 or "not started: the run was interrupted (rerun to go on)"
    end
    r.started, r.finished = nil, nil
  end
  ctx.meter:finish()
end

-- switch-over help: what still names each old logstore (read only; not
-- after an interruption, which asked to end soon)
if #rows > 0 and not wf.stopping() then
  phase(task.run, function()
    task.map(rows, function(r)
      if r.status ~= "failed" or r.action ~= "failed" then
        local src = wf.clients(r.region, opts).sls
        local okp, names = pcall(still_pointing, ctx, src, r.project, r.logstore)
        r.still_pointing = okp and names or ("unknown: " .. tostring(names))
      end
    end, { concurrency = opts.concurrency })
  end)
end

for _, r in ipairs(rows) do
  -- a row carried out keeps saying that the journal's entry was not trusted
  if r.ignored and not tostring(r.reason):find(r.ignored, 1, true) then
    r.reason = tostring(r.reason) .. r.ignored
  end
  r.body, r.index, r.state, r.ignored = nil, nil, nil, nil
  out:add(r)
end
status = wf.finish(out)
if opts.apply then
  local pointing = 0
  for _, r in ipairs(rows) do
    if r.status == "migrated" and r.still_pointing and r.still_pointing ~= "nothing found" then
      pointing = pointing + 1
    end
  end
  if pointing > 0 then
    ctx.pre:warn("switch-over: %d migrated logstore%s still named by configs, jobs or "
                 .. "dashboards (see still_pointing in the report); the old logstores "
                 .. "were left as they are", pointing, pointing == 1 and " is" or "s are")
  end
  if opts.journal then ctx.pre:info("journal: %s (rerun with it to resume)", opts.journal) end
else
  local n = 0
  for _, r in ipairs(rows) do
    if r.status == "create" or r.status == "resume" then n = n + 1 end
  end
  ctx.pre:warn(n > 0 and ("nothing changed: rerun with --apply to migrate " .. n
                          .. " logstore" .. (n == 1 and "" or "s"))
               or "nothing changed, and nothing to migrate")
end
journal:close()
os.exit(status)
