--[[
pop3.lua: the tutor's mailbox server, POP3 as RFC 1939 defines it, with the
CAPA command and response codes of RFC 2449, and the [AUTH] and [SYS/TEMP]
codes of RFC 3206.

  AUTHORIZATION (RFC 1939 4): USER/PASS (7), APOP (7), CAPA, QUIT
  TRANSACTION (5): STAT, LIST, RETR, DELE, NOOP, RSET, TOP, UIDL (7), CAPA,
                   QUIT
  UPDATE (6): entered by QUIT in TRANSACTION; only then are the messages
              marked with DELE removed. A session that ends otherwise
              removes nothing.

It answers in Dovecot's words, because Dovecot is what students meet on real
machines: "+OK Dovecot ready.", "+OK Logged in.", "-ERR [AUTH]
Authentication failed.", "-ERR Message is deleted.". The greeting carries
the APOP timestamp "<id.clock@host>" of RFC 1939 7 unless the world turns
APOP off.

The shape is smtp.lua's (and so OpenSMTPD's): a session is always in one
named state; every command has a check (are its arguments right) that
returns a refusal, and a proceed that does the work; which states allow a
command is in its table entry. Every status line goes out through
status(), which keeps it within 512 octets (RFC 1939 3, RFC 2449 4).

Only the host API of scripts/README.md is used: the maildrop of
tutor.maildrop() holds the messages, their sizes (CR LF counted, RFC 1939
11) and their UIDs, and is locked for this session alone (RFC 1939 8,
RFC 2449 8.1.1 [IN-USE]). Host tables are read-only proxies, walked with
ipairs. The host's pattern guard prices a match by the subject's length,
so a command line is measured before any pattern sees it, and a message is
cut into lines with plain finds.
]]

-- Limits ------------------------------------------------------------------

local POP3_COMMAND_LINE_MAX = 255   -- octets with CRLF (RFC 2449 4)
local POP3_STATUS_LINE_MAX = 512    -- a status line with CRLF (RFC 1939 3, RFC 2449 4)
local POP3_ECHO_MAX = 40            -- an argument quoted back: RFC 1939 3's longest
local POP3_BAD_COMMANDS_MAX = 10    -- refused commands in a row, then goodbye
local POP3_NUMBER_DIGITS_MAX = 9    -- longer numbers are out of any range here
local CRLF_LEN = 2                  -- the host strips and adds line ends; limits count them
local STATUS_TEXT_MAX = POP3_STATUS_LINE_MAX - CRLF_LEN

local BANNER_DEFAULT = "Dovecot ready."

-- Tab completion in the REPL's dialogue.
VERBS = {"USER", "PASS", "APOP", "STAT", "LIST", "RETR", "DELE", "NOOP",
         "RSET", "TOP", "UIDL", "QUIT", "CAPA"}

-- States ------------------------------------------------------------------

local STATE_AUTHORIZATION = "AUTHORIZATION"  -- greeted; waiting for a login
local STATE_TRANSACTION = "TRANSACTION"      -- logged in, the maildrop locked
local STATE_UPDATE = "UPDATE"                -- QUIT in TRANSACTION: deleting, then bye
local STATE_CLOSED = "CLOSED"                -- QUIT before login, or thrown out

local AUTHORIZATION_ONLY = {[STATE_AUTHORIZATION] = true}
local TRANSACTION_ONLY = {[STATE_TRANSACTION] = true}
local BOTH = {[STATE_AUTHORIZATION] = true, [STATE_TRANSACTION] = true}

-- Replies -------------------------------------------------------------------

local STATUS_NO_USER = "No username given."
local STATUS_AUTH_FAILED = "[AUTH] Authentication failed."
local STATUS_PLAINTEXT = "[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."
local STATUS_IN_USE = "[IN-USE] Mailbox is locked by another POP3 session."
local STATUS_SYS_TEMP = "[SYS/TEMP] Internal error occurred. Refer to server log for more information."
local STATUS_DELETED = "Message is deleted."

-- Helpers -----------------------------------------------------------------

local function setting(name, default)
  local settings = server.settings
  local value = settings and settings[name]
  if value == nil then return default end
  return value
end

