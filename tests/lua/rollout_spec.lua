-- slsh.rollout: the helpers the rollout workflows share (the workflows
-- themselves are tested end to end in tests/integration).
local rollout = require "slsh.rollout"
local encconf = require "slsh.encrypt_conf"
local json = require "slsh.json"

describe("slsh.rollout", function()
  it("describes every encryption state in a few words", function()
    local byok = encconf.byok { cmk_key_id = "key-1", arn = "acs:ram::1:role/r",
                                region_id = "cn-hangzhou" }
    for _, case in ipairs {
      { nil, "none" },
      { json.null, "none" },
      { { enable = false }, "none" },
      { { enable = true, encrypt_type = "default" }, "service-key default" },
      { { enable = false, encrypt_type = "sm4", user_cmk_info = json.object {} },
        "service-key sm4 (off)" },
      { { encrypt_type = "sm4", user_cmk_info = json.object {} },
        "service-key sm4 (enable unset)" },
      { byok, "byok key-1 default" },
      { encconf.with_enable(byok, false), "byok key-1 default (off)" },
    } do
      assert.equal(case[2], rollout.describe(encconf.parse(case[1])))
    end
  end)

  it("takes a role ARN apart", function()
    assert.same({ "123", "slsh-byok-role" },
                { rollout.role_of("acs:ram::123:role/slsh-byok-role") })
    assert.is_nil(rollout.role_of("slsh-byok-role"))
    assert.is_nil(rollout.role_of("acs:ram::123:user/bob"))
    assert.is_nil(rollout.role_of(nil))
  end)

  it("skips Security Center and alerting projects but not Cloud Firewall's", function()
    local wf = require "slsh.workflow"
    local function skipped(name)
      for _, g in ipairs(rollout.SERVICE_PROJECTS) do
        if wf.glob(g, name) then return true end
      end
      return false
    end
    assert.is_true(skipped("sas-log-1234567890123456-cn-hangzhou"))
    assert.is_true(skipped("sls-alert-1234567890123456-cn-hangzhou"))
    assert.is_false(skipped("cloudfirewall-project-1234567890123456-cn-hangzhou"))
    assert.is_false(skipped("my-sas-log"))
  end)
end)
