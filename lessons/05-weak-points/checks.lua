-- Checks of lesson 05 that need code: what was true of the network (a
-- queue full, a link down, a node tapped) when a command ran.

local say, words, set = lib.say, lib.words, lib.set

local TO_B = set({"gw-a", "gw.a.example", "192.0.2.1", "203.0.113.1",
                  "r1", "r1.net.example", "203.0.113.2", "203.0.113.5", "203.0.113.49",
                  "r2", "r2.net.example", "203.0.113.6", "203.0.113.9", "203.0.113.145",
                  "gw-b", "gw.b.example", "198.51.100.1", "203.0.113.10"})
local TO_A = set({"gw-a", "gw.a.example", "192.0.2.1", "203.0.113.1"})
-- The two ends of those conversations: they see all of it, but they are
-- no one on the way.
local ENDS = set({"pc1", "pc1.a.example", "192.0.2.10", "mail-a", "mail.a.example",
                  "192.0.2.25", "mail-b", "mail.b.example", "198.51.100.25"})

-- Walks every event of the lesson, keeping what is congested, cut and
-- tapped, and who the mail client is, and calls fn(e, state) for each
-- command of this step; the first value fn returns is the result.
local function walk(events, all, fn)
  if #events == 0 then return nil end
  local step = events[1].step
  local state = {congested = {}, down = {}, tap = nil, user = "alice"}
  for _, e in ipairs(all) do
    if e.kind == "command" and e.rc == 0 then
      local w = words(e.text)
      if e.service == "congest" and w[2] and w[3] then
        state.congested[w[2] .. " " .. w[3]] = (w[4] ~= "off") or nil
      elseif e.service == "link" and w[3] and w[4] then
        local a, b = w[3], w[4]
        local key = (a < b) and (a .. " " .. b) or (b .. " " .. a)
        if w[2] == "down" then state.down[key] = true
        elseif w[2] == "up" then state.down[key] = nil end
      elseif e.service == "reset" and string.find(e.text, "links") then
        state.congested, state.down = {}, {}
      elseif e.service == "tap" and w[2] then
        state.tap = (w[2] ~= "off") and w[2] or nil
      elseif e.service == "login" and w[2] then
        state.user = string.match(w[2], "^[^@]+")
      end
    end
    if e.kind == "command" and e.step == step then
      local r = fn(e, state)
      if r ~= nil then return r end
    end
  end
  return nil
end

local function any_congested(state)
  return next(state.congested) ~= nil
end

-- A queue on the way is full when the command `name` runs.
local function ran_congested(ctx, name)
  local ran = false
  local r = walk(ctx.events, ctx.all, function(e, state)
    if e.service == name then
      if any_congested(state) then return true end
      ran = true
    end
  end)
  if r then return true, "" end
  if ran then
    return false, say(ctx, "you ran " .. name .. ", but no queue was full then (congest r1 r2 first)",
                      name .. " は実行しましたが、そのときキューは満杯ではありませんでした (先に congest r1 r2)")
  end
  return false, say(ctx, "you have not run " .. name .. " yet", "まだ " .. name .. " を実行していません")
end

function checks.ping_while_congested(ctx) return ran_congested(ctx, "ping") end
function checks.relay_while_congested(ctx) return ran_congested(ctx, "relay") end

-- bob's mail fetched by the mail client while a node on its way is tapped.
function checks.bob_tapped(ctx)
  local fetched = false
  local r = walk(ctx.events, ctx.all, function(e, state)
    if (e.service == "inbox" or e.service == "check") and e.rc == 0 and state.user == "bob" then
      if state.tap and TO_B[state.tap] then return true end
      fetched = true
    end
  end)
  if r then return true, "" end
  if fetched then
    return false, say(ctx, "you fetched bob's mail, but nothing on its way was tapped then",
                      "bob のメールは受け取りましたが、そのとき通り道は盗聴されていませんでした")
  end
  return false, say(ctx, "bob's mail has not been fetched yet (login bob, inbox)",
                    "bob のメールはまだ受け取っていません (login bob、inbox)")
end

-- A fetch of bob's mail while a node off its way is tapped.
function checks.tapped_off_path(ctx)
  return walk(ctx.events, ctx.all, function(e, state)
    if (e.service == "inbox" or e.service == "check") and e.rc == 0 and state.user == "bob"
       and state.tap and not TO_B[state.tap] and not ENDS[state.tap] then
      return true
    end
  end) or false, ""
end

-- alice's mail fetched while r1, r2 or gw-b is tapped: her mail never
-- crosses them.
function checks.tapped_alice(ctx)
  return walk(ctx.events, ctx.all, function(e, state)
    if (e.service == "inbox" or e.service == "check") and e.rc == 0 and state.user == "alice"
       and state.tap and TO_B[state.tap] and not TO_A[state.tap] then
      return true
    end
  end) or false, ""
