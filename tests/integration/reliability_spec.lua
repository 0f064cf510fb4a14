-- The small version of tests/reliability/rollout.lua (docs/reliability.md):
-- a fault-injected rollout, kill -9 runs and clock-skew runs over a
-- make-estate estate; every invariant must hold.
local reliability = dofile((os.getenv("SLSH_SOURCE_DIR") or ".")
                           .. "/tests/reliability/rollout.lua")

describe("rollout reliability (small)", function()
  it("changes only encrypt_conf, exactly where reported, once, under faults, "
     .. "kill -9 and clock skew", function()
    local figs = reliability.run { full = false }
    assert.equal(4, #figs)
    for _, f in ipairs(figs) do
      assert.same({}, f.problems, f.name)
      assert.is_true(f.changed > 0, f.name)
      assert.equal(0, f.planned_after, f.name)
    end
    assert.equal(2, figs[2].kills)
    -- every scenario started from the same estate and ended in the same place
    for i = 2, #figs do assert.equal(figs[1].changed, figs[i].changed) end
  end)
end)