-- The one way out for status lines: "+OK ..." or "-ERR ...", cut to fit
-- 512 octets with CRLF. What a client typed is quoted through echo(), so
-- only an absurd server name or banner is ever cut here.
local function status(s, text)
  if #text > STATUS_TEXT_MAX then text = text:sub(1, STATUS_TEXT_MAX) end
  s:send(text)
end

local function ok(s, text)
  status(s, text and "+OK " .. text or "+OK")
end

local function err(s, text)
  status(s, "-ERR " .. text)
end

-- An argument quoted in a refusal, shortened.
local function echo(text)
  if #text <= POP3_ECHO_MAX then return text end
  return text:sub(1, POP3_ECHO_MAX) .. "..."
end

-- The host strips CR LF. Any other control octet (NUL and TAB included:
-- RFC 1939 3 separates by single spaces) is a binary accident or an
-- attack on a log.
local CONTROL_OCTET = "[\0-\31\127]"

-- Sends the lines of `text` (LF or CR LF line ends) up to octet `stop`
-- (an LF of the text, or its end) as a multi-line response body, then the
-- final ".". The host sends the lines (s:send_text): byte-stuffed (RFC 1939
-- 3), a bare CR dropped (it may not travel inside a line), and a line too
-- long for one send cut into pieces, each stuffed in its own right and
-- never cut inside a UTF-8 sequence (such a line broke RFC 5322 2.1.1's
-- 998 octets long before it reached us, and the pieces at least arrive
-- whole). A Lua loop over the lines of a 10 MB message of short lines
-- would spend the callback's budget many times over.
local function send_text(s, text, stop)
  s:send_text(text, {stop = stop})
  s:send(".")
end

-- Where TOP stops (RFC 1939 7): the header, the blank line after it, and
-- `lines` lines of the body; the octet to send up to.
local function top_end(text, lines)
  local find, sub = string.find, string.sub
  local len = #text
  local blank  -- the LF that ends the blank line
  if sub(text, 1, 1) == "\n" then
    blank = 1
  elseif sub(text, 1, 2) == "\r\n" then
    blank = 2
  else
    local lf = find(text, "\n\n", 1, true)
    local crlf = find(text, "\n\r\n", 1, true)
    if lf and (not crlf or lf < crlf) then blank = lf + 1
    elseif crlf then blank = crlf + 2 end
  end
  if not blank then return len end  -- all header
  local stop = blank
  for _ = 1, lines do
    if stop >= len then return len end
    stop = find(text, "\n", stop + 1, true) or len
  end
  return stop
end

-- "3" -> 3. Leading zeros are fine; a number too long to be a message
-- number or a line count is returned as math.maxinteger, out of range.
local function number(text)
  local digits = text:match("^0*(%d+)$")
  if not digits then return nil end
  if #digits > POP3_NUMBER_DIGITS_MAX then return math.maxinteger end
  return tonumber(digits)
end

-- The message `arg` names, for a command that needs one; or nil and the
-- refusal, in Dovecot's words.
local function message_arg(d, arg)
  local n = number(arg)
  if not n then return nil, "Invalid message number: " .. echo(arg) end
  local m = d.messages[n]
  if n < 1 or not m then return nil, "There's no message " .. echo(arg) .. "." end
  if m.deleted then return nil, STATUS_DELETED end
  return n
end

local function session(s)
  local d = s.data
  if not d.state then d.state = STATE_AUTHORIZATION; d.bad = 0 end
  return d
end

local function plaintext_allowed()
  return setting("plaintext_auth", true) ~= false
end

local function client_addr(s)
  return tostring(s.client and s.client.addr)
end

-- Printable and short, for the log.
local function loggable(text)
  return (text:sub(1, 64):gsub("[^ -~]", "?"))
end

