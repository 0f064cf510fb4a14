--- slsh.transport: the one request pipeline under every client (SLS,
-- RAM, KMS, STS): credentials, signing (fresh on every attempt), the HTTP
-- engine, retries with capped exponential backoff and full jitter,
-- token-bucket rate limits that slow down when throttled, clock-skew
-- correction, error objects, and the -v trace with secrets redacted.
--
-- A client describes a request as a table and gives a `sign` function;
-- this module does the rest:
--
--   local t = transport.new{service = "sls", credentials = provider, ...}
--   local res, err = t:send{
--     action = "GetLogStore", method = "GET", host = "...", path = "/...",
--     query = {k = v}, headers = {}, body = nil,
--     sign = function(req, cred, now) ... return headers end,
--     parse_error = function(res) return code, message, request_id end,
--   }

local http = require "slsh.http"
local task = require "slsh.task"
local host = require "slsh.host.core"
local errors = require "slsh.err"
local sign = require "slsh.sign"

local M = {}

-- Codes worth another attempt: the transient and throttling codes that
-- SLS and the RPC services (RAM, KMS, STS) document as retryable. Other
-- 4xx never are.
local RETRYABLE = {
  InternalServerError = true, ServerBusy = true, RequestTimeout = true,
  MetaOperationQpsLimitExceeded = true, ServiceUnavailable = true,
  InternalError = true, InternalFailure = true, UnknownError = true,
  SerivceUnavailableTemporary = true, ["Rejected.Throttling"] = true,
  network = true, timeout = true,
}

-- The data plane's throttling answers (PutLogs, PullLogs; HTTP 403).
local DATA_THROTTLE = {
  WriteQuotaExceed = true, ReadQuotaExceed = true,
  ShardWriteQuotaExceed = true, ShardReadQuotaExceed = true,
}

-- Throttling answers also slow the bucket of that service and host.
local function is_throttle(code)
  return code == "MetaOperationQpsLimitExceeded" or code:find("^Throttling") ~= nil
      or code == "Rejected.Throttling" or DATA_THROTTLE[code] == true
end

local function is_retryable(code, status)
  if RETRYABLE[code] or is_throttle(code) then return true end
  return status ~= nil and status >= 500 and status <= 599
end

-- The service says temporary credentials have expired.
local TOKEN_EXPIRED = {
  SecurityTokenExpired = true, ["InvalidSecurityToken.Expired"] = true,
}

local SKEW_CODES = {
  RequestTimeExpired = true, ["InvalidTimeStamp.Expired"] = true,
  RequestTimeTooSkewed = true,
}

-- Process-wide state: clock offset (server minus local), buckets, shared
-- HTTP clients (one per connect-to/CA/timeout, so connections are reused
-- by every client of the script).
local clock = { offset = 0, warned = false }
local buckets = {}
local clients = {}

--- transport.clock_offset() -> seconds added to the local clock.
function M.clock_offset() return clock.offset end

--- transport.reset_clock(): forget the offset and the warning (tests:
-- the offset is process-wide, so independent specs reset it).
function M.reset_clock()
  clock.offset, clock.warned = 0, false
end

--- transport.reset_buckets(): forget every token bucket (tests: buckets
-- are process-wide, and a throttled one stays slow for a while).
function M.reset_buckets()
  buckets = {}
end

--- transport.now() -> the corrected epoch time used for signing.
function M.now()
  return math.floor(host.time() + clock.offset)
end

-- A token bucket per service and host: for SLS every project is its own
-- host (project.region.log.aliyuncs.com), and the region endpoint, which
-- serves ListProject, is another; an RPC service has one endpoint. `rate`
-- tokens a second, burst of max(1, rate); qps 0 is no limit. A throttling
-- answer halves the rate (not below 1/8 of the ceiling); each success
-- creeps it back up. An unlimited bucket that is throttled starts from
-- half the rate it was sending at, and is unlimited again once it has
-- crept back up to that rate.
local Bucket = {}
Bucket.__index = Bucket

-- The services' limits are per account: the clients of a member account
-- (their credentials provider names it, see slsh.accounts) have buckets
-- of their own, apart from the caller's and the other members'.
local function bucket_for(service, host_name, qps, account)
  local key = service .. " " .. host_name .. (account and (" " .. account) or "")
  local b = buckets[key]
  if not b then
    b = setmetatable({ base = qps, rate = qps, ceiling = qps,
                       tokens = math.max(1, qps), stamp = host.monotime(),
                       sent = 0, window = host.monotime(), sending = 0,
                       waits = 0, slowed = 0 }, Bucket)
    buckets[key] = b
  elseif qps ~= b.base then
    -- another client of the same host with its own qps: keep how far
    -- throttling has slowed the bucket, relative to the new rate
    if qps == 0 or b.base == 0 then
      b.rate, b.ceiling = qps, qps
    else
      b.rate = qps * (b.rate / b.ceiling)
      b.ceiling = qps
    end
    b.base = qps
    b.tokens = math.min(b.tokens, math.max(1, qps))
  end
  return b
