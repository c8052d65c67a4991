--[[
smtp.lua: the tutor's mail server, RFC 5321 SMTP with the extensions that
mail clients expect today: SIZE (RFC 1870), 8BITMIME (RFC 6152), PIPELINING
(RFC 2920), ENHANCEDSTATUSCODES (RFC 2034, codes from RFC 3463) and AUTH
(RFC 4954).

It answers in Postfix's words, because Postfix is what students meet on
real machines; HELP copies sendmail 8.11, as in the lecture's transcript.

The shape is OpenSMTPD's smtp_session.c: a session is always in one named
state; every command has a check (is it legal now, are its arguments right)
that returns a refusal, and a proceed that does the work; every reply goes
out through reply(). The states are strings, so a trace or a log line can
print them as they are (they are their own *_strstate()).

Only the host API of scripts/README.md is used. Host tables are read-only
proxies, so they are walked with ipairs and never measured with #. The
host's pattern guard refuses costly matches (subject length to the power of
the number of quantifiers, plus one when unanchored), so the length of a
line is checked before any pattern sees it, and patterns stay small.
]]

-- Limits ------------------------------------------------------------------

local SMTP_COMMAND_LINE_MAX = 512       -- octets with CRLF (RFC 5321 4.5.3.1.4)
local SMTP_AUTH_LINE_MAX = 12288        -- an AUTH line with its response (RFC 4954 4)
local SMTP_TEXT_LINE_MAX = 1000         -- octets with CRLF (RFC 5321 4.5.3.1.6)
local SMTP_RECIPIENTS_DEFAULT = 100     -- RFC 5321 4.5.3.1.8 asks for at least 100
local SMTP_MESSAGE_SIZE_DEFAULT = 10240000  -- Postfix's message_size_limit
local CRLF_LEN = 2                      -- the host strips the line end; limits count it

local BANNER_DEFAULT = "Postfix (tutor)"

-- Tab completion in the REPL's dialogue.
VERBS = {"HELO", "EHLO", "MAIL FROM:", "RCPT TO:", "DATA", "RSET", "NOOP",
         "QUIT", "HELP", "VRFY", "EXPN", "AUTH"}

-- States ------------------------------------------------------------------

local STATE_INIT = "INIT"                  -- greeted; waiting for HELO/EHLO
local STATE_HELO = "HELO"                  -- introduced; no transaction open
local STATE_MAIL = "MAIL"                  -- sender accepted; no recipient yet
local STATE_RCPT = "RCPT"                  -- at least one recipient accepted
local STATE_DATA = "DATA"                  -- after 354: message text until "."
local STATE_AUTH_PLAIN = "AUTH_PLAIN"      -- after "334 ": PLAIN credentials
local STATE_AUTH_USERNAME = "AUTH_USERNAME"  -- LOGIN: waiting for the user name
local STATE_AUTH_PASSWORD = "AUTH_PASSWORD"  -- LOGIN: waiting for the password
local STATE_QUIT = "QUIT"                  -- closing: later lines are ignored

-- Helpers -----------------------------------------------------------------

local function setting(name, default)
  local settings = server.settings
  local value = settings and settings[name]
  if value == nil then return default end
  return value
end

-- A numeric limit from the world, as an integer (JSON may hand us 1e7).
local function limit(name, default)
  local value = tonumber(setting(name, default)) or default
  return math.tointeger(value) or math.floor(value)
end

-- Postfix's smtpd_hard_error_limit: a client that has earned this many
-- error replies is told so and disconnected, so that one client cannot
-- spend a server's time on garbage for ever (a world may set its own).
local HARD_ERROR_LIMIT_DEFAULT = 20
local AUTH_FAILURE_DELAY_MAX = 8          -- seconds before a 535 answers, at most

-- The one way out for replies; `text` is a string or a list (multi-line,
-- RFC 5321 4.2: "250-" on every line but the last).
local function reply(s, code, text)
  s:reply(code, text)
  local d = s.data
  if code < 400 or code == 421 or d.state == STATE_QUIT then return end
  d.errors = (d.errors or 0) + 1
  if d.errors >= limit("hard_error_limit", HARD_ERROR_LIMIT_DEFAULT) then
    tutor.log("too many errors from " .. tostring(s.client and s.client.addr)
              .. ": disconnected after " .. d.errors)
    d.state, d.tx = STATE_QUIT, nil
    s:reply(421, "4.7.0 " .. server.name .. " Error: too many errors")
    s:close()
  end
end

-- The host strips CR LF. Any other control octet in a command is either a
-- terminal accident or an attack on a log: refuse it. TAB is a separator.
local CONTROL_OCTET = "[\0-\8\10-\31\127]"

local function trim(text)
  local first = text:find("[^ \t]")
  if not first then return "" end
  local last = #text
  while true do
    local byte = text:byte(last)
    if byte ~= 32 and byte ~= 9 then break end
    last = last - 1
  end
  return text:sub(first, last)
end

