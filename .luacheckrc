-- luacheck configuration for slsh's Lua code.
std = "lua54"
max_line_length = 100
globals = { "slsh" }
files["tests"] = { std = "+busted" }
files["tests/support/busted_runner.lua"] = { std = "lua54" }
exclude_files = { "tests/peer/node_modules", "build*" }
