-- slsh.http over real HTTP on loopback, against tests/support/echo_server.py.

local emulator = require "emulator"
local http = slsh.http
local task = slsh.task
local host = slsh.host

local REAL_HOST = "my-project.cn-hangzhou.log.aliyuncs.com"

describe("slsh.http", function()
  local srv

  lazy_setup(function()
    srv = emulator.echo { tls = true }
  end)

  lazy_teardown(function()
    if srv then srv.stop() end
  end)

  local function get(c, path, extra)
    local req = { url = srv.url .. path }
    for k, v in pairs(extra or {}) do req[k] = v end
    return c:request(req)
  end

  describe("requests", function()
    local cases = {
      { method = "GET" },
      { method = "POST", body = '{"a":1}' },
      { method = "POST", body = "" },
      { method = "PUT", body = string.rep("b", 70000) },
      { method = "DELETE" },
      { method = "DELETE", body = "gone" },
      { method = "PATCH", body = "\0binary\255" },
    }
    for _, case in ipairs(cases) do
      local len = case.body and #case.body or 0
      it("sends " .. case.method .. " with a " .. len .. "-byte body", function()
        local c <close> = http.client {}
        local r = assert(c:request {
          method = case.method, url = srv.url .. "/echo?q=1&x=%2F",
          headers = { ["X-Log-Test"] = "yes", ["Content-MD5"] = "abc" },
          body = case.body,
        })
        assert.equal(200, r.status)
        local e = emulator.parse_echo(r.body)
        assert.equal(case.method, e.method)
        assert.equal("/echo?q=1&x=%2F", e.target)
        assert.equal("yes", e.headers["x-log-test"])
        assert.equal("abc", e.headers["content-md5"])
        assert.equal(case.body or "", e.body)
        if case.body or case.method == "POST" then
          assert.equal(tostring(len), e.headers["content-length"])
        end
        -- nothing a signature would not cover is added for a body
        assert.is_nil(e.headers["content-type"])
        assert.is_nil(e.headers["expect"])
      end)
    end

    it("takes headers as a list of pairs, in order, repeats kept", function()
      local c <close> = http.client {}
      local r = assert(get(c, "/echo", {
        headers = { { "X-B", "2" }, { "X-A", "1" }, { "X-A", 3 }, { "X-Empty", "" } },
      }))
      local e = emulator.parse_echo(r.body)
      local seen = {}
      for _, h in ipairs(e.header_list) do
        if h[1]:match("^X%-") then seen[#seen + 1] = h[1] .. "=" .. h[2] end
      end
      assert.same({ "X-B=2", "X-A=1", "X-A=3", "X-Empty=" }, seen)
    end)

    it("keeps a caller's Content-Type", function()
      local c <close> = http.client {}
      local r = assert(get(c, "/echo", {
        method = "POST", body = "{}", headers = { ["Content-Type"] = "application/json" },
      }))
      assert.equal("application/json", emulator.parse_echo(r.body).headers["content-type"])
    end)

    it("sends the user agent it is given", function()
      local c <close> = http.client { user_agent = "rollout/1.0" }
      local r = assert(get(c, "/echo"))
      assert.equal("rollout/1.0", emulator.parse_echo(r.body).headers["user-agent"])
    end)

    it("answers synchronously outside a task", function()
      assert.is_nil(task.current())
      local c <close> = http.client {}
      local r = assert(get(c, "/status?code=204"))
      assert.equal(204, r.status)
    end)
  end)

  describe("responses", function()
    for _, code in ipairs { 200, 404, 429, 500, 503 } do
      it("treats HTTP " .. code .. " as data, with its headers", function()
        local c <close> = http.client {}
        local r, err = get(c, "/status?code=" .. code)
        assert.is_nil(err)
        assert.equal(code, r.status)
        assert.equal("status " .. code, r.body)
        assert.equal("3", r.headers["retry-after"])
        assert.equal("1500", r.headers["x-acs-retry-after"])
        assert.equal("5F1C0D2E3A4B", r.headers["x-log-requestid"])
        assert.is_string(r.headers["date"])
        assert.equal("a, b", r.headers["x-repeat"])
      end)
    end

    it("lists every header with its name as received", function()
      local c <close> = http.client {}
      local r = assert(get(c, "/status?code=200"))
      local repeats, names = {}, {}
      for _, h in ipairs(r.header_list) do
        names[h[1]] = true
        if h[1] == "X-Repeat" then repeats[#repeats + 1] = h[2] end
      end
      assert.same({ "a", "b" }, repeats)
      assert.is_true(names["Retry-After"])
      assert.is_true(names["x-acs-retry-after"])
      assert.is_true(names["Content-Length"])
    end)

    it("reports timing, address and connection reuse", function()
      -- max_connections gives the client an engine of its own: an empty
      -- connection cache, whatever the earlier tests left in the shared one
      local c <close> = http.client { max_connections = 8 }
      local r1 = assert(get(c, "/echo"))
      local r2 = assert(get(c, "/echo"))
      assert.is_true(r1.new_connection)
      assert.is_false(r2.new_connection)
      assert.equal("127.0.0.1", r1.ip)
      assert.equal(tonumber(srv.url:match(":(%d+)$")), r1.port)
      assert.equal("1.1", r1.http_version)
      assert.is_true(r1.dns_time <= r1.connect_time)
      assert.is_true(r1.connect_time <= r1.first_byte_time)
      assert.is_true(r1.first_byte_time <= r1.time)
      assert.is_true(r1.time > 0 and r1.time < 5)
      assert.is_true(r1.submitted_at <= r1.finished_at)
      assert.is_true(r1.finished_at <= r2.submitted_at)
    end)

    it("accepts a body exactly at the cap", function()
      local c <close> = http.client { max_body = 1000 }
      local r = assert(get(c, "/big?bytes=1000"))
      assert.equal(1000, #r.body)
    end)

    for _, chunked in ipairs { "", "&chunked=1" } do
      it("refuses a body over the cap with too_large" .. (chunked ~= "" and " (chunked)" or ""),
        function()
          local c <close> = http.client { max_body = 1000 }
          local r, err = get(c, "/big?bytes=300000" .. chunked)
          assert.is_nil(r)
          assert.equal("too_large", err.code)
          assert.matches("1000 bytes", err.message)
          -- and the client is still usable
          assert.equal(200, assert(get(c, "/echo")).status)
        end)
    end
  end)

  describe("failures", function()
    it("times out a slow answer with the per-request timeout", function()
      local c <close> = http.client { timeout = 10 }
      local t0 = host.monotime()
      local r, err = get(c, "/sleep?ms=3000", { timeout = 0.2 })
      assert.is_nil(r)
      assert.equal("timeout", err.code)
      assert.is_true(host.monotime() - t0 < 2)
      assert.is_number(err.time)
    end)

    it("times out with the client's timeout", function()
      local c <close> = http.client { timeout = 0.2 }
      local _, err = get(c, "/sleep?ms=3000")
      assert.equal("timeout", err.code)
    end)

    it("reports a refused connection as network", function()
      local c <close> = http.client {}
      local r, err = c:request { url = "http://127.0.0.1:1/echo" }
      assert.is_nil(r)
      assert.equal("network", err.code)
      assert.is_number(err.curl_code)
      assert.matches("^network: ", tostring(err))
    end)

    it("reports a dropped connection as network", function()
      local c <close> = http.client {}
      local r, err = get(c, "/drop")
      assert.is_nil(r)
      assert.equal("network", err.code)
    end)

    local refused = {
      { "a public name", {}, "http://example.com/" },
      { "a private address", {}, "http://10.0.0.1:8080/" },
      { "localhost's look-alike", {}, "http://localhost.example.com/" },
      { "a public connect_to", { connect_to = "http://192.0.2.1:80" },
        "https://" .. REAL_HOST .. "/" },
    }
    for _, case in ipairs(refused) do
      it("refuses plain HTTP to " .. case[1] .. " before connecting", function()
        local c <close> = http.client(case[2])
        local t0 = host.monotime()
        local x, err = c:submit { url = case[3] }
        assert.is_nil(x)
        assert.equal("insecure_transport", err.code)
        local r, err2 = c:request { url = case[3] }
        assert.is_nil(r)
        assert.equal("insecure_transport", err2.code)
        assert.equal(0, c:pending())
        assert.is_true(host.monotime() - t0 < 0.1)
      end)
    end

    for _, url in ipairs { "http://127.0.0.2:1/", "http://localhost:1/", "http://[::1]:1/" } do
      it("allows plain HTTP to loopback " .. url, function()
        local c <close> = http.client {}
        local x = assert(c:submit { url = url })
        x:close()
      end)
    end
  end)

  describe("TLS", function()
    it("verifies the server: an unknown CA is a tls error", function()
      local c <close> = http.client {}
      local r, err = c:request { url = srv.https_url .. "/echo" }
      assert.is_nil(r)
      assert.equal("tls", err.code)
    end)

    it("trusts the CA given as ca_file", function()
      local c <close> = http.client { ca_file = srv.ca }
      local r = assert(c:request { url = srv.https_url .. "/echo" })
      assert.equal(200, r.status)
      assert.is_true(r.tls_time > 0)
    end)

    it("checks the name: a certificate for other names is a tls error", function()
      local c <close> = http.client { ca_file = srv.ca, connect_to = srv.https_url }
      local r, err = c:request { url = "https://sts.aliyuncs.example.org/echo" }
      assert.is_nil(r)
      assert.equal("tls", err.code)
    end)

    it("reuses the TLS connection", function()
      local c <close> = http.client { ca_file = srv.ca, max_connections = 8 }
      local r1 = assert(c:request { url = srv.https_url .. "/echo" })
      local r2 = assert(c:request { url = srv.https_url .. "/echo" })
      assert.is_true(r1.new_connection)
      assert.is_false(r2.new_connection)
    end)
  end)

  describe("HTTP/2", function()
    local h2

    lazy_setup(function() h2 = emulator.h2(srv) end)
    lazy_teardown(function() if h2 then h2.stop() end end)

    it("multiplexes concurrent requests over one connection", function()
      -- ./setup.sh installs node (the peer suite needs it too): no skip
      assert(h2, "node is not installed: run ./setup.sh")
      -- the shared engine: connections are filed by host name and port, and
      -- this server's port is new to it
      local c <close> = http.client { connect_to = h2.https_url, ca_file = srv.ca }
      local before = emulator.stats(h2).connections
      local items = {}
      for i = 1, 20 do items[i] = i end
      local t0 = host.monotime()
      local results, _, nerr = task.map(items, function(i)
        return c:request { url = "https://" .. REAL_HOST .. "/sleep?ms=200&i=" .. i }
      end, { concurrency = 20 })
      local dt = host.monotime() - t0
      assert.equal(0, nerr)
      local fresh = 0
      for i = 1, 20 do
        assert.equal("2", results[i].http_version)
        assert.equal("GET /sleep?ms=200&i=" .. i .. " " .. REAL_HOST, results[i].body)
        assert.equal("H2", results[i].headers["x-log-requestid"])
        if results[i].new_connection then fresh = fresh + 1 end
      end
      assert.equal(1, fresh)
      assert.equal(1, emulator.stats(h2).connections - before - 1)
      assert.is_true(dt < 1, "took " .. dt)
    end)
  end)

  describe("connect_to", function()
    it("sends an https URL as plain http to an http:// address, Host kept", function()
      local c <close> = http.client { connect_to = srv.url }
      local r = assert(c:request { url = "https://" .. REAL_HOST .. "/echo?x=1" })
      local e = emulator.parse_echo(r.body)
      assert.equal(REAL_HOST, e.headers["host"])
      assert.equal("/echo?x=1", e.target)
      assert.equal("127.0.0.1", r.ip)
    end)

    it("verifies TLS against the real name at an https:// address", function()
      local c <close> = http.client { connect_to = srv.https_url, ca_file = srv.ca }
      local r = assert(c:request { url = "https://" .. REAL_HOST .. "/echo" })
      assert.equal(REAL_HOST, emulator.parse_echo(r.body).headers["host"])
      assert.equal(tonumber(srv.https_url:match(":(%d+)$")), r.port)
    end)

    it("sends the Host the URL would have had, or the caller's own", function()
      local port = srv.url:match(":(%d+)$")
      for _, to in ipairs { srv.url, "http://localhost:" .. port } do
        local c <close> = http.client { connect_to = to }
        local function host_of(req)
          return emulator.parse_echo(assert(c:request(req)).body).headers["host"]
        end
        assert.equal(REAL_HOST .. ":8080", host_of { url = "http://" .. REAL_HOST .. ":8080/echo" })
        assert.equal(REAL_HOST, host_of { url = "https://" .. REAL_HOST .. ":443/echo" })
        assert.equal("other.example", host_of { url = "http://" .. REAL_HOST .. "/echo",
                                                headers = { Host = "other.example" } })
        assert.equal("/echo?a=%2F&b", emulator.parse_echo(assert(c:request {
          url = "http://" .. REAL_HOST .. "/echo?a=%2F&b" }).body).target)
      end
    end)

    it("still verifies the certificate at an https:// address", function()
      local c <close> = http.client { connect_to = srv.https_url }
      local _, err = c:request { url = "https://" .. REAL_HOST .. "/echo" }
      assert.equal("tls", err.code)
    end)

    for _, bad in ipairs { "127.0.0.1:8080", "ftp://127.0.0.1:21", "http://127.0.0.1:1/path" } do
      it("raises for a malformed connect_to " .. bad, function()
        assert.has_error(function() http.client { connect_to = bad } end)
      end)
    end
  end)

  describe("against the project's emulator", function()
    local emu

    lazy_setup(function() emu = emulator.start { tls = true } end)
    lazy_teardown(function() if emu then emu.stop() end end)

    it("reaches SLS by its real name over verified TLS, 40 requests on 4 connections", function()
      local control = http.client {}
      assert(control:request { method = "POST", url = emu.url .. "/__emulator/stats/reset" })
      local c <close> = http.client { connect_to = emu.https_url, ca_file = emu.ca }
      local items = {}
      for i = 1, 40 do items[i] = i end
      local results, _, nerr = task.map(items, function()
        return c:request { url = "https://" .. REAL_HOST .. "/logstores" }
      end, { concurrency = 4 })
      assert.equal(0, nerr)
      for i = 1, 40 do
        -- unsigned, so refused: an answer all the same
        assert.equal(401, results[i].status)
        assert.matches('"errorCode": ?"Unauthorized"', results[i].body)
        assert.is_string(results[i].headers["x-log-requestid"])
      end
      local stats = assert(control:request { url = emu.url .. "/__emulator/stats" }).body
      control:close()
      assert.matches('"ListLogStores": 40', stats, 1, true)
      -- at most one connection per concurrent task (fewer when a slow
      -- machine, valgrind say, lets one finish before the next starts)
      local conns = tonumber(stats:match('"api_connections": (%d+)'))
      assert.is_true(conns >= 1 and conns <= 4, "api_connections " .. tostring(conns))
    end)
  end)

  describe("concurrency", function()
    it("does 60 requests at concurrency 4 over about 4 connections", function()
      local c <close> = http.client {}
      local before = emulator.stats(srv).connections
      local urls = {}
      for i = 1, 60 do urls[i] = srv.url .. "/echo?i=" .. i end
      local results, errors, nerr = task.map(urls, function(url)
        return c:request { url = url }
      end, { concurrency = 4 })
      assert.equal(0, nerr)
      assert.same({}, errors)
      local fresh = 0
      for i = 1, 60 do
        assert.equal("/echo?i=" .. i, emulator.parse_echo(results[i].body).target)
        if results[i].new_connection then fresh = fresh + 1 end
      end
      -- the stats request itself opens one connection
      local opened = emulator.stats(srv).connections - before - 1
      assert.equal(fresh, opened)
      assert.is_true(opened >= 1 and opened <= 4, "opened " .. opened)
    end)

    it("keeps 200 transfers in flight at once", function()
      local c <close> = http.client { max_connections = 32 }
      local xs = {}
      for i = 1, 200 do
        xs[i] = assert(c:submit { url = srv.url .. "/echo?n=" .. i })
      end
      assert.equal(200, c:pending())
      local done, t0 = 0, host.monotime()
      while done < 200 and host.monotime() - t0 < 30 do
        done = done + c:step(1)
      end
      assert.equal(200, done)
      assert.equal(0, c:pending())
      for i = 1, 200 do
        local r = assert(xs[i]:result())
        assert.equal("/echo?n=" .. i, emulator.parse_echo(r.body).target)
      end
    end)

    it("runs 200 requests as 200 concurrent tasks", function()
      local c <close> = http.client {}
      local items = {}
      for i = 1, 200 do items[i] = i end
      local results, _, nerr = task.map(items, function(i)
        return assert(c:request { url = srv.url .. "/status?code=" .. (200 + i % 3) }).status
      end, { concurrency = 200 })
      assert.equal(0, nerr)
      for i = 1, 200 do assert.equal(200 + i % 3, results[i]) end
    end)

    it("counts the wait behind max_connections against the timeout", function()
      for _, case in ipairs { { nil, true }, { 1, false } } do
        local c <close> = http.client { max_connections = case[1], timeout = 0.5 }
        local a = assert(c:submit { url = srv.url .. "/sleep?ms=300" })
        local b = assert(c:submit { url = srv.url .. "/sleep?ms=300" })
        while not (a:done() and b:done()) do c:step(1) end
        assert.equal(200, assert(a:result()).status)
        local r, err = b:result()
        if case[2] then
          assert.equal(200, r.status)
        else
          assert.equal("timeout", err.code)
        end
      end
    end)

    it("never blocks in step longer than asked", function()
      local c <close> = http.client {}
      local x = assert(c:submit { url = srv.url .. "/sleep?ms=2000" })
      local t0 = host.monotime()
      assert.equal(0, c:step(0.1))
      local dt = host.monotime() - t0
      assert.is_true(dt < 0.5, "step took " .. dt)
      assert.is_false(x:done())
      assert.equal(0, c:step(0))
      x:close()
    end)
  end)

  describe("the engine", function()
    it("is one curl multi handle shared by every client", function()
      local a <close> = http.client {}
      local b <close> = http.client { timeout = 5, ca_file = srv.ca }
      local own <close> = http.client { max_connections = 2 }
      assert.equal(a:engine(), b:engine())
      assert.equal(http.engine(), a:engine())
      assert.are_not.equal(a:engine(), own:engine())
      -- a connection opened for one client is reused for the other
      local r1 = assert(get(a, "/echo?client=a"))
      local r2 = assert(get(b, "/echo?client=b"))
      assert.equal(200, r1.status)
      assert.is_false(r2.new_connection)
      -- one step of the engine moves the transfers of both clients
      local xa = assert(a:submit { url = srv.url .. "/echo?x=a" })
      local xb = assert(b:submit { url = srv.url .. "/echo?x=b" })
      local engine, t0 = http.engine(), host.monotime()
      assert.equal(2, engine:pending())
      while not (xa:done() and xb:done()) and host.monotime() - t0 < 10 do
        engine:step(1)
      end
      assert.equal(200, assert(xa:result()).status)
      assert.equal(200, assert(xb:result()).status)
      assert.equal(0, a:pending() + b:pending())
    end)

    it("opens at most concurrency x hosts connections and reuses them", function()
      -- H host names, all served by the echo server through connect_to:
      -- curl keeps connections by host name, as it does for SLS projects
      local H, C, N = 6, 4, 120
      local c <close> = http.client { connect_to = srv.url }
      local before = emulator.stats(srv).connections
      local opened0 = http.engine():stats().opened
      local items = {}
      for i = 1, N do items[i] = i end
      local results, _, nerr = task.map(items, function(i)
        local name = "p" .. (i % H) .. ".cn-hangzhou.log.aliyuncs.com"
        return c:request { url = "http://" .. name .. "/echo?i=" .. i }
      end, { concurrency = C })
      assert.equal(0, nerr)
      local fresh = 0
      for i = 1, N do
        assert.equal("/echo?i=" .. i, emulator.parse_echo(results[i].body).target)
        if results[i].new_connection then fresh = fresh + 1 end
      end
      local opened = emulator.stats(srv).connections - before - 1
      assert.equal(fresh, opened)
      assert.equal(opened, http.engine():stats().opened - opened0)
      assert.is_true(opened >= 1 and opened <= C * H, "opened " .. opened)
      assert.is_true(opened < N / 4, "opened " .. opened .. " for " .. N)
      -- a second round over the same hosts finds its connections cached:
      -- both rounds together stay within C x H
      local again = task.map(items, function(i)
        local name = "p" .. (i % H) .. ".cn-hangzhou.log.aliyuncs.com"
        return c:request { url = "http://" .. name .. "/echo?again=" .. i }
      end, { concurrency = C })
      local fresh2 = 0
      for i = 1, N do
        if again[i].new_connection then fresh2 = fresh2 + 1 end
      end
      assert.is_true(opened + fresh2 <= C * H, "opened " .. opened .. " + " .. fresh2)
    end)

    it("sizes the connection cache to transfers in flight x hosts", function()
      local st = http.engine():stats()
      assert.is_true(st.hosts >= 6, "hosts " .. st.hosts)
      assert.is_true(st.max_cached >= 64)
      assert.is_true(st.max_cached <= st.cache_cap)
      assert.equal(math.max(64, math.min(st.cache_cap, st.peak * st.hosts)),
                   st.max_cached)
    end)
  end)

  describe("handles", function()
    it("raises when a closed client is used", function()
      local c = http.client {}
      c:close()
      c:close() -- idempotent
      assert.is_true(c:closed())
      assert.has_error(function() c:submit { url = srv.url .. "/echo" } end,
        "attempt to use a closed HTTP client")
      assert.has_error(function() c:step(0) end)
      assert.has_error(function() c:request { url = srv.url .. "/echo" } end)
    end)

    it("ends the transfers of a client closed under them with 'closed'", function()
      local c = http.client {}
      local x = assert(c:submit { url = srv.url .. "/sleep?ms=1000" })
      c:step(0.05)
      c:close()
      assert.is_true(x:done())
      local r, err = x:result()
      assert.is_nil(r)
      assert.equal("closed", err.code)
    end)

    it("gives a task waiting on a closed client its 'closed' error", function()
      local c = http.client {}
      local waiter = task.spawn(function()
        return c:request { url = srv.url .. "/sleep?ms=2000" }
      end)
      local closer = task.spawn(function()
        task.sleep(0.05)
        c:close()
      end)
      local r, err = task.wait(waiter)
      task.wait(closer)
      assert.is_nil(r)
      assert.equal("closed", err.code)
    end)

    it("closes a client at the end of a <close> scope", function()
      local keep
      do
        local c <close> = http.client {}
        keep = c
      end
      assert.is_true(keep:closed())
    end)

    it("raises for result() before the end, caches it after", function()
      local c <close> = http.client {}
      local x = assert(c:submit { url = srv.url .. "/echo" })
      assert.has_error(function() x:result() end)
      while not x:done() do c:step(1) end
      local r1 = assert(x:result())
      local r2 = assert(x:result())
      assert.equal(r1, r2)
      assert.is_true(x:done())
    end)

    it("raises for a result of a closed transfer", function()
      local c <close> = http.client {}
      local x = assert(c:submit { url = srv.url .. "/echo" })
      x:close()
      x:close()
      assert.is_true(x:done())
      assert.has_error(function() x:result() end, "attempt to use a closed transfer")
      assert.equal(0, c:pending())
    end)

    it("survives dropping clients and transfers mid-flight", function()
      local weak = setmetatable({}, { __mode = "v" })
      local kept = {}
      for round = 1, 5 do
        local c = http.client {}
        weak[round] = c
        for i = 1, 10 do
          local x = assert(c:submit { url = srv.url .. "/sleep?ms=200&i=" .. i })
          if i == 1 then kept[round] = x end
        end
        c:step(0.01)
      end
      collectgarbage()
      collectgarbage()
      -- a transfer keeps its client alive
      for round = 1, 5 do assert.is_not_nil(weak[round]) end
      for round = 1, 5 do
        local x = kept[round]
        while not x:done() do weak[round]:step(1) end
        assert.equal(200, assert(x:result()).status)
      end
      for round = 1, 5 do kept[round] = nil end
      collectgarbage()
      collectgarbage()
      for round = 1, 5 do assert.is_nil(weak[round]) end
    end)
  end)

  describe("misuse", function()
    local raising = {
      { "an unknown client option", function() http.client { timeot = 1 } end,
        "unknown option 'timeot'" },
      { "a negative timeout", function() http.client { timeout = -1 } end, "timeout" },
      { "a non-integer max_body", function() http.client { max_body = 1.5 } end, "max_body" },
      { "an unknown request field", function()
        http.client {}:submit { url = "http://127.0.0.1:1/", methd = "GET" }
      end, "unknown option 'methd'" },
      { "a missing url", function() http.client {}:submit {} end, "url" },
      { "a relative url", function() http.client {}:submit { url = "/echo" } end, "url" },
      { "an ftp url", function() http.client {}:submit { url = "ftp://127.0.0.1/" } end, "url" },
      { "a bad method", function()
        http.client {}:submit { url = "http://127.0.0.1:1/", method = "GET X" }
      end, "method" },
      { "a header value with a line break", function()
        http.client {}:submit { url = "http://127.0.0.1:1/", headers = { A = "1\r\nB: 2" } }
      end, "header" },
      { "a header name with a colon", function()
        http.client {}:submit { url = "http://127.0.0.1:1/", headers = { ["A:B"] = "1" } }
      end, "header" },
      { "mixed header forms", function()
        http.client {}:submit { url = "http://127.0.0.1:1/", headers = { { "A", "1" }, B = "2" } }
      end, "headers" },
      { "a NUL in a header value", function()
        http.client {}:submit { url = "http://127.0.0.1:1/", headers = { A = "1\0B" } }
      end, "NUL" },
      { "a NUL in the url", function()
        http.client {}:submit { url = "http://127.0.0.1:1/\0x" }
      end, "NUL" },
      { "a table header value", function()
        http.client {}:submit { url = "http://127.0.0.1:1/", headers = { A = {} } }
      end, "value must be a string" },
    }
    for _, case in ipairs(raising) do
      it("raises for " .. case[1], function()
        local ok, msg = pcall(case[2])
        assert.is_false(ok)
        assert.matches(case[3], tostring(msg), 1, true)
      end)
    end
  end)
end)
