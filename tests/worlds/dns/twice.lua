-- Answers twice. "caught.*" catches the second answer's error and logs it;
-- "meta.*" answers from inside the first answer's own table (its __index
-- answers raw bytes while the host reads the table); anything else lets
-- the second answer's error end the script. The first answer must stand.
function on_datagram(s, q)
  if q.name:find("meta.", 1, true) == 1 then
    local r = setmetatable({}, {__index = function(_, k)
      if k == "rcode" then s:answer("\1\2early") end
    end})
    local ok, err = pcall(s.answer, s, r)
    tutor.log("answer from __index: " .. tostring(ok) .. " " .. tostring(err))
    return
  end
  s:answer({answer = {q.name .. " 60 IN A 192.0.2.1"}})
  if q.name:find("caught.", 1, true) == 1 then
    local ok, err = pcall(s.answer, s, {answer = {q.name .. " 60 IN A 192.0.2.2"}})
    tutor.log("second answer: " .. tostring(ok) .. " " .. tostring(err))
    return
  end
  s:answer({answer = {q.name .. " 60 IN A 192.0.2.2"}})
end
