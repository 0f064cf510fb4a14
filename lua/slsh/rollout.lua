--- slsh.rollout: plan, then apply, one encryption change over many
-- logstores; the engine under the byok-rollout, encrypt-service-key and
-- toggle workflows (DESIGN §6). A workflow describes what it wants with a
-- policy; this module does the rest, the same way for all three:
--
--   selection   wf.targets, with the service-owned projects marked skipped
--   pre-flight  policy.preflight(ctx): caller identity, keys, role; a
--               region (or the whole run) it blocks is refused, with the
--               reason, and nothing is written there
--   plan        one GET per logstore, classified by policy.plan into
--               encrypt | enable | disable | done | refused | skip
--   apply       (--apply only) set_encryption with the complete conf, read
--               back and compared; a --canary first; each item journaled
--   report      table, summary, --report file, exit status
--
--   local rollout = require "slsh.rollout"
--   os.exit(rollout.main({
--     name = "toggle", usage = ..., summary = ..., options = {...},
--     preflight = function(ctx) ... end,                 -- optional
--     plan = function(t, ls, cur, ctx) return action, reason, conf end,
--     fingerprint = function(t, ctx) return "toggle on" end,
--   }, arg))
--
-- plan gets the target {region, project, logstore}, the logstore as read,
-- its parsed encrypt_conf (slsh.encrypt_conf.parse) and the run context;
-- it returns the action, a reason a person can act on, and for a change
-- the complete encrypt_conf to send.

local wf = require "slsh.workflow"
local task = require "slsh.task"
local encconf = require "slsh.encrypt_conf"

local M = {}

