--[[
lesson_checks.lua: the checks a lesson.json declares, judged on what really
happened (the transcript the host keeps, and the world's state), never on
what a screen or a recording claims.

The host loads it into a sandbox of its own (no files, no OS, a budget per
call), then the lesson's checks.lua, and calls

  evaluate(steps, cur, events, all, lang, everywhere)

with the steps' objects from lesson.json, the number of the step being
judged, the events since that step began, every event of the lesson,
"en" or "ja", and the lesson's own "mistakes" (looked for on every step).
For each check of step `cur` it calls tutor.result(i, ok, expected,
actual, rule), and for each mistake whose "when" holds, tutor.mistake(k,
i): k is the step (`cur`), or 0 for one of the lesson's own.

An event is a table {kind, step, session, rc, service, host, text, extra}:
  command  text: the command line; host: where it ran; rc: 0 done, 1 failed
           (or no such command), 2 not run (used wrongly, or only --help)
  connect  session, service ("smtp"), host (the server)
  sent     session, service, host, text: a line the student typed in it
           (extra "client": a line the mail client, send or inbox, sent)
  reply    session, service, host, text: a line the server answered (extra
           "client": in the mail client's dialogue)
  closed   session, service, host
  dns      text: the name asked ("mail.b.example."), service: the type,
           host: the server asked, rc: the rcode (-1: no answer),
           extra: the answer's records, one a line
  hint     rc: the hint's number
  relay    text: "FROM TO" as typed; rc: 0 delivered, 1 not; extra: the
           relay's events, one JSON object a line, as relay --json prints
           them ({"event":"forward","node":"r1",...,"next":"r2",...})

The world, read-only: world.mailbox(address) and world.fetched(address)
give the messages (texts) of a server mailbox and of the mail client's
copy; world.queue(node) the entries of a relay queue, each {id, from,
rcpts, status, attempts, last_error}.

A lesson's checks.lua defines functions in the table `checks`:
  function checks.NAME(ctx) return ok, actual end
with ctx = {events, all, lang, world = world, step = the step's object}; it
may use the helpers below (lines_sent, replies, said), and those of the
table `lib` that every lesson's checks want (lib.say, lib.this_step,
lib.command_of, lib.words, lib.set, lib.as_user).
]]

checks = {}

-- ------------------------------------------------------------------------
-- What lessons' checks.lua files share, so that each is not written again
-- in every one.
lib = {}

-- en or ja, as the student reads.
function lib.say(ctx, en, ja)
  return ctx.lang == "ja" and ja or en
end

-- The step the events of this call belong to (0 when nothing happened in
-- it yet).
function lib.this_step(ctx)
  local e = ctx.events[1]
  return e and e.step or 0
end

-- The name and the arguments of a command event.
function lib.command_of(e)
  return string.match(e.text or "", "^(%S+)%s*(.*)$")
end

-- The words of a text, in small letters.
function lib.words(text)
  local w = {}
  for x in string.gmatch(text or "", "%S+") do w[#w + 1] = string.lower(x) end
  return w
end

-- A list as a set: set{"a", "b"}.a is true.
function lib.set(list)
  local s = {}
  for _, n in ipairs(list) do s[n] = true end
  return s
end

-- Whose mail client each event of this step ran in, from the logins of
-- the whole lesson (the client starts as alice's); calls fn(e, user) for
-- each event of this step, and returns what fn returns first.
function lib.as_user(ctx, fn)
  local user, step = "alice", lib.this_step(ctx)
  for _, e in ipairs(ctx.all) do
    if e.kind == "command" and e.rc == 0 then
      local name, args = lib.command_of(e)
      local who = name == "login" and string.match(args, "^(%S+)")
      if who then user = string.match(who, "^[^@]+") end
    end
    if e.step == step then
      local r = fn(e, user)
      if r then return r end
    end
  end
  return false
end

local SAY = {
  en = {
    command = "run %s",
    command_ok = "run %s, and it succeeds",
    ran = "you ran: %s",
    ran_none = "you have not run it yet",
    ran_failed = "\"%s\" did not succeed",
    sent = "a line matching %s sent to the %s server",
    sent_any = "a line matching %s typed in a dialogue",
    sent_none = "you have typed nothing to the %s server in this step",
    sent_last = "your last lines: %s",
    reply = "the server answering %s",
    reply_after = "the server answering %s to your %s",
    replied = "it answered: %s",
    reply_none = "no answer like that yet",
    mailbox = "a message in %s's mailbox",
    mailbox_has = "a message matching %s in %s's mailbox",
    fetched = "a message fetched by %s's mail client",
    fetched_has = "a message matching %s fetched by %s's mail client",
    holds = "it holds %d message(s)",
    queue = "%d message(s) waiting in %s's queue",
    queue_some = "a message waiting in %s's queue",
    waits = "%d wait(s) there",
    dns = "a DNS question for %s",
    dns_rcode = "a DNS question for %s answered %s",
    asked = "you asked: %s",
    asked_none = "you have asked the DNS nothing in this step",
    no_answer = "no answer",
    relay_events = "a relay %s whose events match %s",
    relayed = "you relayed: %s",
    relayed_none = "you have run no relay in this step",
    delivered = "delivered",
    lost = "not delivered",
    negated = "not: %s",
    happened = "it happened: %s",
    no_lua = "checks.%s is not defined in checks.lua",
    any = "any",
  },
  ja = {
    command = "%s を実行する",
    command_ok = "%s を実行して成功する",
    ran = "実行したコマンド: %s",
    ran_none = "まだ実行していません",
    ran_failed = "「%s」は成功しませんでした",
    sent = "%s に合う行を %s サーバに送る",
    sent_any = "%s に合う行を対話で打つ",
    sent_none = "このステップでは %s サーバにまだ何も打っていません",
    sent_last = "最後に打った行: %s",
    reply = "サーバが %s と答える",
    reply_after = "あなたの %2$s にサーバが %1$s と答える",
    replied = "サーバの答え: %s",
    reply_none = "そういう答えはまだありません",
    mailbox = "%s のメールボックスにメールがある",
    mailbox_has = "%s に合うメールが %s のメールボックスにある",
    fetched = "%s のメールクライアントがメールを受け取っている",
    fetched_has = "%s に合うメールを %s のメールクライアントが受け取っている",
    holds = "メールは %d 通です",
    queue = "%2$s のキューに %1$d 通が待っている",
    queue_some = "%s のキューにメールが待っている",
    waits = "待っているのは %d 通です",
    dns = "%s を DNS に問い合わせる",
    dns_rcode = "%s を DNS に問い合わせて %s が返る",
    asked = "問い合わせ: %s",
    asked_none = "このステップではまだ DNS に問い合わせていません",
    no_answer = "答えなし",
    relay_events = "relay %s を実行し、その出来事が %s に合う",
    relayed = "実行した relay: %s",
    relayed_none = "このステップではまだ relay を実行していません",
    delivered = "届いた",
    lost = "届かなかった",
    negated = "次のことをしない: %s",
    happened = "「%s」のとおりになってしまいました",
    no_lua = "checks.lua に checks.%s がありません",
    any = "どれか",
  },
}

local lang = "en"
-- string.format has no %1$s: a message whose words come in another order
-- in Japanese names its arguments by number, and they are put in here.
local function say(key, ...)
  local fmt = (SAY[lang] or SAY.en)[key]
  if not string.find(fmt, "%$") then return string.format(fmt, ...) end
  local args = { ... }
  return (string.gsub(fmt, "%%(%d)%$([sd])", function(i, _) return tostring(args[tonumber(i)]) end))
end

local RCODES = { [0] = "NOERROR", [1] = "FORMERR", [2] = "SERVFAIL", [3] = "NXDOMAIN",
                 [4] = "NOTIMP", [5] = "REFUSED", [-1] = "no answer" }

local function list(p)
  if type(p) == "table" then return p end
  return { p }
end

local function shown(p)
  return table.concat(list(p), " | ")
end

-- The line with its verb in capitals ("mail from:<a>" -> "MAIL FROM:<a>"),
-- as servers read verbs whatever their case (RFC 5321 2.4).
local function verb_upper(line)
  local verb, rest = string.match(line, "^(%a+)(.*)$")
  if not verb then return line end
  local two, rest2 = string.match(rest, "^( [Ff][Rr][Oo][Mm]:)(.*)$")
  if not two then two, rest2 = string.match(rest, "^( [Tt][Oo]:)(.*)$") end
  if two then return string.upper(verb .. two) .. rest2 end
  return string.upper(verb) .. rest
end

-- Does `s` match any of the patterns? Lines typed to a server are also
-- tried with their verb in capitals.
function matches(s, p, typed)
  if s == nil then return false end
  for _, pat in ipairs(list(p)) do
    if string.find(s, pat) then return true end
    if typed and string.find(verb_upper(s), pat) then return true end
  end
  return false
end

-- Whose dialogue an event is: "student" (typed at the prompt, telnet) or
-- "client" (the mail client's); `by` nil or "student", "client", "any".
local function by_ok(e, by)
  if by == "any" then return true end
  return ((e.extra == "client") and "client" or "student") == (by or "student")
end

local function of_kind(ev, kind, service, by)
  local out = {}
  for _, e in ipairs(ev) do
    if e.kind == kind and (service == nil or e.service == service)
       and (kind ~= "sent" and kind ~= "reply" or by_ok(e, by)) then
      out[#out + 1] = e
    end
  end
  return out
end

-- The lines the student typed (to `service`'s servers, or any), oldest
-- first; by "client", those the mail client sent; "any", both.
function lines_sent(ev, service, by)
  local out = {}
  for _, e in ipairs(of_kind(ev, "sent", service, by)) do out[#out + 1] = e.text end
  return out
end

-- Each server reply with the line it answered: {line, reply, session}.
function replies(ev, service, by)
  local out, last = {}, {}
  for _, e in ipairs(ev) do
    if (e.service == service or service == nil) and (e.kind ~= "sent" and e.kind ~= "reply" or by_ok(e, by)) then
      if e.kind == "sent" then last[e.session] = e.text
      elseif e.kind == "reply" then
        out[#out + 1] = { line = last[e.session], reply = e.text, session = e.session }
      end
    end
  end
  return out
end

-- The last few of a list of strings, joined for an "actual" message.
local function last_of(t, n)
  local from = math.max(1, #t - n + 1)
  local parts = {}
  for i = from, #t do parts[#parts + 1] = "\"" .. t[i] .. "\"" end
  return table.concat(parts, ", ")
end

-- Whether the student said `p` to `service` (a helper for checks.lua).
function said(ev, p, service)
  for _, l in ipairs(lines_sent(ev, service)) do
    if matches(l, p, true) then return true end
  end
  return false
end

-- ------------------------------------------------------------------------
-- The kinds. Each returns ok, expected, actual.
local kinds = {}

function kinds.command(c, ev)
  local ran, failed = {}, nil
  for _, e in ipairs(of_kind(ev, "command")) do
    local name, args = string.match(e.text, "^(%S+)%s*(.*)$")
    if name == c.command and (c.args == nil or matches(args, c.args))
       and (c.host == nil or matches(e.host or "", c.host)) then
      if c.ok == false or e.rc == 0 or c.ok == nil then return true end
      failed = e.text
    end
    ran[#ran + 1] = e.text
  end
  local what = c.command .. (c.args and (" " .. shown(c.args)) or "")
  local expect = say(c.ok and "command_ok" or "command", what)
  if failed then return false, expect, say("ran_failed", failed) end
  if #ran == 0 then return false, expect, say("ran_none") end
  return false, expect, say("ran", last_of(ran, 3))
end

function kinds.sent(c, ev)
  local lines = lines_sent(ev, c.service, c.by)
  for _, l in ipairs(lines) do
    if matches(l, c.sent, true) then return true end
  end
  local expect = c.service and say("sent", shown(c.sent), c.service) or say("sent_any", shown(c.sent))
  if #lines == 0 then return false, expect, say("sent_none", c.service or "") end
  return false, expect, say("sent_last", last_of(lines, 3))
end

function kinds.reply(c, ev)
  local seen = {}
  for _, r in ipairs(replies(ev, c.service, c.by)) do
    if c.after == nil or matches(r.line or "", c.after, true) then
      if matches(r.reply, c.reply) then return true end
      seen[#seen + 1] = r.reply
    end
  end
  local expect = c.after and say("reply_after", shown(c.reply), shown(c.after))
                 or say("reply", shown(c.reply))
  if #seen == 0 then return false, expect, say("reply_none") end
  return false, expect, say("replied", last_of(seen, 2))
end

local function box(c, messages, key, who)
  local want = c.count or 1
  local n = 0
  for _, m in ipairs(messages) do
    if c.has == nil or matches(m, c.has) then n = n + 1 end
  end
  local expect = c.has and say(key .. "_has", shown(c.has), who) or say(key, who)
  return n >= want, expect, say("holds", #messages)
end

function kinds.mailbox(c) return box(c, world.mailbox(c.mailbox), "mailbox", c.mailbox) end
function kinds.fetched(c) return box(c, world.fetched(c.fetched), "fetched", c.fetched) end

function kinds.queue(c)
  local q = world.queue(c.queue)
  if c.count == nil then
    return #q > 0, say("queue_some", c.queue), say("waits", #q)
  end
  return #q == c.count, say("queue", c.count, c.queue), say("waits", #q)
end

function kinds.dns(c, ev)
  local asked = {}
  for _, e in ipairs(of_kind(ev, "dns")) do
    local rcode = RCODES[e.rc] or tostring(e.rc)
    if matches(e.text, c.dns) and (c.qtype == nil or c.qtype == e.service)
       and (c.rcode == nil or c.rcode == rcode)
       and (c.answer == nil or matches(e.extra or "", c.answer)) then
      return true
    end
    asked[#asked + 1] = e.text .. " " .. e.service .. " -> " .. rcode
  end
  local what = shown(c.dns) .. (c.qtype and (" " .. c.qtype) or "")
  local expect = c.rcode and say("dns_rcode", what, c.rcode) or say("dns", what)
  if #asked == 0 then return false, expect, say("asked_none") end
  return false, expect, say("asked", last_of(asked, 2))
end

function kinds.relay(c, ev)
  local ran = {}
  for _, e in ipairs(of_kind(ev, "relay")) do
    local ok = e.rc == 0
    if (c.args == nil or matches(e.text, c.args)) and (c.delivered == nil or ok == c.delivered)
       and matches(e.extra or "", c.relay) then
      return true
    end
    ran[#ran + 1] = e.text .. " (" .. say(ok and "delivered" or "lost") .. ")"
  end
  local what = c.args and shown(c.args) or ""
  local expect = say("relay_events", what, shown(c.relay))
  if #ran == 0 then return false, expect, say("relayed_none") end
  return false, expect, say("relayed", table.concat(ran, ", "))
end

function kinds.lua(c, ev, all, step)
  local fn = checks[c.lua]
  if type(fn) ~= "function" then return false, c.lua, say("no_lua", c.lua) end
  local ok, actual = fn({ events = ev, all = all, lang = lang, world = world, step = step })
  return ok and true or false, c.lua, actual
end

local ORDER = { "command", "sent", "reply", "mailbox", "fetched", "queue", "dns", "relay", "lua" }

local function judge(c, ev, all, step)
  local scope = c.scope == "lesson" and all or ev
  for _, k in ipairs(ORDER) do
    if c[k] ~= nil then
      local ok, expect, actual = kinds[k](c, scope, all, step)
      if c["not"] then
        return not ok, say("negated", expect), ok and say("happened", expect) or actual
      end
      return ok, expect, actual
    end
  end
  return false, "?", "?"
end

local function text_of(t)
  if type(t) == "table" then return t[lang] or t.en end
  return t
end

function evaluate(steps, cur, events, all, language, everywhere)
  lang = language
  local step = steps[cur]
  for i, c in ipairs(step.checks or {}) do
    local ok, expect, actual = judge(c, events, all, step)
    tutor.result(i, ok, text_of(c.expect) or expect, actual or "", c.rule or "")
  end
  for i, m in ipairs(step.mistakes or {}) do
    if judge(m.when, events, all, step) then tutor.mistake(cur, i) end
  end
  -- the lesson's own list: mistakes whichever step the student is on
  for i, m in ipairs(everywhere or {}) do
    if judge(m.when, events, all, step) then tutor.mistake(0, i) end
  end
end
