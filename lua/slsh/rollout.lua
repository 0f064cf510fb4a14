--- slsh.rollout: one encryption change over many logstores, planned and
-- (with --apply) made; the engine under the byok-rollout,
-- encrypt-service-key and toggle workflows (docs/design.md). A workflow
-- describes what it wants with a policy; this module does the rest, the
-- same way for all three:
--
--   pre-flight  policy.preflight(ctx): caller identity, keys, role (asked
--               at once); a region (or the whole run) it blocks is
--               refused, with the reason, and nothing is written there
--   selection   wf.targets, with the service-owned projects marked skipped
--   plan        one GET per logstore, classified by policy.plan into
--               encrypt | enable | disable | done | refused | skip
--   apply       (--apply only) in the same task, right after its plan:
--               set_encryption with the complete conf, merged from that
--               same GET (no second read), read back and compared; each
--               item journaled. No barrier: GET, PUT, GET per change,
--               while the next logstores are listed and read. --canary N:
--               the first N changes are written and verified before any
--               other change may write
--   report      rows streamed to the table, report file and counts;
--               summary, exit status
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
local json = require "slsh.json"
local sign = require "slsh.sign"
local host = require "slsh.host.core"
local report = require "slsh.report"

local M = {}

--- Projects other cloud services create and own. Their logstores are
-- skipped unless --include-service-projects is given: Security Center's
-- and SLS alerting's dedicated stores may refuse UpdateLogStore
-- (reported against the Terraform provider, issue #5855). Cloud Firewall's
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
                         "request_id", "accepted" }

--- The format of a --plan-out file (its `format` field).
M.PLAN_FORMAT = "slsh-plan/1"

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
    { "plan-out", metavar = "FILE",
      help = "without --apply: write the plan to FILE (JSON, mode 0600): each "
             .. "change with the conf to send and a fingerprint of the logstore "
             .. "it was planned from, for --apply --plan FILE" },
    { "plan", metavar = "FILE",
      help = "carry out exactly the changes of a plan written by --plan-out "
             .. "(the selection options are ignored): each logstore is read "
             .. "again and a change is refused when the logstore no longer is "
             .. "as planned or the change is not what this run plans for it "
             .. "(an edited plan); logstores not in the plan are not touched" },
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

-- One answer per key of `cache`, asked once even when several tasks want
-- it at the same time (the plans of many logstores that share a key):
-- the first starts `ask` as a task, the others wait for that task. A
-- failure is not kept: the next call asks again.
local function memo(cache, k, ask)
  local e = cache[k]
  if e == nil then
    e = { task = task.spawn(ask) }
    cache[k] = e
  end
  if e.value ~= nil then return e.value end
  local v, err = task.wait(e.task)
  if v == nil then
    if cache[k] == e then cache[k] = nil end
    return nil, err
  end
  e.value = v
  return v
end

--- ctx:caller() -> GetCallerIdentity answer (cached) | nil, err
function Context:caller()
  local sts = self:clients(self.opts.regions[1]).sts
  return memo(self.identity, "caller", function() return sts:caller_identity() end)
end

--- ctx:key_health(region, key) -> kms:key_health answer, cached per region
-- and key | nil, err
function Context:key_health(region, key)
  local kms = self:clients(region).kms
  return memo(self.keys, region .. "/" .. key, function() return kms:key_health(key) end)
end

