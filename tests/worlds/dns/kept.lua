-- Answers one A record with leave for the host to keep the answer
-- (s:answer's cache), and logs each call, so a test can tell whether the
-- host answered from its cache. The name's first label picks the case:
-- zone. (TTLs kept as they are), fail. (SERVFAIL), zero. (TTL 0),
-- short. (TTL 2), bad. (a cache value there is not); anything else "ttl"
-- with TTL 300.
function on_datagram(s, q)
  tutor.log("asked " .. q.name .. " " .. q.type)
  local first = q.name:match("^([^.]*)")
  local mode, ttl, rcode = "ttl", 300, "NOERROR"
  if first == "zone" then mode = "zone" end
  if first == "fail" then rcode = "SERVFAIL" end
  if first == "zero" then ttl = 0 end
  if first == "short" then ttl = 2 end
  if first == "bad" then mode = "forever" end
  s:answer({rcode = rcode, aa = true, answer = {q.name .. " " .. ttl .. " IN A 192.0.2.1"},
            cache = mode})
end
