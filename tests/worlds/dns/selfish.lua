-- Asks itself, three times, before answering what it heard back.
function on_datagram(s, q)
  local got = {}
  for i = 1, 3 do
    local r, err = tutor.query(s.server.addr, q.name, q.type, {rd = true})
    got[i] = r and "answer" or tostring(err)
  end
  s:answer({answer = {string.format('%s 0 IN TXT "%s"', q.name, table.concat(got, " "))}})
end
