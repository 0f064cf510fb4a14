--- slsh.task: cooperative tasks on coroutines, and the loop that drives
-- HTTP transfers for them (docs/design.md, the engine).
--
--   local h = task.spawn(fn, ...)          start fn(...) as a task
--   local v, err = task.wait(h)            its results, or nil, err
--   local rs, errs, n = task.wait{h1, h2}  results and errors by position
--   local rs, errs, n = task.map(items, fn, {concurrency = 8})
--   task.sleep(seconds)   task.yield()   task.current()
--   task.run(fn, ...)                      run until every task is done
--
-- Inside a task, whatever waits (an HTTP request, sleep, wait) yields to
-- the loop; outside any task the same calls simply block, so a small
-- script needs no task at all. The loop runs in whoever waits from
-- outside a task (task.wait, task.map, task.run): it resumes the tasks
-- that can run, then waits once for whatever comes first: a transfer of
-- the HTTP engine finishing (every client shares one curl multi handle,
-- so one curl_multi_poll covers them all) or the nearest sleeper's
-- wake-up; then it resumes the tasks whose transfer or sleep is over.
--
-- A task that raises does not disturb the others: its error (an error
-- object, with a `traceback` field) is what waiting on it returns. Tasks
-- advance only while something drives the loop.

local host = require "slsh.host.core"
local errs = require "slsh.err"

local M = {}

-- The longest the loop blocks in C at once, so that Ctrl-C (a hook that
-- fires between Lua instructions) is noticed promptly.
local MAX_BLOCK = 0.5
-- Only a client given max_connections has an engine of its own (curl caps
-- connections per multi handle); when such engines and the shared one
-- all have work, one poll cannot wait on all of them, so each is waited
-- on in turn for at most this long.
local SLICE = 0.005

local Task = { __name = "slsh.task" }
Task.__index = Task

function Task:__tostring()
  return "slsh.task (" .. self.status .. ")"
end

local task_of = setmetatable({}, { __mode = "k" }) -- coroutine -> task
local ready = { first = 1, last = 0 }              -- FIFO of runnable tasks
local sleeping = {}                                -- task -> true
local in_io = {}                                   -- task -> true
local live = 0                                     -- tasks not done

local function push_ready(t)
  t.status = "ready"
  ready.last = ready.last + 1
  ready[ready.last] = t
end

local function pop_ready()
  local t = ready[ready.first]
  ready[ready.first] = nil
  ready.first = ready.first + 1
  return t
end

local function have_ready()
  return ready.first <= ready.last
end

-- An error object for anything raised: error objects keep their code and
-- gain a traceback; other values become code "lua_error".
local function as_error(e, traceback)
  if errs.is(e) then
    if rawget(e, "traceback") == nil then e.traceback = traceback end
    return e
  end
  return errs.new { code = "lua_error", message = tostring(e), value = e,
                    traceback = traceback }
end

-- xpcall message handler: the traceback is taken where the error was
-- raised, before the stack unwinds.
local function handler(e)
  return as_error(e, debug.traceback(nil, 2))
end

-- A task has ended: keep its outcome and wake whoever waits for it.
local function finish(t, ok, payload)
  t.status = "done"
  live = live - 1
  if t.group then t.group.live = t.group.live - 1 end
  if ok then t.values = payload else t.err = payload end
  for _, w in ipairs(t.waiters) do
    w.pending = w.pending - 1
    if w.pending == 0 then push_ready(w) end
  end
  t.waiters = nil
  task_of[t.co] = nil
end

-- Run a task until it blocks, yields or ends.
local function resume(t)
  t.status = "running"
  local args = t.args or { n = 0 }
  t.args = nil
  local res = table.pack(coroutine.resume(t.co, table.unpack(args, 1, args.n)))
  if coroutine.status(t.co) == "dead" then
    if res[1] then
      finish(t, true, table.pack(table.unpack(res, 2, res.n)))
    else
      local e = as_error(res[2], debug.traceback(t.co, nil, 0))
      coroutine.close(t.co) -- its pending to-be-closed variables
      finish(t, false, e)
    end
  elseif t.status == "running" then
    -- a bare coroutine.yield(): treat it as "let the others run"
    push_ready(t)
  end
end

-- Suspend the current task; whoever set `status` knows how it resumes.
local function block(t, status)
  t.status = status
  coroutine.yield()
