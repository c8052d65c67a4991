-- Answers "nN.anything." with N TXT records of 100 characters each (113
-- bytes each on the wire, the owner compressed): sizes around the 512-byte
-- UDP limit, EDNS's 1232 and TCP's 65535. "aN.anything." gets N A records
-- (16 bytes each): many records in a small message.
function on_datagram(s, q)
  local kind, n = q.name:match("^([na])(%d+)%.")
  n = tonumber(n) or 1
  local answer = {}
  for i = 1, n do
    if kind == "a" then
      answer[i] = string.format("%s 300 IN A 10.%d.%d.%d", q.name, i >> 16, i >> 8 & 255, i & 255)
    else
      answer[i] = string.format('%s 300 IN TXT "%03d%s"', q.name, i, string.rep("x", 97))
    end
  end
  s:answer({aa = true, answer = answer})
end
