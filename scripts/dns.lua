--[[
dns.lua: an authoritative name server, as RFC 1034 4.3.2 and RFC 1035 4
describe it. It serves the zones of server.settings.zones (master files,
RFC 1035 5, read by the host) and nothing else: the root, example., the
reverse zones.

  Header (RFC 1035 4.1.1): the host copies ID, RD, CD and the question; we
  set AA when the answer comes from our zones, and never RA: an
  authoritative server does not recurse (RFC 1034 4.3.1), so dig, which
  sets RD, warns "recursion requested but not available".
  Opcode: only QUERY; IQUERY (obsolete, RFC 3425), STATUS, NOTIFY (RFC
  1996) and UPDATE (RFC 2136) get NOTIMP (RFC 1035 4.1.1).
  Class: only IN. Another class (CH, HS, ANY) gets REFUSED, not NOTIMP:
  the server understands the query but serves no zone of that class, which
  is what BIND says; NOTIMP would claim it cannot parse the kind of query.
  Zone transfers (AXFR, IXFR; RFC 5936) are REFUSED, as BIND does with
  allow-transfer { none; }: they need TCP, and the lesson is about lookups.
  The answer: what tutor.lookup says, its kind mapped to the rcode:
    answer   NOERROR, the records (CNAME chains followed in our zones)
    referral NOERROR, AA clear, NS in authority, glue in additional (4.3.2)
    nodata   NOERROR, empty answer, the SOA in authority (RFC 2308 2.2)
    nxdomain NXDOMAIN, the SOA in authority (RFC 2308 2.1)
    refused  REFUSED: a name in none of our zones
  The SOA's TTL there is already the negative TTL (RFC 2308 3, 5).

Settings an instructor can add to the service in the world file, to make
this server misbehave the way real ones do:

  lame = true      answer REFUSED to everything: a lame delegation (RFC
                   1912 2.8), the parent lists a server that does not serve
                   the zone. A resolver tries the next server, or SERVFAILs.
  silent = true    never answer: every query times out (a dead server, or
                   a firewall dropping port 53).
  wrong = {["www.b.example."] = "203.0.113.66"}
                   answer A queries for these names (AAAA when the address
                   has a ":") with this address, authoritatively, TTL
                   WRONG_TTL: a forged record, as from a hijacked or
                   misconfigured server. Caches keep it for that long.
  querylog = true  log each query, as BIND's querylog does.

Only the host API of scripts/README.md is used. Host tables are read-only
proxies, walked with ipairs; s:answer gets plain tables of our own.
]]

-- Limits ------------------------------------------------------------------

local WRONG_TTL = 86400             -- a forged record's TTL: a day in every cache

local RCODE_OF_KIND = {             -- tutor.lookup's kind -> the response's RCODE
  answer = "NOERROR",
  referral = "NOERROR",
  nodata = "NOERROR",
  nxdomain = "NXDOMAIN",
  refused = "REFUSED",
}

local ZONE_TRANSFERS = {AXFR = true, IXFR = true}

-- Helpers -----------------------------------------------------------------

local function setting(name, default)
  local settings = server.settings
  local value = settings and settings[name]
  if value == nil then return default end
  return value
end

-- A host list (a read-only proxy) as a plain table s:answer can read.
local function copy(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  return out
end

local function reply(s, rcode, res)
  res = res or {}
  s:answer({rcode = rcode, aa = res.aa == true, ra = false,
            answer = copy(res.answer), authority = copy(res.authority),
            additional = copy(res.additional)})
end

-- The forged record for this question, if settings.wrong names it.
local function forgery(q)
  local wrong = setting("wrong")
  if not wrong then return nil end
  local name = q.name:lower()
  local addr = wrong[name] or wrong[name:sub(1, -2)]
  if type(addr) ~= "string" then return nil end
  local rtype = addr:find(":", 1, true) and "AAAA" or "A"
  if q.type ~= rtype then return nil end
  return string.format("%s %d IN %s %s", q.name, WRONG_TTL, rtype, addr)
end

-- The server ----------------------------------------------------------------

-- Meta-types (RFC 6895 3.1) ask for no data: TYPE0, OPT, TKEY, TSIG and
-- the unassigned 128-248 get NOTIMP (RFC 8906 3.1.2, as Knot answers
-- TYPE0); any other unknown type is data that is not here.
local META_TYPES = {TYPE0 = true, OPT = true, TKEY = true, TSIG = true}

local function is_meta(rtype)
  local n = tonumber(rtype:match("^TYPE(%d+)$"))
  return META_TYPES[rtype] or (n ~= nil and n >= 128 and n <= 248)
end

function on_datagram(s, q)
  if setting("silent") then return end
  if setting("querylog") then
    tutor.log(string.format("client %s: query: %s %s %s %s%s", s.client.addr, q.name,
                            q.class, q.type, q.rd and "+" or "-", q.edns and "E" or ""))
  end
  if q.opcode ~= "QUERY" or is_meta(q.type) then return reply(s, "NOTIMP") end
  if setting("lame") or q.class ~= "IN" or ZONE_TRANSFERS[q.type] then
    return reply(s, "REFUSED")
  end
  local forged = forgery(q)
  if forged then return reply(s, "NOERROR", {aa = true, answer = {forged}}) end
  local res = tutor.lookup(q.name, q.type)
  reply(s, RCODE_OF_KIND[res.kind] or "SERVFAIL", res)
end
