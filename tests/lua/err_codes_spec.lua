-- The error list is complete: every lower-case error code that Lua code in
-- lua/ and scripts/ sets or compares is one of slsh.err.codes, which comes
-- from core/include/slsh/err_list.h. ("io" and "usage" were used for a
-- long time without being in the list, so a user reading the documented
-- list could not know them.) Service codes are CamelCase
-- ("LogStoreNotExist") and are not slsh's to list.

local errs = require "slsh.err"

local root = os.getenv("SLSH_SOURCE_DIR") or "."

-- Every .lua file under `dir`, sorted.
local function lua_files(dir)
  local p = assert(io.popen("find '" .. root .. "/" .. dir
    .. "' -name '*.lua' -type f | sort"))
  local files = {}
  for line in p:lines() do files[#files + 1] = line end
  p:close()
  return files
end

-- {code = "file:line", ...} of the snake_case codes used in `files`.
local function codes_used(files)
  local used = {}
  for _, path in ipairs(files) do
    local n = 0
    for line in io.lines(path) do
      n = n + 1
      for code in line:gmatch("code%s*[=~]=?%s*[\"']([%w_]+)[\"']") do
        if code:match("^[a-z][a-z0-9_]*$") and not used[code] then
          used[code] = path:sub(#root + 2) .. ":" .. n
        end
      end
    end
  end
  return used
end

describe("the error list", function()
  it("holds every code the Lua modules and workflows use", function()
    local files = lua_files("lua")
    for _, f in ipairs(lua_files("scripts")) do files[#files + 1] = f end
    assert.is_true(#files > 10, "found no Lua sources under " .. root)
    local used = codes_used(files)
    assert.is_not_nil(used.io, "the scan finds nothing: is the pattern broken?")
    local missing = {}
    for code, where in pairs(used) do
      if not errs.codes[code] then missing[#missing + 1] = code .. " (" .. where .. ")" end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("includes io and usage, with a description each", function()
    assert.is_string(errs.codes.io)
    assert.is_string(errs.codes.usage)
  end)

  it("is seen by the scan: a made-up code would be reported", function()
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "w"))
    f:write('return { code = "no_such_code" }\n')
    f:close()
    local saved = root
    root = ""
    local used = codes_used({ tmp })
    root = saved
    os.remove(tmp)
    assert.is_not_nil(used.no_such_code)
    assert.is_nil(errs.codes.no_such_code)
  end)
end)
