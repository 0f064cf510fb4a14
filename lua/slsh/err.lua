--- slsh.err: error objects (the error model of docs/design.md).
-- Misuse raises; the world's failures return `nil, err` where err is a
-- table with `code`, `message` and, where known, `status`, `request_id`,
-- `service`, `action`, `retryable` and `field`. `tostring(err)` is one line.

local core = require "slsh.err.core"

local M = {
  new = core.new,
  is = core.is,
  codes = core.codes,
}

-- Build an error and return `nil, err`: the shape of every failure return.
function M.fail(t)
  return nil, core.new(t)
end

-- Raise `err` unchanged when it is already an error object, else wrap it.
function M.raise(err, level)
  if core.is(err) then error(err, 0) end
  error(core.new { code = "internal", message = tostring(err) }, level or 2)
end

return M
