-- Tries to read a file of the host.
function on_connect(s)
  s:reply(220, "files ready")
end

function on_line(s, line)
  local f = io.open("/etc/passwd")
  s:reply(250, f:read("a"))
end
