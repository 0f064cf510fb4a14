-- Write the manual page slsh(1) from the help texts of the slsh it is run
-- with, so that the page and --help can never say different things:
--   slsh dist/gen_man.lua SLSH_BINARY OUT.1
-- The page has `slsh --help` as SYNOPSIS, DESCRIPTION and OPTIONS, then a
-- WORKFLOWS section with `slsh run NAME --help` of each workflow that
-- `slsh run` lists. Help texts are plain text in a fixed layout: an item
-- ("  --name ARG   what it does", or "  word   what it means") starts at
-- column 2 with its text after two or more spaces or on the next lines,
-- indented further; a line "title:" at column 0 starts a section.

local bin, out = arg[1], arg[2]
if not bin or not out then
  io.stderr:write("usage: slsh gen_man.lua SLSH_BINARY OUT.1\n")
  os.exit(2)
end

-- The standard output of `bin ARGS...`; a non-zero exit fails the build.
local function run(...)
  local cmd = { "'" .. bin:gsub("'", "'\\''") .. "'" }
  for _, a in ipairs { ... } do cmd[#cmd + 1] = "'" .. a .. "'" end
  local p = assert(io.popen(table.concat(cmd, " ") .. " 2>&1"))
  local text = p:read("a")
  local ok, _, code = p:close()
  if not ok then
    io.stderr:write("gen_man: ", table.concat(cmd, " "), " exited ",
      tostring(code), ":\n", text)
    os.exit(1)
  end
  return text
end

-- Roff-escape one line of text: backslashes, hyphens, and a leading
-- period or quote that would read as a request.
local function esc(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-")
  if s:match("^[.']") then s = "\\&" .. s end
  return s
end

local function lines(text)
  local t = {}
  for line in (text:gsub("\n*$", "") .. "\n"):gmatch("(.-)\n") do t[#t + 1] = line end
  return t
end

-- Turn one help text (without its usage line) into roff. `heading` is the
-- request used for its "title:" lines (.SH for the main page, .SS inside a
-- workflow).
local function body(text, heading)
  local o, in_item, in_list = {}, false, false
  for _, line in ipairs(lines(text)) do
    local title = line:match("^(%a[%w %-]*):$")
    local item, desc = line:match("^  (%S.-)%s%s+(%S.*)$")
    local lone = line:match("^  (%-%-?%w[%w%-]*[^%s]*%s?[^%s]*)$")
    local cont = line:match("^    +(%S.*)$")
    if line == "" then
      o[#o + 1] = ".PP"
      in_item, in_list = false, false
    elseif title then
      o[#o + 1] = heading .. " " .. esc(title:upper())
      in_item, in_list = false, false
    elseif cont and in_item then
      o[#o + 1] = esc(cont)
    elseif item or lone then
      o[#o + 1] = ".TP"
      o[#o + 1] = "\\fB" .. esc(item or lone) .. "\\fR"
      if desc then o[#o + 1] = esc(desc) end
      in_item, in_list = true, true
    elseif line:match("^%s") and not in_list then
      o[#o + 1] = ".nf"
      o[#o + 1] = esc(line)
      o[#o + 1] = ".fi"
    else
      if in_list then o[#o + 1] = ".PP" end
      o[#o + 1] = esc((line:gsub("^%s+", "")))
      in_item, in_list = false, false
    end
  end
  return table.concat(o, "\n")
end

-- "usage: X" as a synopsis line, and the rest of the text.
local function split_usage(text)
  local usage, rest = text:match("^usage:%s*(.-)\n(.*)$")
  return usage or "", rest or text
end

local version = run("--version"):match("(%d[%w.%-]*)") or ""
local usage, rest = split_usage(run("--help"))
local page = {
  '.TH SLSH 1 "" "slsh ' .. version .. '" "User Commands"',
  ".SH NAME",
  "slsh \\- Lua shell and workflows for Alibaba Cloud log encryption (BYOK)",
  ".SH SYNOPSIS",
  ".nf",
  esc(usage),
  ".fi",
  ".SH DESCRIPTION",
  body(rest, ".SH"),
  ".SH WORKFLOWS",
}

local names = {}
for _, line in ipairs(lines(run("run"))) do
  local name, what = line:match("^  (%S+)%s%s+(.*)$")
  if name then names[#names + 1] = { name = name, what = what } end
end
if #names == 0 then
  io.stderr:write("gen_man: `slsh run` listed no workflow\n")
  os.exit(1)
end
for _, w in ipairs(names) do
  local wusage, wrest = split_usage(run("run", w.name, "--help"))
  page[#page + 1] = ".SS " .. esc(w.name)
  page[#page + 1] = esc(w.what)
  page[#page + 1] = ".PP"
  page[#page + 1] = ".nf"
  page[#page + 1] = esc(wusage)
  page[#page + 1] = ".fi"
  page[#page + 1] = body(wrest, ".SS")
end
page[#page + 1] = ".SH SEE ALSO"
page[#page + 1] = "The guide and the Lua API reference in the slsh documentation "
  .. "(docs/guide.md, docs/lua\\-api.md)."

local f = assert(io.open(out, "w"))
f:write(table.concat(page, "\n"):gsub("\n%.PP\n%.PP", "\n.PP"), "\n")
assert(f:close())
