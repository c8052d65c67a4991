--[[
resolver.lua: a caching recursive resolver (RFC 1034 4.3.1, 5.3.3) that is
also the authoritative server of its own zones, as a site's BIND was in
2002: ns.a.example answers for a.example and resolves everything else for
the PCs that list it.

  Own zones (server.settings.zones, through tutor.lookup): answered as
  dns.lua answers them, AA set, with or without RD. A CNAME out of them,
  or a delegation below them, is followed when RD is set.
  RD set (RFC 1034 5.3.3): the answer comes from the cache, or from a walk
  down from the closest zone cut the cache knows, or from the root hints
  (tutor.hints): each server is asked with RD clear; a referral (NS in
  authority, glue in additional) leads one zone down; an NS name without
  glue is resolved first; CNAMEs are chased across zones. The response
  has RA set and AA clear. SERVFAIL when the walk fails: every server of a
  zone timed out or refused (a lame delegation), a referral that does not
  lead down (a loop), or a limit below was reached.
  RD clear (RFC 1034 4.3.1): only the cache answers. On a miss we do what
  BIND does for dig +norecurse: NOERROR with a referral to the closest zone
  cut we know (NS in authority, their addresses in additional), at worst
  the root servers of the hints.
  Cache (RFC 1035 7.4, RFC 2181 5, RFC 2308): RRsets and negative answers
  keyed by lower-case name and type; NXDOMAIN by name alone, since it holds
  for every type (RFC 2308 5). An RRset keeps one TTL, the least of its
  records' (RFC 2181 5.2), counted down on tutor.now(): an answer from the
  cache shows what is left, and at 0 the entry is gone. A negative answer
  lives for its SOA's TTL, which the server already made min(TTL, MINIMUM)
  (RFC 2308 3); we take the minimum again in case it did not. No SOA, no
  negative caching (RFC 2308 5). Data is ranked (RFC 2181 5.4.1): answers
  over authority NS over glue; glue never answers a client; and a server
  is believed only about names in the zone it was asked as (in bailiwick):
  the root may say anything, ns.b.example only things under b.example.
  When the cache is full the oldest entry goes.

Like BIND in 2002 it asks each server the full name (no QNAME minimisation,
RFC 9156) and starts from the hints without a priming query (RFC 8109), so
a walk shows exactly the referrals the lecture draws: root, example.,
b.example. It asks the servers of a zone in the order given (no RTT-based
choice) so that a run repeats.

Every step goes to tutor.log, one short line each, e.g.
  resolve mail.b.example. A: ask 203.0.113.53 (a.root-servers.example.) -> referral example. (98 bytes, 20 ms)
which the tutor can show for dig +trace.

Settings: zones and hints (read by the host); cache_entries, the cache's
size (default CACHE_ENTRIES_DEFAULT; a small one shows eviction).

Only the host API of scripts/README.md is used. Host tables (q, lookup
and query results) are read-only proxies, walked with ipairs; s:answer gets
plain tables of our own. Records are split with anchored one-quantifier
finds, so the pattern guard's price stays linear in a record's length.
]]

-- Limits ------------------------------------------------------------------

