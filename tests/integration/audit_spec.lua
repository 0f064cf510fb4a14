-- `slsh run audit` end to end: the slsh binary against the emulator, on a
-- crafted cloud with one logstore per finding.
local cloud = require "cloud"
local run = require "run"
local json = slsh.json

local P = cloud.PROJECT
local ACCOUNT = cloud.ACCOUNT
local KEY_IMPORT = cloud.KEY_IMPORT -- PendingImport (EXTERNAL)
local KEY_GONE = "key-hzz62f1b1d5tslsh0404"
local ENV = { ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.AK.id,
              ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.AK.secret }

local function byok(key, extra)
  local conf = cloud.byok(key)
  for k, v in pairs(extra or {}) do
    if k == "enable" then conf.enable = v else conf.user_cmk_info[k] = v end
  end
  return { encrypt_conf = conf }
end

local function role_arn(name) return "acs:ram::" .. ACCOUNT .. ":role/" .. name end

-- cloud.state() already has plain, service-key, service-key-off,
-- old-shape, byok-on, byok-off and byok-disabled-key; one logstore is
-- added for each other finding.
local function state()
  local s = cloud.state()
  local lss = s.projects[1].logstores
  local function add(name, extra) lss[#lss + 1] = cloud.logstore(name, extra) end
  add("byok-on-2", byok(cloud.KEY))
  add("byok-pending", byok(cloud.KEY_PENDING))
  add("byok-missing", byok(KEY_GONE))
  add("byok-no-protection", byok(cloud.KEY_B))
  add("byok-other-region", byok(cloud.KEY_SH, { region_id = "cn-shanghai" }))
  add("byok-import", byok(KEY_IMPORT))
  add("byok-half-role", byok(cloud.KEY, { arn = role_arn("half-role") }))
  add("byok-untrusted-role", byok(cloud.KEY, { arn = role_arn("slsh-admin-role") }))
  add("byok-ghost-role", byok(cloud.KEY, { arn = role_arn("ghost-role") }))
  -- cloud.state() has the PendingImport key; protect it and the
  -- cn-shanghai key so each logstore shows only its own finding
  for _, k in ipairs(s.keys) do
    if k.KeyId == cloud.KEY_SH or k.KeyId == KEY_IMPORT then
      k.DeletionProtection = "Enabled"
    end
  end
  return s
end

-- What each logstore of the cn-hangzhou project must be found to be.
local EXPECTED = {
  ["plain"] = { "unencrypted", "warning" },
  ["service-key"] = { "service_key", "info" },
  ["service-key-off"] = { "service_key,service_key_disabled", "warning" },
  ["old-shape"] = { "service_key", "info" },
  ["byok-on"] = { "", "ok" },
  ["byok-on-2"] = { "", "ok" },
  ["byok-off"] = { "byok_disabled", "warning" },
  ["byok-disabled-key"] = { "cmk_disabled,deletion_protection_off", "critical" },
  ["byok-pending"] = { "cmk_pending_deletion", "critical" },
  ["byok-missing"] = { "cmk_missing", "critical" },
  ["byok-no-protection"] = { "deletion_protection_off", "warning" },
  ["byok-other-region"] = { "cmk_other_region", "warning" },
  ["byok-import"] = { "cmk_unusable", "critical" },
  ["byok-half-role"] = { "role_broken", "critical" },
  ["byok-untrusted-role"] = { "role_broken", "critical" },
  ["byok-ghost-role"] = { "role_broken", "critical" },
}

local REPORT_COLUMNS = { "region", "project", "logstore", "mechanism", "enabled",
                         "encrypt_type", "key", "key_region", "key_state", "role",
                         "role_arn", "findings", "severity", "details" }

local tmp, read = run.tmpname, run.slurp

describe("slsh run audit", function()
  local c

  setup(function() c = cloud.start { state = state() } end)
  teardown(function() c:stop() end)

  local function audit(args)
    local words = { "--connect-to", c.url, "run", "audit", "--region", cloud.REGION }
    for _, a in ipairs(args or {}) do words[#words + 1] = a end
    return run.slsh(words, { env = ENV })
  end

  it("finds every kind of finding, each on its own logstore", function()
    local path = tmp(".json")
    local r = audit { "--report", path }
    assert.equal(3, r.code, r.stderr)
    local rows = assert(json.decode(read(path)))
    local got = {}
    for _, row in ipairs(rows) do
      assert.equal(P, row.project)
      -- findings is a JSON array ([] when there are none)
      assert.is_true(json.is_array(row.findings), row.logstore)
      got[row.logstore] = { table.concat(row.findings, ","), row.severity }
    end
    assert.same(EXPECTED, got)
    -- the table and the summary say the same
    assert.matches("byok%-pending%s.-cmk_pending_deletion%s+critical", r.stdout)
    assert.matches("audit: 16 logstores in 1 project, 1 region: critical 7, warning 5, "
                   .. "info 2, ok 2", r.stdout, 1, true)
    assert.matches("critical%s+role_broken%s+3 ", r.stdout)
    assert.matches("warning%s+unencrypted%s+1 ", r.stdout)
    assert.matches("exit status 3: findings at or above --fail-on critical", r.stdout, 1, true)
  end)

  it("explains each finding in the report's details", function()
    local path = tmp(".json")
    audit { "--report", path, "--logstore", "byok-pending,byok-half-role,byok-missing" }
    local by = {}
    for _, row in ipairs(json.decode(read(path))) do by[row.logstore] = row end
    assert.matches("deleted on 2030-01-01T00:00:00Z", by["byok-pending"].details, 1, true)
    assert.matches("lacks the system policy AliyunKMSCryptoUserAccess",
                   by["byok-half-role"].details, 1, true)
    assert.equal("NotFound", by["byok-missing"].key_state)
    assert.equal("half-role", by["byok-half-role"].role)
  end)

  it("describes each distinct key once and checks each distinct role once", function()
    c:reset_stats()
    local r = audit { "--concurrency", "16", "--quiet" }
    assert.equal(3, r.code, r.stderr)
    -- KEY, KEY_B, KEY_DISABLED, KEY_PENDING, KEY_GONE, KEY_IMPORT in
    -- cn-hangzhou and KEY_SH in cn-shanghai
    assert.equal(7, c:count("DescribeKey"))
    -- slsh-byok-role, half-role, slsh-admin-role, ghost-role
    assert.equal(4, c:count("GetRole"))
    assert.equal(16, c:count("GetLogStore"))
    assert.equal(0, c:count("UpdateLogStore") + c:count("UpdateRole"))
  end)

  it("exits 3 only for findings at or above --fail-on", function()
    local cases = {
      -- logstores, --fail-on, exit status
      { "plain", "critical", 0 }, { "plain", "warning", 3 }, { "plain", "any", 3 },
      { "service-key", "warning", 0 }, { "service-key", "any", 3 },
      { "byok-on", "any", 0 }, { "byok-disabled-key", "critical", 3 },
      { "byok-disabled-key", "none", 0 }, { "*", "none", 0 },
    }
    for _, case in ipairs(cases) do
      local r = audit { "--logstore", case[1], "--fail-on", case[2], "--quiet" }
      assert.equal(case[3], r.code, case[1] .. " --fail-on " .. case[2] .. ": "
                   .. r.stdout .. r.stderr)
    end
  end)

  it("exits 3 whatever --fail-on says when a logstore cannot be read", function()
    c:faults { next = { { status = 403, code = "Unauthorized", message = "denied",
                          match = { service = "sls", action = "GetLogStore" } } } }
    local r = audit { "--logstore", "byok-on,plain", "--fail-on", "none",
                      "--concurrency", "1" }
    assert.equal(3, r.code, r.stdout .. r.stderr)
    assert.matches("check_failed%s+failed", r.stdout)
    assert.matches("incomplete: 1 logstore could not be checked", r.stdout, 1, true)
  end)

  it("lists only logstores with findings with --findings-only", function()
    local path = tmp(".csv")
    local r = audit { "--findings-only", "--logstore", "byok-on,plain,service-key",
                      "--report", path }
    assert.equal(0, r.code, r.stderr)
    assert.not_matches("byok%-on", r.stdout)
    assert.matches("plain", r.stdout)
    local csv = read(path)
    assert.not_matches("byok%-on", csv)
    -- the summary still counts everything selected
    assert.matches("audit: 3 logstores", r.stdout, 1, true)
  end)

  it("writes the report columns to CSV and JSON", function()
    local csv_path = tmp(".csv")
    audit { "--logstore", "byok-disabled-key,plain", "--report", csv_path, "--quiet" }
    local csv = read(csv_path)
    assert.is_nil(csv:find("\r", 1, true)) -- "\n" line ends
    local lines = {}
    for l in csv:gmatch("([^\n]+)") do lines[#lines + 1] = l end
    assert.equal(table.concat(REPORT_COLUMNS, ","), lines[1])
    assert.equal(3, #lines)
    local prefix = "cn-hangzhou,slsh-test-project,byok-disabled-key,byok,yes,default,"
      .. cloud.KEY_DISABLED .. ",cn-hangzhou,Disabled,slsh-byok-role,"
    assert.equal(prefix, lines[2]:sub(1, #prefix))
    local json_path = tmp(".json")
    audit { "--logstore", "byok-disabled-key", "--report", json_path, "--quiet" }
    local rows = json.decode(read(json_path))
    assert.same(REPORT_COLUMNS, json.keys(rows[1]))
    assert.equal(true, rows[1].enabled)
  end)

  it("writes the JSON report to stdout with --report -, everything else to stderr", function()
    local r = audit { "--report", "-", "--logstore", "byok-disabled-key,plain" }
    assert.equal(3, r.code, r.stderr)
    local rows = assert(json.decode(r.stdout))
    assert.equal(2, #rows)
    assert.same({ "cmk_disabled", "deletion_protection_off" }, rows[1].findings)
    assert.matches("audit: 2 logstores in 1 project", r.stderr, 1, true)
    assert.matches("byok%-disabled%-key%s+byok", r.stderr)
    assert.matches("report written to standard output", r.stderr, 1, true)
  end)

  it("refuses a report path it cannot write before reading anything", function()
    c:reset_stats()
    for _, path in ipairs { tmp(".txt"), "/no/such/dir/r.json" } do
      local r = audit { "--report", path }
      assert.equal(2, r.code, r.stdout .. r.stderr)
      assert.matches("report", r.stderr, 1, true)
      assert.not_matches("traceback", r.stderr)
    end
    assert.equal(0, c:count("ListProject") + c:count("GetLogStore"))
  end)

  it("audits every selected region and project", function()
    local r = run.slsh({ "--connect-to", c.url, "run", "audit", "--region",
                         "cn-hangzhou,cn-shanghai", "--project", "slsh-test-*",
                         "--exclude-project", P, "--fail-on", "any" }, { env = ENV })
    assert.equal(3, r.code, r.stderr)
    assert.matches("cn%-shanghai%s+slsh%-test%-other%s+sh%-plain%s+none%s+no.-unencrypted",
                   r.stdout)
    assert.matches("audit: 1 logstore in 1 project, 1 region", r.stdout, 1, true)
  end)

  it("explains every option with --help", function()
    local r = run.slsh({ "run", "audit", "--help" })
    assert.equal(0, r.code)
    for _, o in ipairs { "fail-on", "findings-only", "region", "project", "project-file",
                         "exclude-project", "logstore", "concurrency", "qps", "report",
                         "quiet", "help" } do
      assert.matches("\n  %-%-" .. o:gsub("%-", "%%-") .. "[ \n]", r.stdout)
    end
    for kind in pairs { unencrypted = 1, service_key = 1, byok_disabled = 1,
                        cmk_disabled = 1, cmk_pending_deletion = 1, cmk_missing = 1,
                        cmk_other_region = 1, deletion_protection_off = 1,
                        role_broken = 1 } do
      assert.matches("\n  " .. kind .. " ", r.stdout, 1, true)
    end
  end)
end)
