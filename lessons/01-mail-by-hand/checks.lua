-- Checks of lesson 01 that need code.

-- QUIT typed while the letter was being written: after DATA's 354 the
-- server answered nothing more, and the student's last line is QUIT.
function checks.quit_inside_data(ctx)
  local in_data, last = false, nil
  for _, e in ipairs(ctx.events) do
    if e.service == "smtp" then
      if e.kind == "reply" then
        in_data = string.find(e.text, "^354") ~= nil
      elseif e.kind == "sent" then
        last = e.text
      elseif e.kind == "closed" then
        in_data = false
      end
    end
  end
  return in_data and last ~= nil and matches(last, "^QUIT", true), ""
end