local CNAME_CHAIN_MAX = 8           -- CNAMEs chased for one question (tutor/dns/zone.h's too)
local REFERRALS_MAX = 16            -- referrals followed in one walk; each must go a label down
local QUERIES_MAX = 48              -- tutor.query calls for one client question (BIND: max-recursion-queries)
local NS_DEPTH_MAX = 3              -- nested walks for NS names without glue (BIND: max-recursion-depth)
local CACHE_ENTRIES_DEFAULT = 10000 -- RRsets and negative answers kept; the oldest goes first
local CACHE_TTL_MAX = 604800        -- a week: BIND's max-cache-ttl
local NEGATIVE_TTL_MAX = 10800      -- three hours: BIND's max-ncache-ttl (RFC 2308 5)
local TTL_MAX = 2147483647          -- RFC 2181 8: a TTL over 2^31-1 counts as 0

local RANK_GLUE = 1                 -- an address from additional
local RANK_AUTHORITY = 2            -- NS from a referral's authority
local RANK_ANSWER = 3               -- the answer section of an authoritative server

local RCODE_OF_KIND = {answer = "NOERROR", referral = "NOERROR", nodata = "NOERROR",
                       nxdomain = "NXDOMAIN", refused = "REFUSED"}
local ZONE_TRANSFERS = {AXFR = true, IXFR = true}

-- Helpers -----------------------------------------------------------------

local function setting(name, default)
  local settings = server.settings
  local value = settings and settings[name]
  if value == nil then return default end
  return value
end

local function copy(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  return out
end

-- Names -------------------------------------------------------------------

-- Is `name` at or below `zone`? Both lower case and absolute.
local function in_zone(name, zone)
  return zone == "." or name == zone or name:sub(-#zone - 1) == "." .. zone
end

-- "mail.b.example." -> "b.example." -> "example." -> "." -> nil
local function parent(name)
  if name == "." then return nil end
  local dot = name:find(".", 1, true)
  local rest = name:sub(dot + 1)
  return rest == "" and "." or rest
end

-- Records -----------------------------------------------------------------

-- The next whitespace-separated field of `text` from `pos`, and where the
-- one after it starts.
local function field(text, pos)
  local first, last = text:find("^%S+", pos)
  if not first then return nil end
  local _, gap = text:find("^%s*", last + 1)
  return text:sub(first, last), gap + 1
end

-- "mail.b.example. 86400 IN A 198.51.100.25" -> {owner, name (lower
-- case), ttl, class, type, rdata}; nil when it is not a record.
local function parse(text)
  local owner, ttl, class, rtype, pos
  owner, pos = field(text, 1)
  if owner then ttl, pos = field(text, pos) end
  if ttl then class, pos = field(text, pos) end
  if class then rtype, pos = field(text, pos) end
  if not rtype then return nil end
  ttl = math.tointeger(tonumber(ttl))
  if not ttl or ttl < 0 or ttl > TTL_MAX then ttl = 0 end
  return {owner = owner, name = owner:lower(), ttl = ttl, class = class,
          type = rtype:upper(), rdata = text:sub(pos)}
end

local function format(rr)
  return table.concat({rr.owner, rr.ttl, rr.class, rr.type, rr.rdata}, " ")
end

local function parse_all(list)
  local out = {}
  for _, text in ipairs(list or {}) do out[#out + 1] = parse(text) end
  return out
end

local function format_all(rrs)
  local out = {}
  for i, rr in ipairs(rrs) do out[i] = format(rr) end
  return out
end

-- The name an NS or CNAME points to; an A record's address.
local function target(rr)
  return ((field(rr.rdata, 1)) or ""):lower()
end

local function of_type(rrs, rtype, name)
  local out = {}
  for _, rr in ipairs(rrs) do
    if rr.type == rtype and (name == nil or rr.name == name) then out[#out + 1] = rr end
  end
  return out
end

-- A copy of rr with another TTL.
local function aged(rr, ttl)
  return {owner = rr.owner, name = rr.name, ttl = ttl, class = rr.class, type = rr.type, rdata = rr.rdata}
end

-- The negative TTL of RFC 2308 5: the lesser of the SOA's TTL and MINIMUM.
local function negative_ttl(soa)
  local minimum, pos = nil, 1
  for _ = 1, 7 do minimum, pos = field(soa.rdata, pos); if not minimum then break end end
  return math.min(soa.ttl, math.tointeger(tonumber(minimum)) or 0, NEGATIVE_TTL_MAX)
end

-- The cache ---------------------------------------------------------------

-- cache[key] = {stored, ttl, rank, seq, records | negative + soa}. The
-- FIFO lists keys in the order they were stored; an entry overwritten or
-- dropped leaves a stale slot behind (its seq no longer matches), skipped
-- when evicting and thrown out when the FIFO is compacted.
local cache, cache_count, seq = {}, 0, 0
local fifo, fifo_head, fifo_tail = {}, 1, 0

local function key(name, rtype) return name .. " " .. rtype end

local function cache_drop(k)
  if cache[k] then cache[k], cache_count = nil, cache_count - 1 end
end

local function cache_compact()
  local live = {}
  for i = fifo_head, fifo_tail do
    local slot = fifo[i]
    local e = cache[slot.key]
    if e and e.seq == slot.seq then live[#live + 1] = slot end
  end
  fifo, fifo_head, fifo_tail = live, 1, #live
end

-- The entry for (name, type) and its TTL left, if it is alive and ranks
-- at least `rank`.
local function cache_get(name, rtype, rank)
  local k = key(name, rtype)
  local e = cache[k]
  if not e then return nil end
  local left = e.ttl - (tutor.now() - e.stored)
  if left <= 0 then cache_drop(k); return nil end
  if e.rank < (rank or RANK_GLUE) then return nil end
  return e, left
end

-- The records of a live, positive entry and their TTL left. A negative
-- entry (NODATA for "mail.b.example NS") says that no such RRset exists:
-- it is never a delegation, nor an address.
local function cache_records(name, rtype)
  local e, left = cache_get(name, rtype)
  if e and e.records then return e.records, left end
  return nil
end

local function cache_put(name, rtype, e)
  if e.ttl <= 0 then return end            -- TTL 0: use once, keep never (RFC 1035 3.2.1)
  local old = cache_get(name, rtype)
  if old and old.rank > e.rank then return end
  local k = key(name, rtype)
  if not cache[k] then cache_count = cache_count + 1 end
  seq = seq + 1
  e.seq, e.stored = seq, tutor.now()
  cache[k] = e
  fifo_tail = fifo_tail + 1
  fifo[fifo_tail] = {key = k, seq = seq}
  local max = math.max(math.tointeger(setting("cache_entries")) or CACHE_ENTRIES_DEFAULT, 1)
  while cache_count > max and fifo_head <= fifo_tail do
    local slot = fifo[fifo_head]
    fifo[fifo_head], fifo_head = nil, fifo_head + 1
    local victim = cache[slot.key]
    if victim and victim.seq == slot.seq then cache_drop(slot.key) end
  end
  if fifo_tail - fifo_head > 2 * max then cache_compact() end
end

-- Stores each RRset of `rrs` (records of one owner and type) with `rank`.
local function cache_rrsets(rrs, rank)
  local sets, order = {}, {}
  for _, rr in ipairs(rrs) do
    local k = key(rr.name, rr.type)
    if not sets[k] then
      sets[k] = {name = rr.name, type = rr.type, records = {}}
      order[#order + 1] = sets[k]
    end
    table.insert(sets[k].records, rr)
  end
  for _, set in ipairs(order) do
    local ttl = CACHE_TTL_MAX
    for _, rr in ipairs(set.records) do ttl = math.min(ttl, rr.ttl) end
    cache_put(set.name, set.type, {rank = rank, ttl = ttl, records = set.records})
  end
end

local function cache_negative(kind, name, rtype, soa)
  if not soa then return end
  cache_put(name, kind == "nxdomain" and "NXDOMAIN" or rtype,
            {rank = RANK_ANSWER, ttl = negative_ttl(soa), negative = kind, soa = soa})
end

-- What the cache can answer for (name, type): an outcome (below) or nil.
local function from_cache(name, rtype)
  local e, left = cache_get(name, "NXDOMAIN")
  if e then return {kind = "nxdomain", answer = {}, soa = aged(e.soa, left), aa = false} end
  for _, t in ipairs({rtype, "CNAME"}) do
    e, left = cache_get(name, t, RANK_ANSWER)
    if e and e.negative then
      if t == rtype then return {kind = "nodata", answer = {}, soa = aged(e.soa, left), aa = false} end
    elseif e then
      local answer = {}
      for i, rr in ipairs(e.records) do answer[i] = aged(rr, left) end
      return {kind = "answer", answer = answer, aa = false}
    end
  end
  return nil
end

-- Zone cuts ---------------------------------------------------------------

-- The servers of a zone: {name, addr} for each NS, the address from glue
-- or the cache, or none yet (the walk resolves the name when it gets there).
local function servers_of(ns_rrs, glue)
  local list = {}
  for _, ns in ipairs(ns_rrs) do
    local host = target(ns)
    local addrs = of_type(glue, "A", host)
    if #addrs == 0 then addrs = cache_records(host, "A") or {} end
    for _, a in ipairs(addrs) do list[#list + 1] = {name = host, addr = target(a)} end
    if #addrs == 0 then list[#list + 1] = {name = host} end
  end
  return list
end

-- The closest zone cut above `name` that we know: its name, its NS and
-- their addresses as records with the TTL left (for a referral), from the
-- cache, or the root from the hints.
local function closest_cut(name)
  local zone = name
  while zone do
    local records, left = cache_records(zone, "NS")
    if records then
      local ns, glue, outside = {}, {}, false
      for i, rr in ipairs(records) do
        ns[i] = aged(rr, left)
        local a, a_left = cache_records(target(rr), "A")
        for _, g in ipairs(a or {}) do glue[#glue + 1] = aged(g, a_left) end
        outside = outside or not in_zone(target(rr), zone)
      end
      -- The root servers' addresses are always known: from the hints. An
      -- answer to ". NS" carries none, and looking them up would need the
      -- root itself.
      if zone == "." and #glue == 0 then glue = of_type(parse_all(tutor.hints()), "A") end
      -- Servers named inside their own zone, none with an address left
      -- (the delegation was cached again after their addresses): finding
      -- one would need the zone itself. The parent's referral has glue.
      if #glue > 0 or outside then return zone, ns, glue end
    end
    zone = parent(zone)
  end
  local hints = parse_all(tutor.hints())
  return ".", of_type(hints, "NS"), of_type(hints, "A")
end

-- The walk ----------------------------------------------------------------

local resolve  -- (ctx, name, type, recurse[, looked]) -> response; defined below

local function log(name, rtype, text)
  tutor.log(string.format("resolve %s %s: %s", name, rtype, text))
end

-- One line for what a server said.
local function describe(out)
  if out.kind == "referral" then return "referral " .. out.zone end
  if out.kind == "answer" then
    local last = out.answer[#out.answer]
    if last and last.type == "CNAME" then return "cname " .. target(last) end
    return string.format("answer (%d)", #out.answer)
  end
  return out.kind
end

-- Asks one server about (name, type) as the server of `zone`. Returns an
-- outcome {kind = "answer" | "nxdomain" | "nodata" | "referral", answer,
-- soa, zone, ns, glue}, with what it taught us cached, or nil when this
-- server is no use (timeout, error, lame, a referral that does not lead
-- down).
local function ask(ctx, srv, name, rtype, zone)
  ctx.queries = ctx.queries + 1
  if ctx.queries > QUERIES_MAX then return nil end
  local head = string.format("ask %s (%s) -> ", srv.addr, srv.name)
  local resp, err = tutor.query(srv.addr, name, rtype, {rd = false})
  if not resp then
    log(name, rtype, head .. tostring(err))
    return nil
  end
  local tail = string.format(" (%s bytes, %s ms)", tostring(resp.bytes), tostring(resp.rtt))
  if resp.rcode ~= "NOERROR" and resp.rcode ~= "NXDOMAIN" then
    log(name, rtype, head .. tostring(resp.rcode) .. tail)
    return nil
  end
  -- In bailiwick only: what this server may speak for.
  local sections = {}
  for _, section in ipairs({"answer", "authority", "additional"}) do
    sections[section] = {}
    for _, rr in ipairs(parse_all(resp[section])) do
      if in_zone(rr.name, zone) then table.insert(sections[section], rr) end
    end
  end
  local answer = sections.answer
  local soa = of_type(sections.authority, "SOA")[1]
  local out
  if resp.rcode == "NXDOMAIN" then
    out = {kind = "nxdomain", answer = answer, soa = soa}
  elseif #answer > 0 then
    out = {kind = "answer", answer = answer}
  else
    -- A referral is judged before the bailiwick filter, so that one
    -- pointing up or sideways shows as what it is.
    local ns = of_type(parse_all(resp.authority), "NS")
    local cut = ns[1] and ns[1].name
    if cut and cut ~= zone and in_zone(cut, zone) and in_zone(name, cut) then
      out = {kind = "referral", zone = cut, ns = of_type(ns, "NS", cut), glue = sections.additional}
      cache_rrsets(out.ns, RANK_AUTHORITY)
      cache_rrsets(of_type(out.glue, "A"), RANK_GLUE)
    elseif cut then
      log(name, rtype, head .. "bad referral " .. cut .. tail)
      return nil
    else
      out = {kind = "nodata", answer = {}, soa = soa}
    end
  end
  cache_rrsets(answer, RANK_ANSWER)
  log(name, rtype, head .. describe(out) .. tail)
  return out
end

-- The addresses of a server; an NS name without glue is resolved first,
-- within limits: not deeper than NS_DEPTH_MAX, and never a name already
-- being resolved for this question (two zones whose servers are named in
-- each other, without glue, would loop).
local function addresses(ctx, srv)
  if srv.addr then return {srv.addr} end
  if ctx.depth >= NS_DEPTH_MAX or ctx.pending[srv.name] then return {} end
  ctx.pending[srv.name], ctx.depth = true, ctx.depth + 1
  local r = resolve(ctx, srv.name, "A", true)
  ctx.pending[srv.name], ctx.depth = nil, ctx.depth - 1
  local list = {}
  for _, rr in ipairs(parse_all(r.answer)) do
    if rr.type == "A" and rr.name == srv.name then list[#list + 1] = target(rr) end
  end
  return list
end

-- From the servers of `zone` down to an answer, a negative answer or
-- nothing (nil and why).
local function walk(ctx, name, rtype, zone, servers)
  for _ = 1, REFERRALS_MAX do
    local out
    for _, srv in ipairs(servers) do
      for _, addr in ipairs(addresses(ctx, srv)) do
        out = ask(ctx, {name = srv.name, addr = addr}, name, rtype, zone)
        if out then break end
      end
      if out or ctx.queries > QUERIES_MAX then break end
    end
    if ctx.queries > QUERIES_MAX then return nil, "too many queries" end
    if not out then return nil, "no server of " .. zone .. " answered" end
    if out.kind ~= "referral" then return out end
    zone, servers = out.zone, servers_of(out.ns, out.glue)
  end
  return nil, "too many referrals"
end

-- An own zone's answer as an outcome, or nil when the name is not ours.
-- `res`: tutor.lookup's answer for the same question, when already asked.
local function from_zones(name, rtype, res)
  res = res or tutor.lookup(name, rtype)
  if res.kind == "refused" then return nil end
  local authority = parse_all(res.authority)
  local ns = of_type(authority, "NS")
  return {kind = res.kind, aa = res.aa == true, answer = parse_all(res.answer),
          soa = of_type(authority, "SOA")[1], zone = ns[1] and ns[1].name,
          ns = ns, glue = parse_all(res.additional)}
end

local function servfail(name, rtype, why)
  log(name, rtype, "SERVFAIL (" .. why .. ")")
  return {rcode = "SERVFAIL", aa = false, answer = {}, authority = {}, additional = {}}
end

-- One question: from our zones, the cache, or (when `recurse`) a walk,
-- CNAMEs chased. Returns a response {rcode, aa, answer, authority,
-- additional}, records as strings. `looked`: tutor.lookup's answer for
-- the question itself, when the caller has it.
resolve = function(ctx, qname, rtype, recurse, looked)
  local name, answer, aa, hops = qname:lower(), {}, true, 0
  if name:sub(-1) ~= "." then name = name .. "." end
  while true do
    local out = from_zones(name, rtype, looked)
    looked = nil
    local walked = false
    if out and out.kind == "referral" then   -- a delegation below our zone
      if not recurse then break end
      local why
      out, why = walk(ctx, name, rtype, out.zone, servers_of(out.ns, out.glue))
      if not out then return servfail(name, rtype, why) end
      walked = true
    elseif not out then
      out = from_cache(name, rtype)
      if out then
        log(name, rtype, "cache -> " .. describe(out))
      elseif recurse then
        local zone, ns, glue = closest_cut(name)
        local why
        out, why = walk(ctx, name, rtype, zone, servers_of(ns, glue))
        if not out then return servfail(name, rtype, why) end
        walked = true
      else
        break
      end
    end
    aa = aa and out.aa == true
    -- Follow the answer: the records asked for, or CNAMEs to chase.
    local before, hits = name, {}
    while true do
      for _, rr in ipairs(out.answer) do
        if rr.name == name and (rr.type == rtype or rtype == "ANY") then hits[#hits + 1] = rr end
      end
      local cname = of_type(out.answer, "CNAME", name)[1]
      if #hits > 0 or not cname then break end
      hops = hops + 1
      if hops > CNAME_CHAIN_MAX then return servfail(qname, rtype, "CNAME chain too long") end
      answer[#answer + 1] = cname
      name = target(cname)
    end
    if #hits > 0 then
      table.move(hits, 1, #hits, #answer + 1, answer)
      return {rcode = "NOERROR", aa = aa, answer = format_all(answer), authority = {}, additional = {}}
    end
    if out.kind == "nxdomain" or out.kind == "nodata" then
      if walked then cache_negative(out.kind, name, rtype, out.soa) end
      return {rcode = RCODE_OF_KIND[out.kind], aa = aa, answer = format_all(answer),
              authority = out.soa and {format(out.soa)} or {}, additional = {}}
    end
    if name == before then  -- an answer that answers nothing
      if recurse then return servfail(qname, rtype, "no " .. rtype .. " in the answer") end
      break
    end
    -- a CNAME to a name of its own: round again for it
  end
  -- RD clear and the cache has nothing more.
  if #answer > 0 then
    return {rcode = "NOERROR", aa = false, answer = format_all(answer), authority = {}, additional = {}}
  end
  local _, ns, glue = closest_cut(name)
  return {rcode = "NOERROR", aa = false, answer = {}, authority = format_all(ns), additional = format_all(glue)}
end

-- The server ----------------------------------------------------------------

-- r.cache: may the host give this answer again without asking us
-- (scripts/README.md, s:answer's cache)?
local function send(s, r)
  s:answer({rcode = r.rcode, aa = r.aa == true, ra = true, answer = copy(r.answer),
            authority = copy(r.authority), additional = copy(r.additional), cache = r.cache})
end

-- The host may keep an answer when it would be ours again: our own zones'
-- data ("zone": TTLs as in the zone), or what our cache holds ("ttl":
-- counting down as it does), which a question answered without asking any
-- server came from. Not when a lesson sets the cache's size (the host's
-- copy would outlive an evicted entry), nor for RD clear: a referral from
-- the cache changes as the cache learns.
local function keepable(q, r, ctx)
  if setting("cache_entries", nil) ~= nil or not q.rd then return nil end
  if r.rcode ~= "NOERROR" and r.rcode ~= "NXDOMAIN" then return nil end
  if ctx == nil then return "zone" end
  if ctx.queries == 0 then return "ttl" end
  return nil
end

-- A name the world's root denies is outside the world, and this resolver,
-- which cannot reach the real Internet, refuses it (REFUSED, as a resolver
-- refuses recursion it will not do, BIND's allow-recursion): NXDOMAIN
-- would tell a student that www.wikipedia.org does not exist. The same
-- for every client, the prompt's dig, a mail server and a real client of
-- `tutor serve` alike.
local function outside_world(r)
  if r.rcode ~= "NXDOMAIN" then return false end
  local soa = r.authority and r.authority[1]
  return soa ~= nil and soa:match("^%.%s") ~= nil
end

-- Meta-types (RFC 6895 3.1) ask for no data: TYPE0, OPT, TKEY, TSIG and
-- the unassigned 128-248. RFC 8906 3.1.2 lets them get NOTIMP, as Knot
-- answers TYPE0; any other type unknown to us is answered as data that is
-- not there (NODATA or NXDOMAIN).
local META_TYPES = {TYPE0 = true, OPT = true, TKEY = true, TSIG = true}

local function is_meta(rtype)
  local n = tonumber(rtype:match("^TYPE(%d+)$"))
  return META_TYPES[rtype] or (n ~= nil and n >= 128 and n <= 248)
end

local function answer(s, q)
  if q.opcode ~= "QUERY" or is_meta(q.type) then return send(s, {rcode = "NOTIMP"}) end
  if q.class ~= "IN" or ZONE_TRANSFERS[q.type] then return send(s, {rcode = "REFUSED"}) end
  -- Our own zones, answered as dns.lua does, unless RD asks us to go on
  -- from a delegation or from a CNAME that leaves them.
  local res = tutor.lookup(q.name, q.type)
  local leaves = res.kind == "referral"
  if res.kind == "answer" then
    leaves = true
    for _, text in ipairs(res.answer) do
      local rr = parse(text)
      if rr and (rr.type == q.type or q.type == "ANY" or q.type == "CNAME") then leaves = false end
    end
  end
  if res.kind ~= "refused" and not (q.rd and leaves) then
    local own = {rcode = RCODE_OF_KIND[res.kind], aa = res.aa, answer = res.answer,
                 authority = res.authority, additional = res.additional}
    own.cache = keepable(q, own, nil)
    return send(s, own)
  end
  local ctx = {queries = 0, depth = 0, pending = {}}
  local r = resolve(ctx, q.name, q.type, q.rd, res)
  if outside_world(r) then return send(s, {rcode = "REFUSED"}) end
  r.cache = keepable(q, r, ctx)
  send(s, r)
end

-- No error of ours reaches the client as silence, nor the host as a failed
-- script: a fault in the resolver is SERVFAIL (RFC 1035 4.1.1, "the name
-- server was unable to process this query"), with one log line. (The
-- budget's errors cannot be caught, and end the query as before.)
function on_datagram(s, q)
  local ok, err = pcall(answer, s, q)
  if not ok then
    tutor.log(string.format("%s %s: SERVFAIL (internal error: %s)", q.name, q.type, tostring(err)))
    send(s, {rcode = "SERVFAIL", answer = {}, authority = {}, additional = {}})
  end
end
