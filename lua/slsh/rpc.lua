--- slsh.rpc: the RPC-style OpenAPI client under slsh.ram, slsh.kms and
-- slsh.sts: `client:call(action, params)` signed with RPC V1 (HMAC-SHA1,
-- POST form body, the default) or ACS3-HMAC-SHA256.

local transport = require "slsh.transport"
local json = require "slsh.json"
local sign = require "slsh.sign"
local host = require "slsh.host.core"
local errors = require "slsh.err"
local common = require "slsh.client_common"

local M = {}

local Client = {}
Client.__index = Client
Client.__name = "slsh.rpc.client"
M.Client = Client -- the base class of the RAM, KMS and STS clients

M.OPTIONS = {
  region = "string", profile = "string", credentials = "any", endpoint = "string",
  signature = "string", qps = "number", retries = "number", timeout = "number",
  connect_to = "string", ca_file = "string", verbose = "number", retry_time = "number",
  max_body = "number",
}

-- Largest answer read (as for SLS): RAM, KMS and STS answers are
-- kilobytes; a bigger body is refused (too_large) before it is parsed.
local MAX_BODY = 10 * 1024 * 1024

--- rpc.client{service=, version=, endpoint=, region=?, signature="v1"|"acs3", ...}
function M.client(spec, opts)
  local signature = opts.signature or "v1"
  if signature ~= "v1" and signature ~= "acs3" then
    error(spec.service .. ".client: signature must be one of v1, acs3, got '"
          .. signature .. "'", 3)
  end
  local self = setmetatable({
    service = spec.service,
    version = spec.version,
    endpoint = (opts.endpoint or spec.endpoint):gsub("^https?://", ""):gsub("/+$", ""),
    region = spec.region,
    signature = signature,
  }, Client)
  local connect_to, ca_file, verbose = common.wire(opts)
  self.transport = transport.new {
    service = spec.service, endpoint = self.endpoint, credentials = common.provider(opts),
    connect_to = connect_to, ca_file = ca_file, timeout = opts.timeout,
    qps = opts.qps or spec.qps, retries = opts.retries, retry_time = opts.retry_time,
    verbose = verbose, max_body = opts.max_body or MAX_BODY,
  }
  return self
end

