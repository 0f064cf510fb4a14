--- slsh.scripts: where `slsh run NAME` finds a workflow, and what
-- `slsh run` lists. lua/main.c calls it with the bundled workflows
-- ({name = summary}) and a directory reader (dir -> list of names of its
-- *.lua files, or nil when it cannot be read).
--
-- The search path: each directory of $SLSH_PATH (colon-separated), then
-- $XDG_CONFIG_HOME/slsh/workflows (~/.config/slsh/workflows when
-- XDG_CONFIG_HOME is unset). A bundled workflow wins over a user's one of
-- the same name: `slsh run byok-rollout` always runs the workflow that
-- ships with slsh, whatever a directory on the path holds, so a name in a
-- runbook or a CI job cannot be taken over by a file someone dropped in a
-- directory. Among the user's directories the first one holding the name
-- wins.

local M = {}

--- scripts.path(getenv?) -> list of {dir=, origin=} in search order.
function M.path(getenv)
  getenv = getenv or os.getenv
  local out = {}
  for dir in (getenv("SLSH_PATH") or ""):gmatch("[^:]+") do
    out[#out + 1] = { dir = dir, origin = "SLSH_PATH" }
  end
  local config = getenv("XDG_CONFIG_HOME")
  if not config or config == "" then
    local home = getenv("HOME")
    config = home and home ~= "" and (home .. "/.config") or nil
  end
  if config then
    out[#out + 1] = { dir = config .. "/slsh/workflows", origin = "config" }
  end
  return out
end

-- A workflow's name is a file name without ".lua": no directories in it,
-- so that `slsh run ../x` cannot reach outside the search path.
local function valid(name)
  return name:match("^[%w_][%w_.-]*$") ~= nil and not name:match("%.lua$")
end

local function exists(path)
  local f = io.open(path, "r")
  if not f then return false end
  f:close()
  return true
end

--- scripts.find(name, bundled) -> true (the bundled one) | path (a user's
-- file) | nil, message.
function M.find(name, bundled, getenv)
  if bundled[name] then return true end
  if valid(name) then
    for _, d in ipairs(M.path(getenv)) do
      local path = d.dir .. "/" .. name .. ".lua"
      if exists(path) then return path end
    end
  end
  return nil, string.format("no workflow '%s': it is not bundled, nor a NAME.lua in "
    .. "$SLSH_PATH or %s (see 'slsh run')", name, M.config_dir(getenv))
end

--- scripts.config_dir(getenv?) -> the user's workflow directory, as shown.
function M.config_dir(getenv)
  getenv = getenv or os.getenv
  local xdg = getenv("XDG_CONFIG_HOME")
  if xdg and xdg ~= "" then return xdg .. "/slsh/workflows" end
  return "~/.config/slsh/workflows"
end

-- The summary of a workflow file: its first line, if a "--- " comment.
local function summary(path)
  local f = io.open(path, "r")
  if not f then return "" end
  local first = f:read("l") or ""
  f:close()
  return first:match("^%-%-%- (.*)$") or ""
end

--- scripts.list(bundled, readdir, getenv?) -> list of {name=, summary=,
-- origin="bundled"|"SLSH_PATH"|"config", path=?, hidden_by=?}, the
-- bundled ones first, then the user's in search order, each sorted by
-- name; `hidden_by` says which workflow runs instead ("bundled" or a path).
function M.list(bundled, readdir, getenv)
  local out, taken = {}, {}
  local names = {}
  for name in pairs(bundled) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    out[#out + 1] = { name = name, summary = bundled[name], origin = "bundled" }
    taken[name] = "bundled"
  end
  for _, d in ipairs(M.path(getenv)) do
    local files = readdir(d.dir) or {}
    table.sort(files)
    for _, name in ipairs(files) do
      if valid(name) then
        local path = d.dir .. "/" .. name .. ".lua"
        out[#out + 1] = { name = name, summary = summary(path), origin = d.origin,
                          path = path, hidden_by = taken[name] }
        taken[name] = taken[name] or path
      end
    end
  end
  return out
end

--- scripts.print_list(bundled, readdir): what `slsh run` prints.
function M.print_list(bundled, readdir, getenv)
  local rows = M.list(bundled, readdir, getenv)
  -- "  NAME  summary": shell completion takes the names from these lines
  local function line(r)
    local what = r.summary ~= "" and r.summary or "(no summary: no '--- ' first line)"
    print(string.format("  %-22s %s", r.name, what))
  end
  print("bundled workflows (slsh run NAME --help for options):")
  local mine = {}
  for _, r in ipairs(rows) do
    if r.origin == "bundled" then line(r) else mine[#mine + 1] = r end
  end
  if #rows == #mine then print("  (none)") end
  if #mine == 0 then return end
  print()
  print("your workflows ($SLSH_PATH, then " .. M.config_dir(getenv) .. "):")
  for _, r in ipairs(mine) do
    line(r)
    local where = r.path
    if r.hidden_by == "bundled" then
      where = where .. " (not run: the bundled one has this name)"
    elseif r.hidden_by then
      where = where .. " (not run: " .. r.hidden_by .. " comes first)"
    end
    print(string.format("  %-22s %s", "", where))
  end
end

return M