end

-- A ping of `target` (by one of its names) run while r1-r2 is down, and
-- whether it was answered.
local function ping_during_cut(ctx, targets, answered)
  local tried = false
  local r = walk(ctx.events, ctx.all, function(e, state)
    if e.service == "ping" then
      local w = words(e.text)
      if targets[w[#w]] then
        if state.down["r1 r2"] and ((e.rc == 0) == answered) then return true end
        tried = true
      end
    end
  end)
  if r then return true, "" end
  if tried then
    return false, say(ctx, "you pinged it, but not while r1-r2 was down (link down r1 r2 first)",
                      "ping はしましたが、r1-r2 が切れているときではありませんでした (先に link down r1 r2)")
  end
  return false, say(ctx, "you have not pinged it yet", "まだ ping していません")
end

function checks.near_answers(ctx)
  return ping_during_cut(ctx, set({"203.0.113.53"}), true)
end

function checks.far_fails(ctx)
  return ping_during_cut(ctx, set({"198.51.100.25", "mail.b.example", "mail-b"}), false)
end

-- A mail sent by alice while gw-a (between her PC and mail.a.example) is
-- tapped.
function checks.alice_tapped(ctx)
  local sent = false
  local r = walk(ctx.events, ctx.all, function(e, state)
    if e.service == "send" and e.rc == 0 and state.user == "alice" then
      if state.tap and TO_A[state.tap] then return true end
      sent = true
    end
  end)
  if r then return true, "" end
  if sent then
    return false, say(ctx, "alice sent a mail, but nothing between her PC and mail.a.example was tapped then",
                      "alice はメールを送りましたが、そのとき PC と mail.a.example の間は盗聴されていませんでした")
  end
  return false, say(ctx, "alice has not sent a mail yet", "alice はまだメールを送っていません")
end

-- A mail sent by alice while a node beyond gw-a is tapped: it sees no
-- login.
function checks.alice_tapped_far(ctx)
  return walk(ctx.events, ctx.all, function(e, state)
    if e.service == "send" and e.rc == 0 and state.user == "alice" and state.tap
       and not TO_A[state.tap] and not ENDS[state.tap] then
      return true
    end
  end) or false, ""
end

-- The links on the way between a.example and b.example, as walk keys.
local PATH_LINKS = set({"gw-a r1", "r1 r2", "gw-b r2"})

-- A link cut that is not on the way.
function checks.cut_off_path(ctx)
  return walk(ctx.events, ctx.all, function(e, state)
    local w = words(e.text)
    if e.service == "link" and e.rc == 0 and w[2] == "down" and w[3] and w[4] then
      local key = (w[3] < w[4]) and (w[3] .. " " .. w[4]) or (w[4] .. " " .. w[3])
      if not PATH_LINKS[key] then return true end
    end
  end) or false, ""
end

-- "link up" on a link that was not down.
function checks.mended_other(ctx)
  if #ctx.events == 0 then return false, "" end
  local step = ctx.events[1].step
  local down = {}
  for _, e in ipairs(ctx.all) do
    if e.kind == "command" and e.service == "link" and e.rc == 0 then
      local w = words(e.text)
      if w[3] and w[4] then
        local key = (w[3] < w[4]) and (w[3] .. " " .. w[4]) or (w[4] .. " " .. w[3])
        if w[2] == "down" then down[key] = true
        elseif w[2] == "up" then
          if not down[key] and e.step == step then return true, "" end
          down[key] = nil
        end
      end
    end
  end
  return false, ""
end

-- mail.a.example's relay queue is empty. (A "queue" check with "count": 0
-- would say the same, but scripts/lesson_checks.lua fails to format its
-- Japanese message, "%2$s" being no format Lua knows.)
function checks.queue_a_empty(ctx)
  local n = #ctx.world.queue("mail.a.example")
  if n == 0 then return true, "" end
  return false, say(ctx, n .. " message(s) still wait there", "まだ " .. n .. " 通が待っています")
end

-- A mail sent while the mail client is still bob's.
function checks.bob_sent(ctx)
  return walk(ctx.events, ctx.all, function(e, state)
    if e.service == "send" and e.rc == 0 and state.user == "bob" then return true end
  end) or false, ""
end

-- Mail fetched or sent while one end of the conversation is tapped.
function checks.tapped_end(ctx)
  return walk(ctx.events, ctx.all, function(e, state)
    if (e.service == "inbox" or e.service == "check" or e.service == "send") and e.rc == 0
       and state.tap and ENDS[state.tap] then
      return true
    end
  end) or false, ""
end
