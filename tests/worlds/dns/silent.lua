-- Hears every query and answers none: the client times out.
function on_datagram(s, q)
  tutor.log("heard " .. tostring(q.name))
end
