--- slsh.repl: the Lua side of the interactive loop (lua/repl.c reads the
-- lines). Handles multi-line chunks the way lua.c does, `=expr`, printing
-- every returned value, and tab-completion candidates.

local pretty = require "slsh.pretty"

local M = {}

local pending -- source of an incomplete chunk, or nil

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

--- repl.feed(line) -> true when more input is needed for the chunk.
function M.feed(line)
  local first = pending == nil
  local src
  if first then
    src = line:gsub("^=", "return ", 1)
  else
    src = pending .. "\n" .. line
  end
  local fn, err = compile(src, first)
  if not fn then
    if incomplete(err) then
      pending = src
      return true
    end
    pending = nil
    io.stderr:write(err, "\n")
    return false
  end
  pending = nil
  local res = table.pack(xpcall(fn, traceback))
  if not res[1] then
    io.stderr:write(tostring(res[2]), "\n")
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

--- repl.complete(word) -> sorted list of completions of `word`: globals,
-- or fields after `.` and methods after `:` ("slsh.si" -> "slsh.sign").
function M.complete(word)
  local prefix, sep, partial = word:match("^(.*)([.:])([%w_]*)$")
  local candidates, base
  if prefix then
    local t = resolve(prefix)
    if not t then return {} end
    candidates = fields(t, sep == ":")
    -- slsh's submodules load on first use, so they are not keys yet.
    if t == rawget(_G, "slsh") and sep == "." then
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
