-- docs/embedding.md: its C example is compiled against libslsh.a and run,
-- and must print what the page says it prints.
local run = require "run"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

describe("docs/embedding.md", function()
  local doc = read("docs/embedding.md")

  it("has an example that compiles, links and prints what the page says", function()
    local code = assert(doc:match("```c\n(.-)```"), "no C block in the page")
    local expected = assert(doc:match("It prints:\n\n```\n(.-)```"), "no output block")
    local dir = os.getenv("SLSH_MODULE_DIR") or "build"
    local src = os.tmpname() .. ".c"
    local exe = os.tmpname()
    local f = assert(io.open(src, "w"))
    f:write(code)
    f:close()
    local sanitize = os.getenv("SLSH_ASAN") == "1" and "-fsanitize=address,undefined " or ""
    local cc = run.sh("cc -std=c11 -Wall -Wextra -Werror " .. sanitize
                      .. "-I core/include -I lua/include " .. src .. " " .. dir .. "/libslsh.a "
                      .. "$(pkg-config --libs lua5.4 libcurl openssl jansson libedit "
                      .. "libprotobuf-c liblz4) -lm -o "
                      .. exe)
    os.remove(src)
    assert.equal(0, cc.code, cc.stderr)
    local r = run.sh(exe)
    os.remove(exe)
    assert.equal(0, r.code, r.stderr)
    assert.equal(expected, r.stdout)
  end)
end)
