--[[
smtp_client.lua: the client half of relay. A server that queued mail for
another domain hands each job to this script, which the host has already
connected to the next server (chosen by MX lookup). One dialogue per job:

  220 <- greeting, EHLO (HELO if EHLO is refused), AUTH PLAIN when the job
  carries credentials, MAIL FROM, one RCPT TO per recipient, DATA, the
  message dot-stuffed, ".", QUIT.

The same script is the student's mail client sending (the REPL's `send`):
then job.user and job.password are given, and it authenticates with AUTH
PLAIN (RFC 4954, RFC 4616) before MAIL, as a submission client must to
relay. A server that does not offer AUTH PLAIN is not sent to at all: a
mail client configured with a password does not quietly go without.

Commands are sent one at a time, each after the previous reply; that is
what RFC 5321 asks of a client without PIPELINING and is easier to follow
in a transcript. Like Postfix (smtp_skip_quit_response = yes), QUIT is sent
but its reply is not awaited: the outcome is known by then.

The result goes to c:finish() (scripts/README.md): "sent" when the server
took the message for at least one recipient, "deferred" on a 4xx (try
again later), "failed" on a 5xx (bounce). Each recipient's own answer is
kept in result.rcpts.
]]

local SMTP_TEXT_LINE_MAX = 1000   -- octets with CRLF (RFC 5321 4.5.3.1.6)
local TEXT_MAX = SMTP_TEXT_LINE_MAX - 2

-- States, named as in traces: what the client waits for.
local STATE_GREETING = "GREETING"
local STATE_EHLO = "EHLO"
local STATE_HELO = "HELO"
local STATE_AUTH = "AUTH"         -- AUTH PLAIN sent; waiting for 235
local STATE_MAIL = "MAIL"
local STATE_RCPT = "RCPT"
local STATE_DATA = "DATA"         -- waiting for 354
local STATE_DOT = "DOT"           -- message sent; waiting for the verdict
local STATE_DONE = "DONE"

-- A dialogue's state lives in c.data when the host gives one (as it does
-- for server sessions); otherwise here, keyed by the connection object and
-- dropped with it.
local dialogues = setmetatable({}, {__mode = "k"})

local function dialogue(c, new)
  local ok, data = pcall(function() return c.data end)
  if ok and type(data) == "table" then
    if new then data.smtp_client = new end
    return data.smtp_client
  end
  if new then dialogues[c] = new end
  return dialogues[c]
end

local function class(code)
  return code // 100
end

local function finish(c, d, status, code, text)
  d.state = STATE_DONE
  -- Recipients not yet answered share the dialogue's fate.
  for _, rcpt in ipairs(d.rcpts) do
    if not d.result[rcpt] then d.result[rcpt] = {code = code, text = text} end
  end
  c:send("QUIT")
  c:finish({status = status, code = code, text = text, rcpts = d.result})
end

-- An unwelcome reply ends the dialogue: a 5xx gives up (the host bounces);
-- a 4xx, or a reply that makes no sense here, is tried again later.
local function refuse(c, d, code, text)
  finish(c, d, class(code) == 5 and "failed" or "deferred", code, text)
end

-- Sends the message, then the final dot. The host sends the lines
-- (c:send_text): a leading dot doubled (RFC 5321 4.5.2, transparency, so
-- that no text line can be mistaken for the end of the message), a bare CR
-- dropped (2.3.8: it may not travel inside a line), and a line too long
-- for the wire broken as Postfix does (smtp_line_length_limit), with CR LF
-- SPACE, which MIME readers take as folding. A Lua loop over the lines of
-- a 10 MB message would spend the callback's budget many times over.
local function send_message(c, text)
  c:send_text(text, {fold = TEXT_MAX})
  c:send(".")
end

-- Base64 (RFC 4648 4): the sandbox has no library for it.
local BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local BASE64_CHAR = {}
for i = 1, #BASE64 do BASE64_CHAR[i - 1] = BASE64:sub(i, i) end

