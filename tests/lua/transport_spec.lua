-- slsh.transport, the one request pipeline under SLS, RAM, KMS and STS,
-- over real HTTP against the emulator: keep-alive, retries (bounded,
-- re-signed, Retry-After, classified by code), token buckets slowed by
-- throttling, clock-skew correction. Timings are lower bounds only, except
-- where a bound is what is being proved and the margin is seconds wide.
local cloud = require "cloud"
local transport = require "slsh.transport"
local host = slsh.host

local P = cloud.PROJECT

-- Seconds fn() takes, and its results.
local function timed(fn)
  local t0 = host.monotime()
  local r = table.pack(fn())
  return host.monotime() - t0, table.unpack(r, 1, r.n)
end

-- The emulator's log entries of `action`, oldest first.
local function entries(c, action)
  local out = {}
  for _, e in ipairs(c:log().entries) do
    if e.action == action then out[#out + 1] = e end
  end
  return out
end

-- Replace io.stderr while fn runs; returns what was written.
local function capture_stderr(fn)
  local saved, text = io.stderr, {}
  rawset(io, "stderr", { write = function(self, ...)
    for _, s in ipairs { ... } do text[#text + 1] = tostring(s) end
    return self
  end })
  local ok, err = pcall(fn)
  rawset(io, "stderr", saved)
  if not ok then error(err, 0) end
  return table.concat(text)
end

describe("slsh.transport against the emulator", function()
  local c

  setup(function() c = cloud.start() end)
  teardown(function() c:stop() end)
  before_each(function()
    transport.reset_clock()
    transport.reset_buckets()
    c:faults { next = slsh.json.array {}, qps_limit = 0, clock_offset = 0 }
    c:reset_stats()
  end)

  describe("keep-alive", function()
    it("opens about C connections, not N, for N=60 requests at concurrency C=4", function()
      local fresh = cloud.start()
      local sls = fresh:sls()
      fresh:reset_stats()
      local items = {}
      for i = 1, 60 do items[i] = i end
      local rs, errs, nerr = slsh.task.map(items, function()
        return sls:get_logstore(P, "plain")
      end, { concurrency = 4 })
      assert.equal(0, nerr, slsh.pretty.format(errs))
      assert.equal(60, #rs)
      local st = fresh:stats()
      fresh:stop()
      assert.equal(60, st.by_service.sls.GetLogStore)
      assert.is_true(st.api_connections >= 1 and st.api_connections <= 5,
                     "api_connections = " .. st.api_connections)
    end)
  end)

  describe("the HTTP engine", function()
    -- curl sends a request again by itself when a reused connection dies
    -- under it: the same nonce, the same create, behind the caller's back.
    it("sends a request once: a reused connection that dies is an error", function()
      local client = slsh.http.client { connect_to = c.url }
      local url = "https://" .. P .. ".cn-hangzhou.log.aliyuncs.com/logstores/plain"
      assert(client:request { url = url }) -- opens the connection kept alive
      c:reset_stats()
      c:faults { next = { { drop = "after" } } }
      local res, err = client:request { url = url }
      client:close()
      assert.is_nil(res)
      assert.equal("network", err.code)
      assert.matches("may have been carried out", err.message)
      assert.equal(1, c:stats().requests)
    end)

    it("lets SLS and RAM creates meet their own lost first attempt", function()
      local sls = c:sls { retries = 2 }
      assert(sls:get_logstore(P, "plain"))
      c:faults { next = { { drop = "after", match = { action = "CreateLogStore" } } } }
      assert(sls:create_logstore(P, { logstoreName = "lost-answer", ttl = 7, shardCount = 1 }))
      local es = entries(c, "CreateLogStore")
      assert.equal(2, #es)
      assert.equal("LogStoreAlreadyExist", es[2].error_code)
      assert(sls:delete_logstore(P, "lost-answer"))
    end)
  end)

  describe("retries", function()
    it("retries a 503 and stops after the configured attempts", function()
      c:faults { next = { { status = 503, code = "ServerBusy" },
                          { status = 503, code = "ServerBusy" },
                          { status = 503, code = "ServerBusy" } } }
      local ls, err = c:sls { retries = 2 }:get_logstore(P, "plain")
      assert.is_nil(ls)
      assert.equal("ServerBusy", err.code)
      assert.equal(3, err.attempts)
      assert.is_true(err.retryable)
      assert.equal(3, #entries(c, "GetLogStore"))
      c:faults { next = { { status = 503, code = "ServerBusy" },
                          { status = 500, code = "InternalServerError" } } }
      assert(c:sls { retries = 2 }:get_logstore(P, "plain"))
    end)

    it("retries after a dropped connection", function()
      c:faults { next = { { drop = true } } }
      assert(c:sls { retries = 1 }:get_logstore(P, "plain"))
      local es = entries(c, "GetLogStore")
      assert.equal("dropped", es[1].status)
      assert.equal(200, es[2].status)
    end)

    -- The emulator refuses a SignatureNonce it has seen: an attempt that
    -- reached it and is sent again unchanged would be refused.
    it("the emulator refuses a reused RPC nonce (so the next test can fail)", function()
      local params = { Action = "GetCallerIdentity", Version = "2015-04-01", Format = "JSON",
                       AccessKeyId = cloud.AK.id, SignatureMethod = "HMAC-SHA1",
                       SignatureVersion = "1.0", SignatureNonce = "fixed-nonce-0001",
                       Timestamp = slsh.sign.iso8601(os.time()) }
      local sig = slsh.sign.rpc_v1 { method = "POST", params = params,
                                     access_key_secret = cloud.AK.secret }
      local body = slsh.sign.rpc_query(params) .. "&Signature=" .. slsh.sign.percent_encode(sig)
      local client = slsh.http.client { connect_to = c.url }
      local function send()
        return assert(client:request { method = "POST", url = "https://sts.aliyuncs.com/",
          headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }, body = body })
      end
      assert.equal(200, send().status)
      local again = send()
      client:close()
      assert.equal(400, again.status)
      assert.matches("SignatureNonceUsed", again.body)
    end)

    for _, signature in ipairs { "v1", "acs3" } do
      it("re-signs every RPC attempt (" .. signature .. "): after a 503 and a lost answer",
        function()
          local ram = c:ram { retries = 2, signature = signature }
          c:faults { next = { { status = 503, code = "ServiceUnavailable",
                                match = { service = "ram" } } } }
          assert.equal(cloud.ROLE, assert(ram:get_role(cloud.ROLE)).RoleName)
          -- "after": the first attempt is carried out (its nonce used),
          -- then its answer is lost; the retry must carry a new nonce
          c:faults { next = { { drop = "after", match = { action = "GetRole" } } } }
          assert.equal(cloud.ROLE, assert(ram:get_role(cloud.ROLE)).RoleName)
          local es = entries(c, "GetRole")
          assert.equal(4, #es)
          assert.equal(503, es[1].status)
          assert.equal(200, es[2].status)
          assert.equal("dropped", es[3].status)
          assert.equal(200, es[4].status)
        end)
    end

    it("honours Retry-After / x-acs-retry-after (lower bound)", function()
      c:faults { next = { { status = 503, code = "ServerBusy", retry_after = 1 } } }
      local took = timed(function() assert(c:sls { retries = 1 }:get_logstore(P, "plain")) end)
      assert.is_true(took >= 0.95, "took " .. took)
      c:faults { next = { { status = 503, code = "ServiceUnavailable", retry_after = 1,
                            match = { service = "kms" } } } }
      took = timed(function() assert(c:kms { retries = 1 }:describe_key(cloud.KEY)) end)
      assert.is_true(took >= 0.95, "took " .. took)
    end)

    it("gives up at once when the asked wait would pass retry_time", function()
      c:faults { next = { { status = 503, code = "ServerBusy", retry_after = 5 } } }
      local took, ls, err = timed(function()
        return c:sls { retries = 5, retry_time = 2 }:get_logstore(P, "plain")
      end)
      assert.is_nil(ls)
      assert.equal("ServerBusy", err.code)
      assert.equal(1, err.attempts)
      assert.is_true(took < 1.5, "took " .. took)
    end)

    it("bounds the total time of retries", function()
      local next = {}
      for i = 1, 20 do next[i] = { status = 503, code = "ServerBusy" } end
      c:faults { next = next }
      local took, ls, err = timed(function()
        return c:sls { retries = 20, retry_time = 0.5 }:get_logstore(P, "plain")
      end)
      assert.is_nil(ls)
      assert.is_true(err.attempts < 21, "attempts " .. err.attempts)
      assert.is_true(took < 1.5, "took " .. took)
    end)

    -- {service, fault, retried?}
    for _, case in ipairs {
      { "sls", 403, "MetaOperationQpsLimitExceeded", true },
      { "sls", 403, "Unauthorized", false },
      { "sls", 400, "ParameterInvalid", false },
      { "sls", 500, "InternalServerError", true },
      { "sls", 503, "ServiceUnavailable", true },
      { "sls", 400, "RequestTimeout", true },
      { "kms", 400, "Throttling.User", true },
      { "kms", 500, "InternalError", true },
      { "kms", 404, "Forbidden.KeyNotFound", false },
      { "kms", 400, "InvalidParameter", false },
      { "ram", 503, "ServiceUnavailable", true },
      { "ram", 409, "EntityAlreadyExists.Role", false },
      { "sts", 403, "Throttling.Api", true },
    } do
      local svc, status, code, retried = case[1], case[2], case[3], case[4]
      it(string.format("%s %s %d %s", retried and "retries" or "does not retry", svc,
                       status, code), function()
        c:faults { next = { { status = status, code = code, match = { service = svc } } } }
        local r, err
        if svc == "sls" then
          r, err = c:sls { retries = 1 }:get_logstore(P, "plain")
        elseif svc == "kms" then
          r, err = c:kms { retries = 1 }:describe_key(cloud.KEY)
        elseif svc == "ram" then
          r, err = c:ram { retries = 1 }:get_role(cloud.ROLE)
        else
          r, err = c:sts { retries = 1 }:caller_identity()
        end
        local n = c:stats().requests
        if retried then
          assert.truthy(r, tostring(err))
          assert.equal(2, n)
        else
          assert.is_nil(r)
          assert.equal(code, err.code)
          assert.equal(status, err.status)
          assert.is_false(err.retryable)
          assert.equal(1, err.attempts)
          assert.equal(1, n)
        end
      end)
    end
  end)

  describe("rate limits", function()
    it("spaces requests with a token bucket (qps=)", function()
      local sls = c:sls { qps = 5 }
      local took = timed(function()
        for _ = 1, 10 do assert(sls:get_logstore(P, "plain")) end
      end)
      -- a burst of 5, then 5 more at 5 a second
      assert.is_true(took >= 0.9, "took " .. took)
    end)

    it("keeps a bucket per project host and one for the region endpoint", function()
      local sls = c:sls { qps = 2 }
      local region_host = sls.endpoint
      local p_host = P .. "." .. region_host
      local q_host = "slsh-other-project." .. region_host
      for _ = 1, 2 do assert(sls:get_project(P)) end
      -- another project and the region endpoint each start with a full burst
      assert.is_nil(sls:get_project("slsh-other-project"))
      assert(sls:list_projects {})
      local b = transport.buckets()
      assert.equal(0, b["sls " .. p_host].waits)
      assert.equal(0, b["sls " .. q_host].waits)
      assert.equal(0, b["sls " .. region_host].waits)
      assert.equal(2, b["sls " .. p_host].qps)
      -- the third request to the same project waits for a token
      assert(sls:get_project(P))
      b = transport.buckets()
      assert.equal(1, b["sls " .. p_host].waits)
      assert.equal(0, b["sls " .. q_host].waits)
    end)

    it("takes qps = 0 as no limit", function()
      local sls = c:sls { qps = 0 }
      for _ = 1, 30 do assert(sls:get_logstore(P, "plain")) end
      local b = transport.buckets()["sls " .. P .. "." .. sls.endpoint]
      assert.equal(0, b.qps)
      assert.equal(0, b.rate)
      assert.equal(0, b.waits)
      assert.has_error(function() c:sls { qps = -1 } end)
    end)

    it("slows an unlimited bucket down when throttled", function()
      local sls = c:sls { qps = 0, retries = 2 }
      for _ = 1, 5 do assert(sls:get_logstore(P, "plain")) end
      c:faults { next = { { status = 403, code = "MetaOperationQpsLimitExceeded" } } }
      assert(sls:get_logstore(P, "plain"))
      local b = transport.buckets()["sls " .. P .. "." .. sls.endpoint]
      assert.equal(1, b.slowed)
      assert.is_true(b.rate > 0, "rate " .. b.rate)
    end)

    it("does not hold a client to the lower qps of an earlier one", function()
      local slow = c:sls { qps = 2 }
      for _ = 1, 2 do assert(slow:get_logstore(P, "plain")) end
      local fast = c:sls { qps = 50 }
      local took = timed(function()
        for _ = 1, 10 do assert(fast:get_logstore(P, "plain")) end
      end)
      -- held to 2 a second, these would take 4 s
      assert.is_true(took < 1.5, "took " .. took)
    end)

    it("slows down after throttling answers", function()
      local kms = c:kms { qps = 8, retries = 4 }
      local fast = timed(function()
        for _ = 1, 4 do assert(kms:describe_key(cloud.KEY)) end
      end)
      assert.is_true(fast < 1, "unthrottled took " .. fast)
      transport.reset_buckets()
      c:faults { next = { { status = 400, code = "Throttling.User" },
                          { status = 400, code = "Throttling.User" },
                          { status = 400, code = "Throttling.User" } } }
      assert(kms:describe_key(cloud.KEY))
      -- the bucket now gives about 1 a second instead of 8
      local slow = timed(function()
        for _ = 1, 4 do assert(kms:describe_key(cloud.KEY)) end
      end)
      assert.is_true(slow >= 1.5, "throttled took " .. slow)
    end)

    it("gets every request through the emulator's QPS limit", function()
      c:faults { qps_limit = 10 }
      local sls = c:sls { retries = 8 }
      local items = {}
      for i = 1, 24 do items[i] = i end
      local took, _, errs, nerr = timed(function()
        return slsh.task.map(items, function()
          return sls:get_logstore(P, "plain")
        end, { concurrency = 4 })
      end)
      assert.equal(0, nerr, slsh.pretty.format(errs))
      assert.is_true(took >= 1, "took " .. took)
      assert.is_true((c:stats().by_status["403"] or 0) > 0, "never throttled")
    end)
  end)

  describe("clock skew", function()
    after_each(function() c:faults { clock_offset = 0 } end)

    local clients = {
      { "SLS V1", function() return c:sls():get_logstore(P, "plain") end,
        "GetLogStore", "RequestTimeExpired" },
      { "SLS V4", function() return c:sls { signature = "v4" }:get_logstore(P, "plain") end,
        "GetLogStore", "RequestTimeExpired" },
      { "RAM (RPC V1)", function() return c:ram():get_role(cloud.ROLE) end,
        "GetRole", "InvalidTimeStamp.Expired" },
      { "KMS (ACS3)", function() return c:kms { signature = "acs3" }:describe_key(cloud.KEY) end,
        "DescribeKey", "InvalidTimeStamp.Expired" },
      { "STS", function() return c:sts():caller_identity() end,
        "GetCallerIdentity", "InvalidTimeStamp.Expired" },
    }

    for _, offset in ipairs { 3600, -3600 } do
      for _, case in ipairs(clients) do
        local name, call, action, code = case[1], case[2], case[3], case[4]
        it(string.format("%s: corrects a clock %+d s off, retries once, remembers, warns once",
                         name, offset), function()
          c:faults { clock_offset = offset }
          local stderr = capture_stderr(function()
            assert(call())
            assert(call())
            assert(call())
          end)
          local es = entries(c, action)
          assert.equal(4, #es)
          assert.equal(code, es[1].error_code)
          for i = 2, 4 do assert.equal(200, es[i].status) end
          assert.is_true(math.abs(transport.clock_offset() - offset) <= 2,
                         "offset " .. transport.clock_offset())
          local _, warnings = stderr:gsub("slsh: warning: the local clock", "")
          assert.equal(1, warnings, stderr)
          assert.matches(offset > 0 and "behind" or "ahead of", stderr)
        end)
      end
    end

    it("corrects again when the skew changes, without a second warning", function()
      c:faults { clock_offset = 3600 }
      local stderr = capture_stderr(function()
        assert(c:sls():get_logstore(P, "plain"))
        c:faults { clock_offset = -3600 }
        assert(c:ram():get_role(cloud.ROLE))
        assert(c:kms():describe_key(cloud.KEY))
      end)
      assert.is_true(math.abs(transport.clock_offset() + 3600) <= 2)
      local _, warnings = stderr:gsub("slsh: warning", "")
      assert.equal(1, warnings)
      assert.equal(2, #entries(c, "GetRole"))
      assert.equal(1, #entries(c, "DescribeKey"))
    end)

    it("refuses an absurd server Date (2 days off)", function()
      c:faults { clock_offset = 2 * 86400 }
      local stderr = capture_stderr(function()
        local ls, err = c:sls():get_logstore(P, "plain")
        assert.is_nil(ls)
        assert.equal("RequestTimeExpired", err.code)
        local r, rerr = c:ram():get_role(cloud.ROLE)
        assert.is_nil(r)
        assert.equal("InvalidTimeStamp.Expired", rerr.code)
      end)
      assert.equal(0, transport.clock_offset())
      assert.equal("", stderr)
      assert.equal(1, #entries(c, "GetLogStore"))
      assert.equal(1, #entries(c, "GetRole"))
    end)
  end)
end)

-- Without the emulator: the transport over a fake HTTP client, for the
-- answers the emulator cannot give (one retry header without the other).
describe("slsh.transport over a fake HTTP client", function()
  local creds = slsh.credentials { access_key_id = "AK", access_key_secret = "fake-secret-xyz" }

  -- A transport whose HTTP client answers from `answers` in turn.
  local function fake(answers, opts)
    local t = transport.new { service = "sls", credentials = creds, retries = opts.retries,
                              base_delay = 0.01, retry_time = opts.retry_time,
                              max_delay = opts.max_delay }
    local log = {}
    t.http = { request = function(_, req)
      log[#log + 1] = req
      local a = answers[#log]
      a.headers = a.headers or {}
      a.body = a.body or ""
      return a
    end }
    local signed = 0
    local req = {
      action = "Fake", method = "GET", host = "fake.example", path = "/",
      sign = function(_, _, now)
        signed = signed + 1
        return { Date = tostring(now), n = tostring(signed) }
      end,
      parse_error = function(res) return res.code, "fake " .. res.status, "rid" end,
    }
    return t, req, log
  end

  before_each(function()
    transport.reset_clock()
    transport.reset_buckets()
  end)

  it("honours Retry-After alone (seconds)", function()
    local t, req, log = fake({ { status = 503, code = "ServerBusy",
                                 headers = { ["retry-after"] = "1" } },
                               { status = 200 } }, { retries = 1 })
    local took = timed(function() assert(t:send(req)) end)
    assert.is_true(took >= 0.95, "took " .. took)
    assert.equal(2, #log)
    assert.are_not.equal(log[1].headers.n, log[2].headers.n) -- signed again
  end)

  it("waits as long as Retry-After asks, beyond its own backoff cap", function()
    local t, req = fake({ { status = 503, code = "ServerBusy",
                            headers = { ["retry-after"] = "1" } },
                          { status = 200 } }, { retries = 1, max_delay = 0.1 })
    local took = timed(function() assert(t:send(req)) end)
    assert.is_true(took >= 0.95, "took " .. took)
  end)

  it("honours x-acs-retry-after alone (milliseconds)", function()
    local t, req = fake({ { status = 400, code = "Throttling.User",
                            headers = { ["x-acs-retry-after"] = "400" } },
                          { status = 200 } }, { retries = 1 })
    local took = timed(function() assert(t:send(req)) end)
    assert.is_true(took >= 0.38, "took " .. took)
  end)

  it("never retries when retries = 0", function()
    local t, req, log = fake({ { status = 503, code = "ServerBusy" } }, { retries = 0 })
    local r, err = t:send(req)
    assert.is_nil(r)
    assert.equal(1, err.attempts)
    assert.equal(1, #log)
  end)

  it("retries a skew error once only, and only with a sane Date", function()
    local date = slsh.sign.http_date(os.time() + 3600)
    local t, req, log = fake({ { status = 400, code = "RequestTimeExpired",
                                 headers = { date = date } },
                               { status = 400, code = "RequestTimeExpired",
                                 headers = { date = date } } }, { retries = 3 })
    capture_stderr(function()
      local r, err = t:send(req)
      assert.is_nil(r)
      assert.equal("RequestTimeExpired", err.code)
    end)
    assert.equal(2, #log)
    assert.is_true(math.abs(transport.clock_offset() - 3600) <= 2)
    -- the second attempt was signed with the corrected time
    assert.is_true(tonumber(log[2].headers.Date) - tonumber(log[1].headers.Date) >= 3598)
    transport.reset_clock()
    local t2, req2, log2 = fake({ { status = 400, code = "RequestTimeExpired",
                                    headers = { date = "Thu, 01 Jan 1970 00:00:00 GMT" } } },
                                { retries = 3 })
    assert.is_nil((t2:send(req2)))
    assert.equal(1, #log2)
    assert.equal(0, transport.clock_offset())
  end)

  it("parses RFC 1123 dates without the local time zone", function()
    assert.equal(0, transport.parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"))
    assert.equal(1641198827, transport.parse_http_date("Mon, 03 Jan 2022 08:33:47 GMT"))
    assert.equal(951782400, transport.parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"))
    assert.is_nil(transport.parse_http_date("2022-01-03T08:33:47Z"))
    assert.is_nil(transport.parse_http_date(nil))
  end)
end)