-- Dovecot's pop3_logout_format: top=%t/%p, retr=%r/%b, del=%d/%m, size=%s.
local function logout_stats(d)
  local deleted, size = 0, 0
  for _, m in ipairs(d.messages) do
    size = size + m.size
    if m.deleted then deleted = deleted + 1 end
  end
  return string.format("top=%d/%d, retr=%d/%d, del=%d/%d, size=%d", d.top_count, d.top_bytes,
                       d.retr_count, d.retr_bytes, deleted, #d.messages, size)
end

-- Login ---------------------------------------------------------------------

-- After a right password: lock the maildrop and enter TRANSACTION (RFC
-- 1939 4), or stay in AUTHORIZATION when it cannot be had.
local function login(s, d, address, method)
  d.user = nil
  local drop, why = tutor.maildrop(s, address)
  if not drop then
    if why == "in-use" then return err(s, STATUS_IN_USE) end
    tutor.log("pop3(" .. address .. "): cannot open the maildrop: " .. tostring(why))
    return err(s, STATUS_SYS_TEMP)
  end
  -- The numbers are fixed now for the whole session (RFC 1939 5).
  local messages = {}
  for i, m in ipairs(drop:list()) do
    messages[i] = {size = m.size, uid = m.uid, deleted = false}
  end
  d.drop, d.messages, d.address = drop, messages, address
  d.top_count, d.top_bytes, d.retr_count, d.retr_bytes = 0, 0, 0, 0
  d.state = STATE_TRANSACTION
  tutor.log("pop3-login: Login: user=<" .. address .. ">, method=" .. method
            .. ", rip=" .. client_addr(s))
  ok(s, "Logged in.")
end

local function auth_failed(s, d, user)
  d.user = nil
  tutor.log("pop3-login: authentication failed: user=<" .. loggable(user) .. ">, rip="
            .. client_addr(s))
  err(s, STATUS_AUTH_FAILED)
end

-- Commands ------------------------------------------------------------------

-- check(s, d, words, rest) returns nothing when the command may proceed,
-- else the text of the refusal; it may also return nil and a parsed
-- argument for proceed(s, d, parsed). `words` are the arguments split on
-- spaces, `rest` the line after the command and its space, as typed.
local commands = {}

local function no_arguments(verb)
  return function(_, _, words)
    if #words > 0 then return "Syntax: " .. verb end
  end
end

local function one_message(verb)
  return function(_, d, words)
    if #words ~= 1 then return "Syntax: " .. verb .. " <message number>" end
    local n, why = message_arg(d, words[1])
    if not n then return why end
    return nil, n
  end
end

-- LIST and UIDL: all undeleted messages, or the one named.
local function optional_message(verb)
  return function(_, d, words)
    if #words > 1 then return "Syntax: " .. verb .. " [<message number>]" end
    if #words == 0 then return nil, nil end
    local n, why = message_arg(d, words[1])
    if not n then return why end
    return nil, n
  end
end

commands.USER = {
  states = AUTHORIZATION_ONLY,
  check = function(_, _, words)
    if not plaintext_allowed() then return STATUS_PLAINTEXT end
    if #words ~= 1 then return "Syntax: USER <name>" end
    return nil, words[1]
  end,
  proceed = function(s, d, name)
    -- No hint whether the user exists: that waits for PASS (RFC 1939 13).
    d.user = name
    ok(s)
  end,
}

commands.PASS = {
  states = AUTHORIZATION_ONLY,
  check = function(_, d, _, rest)
    if not plaintext_allowed() then return STATUS_PLAINTEXT end
    if not d.user then return STATUS_NO_USER end
    -- The password is the rest of the line, spaces and all (RFC 1939 7).
    if rest == "" then return "Syntax: PASS <password>" end
    return nil, rest
  end,
  proceed = function(s, d, password)
    local user = d.user
    local address = tutor.authenticate(user, password)
    if not address then return auth_failed(s, d, user) end
    login(s, d, address, "PLAIN")
  end,
}

commands.APOP = {
  states = AUTHORIZATION_ONLY,
  check = function(_, d, words)
    if not d.timestamp then return "APOP is not available: the greeting has no timestamp." end
    if #words ~= 2 then return "Syntax: APOP <name> <digest>" end
    return nil, {name = words[1], digest = words[2]:lower()}
  end,
  proceed = function(s, d, apop)
    local address = tutor.apop(apop.name, d.timestamp, apop.digest)
    if not address then return auth_failed(s, d, apop.name) end
    login(s, d, address, "APOP")
  end,
}

commands.CAPA = {
  states = BOTH,
  check = no_arguments("CAPA"),
  proceed = function(s, d)
    -- Only what works here (RFC 2449 5): no SASL, no STLS, since curl
    -- would pick them. USER only where it can still be used.
    local list = {"CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE"}
    if d.state == STATE_AUTHORIZATION and plaintext_allowed() then list[#list + 1] = "USER" end
    list[#list + 1] = "IMPLEMENTATION tutor"
    ok(s, "Capability list follows")
    for _, line in ipairs(list) do s:send(line) end
    s:send(".")
  end,
}

commands.STAT = {
  states = TRANSACTION_ONLY,
  check = no_arguments("STAT"),
  proceed = function(s, d)
    local count, size = 0, 0
    for _, m in ipairs(d.messages) do
      if not m.deleted then count, size = count + 1, size + m.size end
    end
    ok(s, count .. " " .. size)
  end,
}

commands.LIST = {
  states = TRANSACTION_ONLY,
  check = optional_message("LIST"),
  proceed = function(s, d, n)
    if n then return ok(s, n .. " " .. d.messages[n].size) end
    local count = 0
    for _, m in ipairs(d.messages) do
      if not m.deleted then count = count + 1 end
    end
    ok(s, count .. " messages:")
    for i, m in ipairs(d.messages) do
      if not m.deleted then s:send(i .. " " .. m.size) end
    end
    s:send(".")
  end,
}

commands.UIDL = {
  states = TRANSACTION_ONLY,
  check = optional_message("UIDL"),
  proceed = function(s, d, n)
    if n then return ok(s, n .. " " .. d.messages[n].uid) end
    ok(s)
    for i, m in ipairs(d.messages) do
      if not m.deleted then s:send(i .. " " .. m.uid) end
    end
    s:send(".")
  end,
}

local function read_message(s, d, n)
  local text, why = d.drop:read(n)
  if not text then
    tutor.log("pop3(" .. d.address .. "): cannot read message " .. n .. ": " .. tostring(why))
    err(s, STATUS_SYS_TEMP)
  end
  return text
end

commands.RETR = {
  states = TRANSACTION_ONLY,
  check = one_message("RETR"),
  proceed = function(s, d, n)
    local text = read_message(s, d, n)
    if not text then return end
    local size = d.messages[n].size
    ok(s, size .. " octets")
    send_text(s, text)
    d.retr_count, d.retr_bytes = d.retr_count + 1, d.retr_bytes + size
    -- Read now, as a mail client shows it (Maildir's S flag); TOP is not
    -- reading. A failure here is the server's business, not the client's.
    local marked, why = d.drop:seen(n)
    if not marked then
      tutor.log("pop3(" .. d.address .. "): cannot mark message " .. n .. " seen: " .. tostring(why))
    end
  end,
}

commands.TOP = {
  states = TRANSACTION_ONLY,
  check = function(_, d, words)
    if #words ~= 2 then return "Syntax: TOP <message number> <lines>" end
    local n, why = message_arg(d, words[1])
    if not n then return why end
    local lines = number(words[2])
    if not lines then return "Invalid number of lines: " .. echo(words[2]) end
    return nil, {n = n, lines = lines}
  end,
  proceed = function(s, d, top)
    local text = read_message(s, d, top.n)
    if not text then return end
    local stop = top_end(text, top.lines)
    ok(s)
    send_text(s, text, stop)
    d.top_count, d.top_bytes = d.top_count + 1, d.top_bytes + stop
  end,
}

commands.DELE = {
  states = TRANSACTION_ONLY,
  check = one_message("DELE"),
  proceed = function(s, d, n)
    -- Only marked: the message goes at QUIT, in the UPDATE state (RFC 1939 6).
    d.messages[n].deleted = true
    ok(s, "Marked to be deleted.")
  end,
}

commands.NOOP = {
  states = TRANSACTION_ONLY,
  check = no_arguments("NOOP"),
  proceed = function(s) ok(s) end,
}

commands.RSET = {
  states = TRANSACTION_ONLY,
  check = no_arguments("RSET"),
  proceed = function(s, d)
    for _, m in ipairs(d.messages) do m.deleted = false end
    ok(s)
  end,
}

commands.QUIT = {
  states = BOTH,
  check = no_arguments("QUIT"),
  proceed = function(s, d)
    if d.state == STATE_AUTHORIZATION then
      d.state = STATE_CLOSED
      ok(s, "Logging out")  -- sic: Dovecot's login process writes no period
      return s:close()
    end
    -- UPDATE (RFC 1939 6): remove what DELE marked, and nothing else.
    d.state = STATE_UPDATE
    local numbers = {}
    for i, m in ipairs(d.messages) do
      if m.deleted then numbers[#numbers + 1] = i end
    end
    local done, why = true, nil
    if #numbers > 0 then done, why = d.drop:commit(numbers) end
    d.drop:close()
    d.drop = nil
    tutor.log("pop3(" .. d.address .. "): Disconnected: Logged out " .. logout_stats(d))
    if not done then
      tutor.log("pop3(" .. d.address .. "): cannot delete messages: " .. tostring(why))
      err(s, "[SYS/TEMP] Some deleted messages were not removed.")
    elseif #numbers > 0 then
      ok(s, "Logging out, messages deleted.")
    else
      ok(s, "Logging out.")
    end
    s:close()
  end,
}

-- Callbacks -----------------------------------------------------------------

-- A refused command. Too many in a row is not a POP3 client (a web browser
-- pointed at port 110, say): goodbye, as Dovecot does, and nothing deleted.
local function refuse(s, d, text)
  err(s, text)
  d.bad = d.bad + 1
  if d.bad >= POP3_BAD_COMMANDS_MAX then
    d.state = STATE_CLOSED
    err(s, "Too many bad commands.")
    s:close()
  end
end

local function command_line(s, d, line, cut)
  if cut or #line + CRLF_LEN > POP3_COMMAND_LINE_MAX then
    return refuse(s, d, "Command line too long (at most "
                        .. POP3_COMMAND_LINE_MAX .. " octets with CRLF).")
  end
  if line:find(CONTROL_OCTET) then
    return refuse(s, d, "Command line contains control characters.")
  end
  local first = line:find("[^ ]")
  if not first then return err(s, "Empty command line.") end  -- a stray Enter: no harm
  local gap = line:find(" ", first, true)
  local verb = gap and line:sub(first, gap - 1) or line:sub(first)
  local rest = gap and line:sub(gap + 1) or ""
  local name = verb:upper()  -- case-insensitive (RFC 1939 3)
  local command = commands[name]
  if not command then return refuse(s, d, "Unknown command: " .. echo(verb)) end
  if not command.states[d.state] then
    if d.state == STATE_AUTHORIZATION then
      return refuse(s, d, name .. " is not allowed in the AUTHORIZATION state: log in first.")
    end
    return refuse(s, d, name .. " is not allowed in the TRANSACTION state: already logged in.")
  end
  local words = {}
  for word in rest:gmatch("[^ ]+") do words[#words + 1] = word end
  local why, parsed = command.check(s, d, words, rest)
  if why then return refuse(s, d, why) end
  d.bad = 0
  command.proceed(s, d, parsed)
end

function on_connect(s)
  local d = session(s)
  local banner = tostring(setting("banner", BANNER_DEFAULT))
  local stamp = ""
  if setting("apop", true) ~= false then
    -- RFC 1939 7: unique to this greeting, <process-ID.clock@hostname>.
    d.timestamp = "<" .. s.id .. "." .. tutor.now() .. "@" .. server.name .. ">"
    stamp = " " .. d.timestamp
  end
  -- A long banner gives way to the timestamp, which APOP needs whole.
  local room = STATUS_TEXT_MAX - #"+OK " - #stamp
  if #banner > room then banner = banner:sub(1, math.max(room, 0)) end
  status(s, "+OK " .. banner .. stamp)
end

function on_line(s, line, cut)
  local d = session(s)
  if d.state == STATE_UPDATE or d.state == STATE_CLOSED then return end
  command_line(s, d, line, cut)
end

function on_close(s)
  local d = session(s)
  if d.drop then
    -- No QUIT, no UPDATE (RFC 1939 6): the marks are forgotten.
    tutor.log("pop3(" .. d.address .. "): Disconnected: Connection closed "
              .. logout_stats(d) .. " (no QUIT: nothing deleted)")
    d.drop:close()
    d.drop = nil
  end
  d.state = STATE_CLOSED
end
