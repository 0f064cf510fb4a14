--- slsh.resourcemanager: Resource Manager (2020-03-31) over slsh.rpc, with
-- what working across a Resource Directory needs: the member accounts, as
-- the management account (or a delegated administrator) lists them.
--
--   local rm = slsh.resourcemanager.client{}
--   for a in rm:accounts() do print(a.AccountId, a.DisplayName, a.Status) end

local rpc = require "slsh.rpc"
local common = require "slsh.client_common"
local errors = require "slsh.err"

local M = {}

--- The member statuses in which a member account can be worked in: created
-- in the directory, or joined by invitation or upgrade. The others
-- (PromoteVerifying, PromoteFailed, PromoteExpired, PromoteCancelled, and
-- any status the service adds later) are not usable yet or any more.
M.USABLE = { CreateSuccess = true, InviteSuccess = true, PromoteSuccess = true }

local Client = setmetatable({}, { __index = rpc.Client })
Client.__index = Client
Client.__name = "slsh.resourcemanager.client"

--- resourcemanager.client{profile=?, credentials=?, endpoint=?, signature=?, ...}
-- Endpoint: resourcemanager.aliyuncs.com (the service is central).
function M.client(opts)
  opts = common.check_options("resourcemanager.client", opts, rpc.OPTIONS)
  local c = rpc.client({ service = "resourcemanager", version = "2020-03-31",
                         endpoint = "resourcemanager.aliyuncs.com", qps = 10 }, opts)
  return setmetatable(c, Client)
end

-- One member as ListAccounts gives it, checked before it is trusted: an
-- account id of digits and a status string are what the callers act on.
local function checked(a, action)
  if type(a) ~= "table" or type(a.AccountId) ~= "string"
     or not a.AccountId:match("^%d+$") or type(a.Status) ~= "string" then
    return nil, errors.new { code = "bad_response", service = "resourcemanager",
                             action = action,
                             message = "a member without a numeric AccountId or a Status" }
  end
  return a
end

local PAGE_OPTIONS = { page_size = "number" }

--- rm:accounts{page_size=?} -> iterator over the members of the directory
-- ({AccountId=, DisplayName=, Status=, Type=, JoinMethod=, FolderId=,
-- ResourceDirectoryId=, ...}), page by page (PageSize 1..100, default
-- 100). A page that fails part-way raises its error object.
function Client:accounts(o)
  o = common.check_options("resourcemanager:accounts", o, PAGE_OPTIONS)
  local size = o.page_size or 100
  if size < 1 or size > 100 or size % 1 ~= 0 then
    error("resourcemanager:accounts: page_size must be an integer in 1..100", 2)
  end
  return rpc.page_pager(function(page)
    local r, err = self:call("ListAccounts", { PageNumber = page, PageSize = size })
    if not r then return nil, err end
    local list = type(r.Accounts) == "table" and r.Accounts.Account or {}
    if type(list) ~= "table" or type(r.TotalCount) ~= "number" then
      return nil, errors.new { code = "bad_response", service = "resourcemanager",
                               action = "ListAccounts",
                               message = "the answer has no Accounts.Account list "
                                         .. "or no TotalCount" }
    end
    for i, a in ipairs(list) do
      local ok, cerr = checked(a, "ListAccounts")
      if not ok then return nil, cerr end
      list[i] = ok
    end
    return list, r.TotalCount
  end)
end

--- rm:list_accounts{page_size=?} -> list of every member | nil, err
function Client:list_accounts(o)
  local out = {}
  local ok, err = pcall(function()
    for a in self:accounts(o) do out[#out + 1] = a end
  end)
  if not ok then
    if errors.is(err) then return nil, err end
    error(err, 0)
  end
  return out
end

--- rm:get_account(id) -> the member | nil, err
function Client:get_account(id)
  if type(id) ~= "string" or not id:match("^%d+$") then
    error("resourcemanager:get_account: the account id must be a string of digits", 2)
  end
  local r, err = self:call("GetAccount", { AccountId = id })
  if not r then return nil, err end
  return checked(r.Account, "GetAccount")
end

return M
