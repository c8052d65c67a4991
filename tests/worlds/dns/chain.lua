-- Passes every query on to server.settings.next (the last node points back
-- at the first: a ring of servers asking servers), then answers the
-- records that came back after one of its own saying how that went.
function on_datagram(s, q)
  local r, err = tutor.query(server.settings.next, q.name, q.type)
  local answer = {string.format('%s 0 IN TXT "%s %s"', q.name, server.node, r and "asked" or err)}
  for _, rr in ipairs(r and r.answer or {}) do answer[#answer + 1] = rr end
  s:answer({answer = answer})
end
