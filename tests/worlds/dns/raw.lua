-- Answers raw bytes, whatever the question: not even a DNS header.
function on_datagram(s, q)
  s:answer("\18\52\0raw\255\0bytes\n")
end