local function base64_encode(data)
  local out, byte = {}, string.byte
  local len = #data
  local full = len - len % 3
  for i = 1, full, 3 do
    local a, b, c = byte(data, i, i + 2)
    local n = (a << 16) | (b << 8) | c
    out[#out + 1] = BASE64_CHAR[n >> 18] .. BASE64_CHAR[(n >> 12) & 63]
                    .. BASE64_CHAR[(n >> 6) & 63] .. BASE64_CHAR[n & 63]
  end
  if len - full == 1 then
    local n = byte(data, len) << 16
    out[#out + 1] = BASE64_CHAR[n >> 18] .. BASE64_CHAR[(n >> 12) & 63] .. "=="
  elseif len - full == 2 then
    local a, b = byte(data, len - 1, len)
    local n = (a << 16) | (b << 8)
    out[#out + 1] = BASE64_CHAR[n >> 18] .. BASE64_CHAR[(n >> 12) & 63]
                    .. BASE64_CHAR[(n >> 6) & 63] .. "="
  end
  return table.concat(out)
end

-- The mechanisms of an EHLO line "AUTH PLAIN LOGIN", or of the pre-RFC
-- "AUTH=PLAIN LOGIN" some servers still send; nil for other lines.
local function auth_mechanisms(line)
  local keyword = line:match("^(%S+)")
  if not keyword then return nil end
  keyword = keyword:upper()
  local rest
  if keyword == "AUTH" then
    rest = line:sub(5)
  elseif keyword:sub(1, 5) == "AUTH=" then
    rest = line:sub(6)
  else
    return nil
  end
  local mechanisms = {}
  for name in rest:gmatch("%S+") do mechanisms[name:upper()] = true end
  return mechanisms
end

local function wants_auth(d)
  return d.job.user ~= nil and d.job.password ~= nil
end

local function send_mail(c, d)
  local command = "MAIL FROM:<" .. d.job.from .. ">"
  if d.extensions.SIZE then command = command .. " SIZE=" .. d.job.size end
  if d.extensions["8BITMIME"] and d.job.eight_bit then
    command = command .. " BODY=8BITMIME"  -- RFC 6152 3
  end
  d.state = STATE_MAIL
  c:send(command)
end

-- After EHLO or HELO: AUTH first when the job has credentials, else MAIL.
-- PLAIN (RFC 4616) with the initial response (RFC 4954 4): one round trip,
-- authzid empty, "\0user\0password" in base64.
local function send_auth_or_mail(c, d)
  if not wants_auth(d) then return send_mail(c, d) end
  if not d.auth.PLAIN then
    local offered = {}
    for name in pairs(d.auth) do offered[#offered + 1] = name end
    table.sort(offered)
    local what = #offered > 0 and "it offers " .. table.concat(offered, " ")
                 or "it offers no AUTH"
    return finish(c, d, "failed", 530,
                  "5.7.0 the server does not offer AUTH PLAIN (" .. what
                  .. "): not sending without authentication")
  end
  d.state = STATE_AUTH
  c:send("AUTH PLAIN " .. base64_encode("\0" .. d.job.user .. "\0" .. d.job.password))
end

local function send_rcpt(c, d)
  d.rcpt_index = d.rcpt_index + 1
  c:send("RCPT TO:<" .. d.rcpts[d.rcpt_index] .. ">")
end

local function settle_accepted(d, code, text)
  for _, rcpt in ipairs(d.accepted) do d.result[rcpt] = {code = code, text = text} end
end

-- A complete reply: code, the text of its last line, and all its lines.
local function on_reply(c, d, code, text, lines)
  local state = d.state
  if state == STATE_GREETING then
    if code ~= 220 then return refuse(c, d, code, text) end
    if #d.rcpts == 0 then  -- an empty job: nothing to relay
      return finish(c, d, "failed", 554, "5.1.3 no recipients")
    end
    d.state = STATE_EHLO
    c:send("EHLO " .. d.helo)
  elseif state == STATE_EHLO then
    if class(code) == 5 then  -- an RFC 821 server: say HELO (RFC 5321 3.2)
      d.state = STATE_HELO
      return c:send("HELO " .. d.helo)
    end
    if code ~= 250 then return refuse(c, d, code, text) end
    for i = 2, #lines do
      local keyword = lines[i]:match("^(%S+)")
      if keyword then d.extensions[keyword:upper()] = true end
      local mechanisms = auth_mechanisms(lines[i])
      if mechanisms then
        for name in pairs(mechanisms) do d.auth[name] = true end
      end
    end
    send_auth_or_mail(c, d)
  elseif state == STATE_HELO then
    if code ~= 250 then return refuse(c, d, code, text) end
    send_auth_or_mail(c, d)
  elseif state == STATE_AUTH then
    if code == 235 then return send_mail(c, d) end
    -- 454 (RFC 4954 6) is worth another try later; anything else fails.
    finish(c, d, class(code) == 4 and "deferred" or "failed", code, text)
  elseif state == STATE_MAIL then
    if code ~= 250 then return refuse(c, d, code, text) end
    d.state = STATE_RCPT
    send_rcpt(c, d)
  elseif state == STATE_RCPT then
    local rcpt = d.rcpts[d.rcpt_index]
    d.result[rcpt] = {code = code, text = text}
    if class(code) == 2 then
      d.accepted[#d.accepted + 1] = rcpt
    elseif class(code) == 4 then
      d.any_deferred = true
    end
    d.last_code, d.last_text = code, text
    if d.rcpt_index < #d.rcpts then return send_rcpt(c, d) end
    if #d.accepted == 0 then
      -- Nobody to send to: wait if any refusal was temporary, else give up.
      return finish(c, d, d.any_deferred and "deferred" or "failed", d.last_code, d.last_text)
    end
    d.state = STATE_DATA
    c:send("DATA")
  elseif state == STATE_DATA then
    if code ~= 354 then
      settle_accepted(d, code, text)
      return refuse(c, d, code, text)
    end
    d.state = STATE_DOT
    send_message(c, d.job.message)
  elseif state == STATE_DOT then
    -- The verdict on the message is the verdict for each accepted recipient.
    settle_accepted(d, code, text)
    if class(code) == 2 then return finish(c, d, "sent", code, text) end
    refuse(c, d, code, text)
  end
end

function on_start(c, job)
  local d = {
    job = job,
    helo = job.helo or (server and server.name) or "localhost",
    rcpts = {}, result = {}, accepted = {}, extensions = {}, auth = {},
    rcpt_index = 0, state = STATE_GREETING, lines = {},
  }
  for _, rcpt in ipairs(job.rcpts) do d.rcpts[#d.rcpts + 1] = rcpt end
  dialogue(c, d)
end

-- Replies may span lines: "250-..." goes on, "250 ..." (or a bare "250")
-- ends the reply (RFC 5321 4.2.1).
function on_line(c, line)
  local d = dialogue(c)
  if not d or d.state == STATE_DONE then return end
  local code = line:match("^([2-5]%d%d)")
  local separator = line:sub(4, 4)
  if not code or (separator ~= "" and separator ~= " " and separator ~= "-") then
    -- Not SMTP: a protocol error, worth another try later (RFC 3463 4.5.0).
    return finish(c, d, "deferred", 451, "4.5.0 malformed reply: " .. line:sub(1, 80))
  end
  d.lines[#d.lines + 1] = line:sub(5)
  if separator == "-" then return end
  local lines = d.lines
  d.lines = {}
  on_reply(c, d, tonumber(code), lines[#lines], lines)
end
