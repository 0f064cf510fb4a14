-- Run a workflow script in this slsh process and record the process's
-- peak resident set size (VmHWM of /proc/self/status, in kB) when it
-- exits, for the tests that pin the memory a run needs:
--
--   slsh --connect-to URL --region R tests/support/peak_rss.lua OUT.txt \
--        scripts/audit.lua --report r.json ...
--
-- OUT.txt gets the kB figure; the script's exit status is kept.
local out_path, script = arg[1], arg[2]
local args = table.move(arg, 3, #arg, 1, {})
args[0] = script

local function vm_hwm()
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("a")
  f:close()
  return assert(tonumber(text:match("VmHWM:%s*(%d+)")), "no VmHWM in /proc/self/status")
end

local exit = os.exit
os.exit = function(...) -- luacheck: ignore 122
  io.output():flush()
  local f = assert(io.open(out_path, "w"))
  f:write(vm_hwm(), "\n")
  f:close()
  return exit(...)
end

arg = args -- luacheck: ignore 121
local chunk = assert(loadfile(script))
chunk(table.unpack(args))
os.exit(0)
