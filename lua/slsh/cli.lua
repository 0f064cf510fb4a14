--- slsh.cli: command-line options for scripts and bundled workflows.
-- One declarative spec gives parsing, validation with errors that name the
-- option and its valid values, defaults, and the --help text, so that every
-- workflow explains every option the same way.
--
--   local opts = slsh.cli.parse(arg, {
--     usage = "slsh run toggle [OPTIONS]",
--     summary = "Enable or disable encryption where the rules allow it.",
--     options = {
--       { "apply", type = "flag", help = "make the changes (default: plan only)" },
--       { "concurrency", type = "integer", default = 8, min = 1, max = 64,
--         help = "logstores processed at once" },
--       { "project", type = "list", metavar = "GLOB", help = "projects to include" },
--       { "state", type = "choice", choices = { "on", "off" }, required = true },
--     },
--   })

local M = {}

local TYPES = { flag = true, string = true, integer = true, number = true,
                list = true, choice = true }

-- Validate the spec itself: a mistake there is the script author's, so it
-- raises.
local function check_spec(spec)
  assert(type(spec) == "table", "cli.parse: spec must be a table")
  local byname = {}
  for i, o in ipairs(spec.options or {}) do
    local name = o[1] or o.name
    assert(type(name) == "string" and name:match("^[%w][%w-]*$"),
           "cli.parse: option " .. i .. " needs a name")
    local t = o.type or "string"
    assert(TYPES[t], "cli.parse: option --" .. name .. " has unknown type " .. tostring(t))
    assert(t ~= "choice" or type(o.choices) == "table",
           "cli.parse: option --" .. name .. " needs choices")
    byname[name] = o
  end
  return byname
end

local function key(name)
  return (name:gsub("-", "_"))
end

local function usage_error(message, field)
  return nil, require("slsh.err").new { code = "usage", message = message,
                                        field = field }
end

-- Convert and check one value; returns value or nil, err.
local function convert(o, name, raw)
  local t = o.type or "string"
  if t == "integer" or t == "number" then
    local v = tonumber(raw)
    if t == "integer" then v = v and math.tointeger(v) end
    -- "1e999" converts to infinity, which no bound or rate means
    if not v or v ~= v or v == math.huge or v == -math.huge then
      return usage_error(string.format("--%s takes %s, got '%s'", name,
                         t == "integer" and "a whole number" or "a number", raw), name)
    end
    if (o.min and v < o.min) or (o.max and v > o.max) then
      return usage_error(string.format("--%s must be between %s and %s, got %s", name,
                         tostring(o.min or "-inf"), tostring(o.max or "inf"), raw), name)
    end
    return v
  elseif t == "choice" then
    for _, c in ipairs(o.choices) do
      if c == raw then return raw end
    end
    return usage_error(string.format("--%s must be one of %s, got '%s'", name,
                       table.concat(o.choices, ", "), raw), name)
  end
  if raw == "" then
    return usage_error(string.format("--%s needs a non-empty value", name), name)
  end
  return raw
end

