-- slsh.rollout in process, with a client whose answers a test shapes:
-- the report says what is known when a write could not be verified, and
-- a bug in an item never reaches a row as a bare Lua error.
local cloud = require "cloud"
local fx = require "rollout_fixture"
local wf = require "slsh.workflow"
local rollout = require "slsh.rollout"
local encconf = require "slsh.encrypt_conf"
local errors = require "slsh.err"
local json = require "slsh.json"

-- A toggle-off policy: BYOK logstores that are on get disabled.
local policy = {
  name = "edges", usage = "edges [OPTIONS]", summary = "test policy",
  plan = function(_, ls, cur)
    if cur.mechanism ~= "byok" then return "skip", "not BYOK" end
    if not cur.enable then return "done", "already off" end
    return "disable", "BYOK and on", encconf.with_enable(ls.encrypt_conf, false)
  end,
  fingerprint = function() return "edges off" end,
}

-- rollout.main with its output in a file; status, output text.
local function main(args)
  local out, tmp = io.output(), os.tmpname()
  io.output(tmp)
  local status = rollout.main(policy, args)
  io.output():close()
  io.output(out)
  local f = assert(io.open(tmp))
  local text = f:read("a")
  f:close()
  os.remove(tmp)
  return status, text
end

local function lines(path)
  local out = {}
  for l in io.lines(path) do out[#out + 1] = json.decode(l) end
  return out
end

describe("slsh.rollout edges", function()
  local c, sls, real_clients
  setup(function()
    c = cloud.start { state = fx.state() }
    slsh.config.connect_to = c.url
    -- rollout.main's clients: the test cloud's key, no retries, one set
    -- per region (so that the test can reshape its answers)
    real_clients = wf.clients
    wf.clients = function(region)
      return real_clients(region, { credentials = c.creds, retries = 0 })
    end
    sls = wf.clients(fx.HZ).sls
  end)
  teardown(function()
    wf.clients = real_clients
    slsh.config.connect_to = nil
    c:stop()
  end)

  it("reports a write whose read-back failed as unverified, journals it, and a "
     .. "rerun verifies it", function()
    local real = sls.set_encryption
    -- the contract of the clients: the PUT was accepted, the read-back
    -- failed (here: after the real write)
    sls.set_encryption = function(self, p, l, conf, o)
      local r, err = real(self, p, l, conf, o)
      if not r then return nil, err end
      return nil, errors.new { code = "unverified", written = true,
                               request_id = "PUT-REQUEST-ID-1",
                               message = "written but not verified",
                               cause = errors.new { code = "ServerBusy",
                                                    message = "busy", status = 503 } }
    end
    local report, journal = fx.tmp(".json"), fx.tmp(".jsonl")
    local args = { "--region", fx.HZ, "--logstore", "byok-on", "--apply", "--quiet",
                   "--report", report, "--journal", journal }
    local status = main(args)
    sls.set_encryption = real
    assert.equal(3, status)
    local row = fx.report(report)["app-hz/byok-on"]
    assert.equal("unverified", row.status)
    assert.equal("PUT-REQUEST-ID-1", row.request_id)
    assert.matches("written (request id PUT-REQUEST-ID-1) but not verified", row.reason,
                   1, true)
    assert.matches("ServerBusy: busy", row.reason, 1, true)
    local j = lines(journal)
    assert.equal(1, #j)
    assert.equal("unverified", j[1].status)
    assert.equal("PUT-REQUEST-ID-1", j[1].request_id)
    assert.equal(1, c:count("UpdateLogStore"))

    -- the rerun reads it again and finds it as wanted: verified, no write
    status = main(args)
    assert.equal(0, status)
    row = fx.report(report)["app-hz/byok-on"]
    assert.equal("already", row.status)
    assert.matches("verified: written by an earlier run (request id PUT-REQUEST-ID-1)",
                   row.reason, 1, true)
    j = lines(journal)
    assert.equal(2, #j)
    assert.equal("already", j[2].status)
    assert.equal(1, c:count("UpdateLogStore"))

    -- and the next one skips it on the journal's word
    status = main(args)
    assert.equal(0, status)
    assert.equal("journaled", fx.report(report)["app-hz/byok-on"].status)
    os.remove(report)
    os.remove(journal)
  end)

  it("counts unverified rows against the exit status", function()
    assert.is_true(wf.BAD_STATUS.unverified)
    assert.is_true(wf.counts_against({ status = "unverified" }))
  end)

  it("shows a Lua error in an item as an internal error, never a bare one", function()
    local real = sls.get_logstore
    sls.get_logstore = function(_, p) return p.no_such.field end -- a bug
    local report = fx.tmp(".json")
    local status = main { "--region", fx.HZ, "--logstore", "byok-on", "--quiet",
                          "--report", report }
    sls.get_logstore = real
    assert.equal(3, status)
    local row = fx.report(report)["app-hz/byok-on"]
    os.remove(report)
    assert.equal("failed", row.status)
    assert.equal("internal", row.error_code)
    assert.matches("^internal error %(a bug in slsh; please report it%): .*attempt to index "
                   .. "a nil value", row.reason)
  end)

  it("keeps the code and request id of a world's error in a failed row", function()
    local row = wf.failed_row({ region = "r", project = "p", logstore = "l" },
                              errors.new { code = "Unauthorized", message = "denied",
                                           request_id = "RID" })
    assert.equal("Unauthorized: denied", row.reason)
    assert.equal("RID", row.request_id)
  end)
end)
