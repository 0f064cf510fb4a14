--- slsh.ram: RAM (2015-05-01) over slsh.rpc, with what BYOK needs: the
-- role that SLS assumes to use the CMK (trusted by log.aliyuncs.com,
-- holding AliyunKMSReadOnlyAccess and AliyunKMSCryptoUserAccess) and the
-- PassRole policy for the operator.
--
--   local ram = slsh.ram.client{}
--   local r = assert(ram:ensure_byok_role{name = "slsh-byok-role"})
--   print(r.arn, r.created, table.concat(r.changes, "; "))

local rpc = require "slsh.rpc"
local json = require "slsh.json"
local common = require "slsh.client_common"
local errors = require "slsh.err"

local M = {}

local SLS_SERVICE = "log.aliyuncs.com"
M.BYOK_POLICIES = { "AliyunKMSReadOnlyAccess", "AliyunKMSCryptoUserAccess" }

local Client = setmetatable({}, { __index = rpc.Client })
Client.__index = Client
Client.__name = "slsh.ram.client"

--- ram.client{profile=?, credentials=?, endpoint=?, signature=?, ...}
function M.client(opts)
  opts = common.check_options("ram.client", opts, rpc.OPTIONS)
  local c = rpc.client({ service = "ram", version = "2015-05-01",
                         endpoint = "ram.aliyuncs.com", qps = 20 }, opts)
  return setmetatable(c, Client)
end

--- The trust policy that lets SLS assume a role.
function M.trust_policy()
  return json.encode(json.object({
    Statement = json.array { json.object({
      Action = "sts:AssumeRole", Effect = "Allow",
      Principal = json.object({ Service = json.array { SLS_SERVICE } }, { "Service" }),
    }, { "Action", "Effect", "Principal" }) },
    Version = "1",
  }, { "Statement", "Version" }))
end

--- The PassRole policy the operator needs for a role ARN.
function M.passrole_policy(arn)
  return json.encode(json.object({
    Version = "1",
    Statement = json.array { json.object({
      Effect = "Allow", Action = "ram:PassRole", Resource = arn,
    }, { "Effect", "Action", "Resource" }) },
  }, { "Version", "Statement" }))
end

-- A value or list of values as a list.
local function list(v)
  if v == nil then return {} end
  if type(v) == "table" then return v end
  return { v }
end

--- ram.trusts_service(document, service?) -> bool: does the trust policy
-- (a JSON string) let `service` (default log.aliyuncs.com) assume the
-- role? Compared semantically: RAM may reformat documents.
function M.trusts_service(document, service)
  service = service or SLS_SERVICE
  local doc = type(document) == "string" and json.decode(document) or document
  if type(doc) ~= "table" then return false end
  for _, st in ipairs(list(doc.Statement)) do
    local actions = list(st.Action)
    local allows = st.Effect == "Allow"
    local assume = false
    for _, a in ipairs(actions) do
      if a == "sts:AssumeRole" or a == "sts:*" or a == "*" then assume = true end
    end
    local principal = type(st.Principal) == "table" and st.Principal or {}
    for _, s in ipairs(list(principal.Service)) do
      if allows and assume and s:lower() == service then return true end
    end
  end
  return false
end

