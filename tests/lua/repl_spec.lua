-- The REPL's Lua side without a terminal: help drawn from docs/lua-api.md
-- for every public function, and live completion of the names in a
-- client call, fetched once from the emulator and cached. The terminal
-- side (readline, history, TAB on screen) is tests/repl/test_repl.py.
local cloud = require "cloud"
local help = require "slsh.help"
local repl = require "slsh.repl"

-- Methods that are not for scripts (as in lua_api_doc_spec.lua).
local INTERNAL = { sign_request = true, render = true, fetch_page = true, absorb_page = true,
                   list = true, fill = true, paging = true }

local function methods(obj)
  local out = {}
  local t = getmetatable(obj)
  while type(t) == "table" do
    local index = rawget(t, "__index")
    if type(index) ~= "table" then index = t end
    for k, v in pairs(index) do
      if type(v) == "function" and not k:match("^__") and not INTERNAL[k] then out[k] = v end
    end
    t = getmetatable(index)
  end
  return out
end

describe("help", function()
  it("has a text with a signature for every module and public function", function()
    local missing = {}
    for _, mod in ipairs(slsh.modules()) do
      if not help.text(slsh[mod]) then missing[#missing + 1] = "slsh." .. mod end
      for k, v in pairs(slsh[mod]) do
        if type(v) == "function" and not help.text(v) then
          missing[#missing + 1] = "slsh." .. mod .. "." .. k
        end
      end
    end
    assert.same({}, missing)
  end)

  it("has a text for every method of the objects the modules return", function()
    local creds = slsh.credentials { access_key_id = "A", access_key_secret = "s" }
    local opts = { region = cloud.REGION, credentials = creds }
    local http = slsh.http.client {}
    local objects = {
      sls = slsh.sls.client(opts), kms = slsh.kms.client(opts),
      ram = slsh.ram.client { credentials = creds }, sts = slsh.sts.client(opts),
      rm = slsh.resourcemanager.client { credentials = creds },
      http = http, provider = creds,
      progress = slsh.report.progress { total = 1, enabled = false },
      targets = slsh.workflow.targets { regions = {} }, journal = slsh.workflow.journal(nil),
      output = slsh.workflow.output({}, {}),
    }
    local missing = {}
    for what, obj in pairs(objects) do
      for name, fn in pairs(methods(obj)) do
        if not help.text(fn) then missing[#missing + 1] = what .. ":" .. name end
      end
    end
    http:close()
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("shows a method's signature and an example that calls it", function()
    local sls = slsh.sls.client { region = cloud.REGION,
      credentials = slsh.credentials { access_key_id = "A", access_key_secret = "s" } }
    local text = assert(help.text(sls.get_logstore))
    assert.truthy(text:find("`sls:get_logstore(p, ls)`", 1, true), text)
    assert.truthy(text:find("example:\n", 1, true), text)
    assert.truthy(text:match("example:\n.-:get_logstore%("), text)
    assert.equal(text, help.text("sls:get_logstore"))
    assert.equal(text, help.text("slsh.sls:get_logstore"))
  end)

  it("shows a module's section and a function by name or value", function()
    local text = assert(help.text(slsh.kms))
    assert.truthy(text:find("kms:describe_key(id_or_alias)", 1, true), text)
    assert.truthy(help.text(slsh.sls.client):find("slsh.sls.client{region=", 1, true))
    assert.equal(help.text(slsh.json.decode), help.text("json.decode"))
  end)

  it("has a text for slsh's own fields", function()
    for _, x in ipairs { slsh.config, slsh.modules, "slsh.version" } do
      assert.truthy((help.text(x) or ""):find("`slsh.config` the defaults", 1, true), tostring(x))
    end
  end)

  it("names a method held through an object of another library", function()
    local Other = { __name = "other.thing" }
    Other.__index = Other
    function Other.get_logstore() end
    rawset(_G, "other_thing", setmetatable({}, Other))
    local text, why = help.text(Other.get_logstore)
    rawset(_G, "other_thing", nil)
    assert.is_nil(text)
    assert.truthy(why:find("^no help for"), why)
  end)

  it("says where to look when there is no help", function()
    local text, why = help.text(function() end)
    assert.is_nil(text)
    assert.truthy(why:find("^no help for function"), why)
    assert.truthy(why:find("docs/lua-api.md", 1, true), why)
    assert.is_nil((help.text("sls:no_such_method")))
  end)

  it("lists the commands and the modules without an argument", function()
    local text = assert(help.text())
    assert.truthy(text:find(":json EXPR", 1, true))
    assert.truthy(text:find("encrypt_conf", 1, true))
  end)
end)

describe("live completion", function()
  local c

  setup(function() c = cloud.start() end)
  teardown(function() c:stop() end)
  after_each(function()
    rawset(_G, "sls", nil)
    rawset(_G, "kms", nil)
    rawset(_G, "ram", nil)
  end)

  it("completes slsh's submodules before they are loaded, under any name", function()
    local mod = require "slsh"
    rawset(mod, "workflow", nil) -- as before its first use (it loads again on access)
    assert.same({ "slsh.workflow" }, repl.complete("slsh.wo"))
    -- the module, not the global, is what counts
    rawset(_G, "mod", mod)
    rawset(_G, "slsh", nil)
    local ok, got = pcall(repl.complete, "mod.wo")
    rawset(_G, "slsh", mod)
    rawset(_G, "mod", nil)
    assert.is_true(ok, got)
    assert.same({ "mod.workflow" }, got)
  end)

  it("completes projects, then the project's logstores, fetched once", function()
    rawset(_G, "sls", c:sls())
    c:reset_stats()
    assert.same({ cloud.PROJECT }, repl.complete("", 'sls:get_logstore("'))
    -- readline replaces only the word after the last "-": the rest of it
    assert.same({ "test-project" }, repl.complete("te", 'x = sls:get_logstore("slsh-te'))
    assert.same({ "byok-disabled-key", "byok-off", "byok-on" },
                repl.complete("byok", 'sls:get_logstore("' .. cloud.PROJECT .. '", "byok'))
    assert.same({ "on" },
                repl.complete("on", "sls:set_encryption('" .. cloud.PROJECT .. "', 'byok-on"))
    repl.complete("", 'sls:get_logstore("')
    assert.equal(1, c:count("ListProject"))
    assert.equal(1, c:count("ListLogStores"))
  end)

  it("completes key ids and aliases, and role names", function()
    rawset(_G, "kms", c:kms())
    rawset(_G, "ram", c:ram())
    local keys = repl.complete("", 'kms:describe_key("')
    assert.truthy(keys[1], "no key ids")
    local seen = {}
    for _, k in ipairs(keys) do seen[k] = true end
    assert.is_true(seen[cloud.KEY] and seen[cloud.ALIAS])
    assert.same({ "slsh-byok-role" }, repl.complete("slsh-b", 'ram:get_role("slsh-b'))
    assert.same({ "slsh-byok-role" },
                repl.complete("slsh-b", 'ram:ensure_byok_role{ dry_run = true, name = "slsh-b'))
    assert.same({ "slsh-byok-role" },
                repl.complete("slsh-b", 'ram:attach_policy_to_role({ role = "slsh-b'))
    assert.same({}, repl.complete("", 'ram:attach_policy_to_role{ policy = "'))
  end)

  it("offers nothing outside a name argument, or when the cloud cannot be asked", function()
    rawset(_G, "sls", c:sls())
    assert.same({}, repl.complete("", 'sls:get_logstore("p", "ls", "'))
    assert.same({}, repl.complete("", 'sls:get_logstore("p", {"'))
    assert.same({}, repl.complete("", 'nobody:get_logstore("'))
    rawset(_G, "sls", slsh.sls.client { region = cloud.REGION,
      credentials = slsh.credentials { access_key_id = "LTAIwrong", access_key_secret = "x" },
      connect_to = c.url, retries = 0 })
    assert.same({}, repl.complete("", 'sls:get_logstore("'))
  end)

  it("still completes names of globals and fields outside quotes", function()
    rawset(_G, "sls", c:sls())
    assert.same({ "sls:get_logstore" }, repl.complete("sls:get_logs", "sls:get_logs"))
  end)
end)