-- "MAIL FROM:<a>" -> "MAIL", "FROM:<a>". Postfix splits on white space, so
-- leading blanks and tabs are tolerated here too.
local function split_command(line)
  local first = line:find("[^ \t]")
  if not first then return "", "" end
  local gap = line:find("[ \t]", first)
  if not gap then return line:sub(first), "" end
  return line:sub(first, gap - 1), trim(line:sub(gap))
end

-- Like Postfix's is_header(): a line that reads like "Subject: hi" is a
-- message header typed too early, not a command. Unlike Postfix, the colon
-- must be followed by a blank or the end, so that a typo such as
-- "MAILFROM:<a@b>" earns a 500 rather than a disconnection.
local function looks_like_header(line)
  return line:find("^[%w-]+:[ \t]") ~= nil or line:find("^[%w-]+:$") ~= nil
end

local function is_local_domain(domain)
  for _, mine in ipairs(server.domains or {}) do
    if mine:lower() == domain then return true end
  end
  return false
end

-- Addresses ---------------------------------------------------------------

local function valid_local_part(text)
  if text:sub(1, 1) == '"' then
    -- Quoted-string (RFC 5321 4.1.2): no bare quote inside.
    if #text < 2 or text:sub(-1) ~= '"' then return false end
    local inner = text:sub(2, -2):gsub("\\.", "")
    return not inner:find('"', 1, true)
  end
  -- Dot-string: atoms of atext (RFC 5322 3.2.3) joined by single dots.
  return text:find("^[%w!#$%%&'*+/=?^_`{|}~.-]+$") ~= nil
     and text:sub(1, 1) ~= "." and text:sub(-1) ~= "."
     and not text:find("..", 1, true)
end

local function valid_domain(text)
  if text:sub(1, 1) == "[" then
    -- Address literal (RFC 5321 4.1.3); the length test keeps the match cheap.
    local literal = text:sub(2, -2)
    if text:sub(-1) ~= "]" then return false end
    if literal:find("^IPv6:[%x:.]+$") then return true end
    if #literal > 15 then return false end
    local a, b, c, d = literal:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
    if not a then return false end
    for _, octet in ipairs({a, b, c, d}) do
      if tonumber(octet) > 255 then return false end
    end
    return true
  end
  if not text:find("^[%w.-]+$") then return false end
  for label in (text .. "."):gmatch("([^.]*)%.") do
    if label == "" or #label > 63 or label:sub(1, 1) == "-"
       or label:sub(-1) == "-" then
      return false
    end
  end
  return true
end

-- A path's mailbox, or nil when malformed. A source route ("@a,@b:") must
-- be accepted and ignored (RFC 5321 4.1.1.3, Appendix C). A bare local part
-- gets the first local domain, as Postfix appends $myorigin; so
-- "RCPT TO:<Postmaster>" works as 4.5.1 requires.
local function parse_mailbox(path)
  if path:sub(1, 1) == "@" then
    local colon = path:find(":", 1, true)
    if not colon then return nil end
    path = path:sub(colon + 1)
  end
  local at
  for i = #path, 1, -1 do
    if path:byte(i) == 64 then at = i break end
  end
  local localpart, domain
  if at then
    localpart, domain = path:sub(1, at - 1), path:sub(at + 1):lower()
  else
    localpart = path
    for _, mine in ipairs(server.domains or {}) do domain = mine:lower() break end
    domain = domain or server.name:lower()
  end
  if localpart == "" or not valid_local_part(localpart) or not valid_domain(domain) then
    return nil
  end
  return localpart .. "@" .. domain, domain
end

