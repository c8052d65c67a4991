--[[
mock_host.lua: a stand-in for the tutor's C host, enough to run the Lua
server scripts under plain lua5.4 (scripts/README.md is the contract).

It copies what a script would notice about the real host:
  - the sandbox's globals only (no io, os, require, print), a text-only load;
  - `tutor` and `server` as read-only proxies, so `#server.domains` is 0 and
    assignment raises, as with the host's proxies;
  - session objects whose fields cannot be assigned, with s.data the
    script's own table; replies formatted as on the wire and checked (code
    200-599, no CR or LF);
  - lines cut at tutor.LINE_CAP with `cut` true, and sent lines of at most
    SESSION_SEND_MAX octets;
  - POP3's host calls: tutor.apop (the MD5 comes from the md5sum program,
    so the digest does not depend on Lua code under test) and
    tutor.maildrop over the world's mailboxes, locked per session (a
    second open answers nil, "in-use"; closing it or the session's end
    unlocks), with list/read/seen/commit/close;
  - DNS (scripts/README.md "A datagram server"): Host:datagram(q) runs
    on_datagram and returns what s:answer got, as the host would send it
    (ID, RD, CD and the question copied from the query); tutor.lookup over
    in-test zones with zone.h's rules (closest enclosing zone, referral
    with glue, CNAME chains within the server's zones, NXDOMAIN/NODATA
    with the SOA at the negative TTL, REFUSED outside); tutor.query to the
    server registered at an address (nil, "timeout" when there is none or
    it does not answer), every call listed in world.dns.queries;
    tutor.hints from world.dns.hints. Results are read-only proxies, and
    s:answer takes plain tables only (the C host reads them raw);
  - the instruction budget per callback, and the pattern guard of
    tutor/host/sandbox.h: pattern length at most SBX_PATTERN_LEN_MAX, cost
    subject_len ^ (quantifiers [+1 unanchored]) at most SBX_PATTERN_COST_MAX,
    string.rep results at most SBX_STRING_REP_MAX (priced as sandbox.c does:
    "*", "+", "-", %b and %f count; gmatch and gsub always pay the +1).

Usage:
  local mock = dofile("tests/lua/mock_host.lua")
  local world = mock.world()
  local mta = mock.load("scripts/smtp.lua", world, mock.SERVER_A)
  local s = mta:connect()            -- runs on_connect
  local out = s:line("EHLO pc1")      -- lines the server sent in reply
  mock.relay(client_host, server_host, job) -- two scripts joined
  mock.add_mail(world, "bob@b.example", text, uid) -- a message to fetch
  local ns = mock.dns_server(world, "scripts/dns.lua",
                             {name = "ns.b.example", addr = "198.51.100.53"},
                             {{origin = "b.example.", records = {...}}})
  local r = ns:datagram({name = "mail.b.example.", type = "A"})
]]

local M = {}

M.LINE_CAP = 4096
M.SEND_MAX = 65536                 -- SESSION_SEND_MAX: one line from a script
M.MESSAGE_MAX = 64 << 20           -- SESSION_MESSAGE_MAX: s:read_message's most
M.TEXT_LINE_MAX = 1000             -- SESSION_TEXT_LINE_MAX: read_message's default line_max
M.INSTRUCTIONS = 10000000          -- SBX_INSTRUCTIONS_DEFAULT
M.PATTERN_LEN_MAX = 256            -- SBX_PATTERN_LEN_MAX
M.PATTERN_COST_MAX = 1e9           -- SBX_PATTERN_COST_MAX
M.STRING_REP_MAX = 4 << 20         -- SBX_STRING_REP_MAX
M.max_instructions = 0             -- the most one callback used (to within 1000)

M.SERVER_A = {name = "mail.a.example", node = "mail-a", service = "smtp",
              addr = "192.0.2.25", port = 25, domains = {"a.example"}, settings = {}}
M.SERVER_B = {name = "mail.b.example", node = "mail-b", service = "smtp",
              addr = "198.51.100.25", port = 25, domains = {"b.example"}, settings = {}}
M.PC1 = {addr = "192.0.2.10", port = 49152}

-- Read-only proxies ---------------------------------------------------------

local function readonly(t)
  if type(t) ~= "table" then return t end
  return setmetatable({}, {
    __index = function(_, k) return readonly(t[k]) end,
    __newindex = function(_, k) error("attempt to modify read-only field '" .. tostring(k) .. "'", 2) end,
    __metatable = false,
  })
end
M.readonly = readonly

-- The pattern guard -----------------------------------------------------------

local raw = {find = string.find, match = string.match, gmatch = string.gmatch,
             gsub = string.gsub, rep = string.rep}

