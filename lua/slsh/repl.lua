--- slsh.repl: the Lua side of the interactive loop (lua/repl.c reads the
-- lines). Handles multi-line chunks the way lua.c does, `=expr`, printing
-- every returned value, the commands `help` and `:json EXPR`, and
-- tab-completion candidates, live names from the cloud included.

local pretty = require "slsh.pretty"

local M = {}

local pending -- source of an incomplete chunk, or nil
local pending_json -- the incomplete chunk is the expression of a :json

local function traceback(msg)
  if type(msg) ~= "string" then
    local mt = getmetatable(msg)
    if mt and mt.__tostring then
      msg = tostring(msg)
    else
      msg = string.format("(error object is a %s value)", type(msg))
    end
  end
  return debug.traceback(msg, 2)
end

local function incomplete(err)
  return err and err:sub(-5) == "<eof>"
end

-- Compile `src`: first as an expression (so `1+1` prints 2), then as a
-- statement. Returns fn, or nil and the error message.
local function compile(src, first_line)
  if first_line then
    local fn = load("return " .. src, "=stdin", "t")
    if fn then return fn end
  end
  return load(src, "=stdin", "t")
end

--- repl.start(): define the global `help` (unless a script already has
-- one); lua/repl.c calls it once before the first prompt.
function M.start()
  if rawget(_G, "help") == nil then
    rawset(_G, "help", require("slsh.help").help)
  end
end

-- Show the values of a :json expression as slsh.json writes them (key
-- order, integers and floats, [] and {} kept); a value that cannot be
-- JSON is said so, without a traceback.
local function show_json(res)
  local json = require "slsh.json"
  for i = 2, res.n do
    local ok, text = pcall(json.encode, res[i] == nil and json.null or res[i],
                           { pretty = true })
    if ok then
      io.stdout:write(text, "\n")
    else
      local msg = type(text) == "table" and text.message or tostring(text)
      local path = type(text) == "table" and text.field
      io.stderr:write("not JSON: ", msg, path and (" (at " .. path .. ")") or "", "\n")
    end
  end
end

-- A line that is a REPL command rather than Lua: the source to compile
-- instead (nil when the command is done), and whether it is a :json.
local function command(line)
  local trimmed = line:match("^%s*(.-)%s*$")
  if trimmed == "help" or trimmed == ":help" or trimmed == "help()" then
    require("slsh.help").help()
    return nil
  end
  local topic = trimmed:match("^:help%s+(.+)$")
  if topic then
    require("slsh.help").help(topic:match("^[\"']?(.-)[\"']?$"))
    return nil
  end
  local expr = trimmed:match("^:json%s+(.+)$")
  if expr then return "return " .. expr, true end
  if trimmed:match("^:[%a_]") then
    io.stderr:write("unknown command ", trimmed:match("^:[%w_]*"),
                    " (the commands are help, :help NAME and :json EXPR)\n")
    return nil
  end
  return (line:gsub("^=", "return ", 1)), false
end

--- repl.feed(line) -> true when more input is needed for the chunk.
function M.feed(line)
  local first = pending == nil
  local src, as_json
  if first then
    src, as_json = command(line)
    if not src then return false end
  else
    src, as_json = pending .. "\n" .. line, pending_json
  end
  local fn, err = compile(src, first and not as_json)
  if not fn then
    if incomplete(err) then
      pending, pending_json = src, as_json
      return true
    end
    pending, pending_json = nil, nil
    io.stderr:write(err, "\n")
    return false
  end
  pending, pending_json = nil, nil
  local res = table.pack(xpcall(fn, traceback))
  if not res[1] then
    io.stderr:write(tostring(res[2]), "\n")
    return false
  end
  if as_json then
    show_json(res)
    return false
  end
  for i = 2, res.n do
    io.stdout:write(pretty.format(res[i]), "\n")
  end
  return false
end

-- The table that `expr` (a dotted/colon path of names) denotes, or nil.
local function resolve(path)
  local t = _G
  for name in path:gmatch("[^.:]+") do
    local ok, v = pcall(function() return t[name] end)
    if not ok then return nil end
    t = v
    if type(t) ~= "table" then
      local mt = getmetatable(t)
      if type(mt) == "table" and type(mt.__index) == "table" then
        t = mt.__index
      else
        return nil
      end
    end
  end
  return t
end

