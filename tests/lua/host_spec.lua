-- The slsh command line: scripts, -e, run, REPL fallback on
-- standard input, exit statuses, error reporting, module loading.
local run = require "run"

local function tmpfile(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

describe("slsh command", function()
  it("prints its version", function()
    local r = run.slsh { "--version" }
    assert.equal(0, r.code)
    assert.matches("^slsh %d+%.%d+%.%d+ %(Lua 5%.4", r.stdout)
  end)

  it("explains itself with --help", function()
    local r = run.slsh { "--help" }
    assert.equal(0, r.code)
    for _, word in ipairs { "--profile", "--region", "--connect-to", "-v",
                            "run NAME", "exit status" } do
      assert.truthy(r.stdout:find(word, 1, true), word)
    end
  end)

  it("runs a chunk with -e and passes the arguments", function()
    local r = run.slsh { "-e", "print(select('#', ...), arg[0], ...)",
                         "a", "b" }
    assert.equal(0, r.code)
    assert.equal("2\t-e\ta\tb\n", r.stdout)
  end)

  it("runs a script file with arg and ...", function()
    local path = tmpfile("print(arg[0] ~= nil, arg[1], arg[2], select('#', ...))")
    local r = run.slsh { path, "x", "y z" }
    os.remove(path)
    assert.equal(0, r.code)
    assert.equal("true\tx\ty z\t2\n", r.stdout)
  end)

  it("reads the script from standard input when it is not a terminal", function()
    local r = run.slsh({}, { stdin = "print(6 * 7)" })
    assert.equal(0, r.code)
    assert.equal("42\n", r.stdout)
  end)

  it("exits 1 with the message and a traceback when a script fails", function()
    local r = run.slsh { "-e", "local function f() error('boom') end f()" }
    assert.equal(1, r.code)
    assert.matches("boom", r.stderr)
    assert.matches("stack traceback", r.stderr)
  end)

  it("prints error objects through __tostring", function()
    local r = run.slsh { "-e", [[
      assert(nil, slsh.err.new{code = "LogStoreNotExist", message = "logstore x does not exist",
                               status = 404, request_id = "REQ1"})]] }
    assert.equal(1, r.code)
    assert.matches("LogStoreNotExist: logstore x does not exist %(HTTP 404; request REQ1%)",
                   r.stderr)
  end)

  it("exits with the status a script asks for", function()
    assert.equal(3, run.slsh({ "-e", "os.exit(3)" }).code)
  end)

  it("refuses unknown options with status 2", function()
    local r = run.slsh { "--frobnicate" }
    assert.equal(2, r.code)
    assert.matches("unknown option '%-%-frobnicate'", r.stderr)
  end)

  it("refuses an option without its value with status 2", function()
    local r = run.slsh { "--region" }
    assert.equal(2, r.code)
    assert.matches("needs a value", r.stderr)
  end)

  it("refuses a global value option given twice with status 2", function()
    for _, args in ipairs {
      { "--region", "cn-hangzhou", "--region", "cn-shanghai" },
      { "--region=cn-hangzhou", "--region", "cn-hangzhou" },
      { "--profile", "a", "--profile=b" },
      { "--connect-to", "http://127.0.0.1:9", "--connect-to", "http://127.0.0.1:8" },
      { "--ca-file", "/dev/null", "--ca-file", "/dev/null" },
    } do
      args[#args + 1] = "-e"
      args[#args + 1] = "print('ran')"
      local r = run.slsh(args)
      assert.equal(2, r.code, table.concat(args, " "))
      local name = args[1]:match("^(%-%-[%l-]+)")
      assert.matches("slsh: " .. name:gsub("%-", "%%-") .. " given twice", r.stderr)
      assert.equal("", r.stdout)
    end
  end)

  it("passes global options to slsh.config", function()
    local r = run.slsh { "--profile", "prod", "--region=cn-shanghai",
                         "--connect-to", "http://127.0.0.1:9", "-v", "-v", "-e",
                         "local c = slsh.config "
                         .. "print(c.profile, c.region, c.connect_to, c.verbose)" }
    assert.equal(0, r.code)
    assert.equal("prod\tcn-shanghai\thttp://127.0.0.1:9\t2\n", r.stdout)
  end)

  it("takes the connect-to address from SLSH_CONNECT_TO", function()
    local r = run.slsh({ "-e", "print(slsh.config.connect_to)" },
                       { env = { SLSH_CONNECT_TO = "http://127.0.0.1:7" } })
    assert.equal("http://127.0.0.1:7\n", r.stdout)
  end)

  it("lists the bundled workflows with 'run'", function()
    local r = run.slsh { "run" }
    assert.equal(0, r.code)
    assert.matches("bundled workflows", r.stdout)
  end)

  it("refuses an unknown workflow with status 2", function()
    local r = run.slsh { "run", "no-such-workflow" }
    assert.equal(2, r.code)
    assert.matches("no workflow 'no%-such%-workflow'", r.stderr)
  end)

  it("stops a running script on Ctrl-C", function()
    -- Interrupt only once the script runs (a loaded machine may take a
    -- while to start it), then report how the command ended.
    local out = os.tmpname()
    local script = run.quote(run.bin) .. [[ -e 'io.write("ready\n") io.flush() ]]
      .. [[while true do end' >]] .. out .. [[ 2>&1 & pid=$!
      n=0; until grep -q ready ]] .. out .. [[ || [ $n -gt 200 ]; do
        sleep 0.05; n=$((n+1)); done
      kill -INT $pid; wait $pid; code=$?; cat ]] .. out .. [[; exit $code]]
    local r = run.sh("sh -c " .. run.quote(script))
    os.remove(out)
    assert.equal(130, r.code)
    assert.equal("ready\nslsh: interrupted\n", r.stdout) -- one line, no traceback
  end)

  it("stops a running script on SIGTERM with 143, one line", function()
    local out = os.tmpname()
    local script = run.quote(run.bin) .. [[ -e 'io.write("ready\n") io.flush() ]]
      .. [[while true do end' >]] .. out .. [[ 2>&1 & pid=$!
      n=0; until grep -q ready ]] .. out .. [[ || [ $n -gt 200 ]; do
        sleep 0.05; n=$((n+1)); done
      kill -TERM $pid; wait $pid; code=$?; cat ]] .. out .. [[; exit $code]]
    local r = run.sh("sh -c " .. run.quote(script))
    os.remove(out)
    assert.equal(143, r.code)
    assert.equal("ready\nslsh: interrupted\n", r.stdout)
  end)

  it("tells the world's errors in one line, with a traceback only for -v -v", function()
    local code = "error(slsh.err.new { code = 'Unauthorized', message = 'denied' })"
    local r = run.slsh { "-e", code }
    assert.equal(1, r.code)
    assert.equal("slsh: Unauthorized: denied\n", r.stderr)
    r = run.slsh { "-v", "-v", "-e", code }
    assert.truthy(r.stderr:find("stack traceback", 1, true), r.stderr)
    r = run.slsh { "-e", "local t; return t.x" }
    assert.truthy(r.stderr:find("stack traceback", 1, true), r.stderr) -- a bug
  end)

  it("loads Lua modules from SLSH_LUA_PATH when set", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/lua/slsh"))
    local f = assert(io.open(dir .. "/lua/slsh/pretty.lua", "w"))
    f:write("return { format = function() return 'from disk' end }")
    f:close()
    local r = run.slsh({ "-e", "print(slsh.pretty.format({}))" },
                       { env = { SLSH_LUA_PATH = dir } })
    os.execute("rm -rf " .. dir)
    assert.equal("from disk\n", r.stdout)
  end)

  it("works as a module of a stock lua5.4 through slsh.so", function()
    local code = "local s = require 'slsh' print(s.version, type(s.pretty.format))"
    local r = run.sh("lua5.4 -e " .. run.quote(code), { env = run.stock_lua_env() })
    assert.equal(0, r.code, r.stderr)
    assert.matches("^%d+%.%d+%.%d+\tfunction\n$", r.stdout)
  end)
end)

describe("slsh.pretty", function()
  local pretty = require "slsh.pretty"

  it("sorts keys and nests tables", function()
    assert.equal('{\n  1,\n  b = {\n    c = true,\n  },\n  z = "x",\n}',
                 pretty.format { 1, z = "x", b = { c = true } })
  end)

  it("marks cycles", function()
    local t = {}
    t.self = t
    assert.equal("{\n  self = <cycle>,\n}", pretty.format(t))
  end)

  it("elides long lists", function()
    local t = {}
    for i = 1, 100 do t[i] = i end
    local s = pretty.format(t, { items = 3 })
    assert.matches("%.%.%. %(97 more%)", s)
  end)

  it("shows floats as floats", function()
    assert.equal("1.0", pretty.format(1.0))
    assert.equal("0.1", pretty.format(0.1))
  end)

  it("uses __tostring for error objects", function()
    local e = slsh.err.new { code = "timeout", message = "slow" }
    assert.equal("timeout: slow", pretty.format(e))
  end)
end)
