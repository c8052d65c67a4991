-- Calls each host function with the state's nth allocation failing, for n
-- = 1, 2, ... until one call gets through, so that every point where the C
-- side can meet the memory cap is passed once. `squeeze(n, f, ...)` is the
-- test's (tests/unit/test_dns.c): pcall with the nth allocation failing.
-- Answers TXT: how many tries each call took.
local TRIES_MAX = 100000

local function squeezed(f, ...)
  for n = 1, TRIES_MAX do
    local ok = squeeze(n, f, ...)
    if ok then return n end
  end
  error("never got through")
end

function on_datagram(s, q)
  local peer = server.settings.peer
  local tries = {
    squeezed(tutor.lookup, "mail.b.example.", "A"),
    squeezed(tutor.lookup, "nothing.b.example.", "A"),
    squeezed(tutor.hints),
    squeezed(tutor.query, peer, "n3.big.test.", "TXT"),
    squeezed(tutor.query, peer, "n20.big.test.", "TXT"),    -- TC, then TCP
    squeezed(tutor.query, "192.0.2.99", "x.test.", "A"),
  }
  local text = table.concat(tries, " ")
  squeezed(s.answer, s, {answer = {string.format('%s 0 IN TXT "%s"', q.name, text)}})
end
