--- slsh.report: what workflows show and write: aligned text tables, JSON
-- and CSV report files, and a progress bar on a terminal.

local host = require "slsh.host.core"

local M = {}

-- Text of one cell: nil as "", error objects and tables through tostring.
local function cell(v)
  if v == nil then return "" end
  if type(v) == "boolean" then return v and "yes" or "no" end
  return tostring(v)
end

-- Display width of a UTF-8 string (code points; good enough for names).
local function width(s)
  return utf8.len(s) or #s
end

-- Column list: given, or the sorted union of the rows' keys.
local function columns_of(rows, columns)
  if columns then return columns end
  local seen, out = {}, {}
  for _, row in ipairs(rows) do
    for k in pairs(row) do
      if not seen[k] then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  table.sort(out)
  return out
end

--- report.table(rows, columns?) -> text with one header line and aligned
-- columns; `columns` is a list of keys (or {key=, title=} tables).
function M.table(rows, columns)
  columns = columns_of(rows, columns)
  local keys, titles, widths = {}, {}, {}
  for i, c in ipairs(columns) do
    keys[i] = type(c) == "table" and c.key or c
    titles[i] = type(c) == "table" and (c.title or c.key) or c
    widths[i] = width(titles[i])
  end
  local cells = {}
  for r, row in ipairs(rows) do
    cells[r] = {}
    for i, k in ipairs(keys) do
      local s = cell(row[k]):gsub("[\r\n\t]", " ")
      cells[r][i] = s
      if width(s) > widths[i] then widths[i] = width(s) end
    end
  end
  local function line(values)
    local parts = {}
    for i, v in ipairs(values) do
      parts[i] = i == #values and v or v .. string.rep(" ", widths[i] - width(v))
    end
    return table.concat(parts, "  ")
  end
  local out = { line(titles) }
  for _, r in ipairs(cells) do out[#out + 1] = line(r) end
  return table.concat(out, "\n") .. "\n"
end

-- One CSV field (RFC 4180): quoted when it holds a comma, quote or newline.
-- A leading =, +, - or @ is prefixed with ' so spreadsheets do not run it.
local function csv_field(v)
  local s = cell(v)
  if s:match("^[=+%-@]") and not tonumber(s) then s = "'" .. s end
  if s:find('[",\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

--- report.csv(rows, columns?) -> CSV text with a header line.
function M.csv(rows, columns)
  columns = columns_of(rows, columns)
  local out, header = {}, {}
  for i, c in ipairs(columns) do header[i] = csv_field(type(c) == "table" and c.key or c) end
  out[1] = table.concat(header, ",")
  for _, row in ipairs(rows) do
    local fields = {}
    for i, c in ipairs(columns) do fields[i] = csv_field(row[type(c) == "table" and c.key or c]) end
    out[#out + 1] = table.concat(fields, ",")
  end
  return table.concat(out, "\r\n") .. "\r\n"
end

--- report.json(rows, columns?) -> pretty JSON array; each row's keys in
-- column order. Error objects become {code, message, ...} objects.
function M.json(rows, columns)
  local json = require "slsh.json"
  columns = columns_of(rows, columns)
  local list = json.array {}
  for _, row in ipairs(rows) do
    local obj = json.object {}
    local order = {}
    for _, c in ipairs(columns) do
      local k = type(c) == "table" and c.key or c
      local v = row[k]
      if v ~= nil then
        if type(v) == "table" and getmetatable(v) and getmetatable(v).__tostring then
          local plain = {}
          for kk, vv in pairs(v) do plain[kk] = vv end
          v = plain
        end
        obj[k] = v
        order[#order + 1] = k
      end
    end
    list[#list + 1] = json.object(obj, order)
  end
  return assert(json.encode(list, { pretty = true })) .. "\n"
end

--- report.write(path, rows, columns?) -> true | nil, err
-- The format follows the extension: .json or .csv.
function M.write(path, rows, columns)
  if path == "-" then
    -- machine output: the JSON report alone on standard output
    io.stdout:write(M.json(rows, columns))
    io.stdout:flush()
    return true
  end
  local fmt = path:match("%.(%w+)$")
  local text
  if fmt == "json" then
    text = M.json(rows, columns)
  elseif fmt == "csv" then
    text = M.csv(rows, columns)
  else
    error("report file must end in .json or .csv: " .. path, 2)
  end
  local tmp = path .. ".tmp"
  -- created 0600 before it is written: a report names the estate
  os.remove(tmp)
  local f, err = require("slsh.host.core").create_private(tmp)
  if f then f, err = io.open(tmp, "wb") end
  if not f then
    return nil, require("slsh.err").new { code = "io", message = err, field = "report" }
  end
  f:write(text)
  f:close()
  local ok, rerr = os.rename(tmp, path)
  if not ok then
    return nil, require("slsh.err").new { code = "io", message = rerr, field = "report" }
  end
  return true
end

local Progress = {}
Progress.__index = Progress

--- report.progress{total=, label=, stream=?, enabled=?} -> bar
-- Drawn on stderr only when it is a terminal (or enabled=true); bar:tick(
-- status) counts one item under a status ("done", "skipped", "failed"...),
-- bar:finish() ends the line.
function M.progress(opts)
  local self = setmetatable({
    total = opts.total or 0,
    label = opts.label or "",
    stream = opts.stream or io.stderr,
    enabled = opts.enabled,
    count = 0,
    counts = {},
    started = host.monotime(),
    last = 0,
  }, Progress)
  if self.enabled == nil then self.enabled = host.isatty(2) end
  return self
end

function Progress:render()
  local elapsed = host.monotime() - self.started
  local rate = elapsed > 0 and self.count / elapsed or 0
  local frac = self.total > 0 and self.count / self.total or 0
  local barw = 24
  local filled = math.floor(frac * barw + 0.5)
  local statuses = {}
  for k, v in pairs(self.counts) do statuses[#statuses + 1] = k .. " " .. v end
  table.sort(statuses)
  local eta = ""
  if rate > 0 and self.total > self.count then
    eta = string.format(" eta %ds", math.ceil((self.total - self.count) / rate))
  end
  return string.format("\r%s [%s%s] %d/%d %s %.1f/s%s\27[K", self.label,
                       string.rep("#", filled), string.rep(".", barw - filled),
                       self.count, self.total, table.concat(statuses, ", "), rate, eta)
end

function Progress:tick(status)
  self.count = self.count + 1
  status = status or "done"
  self.counts[status] = (self.counts[status] or 0) + 1
  if not self.enabled then return end
  local now = host.monotime()
  if now - self.last >= 0.1 or self.count == self.total then
    self.last = now
    self.stream:write(self:render())
    self.stream:flush()
  end
end

function Progress:finish()
  if self.enabled then
    self.stream:write(self:render(), "\n")
    self.stream:flush()
  end
end

return M
