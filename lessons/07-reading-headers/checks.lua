-- Checks of lesson 07 that need code: a Received: line typed in a header,
-- and what was tapped when a request with a password went out.

local say, this_step, command_of = lib.say, lib.this_step, lib.command_of
local set, as_user = lib.set, lib.as_user

-- The nodes between pc1 and www.freemail.example, by every name and
-- number tap takes for them (pc1, gw-a, r1, freemail).
local TO_WEBMAIL = set({"gw-a", "gw.a.example", "192.0.2.1", "203.0.113.1",
                        "r1", "r1.net.example", "203.0.113.2", "203.0.113.5", "203.0.113.49"})
-- The two ends of that conversation: they see all of it, but they are no
-- one on the way.
local ENDS = set({"pc1", "pc1.a.example", "192.0.2.10",
                  "freemail", "www.freemail.example", "203.0.113.60"})

-- Walks every event of the lesson, keeping what is tapped, and calls
-- fn(e, tap) for each event of this step; the first value fn returns is
-- the result.
local function walk(ctx, fn)
  local step = this_step(ctx)
  if step == 0 then return nil end
  local tap = nil
  for _, e in ipairs(ctx.all) do
    if e.kind == "command" and e.rc == 0 and command_of(e) == "tap" then
      local _, args = command_of(e)
      local node = string.match(args, "^(%S+)")
      if node then
        node = string.lower(node)
        tap = (node ~= "off") and node or nil
      end
    end
    if e.step == step then
      local r = fn(e, tap)
      if r ~= nil then return r end
    end
  end
  return nil
end

-- A request line with a password, typed to a web server.
local function password_request(e)
  return e.kind == "sent" and e.service == "http" and e.extra ~= "client"
         and string.find(e.text or "", "^GET /send%?.*password=") ~= nil
end

-- The request with carol's password sent while a node on its way (gw-a,
-- r1) is tapped.
function checks.password_tapped(ctx)
  local sent = false
  local r = walk(ctx, function(e, tap)
    if password_request(e) then
      if tap and TO_WEBMAIL[tap] then return true end
      sent = true
    end
  end)
  if r then return true, "" end
  if sent then
    return false, say(ctx, "you sent the request, but nothing on its way was tapped then (tap r1 first)",
                      "リクエストは送りましたが、そのとき通り道は盗聴されていませんでした (先に tap r1)")
  end
  return false, say(ctx, "you have not sent a GET /send?... request in this step",
                    "このステップではまだ GET /send?... のリクエストを送っていません")
end

-- The request sent while one end of the conversation is tapped.
function checks.tapped_end(ctx)
  return walk(ctx, function(e, tap)
    if password_request(e) and tap and ENDS[tap] then return true end
  end) or false, ""
end

-- The request sent while a node off its way is tapped.
function checks.tapped_off_path(ctx)
  return walk(ctx, function(e, tap)
    if password_request(e) and tap and not TO_WEBMAIL[tap] and not ENDS[tap] then return true end
  end) or false, ""
end

-- The Received: lines the student typed to an smtp server in this step,
-- split into those in the header (after DATA, before the first empty
-- line) and those in the body.
local function received_lines(ctx)
  local in_data, in_header = {}, {}
  local header, body = 0, 0
  for _, e in ipairs(ctx.events) do
    if e.kind == "sent" and e.service == "smtp" and e.extra ~= "client" then
      local s, text = e.session, e.text or ""
      if in_data[s] then
        if text == "." then
          in_data[s], in_header[s] = nil, nil
        elseif text == "" then
          in_header[s] = nil
        elseif string.find(string.lower(text), "^received:") then
          if in_header[s] then header = header + 1 else body = body + 1 end
        end
      elseif matches(text, "^DATA$", true) then
        in_data[s], in_header[s] = true, true
      end
    end
  end
  return header, body
end

function checks.received_typed(ctx)
  local header, body = received_lines(ctx)
  if header > 0 then return true, "" end
  if body > 0 then
    return false, say(ctx, "your Received: line came after the empty line, in the body",
                      "Received: 行が空行の後、本文に入っています")
  end
  return false, say(ctx, "you have typed no Received: line after DATA in this step",
                    "このステップではまだ DATA の後に Received: 行を打っていません")
end

function checks.received_in_body(ctx)
  local header, body = received_lines(ctx)
  return header == 0 and body > 0, ""
end

-- The mail was checked (inbox or check) in a mail client other than bob's.
function checks.checked_not_as_bob(ctx)
  return as_user(ctx, function(e, user)
    if e.kind == "command" and user ~= "bob" then
      local name = command_of(e)
      return name == "inbox" or name == "check"
    end
  end), ""
end

-- A message fetched by bob's mail client whose first Received: field was
-- written by mail.b.example about pc1 (192.0.2.10) and is followed by
-- another Received: field: the one the student typed.
function checks.invented_fetched(ctx)
  local n = 0
  for _, m in ipairs(ctx.world.fetched("bob@b.example")) do
    n = n + 1
    local fields, cur = {}, nil
    for line in string.gmatch(m, "([^\n]*)\n") do
      if line == "" then break end
      local c = string.sub(line, 1, 1)
      if (c == " " or c == "\t") and cur then
        fields[cur] = fields[cur] .. " " .. line
      else
        cur = #fields + 1
        fields[cur] = line
      end
    end
    local first
    for i, f in ipairs(fields) do
      if string.find(string.lower(f), "^received:") then first = i; break end
    end
    if first and string.find(fields[first], "[192.0.2.10])", 1, true)
       and fields[first + 1] and string.find(string.lower(fields[first + 1]), "^received:") then
      return true, ""
    end
  end
  return false, say(ctx, "bob's mail client holds " .. n .. " message(s), none with a Received: line of your own",
                    "bob のメールクライアントには " .. n .. " 通ありますが、自作の Received: 行のあるものはありません")
end
