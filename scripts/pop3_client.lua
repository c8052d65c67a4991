--[[
pop3_client.lua: the student's mail client fetching mail (the REPL's
`inbox`), RFC 1939 POP3 with RFC 2449 CAPA. The host has already connected
it to the POP3 server; one dialogue per job:

  +OK <- greeting, CAPA (a -ERR only means an RFC 1939 server), USER, PASS,
  STAT, UIDL (when CAPA listed it), LIST, then for each message not in
  job.known: RETR (and DELE when job.delete), and QUIT.

Commands go one at a time, each after the previous reply, so a transcript
reads as a student would type it. Each retrieved message, byte-stuffing
undone (RFC 1939 3), goes to c:store() under its UIDL. Messages already in
job.known (by UIDL) are not retrieved again: that is what UIDL is for (RFC
1939 7); with job.delete they are deleted from the server, since the
client has them. Without UIDL every message is retrieved.

The result goes to c:finish() (scripts/README.md): "ok" once the server
has answered QUIT with +OK (deletions happen only then, RFC 1939 6), or
"failed" with the server's -ERR line, or with what went wrong. A failure
sends QUIT too, so that what was already stored and deleted stays deleted.
Every reply is one line, so each callback's work is bounded; a message's
lines are kept in a table and joined once, at its final ".".
]]

-- States, named as in traces: what the client waits for.
local STATE_GREETING = "GREETING"
local STATE_CAPA = "CAPA"
local STATE_USER = "USER"
local STATE_PASS = "PASS"
local STATE_STAT = "STAT"
local STATE_UIDL = "UIDL"
local STATE_LIST = "LIST"
local STATE_RETR = "RETR"
local STATE_DELE = "DELE"
local STATE_QUIT = "QUIT"
local STATE_DONE = "DONE"

local SHOW_MAX = 80   -- octets of a malformed reply quoted in the result

-- A dialogue's state lives in c.data when the host gives one; otherwise
-- here, keyed by the connection object and dropped with it.
local dialogues = setmetatable({}, {__mode = "k"})

local function dialogue(c, new)
  local ok, data = pcall(function() return c.data end)
  if ok and type(data) == "table" then
    if new then data.pop3_client = new end
    return data.pop3_client
  end
  if new then dialogues[c] = new end
  return dialogues[c]
end

-- true for "+OK", false for "-ERR", nil for anything else (RFC 1939 3: the
-- indicator, then a space or the end of the line).
local function indicator(line)
  local head = line:sub(1, 5)
  if head == "+OK" or head:sub(1, 4) == "+OK " then return true end
  if head == "-ERR" or head == "-ERR " then return false end
  return nil
end

local function finish(c, d, status, text)
  d.state = STATE_DONE
  c:finish({status = status, code = 0, text = text})
end

-- Gives up: QUIT (so that what was stored and deleted stays deleted), and
-- the reason as the result. The QUIT's answer is not awaited.
local function fail(c, d, text)
  c:send("QUIT")
  finish(c, d, "failed", text)
end

local function malformed(c, d, what, line)
  fail(c, d, "malformed " .. what .. " from the server: " .. line:sub(1, SHOW_MAX))
end

local function send(c, d, state, command)
  d.state = state
  c:send(command)
end

local function summary(d)
  local text = string.format("%d new of %d message%s", d.new, d.total,
                             d.total == 1 and "" or "s")
  if d.job.delete then text = text .. string.format(", %d deleted from the server", d.deleted) end
  if d.cut_lines > 0 then
    text = text .. string.format(", %d long line%s cut", d.cut_lines, d.cut_lines == 1 and "" or "s")
  end
  return text
end

-- The next message to retrieve, or QUIT when none is left.
local function next_message(c, d)
  while d.index < #d.numbers do
    d.index = d.index + 1
    local n = d.numbers[d.index]
    local uid = d.uids[n]
    if not (uid and d.known[uid]) then
      d.current = n
      return send(c, d, STATE_RETR, "RETR " .. n)
    end
    -- Already in the client's folder: a client told to delete mail from
    -- the server deletes these too, without fetching them again.
    if d.job.delete then return send(c, d, STATE_DELE, "DELE " .. n) end
  end
  send(c, d, STATE_QUIT, "QUIT")
end

-- Multi-line responses, once their "." has come -----------------------------

local function capa_done(c, d, lines)
  for _, line in ipairs(lines) do
    local name = line:match("^(%S+)")
    if name then d.caps[name:upper()] = true end
  end
  send(c, d, STATE_USER, "USER " .. d.job.user)
