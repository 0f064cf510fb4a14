-- Run busted specs inside the slsh binary, so that they exercise the
-- embedded modules exactly as users get them:
--   slsh tests/support/busted_runner.lua [busted options] SPEC...
-- The test helpers (tests/support/?.lua) are put on package.path.
package.path = "tests/support/?.lua;" .. package.path
require "busted.runner" { standalone = false }
