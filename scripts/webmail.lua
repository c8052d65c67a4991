--[[
webmail.lua: a free-mail service reached over the web, as the lecture's
third example was sent (topic 21): the user fills in a form in a browser,
the web server writes the mail and hands it to the mail system. What it
adds is what the lecture reads in such a mail's header:

  Received: from 192.0.2.10 (SquirrelMail authenticated user carol)
          by www.freemail.example with HTTP;
          Wed, 29 May 2002 10:00:00 +0900
  X-Originating-IP: [192.0.2.10]

the address of the browser that sent it, the one trace a web mail leaves
of its user's own terminal.

HTTP/1.0 and 1.1 (RFC 9110, 9112), one request a connection (each answer
says "Connection: close"). GET and HEAD only: the form is sent as a query
string (GET /send?user=carol&password=carol-pw&to=bob%40b.example&...), so
that it can be typed by hand at the prompt (telnet www.freemail.example 80)
as well as sent by curl or a browser through `tutor serve`. A real web mail
posts its form (POST); the host reads lines, and a POST body ends in no
line end, so POST is answered 501. The password in the query string is the
lesson's point, not an oversight: anyone who sees the URL (a proxy's log,
`tap`) sees it.

  GET /                   the form: which fields /send takes
  GET /send?FIELDS        user, password, to (one address), subject, text:
                          the mail is written and queued; 200 with its ID
                          401 when the login is wrong, 400 for a field
                          missing or malformed

Settings (the service's "settings" in the world file): `agent`, the
User-Agent it writes (default "SquirrelMail/1.2.6"), and `software`, the
words in its Received: comment (default "SquirrelMail"). `webmail =
false` turns /send off (a web host that is no mail service).

`formmail` (a path, "/cgi-bin/formmail.cgi") puts a FormMail CGI there,
of the kind web hosts ran in 2002 and spammers found (the lecture's
first example, topic 19): whoever calls it names the recipient and the
From line, no login asked. The mail it writes goes as a CGI's did: handed
to the host's own sendmail as the web server's user, then by SMTP over
the loopback to its daemon, and on to the recipient's server. Its header
reads as the lecture's spam does, bottom up:

  Received: from galaxy.freehosting.example (galaxy.freehosting.example [203.0.113.156])
          by mail.b.example ...                  (the receiver)
  Received: from galaxy.freehosting.example (nobody@galaxy.freehosting.example [127.0.0.1])
          by galaxy.freehosting.example (8.12.1/8.12.1) with ESMTP id ...
  Received: (from nobody@localhost)
          by galaxy.freehosting.example (8.12.1/8.12.1/Submit) id ...
  X-Scriptname: formmail.cgi
  From: whatever the caller wrote

  GET /cgi-bin/formmail.cgi?recipient=bob%40b.example&email=president%40example.com&subject=...&text=...
]]

local REQUEST_LINE_MAX = 4096       -- the host's line cap: beyond it, 414
local HEADER_LINES_MAX = 100        -- then 431 (RFC 6585 5)
local HEADER_OCTETS_MAX = 8192
local SUBJECT_MAX = 200             -- octets of a Subject kept
local TEXT_MAX = 3000               -- octets of a text

local function setting(name, default)
  local value = server.settings and server.settings[name]
  if value == nil then return default end
  return value
end

local REASONS = {
  [200] = "OK", [400] = "Bad Request", [401] = "Unauthorized", [404] = "Not Found",
  [405] = "Method Not Allowed", [414] = "URI Too Long",
  [431] = "Request Header Fields Too Large", [501] = "Not Implemented",
  [505] = "HTTP Version Not Supported",
}

-- HTTP-date (RFC 9110 5.6.7): always GMT, whatever the world's zone.
local DAYS = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"}  -- 1970-01-01 was a Thursday
local MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                "Nov", "Dec"}