--- ctx:role_check(name) -> ram:check_byok_role answer, cached | nil, err
function Context:role_check(name)
  local ram = self:clients(self.opts.regions[1]).ram
  return memo(self.roles, name:lower(), function() return ram:check_byok_role(name) end)
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
                             roles = {}, identity = {}, out = io.output(), width = 11 },
                           Context)
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
-- opts.keys (region -> key), opts.account_keys, opts.role_account,
-- opts.role_name; a bad value exits 2. --key values: REGION=KEY, or one
-- bare KEY (a key id for a single region; an alias, which names a key in
-- each region, for several); with --accounts also ACCOUNT:REGION=KEY,
-- since a key id belongs to one account, while an alias is looked up in
-- every account and region.
function M.byok_keys(opts, policy, regions)
  local keys, bare, per_account = {}, nil, {}
  local multi = opts.account_selection ~= nil
  -- A key that cannot be a KMS key id or alias is refused here, before any
  -- request carries it: a key id is letters, digits and '-' (key-..., or
  -- UUID-like), an alias alias/ + letters, digits, '/', '_', '-'.
  local function check_key(v, k)
    local ok
    if k:sub(1, 6) == "alias/" then
      ok = #k > 6 and #k <= 255 and k:match("^alias/[%w/_-]+$")
    else
      ok = #k <= 128 and k:match("^[%w-]+$")
    end
    if not ok then
      local shown = #v > 80 and v:sub(1, 80) .. "..." or v
      M.usage_error(policy, "--key takes KEYID (key-..., or letters, digits and '-', "
                          .. "at most 128) or alias/NAME ([A-Za-z0-9/_-], at most 255 "
                          .. "in all), alone or as REGION=KEY"
                          .. (multi and " or ACCOUNT:REGION=KEY" or "") .. ", got "
                          .. string.format("%q", shown):gsub("\\\n", "\\n"))
    end
  end
  for _, v in ipairs(opts.key) do
    local account, aregion, akey = v:match("^(%d+):([a-z][a-z0-9-]*[a-z0-9])=(.+)$")
    if not account and v:find("=", 1, true)
       and not v:match("^[a-z][a-z0-9-]*[a-z0-9]=[^=]+$") then
      M.usage_error(policy, "--key takes REGION=KEYID (or one bare KEYID)"
                          .. (multi and ", or ACCOUNT:REGION=KEYID" or "") .. ", got '"
                          .. v .. "'")
    end
    local region, key = v:match("^([a-z][a-z0-9-]*[a-z0-9])=(.+)$")
    check_key(v, akey or key or v)
    if account then
      if not multi then
        M.usage_error(policy, "--key " .. v .. " names an account: give --accounts too")
      end
      per_account[account] = per_account[account] or {}
      if per_account[account][aregion] then
        M.usage_error(policy, "--key names account " .. account .. " region "
                            .. aregion .. " twice")
      end
      per_account[account][aregion] = akey
      region = aregion -- checked against --region below
      keys[region] = keys[region] or false
    elseif multi and not (region and key or v):match("^alias/") then
      M.usage_error(policy, "--key " .. v .. ": with --accounts a key id belongs to "
                          .. "one account: give --key ACCOUNT:REGION=KEYID, or an alias "
                          .. "(alias/NAME), which each account resolves in each region")
    elseif region then
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
                          .. "(--region " .. table.concat(regions, ",") .. ")")
    end
  end
  for _, r in ipairs(regions) do
    if not keys[r] and not multi then
      M.usage_error(policy, "--key: no key for region " .. r .. " (give --key "
                          .. r .. "=KEYID)")
    end
    if keys[r] == false then keys[r] = nil end
  end
  opts.keys, opts.account_keys = keys, per_account
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
-- Sets ctx.want[region] to the BYOK encrypt_conf to write there. The
-- questions do not depend on each other: they are asked at once (the
-- answers are kept by ctx), then printed in this order.
function M.byok_preflight(ctx, regions)
  local o = ctx.opts
  -- the key of each region: ACCOUNT:REGION=KEY for this account, else
  -- REGION=KEY or the bare key (an alias with --accounts)
  local keys, usable, missing = {}, {}, {}
  local mine = o.account and o.account_keys[o.account] or {}
  for _, r in ipairs(regions) do
    keys[r] = mine[r] or o.keys[r]
    if keys[r] then usable[#usable + 1] = r else missing[#missing + 1] = r end
  end
  o.keys = keys
  local asks = { task.spawn(ctx.caller, ctx), task.spawn(ctx.role_check, ctx, o.role_name) }
  for i, r in ipairs(usable) do asks[2 + i] = task.spawn(ctx.key_health, ctx, r, keys[r]) end
  local answers, errs = task.wait(asks)
  if not answers[1] then return nil, errs[1] end
  local id, err = M.preflight_caller(ctx) -- the answer kept: printed
  if not id then return nil, err end
  local account = tostring(id.AccountId)
  local arn = "acs:ram::" .. account .. ":role/" .. o.role_name
  if o.role_account and o.role_account ~= account then
    ctx:block(nil, "role " .. o.role .. " belongs to account " .. o.role_account
                   .. ", the caller is in account " .. account)
  end
  local chk, rerr = answers[2], errs[2]
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
  for _, r in ipairs(missing) do
    ctx:block(r, "no --key for account " .. tostring(o.account) .. " in " .. r
                 .. " (give --key " .. tostring(o.account) .. ":" .. r
                 .. "=KEYID, or an alias)")
    ctx:item_warn(r, "key: REFUSED: no --key for this account and region")
  end
  ctx.want = {}
  for i, r in ipairs(usable) do
    local key, h, kerr = keys[r], answers[2 + i], errs[2 + i]
    if not h then
      local m = tostring(kerr and (kerr.message or kerr))
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

--- rollout.state_fingerprint(ls) -> hex: SHA-256 of the logstore as read
-- (canonical JSON, keys sorted), without lastModifyTime, which a write
-- that changes nothing else may move.
function M.state_fingerprint(ls)
  local copy = {}
  for k, v in pairs(ls) do
    if k ~= "lastModifyTime" then copy[k] = v end
  end
  return sign.sha256_hex(json.encode(copy, { sort_keys = true }))
end

-- The context of a target's account (with --accounts: its own pre-flight,
-- keys, role and blocked regions), else the run's.
local function context_of(ctx, t)
  if not t.account then return ctx end
  -- a target of an account without a pre-flight of its own is a bug:
  -- never fall back on the caller's (its keys and role are not the
  -- account's)
  return ctx.accounts and ctx.accounts[t.account]
         or error("no pre-flight for account " .. tostring(t.account), 0)
end

