-- Answers a TXT record describing the query as the script saw it, and
-- logs each query, so a test can tell whether the script was called.
function on_datagram(s, q)
  tutor.log("query " .. tostring(q.name) .. " " .. tostring(q.type))
  local edns = q.edns and string.format("%d/%d/%s", q.edns.size, q.edns.version, tostring(q.edns["do"]))
               or "none"
  local text = string.format("id=%d opcode=%s rd=%s cd=%s edns=%s bytes=%d client=%s server=%s",
                             q.id, q.opcode, tostring(q.rd), tostring(q.cd), edns, q.bytes,
                             s.client.addr, s.server.addr)
  s:answer({aa = true, answer = {string.format('%s 0 IN TXT "%s"', q.name or ".", text)}})
end
