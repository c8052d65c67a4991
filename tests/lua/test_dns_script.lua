--[[
test_dns_script.lua: drives scripts/dns.lua (authoritative) and
scripts/resolver.lua (caching, recursive) through tests/lua/mock_host.lua,
without the C host.

  cd /work/main && lua5.4 tests/lua/test_dns_script.lua

The world is a small DNS hierarchy, each server a loaded script at its
address: the root (a.root-servers.example., 203.0.113.53), example.
(ns.example., 203.0.113.153), b.example. (ns.b.example., 198.51.100.53),
c.example. (dns.b.example., 198.51.100.54, delegated without glue), and
the resolver under test, ns.a.example. (192.0.2.53), which serves
a.example. itself. A resolver's tutor.query runs the asked server's script,
so a walk goes through dns.lua as in the tutor; world.dns.queries lists
every query. Ends with "N passed, N failed", exits non-zero on a failure.
]]

local here = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "."
local mock = dofile(here .. "/mock_host.lua")
local ROOT = here .. "/../.."
local DNS = ROOT .. "/scripts/dns.lua"
local RESOLVER = ROOT .. "/scripts/resolver.lua"

local h = dofile(here .. "/harness.lua")
local test, eq, same, has, lacks = h.test, h.eq, h.same, h.has, h.lacks

-- The zones -----------------------------------------------------------------

local ROOT_ZONE = {origin = ".", records = {
  ". 518400 IN SOA a.root-servers.example. hostmaster.example. 2002052901 1800 900 604800 86400",
  ". 518400 IN NS a.root-servers.example.",
  "example. 172800 IN NS ns.example.",
  "ns.example. 172800 IN A 203.0.113.153",
}}

local EXAMPLE_ZONE = {origin = "example.", records = {
  "example. 86400 IN SOA ns.example. hostmaster.example. 2002052901 3600 900 604800 3600",
  "example. 86400 IN NS ns.example.",
  "ns.example. 86400 IN A 203.0.113.153",
  "a.root-servers.example. 86400 IN A 203.0.113.53",
  "a.example. 86400 IN NS ns.a.example.",
  "ns.a.example. 86400 IN A 192.0.2.53",
  "b.example. 86400 IN NS ns.b.example.",
  "ns.b.example. 86400 IN A 198.51.100.53",
  "c.example. 86400 IN NS dns.b.example.",          -- no glue: dns.b.example is in b.example
  "loop.example. 86400 IN NS ns.loop.example.",
  "ns.loop.example. 86400 IN A 203.0.113.200",      -- a server that refers back up
  "x.example. 86400 IN NS ns.y.example.",           -- glueless, each in the other
  "y.example. 86400 IN NS ns.x.example.",
  "dead.example. 86400 IN NS ns.dead.example.",
  "ns.dead.example. 86400 IN A 203.0.113.250",      -- nobody there: timeouts
}}

local B_ZONE = {origin = "b.example.", records = {
  "b.example. 86400 IN SOA ns.b.example. hostmaster.b.example. 2002052901 3600 900 604800 3600",
  "b.example. 86400 IN NS ns.b.example.",
  "b.example. 86400 IN MX 10 mail.b.example.",
  "ns.b.example. 86400 IN A 198.51.100.53",
  "dns.b.example. 86400 IN A 198.51.100.54",
  "mail.b.example. 86400 IN A 198.51.100.25",
  "pc2.b.example. 86400 IN A 198.51.100.10",
  "www.b.example. 3600 IN CNAME mail.b.example.",
  "web.b.example. 3600 IN CNAME www.a.example.",
  "loop1.b.example. 300 IN CNAME loop2.b.example.",
  "loop2.b.example. 300 IN CNAME loop1.b.example.",
}}

local C_ZONE = {origin = "c.example.", records = {
  "c.example. 86400 IN SOA dns.b.example. hostmaster.c.example. 1 3600 900 604800 600",
  "c.example. 86400 IN NS dns.b.example.",
  "www.c.example. 600 IN A 198.51.100.80",
}}

