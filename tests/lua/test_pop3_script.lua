--[[
test_pop3_script.lua: drives scripts/pop3.lua and scripts/pop3_client.lua,
and the AUTH PLAIN of scripts/smtp_client.lua, through
tests/lua/mock_host.lua, without the C host.

  cd /work/main && lua5.4 tests/lua/test_pop3_script.lua

Ends with "N passed, N failed" and exits non-zero on any failure; the
details of a failure go to stderr. APOP digests and base64 are checked with
the md5sum and base64 programs, so they do not depend on Lua code under
test.
]]

local here = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "."
local mock = dofile(here .. "/mock_host.lua")
local ROOT = here .. "/../.."
local POP3 = ROOT .. "/scripts/pop3.lua"
local POP3_CLIENT = ROOT .. "/scripts/pop3_client.lua"
local SMTP = ROOT .. "/scripts/smtp.lua"
local SMTP_CLIENT = ROOT .. "/scripts/smtp_client.lua"

-- Harness (tests/lua/harness.lua) ------------------------------------------

local h = dofile(here .. "/harness.lua")
local test, show, eq, same, has, lacks = h.test, h.show, h.eq, h.same, h.has, h.lacks

local function copy_server(base, fields)
  local srv = {}
  for k, v in pairs(base) do srv[k] = v end
  srv.settings = {}
  for k, v in pairs(fields or {}) do srv[k] = v end
  return srv
end

-- mail.b.example's POP3 service.
local function pop3_server(settings)
  return copy_server(mock.SERVER_B, {service = "pop3", port = 110, settings = settings or {}})
end

local M1 = "From: alice@a.example\nSubject: one\n\nHello Bob.\nSecond line.\n"
local M2 = "Subject: dots\n\n.\n..\n.leading dot\nend\n"
local M3 = "Subject: crlf\r\nX-Test: yes\r\n\r\nline one\r\nline two\r\nline three\r\n"
local UID1, UID2, UID3 = "1022634001.M0001.mail-b", "1022634002.M0002.mail-b", "1022634003.M0003.mail-b"

local function fill(world, mails)
  for _, m in ipairs(mails or {{M1, UID1}, {M2, UID2}, {M3, UID3}}) do
    mock.add_mail(world, "bob@b.example", m[1], m[2])
  end
end

-- A world whose bob has M1, M2, M3 (or `mails`), mail.b.example's pop3.lua,
-- and a connected session.
local function connect(settings, mails, world)
  world = world or mock.world()
  if not world.mailboxes["bob@b.example"] then fill(world, mails) end
  local host = mock.load(POP3, world, pop3_server(settings))
  return host:connect(), world, host
end

local function says(S, line, want, what)
  same(S:line(line), want, what or line)
end

local function logged_in(settings, mails)
  local S, world, host = connect(settings, mails)
  says(S, "USER bob", "+OK")
  says(S, "PASS bob-pw", "+OK Logged in.")
  return S, world, host
end

-- The greeting's APOP timestamp.
local function timestamp(S)
  return S.out[1]:match("(<[^>]*>)$")
end