-- The changes of a plan, in a --plan-out file.
local function write_plan(path, ctx, rows)
  local policy = ctx.policy
  local out = {}
  for _, r in ipairs(rows) do
    if M.CHANGES[r.status] and r.conf then
      out[#out + 1] = json.object({ account = r.account, region = r.region,
                                    project = r.project,
                                    logstore = r.logstore, action = r.action,
                                    conf = r.conf, state = r.state,
                                    target = policy.fingerprint(r, context_of(ctx, r)),
                                    reason = r.reason },
                                  { "account", "region", "project", "logstore", "action",
                                    "conf", "state", "target", "reason" })
    end
  end
  return M.write_plan_file(path, policy.name, out)
end

--- rollout.write_plan_file(path, name, changes) -> true | nil, err: a
-- --plan-out file of workflow `name` (mode 0600, written whole or not at
-- all), for any workflow's list of change objects.
function M.write_plan_file(path, name, changes)
  local doc = json.object({ format = M.PLAN_FORMAT, workflow = name,
                            created = os.date("!%Y-%m-%dT%H:%M:%SZ"),
                            changes = json.array(changes) },
                          { "format", "workflow", "created", "changes" })
  os.remove(path .. ".tmp")
  local ok, err = host.create_private(path .. ".tmp")
  local f
  if ok then f, err = io.open(path .. ".tmp", "wb") end
  if not f then return nil, err end
  f:write(json.encode(doc, { pretty = true }), "\n")
  f:close()
  return os.rename(path .. ".tmp", path)
end

-- Whether a saved change is complete as a rollout's: an action that
-- changes a logstore, with the conf to send.
local function rollout_change(c)
  return M.CHANGES[c.action] and type(c.conf) == "table"
end