local A_ZONE = {origin = "a.example.", records = {
  "a.example. 86400 IN SOA ns.a.example. hostmaster.a.example. 2002052901 3600 900 604800 3600",
  "a.example. 86400 IN NS ns.a.example.",
  "a.example. 86400 IN MX 10 mail.a.example.",
  "ns.a.example. 86400 IN A 192.0.2.53",
  "mail.a.example. 86400 IN A 192.0.2.25",
  "pc1.a.example. 86400 IN A 192.0.2.10",
  "www.a.example. 3600 IN A 192.0.2.80",
  "shop.a.example. 3600 IN CNAME www.b.example.",
}}

local HINTS = {
  ". 3600000 IN NS a.root-servers.example.",
  "a.root-servers.example. 3600000 IN A 203.0.113.53",
}

local ROOT_ADDR, EXAMPLE_ADDR, B_ADDR, C_ADDR = "203.0.113.53", "203.0.113.153", "198.51.100.53", "198.51.100.54"
local LOOP_ADDR, RESOLVER_ADDR = "203.0.113.200", "192.0.2.53"

-- The whole hierarchy, with `opts` = {b = settings of ns.b.example, b_script,
-- root = settings of the root, hints, resolver = its settings}. Returns
-- the world and the resolver's host.
local function hierarchy(opts)
  opts = opts or {}
  local w = mock.world()
  w.dns.hints = opts.hints or HINTS
  mock.dns_server(w, DNS, {name = "a.root-servers.example", addr = ROOT_ADDR, settings = opts.root}, {ROOT_ZONE})
  mock.dns_server(w, DNS, {name = "ns.example", addr = EXAMPLE_ADDR}, {EXAMPLE_ZONE})
  mock.dns_server(w, opts.b_script or DNS, {name = "ns.b.example", addr = B_ADDR, settings = opts.b},
                  {B_ZONE}, opts.b_source)
  mock.dns_server(w, DNS, {name = "dns.b.example", addr = C_ADDR}, {C_ZONE})
  mock.dns_server(w, DNS, {name = "ns.loop.example", addr = LOOP_ADDR}, {ROOT_ZONE})
  local resolver = mock.dns_server(w, RESOLVER, {name = "ns.a.example", addr = RESOLVER_ADDR,
                                                 settings = opts.resolver}, {A_ZONE})
  return w, resolver
end

