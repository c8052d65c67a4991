-- A backtracking pattern the instruction hook could not interrupt.
function on_connect(s)
  s:reply(220, "pattern ready")
end

function on_line(s, line)
  local subject = ("a"):rep(20000)
  s:reply(250, tostring(subject:find("(.-)(.-)(.-)(.-)b")))
end
