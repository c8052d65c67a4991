-- Checks of lesson 00 that need code.

-- The computers of the default world, by every name or number that
-- telnet takes for them: host name, node name, addresses.
local KNOWN = {}
for _, names in ipairs({
  {"pc1.a.example", "pc1", "192.0.2.10"},
  {"gw.a.example", "gw-a", "192.0.2.1", "203.0.113.1"},
  {"mail.a.example", "mail-a", "www.a.example", "192.0.2.25"},
  {"ns.a.example", "ns-a", "192.0.2.53"},
  {"r1.net.example", "r1", "203.0.113.2", "203.0.113.5", "203.0.113.49"},
  {"r2.net.example", "r2", "203.0.113.6", "203.0.113.9", "203.0.113.145"},
  {"gw.b.example", "gw-b", "198.51.100.1", "203.0.113.10"},
  {"mail.b.example", "mail-b", "www.b.example", "198.51.100.25"},
  {"ns.b.example", "ns-b", "198.51.100.53"},
  {"pc2.b.example", "pc2", "198.51.100.10"},
  {"a.root-servers.example", "root-ns", "203.0.113.53"},
  {"ns.example", "tld-ns", "203.0.113.153"},
  {"localhost", "127.0.0.1"},
}) do
  for _, n in ipairs(names) do KNOWN[n] = true end
end

-- "telnet HOST SERVICE": the host (lower case, without a final dot) and
-- the service, or nil.
local function telnet_args(e)
  if e.kind ~= "command" then return nil end
  local host, svc = string.match(e.text, "^telnet%s+(%S+)%s*(%S*)")
  if not host then return nil end
  host = string.lower(host):gsub("%.$", "")
  return host, string.lower(svc)
end

-- The POP3 server talked to in this step runs on the same computer as an
-- SMTP server talked to before (mail.a.example's two doors).
function checks.pop3_same_host(ctx)
  local smtp_hosts = {}
  for _, e in ipairs(ctx.all) do
    if e.kind == "connect" and e.service == "smtp" then smtp_hosts[e.host] = true end
  end
  local seen = nil
  for _, e in ipairs(ctx.events) do
    if e.kind == "connect" and e.service == "pop3" then
      if smtp_hosts[e.host] then return true, "" end
      seen = e.host
    end
  end
  if seen then
    return false, (ctx.lang == "ja" and "POP3 で話した相手: " or "you talked to POP3 on ") .. seen
  end
  return false, ctx.lang == "ja" and "まだ POP3 サーバにつないでいません"
                                  or "you have not connected to a POP3 server yet"
end

-- A telnet to port 25 of a computer of the world, refused: no SMTP server
-- waits there.
function checks.refused_smtp(ctx)
  local tried = nil
  for _, e in ipairs(ctx.events) do
    local host, svc = telnet_args(e)
    if host and (svc == "smtp" or svc == "25") then
      if e.rc ~= 0 and KNOWN[host] then return true, "" end
      tried = e.text
    end
  end
  if tried then
    return false, (ctx.lang == "ja" and "最後に試したもの: " or "your last try: ") .. tried
  end
  return false, ctx.lang == "ja" and "まだ telnet ホスト smtp を試していません"
                                  or "you have not tried telnet HOST smtp yet"
end

-- A telnet that failed because the name is no computer of the world.
function checks.telnet_unknown_host(ctx)
  for _, e in ipairs(ctx.events) do
    local host = telnet_args(e)
    if host and e.rc ~= 0 and not KNOWN[host] then return true, "" end
  end
  return false, ""
end
