--[[
test_smtp_script.lua: drives scripts/smtp.lua and scripts/smtp_client.lua
through tests/lua/mock_host.lua, without the C host.

  cd /work/main && lua5.4 tests/lua/test_smtp_script.lua

Ends with "N passed, N failed" and exits non-zero on any failure; the
details of a failure go to stderr.
]]

local here = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "."
local mock = dofile(here .. "/mock_host.lua")
local ROOT = here .. "/../.."
local SMTP = ROOT .. "/scripts/smtp.lua"
local CLIENT = ROOT .. "/scripts/smtp_client.lua"

-- Harness (tests/lua/harness.lua) ------------------------------------------

local h = dofile(here .. "/harness.lua")
local test, show, eq, same, has, lacks = h.test, h.show, h.eq, h.same, h.has, h.lacks

local function copy_server(base, settings)
  local srv = {}
  for k, v in pairs(base) do srv[k] = v end
  srv.settings = settings or {}
  return srv
end

-- A fresh world with mail.a.example running smtp.lua; a connected session.
local function connect(settings, client)
  local world = mock.world()
  local host = mock.load(SMTP, world, copy_server(mock.SERVER_A, settings))
  return host:connect(client), world, host
end

local function says(S, line, want, what)
  same(S:line(line), want, what or line)
end