end

function Bucket:take()
  while true do
    local now = host.monotime()
    if self.rate == 0 then
      -- no limit; count what goes out, in case a throttle needs a start
      if now - self.window >= 1 then
        self.sending = self.sent / (now - self.window)
        self.sent, self.window = 0, now
      end
      self.sent = self.sent + 1
      return
    end
    self.tokens = math.min(math.max(1, self.rate), self.tokens + (now - self.stamp) * self.rate)
    self.stamp = now
    if self.tokens >= 1 then
      self.tokens = self.tokens - 1
      return
    end
    self.waits = self.waits + 1
    task.sleep((1 - self.tokens) / self.rate)
  end
end

function Bucket:slow()
  self.slowed = self.slowed + 1
  if self.rate == 0 then
    local now = host.monotime()
    local recent = self.sent / math.max(0.001, now - self.window)
    self.ceiling = math.max(1, self.sending, recent)
    self.rate = math.max(1, self.ceiling / 2)
    self.tokens, self.stamp = math.min(1, self.rate), now
    return
  end
  self.rate = math.max(self.ceiling / 8, self.rate / 2)
end

function Bucket:ok()
  if self.rate == 0 then return end
  if self.rate < self.ceiling then
    self.rate = math.min(self.ceiling, self.rate + self.ceiling / 50)
  elseif self.base == 0 then
    self.rate, self.sent, self.window = 0, 0, host.monotime()
  end
end

--- transport.buckets() -> {["service host[ account]"] = {qps=, rate=, waits=,
-- slowed=}}: the token buckets so far (tests, -v diagnostics). rate 0 is
-- no limit; waits counts the times a request had to wait for a token.
function M.buckets()
  local out = {}
  for k, b in pairs(buckets) do
    out[k] = { qps = b.base, rate = b.rate, waits = b.waits, slowed = b.slowed }
  end
  return out
end