-- The quantifier count of tutor/host/sandbox.c's pattern_quantifiers(), char for
-- char: "*", "+" and "-" outside sets, plus %b and %f; "?" is free.
local function quantifiers(p)
  local q, i, len = 0, 1, #p
  while i <= len do
    local ch = p:sub(i, i)
    if ch == "%" then
      local nx = p:sub(i + 1, i + 1)
      if nx == "b" or nx == "f" then q = q + 1 end
      i = i + 1
    elseif ch == "[" then
      i = i + 1
      if p:sub(i, i) == "^" then i = i + 1 end
      if p:sub(i, i) == "]" then i = i + 1 end
      while i <= len and p:sub(i, i) ~= "]" do
        if p:sub(i, i) == "%" then i = i + 1 end
        i = i + 1
      end
    elseif ch == "*" or ch == "+" or ch == "-" then
      q = q + 1
    end
    i = i + 1
  end
  return q
end

-- subject_len ^ (quantifiers, +1 unless anchored and not iterating), as
-- sandbox.c's pattern_check() prices a call.
function M.pattern_cost(n, pattern, iterates)
  local anchored = pattern:sub(1, 1) == "^"
  return n ^ (quantifiers(pattern) + ((anchored and not iterates) and 0 or 1))
end

local function guard(subject, pattern, plain, iterates)
  if plain then return end  -- plain finds are linear and always allowed
  subject, pattern = tostring(subject), tostring(pattern)
  if #pattern > M.PATTERN_LEN_MAX then error("pattern too long", 3) end
  local cost = M.pattern_cost(#subject, pattern, iterates)
  if cost > M.PATTERN_COST_MAX then
    error(string.format("pattern too costly: %q on %d octets (cost %.3g)", pattern, #subject, cost), 3)
  end
end

-- Wrapped in host_fn below: in the tutor they are C.
local guarded = {
  find = function(s, p, init, plain) guard(s, p, plain); return raw.find(s, p, init, plain) end,
  match = function(s, p, init) guard(s, p); return raw.match(s, p, init) end,
  gmatch = function(s, p, init) guard(s, p, false, true); return raw.gmatch(s, p, init) end,
  gsub = function(s, p, r, n) guard(s, p, false, true); return raw.gsub(s, p, r, n) end,
  rep = function(s, n, sep)
    if #s * n + (sep and #sep * math.max(n - 1, 0) or 0) > M.STRING_REP_MAX then
      error("string.rep result too large", 2)
    end
    return raw.rep(s, n, sep)
  end,
}

-- The host's own functions are C in the tutor and cost the script nothing;
-- here they are Lua, so the budget hook skips what runs inside them.
-- The wrapper's own instructions are kept inside the in_host window (no
-- table.pack before the decrement), so a call costs the script about what
-- a C call does: a handful of instructions.
local in_host = 0

local function host_return(ok, ...)
  in_host = in_host - 1
  if not ok then error((...), 2) end
  return ...
end

local function host_fn(fn)
  return function(...)
    in_host = in_host + 1
    return host_return(pcall(fn, ...))
  end
end
M.host_fn = host_fn

for k, f in pairs(guarded) do guarded[k] = host_fn(f) end

-- Runs fn under the guard and the instruction budget, as sbx_call() does.
-- The guard is installed in the shared string table, so method calls on
-- strings (line:find) see it too; it is removed before returning.
-- Calls nest: a resolver's tutor.query runs the asked server's script
-- inside the resolver's callback. The inner call gets its own count (its
-- script is another state in the tutor) and the outer hook and in_host
-- window are put back afterwards. M.last_instructions is what the call
-- that returned last used (to within 1000).
local function sandboxed(what, fn, ...)
  local outer_hook, outer_mask, outer_count = debug.gethook()
  local outer_in_host = in_host
  in_host = 0
  for k, f in pairs(guarded) do string[k] = f end
  local count = 0
  debug.sethook(function()
    if in_host == 0 then count = count + 1000 end
    if count > M.INSTRUCTIONS then error("instruction budget exceeded", 2) end
  end, "", 1000)
  local results = table.pack(xpcall(fn, debug.traceback, ...))
  debug.sethook()
  in_host = outer_in_host
  if count > M.max_instructions then M.max_instructions = count end
  M.last_instructions = count
  if outer_hook then
    debug.sethook(outer_hook, outer_mask, outer_count)
  else
    for k, f in pairs(raw) do string[k] = f end
  end
  if not results[1] then error(what .. ": " .. tostring(results[2]), 0) end
  return table.unpack(results, 2, results.n)
end

-- The world -----------------------------------------------------------------

local DATE_OFFSET = 9 * 3600   -- the default world's zone, +0900

function M.world()
  local w = {
    clock = 1022634000,       -- Wed, 29 May 2002 10:00:00 +0900
    next_id = 0,
    users = {
      ["alice@a.example"] = {address = "alice@a.example", name = "Alice",
                             localpart = "alice", domain = "a.example", password = "alice-pw"},
      ["bob@b.example"] = {address = "bob@b.example", name = "Bob",
                           localpart = "bob", domain = "b.example", password = "bob-pw"},
    },
    hosts = {["pc1.a.example"] = "192.0.2.10", ["mail.a.example"] = "192.0.2.25",
             ["mail.b.example"] = "198.51.100.25"},
    dns = {servers = {},      -- address -> {host = a loaded script, zones = {...}}
           hints = {},        -- tutor.hints(): root NS and A records
           queries = {},      -- every tutor.query: {from, to, name, type, rd}
           rtt = 20},         -- simulated milliseconds of each answered query
    mailboxes = {},           -- address -> list of message texts
    uids = {},                -- address -> their UIDLs, in step with mailboxes
    next_uid = 0,
    seen = {},                -- UID -> true once a POP3 RETR marked it
    locks = {},               -- address -> the open maildrop
    commits = {},             -- list of {address, numbers} a maildrop deleted
    fail_maildrop = nil,      -- a reason: maildrop() then fails
    fail_commit = nil,        -- a reason: commit() then fails
    queue = {},               -- list of {server, id, from, rcpts, message}
    logs = {},
    fail_store = nil,         -- a reason: deliver and enqueue then fail
  }
  return w
end

-- MD5 in hex, by the md5sum program.
function M.md5_hex(data)
  local name = os.tmpname()
  local f = assert(io.open(name, "wb"))
  f:write(data)
  f:close()
  local p = assert(io.popen("md5sum < '" .. name .. "'"))
  local out = p:read("a")
  p:close()
  os.remove(name)
  return assert(out:match("^(%x+)"), "md5sum gave no digest")
end

-- The UIDs of an address's messages, made up for any that have none yet
-- (delivered by smtp.lua, or put in the table by a test).
local function uids_of(w, srv, address)
  local box = w.mailboxes[address] or {}
  w.mailboxes[address] = box
  local uids = w.uids[address] or {}
  w.uids[address] = uids
  for i = #uids + 1, #box do
    w.next_uid = w.next_uid + 1
    uids[i] = string.format("%d.M%04X.%s", w.clock, w.next_uid, srv.node or "mock")
  end
  return box, uids
end

-- Puts a message in a mailbox, with its UID when given.
function M.add_mail(w, address, text, uid)
  local box = w.mailboxes[address] or {}
  w.mailboxes[address] = box
  local uids = w.uids[address] or {}
  w.uids[address] = uids
  box[#box + 1] = text
  if uid then
    for i = #uids + 1, #box - 1 do uids[i] = "auto" .. address .. i end
    uids[#box] = uid
  end
end

-- POP3 counts a message with CR LF line ends (RFC 1939 11).
local function pop3_size(text)
  local _, lf = text:gsub("\n", "")
  local _, crlf = text:gsub("\r\n", "")
  local size = #text + lf - crlf
  if text ~= "" and text:sub(-1) ~= "\n" then size = size + 2 end
  return size
end
M.pop3_size = pop3_size

-- Unlocks what session `s` still holds: the host does so when a session
-- ends, whatever the script did.
function M.release(w, s)
  for address, drop in pairs(w.locks) do
    if drop.owner == s then
      drop.open = false
      w.locks[address] = nil
    end
  end
end

local function make_maildrop(w, srv, s, address)
  local box, uids = uids_of(w, srv, address)
  local snapshot = {}
  for i, text in ipairs(box) do snapshot[i] = {text = text, uid = uids[i]} end
  local state = {open = true, owner = s, address = address}
  w.locks[address] = state
  local function usable(n)
    if not state.open then error("maildrop is closed", 3) end
    if n ~= nil then
      assert(math.type(n) == "integer", "message number must be an integer")
      return snapshot[n]
    end
  end
  local drop = {}
  function drop.list()
    usable()
    local list = {}
    for i, m in ipairs(snapshot) do list[i] = {size = pop3_size(m.text), uid = m.uid} end
    return M.readonly(list)
  end
  function drop.read(_, n)
    local m = usable(n)
    if not m then return nil, "no message " .. tostring(n) end
    return m.text
  end
  function drop.seen(_, n)
    local m = usable(n)
    if not m then return nil, "no message " .. tostring(n) end
    w.seen[m.uid] = true
    return true
  end
  function drop.commit(_, numbers)
    usable()
    if w.fail_commit then return nil, w.fail_commit end
    local gone, list = {}, {}
    for _, n in ipairs(numbers) do
      local m = usable(n)
      assert(m, "commit of a message not in the maildrop: " .. tostring(n))
      gone[m.uid] = true
      list[#list + 1] = n
    end
    w.commits[#w.commits + 1] = {address = address, numbers = list}
    local cur_box, cur_uids = uids_of(w, srv, address)
    for i = #cur_box, 1, -1 do
      if gone[cur_uids[i]] then
        table.remove(cur_box, i)
        table.remove(cur_uids, i)
      end
    end
    return true
  end
  function drop.close()
    usable()
    state.open = false
    if w.locks[address] == state then w.locks[address] = nil end
  end
  for k, f in pairs(drop) do drop[k] = M.host_fn(f) end
  return M.readonly(drop)
end

local function make_tutor(w, srv)
  local t = {LINE_CAP = M.LINE_CAP}
  function t.now() return w.clock end
  function t.date(when)
    return os.date("!%a, %d %b %Y %H:%M:%S +0900", (when or w.clock) + DATE_OFFSET)
  end
  function t.new_id()
    w.next_id = w.next_id + 1
    return string.format("4F2A1C%04X", w.next_id)
  end
  local function find_user(address)
    return w.users[tostring(address):lower()]
  end
  function t.user(address)
    local u = find_user(address)
    if not u then return nil end
    return {address = u.address, name = u.name, localpart = u.localpart, domain = u.domain}
  end
  function t.authenticate(user, password)
    assert(type(user) == "string" and type(password) == "string", "authenticate(string, string)")
    local candidates = {user}
    if not user:find("@", 1, true) then
      candidates = {}
      for _, d in ipairs(srv.domains) do candidates[#candidates + 1] = user .. "@" .. d end
    end
    for _, address in ipairs(candidates) do
      local u = find_user(address)
      if u and u.password == password then return u.address end
    end
    return nil
  end
  function t.apop(user, timestamp, digest)
    assert(type(user) == "string" and type(timestamp) == "string" and type(digest) == "string",
           "apop(string, string, string)")
    local candidates = {user}
    if not user:find("@", 1, true) then
      candidates = {}
      for _, d in ipairs(srv.domains) do candidates[#candidates + 1] = user .. "@" .. d end
    end
    for _, address in ipairs(candidates) do
      local u = find_user(address)
      if u and M.md5_hex(timestamp .. u.password) == digest then return u.address end
    end
    return nil
  end
  function t.maildrop(s, address)
    assert(type(address) == "string", "maildrop(session, string)")
    assert(s ~= nil, "maildrop needs the session")
    local u = find_user(address)
    if not u then return nil, "no such user" end
    if w.fail_maildrop then return nil, w.fail_maildrop end
    if w.locks[u.address] then return nil, "in-use" end
    return make_maildrop(w, srv, s, u.address)
  end
  -- deliver and enqueue take the message in parts, joined (server.c)
  local function joined(first, ...)
    local parts = {first, ...}
    for _, p in ipairs(parts) do assert(type(p) == "string", "message parts are strings") end
    return table.concat(parts)
  end
  function t.deliver(address, ...)
    local message = joined(...)
    assert(type(address) == "string", "deliver(string, string...)")
    if w.fail_store then return nil, w.fail_store end
    local box = w.mailboxes[address] or {}
    w.mailboxes[address] = box
    box[#box + 1] = message
    return true
  end
  function t.enqueue(id, from, rcpts, ...)
    local message = joined(...)
    assert(type(id) == "string" and type(from) == "string",
           "enqueue(string, string, table, string...)")
    if w.fail_store then return nil, w.fail_store end
    local list = {}
    for _, r in ipairs(rcpts) do list[#list + 1] = r end
    assert(#list > 0, "enqueue with no recipients")
    w.queue[#w.queue + 1] = {server = srv.name, id = id, from = from, rcpts = list, message = message}
    return true
  end
  function t.resolve(name) return w.hosts[name] end
  function t.ptr(addr)
    -- a reverse name of a test's own (one that leads nowhere), else the host's
    if w.ptr_names and w.ptr_names[addr] then return w.ptr_names[addr] end
    for name, a in pairs(w.hosts) do if a == addr then return name end end
    return nil
  end
  function t.lookup(name, rtype)
    assert(type(name) == "string" and type(rtype) == "string", "lookup(string, string)")
    -- a test may make the host raise, as the real one does for a type it
    -- cannot name
    if w.dns.lookup_error == name then error("unknown record type \"" .. rtype .. "\"") end
    local entry = w.dns.servers[srv.addr]
    return readonly(M.zone_lookup(entry and entry.zones or {}, name, rtype))
  end
  function t.query(addr, name, rtype, opts)
    assert(type(addr) == "string" and type(name) == "string" and type(rtype) == "string",
           "query(string, string, string[, table])")
    local rd = opts ~= nil and opts.rd == true
    w.dns.queries[#w.dns.queries + 1] = {from = srv.addr, to = addr, name = name, type = rtype, rd = rd}
    local target = w.dns.servers[addr]
    if not target then return nil, "timeout" end
    w.dns.next_id = (w.dns.next_id or 0) + 1
    local r = target.host:datagram({id = w.dns.next_id, name = name, type = rtype, rd = rd},
                                   {addr = srv.addr, port = 53})
    if not r then return nil, "timeout" end
    r.rtt = w.dns.rtt
    return readonly(r)
  end
  function t.hints()
    return readonly(w.dns.hints)
  end
  function t.log(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    w.logs[#w.logs + 1] = srv.name .. ": " .. table.concat(parts, " ", 1, parts.n)
  end
  for k, v in pairs(t) do
    if type(v) == "function" then t[k] = host_fn(v) end
  end
  return t
end

-- Scripts ---------------------------------------------------------------------

local SANDBOX_BASE = {"assert", "error", "getmetatable", "ipairs", "next", "pairs",
                      "pcall", "rawequal", "rawget", "rawlen", "rawset", "select",
                      "setmetatable", "tonumber", "tostring", "type", "xpcall",
                      "_VERSION", "string", "table", "math", "utf8"}

local Host = {}
Host.__index = Host

-- Loads a script file (or `source` text) for server `srv` of world `w`.
function M.load(path, w, srv, source)
  local base = {}
  for _, name in ipairs(SANDBOX_BASE) do base[name] = _G[name] end
  local env = setmetatable({}, {__index = base})
  base.load = function(chunk, name, _, e) return load(chunk, name, "t", e or env) end
  base.tutor = readonly(make_tutor(w, srv))
  base.server = readonly(srv)
  local chunk, err
  if source then chunk, err = load(source, "=" .. path, "t", env)
  else chunk, err = loadfile(path, "t", env) end
  if not chunk then error(err, 2) end
  local h = setmetatable({env = env, world = w, srv = srv, path = path, sessions = 0}, Host)
  sandboxed(path, chunk)
  return h
end

function Host:call(fname, ...)
  local fn = rawget(self.env, fname)
  if type(fn) ~= "function" then return end
  return sandboxed(self.path .. " " .. fname, fn, ...)
end

-- Message text in bulk (session.c) --------------------------------------------

-- The lines s:send_text(text, {stop, fold}) sends, as the host cuts them:
-- up to octet `stop`, CR LF or LF ends, bare CRs dropped, a leading dot
-- doubled; a line too long cut at `fold` with a space before each further
-- piece, else in pieces of at most SEND_MAX never inside a UTF-8 sequence.
function M.text_lines(text, stop, fold)
  local out, pos = {}, 1
  stop = stop or #text
  while pos <= stop do
    local nl = raw.find(text, "\n", pos, true)
    if not nl or nl > stop then nl = stop + 1 end
    local line = text:sub(pos, nl - 1)
    if line:sub(-1) == "\r" then line = line:sub(1, -2) end
    line = raw.gsub(line, "\r", "")
    local first = true
    repeat
      local lead = (not first and fold) and " " or (line:sub(1, 1) == "." and "." or "")
      local room = (fold or M.SEND_MAX) - #lead
      local take = math.min(#line, room)
      if not fold and take < #line then
        while take > 1 and (line:byte(take + 1) & 0xC0) == 0x80 do take = take - 1 end
      end
      out[#out + 1] = lead .. line:sub(1, take)
      line = line:sub(take + 1)
      first = false
    until line == ""
    pos = nl + 1
  end
  return out
end

local function check_send_text(text, opts)
  assert(type(text) == "string", "send_text: text must be a string")
  opts = opts or {}
  local stop = opts.stop or #text
  assert(math.type(stop) == "integer" and stop >= 0 and stop <= #text, "send_text: stop")
  assert(opts.fold == nil or (math.type(opts.fold) == "integer" and opts.fold >= 2), "send_text: fold")
  return M.text_lines(text, stop, opts.fold)
end

-- What the host tells a client script of its job's message (session.c's
-- push_job): its RFC 1870 size and whether it has 8-bit octets.
function M.job_facts(job)
  if job.message and job.size == nil then
    local m = job.message
    local size = #m + select(2, raw.gsub(m, "\n", "")) - select(2, raw.gsub(m, "\r\n", ""))
    if m ~= "" and m:sub(-1) ~= "\n" then size = size + 2 end
    job.size, job.eight_bit = size, raw.find(m, "[\128-\255]") ~= nil
  end
  return job
end

-- Sessions ------------------------------------------------------------------

local Session = {}
Session.__index = Session

local function check_text(text)
  assert(type(text) == "string", "text must be a string")
  assert(not text:find("[\r\n]"), "text may not hold CR or LF")
  assert(#text <= M.SEND_MAX, "line too long to send (" .. #text .. " bytes)")
end

-- Connects a client to the script: a new session, then on_connect.
-- `sink(line)`, when given, also receives each line the server sends.
function Host:connect(client, sink)
  self.sessions = self.sessions + 1
  local S = setmetatable({host = self, out = {}, closed = false, sink = sink}, Session)
  local function emit(line)
    S.out[#S.out + 1] = line
    if S.sink then S.sink(line) end
  end
  local fields = {
    id = self.sessions,
    client = readonly(client or M.PC1),
    server = readonly({name = self.srv.name, addr = self.srv.addr, port = self.srv.port}),
    data = {},
    send = host_fn(function(_, text) check_text(text); emit(text) end),
    reply = host_fn(function(_, code, text)
      assert(math.type(code) == "integer" and code >= 200 and code <= 599, "reply code " .. tostring(code))
      local lines = type(text) == "table" and text or {text}
      assert(#lines > 0, "empty reply")
      for i, t in ipairs(lines) do
        check_text(t)
        emit(code .. (i < #lines and "-" or " ") .. t)
      end
    end),
    close = host_fn(function() S.closing = true end),
    read_message = host_fn(function(_, opts)
      assert(type(opts) == "table", "read_message{...}")
      assert(not S.reading, "read_message: a message is being read already")
      assert(type(rawget(self.env, "on_message")) == "function",
             "read_message needs a function on_message(s, text, info)")
      local max = opts.size_max or 0
      S.reading = {size_max = (max == 0 or max > M.MESSAGE_MAX) and M.MESSAGE_MAX or max,
                   line_max = opts.line_max or M.TEXT_LINE_MAX, parts = {}, size = 0, lines = 0,
                   bare_lf = 0, lf_dot = false, too_big = false, line_too_long = false}
    end),
    send_text = host_fn(function(_, text, opts)
      for _, l in ipairs(check_send_text(text, opts)) do emit(l) end
    end),
    pause = host_fn(function(_, seconds)
      assert(type(seconds) == "number" and seconds >= 0 and seconds <= 60, "pause(0 to 60)")
      S.paused = (S.paused or 0) + seconds
    end),
  }
  S.s = setmetatable({}, {
    __index = fields,
    __newindex = function(_, k) error("attempt to set session field '" .. tostring(k) .. "'", 2) end,
  })
  S.data = fields.data
  self:call("on_connect", S.s)
  S:after()
  return S
end

-- After a callback: a close the script asked for takes effect, then on_close.
function Session:after()
  if self.closing and not self.closed then
    self.closed = true
    self.host:call("on_close", self.s)
    M.release(self.host.world, self.s)
  end
end

-- One line of a message the host reads (session.c's reading_line): only
-- a "." with CR LF before and after it ends it.
function Session:read_line(text, bare_lf)
  local r = self.reading
  if not (text == "." and not bare_lf and not self.prev_bare_lf) then
    if bare_lf then r.bare_lf = r.bare_lf + 1 end
    if text == "." then r.lf_dot = true end
    r.lines = r.lines + 1
    if #text + 2 > r.line_max then r.line_too_long = true end
    if text:sub(1, 1) == "." then text = text:sub(2) end
    r.size = r.size + #text + 2
    if r.size > r.size_max then r.too_big = true end
    if not (r.too_big or r.line_too_long) then r.parts[#r.parts + 1] = text .. "\n" end
    return
  end
  self.reading = nil
  local body = (r.too_big or r.line_too_long) and "" or table.concat(r.parts)
  self.host:call("on_message", self.s, body,
                 {size = r.size, lines = r.lines, bare_lf = r.bare_lf, lf_dot = r.lf_dot,
                  too_big = r.too_big, line_too_long = r.line_too_long, no_room = false})
end

-- Feeds one line as the host would (cut at LINE_CAP; the rest is dropped)
-- and returns the lines the script sent in answer. `bare_lf`: the line
-- ended in LF alone.
function Session:line(text, bare_lf)
  local first = #self.out + 1
  if self.closed then return {} end
  if self.reading then
    self:read_line(text, bare_lf)
  else
    local cut = false
    if #text > M.LINE_CAP then text, cut = text:sub(1, M.LINE_CAP), true end
    self.host:call("on_line", self.s, text, cut, bare_lf == true)
  end
  self.prev_bare_lf = bare_lf == true
  self:after()
  return table.move(self.out, first, #self.out, 1, {})
end

-- Feeds several lines; returns all the answers.
function Session:lines(list)
  local all = {}
  for _, text in ipairs(list) do
    for _, l in ipairs(self:line(text)) do all[#all + 1] = l end
  end
  return all
end

-- The client goes away without QUIT.
function Session:drop()
  if self.closed then return end
  self.closed = true
  self.host:call("on_close", self.s)
  M.release(self.host.world, self.s)
end

-- DNS -------------------------------------------------------------------------

M.DNS_CNAME_CHAIN_MAX = 8          -- ZONE_CNAME_CHAIN_MAX of tutor/dns/zone.h
M.DNS_TTL_MAX = 2147483647         -- RFC 2181 8
local DNS_RCODES = {NOERROR = true, NXDOMAIN = true, SERVFAIL = true, REFUSED = true,
                    FORMERR = true, NOTIMP = true}
local DNS_SECTIONS = {"answer", "authority", "additional"}

local function dns_name(name)
  name = name:lower()
  if name:sub(-1) ~= "." then name = name .. "." end
  return name
end

local function dns_under(name, zone)
  return zone == "." or name == zone or name:sub(-#zone - 1) == "." .. zone
end

-- "owner ttl class type rdata" -> its parts, owner lower case. Host code:
-- the raw string functions, outside the guard.
local function dns_fields(text)
  local owner, ttl, class, rtype, rdata = raw.match(text, "^(%S+)%s+(%d+)%s+(%S+)%s+(%S+)%s+(.-)%s*$")
  if not owner then return nil end
  return {owner = dns_name(owner), ttl = tonumber(ttl), class = class, type = rtype:upper(),
          rdata = rdata, text = text}
end
M.dns_fields = dns_fields

local function dns_zone_records(zone)
  if not zone.parsed then
    zone.parsed = {}
    for _, text in ipairs(zone.records) do
      zone.parsed[#zone.parsed + 1] = assert(dns_fields(text), "bad record in test zone: " .. text)
    end
  end
  return zone.parsed
end

-- The authoritative answer of tutor/dns/zone.h's zone_set_lookup over `zones`,
-- a list of {origin = "b.example.", records = {"master-file strings"}}:
-- a new plain table {kind, aa, answer, authority, additional}.
function M.zone_lookup(zones, qname, qtype, hops)
  qname, qtype, hops = dns_name(qname), qtype:upper(), hops or 0
  local result = {kind = "refused", aa = false, answer = {}, authority = {}, additional = {}}
  local zone, origin
  for _, z in ipairs(zones) do
    local o = dns_name(z.origin)
    if dns_under(qname, o) and (not origin or #o > #origin) then zone, origin = z, o end
  end
  if not zone then return result end
  local records = dns_zone_records(zone)
  local function at(name, rtype)
    local list = {}
    for _, rr in ipairs(records) do
      if rr.owner == name and (rtype == nil or rtype == "ANY" or rr.type == rtype) then list[#list + 1] = rr end
    end
    return list
  end
  local function texts(list, into)
    for _, rr in ipairs(list) do into[#into + 1] = rr.text end
    return into
  end
  local function negative(kind)
    local soa = at(origin, "SOA")[1]
    local minimum = tonumber(raw.match(soa.rdata, "(%d+)$"))
    result.kind, result.aa = kind, true
    result.authority = {string.format("%s %d %s SOA %s", soa.owner, math.min(soa.ttl, minimum),
                                      soa.class, soa.rdata)}
    return result
  end
  -- A zone cut between the origin and the name, the highest first.
  local labels = {}
  local name = qname
  while name ~= origin do
    table.insert(labels, 1, name)
    name = raw.match(name, "^[^.]*%.(.*)$")
    if name == "" then name = "." end
  end
  for _, cut in ipairs(labels) do
    local ns = at(cut, "NS")
    if #ns > 0 and not (cut == qname and qtype == "DS") then
      result.kind = "referral"
      texts(ns, result.authority)
      for _, rr in ipairs(ns) do
        local host = dns_name(rr.rdata)
        texts(at(host, "A"), result.additional)
        texts(at(host, "AAAA"), result.additional)
      end
      return result
    end
  end
  local here = at(qname)
  if #here == 0 then
    for _, rr in ipairs(records) do
      if dns_under(rr.owner, qname) then return negative("nodata") end  -- an empty non-terminal
    end
    return negative("nxdomain")
  end
  local wanted = at(qname, qtype)
  if #wanted > 0 then
    result.kind, result.aa = "answer", true
    texts(wanted, result.answer)
    return result
  end
  local cname = at(qname, "CNAME")[1]
  if not cname then return negative("nodata") end
  result.kind, result.aa, result.answer = "answer", true, {cname.text}
  if hops >= M.DNS_CNAME_CHAIN_MAX then return result end
  local rest = M.zone_lookup(zones, cname.rdata, qtype, hops + 1)
  if rest.kind == "answer" or rest.kind == "nxdomain" or rest.kind == "nodata" then
    for _, text in ipairs(rest.answer) do result.answer[#result.answer + 1] = text end
    result.kind, result.authority = rest.kind, rest.authority
  end
  return result
end

-- A DNS server in the world: `script` loaded for {name, addr, settings}
-- (port 53, service "dns"), serving `zones` through tutor.lookup, and
-- reachable by tutor.query at its address. Returns the loaded host.
function M.dns_server(w, script, fields, zones, source)
  local srv = {name = fields.name, node = fields.node or fields.name, service = "dns",
               addr = fields.addr, port = 53, domains = {}, settings = fields.settings or {}}
  local entry = {zones = zones or {}}
  w.dns.servers[srv.addr] = entry
  entry.host = M.load(script, w, srv, source)
  return entry.host
end

local function check_record(text, section)
  assert(type(text) == "string", section .. ": records are strings")
  local rr = dns_fields(text)
  assert(rr, section .. ": not a master-file record: " .. text)
  assert(rr.owner:sub(-1) == "." and text:find("^%S*%.%s"), section .. ": owner not absolute: " .. text)
  assert(rr.class == "IN", section .. ": class not IN: " .. text)
  assert(rr.ttl <= M.DNS_TTL_MAX, section .. ": TTL over 2^31-1: " .. text)
end

-- One query through on_datagram, as the host runs it. `q` gives name and
-- type; the rest defaults as dig sends it (id 4711, QUERY, RD set, IN).
-- Returns the response as the host would send it: a plain table with the
-- script's r plus id, rd, cd and the question copied, or nil when the
-- script never answered (the query times out).
function Host:datagram(q, client)
  local query = {id = q.id or 4711, opcode = q.opcode or "QUERY", rd = q.rd ~= false, cd = q.cd or false,
                 name = q.name, type = q.type or "A", class = q.class or "IN", edns = q.edns}
  query.bytes = 12 + #query.name + 1 + 4 + (query.edns and 11 or 0)
  self.sessions = self.sessions + 1
  local response
  local fields = {
    id = self.sessions,
    client = readonly(client or M.PC1),
    server = readonly({name = self.srv.name, addr = self.srv.addr, port = self.srv.port}),
    data = {},
    answer = host_fn(function(_, r)
      assert(response == nil, "s:answer called twice")
      assert(type(r) == "table" and getmetatable(r) == nil, "s:answer wants a plain table")
      local rcode = rawget(r, "rcode")
      assert(DNS_RCODES[rcode], "s:answer: bad rcode " .. tostring(rcode))
      for _, flag in ipairs({"aa", "ra", "tc"}) do
        local v = rawget(r, flag)
        assert(v == nil or type(v) == "boolean", "s:answer: " .. flag .. " must be a boolean")
      end
      local id = rawget(r, "id")
      assert(id == nil or (math.type(id) == "integer" and id >= 0 and id <= 65535), "s:answer: bad id")
      response = {id = id or query.id, rd = query.rd, cd = query.cd, rcode = rcode,
                  aa = rawget(r, "aa") == true, ra = rawget(r, "ra") == true, tc = rawget(r, "tc") == true,
                  question = {name = query.name, type = query.type, class = query.class}}
      local bytes = query.bytes
      for _, section in ipairs(DNS_SECTIONS) do
        local list = rawget(r, section)
        assert(list == nil or (type(list) == "table" and getmetatable(list) == nil),
               "s:answer: " .. section .. " must be a plain table")
        local copy = {}
        for i = 1, list and rawlen(list) or 0 do
          local text = rawget(list, i)
          check_record(text, section)
          copy[i] = text
          bytes = bytes + #text
        end
        response[section] = copy
      end
      response.bytes = bytes  -- a rough size: the tutor's is ldns's wire length
    end),
  }
  local s = setmetatable({}, {
    __index = fields,
    __newindex = function(_, k) error("attempt to set session field '" .. tostring(k) .. "'", 2) end,
  })
  self:call("on_datagram", s, readonly(query))
  self.instructions = M.last_instructions
  return response
end

-- Relay: a client script joined to a server script ----------------------------

-- Runs one relay dialogue of `client_host` (smtp_client.lua) with job `job`
-- against `server_host`. Lines travel through one FIFO, as on a network.
-- Returns the client's result (deferred when it never finished) and the
-- transcript in swaks' notation (" -> " client, "<-  " server).
-- A POP3 client (pop3_client.lua) runs the same way: opts.store, a table,
-- receives what c:store() hands over ({uid = ..., message = ...} each);
-- opts.store_fail, a reason, makes c:store() fail.
function M.relay(client_host, server_host, job, opts)
  opts = opts or {}
  local transcript, queue, head = {}, {}, 1
  local result
  local c = {
    send = host_fn(function(_, text)
      check_text(text)
      transcript[#transcript + 1] = " -> " .. text
      queue[#queue + 1] = {to = "server", line = text}
    end),
    finish = host_fn(function(_, r)
      assert(result == nil, "finish called twice")
      assert(type(r) == "table" and (r.status == "sent" or r.status == "deferred"
                                     or r.status == "failed" or r.status == "ok"),
             "finish: bad result")
      result = r
    end),
    send_text = host_fn(function(_, text, o)
      for _, l in ipairs(check_send_text(text, o)) do
        transcript[#transcript + 1] = " -> " .. l
        queue[#queue + 1] = {to = "server", line = l}
      end
    end),
    store = host_fn(function(_, uid, message)
      assert(uid == nil or type(uid) == "string", "store: uid must be a string or nil")
      assert(type(message) == "string", "store: message must be a string")
      if not opts.store then return nil, "this client has nowhere to store mail" end
      if opts.store_fail then return nil, opts.store_fail end
      opts.store[#opts.store + 1] = {uid = uid, message = message}
      return true
    end),
  }
  if opts.client_data then c.data = {} end
  client_host:call("on_start", c, M.job_facts(job))
  local S = server_host:connect(opts.client_addr or {addr = client_host.srv.addr, port = 40000},
    function(line)
      transcript[#transcript + 1] = "<-  " .. line
      queue[#queue + 1] = {to = "client", line = line}
    end)
  while head <= #queue do
    local ev = queue[head]
    head = head + 1
    if ev.to == "client" then
      if not result then
        local cut = #ev.line > M.LINE_CAP
        client_host:call("on_line", c, cut and ev.line:sub(1, M.LINE_CAP) or ev.line, cut)
      end
    elseif not S.closed then
      S:line(ev.line)
    end
  end
  S:drop()
  return result or {status = "deferred", text = "client never finished"}, transcript
end

return M