-- The lines of a stored message, without their LF.
local function lines_of(message)
  local out = {}
  for l in (message .. (message:sub(-1) == "\n" and "" or "\n")):gmatch("([^\n]*)\n") do
    out[#out + 1] = l
  end
  return out
end

local function greeted(settings)
  local S, world, host = connect(settings)
  S:line("EHLO pc1.a.example")
  return S, world, host
end

local function b64(data)
  local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return chars:sub(c + 1, c + 1)
  end) .. ({"", "==", "="})[#data % 3 + 1])
end

local function authed(settings)
  local S, world, host = greeted(settings)
  says(S, "AUTH PLAIN " .. b64("\0alice\0alice-pw"), "235 2.7.0 Authentication successful")
  return S, world, host
end

-- Sends one whole message; returns the reply to the final dot.
local function transaction(S, from, rcpts, body)
  says(S, "MAIL FROM:<" .. from .. ">", "250 2.1.0 Ok")
  for _, r in ipairs(rcpts) do says(S, "RCPT TO:<" .. r .. ">", "250 2.1.5 Ok") end
  says(S, "DATA", "354 End data with <CR><LF>.<CR><LF>")
  for _, l in ipairs(body) do same(S:line(l), {}, "no reply inside DATA: " .. l) end
  return S:line(".")
end

-- Greeting, HELO, EHLO -------------------------------------------------------

test("greeting names the server and the default banner", function()
  local S = connect()
  same(S.out, "220 mail.a.example ESMTP Postfix (tutor)")
end)

test("greeting uses settings.banner", function()
  local S = connect({banner = "Sendmail 8.11.0"})
  same(S.out, "220 mail.a.example ESMTP Sendmail 8.11.0")
  S = connect({banner = "ESMTP Postfix"})
  same(S.out, "220 mail.a.example ESMTP Postfix", "banner already saying ESMTP")
end)

test("VERBS lists the commands for completion", function()
  local _, _, host = connect()
  same(host.env.VERBS, {"HELO", "EHLO", "MAIL FROM:", "RCPT TO:", "DATA", "RSET", "NOOP",
                        "QUIT", "HELP", "VRFY", "EXPN", "AUTH"})
end)

test("HELO answers with the name and no extensions", function()
  local S = connect()
  says(S, "HELO pc1.a.example", "250 mail.a.example")
end)

test("EHLO lists the extensions, last line with a space", function()
  local S = connect()
  says(S, "EHLO pc1.a.example", {"250-mail.a.example", "250-PIPELINING", "250-SIZE 10240000",
       "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-AUTH PLAIN LOGIN", "250 HELP"})
end)

test("EHLO advertises settings.max_size", function()
  local S = connect({max_size = 5000})
  has(table.concat(S:line("EHLO x"), "\n"), "250-SIZE 5000")
end)

test("HELO and EHLO need a name", function()
  local S = connect()
  says(S, "HELO", "501 Syntax: HELO hostname")
  says(S, "EHLO   ", "501 Syntax: EHLO hostname")
end)

test("verbs are case-insensitive", function()
  local S = connect()
  eq(S:line("ehlo pc1")[1], "250-mail.a.example", "ehlo")
  says(S, "mail from:<alice@a.example>", "250 2.1.0 Ok")
  says(S, "Rcpt To:<alice@a.example>", "250 2.1.5 Ok")
  says(S, "rset", "250 2.0.0 Ok")
  says(S, "nOoP", "250 2.0.0 Ok")
end)

test("EHLO resets an open transaction", function()
  local S = greeted()
  says(S, "MAIL FROM:<alice@a.example>", "250 2.1.0 Ok")
  S:line("EHLO again")
  says(S, "RCPT TO:<alice@a.example>", "503 5.5.1 Error: need MAIL command")
  says(S, "MAIL FROM:<alice@a.example>", "250 2.1.0 Ok", "no nested MAIL after EHLO")
end)

-- Command order (RFC 5321 3.3, 4.1.4) -----------------------------------------

test("MAIL before HELO", function()
  local S = connect()
  says(S, "MAIL FROM:<alice@a.example>", "503 5.5.1 Error: send HELO/EHLO first")
end)

test("RCPT before MAIL", function()
  local S = connect()
  says(S, "RCPT TO:<alice@a.example>", "503 5.5.1 Error: need MAIL command")
  S:line("HELO x")
  says(S, "RCPT TO:<alice@a.example>", "503 5.5.1 Error: need MAIL command")
end)

test("DATA before MAIL and before RCPT", function()
  local S = greeted()
  says(S, "DATA", "503 5.5.1 Error: need MAIL command")
  says(S, "MAIL FROM:<alice@a.example>", "250 2.1.0 Ok")
  says(S, "DATA", "503 5.5.1 Error: need RCPT command")
  says(S, "RCPT TO:<nobody@a.example>", "550 5.1.1 <nobody@a.example>: Recipient address rejected: User unknown in local recipient table")
  says(S, "DATA", "503 5.5.1 Error: need RCPT command", "no accepted recipient")
end)

test("nested MAIL", function()
  local S = greeted()
  says(S, "MAIL FROM:<alice@a.example>", "250 2.1.0 Ok")
  says(S, "MAIL FROM:<alice@a.example>", "503 5.5.1 Error: nested MAIL command")
end)

test("DATA takes no argument", function()
  local S = greeted()
  S:lines({"MAIL FROM:<alice@a.example>", "RCPT TO:<alice@a.example>"})
  says(S, "DATA now", "501 5.5.4 Syntax: DATA")
end)

test("RSET resets the transaction; RSET takes no argument", function()
  local S = greeted()
  S:lines({"MAIL FROM:<alice@a.example>", "RCPT TO:<alice@a.example>"})
  says(S, "RSET x", "501 5.5.4 Syntax: RSET")
  says(S, "RSET", "250 2.0.0 Ok")
  says(S, "DATA", "503 5.5.1 Error: need MAIL command")
  says(S, "MAIL FROM:<alice@a.example>", "250 2.1.0 Ok")
end)

test("NOOP, with or without an argument", function()
  local S = connect()
  says(S, "NOOP", "250 2.0.0 Ok")
  says(S, "NOOP hello", "250 2.0.0 Ok")
end)

test("QUIT says Bye and closes; later lines are not answered", function()
  local S = greeted()
  says(S, "QUIT", "221 2.0.0 Bye")
  eq(S.closed, true, "closed")
  same(S:line("NOOP"), {}, "after QUIT")
end)

-- MAIL -------------------------------------------------------------------------

test("MAIL syntax errors", function()
  local S = greeted()
  says(S, "MAIL", "501 5.5.4 Syntax: MAIL FROM:<address>")
  says(S, "MAIL TO:<alice@a.example>", "501 5.5.4 Syntax: MAIL FROM:<address>")
  says(S, "MAIL FROM:", "501 5.5.4 Syntax: MAIL FROM:<address>")
  says(S, "MAIL FROM <alice@a.example>", "501 5.5.4 Syntax: MAIL FROM:<address>")
end)

test("MAIL bad sender address", function()
  local S = greeted()
  says(S, "MAIL FROM:<alice@a.example", "501 5.1.7 Bad sender address syntax")
  says(S, "MAIL FROM:<al ice@a.example>", "501 5.1.7 Bad sender address syntax")
  says(S, "MAIL FROM:<alice@>", "501 5.1.7 Bad sender address syntax")
  says(S, "MAIL FROM:<@a.example>", "501 5.1.7 Bad sender address syntax")
  says(S, "MAIL FROM:<alice@a..example>", "501 5.1.7 Bad sender address syntax")
  says(S, "MAIL FROM:<.alice@a.example>", "501 5.1.7 Bad sender address syntax")
  says(S, "MAIL FROM:<alice@a.example>junk", "501 5.1.7 Bad sender address syntax")
  says(S, "MAIL FROM:<alice@[192.0.2.300]>", "501 5.1.7 Bad sender address syntax")
end)

test("MAIL accepts the null sender, a blank after the colon, literals, routes", function()
  local S = greeted()
  says(S, "MAIL FROM:<>", "250 2.1.0 Ok")
  S:line("RSET")
  says(S, "MAIL FROM: <alice@a.example>", "250 2.1.0 Ok")
  S:line("RSET")
  says(S, "MAIL FROM:alice@a.example", "250 2.1.0 Ok")
  S:line("RSET")
  says(S, "MAIL FROM:<someone@[192.0.2.10]>", "250 2.1.0 Ok")
  S:line("RSET")
  says(S, 'MAIL FROM:<"john smith"@b.example>', "250 2.1.0 Ok")
  S:line("RSET")
  says(S, "MAIL FROM:<@relay.example:carol@c.example>", "250 2.1.0 Ok")
end)

test("MAIL SIZE within and over the limit", function()
  local S = greeted()
  says(S, "MAIL FROM:<alice@a.example> SIZE=10240000", "250 2.1.0 Ok")
  S:line("RSET")
  says(S, "MAIL FROM:<alice@a.example> SIZE=10240001", "552 5.3.4 Message size exceeds fixed limit")
  says(S, "MAIL FROM:<alice@a.example> SIZE=big", "501 5.5.4 Bad message size syntax")
  S = greeted({max_size = 100})
  says(S, "MAIL FROM:<alice@a.example> SIZE=101", "552 5.3.4 Message size exceeds fixed limit")
end)

test("MAIL BODY and unknown parameters", function()
  local S = greeted()
  says(S, "MAIL FROM:<alice@a.example> BODY=8BITMIME", "250 2.1.0 Ok")
  S:line("RSET")
  says(S, "MAIL FROM:<alice@a.example> body=7bit SIZE=10", "250 2.1.0 Ok")
  S:line("RSET")
  says(S, "MAIL FROM:<alice@a.example> BODY=BINARYMIME", "501 5.5.4 Bad BODY keyword syntax")
  says(S, "MAIL FROM:<alice@a.example> RET=HDRS", "555 5.5.4 Unsupported option: RET")
  says(S, "MAIL FROM:<alice@a.example> AUTH=<>", "250 2.1.0 Ok", "AUTH= is ignored")
end)

-- RCPT -------------------------------------------------------------------------

test("RCPT syntax errors", function()
  local S = greeted()
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "RCPT", "501 5.5.4 Syntax: RCPT TO:<address>")
  says(S, "RCPT FROM:<alice@a.example>", "501 5.5.4 Syntax: RCPT TO:<address>")
  says(S, "RCPT TO:", "501 5.5.4 Syntax: RCPT TO:<address>")
  says(S, "RCPT TO:<>", "501 5.1.3 Bad recipient address syntax")
  says(S, "RCPT TO:<bob@b.example", "501 5.1.3 Bad recipient address syntax")
  says(S, "RCPT TO:<bob@-b.example>", "501 5.1.3 Bad recipient address syntax")
  says(S, "RCPT TO:<alice@a.example> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY")
end)

