-- slsh.cli: option parsing for scripts and workflows.
local cli = require "slsh.cli"

local spec = {
  usage = "slsh run demo [OPTIONS]",
  summary = "A demo.",
  options = {
    { "apply", type = "flag", help = "make the changes" },
    { "concurrency", type = "integer", default = 8, min = 1, max = 64, help = "at once" },
    { "project", type = "list", metavar = "GLOB", help = "projects" },
    { "state", type = "choice", choices = { "on", "off" }, help = "wanted state" },
    { "report", metavar = "FILE", help = "report file" },
    { "qps", type = "number", help = "requests per second" },
  },
}

describe("slsh.cli", function()
  it("applies defaults", function()
    local o = assert(cli.try({}, spec))
    assert.same({ apply = false, concurrency = 8 }, o)
  end)

  it("parses every kind of option", function()
    local o = assert(cli.try({ "--apply", "--concurrency", "4", "--project=a*,b",
                               "--project", "c", "--state", "off", "--report=r.json",
                               "--qps", "2.5" }, spec))
    assert.same({ apply = true, concurrency = 4, project = { "a*", "b", "c" },
                  state = "off", report = "r.json", qps = 2.5 }, o)
  end)

  it("gives a list option's default as a fresh list", function()
    local s = { options = {
      { "logstore", type = "list", default = "cloudfirewall-logstore" },
      { "region", type = "list", default = { "a", "b" } },
    } }
    local o = assert(cli.try({}, s))
    assert.same({ "cloudfirewall-logstore" }, o.logstore)
    assert.same({ "a", "b" }, o.region)
    o.region[1] = "changed"
    assert.same({ "a", "b" }, assert(cli.try({}, s)).region)
    assert.same({ "x" }, assert(cli.try({ "--logstore", "x" }, s)).logstore)
    assert.truthy(cli.help(s):find("(default: a,b)", 1, true))
  end)

  it("accepts --no-FLAG", function()
    assert.is_false(assert(cli.try({ "--no-apply" }, spec)).apply)
  end)

  it("refuses a non-list option given twice instead of keeping the last", function()
    for _, args in ipairs {
      { "--state", "on", "--state", "off" },
      { "--state=on", "--state", "on" },
      { "--report", "-", "--report", "r.json" },
      { "--concurrency", "2", "--concurrency", "1" },
      { "--apply", "--apply" },
      { "--apply", "--no-apply" },
    } do
      local o, err = cli.try(args, spec)
      assert.is_nil(o, table.concat(args, " "))
      assert.equal("usage", err.code)
      assert.matches("^%-%-%l+ given twice$", err.message)
    end
    local _, err = cli.try({ "--no-apply", "--apply" }, spec)
    assert.equal("--apply given twice", err.message)
    assert.equal("apply", err.field)
    -- a list option accumulates
    assert.same({ "a", "b" }, assert(cli.try({ "--project", "a", "--project", "b" },
                                               spec)).project)
  end)

  it("refuses a list value with an empty element", function()
    for _, v in ipairs { ",", "", "a,,b", "a,", ",a", ",," } do
      local o, err = cli.try({ "--project", v }, spec)
      assert.is_nil(o, v)
      assert.equal("project", err.field)
      assert.equal("--project has an empty element in '" .. v .. "'", err.message)
    end
    local _, err = cli.try({ "--project=" }, spec)
    assert.equal("--project has an empty element in ''", err.message)
  end)

  it("refuses numbers that are not finite", function()
    for _, v in ipairs { "1e999", "-1e999", "inf", "nan", "0/0" } do
      local o, err = cli.try({ "--qps", v }, spec)
      assert.is_nil(o, v)
      assert.equal("--qps takes a number, got '" .. v .. "'", err.message)
    end
    assert.equal(1e300, assert(cli.try({ "--qps", "1e300" }, spec)).qps)
  end)

  it("refuses an unknown option and lists the valid ones", function()
    local o, err = cli.try({ "--aply" }, spec)
    assert.is_nil(o)
    assert.equal("usage", err.code)
    assert.matches("unknown option '%-%-aply'", err.message)
    assert.matches("%-%-apply, %-%-concurrency", err.message)
  end)

  it("names the option and the valid values of a bad choice", function()
    local _, err = cli.try({ "--state", "maybe" }, spec)
    assert.equal("state", err.field)
    assert.matches("must be one of on, off, got 'maybe'", err.message)
  end)

  it("checks integer ranges and types", function()
    local _, err = cli.try({ "--concurrency", "0" }, spec)
    assert.matches("between 1 and 64", err.message)
    _, err = cli.try({ "--concurrency", "2.5" }, spec)
    assert.matches("whole number", err.message)
  end)

  it("complains about a missing value", function()
    local _, err = cli.try({ "--report" }, spec)
    assert.matches("%-%-report needs a value", err.message)
  end)

  it("enforces required options", function()
    local s = { options = { { "key", required = true } } }
    local _, err = cli.try({}, s)
    assert.matches("%-%-key is required", err.message)
  end)

  it("refuses stray positional arguments", function()
    local _, err = cli.try({ "oops" }, spec)
    assert.matches("unexpected argument 'oops'", err.message)
  end)

  it("asks for help", function()
    assert.equal("help", cli.try({ "--apply", "--help" }, spec))
  end)

  it("documents every option in the help", function()
    local h = cli.help(spec)
    for _, o in ipairs(spec.options) do
      assert.truthy(h:find("--" .. o[1], 1, true), o[1])
    end
    assert.matches("%(default: 8%)", h)
    assert.matches("on|off", h)
    assert.matches("repeatable", h)
  end)

  it("keeps the help within 80 columns", function()
    local long = { usage = "slsh run x", summary = string.rep("word ", 40),
                   options = { { "long", help = string.rep("explained at length ", 12) } } }
    for line in cli.help(long):gmatch("[^\n]+") do
      assert.is_true(#line <= 80, line)
    end
    assert.same({ "aa bb", "cc" }, cli.wrap("aa bb cc", 5))
    assert.same({ "averylongword", "x" }, cli.wrap("averylongword x", 5))
  end)

  it("raises on a broken spec", function()
    assert.has_error(function() cli.try({}, { options = { { "x", type = "bogus" } } }) end)
  end)
end)
