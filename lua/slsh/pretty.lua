--- slsh.pretty: readable text for any Lua value, as the REPL prints it.
-- Nested tables with sorted keys, cycles marked, long lists elided,
-- values with __tostring (error objects, credentials) shown through it.

local M = {}

local IDENT = "^[%a_][%w_]*$"
local keywords = {}
for w in ([[and break do else elseif end false for function goto if in
  local nil not or repeat return then true until while]]):gmatch("%a+") do
  keywords[w] = true
end

-- Keys sort numbers first (by value), then strings, then the rest.
local function keyless(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    if ta == "number" then return true end
    if tb == "number" then return false end
    if ta == "string" then return true end
    if tb == "string" then return false end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function scalar(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v):gsub("\\\n", "\\n") end
  if t == "number" and math.type(v) == "float" then
    if v ~= v then return "0/0" end
    if v == math.huge then return "math.huge" end
    if v == -math.huge then return "-math.huge" end
    local s = string.format("%.14g", v)
    if tonumber(s) ~= v then s = string.format("%.17g", v) end
    if not s:find("[%.eEn]") then s = s .. ".0" end
    return s
  end
  return tostring(v)
end

local function render(v, opts, depth, seen, out)
  local t = type(v)
  local mt = getmetatable(v)
  if t ~= "table" or (type(mt) == "table" and rawget(mt, "__tostring")) then
    if t == "table" or t == "userdata" then
      out[#out + 1] = tostring(v)
    else
      out[#out + 1] = scalar(v)
    end
    return
  end
  if seen[v] then
    out[#out + 1] = "<cycle>"
    return
  end
  if depth >= opts.depth then
    out[#out + 1] = "{...}"
    return
  end
  seen[v] = true
  local keys, n = {}, #v
  for k in pairs(v) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, keyless)
  if n == 0 and #keys == 0 then
    out[#out + 1] = "{}"
    seen[v] = nil
    return
  end
  local pad = string.rep(opts.indent, depth + 1)
  out[#out + 1] = "{\n"
  local shown = math.min(n, opts.items)
  for i = 1, shown do
    out[#out + 1] = pad
    render(v[i], opts, depth + 1, seen, out)
    out[#out + 1] = ",\n"
  end
  if shown < n then
    out[#out + 1] = string.format("%s... (%d more)\n", pad, n - shown)
  end
  for _, k in ipairs(keys) do
    out[#out + 1] = pad
    if type(k) == "string" and k:match(IDENT) and not keywords[k] then
      out[#out + 1] = k
    else
      out[#out + 1] = "["
      out[#out + 1] = scalar(k)
      out[#out + 1] = "]"
    end
    out[#out + 1] = " = "
    render(v[k], opts, depth + 1, seen, out)
    out[#out + 1] = ",\n"
  end
  out[#out + 1] = string.rep(opts.indent, depth) .. "}"
  seen[v] = nil
end

--- pretty.format(v, {depth=, items=, indent=}) -> string
-- depth: how deep to descend (default 8); items: list items shown before
-- eliding (default 50); indent: one level of indentation (two spaces).
function M.format(v, opts)
  opts = opts or {}
  local o = {
    depth = opts.depth or 8,
    items = opts.items or 50,
    indent = opts.indent or "  ",
  }
  local out = {}
  render(v, o, 0, {}, out)
  return table.concat(out)
end

return M