local function http_date(t)
  local days, secs = t // 86400, t % 86400
  -- Howard Hinnant's civil_from_days
  local z = days + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return string.format("%s, %02d %s %04d %02d:%02d:%02d GMT", DAYS[days % 7 + 1], d,
                       MONTHS[m], y, secs // 3600, secs // 60 % 60, secs % 60)
end

-- The answer: status line, header, body; then the connection closes.
local function respond(s, code, body, head_only)
  local d = s.data
  local lines = {}
  for line in (body .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  local length = 0
  for _, line in ipairs(lines) do length = length + #line + 2 end
  s:send(string.format("HTTP/%s %d %s", d.version or "1.0", code, REASONS[code]))
  s:send("Date: " .. http_date(tutor.now()))
  s:send("Server: tutor-webmail (" .. server.name .. ")")
  if code == 401 then s:send('WWW-Authenticate: Form realm="' .. server.name .. '"') end
  if code == 405 or code == 501 then s:send("Allow: GET, HEAD") end
  s:send("Content-Type: text/plain; charset=utf-8")
  s:send("Content-Length: " .. length)
  s:send("Connection: close")
  s:send("")
  if not head_only then
    for _, line in ipairs(lines) do s:send(line) end
  end
  d.state = "closed"
  s:close()
end

-- "%41" and "+" of a query string (application/x-www-form-urlencoded).
-- Patterns stay small (the host prices them by the ways their repeated
-- items can share a line of 4096 octets): lines are cut with plain finds.
local function unescape(text)
  text = text:gsub("%+", " ")
  return (text:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function parse_query(query)
  local fields = {}
  for pair in query:gmatch("[^&]+") do
    local eq = pair:find("=", 1, true)
    local k = unescape(eq and pair:sub(1, eq - 1) or pair)
    if fields[k] == nil then fields[k] = unescape(eq and pair:sub(eq + 1) or "") end
  end
  return fields
end

-- The text's lines at most 900 octets (SMTP's limit is 998 with CR LF),
-- each cut before a UTF-8 lead byte; NUL and CR dropped.
local function wrap(text)
  text = text:gsub("\r", ""):gsub("\0", "")
  local out = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    while #line > 900 do
      local at = 900
      while at > 1 and (line:byte(at + 1) & 0xC0) == 0x80 do at = at - 1 end
      out[#out + 1] = line:sub(1, at)
      line = line:sub(at + 1)
    end
    out[#out + 1] = line
  end
  return table.concat(out, "\n")
end

-- Base64 (RFC 4648) for an encoded word.
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(text)
  local out = {}
  for i = 1, #text, 3 do
    local a, b, c = text:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local q = {}
    for k = 1, 4 do
      local v = (n >> (6 * (4 - k))) & 63
      q[k] = B64:sub(v + 1, v + 1)
    end
    if not b then q[3], q[4] = "=", "=" elseif not c then q[4] = "=" end
    out[#out + 1] = table.concat(q)
  end
  return table.concat(out)
end

-- A header's text: as it is when it is printable ASCII, else one RFC 2047
-- word (a Subject of 200 octets at most fits a 998-octet line).
local function header_text(text)
  if not text:find("[^ -~]") then return text end
  return "=?UTF-8?B?" .. base64(text) .. "?="
end

local function valid_address(a)
  return #a <= 254 and a:match("^[%w%.%+%-_]+@[%w%-]+%.[%w%.%-]+$") ~= nil
end

local FORM = [[
%s: free mail on the web

Send a mail with a request like this one (typed at the prompt after
"telnet %s 80", then an empty line):

  GET /send?user=carol&password=carol-pw&to=bob%%40b.example&subject=Hello&text=Hi+Bob HTTP/1.0

Fields: user and password (your account here), to (one address; %%40 is
"@"), subject, text (+ is a space, %%0A a new line). The mail goes out
with your terminal's address in X-Originating-IP.]]

local function send_mail(s, q, head_only)
  local who = tutor.authenticate(q.user or "", q.password or "")
  if not who then
    return respond(s, 401, "Login failed: wrong user name or password.", head_only)
  end
  local to = q.to or ""
  if not valid_address(to) then
    return respond(s, 400, 'The field "to" must be one mail address (bob%40b.example), not "'
                   .. to:gsub("[^ -~]", "?") .. '".', head_only)
  end
  local user = tutor.user(who)
  local subject = (q.subject or ""):sub(1, SUBJECT_MAX):gsub("[\r\n]", " ")
  local text = wrap((q.text or ""):sub(1, TEXT_MAX))
  local id, date = tutor.new_id(), tutor.date()
  local addr = s.client and s.client.addr or "0.0.0.0"
  local from = user.name and user.name ~= ""
               and (header_text(user.name) .. " <" .. who .. ">") or who
  local message = table.concat({
    string.format("Received: from %s (%s authenticated user %s)\n", addr,
                  setting("software", "SquirrelMail"), user.localpart),
    "        by " .. server.name .. " with HTTP;\n",
    "        " .. date .. "\n",
    "X-Originating-IP: [" .. addr .. "]\n",
    "Message-ID: <" .. id .. ".webmail@" .. server.name .. ">\n",
    "Date: " .. date .. "\n",
    "From: " .. from .. "\n",
    "To: " .. to .. "\n",
    "Subject: " .. header_text(subject) .. "\n",
    "User-Agent: " .. setting("agent", "SquirrelMail/1.2.6") .. "\n",
    "MIME-Version: 1.0\n",
    "Content-Type: text/plain; charset=UTF-8\n",
    "Content-Transfer-Encoding: 8bit\n",
    "\n",
    text, text:sub(-1) == "\n" and "" or "\n",
  })
  local ok, why
  if tutor.user(to) and tutor.user(to).domain and server.domains then
    for _, domain in ipairs(server.domains) do
      if domain:lower() == tutor.user(to).domain:lower() then
        ok, why = tutor.deliver(to, "Return-Path: <" .. who .. ">\n" .. message)
        break
      end
    end
  end
  if ok == nil then ok, why = tutor.enqueue(id, who, {to}, message) end
  if not ok then
    tutor.log(id .. ": could not queue: " .. tostring(why))
    return respond(s, 500, "The mail could not be sent: " .. tostring(why), head_only)
  end
  tutor.log(string.format("%s: from=<%s> to=<%s> via HTTP from %s", id, who, to, addr))
  respond(s, 200, "Your mail to " .. to .. " was sent (queued as " .. id .. ").", head_only)
end

-- The FormMail CGI: no login, the caller's From. What sendmail's
-- submission and its daemon add is written here, as they would.
local function formmail(s, q, head_only, path)
  local to, from = q.recipient or "", q.email or ""
  if not valid_address(to) then
    return respond(s, 400, 'The field "recipient" must be one mail address, not "'
                   .. to:gsub("[^ -~]", "?") .. '".', head_only)
  end
  if from ~= "" and not valid_address(from) then
    return respond(s, 400, 'The field "email" must be a mail address.', head_only)
  end
  if from == "" then from = "nobody@" .. server.name end
  local subject = (q.subject or "WWW Form Submission"):sub(1, SUBJECT_MAX):gsub("[\r\n]", " ")
  local text = wrap((q.text or ""):sub(1, TEXT_MAX))
  local submit_id, smtp_id, date = tutor.new_id(), tutor.new_id(), tutor.date()
  local script = path:match("([^/]+)$") or path
  local message = table.concat({
    string.format("Received: from %s (nobody@%s [127.0.0.1])\n", server.name, server.name),
    "        by " .. server.name .. " (8.12.1/8.12.1) with ESMTP id " .. smtp_id .. ";\n",
    "        " .. date .. "\n",
    "Received: (from nobody@localhost)\n",
    "        by " .. server.name .. " (8.12.1/8.12.1/Submit) id " .. submit_id .. ";\n",
    "        " .. date .. "\n",
    "Date: " .. date .. "\n",
    "Message-Id: <" .. submit_id .. "@" .. server.name .. ">\n",
    "X-Scriptname: " .. script .. "\n",
    "From: " .. from .. "\n",
    "To: " .. to .. "\n",
    "Subject: " .. header_text(subject) .. "\n",
    "MIME-Version: 1.0\n",
    "Content-Type: text/plain; charset=UTF-8\n",
    "Content-Transfer-Encoding: 8bit\n",
    "\n",
    text, text:sub(-1) == "\n" and "" or "\n",
  })
  -- the envelope is the web server's user, whatever From says
  local ok, why = tutor.enqueue(smtp_id, "nobody@" .. server.name, {to}, message)
  if not ok then
    tutor.log(smtp_id .. ": could not queue: " .. tostring(why))
    return respond(s, 500, "The form could not be sent: " .. tostring(why), head_only)
  end
  local addr = s.client and s.client.addr or "0.0.0.0"
  tutor.log(string.format("%s: %s from %s: to=<%s> from=<%s>", smtp_id, script, addr, to, from))
  respond(s, 200, "Thank you! Your form was sent to " .. to .. ".", head_only)
end

local function handle(s)
  local d = s.data
  local head_only = d.method == "HEAD"
  if d.version == "1.1" and not d.host then
    return respond(s, 400, "HTTP/1.1 needs a Host: line (RFC 9112 3.2).", head_only)
  end
  local mark = d.target:find("?", 1, true)
  local path = mark and d.target:sub(1, mark - 1) or d.target
  local query = mark and d.target:sub(mark + 1) or ""
  local cgi = setting("formmail", nil)
  if cgi and path == cgi then
    return formmail(s, parse_query(query), head_only, path)
  elseif path == "/" or path == "/index.html" then
    if setting("webmail", true) == false then
      return respond(s, 200, server.name .. ": a web site." ..
                     (cgi and ("\nIts contact form: " .. cgi .. "?recipient=...&email=...&subject=...&text=...") or ""),
                     head_only)
    end
    return respond(s, 200, FORM:format(server.name, server.name), head_only)
  elseif path == "/send" and setting("webmail", true) ~= false then
    return send_mail(s, parse_query(query), head_only)
  end
  respond(s, 404, "No page " .. path:gsub("[^ -~]", "?") .. " here: try /.", head_only)
end

function on_connect(s)
  s.data.state = "request"
  s.data.header_lines, s.data.header_octets = 0, 0
end

function on_line(s, line, cut)
  local d = s.data
  if d.state == "request" then
    if line == "" then return end          -- RFC 9112 2.2: empty lines before it are skipped
    if cut or #line >= REQUEST_LINE_MAX then
      d.version = "1.0"
      return respond(s, 414, "The request line is longer than " .. REQUEST_LINE_MAX .. " octets.")
    end
    local sp1 = line:find(" ", 1, true)
    local sp2 = sp1 and line:find(" ", sp1 + 1, true)
    local method = sp1 and line:sub(1, sp1 - 1)
    local target = sp2 and line:sub(sp1 + 1, sp2 - 1)
    local major, minor
    if sp2 and not line:find(" ", sp2 + 1, true) then
      major, minor = line:sub(sp2 + 1):match("^HTTP/(%d)%.(%d)$")
    end
    if not (major and method:match("^%u+$") and target ~= "") then
      d.version = "1.0"
      return respond(s, 400, 'Not an HTTP request line: "METHOD /path HTTP/1.0" is.')
    end
    if major ~= "1" then
      d.version = "1.0"
      return respond(s, 505, "Only HTTP/1.0 and HTTP/1.1 are spoken here.")
    end
    d.method, d.target, d.version = method, target, "1." .. minor
    if minor ~= "0" then d.version = "1.1" end
    if method ~= "GET" and method ~= "HEAD" then
      return respond(s, 501, method .. " is not taken here: the form is sent by GET (see /).")
    end
    d.state = "header"
  elseif d.state == "header" then
    if line == "" then return handle(s) end
    d.header_lines = d.header_lines + 1
    d.header_octets = d.header_octets + #line + 2
    if cut or d.header_lines > HEADER_LINES_MAX or d.header_octets > HEADER_OCTETS_MAX then
      return respond(s, 431, "The request's header is too large.")
    end
    local colon = line:find(":", 1, true)
    local name = colon and line:sub(1, colon - 1)
    if not (name and #name <= 64 and name:match("^[%w%-]+$")) then
      return respond(s, 400, "Not a header line: \"Name: value\" is.")
    end
    if name:lower() == "host" then d.host = line:sub(colon + 1):match("^[ \t]*(%S*)") end
  end
end
