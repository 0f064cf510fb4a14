--- Create or repair the RAM role SLS uses for BYOK, and the operators' PassRole policy
--
-- The role must be trusted by log.aliyuncs.com and hold the System
-- policies AliyunKMSReadOnlyAccess and AliyunKMSCryptoUserAccess; a RAM
-- user who sets BYOK with it needs ram:PassRole on it. Plans by default;
-- --apply makes the changes; a second run has nothing to do.

local slsh = require "slsh"
local wf = require "slsh.workflow"
local json = require "slsh.json"

local opts = wf.parse(arg, {
  usage = "slsh run setup-role [OPTIONS]",
  summary = "Create or repair the RAM role that Log Service assumes to use your KMS\n"
    .. "keys (BYOK): trusted by log.aliyuncs.com, holding AliyunKMSReadOnlyAccess\n"
    .. "and AliyunKMSCryptoUserAccess. Prints its ARN and the PassRole policy that\n"
    .. "RAM users need to configure BYOK with it; can create that policy and attach\n"
    .. "it to a user. Plans by default: nothing changes without --apply.",
  common = false,
  options = {
    { "apply", type = "flag",
      help = "make the changes (default: plan only, change nothing)" },
    { "role", metavar = "NAME", default = "slsh-byok-role",
      help = "RAM role name (letters, digits, '.', '-'; at most 64)" },
    { "attach-passrole-to-user", metavar = "USER",
      help = "create the PassRole policy and attach it to this RAM user" },
    { "passrole-policy-name", metavar = "NAME",
      help = "name of that custom policy (default: slsh-passrole-<role>)" },
    { "plan-out", metavar = "FILE",
      help = "without --apply: write the planned changes to FILE (JSON, mode 0600)" },
    { "plan", metavar = "FILE",
      help = "with --apply: make the changes of a plan written by --plan-out, only if "
             .. "planning now gives exactly those (else exit 3, nothing changed)" },
    table.unpack(wf.account_options()),
  },
  epilog = "An existing role keeps every other trust statement and policy; only what\n"
    .. "is missing is added. An existing custom policy of the same name counts as\n"
    .. "done when its document grants the same thing (compared as JSON, not as\n"
    .. "text); otherwise the run refuses to touch it.\n\n"
    .. "With --accounts the role is created or repaired in every member account\n"
    .. "(entered through --account-role); a member that cannot be entered or set\n"
    .. "up is a line with the reason, and the run goes on.\n\n"
    .. "exit status: 0 done or planned, 1 failed, 2 usage, 3 refused (a policy of\n"
    .. "that name exists with another document; with --accounts, some account\n"
    .. "could not be entered or set up).",
})

local function usage(msg)
  io.stderr:write("slsh run setup-role: ", msg, "\n(try --help)\n")
  os.exit(2)
end

local role = opts.role
if #role > 64 or not role:match("^[%w.%-]+$") then
  usage("--role must be 1 to 64 letters, digits, '.' or '-', got '" .. role .. "'")
end
local user = opts.attach_passrole_to_user
local pname = opts.passrole_policy_name or ("slsh-passrole-" .. role:gsub("%.", "-"))
if #pname > 128 or not pname:match("^[%w%-]+$") then
  usage("--passrole-policy-name must be 1 to 128 letters, digits or '-', got '"
        .. pname .. "'")
end
if opts.passrole_policy_name and not user then
  usage("--passrole-policy-name goes with --attach-passrole-to-user")
end
local PLAN_FORMAT = "slsh-plan/1"
if opts.plan_out and (opts.apply or opts.plan) then
  usage("--plan-out writes a plan: give it without --apply and --plan")
end
if opts.plan_out then
  local bad = wf.check_output(opts.plan_out, "--plan-out")
  if bad then usage(bad) end
end

local ramlib = slsh.ram
local apply = opts.apply

