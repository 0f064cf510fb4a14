-- slsh.task: the scheduler, alone and driving real HTTP on loopback.

local emulator = require "emulator"
local task = slsh.task
local host = slsh.host

local function elapsed(fn)
  local t0 = host.monotime()
  fn()
  return host.monotime() - t0
end

describe("slsh.task", function()
  describe("spawn and wait", function()
    it("returns every value of a task", function()
      local h = task.spawn(function(a, b) return a + b, "two", nil, 4 end, 1, 2)
      local a, b, c, d = task.wait(h)
      assert.same({ 3, "two", nil, 4 }, { a, b, c, d })
      assert.equal("slsh.task (done)", tostring(h))
    end)

    it("returns nil and an error object with a traceback when a task raises", function()
      local h = task.spawn(function() error("boom") end)
      local v, err = task.wait(h)
      assert.is_nil(v)
      assert.equal("lua_error", err.code)
      assert.matches("boom", err.message)
      assert.matches("traceback", err.traceback)
      assert.is_true(slsh.err.is(err))
    end)

    it("keeps the code of an error object raised in a task", function()
      local h = task.spawn(function()
        error(slsh.err.new { code = "LogStoreNotExist", message = "no such logstore" })
      end)
      local _, err = task.wait(h)
      assert.equal("LogStoreNotExist", err.code)
      assert.is_string(err.traceback)
    end)

    it("does not let a raising task disturb its siblings", function()
      local hs = {}
      for i = 1, 6 do
        hs[i] = task.spawn(function()
          task.sleep(0.01 * i)
          if i % 2 == 0 then error("even " .. i) end
          return i * 10
        end)
      end
      local results, errors, n = task.wait(hs)
      assert.equal(3, n)
      assert.same({ [1] = 10, [3] = 30, [5] = 50 }, results)
      for _, i in ipairs { 2, 4, 6 } do assert.matches("even " .. i, errors[i].message) end
    end)

    it("counts a task that returns nil, err as failed in a list", function()
      local hs = {
        task.spawn(function() return nil, "not found" end),
        task.spawn(function() return "ok" end),
      }
      local results, errors, n = task.wait(hs)
      assert.equal(1, n)
      assert.same({ [2] = "ok" }, results)
      assert.same({ [1] = "not found" }, errors)
    end)

    it("closes the to-be-closed variables of a task that raises", function()
      local closed = false
      local h = task.spawn(function()
        local guard <close> = setmetatable({}, { __close = function() closed = true end })
        task.sleep(0)
        assert(guard)
        error("after sleep")
      end)
      task.wait(h)
      assert.is_true(closed)
    end)

    it("knows the current task", function()
      assert.is_nil(task.current())
      local h
      h = task.spawn(function() return task.current() == h end)
      assert.is_true(task.wait(h))
    end)

    it("lets a task wait for tasks it spawned", function()
      local outer = task.spawn(function()
        local inner = { task.spawn(function() task.sleep(0.02) return "a" end),
                        task.spawn(function() return "b" end) }
        local results = task.wait(inner)
        return results[1] .. results[2]
      end)
      assert.equal("ab", task.wait(outer))
    end)

    it("resumes a task that yields by itself", function()
      local order = {}
      local a = task.spawn(function()
        order[#order + 1] = "a1"
        coroutine.yield()
        order[#order + 1] = "a2"
      end)
      local b = task.spawn(function()
        order[#order + 1] = "b1"
        task.yield()
        order[#order + 1] = "b2"
      end)
      task.wait { a, b }
      assert.same({ "a1", "b1", "a2", "b2" }, order)
    end)

    it("raises when a task waits for itself", function()
      local h
      h = task.spawn(function() return pcall(task.wait, h) end)
      local ok, msg = task.wait(h)
      assert.is_false(ok)
      assert.matches("itself", msg)
    end)

    it("detects tasks that wait for each other", function()
      local first, second
      first = task.spawn(function()
        second = task.spawn(function() return task.wait(first) end)
        return task.wait(second)
      end)
      local ok, msg = pcall(task.wait, first)
      assert.is_false(ok)
      assert.matches("deadlock", msg)
    end)

    it("raises for misuse", function()
      assert.has_error(function() task.spawn(42) end)
      assert.has_error(function() task.wait(42) end)
      assert.has_error(function() task.wait { 42 } end)
      assert.has_error(function() task.sleep(-1) end)
      assert.has_error(function() task.map({}, print, { concurency = 2 }) end,
        "task.map: unknown option 'concurency' (valid: concurrency)")
      assert.has_error(function() task.map({}, print, { concurrency = 0 }) end)
      assert.has_error(function() task.map(nil, print) end)
    end)
  end)

  -- The two tasks that the deadlock test leaves behind are not waited
  -- for below: task.run waits only for what it started.

  describe("sleep", function()
    it("overlaps the sleeps of several tasks", function()
      local dt = elapsed(function()
        local hs = {}
        for i = 1, 5 do hs[i] = task.spawn(task.sleep, 0.2) end
        task.wait(hs)
      end)
      assert.is_true(dt >= 0.19 and dt < 0.6, "took " .. dt)
    end)

    it("really sleeps outside a task", function()
      local dt = elapsed(function() task.sleep(0.1) end)
      assert.is_true(dt >= 0.09 and dt < 0.5, "took " .. dt)
    end)

    it("wakes sleepers in the order of their deadlines", function()
      local order = {}
      local items = { 0.09, 0.03, 0.06, 0 }
      task.map(items, function(s)
        task.sleep(s)
        order[#order + 1] = s
      end, { concurrency = 4 })
      assert.same({ 0, 0.03, 0.06, 0.09 }, order)
    end)
  end)

  describe("map", function()
    it("returns results in input order and errors by position", function()
      local items = {}
      for i = 1, 20 do items[i] = i end
      local results, errors, n = task.map(items, function(x, i)
        assert(x == i)
        task.sleep((20 - x) * 0.001) -- finish in reverse order
        if x % 5 == 0 then error("five " .. x) end
        if x % 7 == 0 then return nil, slsh.err.new { code = "seven", message = "x" } end
        return x * x
      end, { concurrency = 6 })
      assert.equal(6, n)
      for i = 1, 20 do
        if i % 5 == 0 then
          assert.equal("lua_error", errors[i].code)
          assert.matches("five " .. i, errors[i].message)
          assert.matches("traceback", errors[i].traceback)
        elseif i % 7 == 0 then
          assert.equal("seven", errors[i].code)
        else
          assert.equal(i * i, results[i])
          assert.is_nil(errors[i])
        end
      end
    end)

    for _, conc in ipairs { 1, 3, 10 } do
      it("runs at most " .. conc .. " items at a time", function()
        local active, peak = 0, 0
        local items = {}
        for i = 1, 12 do items[i] = i end
        task.map(items, function()
          active = active + 1
          peak = math.max(peak, active)
          task.sleep(0.005)
          active = active - 1
        end, { concurrency = conc })
        assert.equal(math.min(conc, 12), peak)
      end)
    end

    it("handles an empty list", function()
      local results, errors, n = task.map({}, error)
      assert.same({}, results)
      assert.same({}, errors)
      assert.equal(0, n)
    end)

    it("works nested inside a task and inside another map", function()
      local results, _, n = task.map({ 1, 2, 3 }, function(x)
        local inner, _, m = task.map({ 1, 2, 3, 4 }, function(y)
          task.sleep(0.001 * y)
          return x * 10 + y
        end, { concurrency = 2 })
        assert(m == 0)
        return table.concat(inner, ",")
      end, { concurrency = 3 })
      assert.equal(0, n)
      assert.same({ "11,12,13,14", "21,22,23,24", "31,32,33,34" }, results)
    end)
  end)

  describe("run", function()
    it("runs until every spawned task is done", function()
      local log = {}
      local v = task.run(function()
        task.spawn(function()
          task.sleep(0.05)
          task.spawn(function()
            task.sleep(0.02)
            log[#log + 1] = "grandchild"
          end)
          log[#log + 1] = "child"
        end)
        return "main"
      end)
      assert.equal("main", v)
      assert.same({ "child", "grandchild" }, log)
    end)

    it("returns nil, err when the function raises", function()
      local v, err = task.run(function() error("broken") end)
      assert.is_nil(v)
      assert.matches("broken", err.message)
    end)
  end)

  describe("with HTTP", function()
    local srv

    lazy_setup(function() srv = emulator.echo {} end)
    lazy_teardown(function() if srv then srv.stop() end end)

    it("overlaps requests made inside tasks", function()
      local c <close> = slsh.http.client {}
      local results, n, _
      local dt = elapsed(function()
        local items = {}
        for i = 1, 8 do items[i] = srv.url .. "/sleep?ms=200" end
        results, _, n = task.map(items, function(url)
          return c:request { url = url }
        end, { concurrency = 8 })
      end)
      assert.equal(0, n)
      for i = 1, 8 do assert.equal("slept", results[i].body) end
      assert.is_true(dt < 0.8, "took " .. dt)
    end)

    it("yields inside a task while a request is in flight", function()
      local c <close> = slsh.http.client {}
      local ticks = 0
      local req = task.spawn(function()
        return c:request { url = srv.url .. "/sleep?ms=150" }
      end)
      local ticker = task.spawn(function()
        while req.status ~= "done" do
          ticks = ticks + 1
          task.sleep(0.01)
        end
      end)
      local r = assert(task.wait(req))
      task.wait(ticker)
      assert.equal(200, r.status)
      assert.is_true(ticks >= 5, "ticks " .. ticks)
    end)

    it("drives transfers of several clients at once", function()
      local a <close> = slsh.http.client {}
      local b <close> = slsh.http.client {}
      local dt = elapsed(function()
        local results, _, n = task.map({ a, b, a, b }, function(c)
          return c:request { url = srv.url .. "/sleep?ms=150" }
        end, { concurrency = 4 })
        assert.equal(0, n)
        assert.equal(4, #results)
      end)
      assert.is_true(dt < 0.5, "took " .. dt)
    end)

    it("reports failed requests per item without stopping the others", function()
      local c <close> = slsh.http.client { timeout = 0.3 }
      local paths = { "/echo", "/drop", "/sleep?ms=2000", "/status?code=500", "/echo" }
      local results, errors, n = task.map(paths, function(p)
        return c:request { url = srv.url .. p }
      end, { concurrency = 5 })
      assert.equal(2, n)
      assert.equal(200, results[1].status)
      assert.equal("network", errors[2].code)
      assert.equal("timeout", errors[3].code)
      assert.equal(500, results[4].status)
      assert.equal(200, results[5].status)
    end)

    it("mixes sleeping tasks and requests", function()
      local c <close> = slsh.http.client {}
      local order = {}
      task.run(function()
        task.spawn(function()
          task.sleep(0.05)
          order[#order + 1] = "sleeper"
        end)
        assert(c:request { url = srv.url .. "/sleep?ms=150" })
        order[#order + 1] = "request"
      end)
      assert.same({ "sleeper", "request" }, order)
    end)
  end)
end)
