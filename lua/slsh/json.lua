--- slsh.json: JSON that loses nothing (docs/design.md, JSON fidelity).
--
-- A logstore is updated by GET, merge, PUT of the complete document, so a
-- document read from a cloud API must be written back exactly as it came:
--
--   json.decode(text [, {max_depth=, max_size=}])   -> value | nil, err
--   json.encode(value [, {pretty=, sort_keys=, max_depth=, max_size=}])
--                                                   -> text | nil, err
--
-- Objects decode to plain tables that remember their key order; encode
-- writes the remembered keys still present, in order, then new keys
-- sorted. Arrays carry a shared metatable marker, so [] stays [] and {}
-- stays {}. Integers stay integers and floats stay floats (1.0 -> 1.0).
-- null is `json.null`. A table with no mark is an array when its keys are
-- exactly 1..n (n >= 1), else an object.
--
-- Errors: bad text and output over max_size return nil, err (err.offset
-- is the 0-based byte offset for decode). A value that cannot be JSON (a
-- function, NaN, integer keys in an object, a cycle, nesting too deep) is
-- a bug in the caller: encode raises an error object whose `field` is the
-- path to it, e.g. "logstore.encrypt_conf.enable".

local core = require "slsh.json.core"

local null, order, array_mt = core.null, core.order, core.array_mt
local keys = core.keys
local mtype = math.type

local M = {
  null = null,
  decode = core.decode,
  encode = core.encode,
  keys = keys,
}

local function checktable(fname, t)
  if type(t) ~= "table" then
    error(("bad argument #1 to '%s' (table expected, got %s)"):format(fname, type(t)), 3)
  end
end

--- Mark `t` (default: a new table) as a JSON array and return it.
function M.array(t)
  if t == nil then t = {} end
  checktable("array", t)
  local mt = getmetatable(t)
  if mt ~= nil and mt ~= array_mt then
    error("bad argument #1 to 'array' (the table already has a metatable)", 2)
  end
  order[t] = nil
  return setmetatable(t, array_mt)
end

--- Mark `t` (default: a new table) as a JSON object and return it; an
-- empty one then encodes as {}. `key_order`, a list of strings, becomes its
-- remembered key order (keys of `t` not in it are written after, sorted);
-- without it, an order already remembered is kept.
function M.object(t, key_order)
  if t == nil then t = {} end
  checktable("object", t)
  if key_order ~= nil then
    if type(key_order) ~= "table" then
      error(("bad argument #2 to 'object' (table expected, got %s)"):format(type(key_order)), 2)
    end
    local list = {}
    for i, k in ipairs(key_order) do
      if type(k) ~= "string" then
        error(("bad argument #2 to 'object' (key %d is a %s, not a string)"):format(i, type(k)), 2)
      end
      list[i] = k
    end
    order[t] = list
  elseif not order[t] then
    order[t] = {}
  end
  if getmetatable(t) == array_mt then setmetatable(t, nil) end
  return t
end

function M.is_array(t)
  return type(t) == "table" and getmetatable(t) == array_mt
end

--- The JSON type of `v` as encode sees it: "null", "boolean", "integer",
-- "float", "string", "array", "object", or nil when it is no JSON value.
-- (A table that encode would refuse for its keys reports "object".)
local function jtype(v)
  if v == null then return "null" end
  local t = type(v)
  if t == "number" then return mtype(v) end
  if t == "string" or t == "boolean" then return t end
  if t ~= "table" then return nil end
  if getmetatable(v) == array_mt then return "array" end
  if order[v] then return "object" end
  local n, max = 0, 0
  for k in next, v do
    if mtype(k) ~= "integer" or k < 1 then return "object" end
    n = n + 1
    if k > max then max = k end
  end
  return (n > 0 and n == max) and "array" or "object"
end
M.type = jtype

--- Deep copy keeping remembered key order and markers. Shared tables stay
-- shared and cycles are reproduced, so the copy has the same shape.
local function copy(v, seen)
  if type(v) ~= "table" then return v end
  local c = seen[v]
  if c then return c end
  c = {}
  seen[v] = c
  for k, x in next, v do c[k] = copy(x, seen) end
  local list = order[v]
  if list then order[c] = table.move(list, 1, #list, 1, {}) end
  local mt = getmetatable(v)
  if mt ~= nil then setmetatable(c, mt) end
  return c
end

function M.copy(v)
  return copy(v, {})
end

--- Deep equality of two JSON values. Key order does not matter; an array
-- never equals an object, even empty; an integer never equals a float
-- (1 ~= 1.0): they are different texts, and a service that turns one into
-- the other has changed the document. -0.0 equals 0.0.
local function equal(a, b)
  -- Not rawequal(a, b) first: it holds for 1 and 1.0.
  if rawequal(a, b) and type(a) ~= "number" then return true end
  local ta = jtype(a)
  if ta == nil or ta ~= jtype(b) then return false end
  if ta == "array" then
    local n = #a
    if #b ~= n then return false end
    for i = 1, n do
      if not equal(rawget(a, i), rawget(b, i)) then return false end
    end
    return true
  elseif ta == "object" then
    for k, v in next, a do
      local w = rawget(b, k)
      if w == nil or not equal(v, w) then return false end
    end
    for k in next, b do
      if rawget(a, k) == nil then return false end
    end
    return true
  end
  return a == b
end
M.equal = equal

-- Path of key `k` under `path`, written like encode's error paths:
-- a.b for identifiers, a["x y"] for other keys, a[3] for array items.
local function subpath(path, k)
  if mtype(k) == "integer" then return ("%s[%d]"):format(path, k) end
  k = tostring(k)
  if k:match("^[%a_][%w_]*$") then
    return path == "" and k or path .. "." .. k
  end
  return ('%s["%s"]'):format(path, k)
end

local function diff(a, b, path, out)
  local ta, tb = jtype(a), jtype(b)
  if ta == "object" and tb == "object" then
    for _, k in ipairs(keys(a)) do
      local w = rawget(b, k)
      if w == nil then
        out[#out + 1] = { path = subpath(path, k), kind = "removed", before = rawget(a, k) }
      else
        diff(rawget(a, k), w, subpath(path, k), out)
      end
    end
    for _, k in ipairs(keys(b)) do
      if rawget(a, k) == nil then
        out[#out + 1] = { path = subpath(path, k), kind = "added", after = rawget(b, k) }
      end
    end
  elseif ta == "array" and tb == "array" then
    local na, nb = #a, #b
    for i = 1, math.max(na, nb) do
      if i > nb then
        out[#out + 1] = { path = subpath(path, i), kind = "removed", before = rawget(a, i) }
      elseif i > na then
        out[#out + 1] = { path = subpath(path, i), kind = "added", after = rawget(b, i) }
      else
        diff(rawget(a, i), rawget(b, i), subpath(path, i), out)
      end
    end
  elseif not equal(a, b) then
    out[#out + 1] = { path = path, kind = "changed", before = a, after = b }
  end
  return out
end

--- What changed from `a` to `b`: a list of {path=, kind=, before=, after=}
-- where kind is "changed", "added" (before = nil) or "removed" (after =
-- nil), in the order of a's keys then b's new keys; array items are
-- compared by position. Used to report drift after an update.
function M.diff(a, b)
  return diff(a, b, "", {})
end

return M
