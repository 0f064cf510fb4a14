--- slsh.logs: the SLS data plane's log groups (protobuf) and lz4 bodies.
--
--   logs.encode(groups)          -> bytes | nil, err   (a LogGroupList)
--   logs.encode_group(group)     -> bytes | nil, err   (a LogGroup: PutLogs)
--   logs.decode(bytes)           -> groups | nil, err  (PullLogs answers)
--   logs.decode_group(bytes)     -> group | nil, err
--   logs.compress(bytes)         -> bytes | nil, err   (lz4 block)
--   logs.decompress(bytes, raw_size) -> bytes | nil, err
--   logs.count(groups)           -> number of logs
--
-- A group is {topic=, source=, tags=, logs={{time=, time_ns=, contents=}}}.
-- Decoded, `tags` and `contents` are lists of {key, value} pairs, in wire
-- order (keys may repeat). To encode, either that form or a map
-- ({level="info"}, written in sorted key order) is accepted.

local core = require "slsh.logs.core"

local M = {
  compress = core.compress,
  decompress = core.decompress,
  MAX_RAW = core.MAX_RAW,
}

-- A list of {k, v} pairs as is; a map as pairs in sorted key order.
local function pairlist(t, path)
  if t == nil then return {} end
  if type(t) ~= "table" then
    error(("bad log groups: %s must be a table, not %s"):format(path, type(t)), 4)
  end
  if t[1] ~= nil or next(t) == nil then return t end
  local keys = {}
  for k, v in pairs(t) do
    if type(k) ~= "string" or type(v) ~= "string" then
      error(("bad log groups: %s must map strings to strings"):format(path), 4)
    end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  local out = {}
  for i, k in ipairs(keys) do out[i] = {k, t[k]} end
  return out
end

local function normalise(g)
  if type(g) ~= "table" then
    error(("bad log groups: a group must be a table, not %s"):format(type(g)), 3)
  end
  if type(g.logs) ~= "table" then
    error("bad log groups: group.logs must be a list", 3)
  end
  local logs = {}
  for i, l in ipairs(g.logs) do
    if type(l) ~= "table" then
      error(("bad log groups: group.logs[%d] must be a table"):format(i), 3)
    end
    logs[i] = {time = l.time, time_ns = l.time_ns,
               contents = pairlist(l.contents, "log.contents")}
  end
  return {topic = g.topic, source = g.source,
          tags = pairlist(g.tags, "group.tags"), logs = logs}
end

function M.encode(groups)
  if type(groups) ~= "table" then
    error(("bad argument #1 to 'encode' (table expected, got %s)"):format(type(groups)), 2)
  end
  local n = {}
  for i, g in ipairs(groups) do n[i] = normalise(g) end
  return core.encode(n, true)
end

function M.encode_group(group)
  return core.encode({normalise(group)}, false)
end

function M.decode(bytes)
  if type(bytes) ~= "string" then
    error(("bad argument #1 to 'decode' (string expected, got %s)"):format(type(bytes)), 2)
  end
  return core.decode(bytes, true)
end

function M.decode_group(bytes)
  if type(bytes) ~= "string" then
    error(("bad argument #1 to 'decode_group' (string expected, got %s)"):format(type(bytes)), 2)
  end
  local g, err = core.decode(bytes, false)
  if not g then return nil, err end
  return g[1]
end

function M.count(groups)
  local n = 0
  for _, g in ipairs(groups) do n = n + #g.logs end
  return n
end

return M
