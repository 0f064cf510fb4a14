--- slsh.report: what workflows show and write: aligned text tables, JSON
-- and CSV report files, and a progress bar on a terminal.
--
-- Tables and reports are written row by row, so a run over any number of
-- logstores holds none of its rows: report.writer streams a report file
-- (still a valid JSON document or CSV file whenever it is closed, even
-- after an interruption), report.table_writer spools a table's lines to a
-- temporary file and aligns them when it is printed.

local host = require "slsh.host.core"
local json = require "slsh.json"
local errors = require "slsh.err"

local M = {}

-- Text of one cell: nil as "", booleans as yes/no, a list (the findings
-- of a logstore) comma-separated, error objects through tostring.
local function cell(v)
  if v == nil then return "" end
  if type(v) == "boolean" then return v and "yes" or "no" end
  if type(v) == "table" and json.is_array(v) then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = cell(x) end
    return table.concat(parts, ",")
  end
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

local function key_of(c) return type(c) == "table" and c.key or c end

local TableWriter = {}
TableWriter.__index = TableWriter

--- report.table_writer(columns, {memory=?}) -> writer: tw:add(row) keeps
-- the row's cells (on a temporary file, or in memory with memory=true or
-- when no temporary file can be made) and the column widths;
-- tw:write(file) prints the header and the aligned lines; tw.count is the
-- number of rows. `columns` is a list of keys (or {key=, title=} tables).
function M.table_writer(columns, topts)
  local self = setmetatable({ keys = {}, titles = {}, widths = {}, count = 0 },
                            TableWriter)
  for i, c in ipairs(columns) do
    self.keys[i] = key_of(c)
    self.titles[i] = type(c) == "table" and (c.title or c.key) or c
    self.widths[i] = width(self.titles[i])
  end
  if not (topts and topts.memory) then self.spool = io.tmpfile() end
  if not self.spool then self.lines = {} end
  return self
end

function TableWriter:add(row)
  local cells, widths = {}, self.widths
  for i, k in ipairs(self.keys) do
    local s = cell(row[k]):gsub("[\r\n\t]", " ")
    cells[i] = s
    local w = width(s)
    if w > widths[i] then widths[i] = w end
  end
  local line = table.concat(cells, "\t")
  self.count = self.count + 1
  if self.spool then self.spool:write(line, "\n") else self.lines[self.count] = line end
end

-- One aligned line of `values` (the last column is not padded).
function TableWriter:line(values)
  local parts, n = {}, #self.keys
  for i = 1, n do
    local v = values[i] or ""
    parts[i] = i == n and v or v .. string.rep(" ", self.widths[i] - width(v))
  end
  return table.concat(parts, "  ") .. "\n"
end

