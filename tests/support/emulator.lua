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
  while not (srv.url and (not opts.tls or (srv.https_url and srv.ca))) do
    local l = p:read("l")
    if not l then
      p:close()
      error("test server did not start: " .. line, 2)
    end
    local url = l:match("^listening (http://%S+)")
    local https_url = l:match("^listening (https://%S+)")
    srv.url = srv.url or url
    srv.https_url = srv.https_url or https_url
    srv.ca = srv.ca or l:match("^ca (%S+)")
  end
  srv.url = srv.url:gsub("/$", "")
  if srv.https_url then srv.https_url = srv.https_url:gsub("/$", "") end
  srv.address = srv.url:match("^http://(.*)$")
  if srv.https_url then srv.https_address = srv.https_url:match("^https://(.*)$") end
  function srv.stop()
    if srv.pipe then
      os.execute("kill " .. srv.pid .. " 2>/dev/null")
      srv.pipe:close()
      srv.pipe = nil
    end
  end
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

--- The server's counters ({connections=, requests=}), read over a fresh
-- connection of a fresh client.
function M.stats(srv)
  local c = slsh.http.client {}
  local r = assert(c:request { url = srv.url .. "/__emulator/stats" })
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
