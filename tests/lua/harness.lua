--[[
harness.lua: what every Lua test file here shares: `test` runs one case
and counts it, the assertions say what they expected and what they got,
and `finish` prints "N passed, N failed" and exits non-zero on a failure
(the line tests/run-all.sh adds up).

  local h = dofile(here .. "/harness.lua")
  h.test("name", function() h.eq(got, want, "what") end)
  h.finish()
]]

local M = {}
local passed, failed = 0, 0

function M.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
  else
    failed = failed + 1
    io.stderr:write("FAIL ", name, "\n", tostring(err), "\n\n")
  end
end

function M.show(v)
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = string.format("%q", tostring(x)) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return string.format("%q", tostring(v))
end

function M.eq(got, want, what)
  if got ~= want then
    error(string.format("%s\n  got:  %s\n  want: %s", what or "mismatch", M.show(got), M.show(want)), 2)
  end
end

-- Lists of lines: a reply, a transcript. A string `want` is one line.
function M.same(got, want, what)
  if type(want) == "string" then want = {want} end
  if table.concat(got, "\n") ~= table.concat(want, "\n") or #got ~= #want then
    error(string.format("%s\n  got:  %s\n  want: %s", what or "reply", M.show(got), M.show(want)), 2)
  end
end

function M.has(text, needle, what)
  if not text:find(needle, 1, true) then
    error(string.format("%s: %s not found in\n%s", what or "text", M.show(needle), text), 2)
  end
end

function M.lacks(text, needle, what)
  if text:find(needle, 1, true) then
    error(string.format("%s: %s found in\n%s", what or "text", M.show(needle), text), 2)
  end
end

function M.finish()
  print(string.format("%d passed, %d failed", passed, failed))
  os.exit(failed == 0 and 0 or 1)
end

return M
