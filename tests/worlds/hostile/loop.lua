-- Greets, then spins forever on the first line, even catching its own
-- budget error: the host's re-armed hook must end it anyway.
function on_connect(s)
  s:reply(220, "loop ready")
end

function on_line(s, line)
  while true do
    pcall(function() while true do end end)
  end
end
