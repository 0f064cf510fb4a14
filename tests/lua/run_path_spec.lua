-- `slsh run NAME` finds the user's own workflows on the search path
-- ($SLSH_PATH, then $XDG_CONFIG_HOME/slsh/workflows or
-- ~/.config/slsh/workflows), a bundled workflow keeps its name, and
-- `slsh run` lists them all, saying where each comes from.
local run = require "run"

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

describe("slsh run and the workflow search path", function()
  local root, first, second, config, env

  setup(function()
    root = run.tmpname(".d")
    first, second = root .. "/first", root .. "/second"
    config = root .. "/config"
    assert(os.execute("mkdir -p " .. first .. " " .. second .. " " .. config
                      .. "/slsh/workflows " .. root .. "/home/.config/slsh/workflows"))
    write(first .. "/hello.lua", '--- Greets whoever it is given.\nprint("first", ...)\n')
    write(second .. "/hello.lua", '--- Never runs: first comes first.\nprint("second")\n')
    write(second .. "/count.lua", "--- Counts its arguments.\nprint(select('#', ...))\n"
          .. "os.exit(3)\n")
    write(first .. "/audit.lua", '--- Would take the name of a bundled one.\nprint("mine")\n')
    write(first .. "/notes.txt", "not a workflow\n")
    write(second .. "/no-summary.lua", "print(1)\n")
    write(config .. "/slsh/workflows/cfg-only.lua", '--- From the config directory.\n'
          .. 'print("config", arg[0])\n')
    write(root .. "/home/.config/slsh/workflows/home-only.lua", 'print("home")\n')
    env = { SLSH_PATH = first .. ":" .. root .. "/missing:" .. second,
            XDG_CONFIG_HOME = config, HOME = root .. "/home" }
  end)
  teardown(function() os.execute("rm -rf " .. run.quote(root)) end)

  it("runs the first NAME.lua on $SLSH_PATH with its arguments", function()
    local r = run.slsh({ "run", "hello", "a", "b c" }, { env = env })
    assert.equal(0, r.code, r.stderr)
    assert.equal("first\ta\tb c\n", r.stdout)
  end)

  it("passes the workflow's exit status on", function()
    local r = run.slsh({ "run", "count", "x", "y" }, { env = env })
    assert.equal(3, r.code)
    assert.equal("2\n", r.stdout)
  end)

  it("then looks in $XDG_CONFIG_HOME/slsh/workflows, else ~/.config", function()
    local r = run.slsh({ "run", "cfg-only" }, { env = env })
    assert.equal(0, r.code, r.stderr)
    assert.equal("config\tcfg-only\n", r.stdout)
    local noxdg = { SLSH_PATH = "", XDG_CONFIG_HOME = "", HOME = root .. "/home" }
    r = run.slsh({ "run", "home-only" }, { env = noxdg })
    assert.equal(0, r.code, r.stderr)
    assert.equal("home\n", r.stdout)
  end)

  it("keeps a bundled workflow's name for the bundled workflow", function()
    local r = run.slsh({ "run", "audit", "--help" }, { env = env })
    assert.equal(0, r.code, r.stderr)
    assert.matches("usage: slsh run audit", r.stdout)
    assert.not_matches("mine", r.stdout)
  end)

  it("refuses a name that is nowhere, or that is a path, with status 2", function()
    for _, name in ipairs { "no-such-workflow", "../first/hello", "hello.lua", "" } do
      local r = run.slsh({ "run", name }, { env = env })
      assert.equal(2, r.code, name)
      assert.equal("", r.stdout)
      assert.matches("no workflow '" .. name:gsub("%p", "%%%0") .. "'", r.stderr)
      assert.matches("SLSH_PATH", r.stderr)
    end
  end)

  it("lists the user's workflows after the bundled ones, with where they are", function()
    local r = run.slsh({ "run" }, { env = env })
    assert.equal(0, r.code, r.stderr)
    local bundled, mine = r.stdout:match("^bundled workflows.-\n(.-)\n\nyour workflows.-\n(.*)$")
    assert.truthy(bundled, r.stdout)
    assert.matches("\n  audit%s+Encryption status", "\n" .. bundled)
    assert.matches("  hello%s+Greets whoever it is given%.\n%s+" .. first:gsub("%p", "%%%0")
                   .. "/hello%.lua\n", mine)
    assert.matches("  cfg%-only%s+From the config directory%.\n", mine)
    assert.matches("/audit%.lua %(not run: the bundled one has this name%)", mine)
    assert.matches(second:gsub("%p", "%%%0") .. "/hello%.lua %(not run: "
                   .. first:gsub("%p", "%%%0") .. "/hello%.lua comes first%)", mine)
    assert.not_matches("notes", mine)
    -- SLSH_PATH's directories in their order, then the config directory
    assert.truthy(mine:find("Greets", 1, true) < mine:find("Counts", 1, true))
    assert.truthy(mine:find("Counts", 1, true) < mine:find("From the config", 1, true))
  end)

  it("lists them so that shell completion offers the user's workflows too", function()
    local src = os.getenv("SLSH_SOURCE_DIR") or "."
    local script = "source " .. run.quote(src .. "/dist/slsh.bash") .. "; "
      .. "COMP_WORDS=(" .. run.quote(run.bin) .. " run ''); COMP_CWORD=2; _slsh_bash; "
      .. 'echo "${COMPREPLY[*]}"'
    local r = run.sh("bash -c " .. run.quote(script), { env = env })
    assert.equal(0, r.code, r.stderr)
    local offered = {}
    for name in r.stdout:gmatch("%S+") do offered[name] = true end
    for _, name in ipairs { "audit", "toggle", "hello", "count", "cfg-only", "no-summary" } do
      assert.is_true(offered[name], name .. " not in: " .. r.stdout)
    end
    assert.is_nil(offered[first .. "/hello.lua"])
  end)

  it("lists only the bundled workflows when the user has none", function()
    local r = run.slsh({ "run" }, { env = { SLSH_PATH = "", XDG_CONFIG_HOME = root .. "/none" } })
    assert.equal(0, r.code, r.stderr)
    assert.matches("^bundled workflows", r.stdout)
    assert.not_matches("your workflows", r.stdout)
  end)
end)
