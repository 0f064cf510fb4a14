--- Requests per second of slsh.http + slsh.task on loopback, and the CPU
-- slsh spends per request (the servers are the bottleneck, not us).
--   build/slsh tests/bench/http_bench.lua [N]
package.path = "tests/support/?.lua;" .. package.path
local emulator = require "emulator"
local task, host = slsh.task, slsh.host

local N = tonumber(arg and arg[1]) or 2000

local function bench(name, srv, opts, base_url, conc, count)
  local n = count or N
  local c = slsh.http.client(opts)
  local before = emulator.stats(srv).connections
  local items = {}
  for i = 1, n do items[i] = i end
  local t0, cpu0 = host.monotime(), os.clock()
  local _, _, nerr = task.map(items, function(i)
    local r, err = c:request { url = base_url .. "?i=" .. i }
    if not r then return nil, err end
    return r.status
  end, { concurrency = conc })
  local dt, cpu = host.monotime() - t0, os.clock() - cpu0
  local opened = emulator.stats(srv).connections - before - 1
  print(string.format("%-28s c=%-3d %7.0f req/s  %5.1f us CPU/req  %3d connections  %d errors",
    name, conc, n / dt, cpu / n * 1e6, opened, nerr))
  c:close()
end

local echo = emulator.echo { tls = true }
for _, conc in ipairs { 1, 8 } do
  bench("HTTP/1.1 plain (python)", echo, {}, echo.url .. "/echo", conc)
end
for _, conc in ipairs { 1, 8 } do
  bench("HTTP/1.1 TLS (python)", echo, { ca_file = echo.ca }, echo.https_url .. "/echo", conc)
end
local h2 = emulator.h2(echo)
if h2 then
  for _, conc in ipairs { 1, 8, 32 } do
    bench("HTTP/2 TLS (node)", h2, { ca_file = h2.ca }, h2.https_url .. "/echo", conc)
  end
  h2.stop()
end
-- The engine alone at scale: answers after 20 ms, 100 host names (one
-- per SLS project, say) through connect_to, 32 tasks: how close to the
-- ideal of requests x 20 ms / 32 the engine and the scheduler get, and
-- how many connections the shared cache needs.
do
  local n, conc, hosts = 2000, 32, 100
  local c = slsh.http.client { connect_to = echo.url }
  local before = emulator.stats(echo).connections
  local items = {}
  for i = 1, n do items[i] = i end
  local t0, cpu0 = host.monotime(), os.clock()
  local _, _, nerr = task.map(items, function(i)
    local r, err = c:request { url = "http://p" .. (i % hosts) .. ".example.com/sleep?ms=20" }
    if not r then return nil, err end
    return r.status
  end, { concurrency = conc })
  local dt, cpu = host.monotime() - t0, os.clock() - cpu0
  print(string.format("%-28s c=%-3d %7.2f s = %.2f x ideal  %5.1f us CPU/req  "
                      .. "%3d connections  %d errors",
    "sleep 20 ms, 100 hosts", conc, dt, dt / (n * 0.020 / conc), cpu / n * 1e6,
    emulator.stats(echo).connections - before - 1, nerr))
end
echo.stop()

-- The project's emulator with 20 ms of latency per API answer: what the
-- scheduler's overlap buys when the server, not the client, is slow.
local ok, emu = pcall(emulator.start, { args = { "--latency-ms", "20" } })
if ok then
  for _, conc in ipairs { 1, 8, 32 } do
    bench("emulator, 20 ms latency", emu, { connect_to = emu.url },
      "https://my-project.cn-hangzhou.log.aliyuncs.com/logstores", conc, 200)
  end
  emu.stop()
end