--- Projects other cloud services create and own. Their logstores are
-- skipped unless --include-service-projects is given: Security Center's
-- and SLS alerting's dedicated stores may refuse UpdateLogStore
-- (landscape.md §1, Terraform #5855). Cloud Firewall's
-- `cloudfirewall-project-*` is not in the list: encrypting its
-- `cloudfirewall-logstore` is the main job of these workflows.
M.SERVICE_PROJECTS = { "sas-log-*", "sls-alert-*" }

--- The productType of the logstores Cloud Firewall creates; any other
-- non-empty productType marks a logstore owned by a cloud service.
M.CLOUDFIREWALL_PRODUCT = "cloudfirewall"

--- The actions that change a logstore.
M.CHANGES = { encrypt = true, enable = true, disable = true }

local PLAN_COLUMNS = { "region", "project", "logstore", "current", "action", "reason" }
local APPLY_COLUMNS = { "region", "project", "logstore", "action", "status", "reason" }
local REPORT_COLUMNS = { "region", "project", "logstore", "current", "action", "status",
                         "target", "result", "reason", "drift", "error_code",
                         "request_id" }

--- The options every rollout workflow takes besides the common ones.
function M.options()
  return {
    { "via", type = "choice", choices = { "update", "encryption_api" }, default = "update",
      help = "how to write: 'update' = UpdateLogStore with the complete logstore "
             .. "(read-modify-write, every field kept), 'encryption_api' = "
             .. "PUT /logstores/NAME/encryption" },
    { "canary", type = "integer", default = 0, min = 0, max = 100000, metavar = "N",
      help = "with --apply: change N logstores first, read them back, and stop "
             .. "before the rest if any of them failed, was refused or drifted "
             .. "(0: no canary)" },
    { "include-service-projects", type = "flag",
      help = "also touch projects owned by other cloud services ("
             .. table.concat(M.SERVICE_PROJECTS, ", ") .. ") and logstores with a "
             .. "productType other than cloudfirewall; skipped by default" },
  }
end

--- rollout.usage_error(policy, message): print it like a bad option and
-- exit 2 (for checks that need more than one option).
function M.usage_error(policy, message)
  io.stderr:write(policy.usage or "slsh", ": ", message, "\n(try --help)\n")
  os.exit(2)
end

--- The RAM role SLS assumes to use a CMK, unless --role says otherwise.
M.ROLE_DEFAULT = "slsh-byok-role"

--- rollout.describe(parsed) -> short text of an encryption state:
-- "none", "service-key default", "byok key-... sm4 (off)".
function M.describe(p)
  if p == nil or p.mechanism == "none" then return "none" end
  local s
  if p.mechanism == "byok" then
    s = "byok " .. tostring(p.cmk_key_id)
  else
    s = "service-key"
  end
  s = s .. " " .. tostring(p.encrypt_type or "?")
  if not p.enable then s = s .. (p.enable_known and " (off)" or " (enable unset)") end
  return s
end

--- rollout.role_of(arn) -> account, role name (nil when not a role ARN).
function M.role_of(arn)
  if type(arn) ~= "string" then return nil end
  return arn:match("^acs:ram::(%d+):role/(.+)$")
end

local Context = {}
Context.__index = Context

-- Informational output (suppressed by --quiet).
function Context:info(fmt, ...)
  if not self.opts.quiet then self.out:write(string.format(fmt, ...), "\n") end
end

-- Warnings and refusals: always shown.
function Context:warn(fmt, ...)
  self.out:write(string.format(fmt, ...), "\n")
end

--- ctx:item(label, fmt, ...) / ctx:item_warn(...): a pre-flight line,
-- labels aligned over the longest region name.
function Context:item(label, fmt, ...)
  self:info("  %-" .. self.width .. "s %s", label, string.format(fmt, ...))
end

function Context:item_warn(label, fmt, ...)
  self:warn("  %-" .. self.width .. "s %s", label, string.format(fmt, ...))
end

--- ctx:block(region|nil, reason): refuse every change in `region` (nil:
-- everywhere) for `reason`.
function Context:block(region, reason)
  if region then
    self.blocked[region] = self.blocked[region] and (self.blocked[region] .. "; " .. reason)
                           or reason
  else
    self.blocked_all = self.blocked_all and (self.blocked_all .. "; " .. reason) or reason
  end
end

function Context:blocked_reason(region)
  if self.blocked_all and self.blocked[region] then
    return self.blocked_all .. "; " .. self.blocked[region]
  end
  return self.blocked_all or self.blocked[region]
end

function Context:clients(region)
  return wf.clients(region, self.opts)
end

--- ctx:caller() -> GetCallerIdentity answer (cached) | nil, err
function Context:caller()
  if not self.identity then
    local id, err = self:clients(self.opts.regions[1]).sts:caller_identity()
    if not id then return nil, err end
    self.identity = id
  end
  return self.identity
end

--- ctx:key_health(region, key) -> kms:key_health answer, cached per region
-- and key | nil, err
function Context:key_health(region, key)
  local k = region .. "/" .. key
  local h = self.keys[k]
  if h == nil then
    local err
    h, err = self:clients(region).kms:key_health(key)
    if not h then return nil, err end
    self.keys[k] = h
  end
  return h
end

--- ctx:role_check(name) -> ram:check_byok_role answer, cached | nil, err
function Context:role_check(name)
  local k = name:lower()
  local r = self.roles[k]
  if r == nil then
    local err
    r, err = self:clients(self.opts.regions[1]).ram:check_byok_role(name)
    if not r then return nil, err end
    self.roles[k] = r
  end
  return r
end

--- ctx:key_note(parsed, region) -> "" or "; key K is Disabled: reads and
-- writes of this logstore are failing now" for a BYOK logstore whose CMK
-- is not usable (a failed check is reported as unknown, never as fine).
-- `region` (the logstore's) stands in for a conf without region_id.
function Context:key_note(p, region)
  if p.mechanism ~= "byok" or not p.cmk_key_id then return "" end
  local h, err = self:key_health(p.region_id or region, p.cmk_key_id)
  if not h then
    return "; the state of its key " .. p.cmk_key_id .. " is unknown ("
           .. tostring(err and err.message or err) .. ")"
  end
  if h.usable then return "" end
  return "; " .. table.concat(h.problems, ", ")
         .. ": reads and writes of this logstore are failing now"
end

--- rollout.context(opts, policy) -> ctx: the run context of a workflow
-- (pre-flight lines, blocked regions, cached key and role checks), for a
-- workflow that runs its own phases but shares the checks.
function M.context(opts, policy)
  local ctx = setmetatable({ opts = opts, policy = policy, blocked = {}, keys = {},
                             roles = {}, out = io.output(), width = 11 }, Context)
  for _, r in ipairs(opts.regions or {}) do ctx.width = math.max(ctx.width, #r) end
  return ctx
end

--- rollout.preflight_caller(ctx) -> identity | nil, err: GetCallerIdentity,
-- printed. Without it nothing can be trusted, so its failure ends the run.
function M.preflight_caller(ctx)
  local id, err = ctx:caller()
  if not id then return nil, err end
  ctx:item("caller", "%s (account %s)", tostring(id.Arn), tostring(id.AccountId))
  return id
end

--- rollout.byok_keys(opts, policy, regions): check --key and --role for
-- BYOK in `regions` (the regions whose logstores get the key) and set
-- opts.keys (region -> key), opts.role_account, opts.role_name; a bad
-- value exits 2. --key values: REGION=KEY, or one bare KEY (a key id for
-- a single region; an alias, which names a key in each region, for
-- several).
function M.byok_keys(opts, policy, regions)
  local keys, bare = {}, nil
  for _, v in ipairs(opts.key) do
    local region, key = v:match("^([a-z][a-z0-9-]*[a-z0-9])=(.+)$")
    if region then
      if keys[region] then
        M.usage_error(policy, "--key names region " .. region .. " twice")
      end
      keys[region] = key
    elseif bare then
      M.usage_error(policy, "--key: give one bare KEYID at most; for several "
                          .. "regions use --key REGION=KEYID for each")
    else
      bare = v
    end
  end
  local selected = {}
  for _, r in ipairs(regions) do selected[r] = true end
  if bare then
    if #regions == 1 or bare:match("^alias/") then
      for _, r in ipairs(regions) do keys[r] = keys[r] or bare end
    else
      M.usage_error(policy, "--key " .. bare .. " without REGION= needs a single "
                          .. "--region (a key id belongs to one region); give --key "
                          .. "REGION=KEYID for each region, or an alias (alias/NAME), "
                          .. "which is looked up in every region")
    end
  end
  for r in pairs(keys) do
    if not selected[r] then
      M.usage_error(policy, "--key names region " .. r .. ", which is not selected "
                          .. "(" .. table.concat(regions, ",") .. ")")
    end
  end
  for _, r in ipairs(regions) do
    if not keys[r] then
      M.usage_error(policy, "--key: no key for region " .. r .. " (give --key "
                          .. r .. "=KEYID)")
    end
  end
  opts.keys = keys
  local account, name = M.role_of(opts.role)
  if not name then
    if not opts.role:match("^[%w.-]+$") or #opts.role > 64 then
      M.usage_error(policy, "--role must be a role name ([A-Za-z0-9.-], at most 64) "
                          .. "or acs:ram::<account>:role/<name>, got '" .. opts.role .. "'")
    end
    name = opts.role
  end
  opts.role_account, opts.role_name = account, name
end

--- rollout.byok_preflight(ctx, regions) -> true | nil, err: who calls,
-- the role SLS will assume, the key of each of `regions` (as checked by
-- byok_keys); a region whose key or role fails is blocked (ctx:block).
-- Sets ctx.want[region] to the BYOK encrypt_conf to write there.
function M.byok_preflight(ctx, regions)
  local o = ctx.opts
  local id, err = M.preflight_caller(ctx)
  if not id then return nil, err end
  local account = tostring(id.AccountId)
  local arn = "acs:ram::" .. account .. ":role/" .. o.role_name
  if o.role_account and o.role_account ~= account then
    ctx:block(nil, "role " .. o.role .. " belongs to account " .. o.role_account
                   .. ", the caller is in account " .. account)
  end
  local chk, rerr = ctx:role_check(o.role_name)
  if not chk then
    ctx:block(nil, "cannot check role " .. o.role_name .. ": "
                   .. tostring(rerr.message or rerr))
    ctx:item_warn("role", "%s: REFUSED: cannot check it: %s", o.role_name,
                  tostring(rerr.message or rerr))
  elseif #chk.problems > 0 then
    local why = table.concat(chk.problems, "; ")
    ctx:block(nil, why .. " (repair it with: slsh run setup-role)")
    ctx:item_warn("role", "%s: REFUSED: %s; repair it with: slsh run setup-role",
                  chk.arn or arn, why)
  else
    arn = chk.arn or arn
    ctx:item("role", "%s: trusted by log.aliyuncs.com, holds "
             .. "AliyunKMSReadOnlyAccess and AliyunKMSCryptoUserAccess", arn)
  end
  ctx:item("passrole", "the caller needs ram:PassRole on %s (RAM cannot be asked "
           .. "beforehand; without it every write is refused)", arn)
  local answers, errs = task.map(regions, function(r)
    return ctx:key_health(r, o.keys[r])
  end, { concurrency = 4 })
  ctx.want = {}
  for i, r in ipairs(regions) do
    local key, h = o.keys[r], answers[i]
    if not h then
      local m = tostring(errs[i] and (errs[i].message or errs[i]))
      ctx:block(r, "cannot check key " .. key .. ": " .. m)
      ctx:item_warn(r, "key %s: REFUSED: cannot check it: %s", key, m)
    elseif not h.usable then
      ctx:block(r, table.concat(h.problems, "; "))
      ctx:item_warn(r, "key %s: REFUSED: %s", key, table.concat(h.problems, "; "))
    else
      local alias = h.key_id ~= key and (" (" .. key .. ")") or ""
      ctx:item(r, "key %s%s: %s, usable", h.key_id, alias, h.state)
      for _, w in ipairs(h.warnings) do ctx:item("", "warning: %s", w) end
    end
    ctx.want[r] = encconf.byok { cmk_key_id = h and h.key_id or key, arn = arn,
                                 region_id = r, encrypt_type = o.encrypt_type }
  end
  return true
end

-- A journal entry that lets this target be skipped.
local function journaled(journal, t, fingerprint)
  local e = journal:get(t)
  if e and e.fingerprint == fingerprint
     and (e.status == "applied" or e.status == "already" or e.status == "drift") then
    return e
  end
end

-- Plan one target: the row (status = action in a plan).
local function plan_one(policy, ctx, t, clients)
  local row = { region = t.region, project = t.project, logstore = t.logstore }
  local e = journaled(ctx.journal, t, policy.fingerprint(t, ctx))
  if e then
    row.action, row.status = e.action, "journaled"
    row.reason = "applied by an earlier run at " .. tostring(e.time)
                 .. " (journal): not read or written again"
    return row
  end
  if t.skip and not ctx.opts.include_service_projects then
    row.action, row.status = "skip", "skipped"
    row.reason = t.skip .. ": left out (--include-service-projects to include)"
    return row
  end
  local ls, err = clients.sls:get_logstore(t.project, t.logstore)
  if not ls then return nil, err end
  local cur = encconf.parse(ls.encrypt_conf)
  row.current = M.describe(cur)
  local product = ls.productType
  if not ctx.opts.include_service_projects and type(product) == "string" and product ~= ""
     and product ~= M.CLOUDFIREWALL_PRODUCT then
    row.action, row.status = "skip", "skipped"
    row.reason = "owned by the cloud service '" .. product
                 .. "' (productType): left out (--include-service-projects to include)"
    return row
  end
  local action, reason, conf = policy.plan(t, ls, cur, ctx)
  if M.CHANGES[action] then
    local blocked = ctx:blocked_reason(t.region)
    if blocked then
      reason = "pre-flight: " .. blocked .. " (would " .. action .. ")"
      action, conf = "refused", nil
    end
  end
  row.action, row.reason, row.conf = action, reason, conf
  row.status = action == "skip" and "skipped" or action
  if conf then row.target = M.describe(encconf.parse(conf)) end
  return row
end

-- Apply one planned row; the row, updated.
local function apply_one(ctx, row, clients)
  local r, err = clients.sls:set_encryption(row.project, row.logstore, row.conf,
                                            { via = ctx.opts.via })
  if not r then
    row.status = "failed"
    local msg = tostring(err.message or err)
    if err.code and msg:sub(1, #err.code) ~= err.code then msg = err.code .. ": " .. msg end
    if (err.attempts or 1) > 1 then msg = msg .. " (after " .. err.attempts .. " attempts)" end
    row.reason = msg
    row.error_code, row.request_id = err.code, err.request_id
    return row
  end
  if r.action == "refused" then
    row.status = "refused"
    row.reason = "changed since the plan: " .. tostring(r.reason)
  elseif r.action == "unchanged" then
    row.status = "already"
    row.reason = "already as wanted (changed since the plan)"
  else
    row.status = "applied"
    row.result = M.describe(encconf.parse(r.after))
    row.reason = r.action .. ", read back: " .. row.result
    if r.drift and #r.drift > 0 then
      local paths = {}
      for _, d in ipairs(r.drift) do paths[#paths + 1] = d.path end
      row.status = "drift"
      row.drift = table.concat(paths, " ")
      row.reason = "applied, but the service also changed: " .. row.drift
    end
  end
  ctx.journal:record(row, { status = row.status, action = row.action,
                            fingerprint = ctx.policy.fingerprint(row, ctx),
                            time = os.date("!%Y-%m-%dT%H:%M:%SZ") })
  return row
end

-- Run apply_one over `rows` (wf.run: concurrency, progress, failures as
-- rows); returns them in order.
local function apply_rows(ctx, rows, label)
  local done = wf.run(rows, function(row, clients)
    return apply_one(ctx, row, clients)
  end, ctx.opts, label)
  for i, r in ipairs(done) do
    if r ~= rows[i] then -- raised: keep what the plan knew
      rows[i].status, rows[i].reason = r.status, r.reason
      rows[i].error_code = r.error_code
    end
  end
  return rows
end

local function count_by(rows, key)
  local counts, order = {}, {}
  for _, r in ipairs(rows) do
    local v = r[key] or "?"
    if not counts[v] then order[#order + 1] = v end
    counts[v] = (counts[v] or 0) + 1
  end
  table.sort(order)
  local parts = {}
  for _, v in ipairs(order) do parts[#parts + 1] = v .. " " .. counts[v] end
  return #parts > 0 and table.concat(parts, ", ") or "nothing"
end

local function canary_ok(row)
  return row.status == "applied" or row.status == "already"
end

-- The apply phase over the planned rows; `rows` is updated in place.
local function apply(ctx, rows)
  local todo = {}
  for _, r in ipairs(rows) do
    if M.CHANGES[r.status] then todo[#todo + 1] = r end
    if r.status == "done" then r.status = "already" end
  end
  local n = ctx.opts.canary
  if n > 0 and #todo > n then
    local first, rest = {}, {}
    for i, r in ipairs(todo) do
      if i <= n then first[#first + 1] = r else rest[#rest + 1] = r end
    end
    apply_rows(ctx, first, "canary")
    local bad
    for _, r in ipairs(first) do
      if not canary_ok(r) then bad = bad or r end
    end
    if bad then
      ctx:warn("canary: %s/%s/%s %s: stopping before the other %d logstores", bad.region,
               bad.project, bad.logstore, bad.status, #rest)
      for _, r in ipairs(rest) do
        r.status = "held"
        r.reason = "not applied: the canary failed (" .. bad.project .. "/"
                   .. bad.logstore .. ": " .. bad.status .. ")"
      end
      return
    end
    ctx:info("canary: %d logstore%s changed and read back (encrypt_conf as sent, "
             .. "no other field changed); going on with the other %d", #first,
             #first == 1 and "" or "s", #rest)
    todo = rest
  end
  apply_rows(ctx, todo, "applying")
end

--- rollout.main(policy, args) -> exit status (0, 1, 2 or 3; DESIGN §5)
-- policy: name, usage, summary, description, epilog, options (the
-- workflow's own), preflight(ctx) (optional; returns true or nil, err
-- for a failure that ends the run), plan(t, ls, cur, ctx),
-- fingerprint(t, ctx), check(opts, policy) (optional: more option checks),
-- warning (optional: text, or function(opts) -> text|nil, printed first),
-- apply_requires (optional:
-- {flag=, message=}, a flag --apply needs).
function M.main(policy, args)
  local options = {}
  for _, o in ipairs(policy.options or {}) do options[#options + 1] = o end
  for _, o in ipairs(M.options()) do options[#options + 1] = o end
  local opts = wf.parse(args, {
    usage = policy.usage, summary = policy.summary, description = policy.description,
    epilog = policy.epilog, mutating = true,
    logstore_default = policy.logstore_default or "cloudfirewall-logstore",
    options = options,
  })
  if policy.apply_requires and opts.apply and not opts[policy.apply_requires.flag] then
    M.usage_error(policy, policy.apply_requires.message)
  end
  if policy.check then policy.check(opts, policy) end
  if not opts.include_service_projects then opts.skip_projects = M.SERVICE_PROJECTS end

  local ctx = M.context(opts, policy)
  local mode = opts.apply and "apply" or "plan (nothing is changed without --apply)"
  ctx:info("%s: %s", policy.name, mode)
  local warning = policy.warning
  if type(warning) == "function" then warning = warning(opts) end
  if warning then ctx:warn("%s", warning) end

  local ok, err
  ctx:info("pre-flight")
  if policy.preflight then
    ok, err = task.run(policy.preflight, ctx)
  else
    ok, err = task.run(M.preflight_caller, ctx)
  end
  if not ok then
    io.stderr:write(policy.name, ": pre-flight failed: ", tostring(err), "\n")
    return 1
  end

  local targets, failures = wf.targets(opts)
  if not targets then
    io.stderr:write(policy.name, ": cannot list the projects: ", tostring(failures), "\n")
    return 1
  end
  ctx.journal = wf.journal(opts.journal, { read_only = not opts.apply })

  local rows = wf.run(targets, function(t, clients)
    return plan_one(policy, ctx, t, clients)
  end, opts, "planning")
  for _, r in ipairs(rows) do
    if r.status == "failed" and not r.unlisted then -- (unlisted: says so already)
      r.action = "failed"
      r.reason = "cannot read the logstore: " .. tostring(r.reason)
    end
  end
  for _, p in ipairs(failures or {}) do
    rows[#rows + 1] = { region = p.region, project = p.project, logstore = "*",
                        action = "failed", status = "failed",
                        reason = "cannot list the logstores: "
                                 .. tostring(p.err and p.err.message or p.err),
                        error_code = p.err and p.err.code }
  end
  if #rows == 0 then
    ctx:warn("no logstore matches the selection (--region %s, --logstore %s)",
             table.concat(opts.regions, ","), table.concat(opts.logstore or { "*" }, ","))
  end

  local status
  if not opts.apply then
    status = wf.finish(rows, opts, PLAN_COLUMNS, "plan", REPORT_COLUMNS)
    local changes, refused = 0, 0
    for _, r in ipairs(rows) do
      if M.CHANGES[r.status] then changes = changes + 1 end
      if r.status == "refused" then refused = refused + 1 end
    end
    if changes > 0 then
      ctx:warn("nothing changed: rerun with --apply to make the %d planned change%s",
               changes, changes == 1 and "" or "s")
    elseif refused > 0 then
      ctx:warn("nothing changed, and nothing can change: %d refused (see the reasons)",
               refused)
    else
      ctx:warn("nothing changed, and nothing to change")
    end
    ctx.journal:close()
    return status
  end

  ctx:info("plan: %d logstores: %s", #rows, count_by(rows, "status"))
  apply(ctx, rows)
  ctx.journal:close()
  status = wf.finish(rows, opts, APPLY_COLUMNS, policy.name, REPORT_COLUMNS)
  if opts.journal then ctx:info("journal: %s (rerun with it to resume)", opts.journal) end
  return status
end

return M
