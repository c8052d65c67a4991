-- The hostile-script corpus: each line names one construct that used to
-- freeze the whole program (hooks off in finalizers and message handlers,
-- C loops the count hook cannot see, priced patterns that took seconds,
-- host calls that outlived the deadline). Each must end this session only,
-- within its deadline, with a message naming this script and its line;
-- "spin" loops until the budget ends it; "ping" answers at once, so a test can see the server is still there.
local function spin() while true do end end

local attacks = {
  spin = spin,   -- ends by the budget (seconds, in a world that allows them)
  xpcall = function() xpcall(spin, spin) end,
  ["xpcall-error"] = function() xpcall(function() error("x") end, spin) end,
  gc = function() setmetatable({}, {__gc = spin}) end,
  move = function() table.move({}, 1, 1 << 53, 2) end,
  ["move-many"] = function()
    local sink = setmetatable({}, {__newindex = type})
    while true do table.move({}, 1, 500000, 1, sink) end
  end,
  insert = function()
    table.insert(setmetatable({}, {__len = function() return 1 << 53 end}), 1, "x")
  end,
  concat = function() table.concat(setmetatable({}, {__index = type}), "", 1, 1 << 50) end,
  unpack = function() table.unpack({}, 1, 1 << 50) end,
  find = function() return ("a"):rep(31622):find(".-b") end,
  ["find-many"] = function()
    local s = ("a"):rep(3000)
    for _ = 1, 1000 do s:find(".-b") end
  end,
  gsub = function() return ("a"):rep(31622):gsub("a-b", "") end,
  sub = function()
    local s = ("x"):rep(1000000)
    while true do local _ = s:sub(2) end
  end,
  utf8 = function()
    local s = ("x"):rep(1000000)
    while true do utf8.len(s) end
  end,
  log = function() while true do tutor.log(("flood "):rep(100)) end end,
  query = function()
    for _ = 1, 20 do tutor.query("192.0.2.53", "slow.example", "A") end
  end,
}

function on_connect(s)
  s:reply(220, "attack ready")
end

function on_line(s, line)
  if line == "ping" then return s:reply(250, "pong") end
  if line == "QUIT" then s:reply(221, "bye") return s:close() end
  local attack = attacks[line]
  if not attack then return s:reply(500, "no such attack") end
  attack()
  s:reply(250, "survived " .. line)
end
