-- slsh.report: tables, CSV, progress.
local report = require "slsh.report"

describe("slsh.report", function()
  local rows = {
    { project = "p1", logstore = "a", action = "encrypted" },
    { project = "project-two", logstore = "b,c", action = "refused",
      reason = 'said "no"' },
  }

  it("aligns a text table", function()
    local t = report.table(rows, { "project", "logstore", "action" })
    assert.equal("project      logstore  action\n"
              .. "p1           a         encrypted\n"
              .. "project-two  b,c       refused\n", t)
  end)

  it("writes RFC 4180 CSV with quoting and \\n line ends", function()
    local t = report.csv(rows, { "project", "logstore", "reason" })
    assert.equal('project,logstore,reason\np1,a,\nproject-two,"b,c","said ""no"""\n', t)
  end)

  it("defuses spreadsheet formulas in CSV", function()
    assert.matches("'=cmd", report.csv({ { x = "=cmd()" } }, { "x" }))
    assert.matches("\n%-5\n", report.csv({ { x = -5 } }, { "x" }))
  end)

  it("shows a progress bar only when asked", function()
    local buf = {}
    local stream = {
      write = function(_, ...)
        for _, s in ipairs { ... } do buf[#buf + 1] = s end
      end,
      flush = function() end,
    }
    local bar = report.progress { total = 2, label = "rollout", stream = stream, enabled = true }
    bar:tick("done")
    bar:tick("failed")
    bar:finish()
    local text = table.concat(buf)
    assert.matches("rollout %[#+%] 2/2 done 1, failed 1", text)
    local quiet = report.progress { total = 1, stream = stream, enabled = false }
    local before = #buf
    quiet:tick()
    quiet:finish()
    assert.equal(before, #buf)
  end)
end)
