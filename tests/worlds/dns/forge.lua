-- Answers with an ID of its own choosing: a forged answer, which a client
-- must not take for the answer to its query.
function on_datagram(s, q)
  s:answer({id = 4711, aa = true, answer = {q.name .. " 60 IN A 192.0.2.66"}})
end
