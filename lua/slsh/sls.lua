--- slsh.sls: the Simple Log Service client.
--
--   local sls = slsh.sls.client{region = "cn-hangzhou"}
--   for p in sls:projects() do print(p.projectName) end
--   local ls = assert(sls:get_logstore("my-project", "my-logstore"))
--   local r = assert(sls:set_encryption("my-project", "my-logstore",
--     slsh.encrypt_conf.byok{cmk_key_id = "key-...", region_id = "cn-hangzhou",
--                            arn = "acs:ram::123:role/slsh-byok-role"}))
--   print(r.action, r.reason)
--
-- Writes are read-modify-write of the complete logstore: GET, check the
-- answer in full, merge, PUT with every field the service returned
-- (read-only ones left out), GET again, check it, and verify that every
-- intended change is there. A caller that has just read the logstore
-- (to plan the change) passes that read as `current`, checked again
-- instead of read again: three requests per change. An illegal encryption change, an answer that
-- is not a complete logstore and every misuse stop before anything is
-- written. A PUT that was accepted but whose read-back failed is reported
-- as `unverified` (written, request id of the PUT), never as a plain
-- failure.

local transport = require "slsh.transport"
local json = require "slsh.json"
local sign = require "slsh.sign"
local errors = require "slsh.err"
local encconf = require "slsh.encrypt_conf"
local common = require "slsh.client_common"
local logs = require "slsh.logs"
local encconf_core = require "slsh.encconf.core"

local M = {}

--- slsh.sls.READ_ONLY: the logstore fields the service sets itself (paths),
-- left out of every body slsh sends. The one list, kept in the C core.
M.READ_ONLY = {}
for i, f in ipairs(encconf_core.readonly_fields) do M.READ_ONLY[i] = f end

--- slsh.sls.creatable(ls) -> body | nil, err
-- The CreateLogStore body that recreates a GetLogStore answer: every field
-- in its order, unknown ones included, minus READ_ONLY. The answer is
-- checked in full first (err.code invalid_logstore).
function M.creatable(ls)
  if type(ls) ~= "table" then
    error("bad argument #1 to 'creatable' (logstore table expected, got " .. type(ls) .. ")", 2)
  end
  return encconf_core.creatable(ls)
end

local Client = {}
Client.__index = Client
Client.__name = "slsh.sls.client"

local API_VERSION = "0.6.0"
local PAGE = 500 -- ListProject and ListLogStores allow at most 500
-- Largest answer read: management answers are kilobytes (a page of 500
-- projects is well under 1 MB); a bigger body is a broken or hostile
-- answer, refused (too_large) before it is parsed.
local MAX_BODY = 10 * 1024 * 1024

-- Fields the service keeps whatever an update says, and so never count as
-- drift after a write (lastModifyTime changes on every write).
local VOLATILE = { lastModifyTime = true }

local OPTIONS = {
  region = "string", profile = "string", credentials = "any", endpoint = "string",
  signature = "string", qps = "number", retries = "number", timeout = "number",
  connect_to = "string", ca_file = "string", verbose = "number",
  signature_method = "string", retry_time = "number", max_body = "number",
  data_qps = "number",
}

--- sls.client{region=, profile=?, credentials=?, endpoint=?, signature="v1"|"v4",
--             signature_method="hmac-sha1"|"hmac-sha256", qps=?, retries=?,
--             timeout=?, connect_to=?, ca_file=?, max_body=?, data_qps=?} -> client
-- data_qps: the rate of the data plane (PullLogs, PutLogs, GetCursor),
-- which has limits of its own, per shard (default 500 per endpoint).
function M.client(opts)
  opts = common.check_options("sls.client", opts, OPTIONS)
  local region = common.region("sls.client", opts)
  local signature = opts.signature or "v1"
  if signature ~= "v1" and signature ~= "v4" then
    error("sls.client: signature must be one of v1, v4, got '" .. signature .. "'", 2)
  end
  local method = opts.signature_method or "hmac-sha1"
  if method ~= "hmac-sha1" and method ~= "hmac-sha256" then
    error("sls.client: signature_method must be one of hmac-sha1, hmac-sha256, got '"
          .. method .. "'", 2)
  end
  local endpoint = opts.endpoint or (region .. ".log.aliyuncs.com")
  endpoint = endpoint:gsub("^https?://", ""):gsub("/+$", "")
  local self = setmetatable({
    region = region,
    endpoint = endpoint,
    signature = signature,
    signature_method = method,
  }, Client)
  local connect_to, ca_file, verbose = common.wire(opts)
  self.transport = transport.new {
    service = "sls", endpoint = endpoint, credentials = common.provider(opts),
    connect_to = connect_to,
    ca_file = ca_file, timeout = opts.timeout, qps = opts.qps,
    retries = opts.retries, retry_time = opts.retry_time, verbose = verbose,
    max_body = opts.max_body or MAX_BODY,
  }
  self.data_transport = transport.new {
    service = "sls", bucket = "data", endpoint = endpoint,
    credentials = common.provider(opts), connect_to = opts.connect_to,
    ca_file = opts.ca_file, timeout = opts.timeout, qps = opts.data_qps or 500,
    retries = opts.retries, retry_time = opts.retry_time, verbose = opts.verbose,
    max_body = opts.max_body or MAX_BODY,
  }
  return self
