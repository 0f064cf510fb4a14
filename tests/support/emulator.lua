--- Start a test server process and learn where it listens.
--
--   local emulator = require "emulator"
--   local srv = emulator.start{tls = true}   -- the project's emulator
--   local srv = emulator.echo{tls = true}    -- tests/support/echo_server.py
--   srv.url, srv.https_url, srv.ca           -- from its first lines
--   emulator.stats(srv).connections
--   srv:stop()
--
-- The server is told `--listen 127.0.0.1:0` (plus `--tls` and opts.args)
-- and must print `listening http://HOST:PORT`, with --tls also `listening
-- https://HOST:PORT` and `ca PATH`. The emulator's command comes from
-- opts.command, else $SLSH_EMULATOR, else tests/emulator/slsh-emulator.

local M = {}

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function source_dir()
  return os.getenv("SLSH_SOURCE_DIR") or "."
end

--- Start `opts.command` (a shell command line); returns the server.
function M.start(opts)
  opts = opts or {}
  local cmd = opts.command or os.getenv("SLSH_EMULATOR")
    or (source_dir() .. "/tests/emulator/slsh-emulator")
  local args = { "--listen", "127.0.0.1:0" }
  if opts.tls then args[#args + 1] = "--tls" end
  for _, a in ipairs(opts.args or {}) do args[#args + 1] = a end
  for i, a in ipairs(args) do args[i] = quote(a) end
  -- `echo $$; exec` gives us the server's own pid to kill later
  local line = "echo $$; exec " .. cmd .. " " .. table.concat(args, " ")
  local p = assert(io.popen(line, "r"))
  local srv = { pid = tonumber(p:read("l")), pipe = p }
  local wants = opts.wants or (opts.tls and { "url", "https_url", "ca" } or { "url" })
  local function started()
    for _, k in ipairs(wants) do
      if not srv[k] then return false end
    end
    return true
  end
  while not started() do
    local l = p:read("l")
    if not l then
      p:close()
      error("test server did not start: " .. line, 2)
    end
    srv.url = srv.url or l:match("^listening (http://[^/%s]+)")
    srv.https_url = srv.https_url or l:match("^listening (https://[^/%s]+)")
    srv.ca = srv.ca or l:match("^ca (%S+)")
  end
  function srv.stop()
    if srv.pipe then
      os.execute("kill " .. srv.pid .. " 2>/dev/null")
      srv.pipe:close()
      srv.pipe = nil
    end
  end
  -- If a script dies without stop(), closing the pipe at exit would wait
  -- for the server forever: kill it first (finalizers run newest first).
  setmetatable(srv, { __gc = srv.stop })
  return srv
end

--- Start the small echo server of tests/support (no emulator needed).
function M.echo(opts)
  opts = opts or {}
  return M.start {
    command = "python3 " .. quote(source_dir() .. "/tests/support/echo_server.py"),
    tls = opts.tls, args = opts.args,
  }
end

--- Start tests/support/h2_server.js (node) with the certificate of a
-- TLS echo server `tls_srv`; nil when node is not installed.
function M.h2(tls_srv)
  if not os.execute("command -v node >/dev/null 2>&1") then return nil end
  local dir = tls_srv.ca:match("^(.*)/[^/]*$")
  local srv = M.start {
    command = "node " .. quote(source_dir() .. "/tests/support/h2_server.js"),
    args = { "--cert", dir .. "/server.pem", "--key", dir .. "/server.key" },
    wants = { "https_url" },
  }
  srv.ca = tls_srv.ca
  return srv
end

--- The server's counters ({connections=, requests=}), read over a fresh
-- connection of a fresh client.
function M.stats(srv)
  -- an engine of its own (max_connections): the stats request neither
  -- reuses nor leaves behind a connection of the traffic it counts
  local c = slsh.http.client { ca_file = srv.ca, max_connections = 1 }
  local r = assert(c:request { url = (srv.url or srv.https_url) .. "/__emulator/stats" })
  c:close()
  return {
    connections = tonumber(r.body:match('"connections"%s*:%s*(%d+)')),
    requests = tonumber(r.body:match('"requests"%s*:%s*(%d+)')),
  }
end

--- Parse what /echo answers: {method=, target=, headers={lower = value},
-- header_list={{name, value}}, body=}.
function M.parse_echo(text)
  local head, body = text:match("^(.-)\n\n(.*)$")
  local out = { headers = {}, header_list = {}, body = body }
  local first = true
  for l in (head .. "\n"):gmatch("(.-)\n") do
    if first then
      out.method, out.target = l:match("^(%S+) (%S+)$")
      first = false
    else
      local name, value = l:match("^([^:]+): ?(.*)$")
      out.header_list[#out.header_list + 1] = { name, value }
      out.headers[name:lower()] = value
    end
  end
  return out
end

return M