-- The trust document with a statement for log.aliyuncs.com added and
-- every other statement kept.
local function add_sls_service(document)
  local doc = json.decode(document)
  if type(doc) ~= "table" then return M.trust_policy() end
  doc.Statement = doc.Statement or json.array {}
  doc.Statement[#doc.Statement + 1] = json.decode(M.trust_policy()).Statement[1]
  return json.encode(doc)
end

-- Raise unless `v` (argument `what` of `who`) is a non-empty string.
local function check_name(who, what, v)
  if type(v) ~= "string" or v == "" then
    error(string.format("%s: %s must be a non-empty string, got %s", who, what,
                        v == "" and "''" or type(v)), 3)
  end
end

--- ram:get_role(name) -> Role | nil, err
function Client:get_role(name)
  check_name("ram:get_role", "the role name", name)
  local r, err = self:call("GetRole", { RoleName = name })
  if not r then return nil, err end
  return self:member(r, "Role", "GetRole")
end

--- ram:create_role{name=, document=?, description=?, max_session_duration=?}
function Client:create_role(o)
  common.check_fields("ram:create_role", o, { name = "string", document = "string",
    description = "string", max_session_duration = "number" }, { "name" })
  local r, err = self:call("CreateRole", {
    RoleName = o.name, AssumeRolePolicyDocument = o.document or M.trust_policy(),
    Description = o.description, MaxSessionDuration = o.max_session_duration,
  })
  if not r then return nil, err end
  return self:member(r, "Role", "CreateRole")
end

--- ram:update_role{name=, document=?, description=?}
function Client:update_role(o)
  common.check_fields("ram:update_role", o, { name = "string", document = "string",
    description = "string" }, { "name" })
  local r, err = self:call("UpdateRole", {
    RoleName = o.name, NewAssumeRolePolicyDocument = o.document,
    NewDescription = o.description,
  })
  if not r then return nil, err end
  return self:member(r, "Role", "UpdateRole")
end

--- ram:roles{page_size=?} -> iterator over roles (Marker paging, 100
-- a page by default, at most 1000; raises on failure)
function Client:roles(o)
  o = common.check_fields("ram:roles", o or {}, { page_size = "number" }, nil, "option")
  return rpc.marker_pager(function(marker)
    local r, err = self:call("ListRoles", { Marker = marker, MaxItems = o.page_size or 100 })
    if not r then return nil, err end
    local items, lerr = self:list_member(r, "Roles", "Role", "ListRoles")
    if not items then return nil, lerr end
    if r.IsTruncated and (type(r.Marker) ~= "string" or r.Marker == "") then
      -- a truncated page without a marker: the rest cannot be asked for
      return nil, errors.new { code = "bad_response", service = "ram", action = "ListRoles",
                               field = "Marker",
                               message = "the ListRoles answer is truncated but has no Marker" }
    end
    return items, r.IsTruncated and r.Marker or nil
  end)
end

--- ram:list_policies_for_role(name) -> list of {PolicyName, PolicyType, ...}
function Client:list_policies_for_role(name)
  check_name("ram:list_policies_for_role", "the role name", name)
  local r, err = self:call("ListPoliciesForRole", { RoleName = name })
  if not r then return nil, err end
  return self:list_member(r, "Policies", "Policy", "ListPoliciesForRole")
end

--- ram:attach_policy_to_role{role=, policy=, type="System"|"Custom"}
-- An attachment that exists already counts as done.
local ROLE_POLICY = { role = "string", policy = "string", type = "string" }
local USER_POLICY = { user = "string", policy = "string", type = "string" }

function Client:attach_policy_to_role(o)
  common.check_fields("ram:attach_policy_to_role", o, ROLE_POLICY, { "role", "policy" })
  local r, err = self:call("AttachPolicyToRole", {
    RoleName = o.role, PolicyName = o.policy, PolicyType = o.type or "System" })
  if not r and err.code ~= "EntityAlreadyExists.Role.Policy" then return nil, err end
  return true
end

--- ram:detach_policy_from_role{role=, policy=, type=}
function Client:detach_policy_from_role(o)
  common.check_fields("ram:detach_policy_from_role", o, ROLE_POLICY, { "role", "policy" })
  local r, err = self:call("DetachPolicyFromRole", {
    RoleName = o.role, PolicyName = o.policy, PolicyType = o.type or "System" })
  if not r then return nil, err end
  return true
end

--- ram:get_policy(name, type) -> {Policy=, DefaultPolicyVersion=} | nil, err
function Client:get_policy(name, ptype)
  check_name("ram:get_policy", "the policy name", name)
  return self:call("GetPolicy", { PolicyName = name, PolicyType = ptype or "Custom" })
end

--- ram:create_policy{name=, document=, description=?}
function Client:create_policy(o)
  common.check_fields("ram:create_policy", o, { name = "string", document = "string",
    description = "string" }, { "name", "document" })
  local r, err = self:call("CreatePolicy", { PolicyName = o.name,
                                             PolicyDocument = o.document,
                                             Description = o.description })
  if not r then return nil, err end
  return self:member(r, "Policy", "CreatePolicy")
end

--- ram:attach_policy_to_user{user=, policy=, type=}
function Client:attach_policy_to_user(o)
  common.check_fields("ram:attach_policy_to_user", o, USER_POLICY, { "user", "policy" })
  local r, err = self:call("AttachPolicyToUser", {
    UserName = o.user, PolicyName = o.policy, PolicyType = o.type or "Custom" })
  if not r and err.code ~= "EntityAlreadyExists.User.Policy" then return nil, err end
  return true
end

--- ram:list_policies_for_user(name) -> list of {PolicyName, PolicyType, ...}
function Client:list_policies_for_user(name)
  check_name("ram:list_policies_for_user", "the user name", name)
  local r, err = self:call("ListPoliciesForUser", { UserName = name })
  if not r then return nil, err end
  return self:list_member(r, "Policies", "Policy", "ListPoliciesForUser")
end

--- ram:check_byok_role(name) -> {exists=, arn=, trusted=, missing={...},
-- problems={...}} | nil, err. Reads only.
function Client:check_byok_role(name)
  check_name("ram:check_byok_role", "the role name", name)
  local role, err = self:get_role(name)
  if not role then
    if err.code == "EntityNotExist.Role" then
      return { exists = false, trusted = false, missing = M.BYOK_POLICIES,
               problems = { "role " .. name .. " does not exist" } }
    end
    return nil, err
  end
  local res = { exists = true, arn = role.Arn, role = role, missing = {}, problems = {} }
  res.trusted = M.trusts_service(role.AssumeRolePolicyDocument)
  if not res.trusted then
    res.problems[#res.problems + 1] = "role " .. name .. " is not trusted by " .. SLS_SERVICE
  end
  local policies, perr = self:list_policies_for_role(name)
  if not policies then return nil, perr end
  local held = {}
  for _, p in ipairs(policies) do
    if p.PolicyType == "System" then held[p.PolicyName] = true end
  end
  for _, p in ipairs(M.BYOK_POLICIES) do
    if not held[p] then
      res.missing[#res.missing + 1] = p
      res.problems[#res.problems + 1] = "role " .. name .. " lacks the system policy " .. p
    end
  end
  return res
end

--- ram:ensure_byok_role{name=, dry_run=?, description=?}
--   -> {arn=, role=, created=bool, changes={...}} | nil, err
-- Create the role if missing, add log.aliyuncs.com to its trust policy
-- if absent (keeping every other statement), attach the two KMS policies.
function Client:ensure_byok_role(o)
  common.check_fields("ram:ensure_byok_role", o, { name = "string", dry_run = "boolean",
    description = "string" })
  if o.name == nil or o.name == "" then
    error("ram:ensure_byok_role: field 'name' is required (a role name)", 2)
  end
  local state, err = self:check_byok_role(o.name)
  if not state then return nil, err end
  local changes, created = {}, false
  local role = state.role
  if not state.exists then
    changes[#changes + 1] = "create role " .. o.name .. " trusted by " .. SLS_SERVICE
    created = true
    if not o.dry_run then
      local description = o.description or "Lets Log Service use KMS keys for BYOK (slsh)"
      role, err = self:create_role { name = o.name, description = description }
      if not role then
        if err.code ~= "EntityAlreadyExists.Role" then return nil, err end
        -- The role exists after all: our own create whose answer was lost
        -- and which the transport sent again, or another writer's. Check
        -- it afresh rather than assume it is the one we asked for.
        local retried = (err.attempts or 1) > 1
        state, err = self:check_byok_role(o.name)
        if not state then return nil, err end
        role = state.role
        created = retried and state.trusted and role.Description == description
        if not created then changes = {} end
      end
    end
  end
  if state.exists and not state.trusted then
    changes[#changes + 1] = "add " .. SLS_SERVICE .. " to the trust policy of " .. o.name
    if not o.dry_run then
      role, err = self:update_role { name = o.name,
                                     document = add_sls_service(role.AssumeRolePolicyDocument) }
      if not role then return nil, err end
    end
  end
  for _, p in ipairs(state.missing) do
    changes[#changes + 1] = "attach system policy " .. p .. " to " .. o.name
    if not o.dry_run then
      local ok, aerr = self:attach_policy_to_role { role = o.name, policy = p, type = "System" }
      if not ok then return nil, aerr end
    end
  end
  return { arn = role and role.Arn, role = role, created = created, changes = changes,
           dry_run = o.dry_run or nil }
end

return M
