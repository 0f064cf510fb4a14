-- slsh.workflow: selection of targets across regions, journal, exit status.
local cloud = require "cloud"
local wf = require "slsh.workflow"

describe("slsh.workflow", function()
  it("matches shell-style globs on whole names", function()
    assert.is_true(wf.glob("cloudfirewall-*", "cloudfirewall-project-1-cn-hangzhou"))
    assert.is_false(wf.glob("cloud*", "my-cloudfirewall"))
    assert.is_true(wf.glob("ls-00?", "ls-007"))
    assert.is_true(wf.glob("a.b", "a.b"))
    assert.is_false(wf.glob("a.b", "axb"))
  end)

  it("selects logstores over regions and projects", function()
    local c = cloud.start()
    slsh.config.connect_to = c.url
    local opts = { regions = { "cn-hangzhou", "cn-shanghai" }, logstore = { "*plain*", "byok-*" },
                   concurrency = 2, credentials = c.creds }
    local targets = assert(wf.targets(opts))
    local names = {}
    for _, t in ipairs(targets:all()) do names[#names + 1] = wf.key(t) end
    assert.same({
      "cn-hangzhou/slsh-test-project/byok-disabled-key",
      "cn-hangzhou/slsh-test-project/byok-off",
      "cn-hangzhou/slsh-test-project/byok-on",
      "cn-hangzhou/slsh-test-project/plain",
      "cn-shanghai/slsh-test-other/sh-plain",
    }, names)
    slsh.config.connect_to = nil
    c:stop()
  end)

  it("journals finished items so that a rerun skips them", function()
    local path = os.tmpname()
    local j = wf.journal(path)
    local t = { region = "r", project = "p", logstore = "l" }
    j:record(t, { status = "encrypted", action = "encrypted" })
    j:close()
    local again = wf.journal(path)
    assert.equal("encrypted", again:get(t).status)
    assert.is_nil(again:get { region = "r", project = "p", logstore = "other" })
    again:close()
    os.remove(path)
  end)

  it("refuses a journal with a line that is not an entry, naming the line", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write('{"key":"r/p/a","status":"applied"}\n\n{"key":"r/p/b","status":"appl')
    f:close()
    local entries, err = wf.check_journal(path)
    assert.is_nil(entries)
    assert.matches(path .. " line 3 is not a journal entry", err, 1, true)
    assert.has_error(function() wf.journal(path) end)
    f = assert(io.open(path, "w"))
    f:write('{"key":"r/p/a","status":"applied"}\n["not", "an", "entry"]\n')
    f:close()
    entries, err = wf.check_journal(path)
    assert.is_nil(entries)
    assert.matches("line 2", err, 1, true)
    os.remove(path)
    assert.same({}, wf.check_journal(path)) -- no file yet: an empty journal
  end)

  it("checks regions, files and their places before anything runs", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local function check(o)
      o.regions = o.regions or { "cn-hangzhou" }
      return wf.check(o)
    end
    assert.is_true(check {})
    assert.matches("got 'cn hangzhou'", select(2, check { regions = { "cn hangzhou" } }))
    assert.matches("must end in .json or .csv",
                   select(2, check { report = dir .. "/r.txt" }), 1, true)
    assert.matches("is a directory", select(2, check { report = dir }), 1, true)
    assert.matches("no directory", select(2, check { journal = dir .. "/no/j.jsonl" }), 1, true)
    assert.matches("needs --journal", select(2, check { new_journal = true }), 1, true)
    assert.is_nil(io.open(dir .. "/r.json")) -- nothing created by a failed check
    local o = { report = dir .. "/r.json", journal = dir .. "/j.jsonl", apply = true }
    assert.is_true(check(o))
    assert.is_nil(io.open(dir .. "/r.json")) -- tried, but only written at the end
    assert.is_nil(io.open(dir .. "/r.json.tmp"))
    assert.truthy(io.open(dir .. "/j.jsonl")) -- created up front
    assert.same({}, o.journal_entries)
    os.execute("rm -rf " .. dir)
  end)

  it("exits 3 when an item failed or was refused", function()
    local out, tmp = io.output(), os.tmpname()
    io.output(tmp)
    assert.equal(0, wf.finish({ { status = "done" } }, { quiet = true }, { "status" }))
    assert.equal(3, wf.finish({ { status = "done" }, { status = "refused" } },
                              { quiet = true }, { "status" }))
    assert.equal(3, wf.finish({ { status = "unverified" } }, { quiet = true }, { "status" }))
    -- a refusal a baseline knows (same logstore, same reason) does not count
    local row = { region = "r", project = "p", logstore = "l", status = "refused",
                  reason = "service key chosen" }
    assert.equal(0, wf.finish({ row }, { quiet = true,
                                         accepted_refusals = { ["r/p/l"] = "service key chosen" } },
                              { "status" }))
    row.accepted = nil
    assert.equal(3, wf.finish({ row }, { quiet = true,
                                         accepted_refusals = { ["r/p/l"] = "another reason" } },
                              { "status" }))
    io.output():close()
    io.output(out)
    os.remove(tmp)
  end)
end)