--- cli.wrap(text, width) -> list of lines of at most `width` columns
-- (a longer word stands alone on its line).
function M.wrap(text, width)
  local out, line = {}, ""
  for word in text:gmatch("%S+") do
    if line ~= "" and #line + 1 + #word > width then
      out[#out + 1] = line
      line = word
    else
      line = line == "" and word or (line .. " " .. word)
    end
  end
  out[#out + 1] = line
  return out
end

--- cli.help(spec) -> the --help text.
function M.help(spec)
  local lines = {}
  lines[#lines + 1] = "usage: " .. (spec.usage or "slsh SCRIPT [OPTIONS]")
  if spec.summary then
    lines[#lines + 1] = "\n" .. table.concat(M.wrap(spec.summary, 78), "\n")
  end
  if spec.description then lines[#lines + 1] = "\n" .. spec.description end
  lines[#lines + 1] = "\noptions:"
  local opts = {}
  for _, o in ipairs(spec.options or {}) do opts[#opts + 1] = o end
  opts[#opts + 1] = { "help", type = "flag", help = "show this help and exit" }
  for _, o in ipairs(opts) do
    local name = o[1] or o.name
    local t = o.type or "string"
    local left = "  --" .. name
    if t ~= "flag" then
      left = left .. " " .. (o.metavar or (t == "choice" and table.concat(o.choices, "|"))
                             or t:upper())
    end
    local help = o.help or ""
    if t == "list" then help = help .. " (repeatable, or comma-separated)" end
    if o.required then help = help .. " (required)" end
    if o.default ~= nil and t ~= "flag" then
      local d = o.default
      if type(d) == "table" then d = table.concat(d, ",") end
      help = help .. " (default: " .. tostring(d) .. ")"
    end
    if #left > 28 then
      lines[#lines + 1] = left
      left = ""
    end
    for i, chunk in ipairs(M.wrap(help, 78 - 30)) do
      lines[#lines + 1] = string.format("%-30s%s", i == 1 and left or "", chunk)
    end
  end
  if spec.epilog then lines[#lines + 1] = "\n" .. spec.epilog end
  return table.concat(lines, "\n") .. "\n"
end

--- cli.try(args, spec) -> opts, positional | nil, err | "help"
-- The pure parser behind cli.parse: never prints, never exits.
function M.try(args, spec)
  local byname = check_spec(spec)
  local opts, positional = {}, {}
  local seen = {}   -- non-list options already given: a second one is an error,
                    -- not a silent "last one wins"
  local i, n = 1, #args
  while i <= n do
    local a = args[i]
    if a == "--" then
      for j = i + 1, n do positional[#positional + 1] = args[j] end
      break
    elseif a == "--help" or a == "-h" then
      return "help"
    elseif a:sub(1, 2) == "--" then
      local name, value = a:sub(3):match("^([^=]+)=(.*)$")
      name = name or a:sub(3)
      local negated = false
      local o = byname[name]
      if not o and name:sub(1, 3) == "no-" and byname[name:sub(4)]
         and (byname[name:sub(4)].type == "flag") then
        o, name, negated = byname[name:sub(4)], name:sub(4), true
      end
      if not o then
        local known = {}
        for k in pairs(byname) do known[#known + 1] = "--" .. k end
        table.sort(known)
        return usage_error(string.format("unknown option '%s' (valid: %s)", a,
                           table.concat(known, ", ")), name)
      end
      local t = o.type or "string"
      if t ~= "list" then
        if seen[name] then return usage_error("--" .. name .. " given twice", name) end
        seen[name] = true
      end
      if t == "flag" then
        if value then return usage_error("--" .. name .. " takes no value", name) end
        opts[key(name)] = not negated
      else
        if not value then
          i = i + 1
          value = args[i]
          if value == nil then
            return usage_error("--" .. name .. " needs a value", name)
          end
        end
        if t == "list" then
          local list = opts[key(name)] or {}
          -- "a,,b", "a,", "," and "" would silently lose an element (for
          -- --key, all of them: a false "0 keys")
          if value == "" or value:sub(1, 1) == "," or value:sub(-1) == ","
             or value:find(",,", 1, true) then
            return usage_error(string.format("--%s has an empty element in '%s'",
                               name, value), name)
          end
          for item in value:gmatch("[^,]+") do
            local v, err = convert(o, name, item)
            if v == nil then return nil, err end
            list[#list + 1] = v
          end
          opts[key(name)] = list
        else
          local v, err = convert(o, name, value)
          if v == nil then return nil, err end
          opts[key(name)] = v
        end
      end
    else
      positional[#positional + 1] = a
    end
    i = i + 1
  end
  for name, o in pairs(byname) do
    local k = key(name)
    if opts[k] == nil then
      if o.required then
        return usage_error("--" .. name .. " is required", name)
      end
      if o.default ~= nil then
        opts[k] = o.default
        if (o.type or "string") == "list" then
          -- a list option's value is always a fresh list, whatever the
          -- default was written as ("a,b" or {"a", "b"})
          local list = {}
          if type(o.default) == "table" then
            for j, v in ipairs(o.default) do list[j] = v end
          else
            for item in tostring(o.default):gmatch("[^,]+") do list[#list + 1] = item end
          end
          opts[k] = list
        end
      elseif (o.type or "string") == "flag" then
        opts[k] = false
      end
    end
  end
  local maxpos = spec.positional or 0
  if #positional > maxpos then
    return usage_error(string.format("unexpected argument '%s'", positional[maxpos + 1]))
  end
  return opts, positional
end

--- cli.parse(args, spec) -> opts, positional
-- On --help prints the help and exits 0; on a usage error prints it and
-- exits 2 (the exit statuses of docs/design.md).
function M.parse(args, spec)
  local opts, positional = M.try(args or {}, spec)
  if opts == "help" then
    io.stdout:write(M.help(spec))
    os.exit(0)
  end
  if not opts then
    io.stderr:write((spec.usage or "slsh"), ": ", positional.message,
                    "\n(try --help)\n")
    os.exit(2)
  end
  return opts, positional
end

return M