-- RFC 1123 date of a response -> epoch, or nil.
local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                 Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }
local function parse_http_date(s)
  if type(s) ~= "string" then return nil end
  local d, mon, y, hh, mm, ss = s:match("%a+, (%d+) (%a+) (%d+) (%d+):(%d+):(%d+) GMT")
  if not d or not MONTHS[mon] then return nil end
  -- days from civil (Howard Hinnant), so no dependence on the local zone
  y, mon, d = tonumber(y), MONTHS[mon], tonumber(d)
  if mon <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local mp = (mon + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
end
M.parse_http_date = parse_http_date

-- Largest correction we accept from a server's Date header: a server that
-- claims a time days away is broken, not our clock (a 1970 Date broke the
-- OSS Android SDK's clock correction in the field).
local MAX_SKEW = 24 * 3600

-- Take the offset from a skew answer; true when it was sane and adopted.
local function correct_clock(res, trace)
  local server = parse_http_date(res and res.headers and res.headers["date"])
  if not server then return false end
  local offset = server - host.time()
  if math.abs(offset) > MAX_SKEW then
    trace(string.format("server Date %s is %d s away: not adopted",
                        res.headers["date"], math.floor(offset)))
    return false
  end
  clock.offset = offset
  if not clock.warned then
    clock.warned = true
    io.stderr:write(string.format(
      "slsh: warning: the local clock is %d s %s the service's; signing with "
      .. "the service's time from now on\n", math.floor(math.abs(offset) + 0.5),
      offset > 0 and "behind" or "ahead of"))
  end
  return true
end

-- Strings that must never be printed: the secret and token of `cred`.
local function scrubber(cred)
  local secrets = {}
  if cred then
    local s, t = cred:secret(), cred:token()
    if s and #s >= 4 then secrets[#secrets + 1] = s end
    if t and #t >= 4 then secrets[#secrets + 1] = t end
  end
  return function(text)
    if type(text) ~= "string" then return text end
    for _, s in ipairs(secrets) do
      local i = text:find(s, 1, true)
      while i do
        text = text:sub(1, i - 1) .. "***" .. text:sub(i + #s)
        i = text:find(s, 1, true)
      end
    end
    return text
  end
end

-- A signature mismatch answer echoes what the server signed: RPC V1 its
-- string to sign (every parameter, the SecurityToken included), ACS3 its
-- canonical request (every signed header, x-acs-security-token
-- included). Keep only the sentence before it, whatever the code.
local function safe_message(message)
  if type(message) ~= "string" then return message end
  message = message:gsub("%s*[Ss]erver string to sign is:.*$", "")
  message = message:gsub("%s*[Ss]erver canonical request is:.*$", "")
  return message
end

--- transport.new(opts) -> transport
-- opts: service ("sls", "ram", "kms", "sts"), endpoint (the client's
-- endpoint), credentials (a provider with :get()), connect_to, ca_file,
-- timeout (s), qps (requests a second per host, default 50; 0 = no
-- limit: each SLS project host, the SLS region endpoint and each RPC
-- endpoint has a bucket of its own), bucket (a name: requests with
-- another one have a rate of their own, as the SLS data plane has limits
-- of its own), retries (extra attempts, default 4), retry_time (total
-- seconds, default 60), verbose (0, 1, 2), max_body. connect_to, ca_file
-- and verbose default to slsh.config (the table of require "slsh").
function M.new(opts)
  if opts.qps ~= nil and (type(opts.qps) ~= "number" or opts.qps ~= opts.qps or opts.qps < 0) then
    error("transport.new: qps must be a number >= 0 (0 = no limit)", 2)
  end
  local config = require("slsh").config
  local connect_to = opts.connect_to or config.connect_to
  local ca_file = opts.ca_file or config.ca_file
  local timeout = opts.timeout or 30
  local key = table.concat({ tostring(connect_to), tostring(ca_file),
                             tostring(timeout), tostring(opts.max_body) }, "|")
  local client = clients[key]
  if not client then
    client = http.client { connect_to = connect_to, ca_file = ca_file,
                           timeout = timeout, max_body = opts.max_body }
    clients[key] = client
  end
  return setmetatable({
    service = opts.service,
    endpoint = opts.endpoint,
    credentials = opts.credentials,
    account = type(opts.credentials) == "table" and opts.credentials.account or nil,
    http = client,
    qps = opts.qps or 50,
    retries = opts.retries or 4,
    retry_time = opts.retry_time or 60,
    base_delay = opts.base_delay or 0.2,
    max_delay = opts.max_delay or 20,
    verbose = opts.verbose or config.verbose or 0,
    bucket = opts.bucket and (opts.service .. "/" .. opts.bucket) or opts.service,
  }, { __index = M })
end

function M:trace(level, msg)
  if self.verbose >= level then
    io.stderr:write("slsh: ", msg, "\n")
  end
end

-- Headers whose values are credentials: never traced, whatever they hold.
local SECRET_HEADERS = {
  authorization = true, ["x-acs-security-token"] = true,
  ["x-acs-signature"] = true,
}
-- Form parameters of an RPC V1 body that are never traced.
local SECRET_PARAMS = { Signature = true, SecurityToken = true }

-- -v -v: the headers (and an RPC form body) of one attempt, with every
-- credential replaced by ***, one line each, in a stable order.
local function trace_detail(self, arrow, headers, form, scrub)
  if self.verbose < 2 then return end
  local names = {}
  for k in pairs(headers or {}) do names[#names + 1] = k end
  table.sort(names, function(x, y) return x:lower() < y:lower() end)
  for _, k in ipairs(names) do
    local v = SECRET_HEADERS[k:lower()] and "***" or scrub(tostring(headers[k]))
    self:trace(2, "  " .. arrow .. " " .. k .. ": " .. v)
  end
  if form then
    local parts = {}
    for pair in form:gmatch("[^&]+") do
      local name = pair:match("^[^=]*")
      parts[#parts + 1] = SECRET_PARAMS[name] and (name .. "=***") or scrub(pair)
    end
    self:trace(2, "  " .. arrow .. " form: " .. table.concat(parts, "&"))
  end
end

-- curl codes of a failure before any byte of the request was sent:
-- resolving the proxy or the host, connecting.
local NOT_SENT = { [5] = true, [6] = true, [7] = true }

-- True when a request that failed without an answer may have reached the
-- service (and been carried out): a dropped connection ("Empty reply from
-- server"), a reset, a timeout. Such a request marked no_resend is never
-- sent again by the retry loop; GETs and creates that recognise their own
-- first attempt may be.
local function may_have_arrived(res, err)
  if res then return false end
  return (err.code == "network" or err.code == "timeout") and not NOT_SENT[err.curl_code]
end

-- Seconds a throttled or failed answer asks us to wait, or nil.
local function retry_after(res)
  local h = res and res.headers
  if not h then return nil end
  local ms = tonumber(h["x-acs-retry-after"])
  if ms and ms > 0 then return ms / 1000 end
  local s = tonumber(h["retry-after"])
  if s and s >= 0 then return s end
  return nil
end

-- Build the error object for an answer with status >= 400.
local function answer_error(self, req, res, scrub)
  local code, message, request_id = req.parse_error(res)
  code = code or ("HTTP" .. res.status)
  message = scrub(safe_message(message or ("HTTP status " .. res.status)))
  return errors.new {
    code = code, message = message, status = res.status, request_id = request_id,
    service = self.service, action = req.action,
    retryable = is_retryable(code, res.status),
  }
end

--- transport:send(req) -> response | nil, err
-- req: action, method, host, path, query (decoded values), headers, body,
-- sign(req, cred, now) -> headers table (with the authorization) and,
-- when the body depends on the attempt (RPC forms), the body; parse_error(res) ->
-- code, message, request_id.
-- `no_resend`: not sent again after a failure that may have reached the
-- service (the caller then does not know whether it was carried out).
-- Every attempt is signed afresh (new date, new nonce). Retries stop
-- after `retries` extra attempts, or when the next wait would end after
-- `retry_time` seconds from the start.
function M:send(req)
  local bucket = bucket_for(self.bucket, req.host, self.qps, self.account)
  local started = host.monotime()
  local skew_retried, refreshed = false, false
  local attempt = 0
  local url = "https://" .. req.host .. req.path
  -- RFC 3986-encoded and sorted: the same text every signer canonicalises.
  local qs = req.query and sign.rpc_query(req.query)
  if qs and qs ~= "" then url = url .. "?" .. qs end
  local line = string.format("%s %s %s %s", self.service, req.action or "-",
                             req.method, url:sub(9))
  while true do
    attempt = attempt + 1
    bucket:take()
    local cred, cerr = self.credentials:get()
    if not cred then return nil, cerr end
    local scrub = scrubber(cred)
    local headers, body = req.sign(req, cred, M.now())
    body = body or req.body
    local form = headers["Content-Type"] == "application/x-www-form-urlencoded" and body
    trace_detail(self, ">", headers, form or nil, scrub)
    local t0 = host.monotime()
    local res, err = self.http:request { method = req.method, url = url,
                                         headers = headers, body = body }
    local took = host.monotime() - t0
    local code, status
    if res then
      status = res.status
      local rid = res.headers["x-log-requestid"] or res.headers["x-acs-request-id"]
      trace_detail(self, "<", res.headers, nil, scrub)
      if status < 400 then
        bucket:ok()
        self:trace(1, string.format("%s -> %d (request %s) attempt %d %.3fs", line,
                                    status, tostring(rid or "-"), attempt, took))
        return res
      end
      err = answer_error(self, req, res, scrub)
      err.request_id = err.request_id or rid
      code = err.code
    else
      code = err.code
      err.service, err.action = self.service, req.action
      err.message = scrub(err.message)
    end
    self:trace(1, string.format("%s -> %s %s (request %s) attempt %d %.3fs", line,
                                tostring(status or "-"), code,
                                tostring(err.request_id or "-"), attempt, took))
    local retry, delay = false, 0
    if SKEW_CODES[code] and not skew_retried and correct_clock(res, function(m)
          self:trace(1, m) end) then
      skew_retried, retry = true, true
    elseif TOKEN_EXPIRED[code] and not refreshed
           and type(self.credentials.invalidate) == "function" then
      -- Temporary credentials ran out before the provider thought so
      -- (another clock, a revoked session): fetch fresh ones, once.
      self:trace(1, "the security token expired: fetching fresh credentials")
      self.credentials:invalidate()
      refreshed, retry = true, true
    elseif req.no_resend and may_have_arrived(res, err) then
      err.maybe_written = true
      if not err.message:find("not sent again", 1, true) then
        err.message = err.message .. "; " .. (req.action or req.method)
          .. " may have been carried out and was not sent again"
      end
    elseif is_retryable(code, status) and attempt <= self.retries then
      if code and is_throttle(code) then bucket:slow() end
      local cap = math.min(self.max_delay, self.base_delay * 2 ^ (attempt - 1))
      delay = math.random() * cap
      local asked = retry_after(res)
      -- The service's own wait wins over the backoff cap; retry_time
      -- (below) still bounds how long we are willing to wait in all.
      if asked then delay = math.max(delay, asked) end
      retry = host.monotime() + delay - started < self.retry_time
      if not retry then
        self:trace(1, string.format("not retrying %s: the %.2fs wait would pass the "
                                    .. "%gs retry time", req.action or req.path,
                                    delay, self.retry_time))
      end
    end
    if not retry then
      err.attempts = attempt
      return nil, err
    end
    if delay > 0 then
      self:trace(1, string.format("retrying %s in %.2fs", req.action or req.path, delay))
      task.sleep(delay)
    end
  end
end

return M