local function split_tabs(line)
  local values = {}
  for v in (line .. "\t"):gmatch("([^\t]*)\t") do values[#values + 1] = v end
  return values
end

--- tw:write(file): the header and every row, aligned; the spool is closed.
function TableWriter:write(file)
  file:write(self:line(self.titles))
  if self.spool then
    self.spool:seek("set")
    for line in self.spool:lines() do file:write(self:line(split_tabs(line))) end
    self.spool:close()
    self.spool = nil
    self.lines = {}
  else
    for _, line in ipairs(self.lines) do file:write(self:line(split_tabs(line))) end
  end
end

--- report.table(rows, columns?) -> text with one header line and aligned
-- columns; `columns` is a list of keys (or {key=, title=} tables).
function M.table(rows, columns)
  local tw = M.table_writer(columns_of(rows, columns), { memory = true })
  for _, row in ipairs(rows) do tw:add(row) end
  local out = {}
  tw:write { write = function(_, s) out[#out + 1] = s end }
  return table.concat(out)
end

-- One CSV field (RFC 4180): quoted when it holds a comma, quote or newline.
-- A leading =, +, - or @ is prefixed with ' so spreadsheets do not run it.
local function csv_field(v)
  local s = cell(v)
  if s:match("^[=+%-@]") and not tonumber(s) then s = "'" .. s end
  if s:find('[",\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- One CSV line, ended by "\n" (what the tools that read CSV on Unix
-- expect; RFC 4180's "\r\n" put a stray \r in the last field for them).
local function csv_line(row, keys)
  local fields = {}
  for i, k in ipairs(keys) do fields[i] = csv_field(row[k]) end
  return table.concat(fields, ",") .. "\n"
end

local function csv_header(keys)
  local fields = {}
  for i, k in ipairs(keys) do fields[i] = csv_field(k) end
  return table.concat(fields, ",") .. "\n"
end

-- A row as a JSON object with its keys in column order. Error objects
-- become {code, message, ...} objects; lists stay arrays.
local function json_object(row, keys)
  local obj, order = json.object {}, {}
  for _, k in ipairs(keys) do
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
  return json.object(obj, order)
end

-- Column keys of `columns`.
local function keys_of(columns)
  local keys = {}
  for i, c in ipairs(columns) do keys[i] = key_of(c) end
  return keys
end

--- report.csv(rows, columns?) -> CSV text with a header line.
function M.csv(rows, columns)
  local keys = keys_of(columns_of(rows, columns))
  local out = { csv_header(keys) }
  for _, row in ipairs(rows) do out[#out + 1] = csv_line(row, keys) end
  return table.concat(out)
end

-- The JSON text of one row inside the report's array (indented by two).
local function json_item(row, keys)
  local text = assert(json.encode(json_object(row, keys), { pretty = true }))
  return "  " .. text:gsub("\n", "\n  ")
end

--- report.json(rows, columns?) -> pretty JSON array; each row's keys in
-- column order.
function M.json(rows, columns)
  local keys = keys_of(columns_of(rows, columns))
  if #rows == 0 then return "[]\n" end
  local items = {}
  for i, row in ipairs(rows) do items[i] = json_item(row, keys) end
  return "[\n" .. table.concat(items, ",\n") .. "\n]\n"
end

--- report.format(path) -> "json" | "csv" | nil, err: the format a report
-- path asks for ("-" is JSON on standard output).
function M.format(path)
  if path == "-" then return "json" end
  local ext = type(path) == "string" and path:match("%.(%w+)$")
  if ext == "json" or ext == "csv" then return ext end
  return nil, errors.new { code = "usage", field = "report",
                           message = "the report file must end in .json or .csv "
                                     .. "(or be - for JSON on standard output): "
                                     .. tostring(path) }
end

local Writer = {}
Writer.__index = Writer

--- report.writer(path, columns) -> writer | nil, err
-- A report written row by row: w:add(row) appends one row at once;
-- w:close() ends the document and moves it into place (true | nil, err).
-- A file is written as PATH.tmp and renamed to PATH at close, so PATH is never a half
-- document; close works at any time, so an interrupted run still leaves
-- a valid report of the rows it finished. Path "-": JSON on standard
-- output. The format follows the extension, .json or .csv.
function M.writer(path, columns)
  local fmt, ferr = M.format(path)
  if not fmt then return nil, ferr end
  local self = setmetatable({ path = path, format = fmt, keys = keys_of(columns),
                              count = 0 }, Writer)
  if path == "-" then
    self.file = io.stdout
  else
    self.tmp = path .. ".tmp"
    -- created 0600 before anything is written: a report names the estate
    os.remove(self.tmp)
    local f, err = require("slsh.host.core").create_private(self.tmp)
    if f then f, err = io.open(self.tmp, "wb") end
    if not f then
      return nil, errors.new { code = "io", field = "report", message = err }
    end
    self.file = f
  end
  if fmt == "json" then
    self.file:write("[")
  else
    self.file:write(csv_header(self.keys))
  end
  return self
end

function Writer:add(row)
  if not self.file then error("report writer: add after close", 2) end
  if self.format == "json" then
    self.file:write(self.count == 0 and "\n" or ",\n", json_item(row, self.keys))
  else
    self.file:write(csv_line(row, self.keys))
  end
  self.count = self.count + 1
end

function Writer:close()
  local f = self.file
  if not f then return self.ok, self.err end
  self.file = nil
  if self.format == "json" then f:write(self.count == 0 and "]\n" or "\n]\n") end
  local ok, err = f:flush()
  if f ~= io.stdout then
    local cok, cerr = f:close()
    ok, err = ok and cok, err or cerr
    if ok then ok, err = os.rename(self.tmp, self.path) end
  end
  if ok then
    self.ok = true
  else
    self.ok, self.err = nil, errors.new { code = "io", field = "report", message = err }
  end
  return self.ok, self.err
end

--- w:discard(): give the report up: the temporary file is removed and
-- nothing is written to PATH.
function Writer:discard()
  local f = self.file
  if not f then return end
  self.file = nil
  if f == io.stdout then
    if self.format == "json" then f:write(self.count == 0 and "]\n" or "\n]\n") end
    return
  end
  f:close()
  os.remove(self.tmp)
end

--- report.write(path, rows, columns?) -> true | nil, err: the whole report
-- at once (through the same writer).
function M.write(path, rows, columns)
  local w, err = M.writer(path, columns_of(rows, columns))
  if not w then return nil, err end
  for _, row in ipairs(rows) do w:add(row) end
  return w:close()
end

local Progress = {}
Progress.__index = Progress

--- report.progress{total=, label=, stream=?, enabled=?} -> bar
-- Drawn on stderr only when it is a terminal (or enabled=true); bar:tick(
-- status) counts one item under a status ("done", "skipped", "failed"...),
-- bar:finish() ends the line. While the items are still being listed,
-- bar:set_total(n, false) shows the count so far as "n+" (no eta);
-- bar:set_total(n) makes it final.
function M.progress(opts)
  local self = setmetatable({
    total = opts.total or 0,
    final = opts.total ~= nil,
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

function Progress:set_total(n, final)
  self.total, self.final = n, final ~= false
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
  if self.final and rate > 0 and self.total > self.count then
    eta = string.format(" eta %ds", math.ceil((self.total - self.count) / rate))
  end
  return string.format("\r%s [%s%s] %d/%d%s %s %.1f/s%s\27[K", self.label,
                       string.rep("#", filled), string.rep(".", barw - filled),
                       self.count, self.total, self.final and "" or "+",
                       table.concat(statuses, ", "), rate, eta)
end

function Progress:tick(status)
  self.count = self.count + 1
  status = status or "done"
  self.counts[status] = (self.counts[status] or 0) + 1
  if not self.enabled then return end
  local now = host.monotime()
  if now - self.last >= 0.1 or (self.final and self.count == self.total) then
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