-- With --accounts: the role in every member account, each through its own
-- session of --account-role; an account that cannot be entered or set up
-- is a line with the reason, and the others go on.
if opts.account_selection then
  if opts.plan or opts.plan_out then
    usage("--plan and --plan-out work in one account; with --accounts, plan (without "
          .. "--apply), then --apply: each member is planned again before it changes")
  end
  if user then
    usage("--attach-passrole-to-user names a RAM user of one account; with --accounts "
          .. "the members are entered through --account-role, which needs no PassRole "
          .. "policy of its own")
  end
  local list, lerr = wf.accounts(opts)
  if not list then
    io.stderr:write("slsh run setup-role: cannot list the accounts: ", tostring(lerr), "\n")
    os.exit(1)
  end
  local counts, bad = {}, 0
  for _, a in ipairs(list) do
    local eerr = a.err
    if not eerr then
      local _, e = wf.enter(opts, a.id)
      eerr = e
    end
    local line
    if eerr then
      line, bad = "NOT ENTERED: " .. tostring(eerr.message or eerr), bad + 1
      counts.failed = (counts.failed or 0) + 1
    else
      local ram = slsh.ram.client { credentials = wf.account_opts(opts, a.id).credentials }
      local r, rerr = ram:ensure_byok_role { name = role, dry_run = not apply }
      if not r then
        line, bad = "FAILED: " .. tostring(rerr.message or rerr), bad + 1
        counts.failed = (counts.failed or 0) + 1
      elseif #r.changes == 0 then
        line = "ok: " .. tostring(r.arn) .. " is ready"
        counts.ok = (counts.ok or 0) + 1
      else
        local what = apply and "applied" or "planned"
        line = what .. ": " .. table.concat(r.changes, "; ")
               .. (r.arn and (" (" .. r.arn .. ")") or "")
        counts[what] = (counts[what] or 0) + 1
      end
    end
    io.write("account ", a.id, ": ", line, "\n")
  end
  local parts = {}
  for _, k in ipairs { "ok", "planned", "applied", "failed" } do
    if counts[k] then parts[#parts + 1] = k .. " " .. counts[k] end
  end
  io.write(string.format("setup-role: %d account%s: %s\n", #list, #list == 1 and "" or "s",
                         #parts > 0 and table.concat(parts, ", ") or "none selected"))
  if counts.planned then
    io.write("nothing changed: run again with --apply to make the planned changes\n")
  end
  os.exit(bad > 0 and 3 or 0)
end

local ram = slsh.ram.client {}

local function fail(what, err)
  io.stderr:write("slsh run setup-role: ", what, ": ", tostring(err), "\n")
  if apply then
    io.stderr:write("(every step is idempotent: run it again to finish)\n")
  end
  os.exit(1)
end

-- Policy documents compared by meaning: RAM may reformat a stored
-- document (whitespace, key order, a scalar for a one-element list).
local function sorted_list(v, lower)
  if v == nil then return {} end
  if type(v) ~= "table" then v = { v } end
  local out = {}
  for i, s in ipairs(v) do
    s = tostring(s)
    out[i] = lower and s:lower() or s
  end
  table.sort(out)
  return out
end

local function canonical(text)
  local doc = type(text) == "string" and json.decode(text) or nil
  if type(doc) ~= "table" then return nil end
  local statements = {}
  local list = doc.Statement
  if type(list) == "table" and list[1] == nil and next(list) ~= nil then list = { list } end
  for _, st in ipairs(type(list) == "table" and list or {}) do
    statements[#statements + 1] = json.encode {
      tostring(st.Effect), sorted_list(st.Action, true), sorted_list(st.Resource, true),
      st.Condition and json.encode(st.Condition, { sort_keys = true }) or "",
    }
  end
  table.sort(statements)
  return tostring(doc.Version) .. "\n" .. table.concat(statements, "\n")
end

local function equivalent(a, b)
  local ca, cb = canonical(a), canonical(b)
  return ca ~= nil and ca == cb
end

local function pretty(text)
  local doc = json.decode(text)
  return doc and json.encode(doc, { pretty = true }) or text
end

-- Steps 1 and 2, planned (make false) or made: the list of changes,
-- the role's ARN (nil until RAM creates the role), and the reason the
-- PassRole policy is refused, if it is.
local function steps(make)
  -- 1. The role.
  local r, err = ram:ensure_byok_role { name = role, dry_run = not make }
  if not r then fail("cannot set up role " .. role, err) end
  local changes = {}
  for _, c in ipairs(r.changes) do changes[#changes + 1] = c end
  local arn = r.arn

  -- 2. The PassRole policy, and its attachment to the user.
  local document = arn and ramlib.passrole_policy(arn)
  local refused
  if user then
    local held, uerr = ram:list_policies_for_user(user)
    if not held then fail("cannot read the policies of RAM user " .. user, uerr) end
    local existing, perr = ram:get_policy(pname, "Custom")
    if not existing and perr.code ~= "EntityNotExist.Policy" then
      fail("cannot read policy " .. pname, perr)
    end
    local function check(p)
      local doc = p.DefaultPolicyVersion and p.DefaultPolicyVersion.PolicyDocument
      if document and not equivalent(doc, document) then
        refused = "custom policy " .. pname .. " exists and grants something else than "
          .. "the PassRole policy above; its document:\n" .. pretty(doc or "(none)")
          .. "\nchoose another --passrole-policy-name, or replace its document with the "
          .. "PassRole policy (CreatePolicyVersion) and run again"
      end
    end
    if existing then
      check(existing)
    else
      changes[#changes + 1] = "create custom policy " .. pname .. " allowing ram:PassRole on "
        .. (arn or ("role " .. role))
      if make then
        local _, cerr = ram:create_policy {
          name = pname, document = document,
          description = "ram:PassRole on " .. arn .. " for SLS BYOK (slsh)" }
        if cerr then
          if cerr.code ~= "EntityAlreadyExists.Policy" then
            fail("cannot create policy " .. pname, cerr)
          end
          -- created meanwhile (by a concurrent run): done if it is the same
          changes[#changes] = nil
          existing, perr = ram:get_policy(pname, "Custom")
          if not existing then fail("cannot read policy " .. pname, perr) end
          check(existing)
        end
      end
    end
    local attached = false
    for _, p in ipairs(held) do
      if p.PolicyType == "Custom" and p.PolicyName == pname then attached = true end
    end
    if not attached and not refused then
      changes[#changes + 1] = "attach custom policy " .. pname .. " to RAM user " .. user
      if make then
        local ok, aerr = ram:attach_policy_to_user { user = user, policy = pname,
                                                     type = "Custom" }
        if not ok then fail("cannot attach policy " .. pname .. " to " .. user, aerr) end
      end
    end
  end
  return changes, arn, refused
end

local changes, arn, refused
if opts.plan then
  -- a saved plan: carried out only if planning now gives the same changes
  local f, ferr = io.open(opts.plan, "r")
  if not f then usage("--plan: " .. tostring(ferr)) end
  local ok, doc = pcall(json.decode, f:read("a"))
  f:close()
  if not ok or type(doc) ~= "table" or doc.format ~= PLAN_FORMAT
     or doc.workflow ~= "setup-role" or type(doc.changes) ~= "table" then
    usage("--plan " .. opts.plan .. " is not a setup-role plan written by --plan-out")
  end
  if doc.role ~= role or doc.user ~= (user or json.null) or doc.policy ~= pname then
    usage("--plan " .. opts.plan .. " was made for --role " .. tostring(doc.role)
          .. (doc.user ~= json.null and (" --attach-passrole-to-user " .. tostring(doc.user))
              or "") .. ": give the same options")
  end
  local now = steps(false)
  local same = #now == #doc.changes
  for i, c in ipairs(now) do same = same and c == doc.changes[i] end
  if not same then
    io.write("refused: the role or the user changed since the plan; it planned:\n")
    for _, c in ipairs(doc.changes) do io.write("  ", tostring(c), "\n") end
    io.write("planning now gives:\n")
    for _, c in ipairs(now) do io.write("  ", c, "\n") end
    io.write("nothing changed; plan again\n")
    os.exit(3)
  end
end
changes, arn, refused = steps(apply)

if opts.plan_out then
  local out = json.object({ format = PLAN_FORMAT, workflow = "setup-role", role = role,
                            user = user or json.null, policy = pname,
                            created = os.date("!%Y-%m-%dT%H:%M:%SZ"),
                            changes = json.array(changes) },
                          { "format", "workflow", "role", "user", "policy", "created",
                            "changes" })
  os.remove(opts.plan_out .. ".tmp")
  local ok, perr = slsh.host.create_private(opts.plan_out .. ".tmp")
  local f
  if ok then f, perr = io.open(opts.plan_out .. ".tmp", "wb") end
  if not f then fail("cannot write the plan", perr) end
  f:write(json.encode(out, { pretty = true }), "\n")
  f:close()
  ok, perr = os.rename(opts.plan_out .. ".tmp", opts.plan_out)
  if not ok then fail("cannot write the plan", perr) end
  io.write("plan written to ", opts.plan_out, "; carry it out with --apply --plan ",
           opts.plan_out, "\n")
end

-- 3. Verify what was applied.
if apply and #changes > 0 then
  local v, verr = ram:check_byok_role(role)
  if not v then fail("cannot verify role " .. role, verr) end
  if #v.problems > 0 then
    fail("role " .. role .. " is still not ready", table.concat(v.problems, "; "))
  end
  arn = v.arn
end

-- 4. Say what happened.
local ready = "role " .. role .. " is trusted by log.aliyuncs.com and holds "
  .. table.concat(ramlib.BYOK_POLICIES, " and ")
if user and not refused then
  ready = ready .. "; policy " .. pname .. " is attached to RAM user " .. user
end
if #changes == 0 then
  io.write(refused and ("nothing to do for role " .. role .. "; the PassRole policy is "
                        .. "refused (below)\n") or ("nothing to do: " .. ready .. "\n"))
elseif apply then
  io.write(string.format("applied %d change%s:\n", #changes, #changes == 1 and "" or "s"))
  for _, c in ipairs(changes) do io.write("  ", c, "\n") end
  if not refused then io.write("verified: ", ready, "\n") end
else
  io.write(string.format("plan: %d change%s (nothing changed; run again with --apply "
                         .. "to make %s):\n", #changes, #changes == 1 and "" or "s",
                         #changes == 1 and "it" or "them"))
  for _, c in ipairs(changes) do io.write("  ", c, "\n") end
end

if arn then
  io.write("role ARN: ", arn, "\n")
  io.write("PassRole policy for the RAM users who configure BYOK with this role\n",
           "(the account owner needs none):\n", pretty(ramlib.passrole_policy(arn)), "\n")
  if not user then
    io.write("to create it as ", pname, " and attach it to a RAM user: slsh run setup-role",
             role ~= "slsh-byok-role" and (" --role " .. role) or "",
             " --attach-passrole-to-user USER --apply\n")
  end
else
  io.write("role ARN: assigned by RAM when --apply creates the role; the PassRole "
           .. "policy names it and is printed then\n")
end

if refused then
  io.write("refused: ", refused, "\n")
  os.exit(3)
end
os.exit(0)