-- "FROM:<path> PARAM=x ..." -> path text, list of {keyword, value}; or nil
-- and "syntax" (no keyword, no path) or "address" (a malformed path).
-- Postfix accepts a blank after the colon and a path without brackets
-- (smtpd_strict_rfc821_envelopes = no): students type both.
local function parse_path_argument(arg, keyword)
  if arg:sub(1, #keyword):upper() ~= keyword then return nil, "syntax" end
  local rest = trim(arg:sub(#keyword + 1))
  if rest == "" then return nil, "syntax" end
  local path, after
  if rest:sub(1, 1) == "<" then
    local close = rest:find(">", 2, true)
    if not close then return nil, "address" end
    path, after = rest:sub(2, close - 1), rest:sub(close + 1)
    if after ~= "" and not after:find("^[ \t]") then return nil, "address" end
  else
    local gap = rest:find("[ \t]")
    path, after = rest:sub(1, (gap or 0) - 1), gap and rest:sub(gap) or ""
    if path:find("[<>]") then return nil, "address" end
  end
  local params = {}
  for word in after:gmatch("[^ \t]+") do
    local eq = word:find("=", 1, true)
    if eq then
      params[#params + 1] = {word:sub(1, eq - 1):upper(), word:sub(eq + 1)}
    else
      params[#params + 1] = {word:upper(), nil}
    end
  end
  return path, params
end

-- Transactions --------------------------------------------------------------

-- RSET, HELO/EHLO and the end of DATA all drop the transaction (4.1.1.5, 4.1.4).
local function reset_transaction(d)
  d.tx = nil
  if d.state ~= STATE_INIT then d.state = STATE_HELO end
end

local function session(s)
  local d = s.data
  if not d.state then d.state = STATE_INIT end
  return d
end

-- Base64 (RFC 4648 4), strict: the sandbox has no library for it.
local BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local BASE64_VALUE = {}
for i = 1, #BASE64 do BASE64_VALUE[BASE64:byte(i)] = i - 1 end
local PAD = 61  -- "="

local function base64_decode(text)
  if #text % 4 ~= 0 then return nil end
  local out = {}
  for i = 1, #text, 4 do
    local a, b, c, e = BASE64_VALUE[text:byte(i)], BASE64_VALUE[text:byte(i + 1)],
                       text:byte(i + 2), text:byte(i + 3)
    if not a or not b then return nil end
    local last = i + 3 == #text
    if c == PAD then
      if e ~= PAD or not last then return nil end
      out[#out + 1] = string.char(((a << 2) | (b >> 4)) & 255)
    else
      c = BASE64_VALUE[c]
      if not c then return nil end
      if e == PAD then
        if not last then return nil end
        out[#out + 1] = string.char(((a << 2) | (b >> 4)) & 255, ((b << 4) | (c >> 2)) & 255)
      else
        e = BASE64_VALUE[e]
        if not e then return nil end
        local n = (a << 18) | (b << 12) | (c << 6) | e
        out[#out + 1] = string.char(n >> 16, (n >> 8) & 255, n & 255)
      end
    end
  end
  return table.concat(out)
end

-- The message ---------------------------------------------------------------

-- The trace field of RFC 5321 4.4; "with" names the protocol as RFC 3848
-- does (ESMTPA: authenticated). "for" only with a single recipient, since
-- listing them all would disclose Bcc recipients. The setting `dialect`
-- picks whose words: "postfix" (the default) or "sendmail", which is the
-- lecture's: its "(may be forged)" says that the name the address has in
-- the reverse DNS does not lead back to that address (the name is not
-- confirmed, so the client may be passing itself off as another host).
-- Whether `name` (what the reverse DNS gave for `addr`) has `addr` among
-- its A records, asked of this host's resolver as sendmail asks: a name
-- that does not lead back is no confirmation. Without a resolver, the
-- world's host list answers.
local function forward_confirmed(name, addr)
  local resolver = server.dns and server.dns[1]
  if not resolver then return tutor.resolve(name) == addr end
  local r = tutor.query(resolver, name, "A", {rd = true})
  if not r or r.rcode ~= "NOERROR" then return false end
  for _, rr in ipairs(r.answer or {}) do
    local w = {}                          -- owner, TTL, class, type, data
    for word in rr:gmatch("%S+") do w[#w + 1] = word end
    if w[4] == "A" and w[5] == addr then return true end
  end
  return false
end

local function received_field(s, d, tx, id, date)
  local addr = s.client and s.client.addr or "0.0.0.0"
  local rdns = tutor.ptr(addr)
  local protocol = d.auth_user and "ESMTPA" or (d.esmtp and "ESMTP" or "SMTP")
  local sendmail = setting("dialect", "postfix") == "sendmail"
  local tcp_info
  if sendmail then
    tcp_info = rdns and string.format("%s [%s]", rdns, addr) or string.format("[%s]", addr)
    if rdns and not forward_confirmed(rdns, addr) then
      tcp_info = tcp_info .. " (may be forged)"
    end
  else
    tcp_info = string.format("%s [%s]", rdns or "unknown", addr)
  end
  local software = sendmail and "(8.12.1/8.12.1)" or "(Postfix)"
  local last = string.format("\tby %s %s with %s id %s", server.name, software, protocol, id)
  if #tx.rcpts == 1 then
    last = last .. "\n\tfor <" .. tx.rcpts[1].address .. ">; " .. date
  else
    last = last .. "; " .. date
  end
  return string.format("Received: from %s (%s)\n", d.helo_name, tcp_info) .. last .. "\n"
end

-- Postfix's cleanup adds Date: and Message-ID: when a message lacks them
-- (RFC 5322 3.6 requires Date and recommends Message-ID), at the end of the
-- header section. A body typed without headers gets a blank line first, or
-- its first line would read as a broken header. Returns the text to put
-- before octet `at` of the message ("" and 1 when nothing is missing).
-- Only the header section is read, line by line, by plain finds.
local function missing_headers(text, id, date)
  local find, sub, match = string.find, string.sub, string.match
  local has, pos, len = {}, 1, #text
  local in_header = false
  while pos <= len do
    local nl = find(text, "\n", pos, true) or len + 1
    local line = sub(text, pos, math.min(nl - 1, pos + 998))
    local name = match(line, "^([!-9;-~]+):")
    if name then
      has[name:lower()] = true
      in_header = true
    elseif not (in_header and find(line, "^[ \t]")) then
      break  -- a blank line, or the body began without one
    end
    pos = nl + 1
  end
  local add = {}
  if not has["date"] then add[#add + 1] = "Date: " .. date .. "\n" end
  if not has["message-id"] then
    add[#add + 1] = "Message-ID: <" .. id .. "@" .. server.name .. ">\n"
  end
  if #add == 0 then return "", 1 end
  if pos <= len and sub(text, pos, pos) ~= "\n" then add[#add + 1] = "\n" end
  return table.concat(add), pos
end

-- Auto-replies (RFC 3834) --------------------------------------------------

-- A provider's abuse desk (the lecture's topic 18: complain to the site the
-- mail came from). The setting `abuse_desk` names the address it answers,
-- "abuse@freehosting.example"; a report that reaches it is delivered as any
-- mail, and the reporter gets an answer from the desk, which reads the
-- report as a desk does: does the header in it show the mail passing our
-- hosts? Then the script that sent it, when the header names one. The
-- answer is sent with a null envelope sender and "Auto-Submitted:
-- auto-replied", and nothing auto-submitted or without a sender is
-- answered, so that two desks never answer each other for ever.
local function header_value(text, name)
  local find, sub, lower = string.find, string.sub, string.lower
  local pos, len, want = 1, #text, lower(name) .. ":"
  while pos <= len do
    local nl = find(text, "\n", pos, true) or len + 1
    local line = sub(text, pos, math.min(nl - 1, pos + 998))
    if line == "" or line == "\r" then return nil end
    if lower(sub(line, 1, #want)) == want then
      return (sub(line, #want + 1):gsub("^[ \t]+", ""):gsub("[ \t\r]+$", ""))
    end
    pos = nl + 1
  end
  return nil
end

-- The lines of the report's Received: fields (the forwarded mail's,
-- inline or as an attachment) that name one of our domains. Line by line
-- with plain finds, in the first REPORT_READ_MAX octets: the header a
-- desk needs is at the start, and a report may be megabytes long.
local REPORT_READ_MAX = 262144

local function our_lines(text)
  local found, lower, find, sub = {}, string.lower, string.find, string.sub
  local len, pos, in_received = math.min(#text, REPORT_READ_MAX), 1, false
  while pos <= len and #found < 20 do
    local nl = find(text, "\n", pos, true) or len + 1
    local line = sub(text, pos, math.min(nl - 1, pos + 998))
    local l = lower(line)
    if find(l, "received:", 1, true) then
      in_received = true
    elseif not find(line, "^[ \t]") then
      in_received = false
    end
    if in_received then
      for _, domain in ipairs(server.domains) do
        if find(l, lower(domain), 1, true) then
          found[#found + 1] = sub(line, 1, 200)
          break
        end
      end
    end
    pos = nl + 1
  end
  return found
end

-- The script an X-Scriptname field names (plain finds: the report may be
-- megabytes long, and a pattern over all of it is too costly).
local function script_named(text)
  local head = text:sub(1, REPORT_READ_MAX)
  local at = head:find("X-Scriptname:", 1, true) or head:find("X-scriptname:", 1, true)
  if not at then return nil end
  local line = head:sub(at + 13, at + 200):match("^[ \t]*([^\r\n]*)")
  return line ~= "" and line:gsub("[^%w%._%-/]", "") or nil
end

local function answer_report(tx, text)
  local desk = setting("abuse_desk", nil)
  if not desk or tx.from == "" then return end
  local auto = header_value(text, "Auto-Submitted")
  if auto and auto:lower() ~= "no" then return end
  local mentions = false
  for _, rcpt in ipairs(tx.rcpts) do
    mentions = mentions or (rcpt.mailbox or rcpt.address):lower() == desk:lower()
  end
  if not mentions then return end
  local id, date = tutor.new_id(), tutor.date()
  -- the report's own header is how it came here: only what it carries counts
  local body_at = text:find("\n\n", 1, true) or text:find("\r\n\r\n", 1, true) or #text
  local report = text:sub(body_at, body_at + REPORT_READ_MAX)
  local lines = our_lines(report)
  local script = script_named(report)
  local said
  if #lines == 0 then
    said = "The report reached us, but the header in it does not show the mail passing\n"
        .. "our network: no Received: line names " .. table.concat(server.domains, ", ") .. ".\n"
        .. "Please send the whole mail, every header line (forwarded as an attachment,\n"
        .. "or pasted into the report), or write to the network that the first\n"
        .. "believable Received: line names."
  else
    said = "The header you sent shows the mail passing our host:\n\n  "
        .. lines[1]:gsub("^[ \t]+", "") .. "\n\n"
    if script then
      said = said .. "It was sent by the script " .. script .. " on one of the web sites we\n"
          .. "host. We have disabled the script and told the site's owner."
    else
      said = said .. "We are looking into which of our users sent it."
    end
  end
  local subject = header_value(text, "Subject") or ""
  local reply = table.concat({
    "Date: " .. date .. "\n",
    "From: Abuse desk <" .. desk .. ">\n",
    "To: <" .. tx.from .. ">\n",
    "Subject: [ticket " .. id .. "] Re: " .. subject:sub(1, 200) .. "\n",
    "Message-ID: <" .. id .. "@" .. server.name .. ">\n",
    "Auto-Submitted: auto-replied\n",
    "MIME-Version: 1.0\n",
    "Content-Type: text/plain; charset=US-ASCII\n",
    "\n",
    "Thank you for your report (ticket " .. id .. ").\n\n",
    said, "\n\n-- \n", "The abuse desk of ", server.domains[1] or server.name, "\n",
  })
  reply = reply:gsub("[\128-\255]", "?")
  local ok, why = tutor.enqueue(id, "", {tx.from}, "Received: by " .. server.name ..
                                  " (abuse desk) id " .. id .. "; " .. date .. "\n", reply)
  if not ok then tutor.log(id .. ": the abuse desk's answer was not queued: " .. tostring(why)) end
  tutor.log(string.format("%s: abuse desk answered <%s> (%d of our lines in the report)", id,
                          tx.from, #lines))
end

local function accept_message(s, d, tx, text)
  local id, date = tutor.new_id(), tutor.date()
  local received = received_field(s, d, tx, id, date)
  -- The message goes to the host in parts, joined there: a 10 MB text is
  -- not copied again in the server's memory, which every session shares.
  local added, at = missing_headers(text, id, date)
  local head, body = received, text
  if added ~= "" then head, body = received .. text:sub(1, at - 1) .. added, text:sub(at) end

  local locals, remotes, seen = {}, {}, {}
  for _, rcpt in ipairs(tx.rcpts) do
    local key = (rcpt.mailbox or rcpt.address):lower()
    if not seen[key] then
      seen[key] = true
      if rcpt.mailbox then locals[#locals + 1] = rcpt.mailbox
      else remotes[#remotes + 1] = rcpt.address end
    end
  end

  -- Postfix writes the queue file once and answers; here each mailbox and
  -- the relay queue are written in turn, so a failure halfway may leave
  -- copies behind when the client retries. The host's writes are durable,
  -- and a duplicate is better than a loss (RFC 5321 6.1).
  local ok, why = true, nil
  local return_path = "Return-Path: <" .. tx.from .. ">\n"
  for _, mailbox in ipairs(locals) do
    ok, why = tutor.deliver(mailbox, return_path .. head, body)
    if not ok then break end
  end
  if ok and #remotes > 0 then
    ok, why = tutor.enqueue(id, tx.from, remotes, head, body)
  end
  if not ok then
    tutor.log(id .. ": queue file write error: " .. tostring(why))
    return reply(s, 451, "4.3.0 Error: queue file write error")
  end
  tutor.log(string.format("%s: from=<%s>, size=%d, nrcpt=%d", id, tx.from,
                          tx.size, #tx.rcpts))
  answer_report(tx, text)
  reply(s, 250, "2.0.0 Ok: queued as " .. id)
end

-- The message, read by the host after 354 (RFC 5321 4.1.1.4): nothing is
-- answered until the final dot (4.2.5); an oversized message or line was
-- read to the end and is refused now, so the client and the server stay
-- in step. Only <CR><LF>.<CR><LF> ends it: a "." after a bare LF is text,
-- as Postfix has it since SMTP smuggling (smtpd_forbid_bare_newline).
function on_message(s, text, info)
  local d = session(s)
  local tx = d.tx
  d.state = STATE_HELO
  d.tx = nil
  if info.bare_lf > 0 then
    tutor.log(string.format("bare <LF> received in DATA from %s (%d lines)%s",
                            tostring(s.client and s.client.addr), info.bare_lf,
                            info.lf_dot and ": <LF>.<LF> is text, not the end" or ""))
  end
  if not tx then return end
  tx.size = info.size
  if info.line_too_long then
    return reply(s, 500, "5.5.2 Error: text line too long")
  elseif info.too_big then
    return reply(s, 552, "5.3.4 Message size exceeds fixed limit")
  elseif info.no_room then
    return reply(s, 452, "4.3.1 Insufficient system storage")
  end
  return accept_message(s, d, tx, text)
end

-- AUTH (RFC 4954) -----------------------------------------------------------

local function auth_done(s, d, user, password)
  d.state = STATE_HELO
  d.auth_login_user = nil
  local address = user ~= "" and tutor.authenticate(user, password)
  if not address then
    -- Whatever the client sent, printable and short in the log.
    tutor.log("authentication failed for \"" .. user:sub(1, 64):gsub("[^ -~]", "?") .. "\"")
    -- each failure waits longer for its answer (1, 2, 4, then 8 s), as
    -- Dovecot's auth_failure_delay and Postfix's error sleep do: guessing
    -- passwords over one connection is slow, and takes a slot meanwhile
    d.auth_failures = (d.auth_failures or 0) + 1
    s:pause(math.min(1 << (d.auth_failures - 1), AUTH_FAILURE_DELAY_MAX))
    return reply(s, 535, "5.7.8 Error: authentication failed: authentication failure")
  end
  d.auth_user = address
  reply(s, 235, "2.7.0 Authentication successful")
end

-- PLAIN (RFC 4616): authzid NUL authcid NUL password. Acting for another
-- identity (an authzid other than oneself) is not offered.
local function auth_plain(s, d, credentials)
  local first = credentials:find("\0", 1, true)
  local second = first and credentials:find("\0", first + 1, true)
  if not second then return auth_done(s, d, "", "") end
  local authzid = credentials:sub(1, first - 1)
  local user = credentials:sub(first + 1, second - 1)
  local password = credentials:sub(second + 1)
  if authzid ~= "" and authzid ~= user then
    local address = tutor.authenticate(user, password)
    if address ~= authzid then return auth_done(s, d, "", "") end
  end
  auth_done(s, d, user, password)
end

-- A response to a 334 challenge. "*" cancels (RFC 4954 4).
local function auth_line(s, d, line, cut)
  if cut then
    d.state = STATE_HELO
    return reply(s, 500, "5.5.6 Authentication exchange line is too long")
  end
  if line == "*" then
    d.state = STATE_HELO
    return reply(s, 501, "5.7.0 Authentication aborted")
  end
  local decoded = base64_decode(line)
  if not decoded then
    d.state = STATE_HELO
    return reply(s, 501, "5.5.2 Cannot decode response")
  end
  if d.state == STATE_AUTH_PLAIN then
    return auth_plain(s, d, decoded)
  elseif d.state == STATE_AUTH_USERNAME then
    d.auth_login_user = decoded
    d.state = STATE_AUTH_PASSWORD
    return reply(s, 334, "UGFzc3dvcmQ6")  -- "Password:"
  end
  auth_done(s, d, d.auth_login_user or "", decoded)
end

-- HELP, in sendmail's helpfile style --------------------------------------

local HELP_TOPICS = {
  HELO = {"HELO <hostname>", "    Introduce yourself."},
  EHLO = {"EHLO <hostname>", "    Introduce yourself, and request extended SMTP mode.",
          "    The reply lists the extensions this server offers."},
  MAIL = {"MAIL FROM: <sender> [ <parameters> ]",
          "    Specifies the sender.  Parameters are ESMTP extensions.",
          "    <> is the null sender, used by bounces."},
  RCPT = {"RCPT TO: <recipient> [ <parameters> ]",
          "    Specifies the recipient.  Can be used any number of times.",
          "    Mail for other domains needs AUTH first (no open relay)."},
  DATA = {"DATA", "    Following text is collected as the message.",
          "    End with a single dot."},
  RSET = {"RSET", "    Resets the system."},
  NOOP = {"NOOP", "    Do nothing."},
  QUIT = {"QUIT", "    Exit the mail server (SMTP)."},
  HELP = {"HELP [ <topic> ]", "    The HELP command gives help info."},
  VRFY = {"VRFY <recipient>", "    Verify an address.  Often disabled, since it helps",
          "    spammers harvest addresses."},
  EXPN = {"EXPN <recipient>", "    Expand an address.  If the address indicates a mailing",
          "    list, return the contents of that list.  Disabled here."},
  AUTH = {"AUTH <mechanism> [ <initial-response> ]",
          "    Start authentication.  Mechanisms: PLAIN LOGIN.",
          "    Credentials travel in base64, which is not encryption."},
}

local function help_reply(s, lines)
  local out = {}
  for i, text in ipairs(lines) do out[i] = "2.0.0 " .. text end
  out[#out + 1] = "2.0.0 End of HELP info"
  reply(s, 214, out)
end

-- Commands ------------------------------------------------------------------

-- check(s, d, arg) returns nothing when the command may proceed, else a
-- reply code and text; it may also return nil and a parsed argument for
-- proceed(s, d, parsed).
local commands = {}

local function check_hello(verb)
  return function(_, _, arg)
    -- no enhanced code: RFC 2034 3 leaves replies to HELO/EHLO without one,
    -- and Postfix follows it
    if arg == "" then return 501, "Syntax: " .. verb .. " hostname" end
    return nil, (split_command(arg))
  end
end

commands.HELO = {
  check = check_hello("HELO"),
  proceed = function(s, d, name)
    d.helo_name, d.esmtp, d.state = name, false, STATE_HELO
    reset_transaction(d)
    reply(s, 250, server.name)
  end,
}

commands.EHLO = {
  check = check_hello("EHLO"),
  proceed = function(s, d, name)
    d.helo_name, d.esmtp, d.state = name, true, STATE_HELO
    reset_transaction(d)
    reply(s, 250, {server.name, "PIPELINING",
                   "SIZE " .. limit("max_size", SMTP_MESSAGE_SIZE_DEFAULT),
                   "8BITMIME", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN", "HELP"})
  end,
}

commands.MAIL = {
  check = function(_, d, arg)
    if d.state == STATE_INIT then return 503, "5.5.1 Error: send HELO/EHLO first" end
    if d.state ~= STATE_HELO then return 503, "5.5.1 Error: nested MAIL command" end
    local path, params = parse_path_argument(arg, "FROM:")
    if not path and params == "syntax" then return 501, "5.5.4 Syntax: MAIL FROM:<address>" end
    local from = ""  -- "<>": the null reverse-path of bounces (4.5.5)
    if path ~= "" then from = path and parse_mailbox(path) end
    if not from then return 501, "5.1.7 Bad sender address syntax" end
    local max_size = limit("max_size", SMTP_MESSAGE_SIZE_DEFAULT)
    for _, param in ipairs(params) do
      local keyword, value = param[1], param[2]
      if keyword == "SIZE" then  -- RFC 1870 6
        if not (value and value:find("^%d+$")) then return 501, "5.5.4 Bad message size syntax" end
        if max_size > 0 and tonumber(value) > max_size then
          return 552, "5.3.4 Message size exceeds fixed limit"
        end
      elseif keyword == "BODY" then  -- RFC 6152 2
        value = value and value:upper()
        if value ~= "7BIT" and value ~= "8BITMIME" then return 501, "5.5.4 Bad BODY keyword syntax" end
      elseif keyword ~= "AUTH" then  -- RFC 4954 5: AUTH= is accepted and ignored
        return 555, "5.5.4 Unsupported option: " .. keyword
      end
    end
    return nil, {from = from, rcpts = {}, size = 0, max_size = max_size}
  end,
  proceed = function(s, d, tx)
    d.tx, d.state = tx, STATE_MAIL
    reply(s, 250, "2.1.0 Ok")
  end,
}

commands.RCPT = {
  check = function(_, d, arg)
    if d.state ~= STATE_MAIL and d.state ~= STATE_RCPT then
      return 503, "5.5.1 Error: need MAIL command"
    end
    local path, params = parse_path_argument(arg, "TO:")
    if not path and params == "syntax" then return 501, "5.5.4 Syntax: RCPT TO:<address>" end
    local address, domain
    if path and path ~= "" then address, domain = parse_mailbox(path) end
    if not address then return 501, "5.1.3 Bad recipient address syntax" end
    if params[1] then return 555, "5.5.4 Unsupported option: " .. params[1][1] end
    if #d.tx.rcpts >= limit("max_recipients", SMTP_RECIPIENTS_DEFAULT) then
      return 452, "4.5.3 Error: too many recipients"  -- 4xx: the client sends the rest later
    end
    local rcpt = {address = address}
    if is_local_domain(domain) then
      local user = tutor.user(address)
      if not user then
        return 550, "5.1.1 <" .. path .. ">: Recipient address rejected: User unknown in local recipient table"
      end
      rcpt.mailbox = user.address or address
    elseif not d.auth_user then
      -- Only our own users may send through us to other domains: an open
      -- relay is a gift to spammers (RFC 5321 3.9, 7.1).
      return 554, "5.7.1 <" .. path .. ">: Relay access denied"
    end
    return nil, rcpt
  end,
  proceed = function(s, d, rcpt)
    d.tx.rcpts[#d.tx.rcpts + 1] = rcpt
    d.state = STATE_RCPT
    reply(s, 250, "2.1.5 Ok")
  end,
}

commands.DATA = {
  check = function(_, d, arg)
    if d.state == STATE_MAIL then return 503, "5.5.1 Error: need RCPT command" end
    if d.state ~= STATE_RCPT then return 503, "5.5.1 Error: need MAIL command" end
    if arg ~= "" then return 501, "5.5.4 Syntax: DATA" end
  end,
  proceed = function(s, d)
    d.state = STATE_DATA
    reply(s, 354, "End data with <CR><LF>.<CR><LF>")
    s:read_message{size_max = d.tx.max_size, line_max = SMTP_TEXT_LINE_MAX}
  end,
}

commands.RSET = {
  check = function(_, _, arg)
    if arg ~= "" then return 501, "5.5.4 Syntax: RSET" end
  end,
  proceed = function(s, d)
    reset_transaction(d)
    reply(s, 250, "2.0.0 Ok")
  end,
}

commands.NOOP = {
  check = function() end,  -- an argument is allowed and ignored (4.1.1.9)
  proceed = function(s) reply(s, 250, "2.0.0 Ok") end,
}

commands.QUIT = {
  check = function() end,
  proceed = function(s, d)
    d.state = STATE_QUIT
    reply(s, 221, "2.0.0 Bye")
    s:close()
  end,
}

commands.HELP = {
  check = function(_, _, arg)
    if arg ~= "" and not HELP_TOPICS[arg:upper()] then
      return 504, '5.3.0 HELP topic "' .. arg .. '" unknown'
    end
    return nil, arg:upper()
  end,
  proceed = function(s, _, topic)
    if topic ~= "" then return help_reply(s, HELP_TOPICS[topic]) end
    help_reply(s, {
      "This is the tutor's mail server (" .. server.name .. ")",
      "Topics:",
      "\tHELO\tEHLO\tMAIL\tRCPT\tDATA",
      "\tRSET\tNOOP\tQUIT\tHELP\tVRFY",
      "\tEXPN\tAUTH",
      'For more info use "HELP <topic>".',
    })
  end,
}

-- VRFY and EXPN hand out addresses to harvesters (RFC 5321 7.3): off unless
-- the world turns VRFY on, and then 252 still confirms nothing (3.5.3).
commands.VRFY = {
  check = function(_, _, arg)
    if setting("vrfy", false) ~= true then return 502, "5.5.1 VRFY command is disabled" end
    if arg == "" then return 501, "5.5.4 Syntax: VRFY address" end
  end,
  proceed = function(s)
    reply(s, 252, "2.5.2 Cannot VRFY user, but will accept message")
  end,
}

commands.EXPN = {
  check = function() return 502, "5.5.1 EXPN command is disabled" end,
}

local AUTH_MECHANISMS = {PLAIN = true, LOGIN = true}

commands.AUTH = {
  check = function(_, d, arg)
    if d.state == STATE_INIT then return 503, "5.5.1 Error: send HELO/EHLO first" end
    if d.state ~= STATE_HELO then return 503, "5.5.1 Error: MAIL transaction in progress" end
    if d.auth_user then return 503, "5.5.1 Error: already authenticated" end
    local mechanism, initial = split_command(arg)
    if mechanism == "" then return 501, "5.5.4 Syntax: AUTH mechanism" end
    mechanism = mechanism:upper()
    if not AUTH_MECHANISMS[mechanism] then
      return 535, "5.7.8 Error: authentication failed: Invalid authentication mechanism"
    end
    return nil, {mechanism = mechanism, initial = initial}
  end,
  proceed = function(s, d, auth)
    local initial = auth.initial
    if initial == "" then
      if auth.mechanism == "PLAIN" then
        d.state = STATE_AUTH_PLAIN
        return reply(s, 334, "")
      end
      d.state = STATE_AUTH_USERNAME
      return reply(s, 334, "VXNlcm5hbWU6")  -- "Username:"
    end
    -- An initial response (RFC 4954 4); "=" stands for an empty one.
    d.state = auth.mechanism == "PLAIN" and STATE_AUTH_PLAIN or STATE_AUTH_USERNAME
    auth_line(s, d, initial == "=" and "" or initial, false)
  end,
}

-- Callbacks -----------------------------------------------------------------

local function command_line(s, d, line, cut)
  local max = SMTP_COMMAND_LINE_MAX
  if line:sub(1, 5):upper() == "AUTH " then max = SMTP_AUTH_LINE_MAX end
  if cut or #line + CRLF_LEN > max then
    return reply(s, 500, "5.5.2 Error: line too long")
  end
  if line:find(CONTROL_OCTET) then
    return reply(s, 500, "5.5.2 Error: command contains invalid characters")
  end
  local verb, arg = split_command(line)
  if verb == "" then return reply(s, 500, "5.5.2 Error: bad syntax") end
  local command = commands[verb:upper()]
  if not command then
    if looks_like_header(line) then
      -- Postfix's answer to a client that sends the message without DATA.
      tutor.log("non-SMTP command from " .. tostring(s.client and s.client.addr)
                .. ": " .. line:sub(1, 100))
      d.state = STATE_QUIT
      reply(s, 221, "2.7.0 Error: I can break rules, too. Goodbye.")
      return s:close()
    end
    return reply(s, 500, "5.5.2 Error: command not recognized")
  end
  local code, result = command.check(s, d, arg)
  if code then return reply(s, code, result) end
  command.proceed(s, d, result)
end

function on_connect(s)
  local d = session(s)
  d.state = STATE_INIT
  local banner = setting("banner", BANNER_DEFAULT)
  -- The greeting names ESMTP (RFC 5321 4.3.1) once, whether or not the
  -- world's banner already starts with it.
  if banner:sub(1, 5):upper() ~= "ESMTP" then banner = "ESMTP " .. banner end
  -- A real client (tutor serve) is told what it would not see: AUTH is
  -- offered without TLS, so its password crosses the network readable.
  if s.client and s.client.socket then
    banner = banner .. " - a simulation: AUTH without TLS, passwords in the clear"
  end
  reply(s, 220, server.name .. " " .. banner)
end

function on_line(s, line, cut, bare_lf)
  local d = session(s)
  if d.state == STATE_QUIT then return end
  if bare_lf and not d.bare_lf_seen then
    -- nc sends LF alone: accepted in commands, as Postfix does, and noted
    d.bare_lf_seen = true
    tutor.log("bare <LF> received from " .. tostring(s.client and s.client.addr)
              .. " (accepted in commands; only <CR><LF>.<CR><LF> ends DATA)")
  end
  if d.state == STATE_AUTH_PLAIN or d.state == STATE_AUTH_USERNAME
     or d.state == STATE_AUTH_PASSWORD then
    return auth_line(s, d, line, cut)
  end
  command_line(s, d, line, cut)
end

function on_close(s)
  local d = session(s)
  if d.state ~= STATE_QUIT then
    -- Postfix's log line for a client that vanished; the transaction is lost.
    tutor.log("lost connection after " .. d.state .. " from "
              .. tostring(s.client and s.client.addr))
  end
  d.state, d.tx = STATE_QUIT, nil
end