end

-- Headers and authorization of one attempt (signature V1 or V4).
function Client:sign_request(req, cred, now)
  local h = {}
  for k, v in pairs(req.headers or {}) do h[k] = v end
  h["x-log-apiversion"] = API_VERSION
  -- a compressed body (PutLogs) says its raw size itself
  h["x-log-bodyrawsize"] = h["x-log-bodyrawsize"] or tostring(req.body and #req.body or 0)
  if req.body then h["Content-Type"] = h["Content-Type"] or "application/json" end
  local token = cred:token()
  if token then h["x-acs-security-token"] = token end
  local t = {
    method = req.method, path = req.path, query = req.query, headers = h,
    body = req.body, access_key_id = cred.access_key_id,
    access_key_secret = cred:secret(),
  }
  if self.signature == "v4" then
    h["Host"] = req.host
    h["x-log-date"] = sign.v4_date(now)
    h["x-log-content-sha256"] = sign.sha256_hex(req.body or "")
    t.region = self.region
    h["Authorization"] = sign.sls_v4(t)
  else
    if req.body then h["Content-MD5"] = sign.md5_hex(req.body) end
    h["Date"] = sign.http_date(now)
    h["x-log-signaturemethod"] = self.signature_method
    h["Authorization"] = sign.sls_v1(t)
  end
  return h
end

-- SLS errors: {"errorCode", "errorMessage"} and the x-log-requestid header.
local function parse_error(res)
  local doc = res.body and res.body ~= "" and json.decode(res.body)
  local rid = res.headers["x-log-requestid"]
  if type(doc) == "table" then
    return doc.errorCode, doc.errorMessage, rid
  end
  return nil, string.format("HTTP status %d with a body that is not an SLS error",
                            res.status), rid
end

--- client:request{method=, project=?, path=, query=?, headers=?, body=?,
--                 action=?, no_resend=?, data_plane=?}
--   -> {status=, headers=, body=, json=} | nil, err
-- The raw form every other method uses; `body` may be a table (encoded as
-- JSON, key order kept) or a string. `no_resend`: a request whose
-- connection fails after it may have reached the service is not sent
-- again (the writes that must happen at most once). `data_plane`: sent at
-- the data plane's rate (data_qps) instead of the management plane's.
local REQUEST_FIELDS = {
  method = "string", project = "string", path = "string", query = "table",
  headers = "table", body = "any", action = "string", no_resend = "boolean",
  data_plane = "boolean",
}

function Client:request(req)
  common.check_fields("sls:request", req, REQUEST_FIELDS, { "path" })
  if req.path:sub(1, 1) ~= "/" then
    error("sls:request: field 'path' must be a string starting with '/'", 2)
  end
  local body = req.body
  if type(body) == "table" then body = json.encode(body) end
  if body ~= nil and type(body) ~= "string" then
    error("sls:request: field 'body' must be a table or a string", 2)
  end
  local host = self.endpoint
  if req.project then
    common.check_name("project", req.project)
    host = req.project .. "." .. self.endpoint
  end
  local t = req.data_plane and self.data_transport or self.transport
  local res, err = t:send {
    action = req.action or (req.method or "GET") .. " " .. req.path,
    method = req.method or "GET", host = host, path = req.path, query = req.query,
    headers = req.headers, body = body, no_resend = req.no_resend,
    sign = function(r, cred, now) return self:sign_request(r, cred, now) end,
    parse_error = parse_error,
  }
  if not res then return nil, err end
  res.request_id = res.headers["x-log-requestid"]
  if res.body ~= "" and (res.headers["content-type"] or ""):find("json") then
    local doc, jerr = json.decode(res.body)
    if doc == nil then
      return nil, errors.new { code = "bad_response", service = "sls",
                               action = req.action, status = res.status,
                               request_id = res.request_id,
                               message = "the answer is not valid JSON: " .. jerr.message }
    end
    res.json = doc
  end
  return res
end

-- The JSON answer of a GET, or nil, err.
function Client:get_json(action, project, path, query)
  local res, err = self:request { action = action, project = project, path = path,
                                  query = query }
  if not res then return nil, err end
  if res.json == nil then
    return nil, errors.new { code = "bad_response", service = "sls", action = action,
                             status = res.status, request_id = res.request_id,
                             message = "the answer has no JSON body" }
  end
  return res.json
end

-- A value for a message, cut short.
local function shown(v)
  if v == nil then return "absent" end
  local s = json.encode(v)
  if #s > 80 then s = s:sub(1, 77) .. "..." end
  return s
end

local LIST_FIELDS = { offset = "number", size = "number", name = "string" }
local ITER_FIELDS = { name = "string", page_size = "number" }

-- Check a page of a list answer before it is trusted: an object with
-- integer count and total and a list `key` whose items pass `item_ok`
-- (a page that is not one would otherwise look like an empty or shorter
-- list, and a name from it would later raise as misuse).
local function check_page(doc, action, key, item_ok, what)
  local function bad(field, message)
    return nil, errors.new { code = "bad_response", service = "sls", action = action,
                             field = field,
                             message = "the " .. action .. " answer is not a page of "
                                       .. what .. ": " .. message }
  end
  if type(doc) ~= "table" or json.is_array(doc) then
    return bad(nil, "it is not an object")
  end
  for _, k in ipairs { "count", "total" } do
    if math.type(doc[k]) ~= "integer" or doc[k] < 0 then
      return bad(k, k .. " must be an integer >= 0, got " .. shown(doc[k]))
    end
  end
  local items = doc[key]
  if type(items) ~= "table" or (next(items) ~= nil and not json.is_array(items)) then
    return bad(key, key .. " must be a list, got " .. shown(items))
  end
  for i, item in ipairs(items) do
    if not item_ok(item) then
      return bad(string.format("%s[%d]", key, i), "item " .. i .. " is not " .. what
                 .. ", got " .. shown(item))
    end
  end
  return doc
end

local function is_project(p)
  return type(p) == "table" and common.valid_name("project", p.projectName)
end

local function is_logstore_name(n)
  return common.valid_name("logstore", n)
end

--- client:list_projects{offset=, size=, name=} -> {count=, total=, projects=}
function Client:list_projects(q)
  q = common.check_fields("sls:list_projects", q or {}, LIST_FIELDS, nil, "option")
  local doc, err = self:get_json("ListProject", nil, "/", {
    offset = q.offset or 0, size = q.size or 100, projectName = q.name,
  })
  if not doc then return nil, err end
  return check_page(doc, "ListProject", "projects", is_project, "projects")
end

-- An iterator over pages of a list call: fetch(offset) -> items, total.
-- A failure part-way raises the error object: a loop that simply ended
-- would look like a complete list.
local function pager(fetch)
  local offset, buf, i, total = 0, {}, 0, nil
  return function()
    i = i + 1
    if buf[i] ~= nil then return buf[i] end
    if total and offset >= total then return nil end
    local items, t = fetch(offset)
    if items == nil then errors.raise(t) end
    total = t
    if #items == 0 then return nil end
    offset = offset + #items
    buf, i = items, 1
    return buf[1]
  end
end

--- client:projects{name=?, page_size=?} -> iterator over project tables
-- (pages itself, 500 at a time by default; raises the error object if a
-- page cannot be read).
function Client:projects(q)
  q = common.check_fields("sls:projects", q or {}, ITER_FIELDS, nil, "option")
  return pager(function(offset)
    local r, err = self:list_projects { offset = offset, size = q.page_size or PAGE,
                                        name = q.name }
    if not r then return nil, err end
    return r.projects or {}, r.total or 0
  end)
end

--- client:get_project(p) -> project table | nil, err
function Client:get_project(project)
  common.check_name("project", project)
  return self:get_json("GetProject", project, "/")
end

--- client:list_logstores(p, {offset=, size=, name=}) -> {count=, total=, logstores=}
function Client:list_logstores(project, q)
  common.check_name("project", project)
  q = common.check_fields("sls:list_logstores", q or {}, LIST_FIELDS, nil, "option")
  local doc, err = self:get_json("ListLogStores", project, "/logstores", {
    offset = q.offset or 0, size = q.size or 200, logstoreName = q.name,
  })
  if not doc then return nil, err end
  return check_page(doc, "ListLogStores", "logstores", is_logstore_name, "logstore names")
end

--- client:logstores(p, {name=?, page_size=?}) -> iterator over logstore names
function Client:logstores(project, q)
  common.check_name("project", project)
  q = common.check_fields("sls:logstores", q or {}, ITER_FIELDS, nil, "option")
  return pager(function(offset)
    local r, err = self:list_logstores(project, { offset = offset,
                                                  size = q.page_size or PAGE,
                                                  name = q.name })
    if not r then return nil, err end
    return r.logstores or {}, r.total or 0
  end)
end

-- The logstores this process read and checked, by the table returned:
-- {client=, project=, logstore=}. A write given one as its starting point
-- (option `current`) skips its own GET only for a table found here, read
-- by the same client from the same project and logstore (weak keys: an
-- entry goes with its table).
local read_by = setmetatable({}, { __mode = "k" })

--- client:get_logstore(p, ls) -> logstore table (every field, order kept) | nil, err
-- The answer is checked in full before it is returned: a logstore of
-- another name, a missing or mistyped field, an error object answered
-- with 200, null, is `bad_response` with `field` naming the path. Every
-- write starts from this read, so nothing is ever merged from a bad one.
function Client:get_logstore(project, logstore)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  local res, err = self:request { action = "GetLogStore", project = project,
                                  path = "/logstores/" .. logstore }
  if not res then return nil, err end
  local doc = res.json
  local ok, cerr
  if doc == nil then
    ok, cerr = false, { message = "the answer has no JSON body" }
  else
    ok, cerr = encconf.check_logstore(doc, logstore)
  end
  if not ok then
    return nil, errors.new {
      code = "bad_response", service = "sls", action = "GetLogStore",
      status = res.status, request_id = res.request_id, field = cerr.field,
      message = "the GetLogStore answer is not a complete logstore: " .. cerr.message,
    }
  end
  read_by[doc] = { client = self, project = project, logstore = logstore }
  return doc
end

-- The logstore a write of `who` starts from: `current` when the caller
-- passes the read it planned from (it must be a get_logstore answer of
-- this client for this project and logstore, and is checked against the
-- schema again, since a caller may have changed it since), else a new
-- read. Misuse raises (at the caller of `who`) before anything is sent.
local function starting_point(self, who, project, logstore, current)
  if current == nil then return self:get_logstore(project, logstore) end
  local from = read_by[current]
  if not (from and from.client == self and from.project == project
          and from.logstore == logstore) then
    error(string.format("%s: option 'current' must be the logstore %s/%s as this "
                        .. "client's get_logstore returned it", who, project, logstore), 3)
  end
  local ok, cerr = encconf.check_logstore(current, logstore)
  if not ok then
    error(string.format("%s: option 'current' is not a complete logstore any more "
                        .. "(changed since it was read): %s", who, cerr.message), 3)
  end
  return current
end

-- True when every member of `sent` is in `got` with the same value:
-- objects member by member (the service may add members, such as
-- resourceQuota.storage.used), anything else equal.
local function contains(sent, got)
  if type(sent) == "table" and not json.is_array(sent) and next(sent) ~= nil then
    if type(got) ~= "table" or json.is_array(got) then return false end
    for k, v in pairs(sent) do
      if not contains(v, got[k]) then return false end
    end
    return true
  end
  return json.equal(sent, got)
end

-- The first key of `intended` whose value in `sent` (the body written) is
-- not in `after` (the read-back); nil when all are. An encrypt_conf is
-- compared by the transition rules: the read-back may omit members that
-- mean the same. Keys the body left out (read-only ones) are the
-- service's.
local function missing_change(sent, after, intended)
  local keys = {}
  for k in pairs(intended) do
    if sent[k] ~= nil then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    if k == "encrypt_conf" and type(sent[k]) == "table" then
      if encconf.check_transition(after.encrypt_conf, sent.encrypt_conf) ~= "noop" then
        return k
      end
    elseif not contains(sent[k], after[k]) then
      return k
    end
  end
  return nil
end

--- client:create_logstore(p, body) -> true | nil, err
-- A create is not idempotent: when an attempt was retried and the service
-- then says LogStoreAlreadyExist, the logstore is read back (and checked)
-- and every field of `body` compared, instead of reporting a failure that
-- may have been our own first attempt succeeding.
function Client:create_logstore(project, body)
  common.check_name("project", project)
  if type(body) ~= "table" then error("sls:create_logstore: body must be a table", 2) end
  local name = body.logstoreName
  common.check_name("logstore", name)
  local conf = body.encrypt_conf
  if conf ~= nil and conf ~= json.null and type(conf) ~= "table" then
    error("sls:create_logstore: body.encrypt_conf must be an encrypt_conf table (from "
          .. "slsh.encrypt_conf.byok{...} or service_key{...}), got " .. type(conf), 2)
  end
  if type(conf) == "table" then
    local ok, err = encconf.validate(conf)
    if not ok then return nil, err end
  end
  -- the known fields of their types and ranges (ttl "7" or 0, shardCount
  -- missing): refused here rather than sent
  local ok, berr = encconf_core.check_body(body)
  if not ok then return nil, berr end
  local res, err = self:request { action = "CreateLogStore", method = "POST",
                                  project = project, path = "/logstores", body = body }
  if res then return true end
  if err.code == "LogStoreAlreadyExist" and (err.attempts or 1) > 1 then
    local cur, gerr = self:get_logstore(project, name)
    if not cur then
      err.cause = gerr
      return nil, err
    end
    local intended = {}
    for k in pairs(body) do intended[k] = true end
    if not missing_change(body, cur, intended) then return true end
  end
  return nil, err
end

--- client:delete_logstore(p, ls) -> true | nil, err
function Client:delete_logstore(project, logstore)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  local res, err = self:request { action = "DeleteLogStore", method = "DELETE",
                                  project = project, path = "/logstores/" .. logstore }
  if not res then return nil, err end
  return true
end

-- Changes between `before` and `after` outside the keys meant to change.
local function drift_of(before, after, intended)
  local drift = {}
  for _, d in ipairs(json.diff(before, after)) do
    local top = d.path:match("^[^.%[]+")
    if not intended[top] and not VOLATILE[top] then drift[#drift + 1] = d end
  end
  return drift
end

-- The error of a write that the service accepted (`put`, its response)
-- but that could not be verified: the read-back failed (`cause`).
local function unverified(action, put, cause)
  return errors.new {
    code = "unverified", service = "sls", action = action, written = true,
    request_id = put.request_id, cause = cause,
    message = string.format("written (request %s) but not verified: %s",
                            tostring(put.request_id or "unknown"), tostring(cause)),
  }
end

-- Send one write `req` (no_resend), then read the logstore back, check
-- it, and verify that every key of `intended` has in it the value of
-- `sent`. -> after, drift | nil, err (unverified or drift when the write
-- was accepted: err.written, err.request_id of the write).
local function write_and_verify(self, project, logstore, req, before, sent, intended)
  req.project, req.no_resend = project, true
  local put, err = self:request(req)
  if not put then return nil, err end
  local after, gerr = self:get_logstore(project, logstore)
  if not after then return nil, unverified(req.action, put, gerr) end
  local key = missing_change(sent, after, intended)
  if key then
    return nil, errors.new {
      code = "drift", service = "sls", action = req.action, written = true,
      request_id = put.request_id, field = key,
      message = string.format("written (request %s) but the logstore read back has %s "
                              .. "%s where %s was written", tostring(put.request_id
                              or "unknown"), key, shown(after[key]), shown(sent[key])),
    }
  end
  return after, drift_of(before, after, intended)
end

-- PUT the complete body `body`, read back, check, verify and compare.
-- Internal: the body is sent as it is, so only update_logstore and
-- set_encryption, which build it by the merge rules (encrypt_conf
-- transitions, no shorter retention, a complete body for the
-- full-replace service), may call it.
local function put_and_verify(self, project, logstore, before, body, intended)
  return write_and_verify(self, project, logstore, {
    action = "UpdateLogStore", method = "PUT", path = "/logstores/" .. logstore,
    body = body,
  }, before, body, intended)
end

local UPDATE_OPTIONS = {
  allow_shorter_retention = "boolean", allow_mode_change = "boolean",
  allow_telemetry_type_change = "boolean", dry_run = "boolean", current = "table",
}

--- client:update_logstore(p, ls, changes, {allow_shorter_retention=?,
--     allow_mode_change=?, allow_telemetry_type_change=?, dry_run=?, current=?})
--   -> {config=, diff=, drift=} | nil, err
-- GET (checked), merge `changes` into the complete logstore (encrypt_conf
-- kept and transition-checked; ttl, hot_ttl, infrequentAccessTTL never
-- lowered unless allowed), PUT, GET, verify, compare. `drift` lists
-- fields other than the changed ones that the service altered.
-- `current`: the logstore as this client's get_logstore returned it,
-- merged from instead of reading it again (checked again first).
function Client:update_logstore(project, logstore, changes, opts)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  if type(changes) ~= "table" then error("sls:update_logstore: changes must be a table", 2) end
  opts = common.check_fields("sls:update_logstore", opts or {}, UPDATE_OPTIONS, nil, "option")
  local before, err = starting_point(self, "sls:update_logstore", project, logstore,
                                     opts.current)
  if not before then return nil, err end
  local body, merr = encconf.merge_changes(before, changes, {
    allow_shorter_retention = opts.allow_shorter_retention,
    allow_mode_change = opts.allow_mode_change,
    allow_telemetry_type_change = opts.allow_telemetry_type_change })
  if not body then return nil, merr end
  local intended = {}
  for k in pairs(changes) do intended[k] = true end
  if opts.dry_run then
    return { config = before, body = body, diff = json.diff(before, body), drift = {},
             dry_run = true }
  end
  local after, drift = put_and_verify(self, project, logstore, before, body, intended)
  if not after then return nil, drift end
  return { config = after, diff = json.diff(before, after), drift = drift }
end

-- The action a transition kind means for the caller.
local function action_of(kind, conf)
  -- a first choice written disabled is permanent but encrypts nothing:
  -- saying "encrypted" would claim data is protected when it is not
  if kind == "create" then return conf.enable and "encrypted" or "configured" end
  if kind == "noop" then return "unchanged" end
  return conf.enable and "enabled" or "disabled"
end

local ENCRYPTION_OPTIONS = { dry_run = "boolean", via = "string", current = "table" }

--- client:set_encryption(p, ls, conf, {dry_run=?, via="update"|"encryption_api",
--                                      current=?})
--   -> {action=, reason=, before=, after=, drift=} | nil, err
-- action: encrypted, configured (a first choice written disabled),
-- enabled, disabled, unchanged or refused. A refused
-- change is not an error of the call: nothing is sent and `reason` says
-- why (with `code`, e.g. mechanism_locked). `current`: the logstore as
-- this client's get_logstore returned it (the read a caller planned
-- from), the starting point instead of a new GET: a change costs a PUT
-- and the read-back.
function Client:set_encryption(project, logstore, conf, opts)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  if type(conf) ~= "table" then
    error("sls:set_encryption: conf must be an encrypt_conf table (from "
          .. "slsh.encrypt_conf.byok{...}, service_key{...} or with_enable), got "
          .. type(conf), 2)
  end
  opts = common.check_fields("sls:set_encryption", opts or {}, ENCRYPTION_OPTIONS, nil,
                             "option")
  local via = opts.via or "update"
  if via ~= "update" and via ~= "encryption_api" then
    error("sls:set_encryption: option 'via' must be one of update, encryption_api, got '"
          .. via .. "'", 2)
  end
  local ok, verr = encconf.validate(conf)
  if not ok then return nil, verr end
  local before, err = starting_point(self, "sls:set_encryption", project, logstore,
                                     opts.current)
  if not before then return nil, err end
  local current = before.encrypt_conf
  local kind, terr = encconf.check_transition(current, conf)
  if not kind then
    return { action = "refused", reason = terr.message, code = terr.code,
             before = current }
  end
  local action = action_of(kind, conf)
  local result = { action = action, before = current, after = conf }
  if kind == "create" then
    result.reason = "first encryption config (permanent: only enable can change later)"
  elseif kind == "toggle" then
    result.reason = "only enable changes"
  else
    result.reason = "already as wanted"
  end
  if kind == "noop" or opts.dry_run then
    result.dry_run = opts.dry_run or nil
    return result
  end
  local after, drift
  if via == "encryption_api" then
    after, drift = write_and_verify(self, project, logstore, {
      action = "UpdateLogStoreEncryption", method = "PUT",
      path = "/logstores/" .. logstore .. "/encryption", body = encconf.to_api(conf),
    }, before, { encrypt_conf = conf }, { encrypt_conf = true })
  else
    local body, merr = encconf.merge(before, conf)
    if not body then return nil, merr end
    after, drift = put_and_verify(self, project, logstore, before, body,
                                  { encrypt_conf = true })
  end
  if not after then return nil, drift end
  result.after = after.encrypt_conf
  result.drift = drift
  return result
end

-- The value of a `value, err` pair, or raise the error object.
local function assert_ok(v, err)
  if v == nil then errors.raise(err, 3) end
  return v
end

-- A bad_response error of `action`.
local function bad(action, res, message, field)
  return nil, errors.new { code = "bad_response", service = "sls", action = action,
                           status = res and res.status,
                           request_id = res and res.request_id, field = field,
                           message = "the " .. action .. " answer " .. message }
end

local function is_object(v)
  return type(v) == "table" and not json.is_array(v)
end

--- client:get_index(p, ls) -> index config | nil, err
-- The whole config, unknown keys included (err.code IndexConfigNotExist
-- when the logstore has none). lastModifyTime is the service's.
function Client:get_index(project, logstore)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  local doc, err = self:get_json("GetIndex", project, "/logstores/" .. logstore .. "/index")
  if not doc then return nil, err end
  if not is_object(doc) or (doc.line == nil and doc.keys == nil) then
    return bad("GetIndex", nil, "is not an index config (no line, no keys)")
  end
  return doc
end

-- Send an index config (CreateIndex or UpdateIndex): the config minus
-- what the service sets. A create is not sent again after a failure that
-- may have reached the service; an update (a full replace) may be.
local function write_index(self, who, action, method, project, logstore, index)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  if not is_object(index) then
    error(who .. ": index must be an index config table, got " .. type(index), 3)
  end
  local body = json.decode(json.encode(index))
  body.lastModifyTime = nil
  local res, err = self:request { action = action, method = method, project = project,
                                  path = "/logstores/" .. logstore .. "/index", body = body,
                                  no_resend = action == "CreateIndex" }
  if not res then return nil, err end
  return true
end

--- client:create_index(p, ls, index) -> true | nil, err
function Client:create_index(project, logstore, index)
  return write_index(self, "sls:create_index", "CreateIndex", "POST", project, logstore, index)
end

--- client:update_index(p, ls, index) -> true | nil, err (a full replace)
function Client:update_index(project, logstore, index)
  return write_index(self, "sls:update_index", "UpdateIndex", "PUT", project, logstore, index)
end

--- client:shards(p, ls) -> list of {shardID=, status=, inclusiveBeginKey=,
--     exclusiveEndKey=, ...}, ordered by shardID | nil, err
function Client:shards(project, logstore)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  local doc, err = self:get_json("ListShards", project, "/logstores/" .. logstore .. "/shards")
  if not doc then return nil, err end
  if type(doc) ~= "table" or (next(doc) ~= nil and not json.is_array(doc)) then
    return bad("ListShards", nil, "is not a list of shards")
  end
  for i, sh in ipairs(doc) do
    if not is_object(sh) or math.type(sh.shardID) ~= "integer" or sh.shardID < 0
       or type(sh.inclusiveBeginKey) ~= "string" then
      return bad("ListShards", nil, "has a shard " .. i .. " without an integer shardID "
                 .. "and an inclusiveBeginKey", string.format("[%d]", i))
    end
  end
  table.sort(doc, function(a, b) return a.shardID < b.shardID end)
  return doc
end

local function check_shard(who, shard)
  if math.type(shard) ~= "integer" or shard < 0 then
    error(who .. ": shard must be an integer >= 0, got " .. tostring(shard), 3)
  end
end

--- client:cursor(p, ls, shard, from) -> cursor | nil, err
-- from: "begin", "end" or unix seconds (the time the service received the
-- data).
function Client:cursor(project, logstore, shard, from)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  check_shard("sls:cursor", shard)
  if from ~= "begin" and from ~= "end" and math.type(from) ~= "integer" then
    error("sls:cursor: from must be 'begin', 'end' or integer unix seconds, got "
          .. tostring(from), 2)
  end
  local res, err = self:request { action = "GetCursor", project = project, data_plane = true,
                                  path = "/logstores/" .. logstore .. "/shards/" .. shard,
                                  query = { type = "cursor", from = tostring(from) } }
  if not res then return nil, err end
  local doc = res.json
  if not is_object(doc) or type(doc.cursor) ~= "string" or doc.cursor == "" then
    return bad("GetCursor", nil, "has no cursor", "cursor")
  end
  return doc.cursor
end

local PULL_OPTIONS = { count = "number", end_cursor = "string" }

--- client:pull_logs(p, ls, shard, cursor, {count=?, end_cursor=?})
--   -> groups, next_cursor, {bytes=, raw_bytes=, request_id=} | nil, err
-- Up to `count` (1..1000, default 100) log groups from `cursor` (and
-- before end_cursor), decoded (slsh.logs). next_cursor == cursor: nothing
-- more for now.
function Client:pull_logs(project, logstore, shard, cursor, opts)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  check_shard("sls:pull_logs", shard)
  if type(cursor) ~= "string" or cursor == "" then
    error("sls:pull_logs: cursor must be a non-empty string (from sls:cursor)", 2)
  end
  opts = common.check_fields("sls:pull_logs", opts or {}, PULL_OPTIONS, nil, "option")
  local count = opts.count or 100
  if math.type(count) ~= "integer" or count < 1 or count > 1000 then
    error("sls:pull_logs: option 'count' must be an integer 1-1000, got " .. tostring(count), 2)
  end
  local res, err = self:request {
    action = "PullLogs", project = project, data_plane = true,
    path = "/logstores/" .. logstore .. "/shards/" .. shard,
    query = { type = "logs", cursor = cursor, count = tostring(count),
              end_cursor = opts.end_cursor },
    headers = { Accept = "application/x-protobuf", ["Accept-Encoding"] = "lz4" },
  }
  if not res then return nil, err end
  local h = res.headers
  local nextc, n = h["x-log-cursor"], tonumber(h["x-log-count"] or "")
  local raw = tonumber(h["x-log-bodyrawsize"] or "")
  if type(nextc) ~= "string" or nextc == "" or not n or math.type(n) ~= "integer" then
    return bad("PullLogs", res, "has no x-log-cursor or x-log-count")
  end
  local body = res.body or ""
  local ctype = h["x-log-compresstype"]
  if ctype == "lz4" then
    if not raw or math.type(raw) ~= "integer" then
      return bad("PullLogs", res, "is lz4 without an integer x-log-bodyrawsize")
    end
    local plain, derr = logs.decompress(body, raw)
    if not plain then return bad("PullLogs", res, derr.message) end
    body = plain
  elseif ctype and ctype ~= "" then
    return bad("PullLogs", res, "is compressed with " .. ctype .. ", which was not asked for")
  end
  local groups, gerr = logs.decode(body)
  if not groups then return bad("PullLogs", res, gerr.message) end
  if #groups ~= n then
    return bad("PullLogs", res, string.format("says %d groups but holds %d", n, #groups))
  end
  return groups, nextc, { bytes = #(res.body or ""), raw_bytes = #body,
                          request_id = res.request_id }
end

--- client:pull_range(p, ls, shard, from, to, {count=?})
--   -> iterator: groups, cursor, next_cursor
-- Every log group the shard received in [from, to) (unix seconds,
-- "begin", "end"), batch by batch; `cursor` is where the batch started.
-- A failure raises the error object (an iteration that ended quietly
-- would look complete).
function Client:pull_range(project, logstore, shard, from, to, opts)
  opts = common.check_fields("sls:pull_range", opts or {}, { count = "number" }, nil, "option")
  local cursor = assert_ok(self:cursor(project, logstore, shard, from or "begin"))
  local stop = assert_ok(self:cursor(project, logstore, shard, to or "end"))
  return function()
    if cursor == stop then return nil end
    local groups, nextc = self:pull_logs(project, logstore, shard, cursor,
                                         { count = opts.count, end_cursor = stop })
    if not groups then errors.raise(nextc) end
    if nextc == cursor then return nil end
    local at = cursor
    cursor = nextc
    return groups, at, nextc
  end
end

-- PutLogs limits: a log group of at most 5 MB (raw) and 4096 logs.
M.MAX_GROUP_BYTES = 5 * 1024 * 1024
M.MAX_GROUP_LOGS = 4096

-- The group split so that each part is within the limits: the logs
-- halved until each part's encoding fits. -> list of encoded parts.
local function fit(group)
  local body, err = logs.encode_group(group)
  if not body then return nil, err end
  if #body <= M.MAX_GROUP_BYTES and #group.logs <= M.MAX_GROUP_LOGS then
    return { { body = body, logs = #group.logs } }
  end
  if #group.logs <= 1 then
    return nil, errors.new { code = "too_large", message = string.format(
      "a single log of %d bytes is over the 5 MB a log group may hold", #body) }
  end
  local half = #group.logs // 2
  local out = {}
  for _, part in ipairs { { 1, half }, { half + 1, #group.logs } } do
    local sub = { topic = group.topic, source = group.source, tags = group.tags,
                  logs = table.move(group.logs, part[1], part[2], 1, {}) }
    local parts, perr = fit(sub)
    if not parts then return nil, perr end
    for _, p in ipairs(parts) do out[#out + 1] = p end
  end
  return out
end

local PUT_OPTIONS = { shard_key = "string", compress = "boolean" }

--- client:put_logs(p, ls, groups, {shard_key=?, compress=?})
--   -> {requests=, logs=, bytes=, raw_bytes=} | nil, err
-- One PutLogs per group (a group over 4096 logs or 5 MB is split),
-- lz4-compressed unless compress=false. shard_key: a hex hash key (e.g. a
-- shard's inclusiveBeginKey) choosing the shard; without it the service
-- balances. A PutLogs whose connection failed after it may have arrived
-- is not sent again (err.maybe_written); err.done counts what was
-- written before a failure.
function Client:put_logs(project, logstore, groups, opts)
  common.check_name("project", project)
  common.check_name("logstore", logstore)
  if type(groups) ~= "table" then
    error("sls:put_logs: groups must be a list of log groups, got " .. type(groups), 2)
  end
  if groups.logs ~= nil then groups = { groups } end
  opts = common.check_fields("sls:put_logs", opts or {}, PUT_OPTIONS, nil, "option")
  local key = opts.shard_key
  if key and (not key:match("^%x+$") or #key > 32) then
    error("sls:put_logs: option 'shard_key' must be 1-32 hex digits, got '"
          .. opts.shard_key .. "'", 2)
  end
  local parts = {}
  for _, g in ipairs(groups) do
    local fitted, err = fit(g)
    if not fitted then
      if errors.is(err) then return nil, err end
      error("sls:put_logs: " .. tostring(err), 2)
    end
    for _, p in ipairs(fitted) do parts[#parts + 1] = p end
  end
  local done = { requests = 0, logs = 0, bytes = 0, raw_bytes = 0 }
  local path = "/logstores/" .. logstore .. "/shards/" .. (opts.shard_key and "route" or "lb")
  for _, part in ipairs(parts) do
    local body = part.body
    local headers = { ["Content-Type"] = "application/x-protobuf",
                      ["x-log-bodyrawsize"] = tostring(#body) }
    if opts.compress ~= false then
      local z, zerr = logs.compress(body)
      if not z then return nil, zerr end
      body = z
      headers["x-log-compresstype"] = "lz4"
    end
    if opts.shard_key then headers["x-log-hashkey"] = opts.shard_key end
    local res, err = self:request { action = "PutLogs", method = "POST", project = project,
                                    path = path, headers = headers, body = body,
                                    data_plane = true,
                                    query = opts.shard_key and { key = opts.shard_key } or nil,
                                    no_resend = true }
    if not res then
      err.done = done
      return nil, err
    end
    done.requests = done.requests + 1
    done.logs = done.logs + part.logs
    done.bytes = done.bytes + #body
    done.raw_bytes = done.raw_bytes + #part.body
  end
  return done
end

--- client:create_project(p, {description=?}) -> true | nil, err
function Client:create_project(project, opts)
  common.check_name("project", project)
  opts = common.check_fields("sls:create_project", opts or {}, { description = "string" },
                             nil, "option")
  local res, err = self:request { action = "CreateProject", method = "POST", path = "/",
                                  project = project,
                                  body = { projectName = project,
                                           description = opts.description or "" },
                                  no_resend = true }
  if not res then return nil, err end
  return true
end

return M
