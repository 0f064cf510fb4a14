--- slsh.accounts: working in the member accounts of a Resource Directory.
-- The management account (or a delegated administrator) lists the members
-- (slsh.resourcemanager), and enters each one by assuming a role of that
-- member (by default ResourceDirectoryAccountAccessRole, which the
-- directory creates in every member it creates and which trusts the
-- management account). Each member gets one credentials provider per run:
-- the session is assumed on first use, cached, and assumed again shortly
-- before it expires (slsh.credentials.assume_role), so that every client of
-- that member shares it.
--
--   local accounts = slsh.accounts
--   for _, a in ipairs(assert(accounts.members())) do
--     local p = accounts.provider(a.AccountId)
--     local sls = slsh.sls.client{region = "cn-hangzhou", credentials = p}
--   end

local credentials = require "slsh.credentials"
local common = require "slsh.client_common"
local host = require "slsh.host.core"

local M = {}

--- The role a Resource Directory creates in its members for the
-- management account.
M.DEFAULT_ROLE = "ResourceDirectoryAccountAccessRole"

--- accounts.role_arn(account, role?) -> "acs:ram::<account>:role/<role>"
function M.role_arn(account, role)
  if type(account) ~= "string" or not account:match("^%d+$") then
    error("accounts.role_arn: the account id must be a string of digits", 2)
  end
  role = role or M.DEFAULT_ROLE
  if type(role) ~= "string" or not role:match("^[%w.-]+$") or #role > 64 then
    error("accounts.role_arn: the role must be a role name ([A-Za-z0-9.-], at most 64)", 2)
  end
  return "acs:ram::" .. account .. ":role/" .. role
end

local session
--- accounts.session_name() -> the RoleSessionName of every session this
-- run assumes ("slsh-<UTC time>-<random>"): one name per run, so that the
-- member's ActionTrail shows one run as one session.
function M.session_name()
  if not session then
    session = "slsh-" .. os.date("!%Y%m%dT%H%M%S", math.floor(host.time()))
              .. "-" .. host.random_hex(4)
  end
  return session
end

-- The caller's own credentials when none are given: one provider (the
-- default chain, --profile) for the whole run.
local default_source
local function source_of(o)
  if o.source then return o.source end
  if not default_source then default_source = common.provider({}) end
  return default_source
end

-- Providers by source, then by account and role (weak in the source, so a
-- provider that is gone takes its members' sessions with it).
local providers = setmetatable({}, { __mode = "k" })

local PROVIDER_OPTIONS = { role = "string", source = "table", duration = "number" }

--- accounts.provider(account, {role=?, source=?, duration=?}) -> provider
-- The credentials of `account` entered through `role` (default
-- ResourceDirectoryAccountAccessRole) from the credentials of `source`
-- (a provider; default: the caller's, from the chain). The same account,
-- role and source always give the same provider, so its session is
-- assumed once and shared. Nothing is sent before the first get(); a
-- member that cannot be entered (the role is missing or does not trust
-- the caller, the account is suspended) is get() -> nil, err with the
-- service's code.
function M.provider(account, o)
  o = common.check_options("accounts.provider", o, PROVIDER_OPTIONS)
  local arn = M.role_arn(account, o.role)
  local source = source_of(o)
  local by_source = providers[source]
  if not by_source then
    by_source = {}
    providers[source] = by_source
  end
  local key = arn:lower() .. "\0" .. tostring(o.duration)
  local p = by_source[key]
  if not p then
    p = credentials.assume_role { source = source, role_arn = arn,
                                  session_name = M.session_name(),
                                  duration = o.duration }
    p.account = account
    by_source[key] = p
  end
  return p
end

local MEMBERS_OPTIONS = { source = "table", all = "boolean" }

--- accounts.members{source=?, all=?} -> list of members | nil, err
-- The directory's members (ListAccounts with the caller's credentials, or
-- those of `source`): only those in a usable status
-- (resourcemanager.USABLE) unless all=true.
function M.members(o)
  o = common.check_options("accounts.members", o, MEMBERS_OPTIONS)
  local rm = require("slsh.resourcemanager")
  local list, err = rm.client({ credentials = o.source }):list_accounts()
  if not list then return nil, err end
  if o.all then return list end
  local usable = {}
  for _, a in ipairs(list) do
    if rm.USABLE[a.Status] then usable[#usable + 1] = a end
  end
  return usable
end

--- accounts.parse_selection(text) -> {all=true} | {ids={...}} | nil, message
-- The value of --accounts: "all", ID[,ID...], or @FILE (one id per line,
-- '#' comments). Ids are strings of digits; a file that cannot be read is
-- a message.
function M.parse_selection(text)
  if type(text) ~= "string" then
    error("accounts.parse_selection: expected a string", 2)
  end
  if text == "all" then return { all = true } end
  local ids, seen = {}, {}
  local function add(id, where)
    if not id:match("^%d+$") or #id > 32 then
      return nil, "account ids are digits, got '" .. id .. "'" .. (where or "")
    end
    if not seen[id] then ids[#ids + 1], seen[id] = id, true end
    return true
  end
  if text:sub(1, 1) == "@" then
    local path = text:sub(2)
    local f, ferr = io.open(path, "r")
    if not f then return nil, "cannot read " .. tostring(ferr) end
    local n = 0
    for line in f:lines() do
      n = n + 1
      local id = line:gsub("#.*$", ""):match("^%s*(.-)%s*$")
      if id ~= "" then
        local ok, err = add(id, " (" .. path .. " line " .. n .. ")")
        if not ok then
          f:close()
          return nil, err
        end
      end
    end
    f:close()
    if #ids == 0 then return nil, path .. " names no account" end
    return { ids = ids }
  end
  for id in (text .. ","):gmatch("([^,]*),") do
    id = id:match("^%s*(.-)%s*$")
    if id == "" then return nil, "an empty account id in '" .. text .. "'" end
    local ok, err = add(id)
    if not ok then return nil, err end
  end
  return { ids = ids }
end

return M
