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

  it("exits 3 when an item failed or was refused", function()
    local out, tmp = io.output(), os.tmpname()
    io.output(tmp)
    assert.equal(0, wf.finish({ { status = "done" } }, { quiet = true }, { "status" }))
    assert.equal(3, wf.finish({ { status = "done" }, { status = "refused" } },
                              { quiet = true }, { "status" }))
    io.output():close()
    io.output(out)
    os.remove(tmp)
  end)
end)
