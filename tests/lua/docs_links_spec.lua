-- Every page under docs/ is reachable from the README by following
-- markdown links, and no link between them points at a file that is not
-- there: the documentation is one web, not pages one finds by accident.
local SRC = os.getenv("SLSH_SOURCE_DIR") or "."

local function read(path)
  local f = io.open(SRC .. "/" .. path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- "docs/a/../b.md" -> "docs/b.md".
local function normalize(path)
  local parts = {}
  for p in path:gmatch("[^/]+") do
    if p == ".." then parts[#parts] = nil elseif p ~= "." then parts[#parts + 1] = p end
  end
  return table.concat(parts, "/")
end

-- The local targets of a page's markdown links, relative to the source
-- tree (anchors dropped; a target ending in / is a directory).
local function links(page, text)
  local dir = page:match("^(.*)/[^/]*$") or ""
  local out = {}
  for target in text:gmatch("%]%(([^)%s]+)%)") do
    if not target:match("^%a[%w+.-]*:") and not target:match("^#") then
      target = target:gsub("#.*$", "")
      out[#out + 1] = normalize(dir ~= "" and (dir .. "/" .. target) or target)
    end
  end
  return out
end

local function docs_pages()
  local p = io.popen("cd " .. SRC .. " && find docs -name '*.md' | sort")
  local out = {}
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

describe("the documentation", function()
  it("reaches every docs page from the README, through links that work", function()
    local seen, queue, broken = { ["README.md"] = true }, { "README.md" }, {}
    while #queue > 0 do
      local page = table.remove(queue, 1)
      local text = read(page) or ""
      for _, target in ipairs(links(page, text)) do
        local dir = target:match("^(.-)/?$")
        local ok = read(target) ~= nil
        if not ok then
          local p = io.popen("test -d " .. SRC .. "/" .. dir .. " && echo dir")
          ok = p:read("l") == "dir"
          p:close()
          if ok then -- a directory: its pages are reached through it
            for _, d in ipairs(docs_pages()) do
              if d:sub(1, #dir + 1) == dir .. "/" and not seen[d] then
                seen[d] = true
                queue[#queue + 1] = d
              end
            end
          end
        end
        if not ok then
          broken[#broken + 1] = page .. " -> " .. target
        elseif target:match("%.md$") and not seen[target] then
          seen[target] = true
          queue[#queue + 1] = target
        end
      end
    end
    local unreached = {}
    for _, page in ipairs(docs_pages()) do
      if not seen[page] then unreached[#unreached + 1] = page end
    end
    assert.same({}, broken)
    assert.same({}, unreached)
    assert.is_true(#docs_pages() >= 10)
  end)
end)