end

-- Move sleepers whose time has come to the ready queue; returns the
-- nearest future wake-up time, or nil.
local function wake_sleepers(now)
  local nearest
  for t in pairs(sleeping) do
    if t.wake <= now then
      sleeping[t] = nil
      push_ready(t)
    elseif not nearest or t.wake < nearest then
      nearest = t.wake
    end
  end
  return nearest
end

-- Move tasks whose transfer has finished to the ready queue; returns the
-- set of engines that still have transfers someone waits for, and their
-- count (1 unless a client has an engine of its own).
local function wake_io()
  local engines, n = {}, 0
  for t in pairs(in_io) do
    if t.xfer:done() then
      in_io[t] = nil
      t.engine, t.xfer = nil, nil
      push_ready(t)
    elseif not engines[t.engine] then
      engines[t.engine] = true
      n = n + 1
    end
  end
  return engines, n
end

-- One round of waiting: sleepers, transfers, and if nothing can run now,
-- block (in curl or in sleep) until something can.
local function poll()
  local nearest = wake_sleepers(host.monotime())
  local engines, nengines = wake_io()
  if nengines == 0 then
    if have_ready() then return end
    if not nearest then
      error("slsh.task: deadlock: every unfinished task waits for another " ..
            "task", 0)
    end
    host.sleep(math.min(MAX_BLOCK, nearest - host.monotime()))
    wake_sleepers(host.monotime())
    return
  end
  local timeout = MAX_BLOCK
  if have_ready() then
    timeout = 0
  elseif nearest then
    timeout = math.max(0, math.min(timeout, nearest - host.monotime()))
  end
  if nengines > 1 then timeout = math.min(timeout, SLICE) end
  for e in pairs(engines) do
    if e:step(timeout) > 0 then timeout = 0 end
  end
  wake_io()
  wake_sleepers(host.monotime())
end

-- The loop: run ready tasks, then wait for something, until `finished()`.
local function drive(finished)
  while not finished() do
    -- only the tasks ready now; those they wake run in the next round,
    -- after transfers have been stepped once more
    for _ = ready.first, ready.last do
      resume(pop_ready())
    end
    if finished() then return end
    poll()
  end
end

local function check_task(h, what)
  if getmetatable(h) ~= Task then
    error(what .. ": expected a task handle, got " .. type(h), 3)
  end
end

--- The running task, or nil outside any task (or inside a plain
-- coroutine that a task started: there, waiting blocks as outside).
function M.current()
  local co, main = coroutine.running()
  if main then return nil end
  return task_of[co]
end

--- Start fn(...) as a task; it first runs when the loop is driven.
function M.spawn(fn, ...)
  if type(fn) ~= "function" then
    local mt = getmetatable(fn)
    if not (mt and mt.__call) then
      error("task.spawn: expected a function, got " .. type(fn), 2)
    end
    local callable = fn
    fn = function(...) return callable(...) end
  end
  local parent = M.current()
  local t = setmetatable({
    co = coroutine.create(fn),
    status = "ready",
    args = table.pack(...),
    waiters = {},
    group = parent and parent.group, -- the task.run it belongs to
  }, Task)
  task_of[t.co] = t
  live = live + 1
  if t.group then t.group.live = t.group.live + 1 end
  push_ready(t)
  return t
end

-- What waiting on a finished task gives: its results, or nil, err.
local function outcome(h)
  if h.err then return nil, h.err end
  return table.unpack(h.values, 1, h.values.n)
end

