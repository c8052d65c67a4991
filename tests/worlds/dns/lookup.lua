-- Answers a TXT record with what tutor.lookup says about the question and
-- how many root hints tutor.hints has; logs the errors of two lookups the
-- host must refuse.
function on_datagram(s, q)
  local r = tutor.lookup(q.name, q.type)
  local hints = tutor.hints()
  local text = string.format("kind=%s aa=%s answer=%d authority=%d additional=%d hints=%d",
                             r.kind, tostring(r.aa), #r.answer, #r.authority, #r.additional, #hints)
  local _, bad_type = pcall(function() return tutor.lookup(q.name, "TYPE0") end)
  local _, bad_name = pcall(function() return tutor.lookup(string.rep("a", 64) .. ".example.", "A") end)
  tutor.log("bad type: " .. tostring(bad_type))
  tutor.log("bad name: " .. tostring(bad_name))
  s:answer({answer = {string.format('%s 0 IN TXT "%s"', q.name, text)}})
end
