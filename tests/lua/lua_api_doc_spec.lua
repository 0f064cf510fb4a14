-- docs/lua-api.md is executable: every ```lua block (not ```lua norun)
-- runs, as written, through the slsh binary against the emulator serving
-- the test cloud (restored before each block), with --region cn-hangzhou,
-- --connect-to the emulator and the cloud's root key in the environment,
-- as the page's "How the examples run" says. And every public function of
-- every slsh module, and every method of the objects they return, appears
-- in some executed example.
local cloud = require "cloud"
local run = require "run"

local DOC = (os.getenv("SLSH_SOURCE_DIR") or ".") .. "/docs/lua-api.md"

-- Methods that are not for scripts, and why.
local INTERNAL = {
  sign_request = "called by the transport with live credentials on every attempt",
  render = "the progress bar's text, drawn by tick and finish",
  fetch_page = "the targets stream's paging, driven by next",
  absorb_page = "the targets stream's paging, driven by next",
  list = "the targets stream's listing of one project, driven by next",
  fill = "the targets stream's listing ahead, driven by next",
  paging = "the targets stream's state, asked by next",
}

-- The doc's code blocks: {info=, code=, line=}.
local function blocks()
  local f = assert(io.open(DOC))
  local text = f:read("a")
  f:close()
  local out, n, cur = {}, 0, nil
  for line in (text .. "\n"):gmatch("(.-)\n") do
    n = n + 1
    if cur then
      if line == "```" then
        out[#out + 1] = cur
        cur = nil
      else
        cur.code[#cur.code + 1] = line
      end
    else
      local info = line:match("^```(.*)$")
      if info then cur = { info = info, code = {}, line = n } end
    end
  end
  assert(cur == nil, "an unclosed code block in " .. DOC)
  for _, b in ipairs(out) do b.code = table.concat(b.code, "\n") .. "\n" end
  return out, text
end

-- Names of the functions in `t` and along its __index chain (a
-- metatable: its methods and those of the classes it inherits).
local function functions_of(t, seen)
  seen = seen or {}
  local out = {}
  while type(t) == "table" and not seen[t] do
    seen[t] = true
    for k, v in pairs(t) do
      if type(k) == "string" and type(v) == "function" and not k:match("^__") then
        out[#out + 1] = k
      end
    end
    local mt = getmetatable(t)
    t = mt and rawget(mt, "__index")
  end
  table.sort(out)
  return out
end

describe("docs/lua-api.md", function()
  local all, text = blocks()
  local runnable, code = {}, {}
  for _, b in ipairs(all) do
    if b.info == "lua" then
      runnable[#runnable + 1] = b
      code[#code + 1] = b.code
    end
  end
  code = table.concat(code, "\n")

  it("has examples to run", function()
    assert.is_true(#runnable >= 25, #runnable .. " runnable blocks")
  end)

  describe("runs every example", function()
    local c, home

    setup(function()
      c = cloud.start()
      home = os.tmpname()
      os.remove(home)
      assert(os.execute("mkdir -p " .. home))
    end)
    teardown(function()
      os.execute("rm -rf " .. home)
      c:stop()
    end)

    for _, b in ipairs(runnable) do
      local first = b.code:match("^%s*(.-)%s*\n")
      it(string.format("at line %d (%s)", b.line, first), function()
        c:reset()
        local path = os.tmpname()
        local f = assert(io.open(path, "w"))
        f:write(b.code)
        f:close()
        local r = run.slsh({ "--region", cloud.REGION, "--connect-to", c.url, path },
                           { env = { HOME = home, ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
                                     ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret } })
        os.remove(path)
        assert.equal(0, r.code, string.format("example at %s:%d failed:\n%s%s", DOC, b.line,
                                              r.stdout, r.stderr))
      end)
    end
  end)

  it("names every module", function()
    for _, name in ipairs(slsh.modules()) do
      assert.truthy(text:find("slsh." .. name, 1, true), "slsh." .. name)
    end
  end)

  it("shows every public function of every module in an example", function()
    local missing = {}
    for _, name in ipairs(slsh.modules()) do
      for _, fn in ipairs(functions_of(slsh[name])) do
        if not code:find("[%.:]" .. fn .. "%f[^%w_]") then
          missing[#missing + 1] = "slsh." .. name .. "." .. fn
        end
      end
    end
    assert.truthy(code:find("slsh.modules()", 1, true))
    assert.truthy(code:find("slsh.credentials{", 1, true))
    assert.same({}, missing)
  end)

  it("shows every method of the objects the modules return in an example", function()
    local creds = slsh.credentials { access_key_id = "A", access_key_secret = "s" }
    local opts = { region = cloud.REGION, credentials = creds }
    local http = slsh.http.client {}
    local x = http:submit { url = "http://127.0.0.1:9/" }
    local objects = {
      sls = slsh.sls.client(opts), ram = slsh.ram.client { credentials = creds },
      kms = slsh.kms.client(opts), sts = slsh.sts.client(opts),
      rm = slsh.resourcemanager.client { credentials = creds },
      http = http, transfer = x, provider = creds,
      progress = slsh.report.progress { total = 1, enabled = false },
      -- slsh.workflow's, made without the network: a targets stream
      -- over no region has no project page to read
      targets = slsh.workflow.targets { regions = {} },
      journal = slsh.workflow.journal(nil),
      output = slsh.workflow.output({}, {}),
    }
    local missing = {}
    for what, obj in pairs(objects) do
      for _, m in ipairs(functions_of(getmetatable(obj))) do
        if not INTERNAL[m] and not code:find(":" .. m .. "%f[^%w_]") then
          missing[#missing + 1] = what .. ":" .. m
        end
      end
    end
    for _, m in ipairs { "secret", "token" } do -- credentials objects (userdata)
      if not code:find(":" .. m .. "()", 1, true) then missing[#missing + 1] = "cred:" .. m end
    end
    http:close()
    table.sort(missing)
    assert.same({}, missing)
  end)
end)
