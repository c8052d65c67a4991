-- A DNS server that thinks until its deadline before every answer: a
-- script that asks it in a loop (tutor.query) must still end by its own.
function on_datagram(s, q)
  local s = ""
  while true do s = s .. "x" end
end
