-- A script that does not compile: the server never starts.
function on_connect(s)
  s:reply(220, "never"
end