-- The queries made since `mark` (an index into world.dns.queries), as
-- "ADDR NAME TYPE" strings; the second result is the new mark.
local function sent(w, mark)
  local out = {}
  for i = (mark or 0) + 1, #w.dns.queries do
    local q = w.dns.queries[i]
    assert(q.rd == false, "a resolver's query went out with RD set")
    out[#out + 1] = q.to .. " " .. q.name .. " " .. q.type
  end
  return out, #w.dns.queries
end

-- One query to `host`, as dig sends it (RD set unless rd = false).
local function dig(host, name, rtype, rd)
  local r = host:datagram({name = name, type = rtype or "A", rd = rd})
  assert(r, "no answer to " .. name)
  return r
end

local function flags(r)
  return string.format("%s%s%s", r.aa and "aa " or "", r.rd and "rd " or "", r.ra and "ra" or "")
end

local function logs_since(w, mark)
  return table.concat(table.move(w.logs, mark + 1, #w.logs, 1, {}), "\n")
end

-- dns.lua ---------------------------------------------------------------------

local function authoritative(settings, zones)
  local w = mock.world()
  return mock.dns_server(w, DNS, {name = "ns.b.example", addr = B_ADDR, settings = settings},
                         zones or {B_ZONE}), w
end

test("dns: an answer is NOERROR, AA set, RA clear, RD copied", function()
  local ns = authoritative()
  local r = dig(ns, "mail.b.example.", "A")
  eq(r.rcode, "NOERROR", "rcode")
  eq(flags(r), "aa rd ", "flags")
  same(r.answer, "mail.b.example. 86400 IN A 198.51.100.25", "answer")
  same(r.authority, {}, "authority")
  eq(r.id, 4711, "ID copied")
  eq(r.question.name, "mail.b.example.", "question echoed")
end)

test("dns: a CNAME chain within the zone, and MX", function()
  local ns = authoritative()
  same(dig(ns, "www.b.example.", "A").answer,
       {"www.b.example. 3600 IN CNAME mail.b.example.", "mail.b.example. 86400 IN A 198.51.100.25"}, "www")
  same(dig(ns, "b.example.", "MX").answer, "b.example. 86400 IN MX 10 mail.b.example.", "MX")
end)

test("dns: a referral is NOERROR, AA clear, NS in authority, glue in additional", function()
  local ns = authoritative(nil, {EXAMPLE_ZONE})
  local r = dig(ns, "mail.b.example.", "A", false)
  eq(r.rcode, "NOERROR", "rcode")
  eq(flags(r), "", "flags")
  same(r.answer, {}, "answer")
  same(r.authority, "b.example. 86400 IN NS ns.b.example.", "authority")
  same(r.additional, "ns.b.example. 86400 IN A 198.51.100.53", "additional")
end)

test("dns: NXDOMAIN with the SOA at the negative TTL", function()
  local ns = authoritative()
  local r = dig(ns, "nosuch.b.example.", "A")
  eq(r.rcode, "NXDOMAIN", "rcode")
  eq(r.aa, true, "aa")
  same(r.answer, {}, "answer")
  same(r.authority, "b.example. 3600 IN SOA ns.b.example. hostmaster.b.example. 2002052901 3600 900 604800 3600",
       "authority: min(86400, 3600)")
end)

test("dns: NODATA is NOERROR with an empty answer and the SOA", function()
  local ns = authoritative()
  local r = dig(ns, "mail.b.example.", "MX")
  eq(r.rcode, "NOERROR", "rcode")
  eq(r.aa, true, "aa")
  same(r.answer, {}, "answer")
  eq(#r.authority, 1, "one SOA")
  has(r.authority[1], " SOA ", "authority")
end)

test("dns: a name outside its zones is REFUSED, AA clear", function()
  local ns = authoritative()
  local r = dig(ns, "www.other.test.", "A")
  eq(r.rcode, "REFUSED", "rcode")
  eq(flags(r), "rd ", "flags")
  same(r.answer, {}, "answer")
end)

test("dns: opcodes other than QUERY are NOTIMP", function()
  local ns = authoritative()
  for _, op in ipairs({"IQUERY", "STATUS", "NOTIFY", "UPDATE"}) do
    local r = ns:datagram({name = "b.example.", type = "SOA", opcode = op})
    eq(r.rcode, "NOTIMP", op)
    eq(r.aa, false, op .. " aa")
  end
end)

test("dns: meta-types (TYPE0, OPT, TSIG) are NOTIMP", function()
  local ns = authoritative()
  for _, t in ipairs({"TYPE0", "OPT", "TSIG", "TKEY", "TYPE200"}) do
    eq(ns:datagram({name = "b.example.", type = t}).rcode, "NOTIMP", t)
  end
end)

test("dns: other classes and zone transfers are REFUSED", function()
  local ns = authoritative()
  eq(ns:datagram({name = "version.bind.", type = "TXT", class = "CH"}).rcode, "REFUSED", "CH")
  eq(ns:datagram({name = "b.example.", type = "A", class = "HS"}).rcode, "REFUSED", "HS")
  eq(dig(ns, "b.example.", "AXFR").rcode, "REFUSED", "AXFR")
end)

test("dns: lame = true refuses its own zone", function()
  local ns = authoritative({lame = true})
  local r = dig(ns, "mail.b.example.", "A")
  eq(r.rcode, "REFUSED", "rcode")
  same(r.answer, {}, "answer")
end)

test("dns: wrong = {...} forges an A, authoritatively; other names are untouched", function()
  local ns = authoritative({wrong = {["www.b.example."] = "203.0.113.66", ["pc2.b.example"] = "2001:db8::66"}})
  local r = dig(ns, "WWW.b.example.", "A")
  eq(r.rcode, "NOERROR", "rcode")
  eq(r.aa, true, "aa")
  same(r.answer, "WWW.b.example. 86400 IN A 203.0.113.66", "forged")
  same(dig(ns, "pc2.b.example.", "AAAA").answer, "pc2.b.example. 86400 IN AAAA 2001:db8::66", "AAAA")
  same(dig(ns, "pc2.b.example.", "A").answer, "pc2.b.example. 86400 IN A 198.51.100.10", "A untouched")
  same(dig(ns, "mail.b.example.", "A").answer, "mail.b.example. 86400 IN A 198.51.100.25", "others")
end)

test("dns: silent = true never answers", function()
  local ns = authoritative({silent = true})
  eq(ns:datagram({name = "mail.b.example.", type = "A"}), nil, "no answer")
end)

test("dns: querylog = true logs each query", function()
  local ns, w = authoritative({querylog = true})
  dig(ns, "mail.b.example.", "MX")
  has(w.logs[#w.logs], "client 192.0.2.10: query: mail.b.example. IN MX +", "log")
end)

-- resolver.lua: walks -----------------------------------------------------------

test("resolver: a full walk root -> example. -> b.example. for mail.b.example A", function()
  local w, res = hierarchy()
  local r = dig(res, "mail.b.example.", "A")
  same(sent(w), {ROOT_ADDR .. " mail.b.example. A", EXAMPLE_ADDR .. " mail.b.example. A",
                 B_ADDR .. " mail.b.example. A"}, "queries")
  eq(r.rcode, "NOERROR", "rcode")
  eq(flags(r), "rd ra", "flags: RA set, AA clear")
  same(r.answer, "mail.b.example. 86400 IN A 198.51.100.25", "answer")
  local log = table.concat(w.logs, "\n")
  has(log, "resolve mail.b.example. A: ask 203.0.113.53 (a.root-servers.example.) -> referral example.", "log root")
  has(log, "ask 203.0.113.153 (ns.example.) -> referral b.example.", "log example.")
  has(log, "ask 198.51.100.53 (ns.b.example.) -> answer (1)", "log b.example.")
  for _, line in ipairs(w.logs) do
    assert(#line <= 140, "log line too long: " .. line)
  end
end)

test("resolver: MX, and the cached delegation makes the next walk one query", function()
  local w, res = hierarchy()
  dig(res, "mail.b.example.", "A")
  local mark = #w.dns.queries
  local r = dig(res, "b.example.", "MX")
  same(sent(w, mark), B_ADDR .. " b.example. MX", "straight to ns.b.example")
  eq(r.rcode, "NOERROR", "rcode")
  same(r.answer, "b.example. 86400 IN MX 10 mail.b.example.", "answer")
  eq(r.aa, false, "aa")
end)

test("resolver: a CNAME chain in one answer, and CNAMEs across zones", function()
  local w, res = hierarchy()
  same(dig(res, "www.b.example.", "A").answer,
       {"www.b.example. 3600 IN CNAME mail.b.example.", "mail.b.example. 86400 IN A 198.51.100.25"}, "www")
  -- from our own zone out into the world
  local mark = #w.dns.queries
  local r = dig(res, "shop.a.example.", "A")
  eq(r.rcode, "NOERROR", "rcode")
  eq(r.aa, false, "aa: not all of it is ours")
  same(r.answer, {"shop.a.example. 3600 IN CNAME www.b.example.",
                  "www.b.example. 3600 IN CNAME mail.b.example.",
                  "mail.b.example. 86400 IN A 198.51.100.25"}, "shop")
  same(sent(w, mark), {}, "all of it from our zone and the cache")
  -- from the world back into our own zone
  mark = #w.dns.queries
  r = dig(res, "web.b.example.", "A")
  same(r.answer, {"web.b.example. 3600 IN CNAME www.a.example.", "www.a.example. 3600 IN A 192.0.2.80"}, "web")
  same(sent(w, mark), B_ADDR .. " web.b.example. A", "one query, then our zone")
end)

test("resolver: a CNAME chain that leaves the first server's zone is walked", function()
  local w, res = hierarchy()
  local r = dig(res, "shop.a.example.", "A")
  same(sent(w), {ROOT_ADDR .. " www.b.example. A", EXAMPLE_ADDR .. " www.b.example. A",
                 B_ADDR .. " www.b.example. A"}, "the target walked")
  eq(#r.answer, 3, "CNAME, CNAME, A")
end)

test("resolver: a CNAME loop is SERVFAIL, bounded", function()
  local w, res = hierarchy()
  local r = dig(res, "loop1.b.example.", "A")
  eq(r.rcode, "SERVFAIL", "rcode")
  same(r.answer, {}, "answer")
  assert(#w.dns.queries <= 4, "queries: " .. #w.dns.queries)
  has(table.concat(w.logs, "\n"), "CNAME chain too long", "log")
end)

test("resolver: NXDOMAIN with the SOA, negatively cached, counting down", function()
  local w, res = hierarchy()
  local r = dig(res, "nosuch.b.example.", "A")
  eq(r.rcode, "NXDOMAIN", "rcode")
  eq(flags(r), "rd ra", "flags")
  same(r.authority, "b.example. 3600 IN SOA ns.b.example. hostmaster.b.example. 2002052901 3600 900 604800 3600",
       "SOA")
  local mark = #w.dns.queries
  w.clock = w.clock + 100
  r = dig(res, "nosuch.b.example.", "A")
  same(sent(w, mark), {}, "answered from the cache")
  eq(r.rcode, "NXDOMAIN", "rcode again")
  has(r.authority[1], "b.example. 3500 IN SOA", "TTL left")
  r = dig(res, "nosuch.b.example.", "MX")
  same(sent(w, mark), {}, "NXDOMAIN holds for every type (RFC 2308 5)")
  eq(r.rcode, "NXDOMAIN", "MX")
  w.clock = w.clock + 3500
  r = dig(res, "nosuch.b.example.", "A")
  same(sent(w, mark), B_ADDR .. " nosuch.b.example. A", "expired: asked again")
end)

test("resolver: NODATA is cached for its type only", function()
  local w, res = hierarchy()
  local r = dig(res, "mail.b.example.", "MX")
  eq(r.rcode, "NOERROR", "rcode")
  same(r.answer, {}, "answer")
  has(r.authority[1], " SOA ", "SOA")
  local mark = #w.dns.queries
  w.clock = w.clock + 60
  r = dig(res, "mail.b.example.", "MX")
  same(sent(w, mark), {}, "NODATA from the cache")
  has(r.authority[1], "b.example. 3540 IN SOA", "TTL left")
  r = dig(res, "mail.b.example.", "A")
  same(sent(w, mark), B_ADDR .. " mail.b.example. A", "the A is another question")
  eq(#r.answer, 1, "A")
end)

test("resolver: a NODATA for NS is no delegation: names under it still resolve", function()
  -- "dig mail.b.example NS" once broke every later query at or under that
  -- name for the negative TTL ("attempt to index a nil value")
  local w, res = hierarchy()
  local r = dig(res, "mail.b.example.", "NS")
  eq(r.rcode, "NOERROR", "NODATA")
  same(r.answer, {}, "no NS")
  r = dig(res, "mail.b.example.", "A")
  eq(r.rcode, "NOERROR", "A after the negative NS")
  eq(#r.answer, 1, "the A")
  r = dig(res, "x.mail.b.example.", "A")
  eq(r.rcode, "NXDOMAIN", "a name below it")
  r = dig(res, "mail.b.example.", "MX")
  eq(r.rcode, "NOERROR", "another type")
  -- an NS host whose A is negatively cached has no address, not a nil one
  dig(res, "ns.b.example.", "AAAA")
  r = dig(res, "b.example.", "MX", true)
  eq(r.rcode, "NOERROR", "MX of b.example")
end)

test("resolver: meta-types are NOTIMP, unknown data types NODATA, never silence", function()
  local _, res = hierarchy()
  for _, t in ipairs({"TYPE0", "OPT", "TSIG", "TKEY", "TYPE128", "TYPE248"}) do
    eq(dig(res, "b.example.", t).rcode, "NOTIMP", t)
  end
  local r = dig(res, "b.example.", "TYPE65000")
  eq(r.rcode, "NOERROR", "TYPE65000")
  same(r.answer, {}, "TYPE65000 answer")
end)

test("resolver: an internal error is SERVFAIL with one log line", function()
  local w, res = hierarchy()
  local mark = #w.logs
  w.dns.lookup_error = "broken.a.example."
  local r = dig(res, "broken.a.example.", "A")
  eq(r.rcode, "SERVFAIL", "rcode")
  has(logs_since(w, mark), "broken.a.example. A: SERVFAIL (internal error: ", "one log line")
  eq(#w.logs - mark, 1, "logged once")
  w.dns.lookup_error = nil
  eq(dig(res, "a.example.", "SOA").rcode, "NOERROR", "the next query is answered")
end)

test("resolver: a cached answer shows the TTL left, and is gone after it", function()
  local w, res = hierarchy()
  dig(res, "www.b.example.", "A")
  local mark = #w.dns.queries
  w.clock = w.clock + 100
  local r = dig(res, "www.b.example.", "A")
  same(sent(w, mark), {}, "no queries")
  same(r.answer, {"www.b.example. 3500 IN CNAME mail.b.example.", "mail.b.example. 86300 IN A 198.51.100.25"},
       "TTLs counted down")
  has(logs_since(w, 0), "resolve www.b.example. A: cache -> cname mail.b.example.", "log")
  w.clock = w.clock + 3500
  r = dig(res, "www.b.example.", "A")
  same(sent(w, mark), B_ADDR .. " www.b.example. A", "the CNAME expired: asked again")
  same(r.answer, {"www.b.example. 3600 IN CNAME mail.b.example.", "mail.b.example. 86400 IN A 198.51.100.25"},
       "both fresh from the server")
  mark = #w.dns.queries
  w.clock = w.clock + 86400           -- b.example.'s NS (86400) gone, example.'s (172800) not
  dig(res, "mail.b.example.", "A")
  same(sent(w, mark), {EXAMPLE_ADDR .. " mail.b.example. A", B_ADDR .. " mail.b.example. A"},
       "each delegation expires on its own TTL")
  mark = #w.dns.queries
  w.clock = w.clock + 172800
  dig(res, "mail.b.example.", "A")
  same(sent(w, mark), {ROOT_ADDR .. " mail.b.example. A", EXAMPLE_ADDR .. " mail.b.example. A",
                       B_ADDR .. " mail.b.example. A"}, "all expired: from the root again")
end)

test("resolver: RD clear answers from the cache, else refers to the closest zone it knows", function()
  local w, res = hierarchy()
  local r = dig(res, "mail.b.example.", "A", false)
  same(sent(w), {}, "no queries")
  eq(r.rcode, "NOERROR", "rcode")
  eq(flags(r), "ra", "flags")
  same(r.answer, {}, "answer")
  same(r.authority, ". 3600000 IN NS a.root-servers.example.", "the root, from the hints")
  same(r.additional, "a.root-servers.example. 3600000 IN A 203.0.113.53", "its address")
  dig(res, "www.b.example.", "A")
  local mark = #w.dns.queries
  w.clock = w.clock + 10
  r = dig(res, "www.b.example.", "A", false)
  same(r.answer, {"www.b.example. 3590 IN CNAME mail.b.example.", "mail.b.example. 86390 IN A 198.51.100.25"},
       "cached")
  r = dig(res, "pc2.b.example.", "A", false)
  same(r.answer, {}, "not cached")
  same(r.authority, "b.example. 86390 IN NS ns.b.example.", "the closest cut")
  same(r.additional, "ns.b.example. 86390 IN A 198.51.100.53", "with its glue")
  same(sent(w, mark), {}, "never a query")
end)

test("resolver: a referral without glue resolves the NS name first", function()
  local w, res = hierarchy()
  local r = dig(res, "www.c.example.", "A")
  eq(r.rcode, "NOERROR", "rcode")
  same(r.answer, "www.c.example. 600 IN A 198.51.100.80", "answer")
  same(sent(w), {ROOT_ADDR .. " www.c.example. A", EXAMPLE_ADDR .. " www.c.example. A",
                 EXAMPLE_ADDR .. " dns.b.example. A", B_ADDR .. " dns.b.example. A",
                 C_ADDR .. " www.c.example. A"}, "queries")
end)

-- The delegation b.example. NS ns.b.example. was cached again (a new
-- referral) while ns.b.example.'s address stayed cached from an earlier,
-- authoritative answer, which the referral's glue may not replace. That
-- address expires first: the cut is then useless on its own, since
-- finding its server's address needs the server. The parent refers again,
-- with glue.
test("resolver: a cut whose in-zone servers' addresses expired is asked of its parent", function()
  local w, res = hierarchy()
  dig(res, "mail.b.example.", "A")                 -- t0: NS and glue of b.example.
  w.clock = w.clock + 100
  eq(dig(res, "ns.b.example.", "A").rcode, "NOERROR", "the server's A as an answer, t0 + 100")
  w.clock = w.clock + 86301                        -- t0 + 86401: NS and glue gone, the answer not
  eq(dig(res, "mail.b.example.", "A").rcode, "NOERROR", "delegation cached again")
  w.clock = w.clock + 100                          -- the answer gone, the new NS not
  local mark = #w.dns.queries
  local r = dig(res, "pc2.b.example.", "A")
  eq(r.rcode, "NOERROR", "rcode")
  same(r.answer, "pc2.b.example. 86400 IN A 198.51.100.10", "answer")
  same(sent(w, mark), {EXAMPLE_ADDR .. " pc2.b.example. A", B_ADDR .. " pc2.b.example. A"},
       "example. refers again, with the glue")
end)

test("resolver: a referral back up is a loop: SERVFAIL, bounded", function()
  local w, res = hierarchy()
  local r = dig(res, "www.loop.example.", "A")
  eq(r.rcode, "SERVFAIL", "rcode")
  eq(flags(r), "rd ra", "flags")
  same(sent(w), {ROOT_ADDR .. " www.loop.example. A", EXAMPLE_ADDR .. " www.loop.example. A",
                 LOOP_ADDR .. " www.loop.example. A"}, "queries")
  local log = table.concat(w.logs, "\n")
  has(log, "ask 203.0.113.200 (ns.loop.example.) -> bad referral example.", "log")
  has(log, "SERVFAIL (no server of loop.example. answered)", "log")
end)

test("resolver: zones named in each other without glue: SERVFAIL, bounded", function()
  local w, res = hierarchy()
  local r = dig(res, "www.x.example.", "A")
  eq(r.rcode, "SERVFAIL", "rcode")
  assert(#w.dns.queries <= 8, "queries: " .. #w.dns.queries)
end)

test("resolver: a server that times out: the next one, or SERVFAIL", function()
  local w, res = hierarchy({hints = {". 3600000 IN NS a.root-servers.example.",
                                     ". 3600000 IN NS b.root-servers.example.",
                                     "a.root-servers.example. 3600000 IN A 203.0.113.99",
                                     "b.root-servers.example. 3600000 IN A 203.0.113.53"}})
  local r = dig(res, "mail.b.example.", "A")
  eq(r.rcode, "NOERROR", "the second root answered")
  same(sent(w), {"203.0.113.99 mail.b.example. A", ROOT_ADDR .. " mail.b.example. A",
                 EXAMPLE_ADDR .. " mail.b.example. A", B_ADDR .. " mail.b.example. A"}, "queries")
  has(table.concat(w.logs, "\n"), "ask 203.0.113.99 (a.root-servers.example.) -> timeout", "log")
  r = dig(res, "www.dead.example.", "A")
  eq(r.rcode, "SERVFAIL", "nobody at dead.example.")
  same(r.answer, {}, "answer")
end)

test("resolver: a lame delegation (REFUSED) is SERVFAIL", function()
  local w, res = hierarchy({b = {lame = true}})
  local r = dig(res, "mail.b.example.", "A")
  eq(r.rcode, "SERVFAIL", "rcode")
  has(table.concat(w.logs, "\n"), "ask 198.51.100.53 (ns.b.example.) -> REFUSED", "log")
end)

test("resolver: a forged answer (wrong) is believed and cached", function()
  local w, res = hierarchy({b = {wrong = {["mail.b.example."] = "203.0.113.66"}}})
  same(dig(res, "mail.b.example.", "A").answer, "mail.b.example. 86400 IN A 203.0.113.66", "forged")
  local mark = #w.dns.queries
  same(dig(res, "mail.b.example.", "A").answer, "mail.b.example. 86400 IN A 203.0.113.66", "cached")
  same(sent(w, mark), {}, "from the cache")
end)

test("resolver: records outside the asked zone are not believed", function()
  -- ns.b.example tries to move example.'s server to its own address.
  local poison = [[
    function on_datagram(s, q)
      local res = tutor.lookup(q.name, q.type)
      local copy = function(l) local o = {} for i, v in ipairs(l) do o[i] = v end return o end
      s:answer({rcode = res.kind == "nxdomain" and "NXDOMAIN" or "NOERROR", aa = true,
                answer = copy(res.answer), authority = copy(res.authority),
                additional = {"ns.example. 86400 IN A 198.51.100.66"}})
    end
  ]]
  local w, res = hierarchy({b_source = poison})
  eq(dig(res, "mail.b.example.", "A").rcode, "NOERROR", "answered")
  local mark = #w.dns.queries
  dig(res, "www.c.example.", "A")
  local list = sent(w, mark)
  eq(list[1], EXAMPLE_ADDR .. " www.c.example. A", "example.'s server where it was")
end)

test("resolver: names in its own zones are answered authoritatively, without queries", function()
  local w, res = hierarchy()
  local r = dig(res, "mail.a.example.", "A")
  eq(r.rcode, "NOERROR", "rcode")
  eq(flags(r), "aa rd ra", "flags")
  same(r.answer, "mail.a.example. 86400 IN A 192.0.2.25", "answer")
  r = dig(res, "nosuch.a.example.", "A", false)
  eq(r.rcode, "NXDOMAIN", "nxdomain")
  eq(flags(r), "aa ra", "flags without RD")
  has(r.authority[1], "a.example. 3600 IN SOA", "SOA")
  same(dig(res, "a.example.", "MX").answer, "a.example. 86400 IN MX 10 mail.a.example.", "MX")
  same(sent(w), {}, "no queries")
end)

test("resolver: opcodes, classes and transfers as dns.lua", function()
  local _, res = hierarchy()
  eq(res:datagram({name = "b.example.", type = "SOA", opcode = "NOTIFY"}).rcode, "NOTIMP", "NOTIFY")
  local r = res:datagram({name = "version.bind.", type = "TXT", class = "CH"})
  eq(r.rcode, "REFUSED", "CH")
  eq(r.ra, true, "ra")
  eq(dig(res, "a.example.", "AXFR").rcode, "REFUSED", "AXFR")
end)

test("resolver: behind another resolver.lua serving b.example (the default world)", function()
  local w, res = hierarchy({b_script = RESOLVER})
  local r = dig(res, "mail.b.example.", "A")
  eq(r.rcode, "NOERROR", "rcode")
  same(r.answer, "mail.b.example. 86400 IN A 198.51.100.25", "answer")
  same(sent(w), {ROOT_ADDR .. " mail.b.example. A", EXAMPLE_ADDR .. " mail.b.example. A",
                 B_ADDR .. " mail.b.example. A"}, "queries")
  eq(dig(res, "nosuch.b.example.", "A").rcode, "NXDOMAIN", "NXDOMAIN through it")
end)

test("resolver: a full cache drops its oldest entry", function()
  local w, res = hierarchy({resolver = {cache_entries = 3}})
  dig(res, "mail.b.example.", "A")     -- example. NS, its glue, b.example. NS, its glue, the A
  local mark = #w.dns.queries
  dig(res, "mail.b.example.", "A")
  same(sent(w, mark), {}, "the newest three kept")
  dig(res, "nosuch.b.example.", "A")   -- pushes out b.example. NS
  mark = #w.dns.queries
  dig(res, "pc2.b.example.", "A")
  eq(#sent(w, mark), 3, "b.example. forgotten: from the root again")
end)

test("resolver: a full walk costs far less than the instruction budget", function()
  local _, res = hierarchy()
  dig(res, "www.c.example.", "A")
  assert(res.instructions < mock.INSTRUCTIONS / 100,
         "instructions: " .. tostring(res.instructions))
  local cost = res.instructions
  dig(res, "www.c.example.", "A")
  assert(res.instructions <= cost, "a cache hit costs no more than a walk")
end)

h.finish()