test("RCPT unknown local user", function()
  local S = greeted()
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "RCPT TO:<carol@a.example>",
       "550 5.1.1 <carol@a.example>: Recipient address rejected: User unknown in local recipient table")
end)

test("RCPT domain is case-insensitive; a bare name gets the local domain", function()
  local S = greeted()
  S:line("MAIL FROM:<bob@b.example>")
  says(S, "RCPT TO:<alice@A.Example>", "250 2.1.5 Ok")
  says(S, "RCPT TO:<alice>", "250 2.1.5 Ok")
end)

test("RCPT relay denied without AUTH", function()
  local S = greeted()
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "RCPT TO:<bob@b.example>", "554 5.7.1 <bob@b.example>: Relay access denied")
end)

test("RCPT relay allowed after AUTH", function()
  local S = authed()
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "RCPT TO:<bob@b.example>", "250 2.1.5 Ok")
  says(S, "RCPT TO:<carol@a.example>",
       "550 5.1.1 <carol@a.example>: Recipient address rejected: User unknown in local recipient table",
       "AUTH does not make up local users")
end)

test("RCPT: 100 recipients, then 452", function()
  local S = greeted()
  S:line("MAIL FROM:<bob@b.example>")
  for i = 1, 100 do says(S, "RCPT TO:<alice@a.example>", "250 2.1.5 Ok", "rcpt " .. i) end
  says(S, "RCPT TO:<alice@a.example>", "452 4.5.3 Error: too many recipients")
  says(S, "DATA", "354 End data with <CR><LF>.<CR><LF>", "the 100 stay accepted")
end)

test("RCPT limit from settings.max_recipients", function()
  local S = greeted({max_recipients = 2})
  S:line("MAIL FROM:<bob@b.example>")
  says(S, "RCPT TO:<alice@a.example>", "250 2.1.5 Ok")
  says(S, "RCPT TO:<alice@a.example>", "250 2.1.5 Ok")
  says(S, "RCPT TO:<alice@a.example>", "452 4.5.3 Error: too many recipients")
end)

-- DATA -------------------------------------------------------------------------

