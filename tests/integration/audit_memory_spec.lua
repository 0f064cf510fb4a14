-- `slsh run audit` streams: its peak memory does not grow with the
-- estate. The same audit (table, JSON report) over 1,000 and over 8,000
-- logstores of a generated estate; the slsh process's peak RSS (VmHWM)
-- may grow by less than MAX_GROWTH_KB between the two: before the rows
-- were streamed it grew by 2-5 kB per logstore (14-35 MB here).
local emulator = require "emulator"
local run = require "run"
local json = slsh.json

local SRC = os.getenv("SLSH_SOURCE_DIR") or "."
local ENV = { ALIBABA_CLOUD_ACCESS_KEY_ID = "LTAI5tEmulatorEstate0001",
              ALIBABA_CLOUD_ACCESS_KEY_SECRET = "emulator-estate-secret-not-real-0001" }
local PROJECTS, PER_PROJECT = 80, 100
-- Rows are what this pins; the HTTP engine's connection cache also grows
-- with the hosts in use (transfers in flight x project hosts, at most
-- 1,024 idle connections of about 5 kB: 10 projects x 32 tasks may keep
-- 320, 80 projects the full 1,024), bounded whatever the estate's size.
local MAX_GROWTH_KB = 3 * 1024 + 1024 * 5
-- ASan keeps freed memory in quarantine: RSS says nothing there
local ASAN = os.getenv("SLSH_ASAN") == "1"

describe("slsh run audit over a large estate", function()
  local srv, state

  setup(function()
    state = os.tmpname()
    assert(os.execute(string.format("python3 %s/tests/emulator/make-estate --projects %d "
      .. "--logstores %d --regions cn-hangzhou --seed 3 --no-cloudfirewall --out %s "
      .. "2>/dev/null", SRC, PROJECTS, PER_PROJECT, state)))
    srv = emulator.start { args = { "--state", state } }
  end)
  teardown(function()
    srv.stop()
    os.remove(state)
  end)

  -- Audit the projects matching `glob`; the peak RSS in kB and the report.
  local function audit(glob)
    local hwm, report = run.tmpname(".txt"), run.tmpname(".json")
    local words = { run.bin, "--connect-to", srv.url, "--region", "cn-hangzhou",
                    SRC .. "/tests/support/peak_rss.lua", hwm, SRC .. "/scripts/audit.lua",
                    "--project", glob, "--concurrency", "32", "--qps", "1000",
                    "--fail-on", "none", "--report", report }
    for i, w in ipairs(words) do words[i] = run.quote(w) end
    local r = run.sh(table.concat(words, " "), { env = ENV })
    assert.equal(0, r.code, r.stderr)
    return tonumber(run.slurp(hwm)), assert(json.decode(run.slurp(report))), r.stdout
  end

  it("holds O(concurrency) rows: peak RSS does not grow with the logstores", function()
    local small_kb, small = audit("slsh-estate-cn-hangzhou-000*")
    local large_kb, large, out = audit("*")
    -- every logstore was read, reported and printed
    assert.equal(10 * PER_PROJECT, #small)
    assert.equal(PROJECTS * PER_PROJECT, #large)
    assert.matches("audit: " .. PROJECTS * PER_PROJECT .. " logstores in " .. PROJECTS
                   .. " projects", out, 1, true)
    local _, lines = out:gsub("\n", "")
    assert.is_true(lines > PROJECTS * PER_PROJECT)
    -- in the order of the selection
    assert.equal("slsh-estate-cn-hangzhou-0000", large[1].project)
    assert.equal("ls-000", large[1].logstore)
    assert.equal(string.format("slsh-estate-cn-hangzhou-%04d", PROJECTS - 1), large[#large].project)
    io.stderr:write(string.format("\n  peak RSS: %d kB (1,000 logstores), %d kB (%d)\n",
                                  small_kb, large_kb, PROJECTS * PER_PROJECT))
    if not ASAN then
      assert.is_true(large_kb - small_kb < MAX_GROWTH_KB, string.format(
        "peak RSS grew from %d kB to %d kB", small_kb, large_kb))
    end
  end)
end)