--- Wait for one task (returns its results, or nil, err if it raised), or
-- for a list of tasks (returns results, errors, nerrors: results[i] is
-- the first value of task i, errors[i] its error, whether raised or
-- returned as nil, err).
function M.wait(what)
  local list, single
  if getmetatable(what) == Task then
    list, single = { what }, true
  elseif type(what) == "table" then
    list = what
    for i = 1, #list do check_task(list[i], "task.wait") end
  else
    error("task.wait: expected a task or a list of tasks, got " .. type(what), 2)
  end
  local me = M.current()
  local pending = 0
  for i = 1, #list do
    if list[i] == me then error("task.wait: a task cannot wait for itself", 2) end
    if list[i].status ~= "done" then pending = pending + 1 end
  end
  if pending > 0 then
    if me then
      me.pending = pending
      for i = 1, #list do
        local h = list[i]
        if h.status ~= "done" then h.waiters[#h.waiters + 1] = me end
      end
      block(me, "waiting")
    else
      drive(function()
        for i = 1, #list do
          if list[i].status ~= "done" then return false end
        end
        return true
      end)
    end
  end
  if single then return outcome(what) end
  local results, errors, nerr = {}, {}, 0
  for i = 1, #list do
    local h = list[i]
    if h.err then
      errors[i], nerr = h.err, nerr + 1
    elseif h.values[1] == nil and h.values[2] ~= nil then
      errors[i], nerr = h.values[2], nerr + 1
    else
      results[i] = h.values[1]
    end
  end
  return results, errors, nerr
end

--- Sleep: inside a task, let the others run meanwhile.
function M.sleep(seconds)
  if type(seconds) ~= "number" or seconds ~= seconds or seconds < 0 then
    error("task.sleep: expected a number of seconds >= 0", 2)
  end
  local me = M.current()
  if not me then
    host.sleep(seconds)
    return
  end
  me.wake = host.monotime() + seconds
  sleeping[me] = true
  block(me, "sleeping")
end

--- Let the other ready tasks run (no-op outside a task).
function M.yield()
  local me = M.current()
  if me then
    push_ready(me)
    block(me, "ready")
  end
end

--- Wait until `xfer` (a transfer of `client`) is done: inside a task by
-- yielding to the loop, outside by stepping the client.
function M.await_transfer(client, xfer)
  if xfer:done() then return end
  local me = M.current()
  if not me then
    repeat client:step(MAX_BLOCK) until xfer:done()
    return
  end
  me.engine, me.xfer = client:engine(), xfer
  in_io[me] = true
  block(me, "io")
end

--- Apply fn(item, i) to every item of the sequence `items`, at most
-- `concurrency` (default 8) at a time. Returns results, errors, nerrors,
-- indexed like items: an item fails when fn raises or returns nil, err;
-- a failure never stops the other items.
function M.map(items, fn, opts)
  if type(items) ~= "table" then
    error("task.map: expected a list of items, got " .. type(items), 2)
  end
  if type(fn) ~= "function" then
    error("task.map: expected a function, got " .. type(fn), 2)
  end
  local concurrency = 8
  if opts ~= nil then
    require("slsh.client_common").check_options("task.map", opts, { concurrency = "any" })
    if opts.concurrency ~= nil then
      concurrency = opts.concurrency
      if math.type(concurrency) ~= "integer" or concurrency < 1 then
        error("task.map: concurrency must be a positive integer", 2)
      end
    end
  end
  local n = #items
  local results, errors, nerr = {}, {}, 0
  local next_i = 0
  local function worker()
    while next_i < n do
      next_i = next_i + 1
      local i = next_i
      local ok, v, e = xpcall(fn, handler, items[i], i)
      if not ok then
        errors[i], nerr = v, nerr + 1
      elseif v == nil and e ~= nil then
        errors[i], nerr = e, nerr + 1
      else
        results[i] = v
      end
    end
  end
  local workers = {}
  for k = 1, math.min(concurrency, n) do workers[k] = M.spawn(worker) end
  local _, werrs = M.wait(workers)
  -- a worker only fails if the loop itself broke (e.g. an interruption)
  for _, e in pairs(werrs) do errs.raise(e) end
  return results, errors, nerr
end

--- Run fn(...) as a task and drive the loop until it and every task it
-- spawned (and they spawned) are done; returns fn's results, or nil, err.
-- Inside a task: the same as task.wait(task.spawn(fn, ...)).
function M.run(fn, ...)
  local h = M.spawn(fn, ...)
  if M.current() then return M.wait(h) end
  local group = { live = 1 }
  h.group = group
  drive(function() return group.live == 0 end)
  return outcome(h)
end

--- Counts of tasks by state, for progress displays and leak checks.
function M.stats()
  local n_ready = ready.last - ready.first + 1
  local n_sleeping, n_io = 0, 0
  for _ in pairs(sleeping) do n_sleeping = n_sleeping + 1 end
  for _ in pairs(in_io) do n_io = n_io + 1 end
  return { live = live, ready = n_ready, sleeping = n_sleeping, io = n_io }
end

return M
