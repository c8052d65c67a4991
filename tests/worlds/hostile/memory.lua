-- Tries to eat all memory when a line arrives.
function on_connect(s)
  s:reply(220, "memory ready")
end

function on_line(s, line)
  local t = {}
  for i = 1, 1e9 do
    t[i] = line .. i .. ("x"):rep(100)
  end
end
