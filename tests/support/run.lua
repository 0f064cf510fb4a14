-- Run the slsh binary (or any command) from a spec and capture what it
-- printed and how it exited.
local M = {}

M.bin = os.getenv("SLSH_BIN") or "build/slsh"

-- Quote one word for /bin/sh.
function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- run.slurp(path) -> the file's bytes; the file is removed.
local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  os.remove(path)
  return s
end
M.slurp = slurp

--- run.tmpname(ext) -> a fresh path ending in `ext` (for --report FILE.json).
function M.tmpname(ext)
  local base = os.tmpname()
  os.remove(base)
  return base .. ext
end

--- run.unsanitize(text) -> text without the "Suppressions used" block
-- LeakSanitizer prints at exit in the ASan build (not the program's).
function M.unsanitize(text)
  return (text:gsub("%-%-%-%-%-+\nSuppressions used:\n.-\n%-%-%-%-%-+\n\n?", ""))
end

--- run.sh(command_line, {stdin=, env={K=V}}) -> {code=, stdout=, stderr=}
function M.sh(cmd, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local prefix = ""
  for k, v in pairs(opts.env or {}) do
    prefix = prefix .. k .. "=" .. M.quote(v) .. " "
  end
  local inp
  if opts.stdin then
    inp = os.tmpname()
    local f = assert(io.open(inp, "wb"))
    f:write(opts.stdin)
    f:close()
  end
  local _, _, code = os.execute(prefix .. cmd .. " <" .. (inp or "/dev/null")
                                .. " >" .. out .. " 2>" .. err)
  if inp then os.remove(inp) end
  return { code = code, stdout = M.unsanitize(slurp(out)),
           stderr = M.unsanitize(slurp(err)) }
end

--- run.stock_lua_env(env?) -> env: what a stock `lua5.4` needs to load
-- the built slsh.so (LUA_CPATH; in the ASan build, the sanitizer
-- runtimes preloaded), added to `env`.
function M.stock_lua_env(env)
  env = env or {}
  env.LUA_CPATH = (os.getenv("SLSH_MODULE_DIR") or "build") .. "/?.so"
  if os.getenv("SLSH_ASAN") == "1" then
    -- An instrumented slsh.so needs the sanitizer runtimes loaded first.
    local p = io.popen("cc -print-file-name=libasan.so; cc -print-file-name=libubsan.so")
    env.LD_PRELOAD = p:read("l") .. " " .. p:read("l")
    p:close()
    env.ASAN_OPTIONS = "detect_leaks=0"
  end
  return env
end

--- run.slsh({args...}, opts) -> {code=, stdout=, stderr=}
function M.slsh(args, opts)
  local words = { M.quote(M.bin) }
  for _, a in ipairs(args) do words[#words + 1] = M.quote(a) end
  return M.sh(table.concat(words, " "), opts)
end

return M
