--- Every logstore that depends on a CMK: what breaks if you disable or delete it
--
-- Read-only. Resolves each --key (a key id or alias/NAME) in the selected
-- regions with DescribeKey, lists its aliases, then reads the encrypt_conf
-- of every selected logstore and lists those whose user_cmk_info names
-- the key (by id, or by one of its aliases). Exit status: 0 (whatever the
-- count; --fail-if-used makes a dependent exit 3), 3 when a logstore could
-- not be read (the count may be short), 1 when a key cannot be resolved.

local wf = require "slsh.workflow"
local report = require "slsh.report"
local encconf = require "slsh.encrypt_conf"

local TABLE_COLUMNS = { "region", "project", "logstore", "enabled", "encrypt_type",
                        "role" }
local REPORT_COLUMNS = { "key", "key_region", "key_state", "region", "project",
                         "logstore", "enabled", "encrypt_type", "cmk_key_id",
                         "role_arn", "status", "reason" }

local opts = wf.parse(arg, {
  usage = "slsh run cmk-impact --key KEYID [OPTIONS]",
  summary = "Every logstore that depends on a KMS key (CMK), before you disable or\n"
    .. "delete it: a disabled or deleted CMK makes every read and write of those\n"
    .. "logstores fail. Reads only; changes nothing.",
  logstore_default = "*",
  options = {
    { "key", type = "list", metavar = "KEYID", required = true,
      help = "key id or alias/NAME to look for" },
    { "fail-if-used", type = "flag",
      help = "exit 3 when any logstore depends on a key (for scripts)" },
  },
  epilog = "A logstore depends on a key when its encrypt_conf.user_cmk_info names it,\n"
    .. "whether its encryption is on or off (data written while it was on needs\n"
    .. "the key). An alias is resolved in every selected region; a key id that no\n"
    .. "selected region knows is still searched for.\n\n"
    .. "exit status: 0 done (also with dependents, unless --fail-if-used), 1 a key\n"
    .. "could not be resolved, 2 usage, 3 dependents and --fail-if-used, or a\n"
    .. "logstore that could not be read (the count may be short).",
})

-- Where the rows go (defined below); the report is opened now, before
-- any request.
local count_row, summary, failed_n, total

local out, oerr = wf.output(opts, {
  title = "cmk-impact", report_columns = REPORT_COLUMNS, each = function(r) count_row(r) end,
  show = function(r) return r.status ~= "unrelated" end, summary = function() summary() end,
  verdict = function()
    if failed_n() > 0 or (opts.fail_if_used and total > 0) then return 3 end
    return 0
  end,
})
if not out then
  io.stderr:write("slsh run cmk-impact: ", tostring(oerr), "\n")
  os.exit(2)
end

