--- Encryption status of every logstore, the state of each CMK and role, and findings
--
-- Read-only. For every logstore of the selection: its encrypt_conf, the
-- state of the CMK it names (one DescribeKey per distinct key and region)
-- and the health of the RAM role it names (one check per distinct role),
-- and findings with a severity. Exit status: 0, or 3 when a finding at or
-- above --fail-on exists or a logstore could not be checked.

local wf = require "slsh.workflow"
local task = require "slsh.task"
local encconf = require "slsh.encrypt_conf"
local json = require "slsh.json"

-- Every finding: its severity and what it means, for the summary and docs.
local KINDS = {
  cmk_disabled = { "critical",
    "the CMK is Disabled: every read and write of the logstore fails now" },
  cmk_pending_deletion = { "critical",
    "the CMK is pending deletion: reads and writes fail now; on its DeleteDate "
    .. "the data is lost for good" },
  cmk_missing = { "critical",
    "the CMK does not exist in the region named: reads and writes fail" },
  cmk_unusable = { "critical",
    "the CMK is pending import or not a symmetric ENCRYPT/DECRYPT key: "
    .. "reads and writes fail" },
  role_broken = { "critical",
    "the role is missing, untrusted by log.aliyuncs.com or lacks a KMS policy: "
    .. "SLS cannot use the CMK" },
  cmk_other_region = { "warning",
    "the CMK is not in the logstore's region, where SLS BYOK expects it" },
  byok_disabled = { "warning",
    "BYOK is configured but off: new data is stored unencrypted" },
  service_key_disabled = { "warning",
    "the service key is configured but off: new data is stored unencrypted" },
  unencrypted = { "warning",
    "not encrypted at rest (BYOK is still possible; the first choice is permanent)" },
  deletion_protection_off = { "warning",
    "the CMK's deletion protection is off: one call from scheduling its deletion" },
  service_key = { "info",
    "encrypted with the SLS service key: BYOK is no longer possible here" },
  check_failed = { "failed",
    "the logstore, its CMK or its role could not be read: audit incomplete" },
}

local RANK = { ok = 0, info = 1, warning = 2, critical = 3, failed = 4 }
local FAIL_AT = { critical = 3, warning = 2, any = 1, none = math.huge }

local TABLE_COLUMNS = { "region", "project", "logstore", "mechanism", "enabled",
                        "encrypt_type", "key", "key_state", "role", "findings",
                        "severity" }
local REPORT_COLUMNS = { "region", "project", "logstore", "mechanism", "enabled",
                         "encrypt_type", "key", "key_region", "key_state", "role",
                         "role_arn", "findings", "severity", "details" }

-- "1 logstore", "2 logstores".
local function n_of(n, word)
  return n .. " " .. word .. (n == 1 and "" or "s")
end

-- Finding kinds, most severe first, then by name.
local function severity_order(a, b)
  local ra, rb = RANK[KINDS[a][1]], RANK[KINDS[b][1]]
  if ra ~= rb then return ra > rb end
  return a < b
end