--- rollout.read_plan(path, name, complete?) -> changes | nil, message: a
-- --plan-out file of workflow `name`, every change checked by
-- complete(change) (default: a rollout's change, with its conf).
function M.read_plan(path, name, complete)
  local f, err = io.open(path, "r")
  if not f then return nil, "--plan: " .. tostring(err) end
  local ok, doc = pcall(json.decode, f:read("a"))
  f:close()
  if not ok or type(doc) ~= "table" or doc.format ~= M.PLAN_FORMAT
     or type(doc.changes) ~= "table" then
    return nil, "--plan " .. path .. " is not a plan written by --plan-out"
  end
  if doc.workflow ~= name then
    return nil, "--plan " .. path .. " is a plan of " .. tostring(doc.workflow)
                .. ", not of " .. name
  end
  for i, c in ipairs(doc.changes) do
    if type(c) ~= "table" or not wf.region_ok(c.region) or type(c.project) ~= "string"
       or type(c.logstore) ~= "string" or type(c.state) ~= "string"
       or type(c.target) ~= "string" or not (complete or rollout_change)(c)
       or (c.account ~= nil and not (type(c.account) == "string"
                                     and c.account:match("^%d+$"))) then
      return nil, "--plan " .. path .. ": change " .. i .. " is incomplete"
    end
  end
  -- a logstore named twice would be written twice (at once, with
  -- concurrency): a plan written by --plan-out names each once
  local seen = {}
  for i, c in ipairs(doc.changes) do
    local key = (c.account and (c.account .. ":") or "") .. c.region .. "/" .. c.project
                 .. "/" .. c.logstore
    if seen[key] then
      return nil, "--plan " .. path .. ": changes " .. seen[key] .. " and " .. i
                  .. " both name " .. key .. " (a plan names each logstore once)"
    end
    seen[key] = i
  end
  return doc.changes
end

-- A journal entry saying this target was applied (trusted only when
-- the logstore is read as wanted).
local function journaled(run_ctx, ctx, t)
  local e = run_ctx.journal:get(t)
  if e and (e.status == "applied" or e.status == "already" or e.status == "drift")
     and e.fingerprint == ctx.policy.fingerprint(t, ctx) then
    return e
  end
end

-- The reason of a failed request, with its code and attempts.
local function failure(err)
  local msg = tostring(type(err) == "table" and err.message or err)
  local code = type(err) == "table" and err.code or nil
  if code and msg:sub(1, #code) ~= code then msg = code .. ": " .. msg end
  if type(err) == "table" and (err.attempts or 1) > 1 then
    msg = msg .. " (after " .. err.attempts .. " attempts)"
  end
  return msg
end

-- JSON text of a value with its keys sorted: how a saved change and a
-- fresh plan's are compared.
local function canonical(v)
  return json.encode(v, { sort_keys = true })
end

-- A conf, said as the plan table says it (a hand-edited one may not
-- parse: then as its JSON).
local function said(conf)
  if conf == nil then return "no conf" end
  local ok, text = pcall(function() return M.describe(encconf.parse(conf)) end)
  return ok and text or canonical(conf)
end

-- Plan one target from a saved plan (--plan): the planned change, if the
-- logstore is still exactly as it was when planned and the change is what
-- this run plans for it now (action, reason, conf: the fresh plan). A
-- hand-edited plan (another conf or action) is refused, never written.
local function plan_saved(ctx, t, row, action, reason, conf)
  local c = t.planned
  local blocked = ctx:blocked_reason(t.region)
  if blocked then
    row.action, row.status = "refused", "refused"
    row.reason = "pre-flight: " .. blocked .. " (would " .. c.action .. ")"
    return row
  end
  local target = ctx.policy.fingerprint(t, ctx)
  if target ~= c.target then
    -- e.g. byok-rollout planned with one --key and applied with another
    row.action, row.status = "refused", "refused"
    row.reason = "the plan was made for '" .. tostring(c.target) .. "', this run is for '"
                 .. tostring(target) .. "': give the options the plan was made with"
    return row
  end
  if row.state ~= c.state then
    row.action, row.status = "refused", "refused"
    row.reason = "changed since the plan (the logstore no longer is as it was "
                 .. "planned from): nothing written (planned: " .. c.action .. "); plan again"
    return row
  end
  if c.action ~= action or canonical(c.conf) ~= canonical(conf) then
    row.action, row.status = "refused", "refused"
    row.reason = "the saved plan's change differs from what this run plans: saved "
                 .. tostring(c.action) .. " to " .. said(c.conf) .. ", planned now "
                 .. tostring(action) .. (conf and (" to " .. said(conf)) or "")
                 .. " (" .. tostring(reason) .. "); nothing written"
    return row
  end
  row.action, row.status, row.conf = action, action, conf
  row.reason = "as planned: " .. tostring(c.reason)
  row.target = M.describe(encconf.parse(conf))
  return row
end

-- What this run plans for a logstore read now: action, reason, conf (the
-- policy's plan; a logstore of a cloud service left out, a change in a
-- blocked region refused).
local function fresh_plan(policy, ctx, t, ls, cur)
  local product = ls.productType
  if not ctx.opts.include_service_projects and type(product) == "string" and product ~= ""
     and product ~= M.CLOUDFIREWALL_PRODUCT then
    return "skip", "owned by the cloud service '" .. product
                   .. "' (productType): left out (--include-service-projects to include)"
  end
  local action, reason, conf = policy.plan(t, ls, cur, ctx)
  if M.CHANGES[action] then
    local blocked = ctx:blocked_reason(t.region)
    if blocked then
      return "refused", "pre-flight: " .. blocked .. " (would " .. action .. ")"
    end
  end
  return action, reason, conf
end

-- Plan one target into `row` (status = action in a plan): the row, and
-- the logstore as read when it was read (the read a change starts from).
-- run_ctx: the run's context (journal); the target's own (its account's
-- with --accounts) plans it. A logstore the journal says was applied is
-- read and planned all the same (the journal may come from another
-- endpoint, or be forged): it is "journaled" only when read as wanted.
local function plan_one(policy, run_ctx, t, clients, row)
  local ctx = context_of(run_ctx, t)
  if t.skip and not ctx.opts.include_service_projects then
    row.action, row.status = "skip", "skipped"
    row.reason = t.skip .. ": left out (--include-service-projects to include)"
    return row
  end
  local ls, err = clients.sls:get_logstore(t.project, t.logstore)
  if not ls then
    row.action, row.status = "failed", "failed"
    row.reason = "cannot read the logstore: " .. failure(err)
    row.error_code = type(err) == "table" and err.code or nil
    row.request_id = type(err) == "table" and err.request_id or nil
    return row
  end
  -- the fingerprint of the state planned from: for a plan to save, and
  -- to compare with a saved one (a hash of the whole logstore per read,
  -- not paid otherwise)
  if t.planned or ctx.opts.plan_out then row.state = M.state_fingerprint(ls) end
  local cur = encconf.parse(ls.encrypt_conf)
  row.current = M.describe(cur)
  local action, reason, conf = fresh_plan(policy, ctx, t, ls, cur)
  local e = journaled(run_ctx, ctx, t)
  if e and action == "done" then
    row.action, row.status = e.action, "journaled"
    row.reason = "applied by an earlier run at " .. tostring(e.time)
                 .. " (journal), read now: as wanted"
    return row, ls
  end
  -- the journal's entry, when the logstore is not as it says: not trusted
  local ignored = e and ("; the journal's entry (" .. tostring(e.status) .. " at "
                         .. tostring(e.time) .. ") is ignored: the logstore read now "
                         .. "is not as wanted") or ""
  row.ignored = e and ignored or nil
  if t.planned then
    plan_saved(ctx, t, row, action, reason, conf)
    row.reason = row.reason .. ignored
    return row, ls
  end
  row.action, row.conf = action, conf
  row.reason = ignored ~= "" and (tostring(reason) .. ignored) or reason
  row.status = action == "skip" and "skipped" or action
  if conf then row.target = M.describe(encconf.parse(conf)) end
  local earlier = run_ctx.journal:get(t)
  if earlier and (earlier.status == "unverified" or earlier.status == "mismatch")
     and action == "done" then
    -- written by an earlier run that could not verify it: read now
    row.verified = earlier
    row.reason = "verified: written by an earlier run"
                 .. (earlier.request_id and (" (request id " .. tostring(earlier.request_id)
                                             .. ")") or "")
                 .. ", read back now as wanted"
  end
  return row, ls
end

-- Record a finished row in the journal.
local function record(run_ctx, row, extra)
  local ctx = context_of(run_ctx, row)
  local e = { status = row.status, action = row.action,
              fingerprint = ctx.policy.fingerprint(row, ctx),
              time = os.date("!%Y-%m-%dT%H:%M:%SZ") }
  for k, v in pairs(extra or {}) do e[k] = v end
  run_ctx.journal:record(row, e)
end

-- Apply one planned row, starting from `ls`, the read it was planned
-- from (the client checks it again instead of reading it again: GET,
-- PUT, GET per change); the row, updated.
local function apply_one(ctx, row, clients, ls)
  row.started = true
  local r, err = clients.sls:set_encryption(row.project, row.logstore, row.conf,
                                            { via = ctx.opts.via, current = ls })
  row.finished = true
  if not r and type(err) == "table" and err.code == "unverified" and err.written then
    -- the PUT was accepted, the read-back failed: the logstore is (most
    -- likely) changed for good; say what is known, and journal it so
    -- that a rerun reads it again instead of taking it for untouched
    row.status = "unverified"
    row.request_id = err.request_id
    row.error_code = err.cause and err.cause.code or "unverified"
    row.reason = "written (request id " .. tostring(err.request_id)
                 .. ") but not verified: the read-back failed: "
                 .. failure(err.cause or err) .. "; rerun (with --journal) to verify"
    record(ctx, row, { request_id = err.request_id })
    return row
  end
  if not r and type(err) == "table" and err.code == "drift" and err.written then
    -- accepted, but the logstore read back lacks the change: written,
    -- and not as asked; a rerun reads it again (not journaled as done)
    row.status = "drift"
    row.request_id, row.error_code, row.drift = err.request_id, "drift", err.field
    row.reason = tostring(err.message) .. "; rerun (with --journal) to read it again"
    record(ctx, row, { status = "mismatch", request_id = err.request_id })
    return row
  end
  if not r and type(err) == "table" and err.maybe_written then
    -- the answer to the write was lost: it may have been carried out
    -- (it is never sent twice); only a read can tell
    row.status = "unverified"
    row.request_id, row.error_code = err.request_id, err.code
    row.reason = "may have been written (the answer was lost and the write was not "
                 .. "sent again): " .. failure(err) .. "; rerun (with --journal) to read it"
    record(ctx, row, { status = "unverified", request_id = err.request_id })
    return row
  end
  if not r then
    row.status = "failed"
    row.reason = failure(err)
    row.error_code = type(err) == "table" and err.code or nil
    row.request_id = type(err) == "table" and err.request_id or nil
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
  record(ctx, row)
  return row
end

local function canary_ok(row)
  return row.status == "applied" or row.status == "already"
end

-- While a change waits for its turn (the canary's), it looks again this
-- often (seconds).
local TURN_WAIT = 0.01

-- The canary's gate (--canary N): the first N changes in the order of
-- the targets are written first; every other change is planned
-- meanwhile but waits for their verdict before it may write. The rank of
-- a change among the changes is known once every earlier target is
-- planned; gate:decide(i, change) says that target i is, and
-- gate:turn(i) waits for its rank and, past N, the verdict. Without a
-- canary every change goes at once.
local Gate = {}
Gate.__index = Gate

local function new_gate(n, ctx)
  return setmetatable({ n = n, ctx = ctx,
                        decided = {},   -- position -> whether a change, ahead of front
                        front = 0,      -- every position up to it is decided
                        changes = 0,    -- changes among them
                        rank = {},      -- position -> rank of a change not yet turned
                        flying = {},    -- position -> true: a canary not landed
                        landed = 0,     -- canaries finished
                        held = 0,       -- changes held back by a failed canary
                      }, Gate)
end

function Gate:decide(i, change)
  if self.n == 0 or i <= self.front or self.decided[i] ~= nil then return end
  self.decided[i] = change
  while self.decided[self.front + 1] ~= nil do
    local k = self.front + 1
    if self.decided[k] then
      self.changes = self.changes + 1
      self.rank[k] = self.changes
    end
    self.decided[k] = nil
    self.front = k
  end
end

-- A canary finished (written and read back, or not).
function Gate:land(i, row)
  if not self.flying[i] then return end
  self.flying[i] = nil
  self.landed = self.landed + 1
  if not canary_ok(row) and (not self.bad_i or i < self.bad_i) then
    self.bad, self.bad_i = row, i
  end
end

-- The row at position i has come out: a target whose plan raised, or a
-- listing failure, counts as no change, and a canary that never landed
-- as a failed one (so that nothing waits for it for ever).
function Gate:emitted(i, row)
  self:decide(i, false)
  self:land(i, row)
end

-- gate:turn(i) -> "canary" | "go" | "held", reason | "stop" (the user
-- asked to stop meanwhile) for the change at position i.
function Gate:turn(i)
  if self.n == 0 then return "go" end
  while not self.rank[i] do
    if wf.stopping() then return "stop" end
    task.sleep(TURN_WAIT)
  end
  local r = self.rank[i]
  self.rank[i] = nil
  if r <= self.n then
    self.flying[i] = true
    return "canary"
  end
  while self.landed < self.n do
    if wf.stopping() then return "stop" end
    task.sleep(TURN_WAIT)
  end
  local bad = self.bad
  if bad then
    self.held = self.held + 1
    return "held", "not applied: the canary failed (" .. bad.project .. "/"
                   .. bad.logstore .. ": " .. bad.status .. ")"
  end
  if not self.passed then
    self.passed = true
    self.ctx:info("canary: %d logstore%s changed and read back (encrypt_conf as sent, "
                  .. "no other field changed); going on with the rest", self.n,
                  self.n == 1 and "" or "s")
  end
  return "go"
end

-- A written row keeps saying that the journal's entry was not trusted.
local function noted(row)
  if row.ignored and not row.reason:find(row.ignored, 1, true) then
    row.reason = row.reason .. row.ignored
  end
  return row
end

-- The apply part of one target's pipeline, after plan_one: a change
-- waits for its turn, then is written from `ls` and read back; the row.
local function settle(ctx, row, ls, clients, i)
  local gate = ctx.gate
  if not M.CHANGES[row.status] then
    gate:decide(i, false)
    if row.status == "done" then
      row.status = "already"
      if row.verified then record(ctx, row, { verified = true }) end
    end
    return row
  end
  gate:decide(i, true)
  local turn, why = gate:turn(i)
  if turn == "held" then
    row.status, row.reason = "held", why
    return row
  end
  if turn == "stop" or wf.stopping() then
    row.status = "interrupted"
    row.reason = "not applied: the run was interrupted (rerun to go on)"
    gate:land(i, row)
    return row
  end
  if turn ~= "canary" then return noted(apply_one(ctx, row, clients, ls)) end
  local ok, err = pcall(apply_one, ctx, row, clients, ls)
  noted(row)
  if not ok then
    row.status = "failed"
    gate:land(i, row)
    error(err, 0)
  end
  gate:land(i, row)
  return row
end

-- The targets of a saved plan (--plan): its changes, in order.
local function plan_targets(changes)
  local targets = {}
  for _, c in ipairs(changes) do
    targets[#targets + 1] = { account = c.account, region = c.region, project = c.project,
                              logstore = c.logstore, planned = c }
  end
  table.sort(targets, function(a, b)
    if (a.account or "") ~= (b.account or "") then
      return (a.account or "") < (b.account or "")
    end
    if a.region ~= b.region then return a.region < b.region end
    if a.project ~= b.project then return a.project < b.project end
    return a.logstore < b.logstore
  end)
  return targets
end

-- Run fn(...) (a phase of the run); when the grace after Ctrl-C or
-- SIGTERM runs out, the host raises "interrupted" in it: return false
-- then, so that what is known can still be reported.
local function phase(fn, ...)
  local ok, a, b = pcall(fn, ...)
  if ok then return true, a, b end
  if a == "interrupted" and wf.stopping() then return false end
  error(a, 0)
end

-- The rows still in `live` (position -> row: begun, not yet come out of
-- wf.run) when the grace after Ctrl-C or SIGTERM ran out, made into what
-- is known and given to `out` in order: a change in flight may or may
-- not have been written. Returns how many were in flight.
local function abandon(live, out)
  local order, n = {}, 0
  for i in pairs(live) do order[#order + 1] = i end
  table.sort(order)
  for _, i in ipairs(order) do
    local r = live[i]
    if r.started and not r.finished then
      n = n + 1
      r.status = "interrupted"
      r.reason = "interrupted in flight: the write may have been made; rerun "
                 .. "(with --journal) to read it again"
    elseif r.status == nil then
      r.status = "interrupted"
      r.reason = "not planned: the run was interrupted while it was read (nothing "
                 .. "written; rerun to go on)"
    elseif M.CHANGES[r.status] then
      r.status = "interrupted"
      r.reason = "not applied: the run was interrupted (rerun to go on)"
    elseif r.status == "done" then
      r.status = "already"
    end
    out:add(r)
  end
  return n
end

--- rollout.preflight_accounts(ctx) -> true | nil, err: with --accounts,
-- the pre-flight of the policy once per member account, each with a
-- context of its own (its clients, keys, role, blocked regions) kept in
-- ctx.accounts. A member that is not usable, cannot be entered or fails
-- its pre-flight is marked in the account list with the reason: it becomes
-- a row of the report, and the run goes on with the others. nil, err only
-- when the accounts cannot be listed at all.
function M.preflight_accounts(ctx)
  local opts, policy = ctx.opts, ctx.policy
  local list, err = wf.accounts(opts)
  if not list then return nil, err end
  ctx.accounts = {}
  -- several accounts at once, each printing into its own buffer, shown
  -- in the order of the accounts (with --quiet, only those that have a
  -- warning or a refusal to show)
  local buffers, errs = task.map(list, function(a)
    local buf = { write = function(b, ...)
      for _, v in ipairs { ... } do b[#b + 1] = v end
    end }
    if not a.err then
      local _, eerr = wf.enter(opts, a.id)
      a.err = eerr
    end
    if not a.err then
      local actx = setmetatable({ opts = wf.account_opts(opts, a.id), policy = policy,
                                  blocked = {}, keys = {}, roles = {}, identity = {},
                                  out = buf,
                                  width = ctx.width, account = a.id }, Context)
      local ok, r, perr = pcall(policy.preflight or M.preflight_caller, actx)
      if ok and r then
        actx.out = ctx.out
        ctx.accounts[a.id] = actx
      else
        a.err = ok and perr or r
      end
    end
    if a.err then
      buf:write("  NOT ENTERED: ", tostring(type(a.err) == "table" and a.err.message
                                            or a.err), "\n")
    end
    return buf
  end, { concurrency = 8 })
  for i, a in ipairs(list) do
    local buf = buffers[i] or { "  NOT ENTERED: " .. tostring(errs[i]) .. "\n" }
    if not buffers[i] then a.err = errs[i] end
    if not opts.quiet or #buf > 0 then
      ctx.out:write("account ", a.id, a.name and (" (" .. a.name .. ")") or "", "\n",
                    table.concat(buf))
    end
  end
  if #list == 0 then ctx:warn("no member account is selected") end
  return true
end

--- rollout.main(policy, args) -> exit status (0, 1, 2 or 3; 130 or 143
-- when Ctrl-C or SIGTERM stopped it, after the items in flight ended and
-- the journal, report and summary were written)
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
  local changes
  if opts.plan then
    if opts.plan_out then M.usage_error(policy, "--plan and --plan-out exclude each other") end
    local err
    changes, err = M.read_plan(opts.plan, policy.name)
    if not changes then M.usage_error(policy, err) end
    local seen, regions = {}, {}
    for _, c in ipairs(changes) do
      if not seen[c.region] then seen[c.region] = true; regions[#regions + 1] = c.region end
    end
    table.sort(regions)
    if #regions > 0 then opts.regions = regions end
    -- a plan made across accounts is carried out in its accounts (entered
    -- again, pre-flighted again); one made in the caller's account, not
    -- across accounts
    local in_plan, ids = {}, {}
    for _, c in ipairs(changes) do
      if c.account and not in_plan[c.account] then
        in_plan[c.account] = true
        ids[#ids + 1] = c.account
      end
    end
    if #ids > 0 and not opts.account_selection then
      opts.account_selection = { ids = ids }
    elseif #ids == 0 and #changes > 0 and opts.account_selection then
      M.usage_error(policy, "--plan " .. opts.plan .. " was made in the caller's own "
                    .. "account: give it without --accounts")
    end
  end
  if policy.apply_requires and opts.apply and not opts[policy.apply_requires.flag] then
    M.usage_error(policy, policy.apply_requires.message)
  end
  if policy.check then policy.check(opts, policy) end
  if not opts.include_service_projects then opts.skip_projects = M.SERVICE_PROJECTS end
  if #opts.regions == 0 then M.usage_error(policy, "no region: give --region") end

  local ctx = M.context(opts, policy)
  local mode = opts.apply and "apply" or "plan (nothing is changed without --apply)"
  if changes then mode = mode .. " of the saved plan " .. opts.plan end
  ctx:info("%s: %s", policy.name, mode)
  local warning = policy.warning
  if type(warning) == "function" then warning = warning(opts) end
  if warning then ctx:warn("%s", warning) end

  local ok, err
  ctx:info("pre-flight")
  local done
  if opts.account_selection then
    -- once per member account, below; the caller's own account is not
    -- worked in
    done, ok, err = phase(task.run, M.preflight_accounts, ctx)
  else
    done, ok, err = phase(task.run, policy.preflight or M.preflight_caller, ctx)
  end
  -- an end before the plan still leaves a (empty) report, not an empty file
  local function ended(status)
    if opts.report then report.write(opts.report, {}, REPORT_COLUMNS) end
    return status
  end
  if not done or wf.stopping() then
    io.stderr:write(policy.name, ": interrupted during the pre-flight: nothing was changed\n")
    return ended(wf.interrupt_status() or 130)
  end
  if not ok then
    io.stderr:write(policy.name, opts.account_selection and ": cannot list the accounts: "
                    or ": pre-flight failed: ", tostring(err), "\n")
    return ended(1)
  end

  local targets, failures
  if changes then
    targets = plan_targets(changes)
  else
    -- a stream: the logstores are listed while the first are planned,
    -- and a project that cannot be listed is a failed row of wf.run
    done, targets, failures = phase(wf.targets, opts)
    if not done or wf.stopping() then
      io.stderr:write(policy.name, ": interrupted while listing the logstores: "
                      .. "nothing was changed\n")
      return ended(wf.interrupt_status() or 130)
    end
    if not targets then
      io.stderr:write(policy.name, ": cannot list the projects: ", tostring(failures), "\n")
      return ended(1)
    end
  end
  ctx.journal = wf.journal(opts.journal, { read_only = not opts.apply,
                                           entries = opts.journal_entries })
  local out, oerr = wf.output(opts, {
    columns = opts.apply and APPLY_COLUMNS or PLAN_COLUMNS, report_columns = REPORT_COLUMNS,
    title = opts.apply and policy.name or "plan" })
  if not out then
    io.stderr:write(policy.name, ": cannot write the report: ", tostring(oerr), "\n")
    return 1
  end

  -- One pipeline per target, no barrier between planning and applying:
  -- list -> read -> plan -> (with --apply, when it changes) write from
  -- that read -> read back. Rows come out in the order of the targets,
  -- to the table, report and counts; only those not yet out are kept
  -- (`live`), and the changes for --plan-out.
  ctx.gate = new_gate(opts.apply and opts.canary or 0, ctx)
  local live, emitted = {}, 0
  local planned = opts.plan_out and {} or nil
  local function sink(row)
    emitted = emitted + 1
    live[emitted] = nil
    ctx.gate:emitted(emitted, row)
    if planned and M.CHANGES[row.status] and row.conf then planned[#planned + 1] = row end
    out:add(row)
  end
  if opts.apply then
    ctx:info("apply: each logstore is read and planned, and a change is written at once "
             .. "from that read and read back")
    if opts.canary > 0 then
      ctx:info("canary: the first %d change%s written and read back before any other "
               .. "write", opts.canary, opts.canary == 1 and " is" or "s are")
    end
  end
  done = phase(wf.run, targets, function(t, clients, i)
    local row = { account = t.account, region = t.region, project = t.project,
                  logstore = t.logstore }
    live[i] = row
    local _, ls = plan_one(policy, ctx, t, clients, row)
    if not opts.apply then return row end
    return settle(ctx, row, ls, clients, i)
  end, opts, opts.apply and "applying" or "planning", sink)
  if not done then ctx.abandoned = abandon(live, out) end
  if out.total == 0 and changes then
    ctx:warn("the saved plan has no changes")
  elseif out.total == 0 then
    ctx:warn("no logstore matches the selection (--region %s, --logstore %s)",
             table.concat(opts.regions, ","), table.concat(opts.logstore or { "*" }, ","))
  end

  local status
  if not opts.apply then
    if opts.plan_out and not wf.stopping() then
      local wrote, werr = write_plan(opts.plan_out, ctx, planned)
      if not wrote then
        out:discard()
        io.stderr:write(policy.name, ": cannot write the plan: ", tostring(werr), "\n")
        return 1
      end
    end
    status = wf.finish(out)
    local nchanges, refused = 0, out.counts.refused or 0
    for action in pairs(M.CHANGES) do nchanges = nchanges + (out.counts[action] or 0) end
    if wf.stopping() then
      ctx:warn("interrupted: the plan is partial, nothing changed")
    elseif nchanges > 0 then
      if opts.plan_out then
        ctx:warn("nothing changed: plan written to %s; rerun with --apply --plan %s "
                 .. "to make exactly its %d change%s", opts.plan_out, opts.plan_out,
                 nchanges, nchanges == 1 and "" or "s")
      else
        ctx:warn("nothing changed: rerun with --apply to make the %d planned change%s",
                 nchanges, nchanges == 1 and "" or "s")
      end
    elseif refused > 0 then
      ctx:warn("nothing changed, and nothing can change: %d refused (see the reasons)",
               refused)
    else
      ctx:warn("nothing changed, and nothing to change")
    end
    ctx.journal:close()
    return wf.interrupt_status() or status
  end

  local bad = ctx.gate.bad
  if bad and ctx.gate.held > 0 then
    ctx:warn("canary: %s/%s/%s %s: stopping before the other %d logstores", bad.region,
             bad.project, bad.logstore, bad.status, ctx.gate.held)
  end
  ctx.journal:close()
  status = wf.finish(out)
  if opts.journal then ctx:info("journal: %s (rerun with it to resume)", opts.journal) end
  local stopped = wf.interrupt_status()
  if stopped then
    if ctx.abandoned and ctx.abandoned > 0 then
      ctx:warn("interrupted: nothing new was started; %d item%s still in flight after "
               .. "the grace %s abandoned (the write may have been made); rerun%s to "
               .. "read %s again and go on", ctx.abandoned, ctx.abandoned == 1 and "" or "s",
               ctx.abandoned == 1 and "was" or "were",
               opts.journal and " with the same --journal" or "",
               ctx.abandoned == 1 and "it" or "them")
    else
      ctx:warn("the items in flight were finished; rerun%s to go on",
               opts.journal and " with the same --journal" or "")
    end
    return stopped
  end
  return status
end

return M