-- The run ends before it started: no report is left behind.
local function fail(...)
  out:discard()
  io.stderr:write("slsh run cmk-impact: ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

-- Resolve the keys: each --key gives one subject per region that knows it.
local subjects = {}
local by_id, by_alias = {}, {}

-- Keys and aliases belong to an account: with --accounts each is looked
-- up in every member that can be entered (the others are rows of their
-- own, from wf.targets), and a logstore depends on the key of its own
-- account. `false` stands for the caller's own account.
local function scope(account) return account or "" end

local function add_subject(s)
  subjects[#subjects + 1] = s
  -- counted as the rows stream by; the table of dependents is spooled
  s.n, s.on, s.projects, s.last_project = 0, 0, 0, nil
  if not opts.quiet then s.table = report.table_writer(TABLE_COLUMNS) end
  by_id[scope(s.account) .. "\0" .. s.key_id:lower()] = s
  for _, a in ipairs(s.aliases) do
    by_alias[scope(s.account) .. "\0" .. s.region .. "\0" .. a] = s
  end
end

local accounts = { false }
if opts.account_selection then
  local list, aerr = wf.accounts(opts)
  if not list then fail("cannot list the accounts: ", tostring(aerr)) end
  accounts = {}
  for _, a in ipairs(list) do
    if not a.err and wf.enter(opts, a.id) then accounts[#accounts + 1] = a.id end
  end
end

for _, given in ipairs(opts.key) do
  local found = false
  for _, account in ipairs(accounts) do
    for _, region in ipairs(opts.regions) do
      local kms = wf.clients(region, wf.account_opts(opts, account or nil)).kms
      local m, err = kms:describe_key(given)
      if m then
        found = true
        if not by_id[scope(account) .. "\0" .. m.KeyId:lower()] then
          local aliases = {}
          local ok, aerr = pcall(function()
            for a in kms:aliases { key_id = m.KeyId } do aliases[#aliases + 1] = a.AliasName end
          end)
          if not ok then
            fail("cannot list the aliases of ", m.KeyId, ": ", tostring(aerr))
          end
          table.sort(aliases)
          add_subject { given = given, key_id = m.KeyId, region = region, state = m.KeyState,
                        metadata = m, aliases = aliases, account = account or nil }
        end
      elseif err.code ~= "Forbidden.KeyNotFound" and err.code ~= "Forbidden.AliasNotFound" then
        fail("cannot describe ", given, " in ", region,
             account and (" of account " .. account) or "", ": ", tostring(err))
      end
    end
  end
  if not found then
    if given:match("^alias/") then
      fail("alias ", given, " is not in any selected region (",
           table.concat(opts.regions, ", "), ")")
    end
    if not by_id["\0" .. given:lower()] then
      add_subject { given = given, key_id = given, state = "NotFound", aliases = {} }
    end
  end
end

-- "1 logstore", "2 logstores".
local function n_of(n, word)
  return n .. " " .. word .. (n == 1 and "" or "s")
end

local function depends_on(t, c)
  if c.mechanism ~= "byok" or not c.cmk_key_id then return nil end
  local mine = scope(t.account) .. "\0"
  return by_id[mine .. c.cmk_key_id:lower()]
    or by_alias[mine .. (c.region_id or t.region) .. "\0" .. c.cmk_key_id]
    or by_id["\0" .. c.cmk_key_id:lower()] -- a key id found in no account
end

local checked = 0
total = 0
local failed = { n = 0 }
function failed_n() return failed.n end
if not opts.quiet then
  failed.table = report.table_writer(opts.account_selection
    and { "account", "region", "project", "logstore", "reason" }
    or { "region", "project", "logstore", "reason" })
end

-- Each row as it finishes: a dependent counts for its key, a failure for
-- the incomplete list; nothing of a row is kept.
function count_row(r)
  if not r.unlisted then checked = checked + 1 end
  if r.status == "depends" then
    local s = r.subject
    s.n, total = s.n + 1, total + 1
    if r.enabled then s.on = s.on + 1 end
    -- rows come grouped by project
    local project = (r.account or "") .. "/" .. r.region .. "/" .. r.project
    if project ~= s.last_project then s.projects, s.last_project = s.projects + 1, project end
    if s.table then s.table:add(r) end
  elseif r.status == "failed" then
    failed.n = failed.n + 1
    if failed.table then failed.table:add(r) end
  end
end

local function scan(t, clients)
  local ls, err = clients.sls:get_logstore(t.project, t.logstore)
  if not ls then return nil, err end
  local c = encconf.parse(ls.encrypt_conf)
  local s = depends_on(t, c)
  if not s then return { status = "unrelated" } end
  local enabled
  if c.enable_known then enabled = c.enable end
  return { status = "depends", subject = s, key = s.key_id, key_region = s.region,
           key_state = s.state, account = t.account, region = t.region, project = t.project,
           logstore = t.logstore, enabled = enabled,
           encrypt_type = c.encrypt_type, cmk_key_id = c.cmk_key_id, role_arn = c.arn,
           role = c.arn and c.arn:match(":role/(.+)$") or c.arn }
end

-- Table lines indented under their key.
local indented = { write = function(_, line) io.write("  ", line) end }

-- The plain sentence: what disabling (or the current state) means.
local function verdict(s)
  local n, on, m = s.n, s.on, s.projects
  local where = n_of(n, "logstore") .. " in " .. n_of(m, "project")
  local off = n - on
  local note = off > 0 and string.format(" (%d of them with encryption off, but "
                                          .. "holding data encrypted with it)", off) or ""
  if n == 0 and s.state == "NotFound" then
    return string.format("this key is in none of the selected regions and no logstore "
                         .. "there names it (%s checked)", n_of(checked, "logstore"))
  elseif n == 0 then
    return string.format("no logstore in %s depends on this key: disabling or deleting "
                         .. "it breaks no logstore there (%s checked; other "
                         .. "services may still use the key)",
                         table.concat(opts.regions, ", "), n_of(checked, "logstore"))
  elseif s.state == "Enabled" then
    return "disabling or deleting this key makes reads and writes fail on " .. where .. note
  elseif s.state == "Disabled" then
    return "this key is already Disabled: reads and writes fail now on " .. where .. note
      .. "; EnableKey restores them"
  elseif s.state == "PendingDeletion" then
    return "this key is pending deletion" .. (s.metadata.DeleteDate and (" (on "
      .. s.metadata.DeleteDate .. ")") or "") .. ": reads and writes fail now on " .. where
      .. note .. "; CancelKeyDeletion before that date restores them, after it their data "
      .. "is lost"
  elseif s.state == "NotFound" then
    return "this key is in none of the selected regions, yet " .. where
      .. " name it: their reads and writes fail already"
  end
  return "this key is " .. tostring(s.state) .. "; " .. where .. " depend on it" .. note
end

-- Per key: what it is, its dependents, and the verdict; then what could
-- not be read, and the count.
function summary()
  for _, s in ipairs(subjects) do
    local m = s.metadata or {}
    local head = (s.account and ("account " .. s.account .. ": ") or "") .. "key " .. s.key_id
    if s.given ~= s.key_id then head = head .. " (" .. s.given .. ")" end
    if s.region then
      head = head .. " in " .. s.region .. ": " .. s.state .. ", deletion protection "
        .. (m.DeletionProtection == "Enabled" and "on" or "off") .. ", aliases: "
        .. (#s.aliases > 0 and table.concat(s.aliases, ", ") or "none")
    else
      head = head .. ": not found in " .. table.concat(opts.regions, ", ")
    end
    io.write(head, "\n")
    if s.table and s.n > 0 then s.table:write(indented) end
    io.write("  => ", verdict(s), "\n")
  end
  if failed.n > 0 then
    io.write(string.format("incomplete: %s could not be read, so the counts may be short:\n",
                           n_of(failed.n, "logstore")))
    if failed.table then failed.table:write(indented) end
  end
  io.write(string.format("cmk-impact: %s checked in %s: %d depend on %s\n",
                         n_of(checked, "logstore"), table.concat(opts.regions, ", "), total,
                         #subjects == 1 and "this key" or ("these " .. #subjects .. " keys")))
end

local targets, lerr = wf.targets(opts)
if not targets then fail("cannot list the projects: ", tostring(lerr)) end

wf.run(targets, scan, opts, "scanning", out)
os.exit(wf.finish(out))