test("DATA: reply after the dot, queue ID, delivery with trace fields", function()
  local S, world = connect()
  S:line("HELO pc1.a.example")
  local reply = transaction(S, "bob@b.example", {"alice@a.example"},
                            {"From: bob@b.example", "Subject: hi", "", "Hello Alice."})
  same(reply, "250 2.0.0 Ok: queued as 4F2A1C0001")
  local box = world.mailboxes["alice@a.example"]
  eq(#box, 1, "messages in alice's mailbox")
  same(lines_of(box[1]), {
    "Return-Path: <bob@b.example>",
    "Received: from pc1.a.example (pc1.a.example [192.0.2.10])",
    "\tby mail.a.example (Postfix) with SMTP id 4F2A1C0001",
    "\tfor <alice@a.example>; Wed, 29 May 2002 10:00:00 +0900",
    "From: bob@b.example",
    "Subject: hi",
    "Date: Wed, 29 May 2002 10:00:00 +0900",
    "Message-ID: <4F2A1C0001@mail.a.example>",
    "",
    "Hello Alice.",
  }, "stored message")
  eq(box[1]:sub(-1), "\n", "last line ends in LF")
  lacks(box[1], "\r", "stored message")
end)

test("DATA: protocol ESMTP after EHLO; unknown rDNS; no 'for' with two recipients", function()
  local S, world = connect(nil, {addr = "203.0.113.7", port = 1025})
  S:line("EHLO friend")
  transaction(S, "bob@b.example", {"alice@a.example", "alice@A.EXAMPLE"},
              {"Date: Tue, 28 May 2002 09:00:00 +0900", "Message-ID: <x@y>", "", "hi"})
  local box = world.mailboxes["alice@a.example"]
  eq(#box, 1, "one copy for a recipient named twice")
  same(lines_of(box[1]), {
    "Return-Path: <bob@b.example>",
    "Received: from friend (unknown [203.0.113.7])",
    "\tby mail.a.example (Postfix) with ESMTP id 4F2A1C0001; Wed, 29 May 2002 10:00:00 +0900",
    "Date: Tue, 28 May 2002 09:00:00 +0900",
    "Message-ID: <x@y>",
    "",
    "hi",
  }, "headers present are left alone")
end)

test("DATA: a body without headers gets Date, Message-ID and a blank line", function()
  local S, world = greeted()
  transaction(S, "", {"alice@a.example"}, {"just text"})
  local l = lines_of(world.mailboxes["alice@a.example"][1])
  eq(l[1], "Return-Path: <>", "null sender")
  same({l[5], l[6], l[7], l[8]}, {"Date: Wed, 29 May 2002 10:00:00 +0900",
       "Message-ID: <4F2A1C0001@mail.a.example>", "", "just text"})
end)

test("DATA: dot-stuffing undone, only a lone dot ends", function()
  local S, world = greeted()
  local reply = transaction(S, "bob@b.example", {"alice@a.example"},
    {"Subject: dots", "", "..", "...", "..leading", ". space", " .", ".x"})
  same(reply, "250 2.0.0 Ok: queued as 4F2A1C0001")
  local l = lines_of(world.mailboxes["alice@a.example"][1])
  same({table.unpack(l, #l - 5)}, {".", "..", ".leading", " space", " .", "x"})
end)

test("DATA: the session goes on after a message", function()
  local S, world = greeted()
  transaction(S, "bob@b.example", {"alice@a.example"}, {"one"})
  same(transaction(S, "bob@b.example", {"alice@a.example"}, {"two"}), "250 2.0.0 Ok: queued as 4F2A1C0002")
  eq(#world.mailboxes["alice@a.example"], 2, "two messages")
end)

test("DATA: a 998-octet line passes, a 999-octet line is refused after the dot", function()
  local S, world = greeted()
  local ok = string.rep("a", 998)
  same(transaction(S, "bob@b.example", {"alice@a.example"}, {ok}), "250 2.0.0 Ok: queued as 4F2A1C0001")
  has(world.mailboxes["alice@a.example"][1], ok .. "\n")
  same(transaction(S, "bob@b.example", {"alice@a.example"}, {"before", ok .. "b", "after"}),
       "500 5.5.2 Error: text line too long")
  eq(#world.mailboxes["alice@a.example"], 1, "the long message was discarded")
  says(S, "MAIL FROM:<bob@b.example>", "250 2.1.0 Ok", "session survives")
end)

test("DATA: a line the host cut is refused after the dot", function()
  local S, world = greeted()
  same(transaction(S, "bob@b.example", {"alice@a.example"}, {string.rep("x", 5000)}),
       "500 5.5.2 Error: text line too long")
  eq(world.mailboxes["alice@a.example"], nil, "nothing delivered")
end)

test("DATA: over max_size is refused after the dot", function()
  local S, world = greeted({max_size = 100})
  -- 10 lines of 8 octets + CRLF = 100 octets: fits exactly.
  local body = {}
  for i = 1, 10 do body[i] = "line " .. string.format("%03d", i) end
  same(transaction(S, "bob@b.example", {"alice@a.example"}, body), "250 2.0.0 Ok: queued as 4F2A1C0001")
  body[11] = "x"
  same(transaction(S, "bob@b.example", {"alice@a.example"}, body),
       "552 5.3.4 Message size exceeds fixed limit")
  eq(#world.mailboxes["alice@a.example"], 1, "the big one was discarded")
  says(S, "NOOP", "250 2.0.0 Ok", "session survives")
end)

test("DATA: a stuffed dot does not count towards the size", function()
  local S = greeted({max_size = 3})
  same(transaction(S, "bob@b.example", {"alice@a.example"}, {".x"}), "250 2.0.0 Ok: queued as 4F2A1C0001")
end)

test("DATA: header-like and command-like lines are text inside DATA", function()
  local S, world = greeted()
  transaction(S, "bob@b.example", {"alice@a.example"}, {"Subject: x", "", "QUIT", "MAIL FROM:<x@y>"})
  local m = world.mailboxes["alice@a.example"][1]
  has(m, "\nQUIT\nMAIL FROM:<x@y>\n")
  eq(S.closed, false, "still open")
end)

test("DATA: a store failure gives 451 and is logged", function()
  local S, world = greeted()
  world.fail_store = "disk full"
  same(transaction(S, "bob@b.example", {"alice@a.example"}, {"x"}), "451 4.3.0 Error: queue file write error")
  has(table.concat(world.logs, "\n"), "disk full")
  world.fail_store = nil
  same(transaction(S, "bob@b.example", {"alice@a.example"}, {"x"}), "250 2.0.0 Ok: queued as 4F2A1C0002")
end)

test("DATA: relay after AUTH queues once, with ESMTPA and added headers", function()
  local S, world = authed()
  same(transaction(S, "alice@a.example", {"bob@b.example"}, {"Subject: to bob", "", "Hi Bob"}),
       "250 2.0.0 Ok: queued as 4F2A1C0001")
  eq(#world.queue, 1, "one queue entry")
  local q = world.queue[1]
  eq(q.id, "4F2A1C0001", "queue id")
  eq(q.from, "alice@a.example", "envelope sender")
  same(q.rcpts, {"bob@b.example"}, "remote recipients")
  same(lines_of(q.message), {
    "Received: from pc1.a.example (pc1.a.example [192.0.2.10])",
    "\tby mail.a.example (Postfix) with ESMTPA id 4F2A1C0001",
    "\tfor <bob@b.example>; Wed, 29 May 2002 10:00:00 +0900",
    "Subject: to bob",
    "Date: Wed, 29 May 2002 10:00:00 +0900",
    "Message-ID: <4F2A1C0001@mail.a.example>",
    "",
    "Hi Bob",
  }, "queued message (no Return-Path before final delivery)")
end)

test("DATA: local and remote recipients in one message", function()
  local S, world = authed()
  transaction(S, "alice@a.example", {"bob@b.example", "alice@a.example", "carol@c.example"}, {"x"})
  eq(#world.mailboxes["alice@a.example"], 1, "local copy")
  same(world.queue[1].rcpts, {"bob@b.example", "carol@c.example"}, "one enqueue for the remote ones")
  lacks(world.queue[1].message, "Return-Path", "queued copy")
end)

-- Line limits and bad input ---------------------------------------------------

test("a 510-octet command passes, 511 is too long", function()
  local S = connect()
  says(S, "NOOP " .. string.rep("x", 505), "250 2.0.0 Ok")
  says(S, "NOOP " .. string.rep("x", 506), "500 5.5.2 Error: line too long")
  says(S, string.rep("y", 5000), "500 5.5.2 Error: line too long", "cut by the host")
  says(S, "NOOP", "250 2.0.0 Ok", "session survives")
end)

test("control characters are refused; TAB is a separator", function()
  local S = connect()
  says(S, "NOOP\0", "500 5.5.2 Error: command contains invalid characters")
  says(S, "HELO a\rb", "500 5.5.2 Error: command contains invalid characters")
  says(S, "NOOP\27[31m", "500 5.5.2 Error: command contains invalid characters")
  says(S, "HELO\tpc1", "250 mail.a.example")
end)

test("unknown command and empty line", function()
  local S = connect()
  says(S, "FOO bar", "500 5.5.2 Error: command not recognized")
  says(S, "MAILFROM:<alice@a.example>", "500 5.5.2 Error: command not recognized",
       "a typo, not a header: no blank after the colon")
  says(S, "", "500 5.5.2 Error: bad syntax")
  says(S, "NOOP", "250 2.0.0 Ok")
end)

test("a header typed outside DATA: Postfix's trap", function()
  local S, world = greeted()
  says(S, "Subject: hi", "221 2.7.0 Error: I can break rules, too. Goodbye.")
  eq(S.closed, true, "closed")
  has(table.concat(world.logs, "\n"), "non-SMTP command")
  S = greeted()
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "From: alice@a.example", "221 2.7.0 Error: I can break rules, too. Goodbye.",
       "inside a transaction too")
  S = connect()
  says(S, "X-Mailer: tutor", "221 2.7.0 Error: I can break rules, too. Goodbye.", "before HELO")
end)

-- VRFY, EXPN, HELP ----------------------------------------------------------------

test("VRFY disabled by default, 252 when enabled; EXPN disabled", function()
  local S = connect()
  says(S, "VRFY alice", "502 5.5.1 VRFY command is disabled")
  says(S, "EXPN staff", "502 5.5.1 EXPN command is disabled")
  S = connect({vrfy = true})
  says(S, "VRFY alice", "252 2.5.2 Cannot VRFY user, but will accept message")
  says(S, "VRFY", "501 5.5.4 Syntax: VRFY address")
end)

test("HELP lists the topics as sendmail does", function()
  local S = connect()
  says(S, "HELP", {
    "214-2.0.0 This is the tutor's mail server (mail.a.example)",
    "214-2.0.0 Topics:",
    "214-2.0.0 \tHELO\tEHLO\tMAIL\tRCPT\tDATA",
    "214-2.0.0 \tRSET\tNOOP\tQUIT\tHELP\tVRFY",
    "214-2.0.0 \tEXPN\tAUTH",
    '214-2.0.0 For more info use "HELP <topic>".',
    "214 2.0.0 End of HELP info",
  })
end)

test("HELP <topic> for every verb; unknown topic", function()
  local S = connect()
  says(S, "HELP mail", {"214-2.0.0 MAIL FROM: <sender> [ <parameters> ]",
       "214-2.0.0     Specifies the sender.  Parameters are ESMTP extensions.",
       "214-2.0.0     <> is the null sender, used by bounces.",
       "214 2.0.0 End of HELP info"})
  for _, verb in ipairs({"HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT",
                         "HELP", "VRFY", "EXPN", "AUTH"}) do
    local out = S:line("HELP " .. verb)
    eq(out[1]:sub(1, 10 + #verb), "214-2.0.0 " .. verb, "first line of HELP " .. verb)
    eq(out[#out], "214 2.0.0 End of HELP info", "last line of HELP " .. verb)
  end
  says(S, "HELP STARTTLS", '504 5.3.0 HELP topic "STARTTLS" unknown')
end)

-- AUTH (RFC 4954) ---------------------------------------------------------------

test("AUTH PLAIN with an initial response", function()
  local S = greeted()
  says(S, "AUTH PLAIN " .. b64("\0alice\0alice-pw"), "235 2.7.0 Authentication successful")
end)

test("AUTH PLAIN after an empty challenge; full address as user", function()
  local S = greeted()
  says(S, "AUTH PLAIN", "334 ")
  says(S, b64("\0alice@a.example\0alice-pw"), "235 2.7.0 Authentication successful")
end)

test("AUTH PLAIN wrong password", function()
  local S, world = greeted()
  says(S, "auth plain " .. b64("\0alice\0wrong"), "535 5.7.8 Error: authentication failed: authentication failure")
  lacks(table.concat(world.logs, "\n"), "wrong", "the password is not logged")
  says(S, "MAIL FROM:<alice@a.example>", "250 2.1.0 Ok")
  says(S, "RCPT TO:<bob@b.example>", "554 5.7.1 <bob@b.example>: Relay access denied", "still not authenticated")
end)

test("AUTH PLAIN: authzid must be the user; malformed credentials fail", function()
  local S = greeted()
  says(S, "AUTH PLAIN " .. b64("bob@b.example\0alice\0alice-pw"),
       "535 5.7.8 Error: authentication failed: authentication failure")
  says(S, "AUTH PLAIN " .. b64("alice@a.example\0alice\0alice-pw"), "235 2.7.0 Authentication successful")
  S = greeted()
  says(S, "AUTH PLAIN " .. b64("alice alice-pw"), "535 5.7.8 Error: authentication failed: authentication failure")
  says(S, "AUTH PLAIN =", "535 5.7.8 Error: authentication failed: authentication failure", "empty response")
end)

test("AUTH LOGIN right password", function()
  local S = greeted()
  says(S, "AUTH LOGIN", "334 VXNlcm5hbWU6")
  says(S, b64("alice"), "334 UGFzc3dvcmQ6")
  says(S, b64("alice-pw"), "235 2.7.0 Authentication successful")
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "RCPT TO:<bob@b.example>", "250 2.1.5 Ok")
end)

test("AUTH LOGIN with the user name as initial response", function()
  local S = greeted()
  says(S, "AUTH LOGIN " .. b64("alice@a.example"), "334 UGFzc3dvcmQ6")
  says(S, b64("alice-pw"), "235 2.7.0 Authentication successful")
end)

test("AUTH LOGIN wrong password", function()
  local S = greeted()
  S:line("AUTH LOGIN")
  S:line(b64("alice"))
  says(S, b64("bob-pw"), "535 5.7.8 Error: authentication failed: authentication failure")
  says(S, "AUTH LOGIN", "334 VXNlcm5hbWU6", "may try again")
end)

test("AUTH cancelled with *, and undecodable responses", function()
  local S = greeted()
  S:line("AUTH LOGIN")
  says(S, "*", "501 5.7.0 Authentication aborted")
  says(S, "NOOP", "250 2.0.0 Ok", "back to commands")
  S:line("AUTH PLAIN")
  says(S, "!!!!", "501 5.5.2 Cannot decode response")
  says(S, "AUTH PLAIN abc", "501 5.5.2 Cannot decode response", "length not a multiple of 4")
  says(S, "AUTH PLAIN ab=c", "501 5.5.2 Cannot decode response", "padding inside")
  S:line("AUTH LOGIN")
  S:line(b64("alice"))
  says(S, "*", "501 5.7.0 Authentication aborted", "at the password")
end)

test("AUTH refused out of order", function()
  local S = connect()
  says(S, "AUTH PLAIN " .. b64("\0alice\0alice-pw"), "503 5.5.1 Error: send HELO/EHLO first")
  S:line("EHLO x")
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "AUTH PLAIN " .. b64("\0alice\0alice-pw"), "503 5.5.1 Error: MAIL transaction in progress")
  S:line("RSET")
  says(S, "AUTH PLAIN " .. b64("\0alice\0alice-pw"), "235 2.7.0 Authentication successful")
  says(S, "AUTH PLAIN " .. b64("\0alice\0alice-pw"), "503 5.5.1 Error: already authenticated")
end)

test("an AUTH line may pass 512 octets (RFC 4954 4)", function()
  local S = greeted()
  local long = b64("\0alice\0" .. string.rep("p", 600))
  says(S, "AUTH PLAIN " .. long, "535 5.7.8 Error: authentication failed: authentication failure")
  says(S, "NOOP " .. string.rep("x", 600), "500 5.5.2 Error: line too long", "other commands may not")
end)

test("AUTH unknown mechanism and missing mechanism", function()
  local S = greeted()
  says(S, "AUTH CRAM-MD5", "535 5.7.8 Error: authentication failed: Invalid authentication mechanism")
  says(S, "AUTH", "501 5.5.4 Syntax: AUTH mechanism")
end)

test("AUTH survives a later EHLO; a response line the host cut fails", function()
  local S = authed()
  S:line("EHLO again")
  S:line("MAIL FROM:<alice@a.example>")
  says(S, "RCPT TO:<bob@b.example>", "250 2.1.5 Ok")
  S = greeted()
  S:line("AUTH PLAIN")
  says(S, string.rep("A", 8000), "500 5.5.6 Authentication exchange line is too long")
  says(S, "NOOP", "250 2.0.0 Ok")
end)

-- Connection loss ---------------------------------------------------------------

test("a dropped connection loses the transaction and is logged", function()
  local S, world = greeted()
  S:lines({"MAIL FROM:<bob@b.example>", "RCPT TO:<alice@a.example>", "DATA", "half a message"})
  S:drop()
  eq(world.mailboxes["alice@a.example"], nil, "nothing delivered")
  has(table.concat(world.logs, "\n"), "lost connection after DATA")
end)

-- The relay client against the server ---------------------------------------

-- mail.a.example's client relaying to mail.b.example's smtp.lua.
local function relay(job, opts, server_source, settings)
  local world = mock.world()
  local client = mock.load(CLIENT, world, copy_server(mock.SERVER_A))
  local srv = copy_server(mock.SERVER_B, settings)
  local target = mock.load(server_source and "fake_server.lua" or SMTP, world, srv, server_source)
  local result, transcript = mock.relay(client, target, job, opts)
  return result, transcript, world
end

local function job_of(message, rcpts, from)
  return {id = "4F2A1C00AA", from = from or "alice@a.example", rcpts = rcpts or {"bob@b.example"},
          message = message, helo = "mail.a.example"}
end

local DOTTY = "Received: from pc1 (pc1.a.example [192.0.2.10])\n\tby mail.a.example (Postfix) with ESMTPA id 4F2A1C00AA\n" ..
              "Subject: dots\n\n.\n..\n.leading dot\nend\n"

test("relay: a message reaches bob, with the full dialogue and QUIT", function()
  local result, transcript, world = relay(job_of(DOTTY))
  eq(result.status, "sent", "status")
  eq(result.code, 250, "code")
  eq(result.text, "2.0.0 Ok: queued as 4F2A1C0001", "text")
  eq(result.rcpts["bob@b.example"].code, 250, "bob's code")
  local t = table.concat(transcript, "\n")
  has(t, "<-  220 mail.b.example ESMTP Postfix (tutor)")
  has(t, " -> EHLO mail.a.example")
  has(t, " -> MAIL FROM:<alice@a.example> SIZE=")
  has(t, " -> RCPT TO:<bob@b.example>")
  has(t, " -> DATA")
  has(t, " -> ..\n -> ...\n -> ..leading dot\n", "dot-stuffed on the wire")
  eq(transcript[#transcript - 1], " -> QUIT", "QUIT sent")
  local box = world.mailboxes["bob@b.example"]
  eq(#box, 1, "bob's mailbox")
  local l = lines_of(box[1])
  eq(l[1], "Return-Path: <alice@a.example>", "Return-Path")
  eq(l[2], "Received: from mail.a.example (mail.a.example [192.0.2.25])", "second hop's Received")
  eq(l[3], "\tby mail.b.example (Postfix) with ESMTP id 4F2A1C0001", "ESMTP between servers")
  eq(l[5], "Received: from pc1 (pc1.a.example [192.0.2.10])", "first hop's Received kept")
  same({table.unpack(l, #l - 3)}, {".", "..", ".leading dot", "end"}, "dot lines survive the round trip")
end)

test("relay: the SIZE sent is the message size with CRLF", function()
  local message = "Subject: s\n\nabc\n"
  local _, transcript = relay(job_of(message))
  has(table.concat(transcript, "\n"), "MAIL FROM:<alice@a.example> SIZE=" .. (#message + 3))
end)

test("relay: CRLF line ends in the job and no final newline", function()
  local result, _, world = relay(job_of("Subject: crlf\r\n\r\nline\r\nlast"))
  eq(result.status, "sent", "status")
  local m = world.mailboxes["bob@b.example"][1]
  lacks(m, "\r", "stored")
  has(m, "\nline\nlast\n")
end)

test("relay: a null sender and an 8-bit body", function()
  local _, transcript, world = relay(job_of("Subject: bounce\n\n\227\129\130\n", nil, ""))
  local t = table.concat(transcript, "\n")
  has(t, " -> MAIL FROM:<> SIZE=")
  has(t, "BODY=8BITMIME")
  has(world.mailboxes["bob@b.example"][1], "Return-Path: <>\n")
end)

test("relay: a too-long line is folded, not refused", function()
  local long = string.rep("z", 1500)
  local result, transcript, world = relay(job_of("Subject: long\n\n" .. long .. "\n"))
  eq(result.status, "sent", "status")
  for _, l in ipairs(transcript) do
    if #l - 4 > 998 then error("a line over 998 octets was sent") end
  end
  has(world.mailboxes["bob@b.example"][1], string.rep("z", 998) .. "\n " .. string.rep("z", 502) .. "\n")
end)

test("relay: one recipient unknown, the other delivered", function()
  local result, _, world = relay(job_of("Subject: x\n\nx\n", {"carol@b.example", "bob@b.example"}))
  eq(result.status, "sent", "status")
  eq(result.rcpts["carol@b.example"].code, 550, "carol refused")
  has(result.rcpts["carol@b.example"].text, "User unknown")
  eq(result.rcpts["bob@b.example"].code, 250, "bob's final reply")
  has(result.rcpts["bob@b.example"].text, "queued as")
  eq(#world.mailboxes["bob@b.example"], 1, "bob's copy")
end)

test("relay: all recipients refused fails, without DATA", function()
  local result, transcript = relay(job_of("x\n", {"carol@b.example", "dave@b.example"}))
  eq(result.status, "failed", "status")
  eq(result.code, 550, "code")
  lacks(table.concat(transcript, "\n"), " -> DATA")
  eq(transcript[#transcript - 1], " -> QUIT", "QUIT still sent")
end)

test("relay: a message over the server's SIZE is refused at MAIL", function()
  local result = relay(job_of(string.rep("x", 200) .. "\n"), nil, nil, {max_size = 100})
  eq(result.status, "failed", "status")
  eq(result.code, 552, "code")
  eq(result.rcpts["bob@b.example"].code, 552, "the recipient shares the verdict")
end)

test("relay: the client keeps its state in c.data when the host gives one", function()
  local result = relay(job_of(DOTTY), {client_data = true})
  eq(result.status, "sent", "status")
end)

test("relay: a large message stays within the budget and the pattern guard", function()
  local parts = {"Subject: big", ""}
  for i = 1, 20000 do parts[#parts + 1] = (i % 7 == 0 and "." or "") .. string.format("line %06d of a large message", i) end
  local message = table.concat(parts, "\n") .. "\n"
  local result, _, world = relay(job_of(message))
  eq(result.status, "sent", "status")
  local stored = world.mailboxes["bob@b.example"][1]
  has(stored, "\n.line 000007 of a large message\n", "stuffed line restored")
  has(stored, "line 020000 of a large message\n", "last line")
end)

-- Fake servers for the client's error paths.

local FAKE_HEAD = [[
local replies = ...
function on_connect(s) s:reply(replies.greeting[1], replies.greeting[2]) end
function on_line(s, line)
  local verb = line:match("^(%a+)")
  verb = verb and verb:upper()
  if s.data.in_data then
    if line == "." then s.data.in_data = false; s:reply(table.unpack(replies.dot)) end
    return
  end
  local r = replies[verb] or {250, "2.0.0 Ok"}
  if verb == "DATA" and r[1] == 354 then s.data.in_data = true end
  if verb == "QUIT" then s:reply(221, "2.0.0 Bye"); return s:close() end
  s:reply(r[1], r[2])
end
]]

local function fake(spec)
  local lines = {"local replies = {"}
  for k, v in pairs(spec) do
    lines[#lines + 1] = string.format("  [%q] = {%d, %q},", k, v[1], v[2])
  end
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n") .. "\n" .. FAKE_HEAD:gsub("^local replies = %.%.%.\n", "")
end

local function fake_spec(overrides)
  local spec = {greeting = {220, "fake ESMTP"}, EHLO = {250, "fake"}, HELO = {250, "fake"},
                MAIL = {250, "2.1.0 Ok"}, RCPT = {250, "2.1.5 Ok"},
                DATA = {354, "go ahead"}, dot = {250, "2.0.0 Ok: queued as F1"}}
  for k, v in pairs(overrides or {}) do spec[k] = v end
  return fake(spec)
end

test("relay: EHLO refused with 5xx falls back to HELO, without ESMTP parameters", function()
  local result, transcript = relay(job_of("Subject: x\n\nx\n"), nil,
                                   fake_spec({EHLO = {502, "5.5.2 Error: command not recognized"}}))
  eq(result.status, "sent", "status")
  local t = table.concat(transcript, "\n")
  has(t, " -> EHLO mail.a.example\n<-  502 5.5.2 Error: command not recognized\n -> HELO mail.a.example")
  has(t, " -> MAIL FROM:<alice@a.example>\n", "no SIZE= after HELO")
end)

test("relay: greeting 554 fails, QUIT sent", function()
  local result, transcript = relay(job_of("x\n"), nil, fake_spec({greeting = {554, "5.3.2 go away"}}))
  eq(result.status, "failed", "status")
  eq(result.code, 554, "code")
  eq(result.rcpts["bob@b.example"].code, 554, "recipient")
  eq(transcript[#transcript - 1] or transcript[#transcript], " -> QUIT", "QUIT")
end)

test("relay: 4xx greeting, MAIL, RCPT, DATA or dot defer", function()
  for _, case in ipairs({{greeting = {421, "4.3.2 busy"}}, {MAIL = {451, "4.3.0 try later"}},
                         {RCPT = {450, "4.2.0 greylisted"}}, {DATA = {451, "4.3.0 later"}},
                         {dot = {452, "4.3.1 full"}}}) do
    local result, transcript = relay(job_of("x\n"), nil, fake_spec(case))
    local which = next(case)
    eq(result.status, "deferred", which .. " status")
    eq(result.code, case[which][1], which .. " code")
    eq(result.rcpts["bob@b.example"].code, case[which][1], which .. " recipient")
    has(table.concat(transcript, "\n"), " -> QUIT", which .. " QUIT")
  end
end)

test("relay: 5xx at MAIL, DATA or dot fails", function()
  for _, case in ipairs({{MAIL = {553, "5.1.8 bad sender"}}, {DATA = {554, "5.5.1 no"}},
                         {dot = {554, "5.7.1 spam"}}, {EHLO = {421, "4.7.0 bye"}}}) do
    local result = relay(job_of("x\n"), nil, fake_spec(case))
    local which = next(case)
    eq(result.status, case[which][1] // 100 == 4 and "deferred" or "failed", which .. " status")
    eq(result.code, case[which][1], which .. " code")
  end
end)

test("relay: a multi-line greeting and EHLO reply are collected", function()
  local src = fake_spec() -- replace on_connect with a multi-line greeting
  src = src .. [[
function on_connect(s) s:reply(220, {"fake ESMTP", "welcome", "really"}) end
]]
  local result, transcript = relay(job_of("x\n"), nil, src)
  eq(result.status, "sent", "status")
  local t = table.concat(transcript, "\n")
  has(t, "<-  220 really\n -> EHLO", "EHLO only after the last line")
end)

test("relay: an out-of-place reply defers", function()
  local result = relay(job_of("x\n"), nil, fake_spec({DATA = {250, "2.0.0 Ok?"}}))
  eq(result.status, "deferred", "250 instead of 354")
end)

test("relay: a malformed reply defers", function()
  local src = fake_spec() .. [[
function on_connect(s) s:send("hello there") end
]]
  local result = relay(job_of("x\n"), nil, src)
  eq(result.status, "deferred", "status")
end)

-- The guard itself, so a passing run means something ----------------------------

test("mock pattern guard refuses a costly match", function()
  eq(mock.pattern_cost(510, "^(%S+)%s*(.-)%s*$") > mock.PATTERN_COST_MAX, true, "4 quantifiers on 510")
  eq(mock.pattern_cost(510, "[^ \t]+"), 510 ^ 2, "unanchored one quantifier")
  eq(mock.pattern_cost(4096, "[\0-\8\10-\31\127]"), 4096, "a set is one item")
  eq(mock.pattern_cost(100, "^%d+$", true), 100 ^ 2, "gmatch pays +1 even anchored")
  eq(mock.pattern_cost(100, "^a?%-b$"), 1, "? and %- are free")
  local h = mock.load("costly.lua", mock.world(), mock.SERVER_A,
    'function on_line(s, line) return line:match("^(%S+)%s*(.-)%s*$") end')
  local S = h:connect()
  eq(pcall(S.line, S, "NOOP"), true, "cheap on a short line")
  local ok, err = pcall(S.line, S, "NOOP " .. string.rep("x", 500))
  eq(ok, false, "refused on a 505-octet line")
  has(tostring(err), "pattern too costly")
  h = mock.load("spin.lua", mock.world(), mock.SERVER_A, "function on_line() while true do end end")
  S = h:connect()
  ok, err = pcall(S.line, S, "x")
  has(tostring(err), "instruction budget exceeded")
end)

-- The abuse desk (settings.abuse_desk) -----------------------------------------

local DESK = {abuse_desk = "abuse@a.example"}

local function desk_world()
  local S, world = greeted(DESK)
  world.users["abuse@a.example"] = {address = "abuse@a.example", name = "Abuse desk",
                                    localpart = "abuse", domain = "a.example"}
  return S, world
end

local function answers(world)
  local out = {}
  for _, q in ipairs(world.queue) do
    if q.message:find("Auto-Submitted: auto-replied", 1, true) then out[#out + 1] = q end
  end
  return out
end

test("abuse desk: a report naming our host is answered, the script named", function()
  local S, world = desk_world()
  local r = transaction(S, "bob@b.example", {"abuse@a.example"}, {
    "Subject: spam from you", "", "Here it is:", "",
    "Received: from web.a.example (web.a.example [192.0.2.80])",
    "\tby mx.b.example with ESMTP; Wed, 29 May 2002 10:00:00 +0900",
    "X-Scriptname: formmail.cgi", "From: president@example.com"})
  has(r[1], "250 2.0.0 Ok: queued as")
  eq(#world.mailboxes["abuse@a.example"], 1, "the report is delivered too")
  local a = answers(world)
  eq(#a, 1, "one answer")
  eq(a[1].from, "", "the answer's envelope sender is null (RFC 3834 5.1)")
  same(a[1].rcpts, {"bob@b.example"}, "to the reporter")
  has(a[1].message, "Subject: [ticket ")
  has(a[1].message, "Re: spam from you")
  has(a[1].message, "Received: from web.a.example")
  has(a[1].message, "the script formmail.cgi")
end)

test("abuse desk: the report's own header does not count; no line of ours asks for the whole mail", function()
  local S, world = desk_world()
  transaction(S, "bob@b.example", {"abuse@a.example"}, {
    "Received: from pc1.b.example by mail.a.example; Wed, 29 May 2002 10:00:00 +0900",
    "Subject: spam", "", "I got spam from a.example, please stop it."})
  local a = answers(world)
  eq(#a, 1, "one answer")
  has(a[1].message, "does not show the mail passing")
  has(a[1].message, "every header line")
end)

test("abuse desk: nothing auto-submitted, nothing from <>, nothing for others is answered", function()
  local S, world = desk_world()
  transaction(S, "bob@b.example", {"abuse@a.example"},
              {"Auto-Submitted: auto-replied", "Subject: Re: your ticket", "", "thanks"})
  eq(#answers(world), 0, "an auto-reply is not answered (no loop between two desks)")
  transaction(S, "", {"abuse@a.example"}, {"Subject: bounce", "", "x"})
  eq(#answers(world), 0, "a null sender is not answered")
  transaction(S, "bob@b.example", {"alice@a.example"}, {"Subject: hi", "", "x"})
  eq(#answers(world), 0, "mail for another user is not answered")
end)

test("abuse desk: a report of megabytes is read without a pattern over all of it", function()
  local S, world = desk_world()
  local body = {"Subject: big", ""}
  for i = 1, 20000 do body[#body + 1] = string.rep("x", 60) .. i end
  body[#body + 1] = "X-Scriptname: mailer.php"
  transaction(S, "bob@b.example", {"abuse@a.example"}, body)
  eq(#answers(world), 1, "answered within the budget")
end)

-- The sendmail dialect ---------------------------------------------------------

test("dialect sendmail: a name that leads back is confirmed, (may be forged) otherwise", function()
  local S, world = greeted({dialect = "sendmail"})
  transaction(S, "alice@a.example", {"alice@a.example"}, {"Subject: x", "", "y"})
  local m = world.mailboxes["alice@a.example"][1]
  has(m, "Received: from pc1.a.example (pc1.a.example [192.0.2.10])")
  has(m, "(8.12.1/8.12.1) with ESMTP id")
  lacks(m, "may be forged", "pc1.a.example leads back to 192.0.2.10")
  world.ptr_names = {["192.0.2.10"] = "p10-dion.ne.example"}   -- a name with no address
  transaction(S, "alice@a.example", {"alice@a.example"}, {"Subject: x", "", "y"})
  has(world.mailboxes["alice@a.example"][2],
      "Received: from pc1.a.example (p10-dion.ne.example [192.0.2.10] (may be forged))")
end)

h.finish()