end

local function uidl_done(c, d, lines)
  for _, line in ipairs(lines) do
    local n, uid = line:match("^(%d+) (%S+)")
    if not n then return malformed(c, d, "UIDL line", line) end
    d.uids[tonumber(n)] = uid
  end
  send(c, d, STATE_LIST, "LIST")
end

local function list_done(c, d, lines)
  for _, line in ipairs(lines) do
    local n = line:match("^(%d+) %d")
    if not n then return malformed(c, d, "LIST line", line) end
    d.numbers[#d.numbers + 1] = tonumber(n)
  end
  next_message(c, d)
end

local function retr_done(c, d, lines)
  local n = d.current
  local text = #lines > 0 and table.concat(lines, "\n") .. "\n" or ""
  local stored, why = c:store(d.uids[n], text)
  if not stored then
    return fail(c, d, "cannot store message " .. n .. ": " .. tostring(why))
  end
  d.new = d.new + 1
  if d.job.delete then return send(c, d, STATE_DELE, "DELE " .. n) end
  next_message(c, d)
end

local MULTI_DONE = {
  [STATE_CAPA] = capa_done,
  [STATE_UIDL] = uidl_done,
  [STATE_LIST] = list_done,
  [STATE_RETR] = retr_done,
}

-- Status lines ----------------------------------------------------------------

-- A status line in `state`; `good` tells +OK from -ERR.
local function on_status(c, d, good, line)
  local state = d.state
  if state == STATE_GREETING then
    if not good then return fail(c, d, line) end
    if not (d.job.user and d.job.password) then
      return fail(c, d, "no user name or password to log in with")
    end
    send(c, d, STATE_CAPA, "CAPA")
  elseif state == STATE_CAPA then
    -- -ERR: an RFC 1939 server without CAPA; carry on with what it must have.
    if not good then return send(c, d, STATE_USER, "USER " .. d.job.user) end
    d.body = {}
  elseif state == STATE_USER then
    if not good then return fail(c, d, line) end
    send(c, d, STATE_PASS, "PASS " .. d.job.password)
  elseif state == STATE_PASS then
    if not good then return fail(c, d, line) end
    send(c, d, STATE_STAT, "STAT")
  elseif state == STATE_STAT then
    if not good then return fail(c, d, line) end
    local count = line:match("^%+OK (%d+) %d")
    if not count then return malformed(c, d, "STAT reply", line) end
    d.total = tonumber(count)
    if d.total == 0 then return send(c, d, STATE_QUIT, "QUIT") end
    if d.caps.UIDL then return send(c, d, STATE_UIDL, "UIDL") end
    send(c, d, STATE_LIST, "LIST")
  elseif state == STATE_UIDL then
    -- Advertised but refused: every message is new, as without UIDL.
    if not good then return send(c, d, STATE_LIST, "LIST") end
    d.body = {}
  elseif state == STATE_LIST or state == STATE_RETR then
    if not good then return fail(c, d, line) end
    d.body = {}
  elseif state == STATE_DELE then
    if not good then return fail(c, d, line) end
    d.deleted = d.deleted + 1
    next_message(c, d)
  elseif state == STATE_QUIT then
    if not good then return finish(c, d, "failed", line) end
    finish(c, d, "ok", summary(d))
  end
end

function on_start(c, job)
  local d = {
    job = job, state = STATE_GREETING, caps = {}, known = {}, uids = {},
    numbers = {}, index = 0, total = 0, new = 0, deleted = 0, cut_lines = 0,
  }
  for _, uid in ipairs(job.known or {}) do d.known[uid] = true end
  dialogue(c, d)
end

function on_line(c, line, cut)
  local d = dialogue(c)
  if not d or d.state == STATE_DONE then return end
  local body = d.body
  if body then
    -- Inside a multi-line response: "." ends it; a leading dot of a
    -- stuffed line goes (RFC 1939 3).
    if line == "." then
      d.body = nil
      return MULTI_DONE[d.state](c, d, body)
    end
    if line:byte(1) == 46 then line = line:sub(2) end
    if cut then d.cut_lines = d.cut_lines + 1 end  -- the host kept only its LINE_CAP
    body[#body + 1] = line
    return
  end
  local good = indicator(line)
  if good == nil then return malformed(c, d, "reply", line) end
  on_status(c, d, good, line)
end