-- The lines of a message as POP3 sends them: no CR, byte-stuffed, ".".
local function wire_lines(message)
  local out = {}
  local text = message:gsub("\r\n", "\n")
  if text ~= "" and text:sub(-1) ~= "\n" then text = text .. "\n" end
  for l in text:gmatch("([^\n]*)\n") do
    out[#out + 1] = l:sub(1, 1) == "." and "." .. l or l
  end
  out[#out + 1] = "."
  return out
end

local function concat(...)
  local all = {}
  for _, list in ipairs({...}) do
    if type(list) == "string" then list = {list} end
    for _, x in ipairs(list) do all[#all + 1] = x end
  end
  return all
end

local function shell_decode_base64(text)
  local name = os.tmpname()
  local f = assert(io.open(name, "wb"))
  f:write(text)
  f:close()
  local p = assert(io.popen("base64 -d < '" .. name .. "'"))
  local out = p:read("a")
  p:close()
  os.remove(name)
  return out
end

local SIZE1, SIZE2, SIZE3 = mock.pop3_size(M1), mock.pop3_size(M2), mock.pop3_size(M3)

-- Greeting --------------------------------------------------------------------

test("greeting: Dovecot's words and the APOP timestamp <id.clock@host>", function()
  local S = connect()
  same(S.out, "+OK Dovecot ready. <1.1022634000@mail.b.example>")
end)

test("greeting: settings.banner; a timestamp unique to each session", function()
  local world = mock.world()
  fill(world)
  local host = mock.load(POP3, world, pop3_server({banner = "POP3 server ready"}))
  same(host:connect().out, "+OK POP3 server ready <1.1022634000@mail.b.example>")
  world.clock = world.clock + 5
  same(host:connect().out, "+OK POP3 server ready <2.1022634005@mail.b.example>")
end)

test("greeting: settings.apop = false drops the timestamp, and APOP answers -ERR", function()
  local S = connect({apop = false})
  same(S.out, "+OK Dovecot ready.")
  says(S, "APOP bob " .. string.rep("0", 32), "-ERR APOP is not available: the greeting has no timestamp.")
  says(S, "USER bob", "+OK", "USER still works")
end)

test("VERBS lists the commands for completion", function()
  local _, _, host = connect()
  same(host.env.VERBS, {"USER", "PASS", "APOP", "STAT", "LIST", "RETR", "DELE", "NOOP",
                        "RSET", "TOP", "UIDL", "QUIT", "CAPA"})
end)

-- CAPA (RFC 2449) ---------------------------------------------------------------

test("CAPA before login: what works, USER included, no SASL or STLS", function()
  local S = connect()
  says(S, "CAPA", {"+OK Capability list follows", "CAPA", "TOP", "UIDL", "RESP-CODES",
                   "PIPELINING", "AUTH-RESP-CODE", "USER", "IMPLEMENTATION tutor", "."})
end)

test("CAPA after login: no USER", function()
  local S = logged_in()
  says(S, "CAPA", {"+OK Capability list follows", "CAPA", "TOP", "UIDL", "RESP-CODES",
                   "PIPELINING", "AUTH-RESP-CODE", "IMPLEMENTATION tutor", "."})
end)

test("CAPA with plaintext_auth = false omits USER", function()
  local S = connect({plaintext_auth = false})
  local out = table.concat(S:line("CAPA"), "\n")
  lacks(out, "\nUSER")
  lacks(out, "SASL")
  lacks(out, "STLS")
  has(out, "\nUIDL\n")
end)

-- USER and PASS ------------------------------------------------------------------

test("USER and PASS: right password logs in", function()
  local S, world = connect()
  says(S, "USER bob", "+OK")
  says(S, "PASS bob-pw", "+OK Logged in.")
  has(table.concat(world.logs, "\n"), "Login: user=<bob@b.example>, method=PLAIN")
  eq(world.locks["bob@b.example"] ~= nil, true, "maildrop locked")
end)

test("USER takes a whole address too", function()
  local S = connect()
  says(S, "USER bob@b.example", "+OK")
  says(S, "PASS bob-pw", "+OK Logged in.")
end)

test("commands are case-insensitive", function()
  local S = connect()
  says(S, "user bob", "+OK")
  says(S, "Pass bob-pw", "+OK Logged in.")
  says(S, "stat", "+OK 3 " .. (SIZE1 + SIZE2 + SIZE3))
  says(S, "LiSt 1", "+OK 1 " .. SIZE1)
  says(S, "noop", "+OK")
end)

test("PASS wrong: [AUTH] (RFC 3206), still AUTHORIZATION, USER needed again", function()
  local S, world = connect()
  says(S, "USER bob", "+OK")
  says(S, "PASS alice-pw", "-ERR [AUTH] Authentication failed.")
  says(S, "STAT", "-ERR STAT is not allowed in the AUTHORIZATION state: log in first.")
  says(S, "PASS bob-pw", "-ERR No username given.")
  says(S, "USER bob", "+OK")
  says(S, "PASS bob-pw", "+OK Logged in.")
  has(table.concat(world.logs, "\n"), "authentication failed: user=<bob>")
end)

test("PASS: unknown user fails the same way as a wrong password", function()
  local S = connect()
  says(S, "USER carol", "+OK", "no hint at USER")
  says(S, "PASS carol-pw", "-ERR [AUTH] Authentication failed.")
end)

test("PASS without USER", function()
  local S = connect()
  says(S, "PASS bob-pw", "-ERR No username given.")
end)

test("USER and PASS syntax", function()
  local S = connect()
  says(S, "USER", "-ERR Syntax: USER <name>")
  says(S, "USER bob smith", "-ERR Syntax: USER <name>")
  says(S, "USER bob", "+OK")
  says(S, "PASS", "-ERR Syntax: PASS <password>")
  says(S, "PASS ", "-ERR Syntax: PASS <password>")
end)

test("PASS: the password is the rest of the line, spaces and all", function()
  local world = mock.world()
  world.users["bob@b.example"].password = "correct horse battery"
  local S = connect(nil, nil, world)
  S:line("USER bob")
  says(S, "PASS correct horse", "-ERR [AUTH] Authentication failed.")
  S:line("USER bob")
  says(S, "PASS correct horse battery", "+OK Logged in.")
end)

test("plaintext_auth = false: Dovecot's refusal for USER and PASS", function()
  local S = connect({plaintext_auth = false})
  local refusal = "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."
  says(S, "USER bob", refusal)
  says(S, "PASS bob-pw", refusal)
  says(S, "APOP bob " .. mock.md5_hex(timestamp(S) .. "bob-pw"), "+OK Logged in.", "APOP sends no password")
end)

-- APOP (RFC 1939 7) ----------------------------------------------------------------

test("APOP: the MD5 of timestamp and password (from md5sum) logs in", function()
  local S, world = connect()
  local stamp = timestamp(S)
  eq(stamp, "<1.1022634000@mail.b.example>", "timestamp")
  says(S, "APOP bob " .. mock.md5_hex(stamp .. "bob-pw"), "+OK Logged in.")
  has(table.concat(world.logs, "\n"), "method=APOP")
  says(S, "STAT", "+OK 3 " .. (SIZE1 + SIZE2 + SIZE3))
end)

test("APOP: a whole address, and an upper-case digest", function()
  local S = connect()
  says(S, "APOP bob@b.example " .. mock.md5_hex(timestamp(S) .. "bob-pw"):upper(), "+OK Logged in.")
end)

test("APOP: wrong password, other timestamp, syntax", function()
  local S = connect()
  local stamp = timestamp(S)
  says(S, "APOP bob " .. mock.md5_hex(stamp .. "alice-pw"), "-ERR [AUTH] Authentication failed.")
  says(S, "APOP bob " .. mock.md5_hex("<9.1022634000@mail.b.example>bob-pw"),
       "-ERR [AUTH] Authentication failed.", "another greeting's timestamp")
  says(S, "APOP bob", "-ERR Syntax: APOP <name> <digest>")
  says(S, "APOP", "-ERR Syntax: APOP <name> <digest>")
  says(S, "APOP alice " .. mock.md5_hex(stamp .. "alice-pw"), "-ERR [AUTH] Authentication failed.",
       "alice is not on b.example")
  says(S, "APOP bob " .. mock.md5_hex(stamp .. "bob-pw"), "+OK Logged in.", "may try again")
end)

-- The maildrop lock -------------------------------------------------------------------

test("[IN-USE] while another session holds the maildrop (RFC 2449 8.1.1)", function()
  local S1, world, host = logged_in()
  local S2 = host:connect()
  S2:line("USER bob")
  says(S2, "PASS bob-pw", "-ERR [IN-USE] Mailbox is locked by another POP3 session.")
  says(S2, "STAT", "-ERR STAT is not allowed in the AUTHORIZATION state: log in first.", "not logged in")
  says(S2, "APOP bob " .. mock.md5_hex(timestamp(S2) .. "bob-pw"),
       "-ERR [IN-USE] Mailbox is locked by another POP3 session.", "APOP too")
  says(S1, "QUIT", "+OK Logging out.")
  S2:line("USER bob")
  says(S2, "PASS bob-pw", "+OK Logged in.", "free after QUIT")
  eq(world.locks["bob@b.example"] ~= nil, true, "locked again")
end)

test("a dropped session unlocks the maildrop", function()
  local S1, world, host = logged_in()
  S1:drop()
  eq(world.locks["bob@b.example"], nil, "unlocked")
  local S2 = host:connect()
  S2:line("USER bob")
  says(S2, "PASS bob-pw", "+OK Logged in.")
end)

test("[SYS/TEMP] when the maildrop cannot be opened; the reason goes to the log", function()
  local S, world = connect()
  world.fail_maildrop = "Maildir unreadable"
  S:line("USER bob")
  says(S, "PASS bob-pw", "-ERR [SYS/TEMP] Internal error occurred. Refer to server log for more information.")
  has(table.concat(world.logs, "\n"), "Maildir unreadable")
  world.fail_maildrop = nil
  S:line("USER bob")
  says(S, "PASS bob-pw", "+OK Logged in.", "still in AUTHORIZATION")
end)

-- Commands in the wrong state ----------------------------------------------------------

test("every TRANSACTION command is refused before login", function()
  local S = connect()
  for _, line in ipairs({"STAT", "LIST", "LIST 1", "RETR 1", "DELE 1", "NOOP", "RSET",
                         "TOP 1 0", "UIDL", "UIDL 1"}) do
    local verb = line:match("^(%S+)")
    says(S, line, "-ERR " .. verb .. " is not allowed in the AUTHORIZATION state: log in first.")
    S.data.bad = 0  -- not what this test is about
  end
end)

test("USER, PASS and APOP are refused after login; CAPA and QUIT work in both", function()
  local S = logged_in()
  for _, line in ipairs({"USER bob", "PASS bob-pw", "APOP bob 0123"}) do
    local verb = line:match("^(%S+)")
    says(S, line, "-ERR " .. verb .. " is not allowed in the TRANSACTION state: already logged in.")
  end
  eq(S:line("CAPA")[1], "+OK Capability list follows", "CAPA")
  says(S, "QUIT", "+OK Logging out.")
end)

test("QUIT before login: Dovecot's words, closed, later lines unanswered", function()
  local S, world = connect()
  says(S, "QUIT", "+OK Logging out")
  eq(S.closed, true, "closed")
  same(S:line("USER bob"), {}, "after QUIT")
  eq(#world.commits, 0, "nothing committed")
end)

test("commands that take no argument refuse one", function()
  local S = logged_in()
  says(S, "STAT 1", "-ERR Syntax: STAT")
  says(S, "NOOP x", "-ERR Syntax: NOOP")
  says(S, "RSET all", "-ERR Syntax: RSET")
  says(S, "CAPA x", "-ERR Syntax: CAPA")
  says(S, "QUIT now", "-ERR Syntax: QUIT")
  says(S, "NOOP ", "+OK", "a trailing space is no argument")
end)

-- STAT, LIST, UIDL -----------------------------------------------------------------------

test("STAT and LIST count CRLF line ends as the maildrop gives them (RFC 1939 11)", function()
  eq(SIZE1, #M1 + 5, "M1 with CRLF")
  eq(SIZE3, #M3, "M3 already CRLF")
  local S = logged_in()
  says(S, "STAT", "+OK 3 " .. (SIZE1 + SIZE2 + SIZE3))
  says(S, "LIST", {"+OK 3 messages:", "1 " .. SIZE1, "2 " .. SIZE2, "3 " .. SIZE3, "."})
  says(S, "LIST 2", "+OK 2 " .. SIZE2)
  says(S, "LIST 03", "+OK 3 " .. SIZE3, "leading zero")
end)

test("LIST and STAT leave deleted messages out; numbers do not move", function()
  local S = logged_in()
  says(S, "DELE 1", "+OK Marked to be deleted.")
  says(S, "STAT", "+OK 2 " .. (SIZE2 + SIZE3))
  says(S, "LIST", {"+OK 2 messages:", "2 " .. SIZE2, "3 " .. SIZE3, "."})
  says(S, "LIST 1", "-ERR Message is deleted.")
  says(S, "LIST 3", "+OK 3 " .. SIZE3)
end)

test("message numbers: not a number, out of range, too many arguments", function()
  local S = logged_in()
  says(S, "LIST 4", "-ERR There's no message 4.")
  says(S, "LIST 0", "-ERR There's no message 0.")
  says(S, "LIST x", "-ERR Invalid message number: x")
  says(S, "LIST -1", "-ERR Invalid message number: -1")
  says(S, "LIST +1", "-ERR Invalid message number: +1")
  says(S, "LIST 1.0", "-ERR Invalid message number: 1.0")
  says(S, "LIST 99999999999999999999999", "-ERR There's no message 99999999999999999999999.")
  says(S, "LIST 1 2", "-ERR Syntax: LIST [<message number>]")
  says(S, "NOOP", "+OK", "a good command: the bad ones start again from 0")
  says(S, "RETR", "-ERR Syntax: RETR <message number>")
  says(S, "RETR 1 2", "-ERR Syntax: RETR <message number>")
  says(S, "DELE", "-ERR Syntax: DELE <message number>")
  says(S, "DELE 9", "-ERR There's no message 9.")
  says(S, "UIDL 1 2", "-ERR Syntax: UIDL [<message number>]")
  says(S, "UIDL y", "-ERR Invalid message number: y")
end)

test("an empty maildrop", function()
  local S = logged_in(nil, {})
  says(S, "STAT", "+OK 0 0")
  says(S, "LIST", {"+OK 0 messages:", "."})
  says(S, "UIDL", {"+OK", "."})
  says(S, "RETR 1", "-ERR There's no message 1.")
  says(S, "QUIT", "+OK Logging out.")
end)

test("UIDL lists the maildrop's UIDs; one or all; deleted left out", function()
  local S = logged_in()
  says(S, "UIDL", {"+OK", "1 " .. UID1, "2 " .. UID2, "3 " .. UID3, "."})
  says(S, "UIDL 2", "+OK 2 " .. UID2)
  S:line("DELE 2")
  says(S, "UIDL", {"+OK", "1 " .. UID1, "3 " .. UID3, "."})
  says(S, "UIDL 2", "-ERR Message is deleted.")
end)

test("UIDs stay the same across sessions; numbers are per session", function()
  local S, world, host = logged_in()
  S:lines({"DELE 1", "QUIT"})
  mock.add_mail(world, "bob@b.example", "Subject: four\n\nfour\n")
  local S2 = host:connect()
  S2:lines({"USER bob", "PASS bob-pw"})
  local out = S2:line("UIDL")
  eq(out[2], "1 " .. UID2, "UID2 is now message 1")
  eq(out[3], "2 " .. UID3, "UID3 is now message 2")
  eq(#out, 5, "the new message too")
  local uid4 = out[4]:match("^3 (%S+)$")
  S2:line("QUIT")
  local S3 = host:connect()
  S3:lines({"USER bob", "PASS bob-pw"})
  says(S3, "UIDL 3", "+OK 3 " .. uid4, "a made-up UID stays too")
end)

test("mail that arrives during a session waits for the next one", function()
  local S, world = logged_in()
  mock.add_mail(world, "bob@b.example", "Subject: late\n\nlate\n")
  says(S, "STAT", "+OK 3 " .. (SIZE1 + SIZE2 + SIZE3))
  says(S, "RETR 4", "-ERR There's no message 4.")
end)

-- RETR and TOP -----------------------------------------------------------------------

test("RETR: '+OK n octets', the lines, '.'; the message is marked seen", function()
  local S, world = logged_in()
  says(S, "RETR 1", concat("+OK " .. SIZE1 .. " octets", wire_lines(M1)))
  eq(world.seen[UID1], true, "seen")
  eq(world.seen[UID2], nil, "the others not")
end)

test("RETR byte-stuffs lines that start with a dot (RFC 1939 3)", function()
  local S = logged_in()
  says(S, "RETR 2", {"+OK " .. SIZE2 .. " octets", "Subject: dots", "", "..", "...",
                     "..leading dot", "end", "."})
end)

test("RETR of a message stored with CR LF sends each line once, without the CR", function()
  local S = logged_in()
  says(S, "RETR 3", {"+OK " .. SIZE3 .. " octets", "Subject: crlf", "X-Test: yes", "",
                     "line one", "line two", "line three", "."})
end)

test("RETR: no final LF, a bare CR, an empty message", function()
  local S = logged_in(nil, {{"Subject: x\n\nlast line"}, {"Subject: cr\n\nbare\rCR\n"}, {""}})
  says(S, "RETR 1", {"+OK " .. mock.pop3_size("Subject: x\n\nlast line") .. " octets",
                     "Subject: x", "", "last line", "."})
  says(S, "RETR 2", {"+OK " .. mock.pop3_size("Subject: cr\n\nbare\rCR\n") .. " octets",
                     "Subject: cr", "", "bareCR", "."})
  says(S, "RETR 3", {"+OK 0 octets", "."})
end)

test("RETR: a line longer than the host sends is cut safely, each piece stuffed", function()
  local long = "." .. string.rep("a", 65534) .. "\226\130\172" .. string.rep("b", 70000)
  local S = logged_in(nil, {{"Subject: long\n\n" .. long .. "\nend\n"}})
  local out = S:line("RETR 1")
  eq(out[#out], ".", "final dot")
  eq(out[#out - 1], "end", "last line")
  local pieces = {}
  for i = 4, #out - 2 do
    eq(#out[i] <= mock.SEND_MAX, true, "piece " .. i .. " fits")
    pieces[#pieces + 1] = out[i]:sub(1, 1) == "." and out[i]:sub(2) or out[i]
  end
  eq(#pieces >= 3, true, "cut into pieces")
  eq(table.concat(pieces), long, "the pieces make the line")
  for _, p in ipairs(pieces) do
    local first = p:byte(1)
    eq(first >= 0x80 and first <= 0xBF, false, "no piece starts inside a UTF-8 sequence")
  end
end)

test("TOP n 0: the header and the blank line only; TOP is not reading", function()
  local S, world = logged_in()
  says(S, "TOP 1 0", {"+OK", "From: alice@a.example", "Subject: one", "", "."})
  eq(world.seen[UID1], nil, "not seen")
end)

test("TOP n m: m body lines; more than there are is the whole message", function()
  local S = logged_in()
  says(S, "TOP 1 1", {"+OK", "From: alice@a.example", "Subject: one", "", "Hello Bob.", "."})
  says(S, "TOP 1 2", concat("+OK", wire_lines(M1)))
  says(S, "TOP 1 999", concat("+OK", wire_lines(M1)))
  says(S, "TOP 1 99999999999999999999", concat("+OK", wire_lines(M1)), "a huge count")
  says(S, "TOP 2 2", {"+OK", "Subject: dots", "", "..", "...", "."}, "stuffed")
  says(S, "TOP 3 1", {"+OK", "Subject: crlf", "X-Test: yes", "", "line one", "."}, "CR LF")
end)

test("TOP: a message without body, one without header", function()
  local S = logged_in(nil, {{"Subject: only\nX: y\n"}, {"\nbody one\nbody two\n"}})
  says(S, "TOP 1 0", {"+OK", "Subject: only", "X: y", "."})
  says(S, "TOP 2 1", {"+OK", "", "body one", "."})
end)

test("TOP syntax", function()
  local S = logged_in()
  says(S, "TOP 1", "-ERR Syntax: TOP <message number> <lines>")
  says(S, "TOP", "-ERR Syntax: TOP <message number> <lines>")
  says(S, "TOP 1 x", "-ERR Invalid number of lines: x")
  says(S, "TOP 1 -1", "-ERR Invalid number of lines: -1")
  says(S, "TOP x 1", "-ERR Invalid message number: x")
  says(S, "TOP 7 1", "-ERR There's no message 7.")
end)

-- DELE, RSET, QUIT -------------------------------------------------------------------

test("DELE marks; the message then answers -ERR everywhere", function()
  local S = logged_in()
  says(S, "DELE 2", "+OK Marked to be deleted.")
  says(S, "DELE 2", "-ERR Message is deleted.")
  says(S, "RETR 2", "-ERR Message is deleted.")
  says(S, "TOP 2 0", "-ERR Message is deleted.")
  says(S, "LIST 2", "-ERR Message is deleted.")
  says(S, "UIDL 2", "-ERR Message is deleted.")
  says(S, "RETR 3", concat("+OK " .. SIZE3 .. " octets", wire_lines(M3)), "message 3 is still 3")
end)

test("RSET undeletes; QUIT then deletes nothing", function()
  local S, world = logged_in()
  S:lines({"DELE 1", "DELE 3"})
  says(S, "RSET", "+OK")
  says(S, "STAT", "+OK 3 " .. (SIZE1 + SIZE2 + SIZE3))
  says(S, "RETR 1", concat("+OK " .. SIZE1 .. " octets", wire_lines(M1)))
  says(S, "QUIT", "+OK Logging out.")
  eq(#world.commits, 0, "no commit")
  eq(#world.mailboxes["bob@b.example"], 3, "all kept")
end)

test("QUIT commits exactly the deleted numbers (RFC 1939 6), unlocks and closes", function()
  local S, world = logged_in()
  S:lines({"DELE 1", "DELE 3"})
  says(S, "QUIT", "+OK Logging out, messages deleted.")
  eq(S.closed, true, "closed")
  eq(#world.commits, 1, "one commit")
  same(world.commits[1].numbers, {"1", "3"}, "numbers")
  eq(world.commits[1].address, "bob@b.example", "address")
  same(world.mailboxes["bob@b.example"], {M2}, "what is left")
  eq(world.locks["bob@b.example"], nil, "unlocked")
  has(table.concat(world.logs, "\n"), "Disconnected: Logged out top=0/0, retr=0/0, del=2/3")
  same(S:line("NOOP"), {}, "nothing after QUIT")
end)

test("QUIT when the deletion fails: -ERR, and the messages stay", function()
  local S, world = logged_in()
  world.fail_commit = "disk full"
  S:line("DELE 1")
  says(S, "QUIT", "-ERR [SYS/TEMP] Some deleted messages were not removed.")
  eq(S.closed, true, "closed all the same")
  eq(#world.mailboxes["bob@b.example"], 3, "nothing deleted")
  has(table.concat(world.logs, "\n"), "disk full")
  eq(world.locks["bob@b.example"], nil, "unlocked")
end)

test("a session dropped without QUIT deletes nothing (no UPDATE)", function()
  local S, world = logged_in()
  S:lines({"DELE 1", "DELE 2", "RETR 3"})
  S:drop()
  eq(#world.commits, 0, "no commit")
  eq(#world.mailboxes["bob@b.example"], 3, "all kept")
  eq(world.locks["bob@b.example"], nil, "unlocked")
  has(table.concat(world.logs, "\n"), "nothing deleted")
end)

-- Bad lines -------------------------------------------------------------------------

test("unknown commands, echoed short", function()
  local S = connect()
  says(S, "HELO pc1", "-ERR Unknown command: HELO")
  says(S, "LISTX", "-ERR Unknown command: LISTX")
  says(S, string.rep("Z", 200), "-ERR Unknown command: " .. string.rep("Z", 40) .. "...")
end)

test("a command line over 255 octets with CRLF, and one the host cut", function()
  local S = connect()
  says(S, "USER " .. string.rep("x", 248), "+OK", "253 octets + CRLF = 255")
  says(S, "USER " .. string.rep("x", 249), "-ERR Command line too long (at most 255 octets with CRLF).")
  says(S, string.rep("y", 9000), "-ERR Command line too long (at most 255 octets with CRLF).", "cut")
  says(S, "USER bob", "+OK", "the session goes on")
end)

test("control characters and NUL in a command line", function()
  local S = connect()
  says(S, "USER bob\0", "-ERR Command line contains control characters.")
  says(S, "US\1ER bob", "-ERR Command line contains control characters.")
  says(S, "USER\tbob", "-ERR Command line contains control characters.")
  says(S, "USER bob\127", "-ERR Command line contains control characters.")
  says(S, "USER bob", "+OK")
end)

test("an empty line is answered but not held against the client", function()
  local S = connect()
  for _ = 1, 20 do says(S, "", "-ERR Empty command line.") end
  says(S, "   ", "-ERR Empty command line.")
  eq(S.closed, false, "still open")
end)

test("10 bad commands in a row end the session; a good one resets the count", function()
  local S = connect()
  for _ = 1, 9 do S:line("BOGUS") end
  says(S, "CAPA", concat("+OK Capability list follows", {"CAPA", "TOP", "UIDL", "RESP-CODES",
       "PIPELINING", "AUTH-RESP-CODE", "USER", "IMPLEMENTATION tutor", "."}))
  for _ = 1, 9 do S:line("BOGUS") end
  eq(S.closed, false, "9 are forgiven")
  says(S, "BOGUS", {"-ERR Unknown command: BOGUS", "-ERR Too many bad commands."})
  eq(S.closed, true, "closed")
end)

test("thrown out after login: nothing is deleted", function()
  local S, world = logged_in()
  S:line("DELE 1")
  for _ = 1, 10 do S:line("RETR x") end
  eq(S.closed, true, "closed")
  eq(#world.commits, 0, "no commit")
  eq(world.locks["bob@b.example"], nil, "unlocked")
end)

test("every status line fits 512 octets with CRLF (RFC 1939 3, RFC 2449 4)", function()
  local S = connect({banner = string.rep("B", 600)})
  eq(#S.out[1], 510, "greeting cut to 510")
  eq(timestamp(S), "<1.1022634000@mail.b.example>", "the timestamp survives")
  says(S, "APOP bob " .. mock.md5_hex(timestamp(S) .. "bob-pw"), "+OK Logged in.")
  local long = string.rep("9", 240)
  for _, line in ipairs({"LIST " .. long, "LIST a" .. long, "TOP 1 x" .. long, "XXXX" .. long}) do
    local out = S:line(line)
    eq(#out[1] <= 510, true, "status line of " .. line:sub(1, 8))
    eq(#out[1] < 100, true, "argument echoed short")
  end
end)

test("pipelined commands are answered in order", function()
  local S = connect()
  local out = S:lines({"USER bob", "PASS bob-pw", "STAT", "UIDL 1", "QUIT"})
  same(out, {"+OK", "+OK Logged in.", "+OK 3 " .. (SIZE1 + SIZE2 + SIZE3), "+OK 1 " .. UID1,
             "+OK Logging out."})
end)

-- The instruction budget ---------------------------------------------------------------

local function big_message(lines, stuffed_every)
  local parts = {"From: alice@a.example", "Subject: big", ""}
  for i = 1, lines do
    parts[#parts + 1] = (i % stuffed_every == 0 and "." or "")
                        .. string.format("line %06d of a large message, about as long as a line of text is", i)
  end
  return table.concat(parts, "\n") .. "\n"
end

test("RETR of a 10 MB message of 150,000 lines stays within the budget", function()
  local text = big_message(150000, 11)
  local size = mock.pop3_size(text)
  eq(size > 10000000, true, "10 MB")
  local S = logged_in(nil, {{text}})
  mock.max_instructions = 0
  local out = S:line("RETR 1")
  local used = mock.max_instructions
  eq(out[1], "+OK " .. size .. " octets", "status")
  eq(#out, 150000 + 3 + 2, "every line and the dot")
  eq(out[#out], ".", "final dot")
  eq(out[3 + 11 + 1], "..line 000011 of a large message, about as long as a line of text is", "stuffed")
  -- The mock charges a few instructions per host call that C does not.
  eq(used < mock.INSTRUCTIONS * 0.8, true, "instructions used: " .. used)
  mock.max_instructions = 0
  out = S:line("TOP 1 100000")
  eq(#out, 100000 + 3 + 2, "TOP lines")
  eq(mock.max_instructions < mock.INSTRUCTIONS * 0.8, true, "TOP instructions: " .. mock.max_instructions)
end)

test("a 10 MB message of CR LF lines stays within the budget too", function()
  local text = big_message(150000, 11):gsub("\n", "\r\n")
  local S = logged_in(nil, {{text}})
  mock.max_instructions = 0
  local out = S:line("RETR 1")
  eq(#out, 150000 + 3 + 2, "every line and the dot")
  eq(out[3 + 11 + 1], "..line 000011 of a large message, about as long as a line of text is", "no CR")
  eq(mock.max_instructions < mock.INSTRUCTIONS * 0.8, true, "instructions used: " .. mock.max_instructions)
end)

-- pop3_client.lua against pop3.lua -------------------------------------------------------

local PC1 = {name = "pc1.a.example", node = "pc1", service = "client", addr = "192.0.2.10",
             port = 0, domains = {}, settings = {}}

-- The student's mail client fetching from mail.b.example's pop3.lua.
local function fetch(job, opts)
  opts = opts or {}
  local world = opts.world or mock.world()
  if not world.mailboxes["bob@b.example"] then fill(world, opts.mails) end
  local client = mock.load(POP3_CLIENT, world, copy_server(PC1))
  local target = mock.load(opts.source and "fake_pop3.lua" or POP3, world,
                           pop3_server(opts.settings), opts.source)
  local stored = {}
  local result, transcript = mock.relay(client, target, job,
                                        {store = stored, store_fail = opts.store_fail,
                                         client_data = opts.client_data})
  return result, transcript, stored, world
end

local function bob(fields)
  local job = {user = "bob", password = "bob-pw", delete = false, known = {}}
  for k, v in pairs(fields or {}) do job[k] = v end
  return job
end

local function sent_commands(transcript)
  local out = {}
  for _, l in ipairs(transcript) do
    if l:sub(1, 4) == " -> " then out[#out + 1] = l:sub(5) end
  end
  return out
end

local function lf(text)
  return (text:gsub("\r\n", "\n"))
end

test("client: keep mode fetches every message, stores it under its UID, deletes none", function()
  local result, transcript, stored, world = fetch(bob())
  eq(result.status, "ok", "status")
  eq(result.code, 0, "code")
  eq(result.text, "3 new of 3 messages", "text")
  same(sent_commands(transcript), {"CAPA", "USER bob", "PASS bob-pw", "STAT", "UIDL", "LIST",
                                   "RETR 1", "RETR 2", "RETR 3", "QUIT"})
  eq(#stored, 3, "stored")
  eq(stored[1].uid, UID1, "uid 1")
  eq(stored[1].message, M1, "message 1 as sent")
  eq(stored[2].message, M2, "dots unstuffed")
  eq(stored[3].uid, UID3, "uid 3")
  eq(stored[3].message, lf(M3), "CR LF message, lines end in LF")
  eq(#world.mailboxes["bob@b.example"], 3, "kept on the server")
  eq(world.seen[UID2], true, "marked seen by RETR")
  eq(transcript[#transcript], "<-  +OK Logging out.", "waited for QUIT's answer")
end)

test("client: delete mode sends DELE after each RETR; QUIT removes them", function()
  local result, transcript, stored, world = fetch(bob({delete = true}))
  eq(result.status, "ok", "status")
  eq(result.text, "3 new of 3 messages, 3 deleted from the server", "text")
  same(sent_commands(transcript), {"CAPA", "USER bob", "PASS bob-pw", "STAT", "UIDL", "LIST",
                                   "RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3", "DELE 3", "QUIT"})
  eq(#stored, 3, "stored")
  eq(#world.mailboxes["bob@b.example"], 0, "gone from the server")
  same(world.commits[1].numbers, {"1", "2", "3"}, "committed")
end)

test("client: known UIDs are not retrieved again, and deleted in delete mode", function()
  local result, transcript, stored, world = fetch(bob({delete = true, known = {UID1, UID3, "other"}}))
  eq(result.status, "ok", "status")
  eq(result.text, "1 new of 3 messages, 3 deleted from the server", "text")
  local t = table.concat(sent_commands(transcript), "\n")
  lacks(t, "RETR 1")
  lacks(t, "RETR 3")
  has(t, "DELE 1\nRETR 2\nDELE 2\nDELE 3\nQUIT")
  eq(#stored, 1, "one stored")
  eq(stored[1].uid, UID2, "the new one")
  eq(#world.mailboxes["bob@b.example"], 0, "the client has them all: none left")
end)

test("client: known UIDs are neither retrieved nor deleted in keep mode", function()
  local result, transcript, stored, world = fetch(bob({known = {UID1, UID3}}))
  eq(result.status, "ok", "status")
  local t = table.concat(sent_commands(transcript), "\n")
  lacks(t, "DELE")
  has(t, "RETR 2\nQUIT")
  eq(#stored, 1, "one stored")
  same(world.mailboxes["bob@b.example"], {M1, M2, M3}, "all kept")
end)

test("client: all known, nothing fetched", function()
  local result, transcript, stored = fetch(bob({known = {UID1, UID2, UID3}}))
  eq(result.text, "0 new of 3 messages", "text")
  eq(#stored, 0, "nothing stored")
  lacks(table.concat(sent_commands(transcript), "\n"), "RETR")
end)

test("client: an empty maildrop goes from STAT to QUIT", function()
  local result, transcript = fetch(bob(), {mails = {}})
  eq(result.status, "ok", "status")
  eq(result.text, "0 new of 0 messages", "text")
  same(sent_commands(transcript), {"CAPA", "USER bob", "PASS bob-pw", "STAT", "QUIT"})
end)

test("client: one message is 'message'", function()
  local result = fetch(bob(), {mails = {{M1, UID1}}})
  eq(result.text, "1 new of 1 message", "text")
end)

test("client: a bad password fails with the server's -ERR line, after QUIT", function()
  local result, transcript, stored = fetch(bob({password = "nope"}))
  eq(result.status, "failed", "status")
  eq(result.text, "-ERR [AUTH] Authentication failed.", "text")
  eq(#stored, 0, "nothing stored")
  eq(sent_commands(transcript)[4], "QUIT", "QUIT after PASS")
end)

test("client: plaintext_auth = false fails at USER with Dovecot's words", function()
  local result = fetch(bob(), {settings = {plaintext_auth = false}})
  eq(result.status, "failed", "status")
  eq(result.text, "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.")
end)

test("client: a maildrop in use fails with [IN-USE]", function()
  local world = mock.world()
  fill(world)
  local other = mock.load(POP3, world, pop3_server())
  other:connect():lines({"USER bob", "PASS bob-pw"})
  local result = fetch(bob(), {world = world})
  eq(result.status, "failed", "status")
  eq(result.text, "-ERR [IN-USE] Mailbox is locked by another POP3 session.", "text")
end)

test("client: no credentials fails without sending them", function()
  local result, transcript = fetch({delete = false, known = {}})
  eq(result.status, "failed", "status")
  has(result.text, "no user name or password")
  same(sent_commands(transcript), {"QUIT"})
end)

test("client: c:store failing stops the dialogue before DELE", function()
  local result, transcript, _, world = fetch(bob({delete = true}), {store_fail = "folder full"})
  eq(result.status, "failed", "status")
  eq(result.text, "cannot store message 1: folder full", "text")
  lacks(table.concat(sent_commands(transcript), "\n"), "DELE")
  eq(#world.mailboxes["bob@b.example"], 3, "nothing deleted")
end)

test("client: keeps its state in c.data when the host gives one", function()
  local result, _, stored = fetch(bob(), {client_data = true})
  eq(result.status, "ok", "status")
  eq(#stored, 3, "stored")
end)

test("client: a large message, one line per callback", function()
  local text = big_message(30000, 7)
  mock.max_instructions = 0
  local result, _, stored = fetch(bob(), {mails = {{text, "big.1"}}})
  eq(result.status, "ok", "status")
  eq(stored[1].message, text, "the whole message, unstuffed")
  eq(mock.max_instructions < mock.INSTRUCTIONS / 2, true, "instructions: " .. mock.max_instructions)
end)

-- A fake POP3 server for what pop3.lua never does.
local FAKE = [[
local replies = ...
local function send_all(s, r)
  if type(r) == "string" then return s:send(r) end
  for _, l in ipairs(r) do s:send(l) end
end
function on_connect(s) send_all(s, replies.greeting) end
function on_line(s, line)
  local verb = line:match("^(%a+)")
  verb = verb and verb:upper() or ""
  local r = replies[line] or replies[verb] or "+OK"
  send_all(s, r)
  if verb == "QUIT" then s:close() end
end
]]

local function fake(spec)
  local parts = {"local replies = {"}
  for k, v in pairs(spec) do
    if type(v) == "table" then
      local items = {}
      for i, l in ipairs(v) do items[i] = string.format("%q", l) end
      parts[#parts + 1] = string.format("  [%q] = {%s},", k, table.concat(items, ", "))
    else
      parts[#parts + 1] = string.format("  [%q] = %q,", k, v)
    end
  end
  parts[#parts + 1] = "}"
  return table.concat(parts, "\n") .. "\n" .. FAKE:gsub("^local replies = %.%.%.\n", "")
end

local FAKE_BASE = {
  greeting = "+OK old server", CAPA = "-ERR unknown command", STAT = "+OK 2 20",
  LIST = {"+OK", "1 10", "2 10", "."},
  ["RETR 1"] = {"+OK", "Subject: a", "", "..dot", "."},
  ["RETR 2"] = {"+OK", "Subject: b", "", "b", "."},
  QUIT = "+OK bye",
}

local function fake_spec(overrides)
  local spec = {}
  for k, v in pairs(FAKE_BASE) do spec[k] = v end
  for k, v in pairs(overrides or {}) do spec[k] = v end
  return fake(spec)
end

test("client: a server without CAPA; no UIDL, every message, stored without UID", function()
  local result, transcript, stored = fetch(bob({known = {"x"}}), {source = fake_spec()})
  eq(result.status, "ok", "status")
  eq(result.text, "2 new of 2 messages", "text")
  same(sent_commands(transcript), {"CAPA", "USER bob", "PASS bob-pw", "STAT", "LIST",
                                   "RETR 1", "RETR 2", "QUIT"})
  eq(stored[1].uid, nil, "no UID")
  eq(stored[1].message, "Subject: a\n\n.dot\n", "unstuffed")
end)

test("client: CAPA without UIDL means no UIDL", function()
  local result, transcript = fetch(bob(), {source = fake_spec({CAPA = {"+OK", "USER", "TOP", "."}})})
  eq(result.status, "ok", "status")
  lacks(table.concat(sent_commands(transcript), "\n"), "UIDL")
end)

test("client: UIDL refused although advertised: every message is fetched", function()
  local result, _, stored = fetch(bob({known = {"a"}}),
    {source = fake_spec({CAPA = {"+OK", "UIDL", "."}, UIDL = "-ERR not today"})})
  eq(result.status, "ok", "status")
  eq(#stored, 2, "both")
end)

test("client: malformed replies fail with a clear text", function()
  local result = fetch(bob(), {source = fake_spec({greeting = "220 smtp.example ESMTP"})})
  eq(result.status, "failed", "greeting status")
  eq(result.text, "malformed reply from the server: 220 smtp.example ESMTP", "greeting")
  result = fetch(bob(), {source = fake_spec({STAT = "+OK lots"})})
  eq(result.text, "malformed STAT reply from the server: +OK lots", "STAT")
  result = fetch(bob(), {source = fake_spec({LIST = {"+OK", "one 10", "."}})})
  eq(result.text, "malformed LIST line from the server: one 10", "LIST")
  result = fetch(bob(), {source = fake_spec({CAPA = {"+OK", "UIDL", "."}, UIDL = {"+OK", "1", "."}})})
  eq(result.text, "malformed UIDL line from the server: 1", "UIDL")
  result = fetch(bob(), {source = fake_spec({["+OKAY"] = "x", STAT = "+OKAY 2 20"})})
  eq(result.status, "failed", "+OKAY is not +OK")
end)

test("client: a -ERR greeting or RETR fails; a -ERR to QUIT fails too", function()
  local result = fetch(bob(), {source = fake_spec({greeting = "-ERR [SYS/TEMP] go away"})})
  eq(result.text, "-ERR [SYS/TEMP] go away", "greeting")
  result = fetch(bob(), {source = fake_spec({["RETR 2"] = "-ERR Message is deleted."})})
  eq(result.status, "failed", "RETR status")
  eq(result.text, "-ERR Message is deleted.", "RETR")
  result = fetch(bob(), {source = fake_spec({QUIT = "-ERR [SYS/TEMP] Some deleted messages were not removed."})})
  eq(result.status, "failed", "QUIT status")
  eq(result.text, "-ERR [SYS/TEMP] Some deleted messages were not removed.", "QUIT")
end)

test("client: a QUIT that fails on pop3.lua after DELE", function()
  local world = mock.world()
  fill(world)
  world.fail_commit = "disk full"
  local result = fetch(bob({delete = true}), {world = world})
  eq(result.status, "failed", "status")
  eq(result.text, "-ERR [SYS/TEMP] Some deleted messages were not removed.", "text")
end)

-- smtp_client.lua: AUTH PLAIN (RFC 4954) against smtp.lua -------------------------------

-- The student's mail client on pc1 sending through mail.a.example's smtp.lua.
local function submit(job, opts)
  opts = opts or {}
  local world = mock.world()
  for k, v in pairs(opts.users or {}) do world.users[k] = v end
  local client = mock.load(SMTP_CLIENT, world, copy_server(PC1))
  local target = mock.load(opts.source and "fake_smtp.lua" or SMTP, world,
                           copy_server(mock.SERVER_A, {settings = {}}), opts.source)
  local result, transcript = mock.relay(client, target, job)
  return result, transcript, world
end

local function alice_job(fields)
  local job = {from = "alice@a.example", rcpts = {"bob@b.example"}, helo = "pc1.a.example",
               message = "From: alice@a.example\nTo: bob@b.example\nSubject: hi\n\nHello Bob.\n",
               user = "alice", password = "alice-pw"}
  for k, v in pairs(fields or {}) do job[k] = v end
  return job
end

local function auth_line(transcript)
  for _, l in ipairs(transcript) do
    local b64 = l:match("^ %-> AUTH PLAIN (%S+)$")
    if b64 then return b64 end
  end
end

test("smtp_client: AUTH PLAIN after EHLO, then relay is allowed", function()
  local result, transcript, world = submit(alice_job())
  eq(result.status, "sent", "status")
  local commands = sent_commands(transcript)
  eq(commands[1], "EHLO pc1.a.example", "EHLO")
  eq(commands[2]:sub(1, 11), "AUTH PLAIN ", "AUTH right after EHLO")
  eq(commands[3]:sub(1, 27), "MAIL FROM:<alice@a.example>", "then MAIL")
  eq(shell_decode_base64(auth_line(transcript)), "\0alice\0alice-pw", "credentials, decoded by base64(1)")
  has(table.concat(transcript, "\n"), "<-  235 2.7.0 Authentication successful")
  eq(#world.queue, 1, "queued for relay")
  same(world.queue[1].rcpts, {"bob@b.example"}, "to bob")
  has(world.queue[1].message, "with ESMTPA id", "Received says ESMTPA (RFC 3848)")
end)

test("smtp_client: base64 of every length modulo 3 decodes right", function()
  for _, password in ipairs({"p", "pw", "pw3", "pw45", "p\195\169ssw\195\182rd", "with space"}) do
    local users = {["carol@a.example"] = {address = "carol@a.example", name = "Carol",
                   localpart = "carol", domain = "a.example", password = password}}
    local result, transcript = submit(alice_job({user = "carol@a.example", password = password,
                                                 from = "carol@a.example"}), {users = users})
    eq(result.status, "sent", "status with password " .. password)
    eq(shell_decode_base64(auth_line(transcript)), "\0carol@a.example\0" .. password, "decoded " .. password)
  end
end)

test("smtp_client: a wrong password fails with the server's reply, before MAIL", function()
  local result, transcript, world = submit(alice_job({password = "wrong"}))
  eq(result.status, "failed", "status")
  eq(result.code, 535, "code")
  eq(result.text, "5.7.8 Error: authentication failed: authentication failure", "text")
  lacks(table.concat(transcript, "\n"), "MAIL FROM")
  eq(transcript[#transcript - 1], " -> QUIT", "QUIT")
  eq(#world.queue, 0, "nothing queued")
end)

test("smtp_client: without credentials nothing changes (no AUTH, relay denied)", function()
  local job = alice_job()
  job.user, job.password = nil, nil
  local result, transcript = submit(job)
  lacks(table.concat(transcript, "\n"), " -> AUTH")
  eq(result.status, "failed", "status")
  eq(result.code, 554, "relay access denied")
end)

local SMTP_FAKE = [[
local ehlo = ...
function on_connect(s) s:reply(220, "fake ESMTP") end
function on_line(s, line)
  local verb = (line:match("^(%a+)") or ""):upper()
  if s.data.in_data then
    if line == "." then s.data.in_data = false; s:reply(250, "2.0.0 Ok: queued as F1") end
    return
  end
  if verb == "EHLO" then return s:reply(250, ehlo) end
  if verb == "AUTH" then return s:reply(AUTH_CODE, AUTH_TEXT) end
  if verb == "DATA" then s.data.in_data = true; return s:reply(354, "go ahead") end
  if verb == "QUIT" then s:reply(221, "2.0.0 Bye"); return s:close() end
  s:reply(250, "2.0.0 Ok")
end
]]

local function smtp_fake(ehlo, auth_code, auth_text)
  local items = {}
  for i, l in ipairs(ehlo) do items[i] = string.format("%q", l) end
  return "local ehlo = {" .. table.concat(items, ", ") .. "}\n"
         .. string.format("AUTH_CODE, AUTH_TEXT = %d, %q\n", auth_code or 235, auth_text or "2.7.0 ok")
         .. SMTP_FAKE:gsub("^local ehlo = %.%.%.\n", "")
end

test("smtp_client: a server that offers no AUTH is not sent to", function()
  local result, transcript = submit(alice_job(), {source = smtp_fake({"fake", "PIPELINING", "SIZE 1000"})})
  eq(result.status, "failed", "status")
  eq(result.text, "5.7.0 the server does not offer AUTH PLAIN (it offers no AUTH): not sending without authentication")
  same(sent_commands(transcript), {"EHLO pc1.a.example", "QUIT"})
end)

test("smtp_client: a server that offers AUTH without PLAIN is not sent to", function()
  local result, transcript = submit(alice_job(), {source = smtp_fake({"fake", "AUTH LOGIN CRAM-MD5"})})
  eq(result.status, "failed", "status")
  has(result.text, "(it offers CRAM-MD5 LOGIN)")
  lacks(table.concat(transcript, "\n"), " -> AUTH")
end)

test("smtp_client: AUTH=PLAIN (the pre-RFC form) and lower case are understood", function()
  local result, transcript = submit(alice_job(), {source = smtp_fake({"fake", "AUTH=login plain"})})
  eq(result.status, "sent", "status")
  has(table.concat(transcript, "\n"), " -> AUTH PLAIN ")
end)

test("smtp_client: a 454 at AUTH defers, a 535 fails", function()
  local result = submit(alice_job(), {source = smtp_fake({"fake", "AUTH PLAIN"}, 454,
                                                        "4.7.0 Temporary authentication failure")})
  eq(result.status, "deferred", "454")
  eq(result.text, "4.7.0 Temporary authentication failure", "454 text")
  result = submit(alice_job(), {source = smtp_fake({"fake", "AUTH PLAIN"}, 535, "5.7.8 no")})
  eq(result.status, "failed", "535")
  eq(result.code, 535, "535 code")
end)

test("smtp_client: HELO fallback has no AUTH, so a job with credentials fails", function()
  local src = smtp_fake({"x"}) .. [[
local plain_on_line = on_line
function on_line(s, line)
  if line:sub(1, 4):upper() == "EHLO" then return s:reply(502, "5.5.2 Error: command not recognized") end
  return plain_on_line(s, line)
end
]]
  local result, transcript = submit(alice_job(), {source = src})
  eq(result.status, "failed", "status")
  has(result.text, "does not offer AUTH PLAIN")
  has(table.concat(transcript, "\n"), " -> HELO pc1.a.example")
end)

h.finish()