-- Keys of a table and of the tables behind its __index chain.
local function fields(t, colon)
  local seen, out = {}, {}
  local depth = 0
  while type(t) == "table" and depth < 8 do
    for k, v in pairs(t) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k]
         and (not colon or type(v) == "function") then
        seen[k] = true
        out[#out + 1] = k
      end
    end
    local mt = getmetatable(t)
    t = type(mt) == "table" and mt.__index or nil
    depth = depth + 1
  end
  return out
end

-- Live names: which positional argument of which client method names a
-- project, a logstore, a KMS key or a RAM role.
local ARG_KINDS = {
  get_project = { "project" }, list_logstores = { "project" }, logstores = { "project" },
  create_logstore = { "project" },
  get_logstore = { "project", "logstore" }, delete_logstore = { "project", "logstore" },
  update_logstore = { "project", "logstore" }, set_encryption = { "project", "logstore" },
  describe_key = { "key" }, enable_key = { "key" }, disable_key = { "key" },
  schedule_key_deletion = { "key" }, cancel_key_deletion = { "key" }, key_health = { "key" },
  get_role = { "role" }, check_byok_role = { "role" }, list_policies_for_role = { "role" },
}

-- The same for fields of an options table: `ram:update_role{name = "`.
local FIELD_KINDS = {
  update_role = { name = "role" }, ensure_byok_role = { name = "role" },
  attach_policy_to_role = { role = "role" }, detach_policy_from_role = { role = "role" },
  aliases = { key_id = "key" },
}

-- How each kind is listed, through the client the call is made on.
local LISTERS = {
  project = function(c)
    local out = {}
    for p in c:projects() do out[#out + 1] = p.projectName end
    return out
  end,
  logstore = function(c, project)
    local out = {}
    for name in c:logstores(project) do out[#out + 1] = name end
    return out
  end,
  key = function(c)
    local out = {}
    for k in c:keys() do out[#out + 1] = k.KeyId end
    for a in c:aliases() do out[#out + 1] = a.AliasName end
    return out
  end,
  role = function(c)
    local out = {}
    for r in c:roles() do out[#out + 1] = r.RoleName end
    return out
  end,
}

-- Names fetched per client object and kind (and project, for logstores),
-- for the session; a failed fetch is remembered as no names, so that a
-- REPL without credentials or network asks once and then stays quiet.
local live_cache = setmetatable({}, { __mode = "k" })

local function live_names(client, kind, project)
  local cache = live_cache[client]
  if not cache then
    cache = {}
    live_cache[client] = cache
  end
  local key = kind .. "\0" .. (project or "")
  if not cache[key] then
    local ok, names = pcall(LISTERS[kind], client, project)
    if not ok and tostring(names):find("interrupted$") then
      return {} -- Ctrl-C: ask again on the next TAB
    end
    cache[key] = ok and type(names) == "table" and names or {}
  end
  return cache[key]
end

-- When `line` (the text before the cursor) ends inside a quoted argument
-- of a method call, `recv:method(...` or `recv:method{...`: recv, method,
-- the argument's number, the text typed in its quotes, the string
-- arguments before it, and the field name when the quotes are the value
-- of `field = "` in the call's options table.
local function open_call(line)
  local call
  for recv, method, open, rest in
      line:gmatch("([%a_][%w_.]*)%s*:%s*([%a_][%w_]*)%s*([%({])()") do
    call = { recv, method, open, rest }
  end
  if not call then return nil end
  local rest = line:sub(call[4])
  -- `recv:method{` is a call with one table argument, already open
  local argn, depth, args, i = 1, call[3] == "{" and 1 or 0, {}, 1
  while i <= #rest do
    local c = rest:sub(i, i)
    if c == '"' or c == "'" then
      local close = rest:find(c, i + 1, true)
      if not close then
        local field = rest:sub(1, i - 1):match("([%a_][%w_]*)%s*=%s*$")
        if depth == 0 or (depth == 1 and field) then
          return call[1], call[2], argn, rest:sub(i + 1), args, field
        end
        return nil
      end
      if depth == 0 then args[argn] = rest:sub(i + 1, close - 1) end
      i = close
    elseif c == "(" or c == "{" or c == "[" then
      depth = depth + 1
    elseif c == ")" or c == "}" or c == "]" then
      depth = depth - 1
      if depth < 0 then return nil end
    elseif c == "," and depth == 0 then
      argn = argn + 1
    end
    i = i + 1
  end
  return nil
end

-- Candidates inside the quotes of a client call: the names the cloud
-- has, fetched on first use. `word` is what readline replaces: the end of
-- `typed` (a name may hold characters that break words, such as "-").
-- Does `line` end inside a quoted string?
local function in_string(line)
  local quote, i = nil, 1
  while i <= #line do
    local c = line:sub(i, i)
    if quote then
      if c == "\\" then
        i = i + 1
      elseif c == quote then
        quote = nil
      end
    elseif c == '"' or c == "'" then
      quote = c
    end
    i = i + 1
  end
  return quote ~= nil
end

local function complete_live(word, line)
  local recv, method, argn, typed, args, field = open_call(line)
  if not recv then
    if in_string(line) then return {} end
    return nil
  end
  local kind
  if field then
    kind = FIELD_KINDS[method] and FIELD_KINDS[method][field]
  else
    kind = ARG_KINDS[method] and ARG_KINDS[method][argn]
  end
  local client = resolve(recv)
  if not kind or not client or type(client[method]) ~= "function" then return {} end
  if kind == "logstore" and not args[1] then return {} end
  local out = {}
  local cut = #typed - #word
  if cut < 0 or typed:sub(cut + 1) ~= word then return {} end
  for _, name in ipairs(live_names(client, kind, args[1])) do
    if type(name) == "string" and name:sub(1, #typed) == typed then
      out[#out + 1] = name:sub(cut + 1)
    end
  end
  table.sort(out)
  return out
end

--- repl.complete(word, line?) -> sorted list of completions of `word`:
-- globals, or fields after `.` and methods after `:` ("slsh.si" ->
-- "slsh.sign"); inside the quotes of a client call whose argument names a
-- project, logstore, key or role (`line` is the text before the cursor),
-- those names.
function M.complete(word, line)
  local live = line and complete_live(word, line)
  if live then return live end
  local prefix, sep, partial = word:match("^(.*)([.:])([%w_]*)$")
  local candidates, base
  if prefix then
    local t = resolve(prefix)
    if not t then return {} end
    candidates = fields(t, sep == ":")
    -- slsh's submodules load on first use, so they are not keys yet.
    if t == require("slsh") and sep == "." then
      for _, name in ipairs(t.modules()) do candidates[#candidates + 1] = name end
    end
    base = prefix .. sep
  else
    partial = word
    candidates = fields(_G)
    base = ""
  end
  local out, dup = {}, {}
  for _, k in ipairs(candidates) do
    if k:sub(1, #partial) == partial and not dup[k] then
      dup[k] = true
      out[#out + 1] = base .. k
    end
  end
  table.sort(out)
  return out
end

return M
