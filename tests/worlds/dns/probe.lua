-- A client through tutor.query: "192-0-2-107.rest.of.name." asks
-- 192.0.2.107 for rest.of.name. (the query's type and RD), and answers a
-- TXT record saying what came back.
function on_datagram(s, q)
  local dot = q.name:find(".", 1, true)
  local target = (q.name:sub(1, dot - 1):gsub("-", "."))
  local r, err = tutor.query(target, q.name:sub(dot + 1), q.type, {rd = q.rd})
  local text
  if r then
    text = string.format("rcode=%s id=%d aa=%s ra=%s tc=%s n=%d bytes=%d rtt=%d", r.rcode, r.id,
                         tostring(r.aa), tostring(r.ra), tostring(r.tc), #r.answer, r.bytes, r.rtt)
  else
    text = "nil " .. tostring(err)
  end
  s:answer({answer = {string.format('%s 0 IN TXT "%s"', q.name, text)}})
end
