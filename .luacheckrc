-- luacheck configuration for slsh's Lua code.
std = "lua54"
max_line_length = 100
-- The modules and workflows read no global slsh: they `require "slsh"`,
-- so that they behave the same in a stock Lua as in the slsh command.
-- The tests run inside the slsh host and use its global.
files["tests"] = { std = "+busted", globals = { "slsh" } }
files["tests/support/busted_runner.lua"] = { std = "lua54", globals = { "slsh" } }
exclude_files = { "tests/peer/node_modules", "build*" }