local function kinds_text()
  local names = {}
  for k in pairs(KINDS) do names[#names + 1] = k end
  table.sort(names, severity_order)
  local lines = { "findings (severity):" }
  for _, k in ipairs(names) do
    lines[#lines + 1] = string.format("  %-24s %-8s %s", k, KINDS[k][1], KINDS[k][2])
  end
  return table.concat(lines, "\n")
end

local opts = wf.parse(arg, {
  usage = "slsh run audit [OPTIONS]",
  summary = "Encryption status of every selected logstore, the state of each CMK\n"
    .. "and RAM role it uses, and findings. Reads only; changes nothing.",
  logstore_default = "*",
  options = {
    { "fail-on", type = "choice", choices = { "critical", "warning", "any", "none" },
      default = "critical",
      help = "exit 3 when a finding of this severity or worse exists" },
    { "findings-only", type = "flag",
      help = "list (and report) only the logstores with findings" },
  },
  epilog = kinds_text() .. "\n\nexit status: 0 clean (below --fail-on), 2 usage, "
    .. "3 findings at or above --fail-on,\nor a logstore that could not be checked "
    .. "(whatever --fail-on says), 1 other failure.",
})

-- Each check runs once however many logstores need it: the first asker
-- starts a task, the others wait for the same task.
local key_checks, role_checks = {}, {}
local key_order, role_order = {}, {}

local function once(cache, order, k, fn)
  local h = cache[k]
  if not h then
    h = task.spawn(fn)
    cache[k] = h
    order[#order + 1] = k
  end
  return task.wait(h)
end

-- Keys and roles are checked in the logstore's own account (with
-- --accounts, each member's; the account is part of the cache key).
local function key_health(account, region, key_id)
  local k = (account and (account .. "\0") or "") .. region .. "\0" .. key_id
  return once(key_checks, key_order, k, function()
    local h, err = wf.clients(region, wf.account_opts(opts, account)).kms:key_health(key_id)
    if not h then return nil, err end
    h.region, h.key_id = region, h.key_id or key_id
    return h
  end)
end

local function role_health(account, arn)
  local k = (account and (account .. "\0") or "") .. arn:lower()
  return once(role_checks, role_order, k, function()
    local uid, name = arn:match("^acs:ram::(%d*):role/([%w.%-]+)$")
    if not name then
      return { given_arn = arn, exists = false, problems = {
        "'" .. arn .. "' is not a role ARN (acs:ram::<uid>:role/<name>)" } }
    end
    local ram = wf.clients(opts.regions[1], wf.account_opts(opts, account)).ram
    local r, err = ram:check_byok_role(name)
    if not r then return nil, err end
    r.name, r.given_arn, r.uid = name, arn, uid
    if r.exists and r.arn and r.arn:lower() ~= arn:lower() then
      r.problems[#r.problems + 1] = "the logstore names " .. arn
        .. " but the role of that name in this account is " .. r.arn
    end
    return r
  end)
end

-- The findings of one logstore's CMK.
local function key_findings(h, add)
  local m = h.metadata or {}
  if h.state == "NotFound" then
    add("cmk_missing", "key " .. h.key_id .. " does not exist in " .. h.region)
  elseif h.state == "Disabled" then
    add("cmk_disabled", "key " .. h.key_id .. " is Disabled")
  elseif h.state == "PendingDeletion" then
    add("cmk_pending_deletion", "key " .. h.key_id .. " is pending deletion"
        .. (m.DeleteDate and (", deleted on " .. m.DeleteDate) or ""))
  elseif not h.usable then
    add("cmk_unusable", table.concat(h.problems, "; "))
  end
  if h.state ~= "NotFound" and h.state ~= "PendingDeletion"
     and m.DeletionProtection ~= "Enabled" then
    add("deletion_protection_off", "deletion protection is off for key " .. h.key_id)
  end
end

local function audit(t, clients)
  local ls, err = clients.sls:get_logstore(t.project, t.logstore)
  if not ls then return nil, err end
  local c = encconf.parse(ls.encrypt_conf)
  local row = { account = t.account, region = t.region, project = t.project,
                logstore = t.logstore,
                mechanism = c.mechanism, encrypt_type = c.encrypt_type }
  if c.enable_known then row.enabled = c.enable elseif c.mechanism == "none" then
    row.enabled = false
  end
  local kinds, seen, details = {}, {}, {}
  local function add(kind, detail)
    if not seen[kind] then
      seen[kind] = true
      kinds[#kinds + 1] = kind
    end
    details[#details + 1] = kind .. ": " .. (detail or KINDS[kind][2])
  end
  if c.mechanism == "none" then
    add("unencrypted")
  elseif c.mechanism == "service_key" then
    add("service_key")
    if c.enable_known and not c.enable then add("service_key_disabled") end
  else
    if c.enable_known and not c.enable then add("byok_disabled") end
    row.key, row.role_arn = c.cmk_key_id or "?", c.arn or "?"
    local key_region = c.region_id or t.region
    row.key_region = key_region
    if key_region ~= t.region then
      add("cmk_other_region", "key " .. tostring(c.cmk_key_id) .. " is in " .. key_region
          .. ", the logstore in " .. t.region)
    end
    local h, kerr = key_health(t.account, key_region, row.key)
    if h then
      row.key_state = h.state
      key_findings(h, add)
    else
      row.key_state = "unknown"
      add("check_failed", "cannot describe key " .. row.key .. ": " .. tostring(kerr))
    end
    local r, rerr = role_health(t.account, row.role_arn)
    row.role = row.role_arn:match(":role/(.+)$") or row.role_arn
    if r then
      if #r.problems > 0 then add("role_broken", table.concat(r.problems, "; ")) end
    else
      add("check_failed", "cannot check role " .. row.role_arn .. ": " .. tostring(rerr))
    end
  end
  local sev = "ok"
  for _, k in ipairs(kinds) do
    if RANK[KINDS[k][1]] > RANK[sev] then sev = KINDS[k][1] end
  end
  row.findings = json.array(kinds)
  row.severity = sev
  row.status = sev
  row.details = table.concat(details, "; ")
  return row
end

-- What the summary counts, as the rows stream by (nothing of a row is
-- kept: the table is spooled by wf.output, the report written as it goes).
local by_severity, by_kind, key_use = {}, {}, {}
local worst = 0
local projects, regions, last_project = 0, {}, nil
local nregions = 0

local function count_row(r)
  -- a row wf.run made from an error: the logstore (or the project's
  -- list of logstores) could not be read
  if r.status == "failed" and not r.findings then
    r.findings, r.severity = json.array { "check_failed" }, "failed"
    r.details = "check_failed: " .. tostring(r.reason)
  end
  by_severity[r.severity] = (by_severity[r.severity] or 0) + 1
  -- rows come grouped by project (wf.targets' order)
  local project = (r.account or "") .. "/" .. r.region .. "/" .. r.project
  if r.project ~= "*" and project ~= last_project then
    projects, last_project = projects + 1, project
  end
  if r.region ~= "*" and not regions[r.region] then
    regions[r.region], nregions = true, nregions + 1
  end
  for _, k in ipairs(r.findings) do by_kind[k] = (by_kind[k] or 0) + 1 end
  if RANK[r.severity] > worst then worst = RANK[r.severity] end
  if r.key then
    local k = (r.account and (r.account .. "\0") or "") .. r.key_region .. "\0" .. r.key
    key_use[k] = (key_use[k] or 0) + 1
  end
end

-- The summary line, the count of each finding, and each key and role.
local function summary(out)
  local parts = {}
  for _, s in ipairs { "critical", "warning", "info", "ok", "failed" } do
    if by_severity[s] then parts[#parts + 1] = s .. " " .. by_severity[s] end
  end
  io.write(string.format("audit: %s in %s, %s: %s\n", n_of(out.total, "logstore"),
                         n_of(projects, "project"), n_of(nregions, "region"),
                         #parts > 0 and table.concat(parts, ", ") or "nothing selected"))
  local kinds = {}
  for k in pairs(by_kind) do kinds[#kinds + 1] = k end
  table.sort(kinds, severity_order)
  if #kinds > 0 then
    io.write("findings:\n")
    for _, k in ipairs(kinds) do
      io.write(string.format("  %-8s  %-24s %4d  %s\n", KINDS[k][1], k, by_kind[k],
                             KINDS[k][2]))
    end
  end
  if not opts.quiet and #key_order > 0 then
    io.write("keys:\n")
    table.sort(key_order) -- region, then key id: the same order on every run
    for _, k in ipairs(key_order) do
      local h, err = task.wait(key_checks[k])
      local region, id = k:match("^(.-)%z(.*)$")
      if opts.account_selection then
        local account
        account, region, id = k:match("^(.-)%z(.-)%z(.*)$")
        region = account .. " " .. region
      end
      local state
      if h then
        local m = h.metadata or {}
        state = h.state
        if m.DeleteDate then state = state .. " (deleted on " .. m.DeleteDate .. ")" end
        if h.state ~= "NotFound" then
          state = state .. ", deletion protection "
            .. (m.DeletionProtection == "Enabled" and "on" or "off")
        end
      else
        state = "unknown: " .. tostring(err)
      end
      io.write(string.format("  %-14s %-28s used by %-14s %s\n", region, id,
                             n_of(key_use[k] or 0, "logstore"), state))
    end
  end
  if not opts.quiet and #role_order > 0 then
    io.write("roles:\n")
    table.sort(role_order)
    for _, k in ipairs(role_order) do
      local r, err = task.wait(role_checks[k])
      local state
      if not r then
        state = "unknown: " .. tostring(err)
      elseif #r.problems == 0 then
        state = "ok: trusted by log.aliyuncs.com, both KMS policies"
      else
        state = "broken: " .. table.concat(r.problems, "; ")
      end
      io.write(string.format("  %-48s %s\n", r and r.given_arn or k:gsub("%z", " "), state))
    end
  end
end

-- Exit 3 for a logstore that could not be checked, whatever --fail-on
-- says (the audit is incomplete), or for findings at or above it.
local function verdict()
  if worst >= RANK.failed then
    io.write("incomplete: ", n_of(by_severity.failed, "logstore"), " could not be checked\n")
    return 3
  elseif worst >= FAIL_AT[opts.fail_on] then
    io.write("exit status 3: findings at or above --fail-on ", opts.fail_on, "\n")
    return 3
  end
  return 0
end

local out, err = wf.output(opts, {
  title = "audit", columns = TABLE_COLUMNS, report_columns = REPORT_COLUMNS,
  each = count_row, summary = summary, verdict = verdict,
  show = function(r) return not opts.findings_only or r.severity ~= "ok" end,
})
if not out then
  io.stderr:write("slsh run audit: ", tostring(err), "\n")
  os.exit(2)
end

local targets, lerr = wf.targets(opts)
if not targets then
  out:discard()
  io.stderr:write("slsh run audit: cannot list the ", opts.account_selection and "accounts"
                  or "projects", ": ", tostring(lerr), "\n")
  os.exit(1)
end

wf.run(targets, audit, opts, "auditing", out)
os.exit(wf.finish(out))
