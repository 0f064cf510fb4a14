-- Run busted specs inside the slsh binary, so that they exercise the
-- embedded modules exactly as users get them:
--   slsh tests/support/busted.lua [busted options] SPEC...
-- The test helpers (tests/support/?.lua) are put on package.path, last:
-- first, this file would shadow busted's own `require "busted"`.
package.path = package.path .. ";tests/support/?.lua"
require "busted.runner" { standalone = false }