-- Parameters as the API takes them: lists flattened to Name.1, Name.2 and
-- lists of tables to Name.1.Field; booleans as true/false; tables that are
-- not lists (policy documents, filters) as JSON strings.
local function flatten(params, prefix, out)
  for k, v in pairs(params) do
    local name = prefix and (prefix .. "." .. k) or k
    local t = type(v)
    if t == "string" or t == "number" then
      out[name] = v
    elseif t == "boolean" then
      out[name] = v and "true" or "false"
    elseif t == "table" and (#v > 0 or json.is_array(v)) then
      for i, item in ipairs(v) do
        if type(item) == "table" then
          flatten(item, name .. "." .. i, out)
        else
          out[name .. "." .. i] = type(item) == "boolean" and tostring(item) or item
        end
      end
    elseif t == "table" then
      out[name] = json.encode(v)
    elseif v ~= json.null then
      error("parameter '" .. name .. "' cannot be sent (a " .. t .. ")", 4)
    end
  end
  return out
end
M.flatten = flatten

-- RPC errors: {RequestId, HostId, Code, Message, Recommend}; the names
-- are read in any case, as the SDKs do.
local function parse_error(res)
  local doc = res.body and res.body ~= "" and json.decode(res.body)
  if type(doc) ~= "table" then
    return nil, string.format("HTTP status %d with a body that is not an API error",
                              res.status), res.headers["x-acs-request-id"]
  end
  local lower = {}
  for k, v in pairs(doc) do
    if type(k) == "string" then lower[k:lower()] = v end
  end
  return lower.code, lower.message, lower.requestid
end

-- One attempt's signed form (V1) or headers (ACS3).
function Client:sign_request(req, cred, now)
  local token = cred:token()
  if self.signature == "acs3" then
    local h = {
      host = req.host,
      ["x-acs-action"] = req.action,
      ["x-acs-version"] = self.version,
      ["x-acs-date"] = sign.iso8601(now),
      ["x-acs-signature-nonce"] = host.random_hex(16),
      ["x-acs-content-sha256"] = sign.sha256_hex(""),
    }
    if token then h["x-acs-security-token"] = token end
    h.Authorization = sign.acs3 {
      method = "POST", path = "/", query = req.query, headers = h,
      access_key_id = cred.access_key_id, access_key_secret = cred:secret(),
    }
    return h
  end
  local p = {}
  for k, v in pairs(req.params) do p[k] = v end
  p.Action, p.Version, p.Format = req.action, self.version, "JSON"
  p.AccessKeyId = cred.access_key_id
  p.SignatureMethod, p.SignatureVersion = "HMAC-SHA1", "1.0"
  p.SignatureNonce = host.random_hex(16)
  p.Timestamp = sign.iso8601(now)
  p.SecurityToken = token
  local sig = sign.rpc_v1 { method = "POST", params = p, access_key_secret = cred:secret() }
  local body = sign.rpc_query(p) .. "&Signature=" .. sign.percent_encode(sig)
  return { ["Content-Type"] = "application/x-www-form-urlencoded" }, body
end

--- client:call(action, params) -> decoded answer | nil, err
function Client:call(action, params)
  if type(action) ~= "string" or not action:match("^%u%w+$") then
    error(self.service .. ":call: action must be an API name such as GetRole", 2)
  end
  if params ~= nil and type(params) ~= "table" then
    error(self.service .. ":call: params must be a table", 2)
  end
  local flat = flatten(params or {}, nil, {})
  local req = {
    action = action, method = "POST", host = self.endpoint, path = "/",
    params = flat,
    sign = function(r, cred, now) return self:sign_request(r, cred, now) end,
    parse_error = parse_error,
  }
  if self.signature == "acs3" then req.query = flat end
  local res, err = self.transport:send(req)
  if not res then return nil, err end
  local doc, jerr = json.decode(res.body)
  if type(doc) ~= "table" then
    return nil, errors.new { code = "bad_response", service = self.service,
                             action = action, status = res.status,
                             message = "the answer is not a JSON object"
                                       .. (jerr and (": " .. jerr.message) or "") }
  end
  return doc
end

-- The error of an answer that decoded but is not what the API returns.
local function bad_answer(client, action, field, message)
  return nil, errors.new { code = "bad_response", service = client.service,
                           action = action, field = field,
                           message = "the " .. action .. " answer " .. message }
end

--- client:member(doc, key, action) -> the object doc[key] | nil, err
-- (bad_response naming `key` when it is missing or not an object: a
-- caller must never index a nil it took for an answer).
function Client:member(doc, key, action)
  local v = doc[key]
  if type(v) ~= "table" or (next(v) ~= nil and json.is_array(v)) then
    return bad_answer(self, action, key, "has no " .. key .. " object")
  end
  return v
end

--- client:list_member(doc, outer, inner, action) -> list | nil, err
-- The list doc[outer][inner] (RAM's {"Roles":{"Role":[...]}}): `outer`
-- must be an object; an absent `inner` is an empty list; every item must
-- be an object.
function Client:list_member(doc, outer, inner, action)
  local box, err = self:member(doc, outer, action)
  if not box then return nil, err end
  local items = box[inner]
  if items == nil then return {} end
  local path = outer .. "." .. inner
  if type(items) ~= "table" or (next(items) ~= nil and not json.is_array(items)) then
    return bad_answer(self, action, path, "has a " .. path .. " that is not a list")
  end
  for i, item in ipairs(items) do
    if type(item) ~= "table" then
      return bad_answer(self, action, string.format("%s[%d]", path, i),
                        "has an item of " .. path .. " that is not an object")
    end
  end
  return items
end

--- client:count_member(doc, key, action) -> integer >= 0 | nil, err
function Client:count_member(doc, key, action)
  local v = doc[key]
  if math.type(v) ~= "integer" or v < 0 then
    return bad_answer(self, action, key, "has no integer " .. key)
  end
  return v
end

--- An iterator over Marker-paged lists (RAM): fetch(marker) -> items,
-- next_marker_or_nil. A failure part-way raises the error object.
function M.marker_pager(fetch)
  local buf, i, marker, done = {}, 0, nil, false
  return function()
    i = i + 1
    while buf[i] == nil do
      if done then return nil end
      local items, nxt = fetch(marker)
      if items == nil then errors.raise(nxt) end
      buf, i = items, 1
      marker = nxt
      done = nxt == nil
      if #items == 0 and done then return nil end
    end
    return buf[i]
  end
end

--- An iterator over PageNumber-paged lists (KMS): fetch(page) -> items,
-- total. A failure part-way raises the error object.
function M.page_pager(fetch)
  local buf, i, page, seen, total = {}, 0, 0, 0, nil
  return function()
    i = i + 1
    while buf[i] == nil do
      if total and seen >= total then return nil end
      page = page + 1
      local items, t = fetch(page)
      if items == nil then errors.raise(t) end
      total = t
      if #items == 0 then return nil end
      buf, i = items, 1
      seen = seen + #items
    end
    return buf[i]
  end
end

return M
