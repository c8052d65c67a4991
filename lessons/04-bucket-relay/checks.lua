-- Checks of lesson 04 that need code.

-- A mail handed to a mail server while "trace on" showed the hops: by
-- the mail client (send) or by hand (the "." that ends DATA, answered
-- 250). "trace off" in between turns it off again.
function checks.mail_sent_traced(ctx)
  local tracing, untraced = false, false
  local last = {}
  for _, e in ipairs(ctx.events) do
    if e.kind == "command" and e.service == "trace" then
      if string.find(e.text, "^trace on") then tracing = true
      elseif string.find(e.text, "^trace off") then tracing = false end
    elseif e.kind == "command" and e.service == "send" and e.rc == 0 then
      if tracing then return true, "" end
      untraced = true
    elseif e.kind == "sent" and e.service == "smtp" then
      last[e.session] = e.text
    elseif e.kind == "reply" and e.service == "smtp" and last[e.session] == "."
           and string.find(e.text, "^250") then
      if tracing then return true, "" end
      untraced = true
    end
  end
  if untraced then
    return false, ctx.lang == "ja" and "メールは送りましたが、そのとき trace on になっていませんでした"
                                    or "you sent a mail, but trace was not on then"
  end
  return false, ctx.lang == "ja" and "まだメールを送っていません"
                                  or "you have not sent a mail yet"
end
