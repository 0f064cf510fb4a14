--- slsh.help: the REPL's `help`. Its only source is docs/lua-api.md (the
-- reference, whose examples the tests run), compiled into the binary as
-- the text module "slsh.doc.lua_api": help(x) finds the paragraphs of that
-- page that describe x, and the first example that uses it.

local M = {}

local doc -- the parsed page: a list of sections, loaded on first use

-- Split the page into sections (one per heading), each a list of pieces:
-- {text=} for a paragraph or a bullet, {code=, info=} for a code block.
local function parse(text)
  local sections = {}
  local sec = { heading = "", pieces = {} }
  local cur, block
  local function flush()
    if cur then sec.pieces[#sec.pieces + 1] = { text = table.concat(cur, "\n") } end
    cur = nil
  end
  for line in (text .. "\n"):gmatch("(.-)\n") do
    if block then
      if line == "```" then
        sec.pieces[#sec.pieces + 1] = { code = table.concat(block, "\n"), info = block.info }
        block = nil
      else
        block[#block + 1] = line
      end
    elseif line:match("^```") then
      flush()
      block = { info = line:sub(4) }
    elseif line:match("^#+ ") then
      flush()
      sections[#sections + 1] = sec
      sec = { heading = line, pieces = {} }
    elseif line == "" then
      flush()
    elseif line:match("^%- ") then
      flush()
      cur = { line }
    else
      cur = cur or {}
      cur[#cur + 1] = line
    end
  end
  flush()
  sections[#sections + 1] = sec
  return sections
end

local function page()
  if not doc then doc = parse(require "slsh.doc.lua_api") end
  return doc
end

-- Does the heading name module `mod` ("## Signing: slsh.sign")?
local function heading_names(heading, mod)
  return heading:find("slsh%." .. mod .. "%f[^%w_]") ~= nil
end

-- Does a piece of prose describe `member` in one of its `code` spans
-- (`sls:get_logstore(p, ls)`, `json.decode(text)`, `percent_encode`)?
local function describes(text, member)
  for span in text:gmatch("`([^`]+)`") do
    local head = span:match("^[%w_.:]+")
    if head and (head == member or head:match("[.:]" .. member .. "$")) then
      return true
    end
  end
  return false
end

local function uses(code, member)
  return code:find("[.:]" .. member .. "%f[^%w_]") ~= nil
end

-- The public objects the modules return, made without the network, so
-- that help(sls.get_logstore) can tell whose method it is holding.
local function prototypes(slsh)
  local out = {}
  local ok, creds = pcall(slsh.credentials, { access_key_id = "help", access_key_secret = "help" })
  if not ok then return out end
  local opts = { region = "cn-hangzhou", credentials = creds }
  for _, mod in ipairs { "sls", "ram", "kms", "sts", "resourcemanager" } do
    local made, obj = pcall(slsh[mod].client, opts)
    if made then out[#out + 1] = { mod, obj } end
  end
  out[#out + 1] = { "credentials", creds }
  local made, bar = pcall(slsh.report.progress, { total = 1, enabled = false })
  if made then out[#out + 1] = { "report", bar } end
  -- a workflow's objects (a targets stream over no region lists nothing)
  local wf = slsh.workflow
  for _, make in ipairs { function() return wf.targets { regions = {} } end,
                          function() return wf.journal(nil) end,
                          function() return wf.output({}, {}) end } do
    local made_it, obj = pcall(make)
    if made_it and obj then out[#out + 1] = { "workflow", obj } end
  end
  return out
end

-- Find `fn` among the methods reachable from metatable `t`.
local function method_of(t, fn)
  local depth = 0
  while type(t) == "table" and depth < 8 do
    local index = rawget(t, "__index")
    if type(index) ~= "table" then index = t end
    for k, v in pairs(index) do
      if v == fn and type(k) == "string" and not k:match("^__") then return k end
    end
    t = getmetatable(index)
    depth = depth + 1
  end
  return nil
end

-- What value `v` is called in the docs: module, member, separator.
local function name_of(slsh, v)
  if v == slsh then return nil end
  local modules = {}
  for _, mod in ipairs(slsh.modules()) do modules[mod] = true end
  for k, f in pairs(slsh) do -- slsh.version, slsh.config, slsh.modules
    if f == v and type(k) == "string" and not modules[k] then return "slsh", k, "." end
  end
  for _, mod in ipairs(slsh.modules()) do
    local m = slsh[mod]
    if v == m then return mod end
    if type(m) == "table" then
      for k, f in pairs(m) do
        if f == v and type(k) == "string" then return mod, k, "." end
      end
    end
  end
  if type(v) == "function" then
    -- a method: of the objects the user holds, else of fresh ones
    for _, obj in pairs(_G) do
      if type(obj) == "table" or type(obj) == "userdata" then
        local mt = getmetatable(obj)
        local cls = type(mt) == "table" and rawget(mt, "__name")
        local mod = type(cls) == "string" and cls:match("^slsh%.([%w_]+)")
        local k = mod and method_of(mt, v)
        if k then return mod, k, ":" end
      end
    end
    -- the C bindings' classes ("slsh.http.client") are in the registry
    for name, mt in pairs(debug.getregistry()) do
      local mod = type(name) == "string" and name:match("^slsh%.([%w_]+)")
      local k = mod and type(mt) == "table" and method_of(mt, v)
      if k then return mod, k, ":" end
    end
    for _, p in ipairs(prototypes(slsh)) do
      local k = method_of(getmetatable(p[2]), v)
      if k then return p[1], k, ":" end
    end
  end
  return nil
end

-- "sls:get_logstore", "slsh.sls.client", "json.decode", "slsh.kms".
local function parse_name(s)
  if s == "slsh" then return nil end
  local slsh = require "slsh"
  local top = s:match("^slsh%.([%w_]+)$")
  if top and rawget(slsh, top) ~= nil then
    local is_module = false
    for _, mod in ipairs(slsh.modules()) do is_module = is_module or mod == top end
    if not is_module then return "slsh", top, "." end -- slsh.version, .config, .modules
  end
  s = s:gsub("^slsh%.", "")
  local mod, sep, member = s:match("^([%w_]+)([.:])([%w_]+)$")
  if mod then return mod, member, sep end
  if s:match("^[%w_]+$") then return s end
  return nil
end

local function render(out, pieces)
  for _, p in ipairs(pieces) do
    if p.code then
      out[#out + 1] = "example:\n" .. p.code:gsub("^", "  "):gsub("\n", "\n  ")
    else
      out[#out + 1] = p.text
    end
  end
  return table.concat(out, "\n\n")
end

-- The text for module `mod`: its section's prose and first example.
local function module_text(mod)
  local out, pieces = {}, {}
  -- the section given to this module alone ("### slsh.kms") before one
  -- it shares ("## RPC clients: slsh.ram, slsh.kms, slsh.sts")
  local best, shared
  for _, sec in ipairs(page()) do
    if heading_names(sec.heading, mod) then
      local _, n = sec.heading:gsub("slsh%.", "")
      if not best or n < shared then best, shared = sec, n end
    end
  end
  if not best then return nil end
  out[#out + 1] = best.heading:gsub("^#+ ", "")
  local example
  for _, p in ipairs(best.pieces) do
    if p.text then
      pieces[#pieces + 1] = p
    elseif not example and p.info == "lua" then
      example = p
    end
  end
  pieces[#pieces + 1] = example
  return render(out, pieces)
end

-- The text for `member` of module `mod`: the prose naming it (in the
-- module's section if it has one there, else anywhere) and the first
-- example using it; failing prose, the example alone.
local function member_text(mod, member)
  local function search(in_module)
    local prose, example = {}, nil
    for _, sec in ipairs(page()) do
      if not in_module or heading_names(sec.heading, mod) then
        for _, p in ipairs(sec.pieces) do
          if p.text and describes(p.text, member) then
            prose[#prose + 1] = p
          elseif p.code and p.info == "lua" and not example and uses(p.code, member) then
            example = p
          end
        end
      end
    end
    return prose, example
  end
  local prose, example = search(true)
  if #prose == 0 then
    local example_in_module = example
    prose, example = search(false)
    example = example_in_module or example
  end
  if #prose == 0 and not example then return nil end
  prose[#prose + 1] = example
  return render({}, prose)
end

local OVERVIEW = [[
slsh REPL: Lua 5.4 with the global `slsh` (docs/lua-api.md).

  help(x)               the documented signature and example of x: a module
                        (help(slsh.sls)), a function (help(slsh.sls.client)),
                        a method (help(sls.get_logstore)) or a name in quotes
                        (help "sls:get_logstore")
  :json EXPR            EXPR as pretty JSON (as slsh.json writes it)
  =EXPR, EXPR           print the values of EXPR
  TAB                   complete names; inside the quotes of a client call
                        (sls:get_logstore(", kms:describe_key(", ...) the
                        projects, logstores, keys or roles of the account
  Up / Down             history (~/.slsh_history); a multi-line chunk is one
                        entry
  Ctrl-C, Ctrl-D        interrupt a running chunk; quit

modules: ]]

--- help.text(x) -> the help for x (a value or a name), or nil and why.
function M.text(x)
  local slsh = require "slsh"
  if x == nil or x == slsh then
    return OVERVIEW .. table.concat(slsh.modules(), ", ")
  end
  local mod, member
  if type(x) == "string" then
    mod, member = parse_name(x)
  else
    mod, member = name_of(slsh, x)
  end
  local text
  if mod and member then
    text = member_text(mod, member)
  elseif mod then
    text = module_text(mod)
  end
  if text then return text end
  local what = type(x) == "string" and x or tostring(x)
  for k, v in pairs(_G) do
    if v == x and type(k) == "string" then what = k end
  end
  return nil, "no help for " .. what .. " (help() lists the modules; the reference "
    .. "is docs/lua-api.md; Lua's own functions are in the Lua 5.4 manual)"
end

--- help.help(x): print the help for x (the REPL's global `help`).
function M.help(x)
  local text, why = M.text(x)
  io.stdout:write(text or why, "\n")
end

return M
