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

-- Resolve the keys: each --key gives one subject per region that knows it.
local subjects = {}
local by_id, by_alias = {}, {}

local function add_subject(s)
  subjects[#subjects + 1] = s
  s.dependents = {}
  by_id[s.key_id:lower()] = s
  for _, a in ipairs(s.aliases) do by_alias[s.region .. "\0" .. a] = s end
end

for _, given in ipairs(opts.key) do
  local found = false
  for _, region in ipairs(opts.regions) do
    local kms = wf.clients(region, opts).kms
    local m, err = kms:describe_key(given)
    if m then
      found = true
      if not by_id[m.KeyId:lower()] then
        local aliases = {}
        local ok, aerr = pcall(function()
          for a in kms:aliases { key_id = m.KeyId } do aliases[#aliases + 1] = a.AliasName end
        end)
        if not ok then
          io.stderr:write("slsh run cmk-impact: cannot list the aliases of ", m.KeyId, ": ",
                          tostring(aerr), "\n")
          os.exit(1)
        end
        table.sort(aliases)
        add_subject { given = given, key_id = m.KeyId, region = region, state = m.KeyState,
                      metadata = m, aliases = aliases }
      end
    elseif err.code ~= "Forbidden.KeyNotFound" and err.code ~= "Forbidden.AliasNotFound" then
      io.stderr:write("slsh run cmk-impact: cannot describe ", given, " in ", region, ": ",
                      tostring(err), "\n")
      os.exit(1)
    end
  end
  if not found then
    if given:match("^alias/") then
      io.stderr:write("slsh run cmk-impact: alias ", given, " is not in any selected region (",
                      table.concat(opts.regions, ", "), ")\n")
      os.exit(1)
    end
    if not by_id[given:lower()] then
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
  return by_id[c.cmk_key_id:lower()]
    or by_alias[(c.region_id or t.region) .. "\0" .. c.cmk_key_id]
end

local targets, failures = wf.targets(opts)
if not targets then
  io.stderr:write("slsh run cmk-impact: cannot list the projects: ", tostring(failures), "\n")
  os.exit(1)
end

local rows = wf.run(targets, function(t, clients)
  local ls, err = clients.sls:get_logstore(t.project, t.logstore)
  if not ls then return nil, err end
  local c = encconf.parse(ls.encrypt_conf)
  local s = depends_on(t, c)
  if not s then return { status = "unrelated" } end
  local enabled
  if c.enable_known then enabled = c.enable end
  return { status = "depends", subject = s, key = s.key_id, key_region = s.region,
           key_state = s.state, region = t.region, project = t.project,
           logstore = t.logstore, enabled = enabled,
           encrypt_type = c.encrypt_type, cmk_key_id = c.cmk_key_id, role_arn = c.arn,
           role = c.arn and c.arn:match(":role/(.+)$") or c.arn }
end, opts, "scanning")

local failed, out = {}, {}
for _, r in ipairs(rows) do
  if r.status == "depends" then
    local deps = r.subject.dependents
    deps[#deps + 1] = r
    out[#out + 1] = r
  elseif r.status == "failed" or r.status == "interrupted" then
    failed[#failed + 1] = r
  end
end
for _, p in ipairs(failures) do
  failed[#failed + 1] = { region = p.region, project = p.project, logstore = "*",
                          status = "failed", reason = "cannot list the logstores" }
end

-- The plain sentence: what disabling (or the current state) means.
local function verdict(s)
  local n = #s.dependents
  local projects, on = {}, 0
  for _, r in ipairs(s.dependents) do
    projects[r.region .. "/" .. r.project] = true
    if r.enabled then on = on + 1 end
  end
  local m = 0
  for _ in pairs(projects) do m = m + 1 end
  local where = n_of(n, "logstore") .. " in " .. n_of(m, "project")
  local off = n - on
  local note = off > 0 and string.format(" (%d of them with encryption off, but "
                                          .. "holding data encrypted with it)", off) or ""
  if n == 0 and s.state == "NotFound" then
    return string.format("this key is in none of the selected regions and no logstore "
                         .. "there names it (%s checked)", n_of(#targets, "logstore"))
  elseif n == 0 then
    return string.format("no logstore in %s depends on this key: disabling or deleting "
                         .. "it breaks no logstore there (%s checked; other "
                         .. "services may still use the key)",
                         table.concat(opts.regions, ", "), n_of(#targets, "logstore"))
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

local total = 0
for _, s in ipairs(subjects) do
  local m = s.metadata or {}
  local head = "key " .. s.key_id
  if s.given ~= s.key_id then head = head .. " (" .. s.given .. ")" end
  if s.region then
    head = head .. " in " .. s.region .. ": " .. s.state .. ", deletion protection "
      .. (m.DeletionProtection == "Enabled" and "on" or "off") .. ", aliases: "
      .. (#s.aliases > 0 and table.concat(s.aliases, ", ") or "none")
  else
    head = head .. ": not found in " .. table.concat(opts.regions, ", ")
  end
  io.write(head, "\n")
  if not opts.quiet and #s.dependents > 0 then
    local t = report.table(s.dependents, TABLE_COLUMNS)
    io.write((t:gsub("[^\n]+", "  %0")))
  end
  io.write("  => ", verdict(s), "\n")
  total = total + #s.dependents
end

if #failed > 0 then
  io.write(string.format("incomplete: %s could not be read, so the counts may be short:\n",
                         n_of(#failed, "logstore")))
  if not opts.quiet then
    io.write((report.table(failed, { "region", "project", "logstore", "reason" })
      :gsub("[^\n]+", "  %0")))
  end
end

io.write(string.format("cmk-impact: %s checked in %s: %d depend on %s\n",
                       n_of(#targets, "logstore"), table.concat(opts.regions, ", "), total,
                       #subjects == 1 and "this key" or ("these " .. #subjects .. " keys")))

local status = 0
if opts.report then
  for _, r in ipairs(failed) do out[#out + 1] = r end
  local ok, err = report.write(opts.report, out, REPORT_COLUMNS)
  if ok then
    io.write("report written to ", opts.report, "\n")
  else
    io.stderr:write("slsh run cmk-impact: cannot write the report: ", tostring(err), "\n")
    status = 1
  end
end
if status == 0 and (#failed > 0 or (opts.fail_if_used and total > 0)) then status = 3 end
os.exit(wf.interrupt_status() or status)
