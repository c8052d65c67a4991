-- Checks of lesson 06 that need code.

local say, this_step, command_of, as_user = lib.say, lib.this_step, lib.command_of, lib.as_user

-- The address in a MAIL FROM:<...> or a From: line, in small letters.
local function address_in(text)
  local a = string.match(text, "<([^<>%s]+@[^<>%s]+)>")
            or string.match(text, "([%w%.%+%-_]+@[%w%.%-]+)")
  return a and string.lower(a) or nil
end

-- A From: line typed after DATA, in a dialogue with the student's own
-- smtp server, naming someone other than that dialogue's MAIL FROM: the
-- header's sender forged, as Klez forged it.
function checks.forged_from(ctx)
  local envelope, in_data, in_header = {}, {}, {}
  local same, froms = nil, 0
  for _, e in ipairs(ctx.events) do
    if e.kind == "sent" and e.service == "smtp" and e.extra ~= "client" then
      local s, text = e.session, e.text or ""
      if in_data[s] then
        if text == "." then
          in_data[s], in_header[s] = nil, nil
        elseif text == "" then
          in_header[s] = nil
        elseif in_header[s] and string.find(string.lower(text), "^from:") then
          froms = froms + 1
          local a = address_in(text)
          if a and a ~= envelope[s] then return true, "" end
          same = a
        end
      elseif matches(text, "^MAIL FROM:", true) then
        envelope[s] = address_in(text)
      elseif matches(text, "^DATA$", true) then
        in_data[s], in_header[s] = true, true
      end
    end
  end
  if same then
    return false, say(ctx, "your From: line names the envelope's own address, " .. same
                      .. ": that is no forgery; name someone else, From: Carol <carol@freemail.example>",
                      "From: 行が封筒と同じアドレス " .. same .. " です。これでは詐称になりません。"
                      .. "別の人を名乗りましょう: From: Carol <carol@freemail.example>")
  end
  if froms > 0 then
    return false, say(ctx, "your From: line holds no mail address", "From: 行にメールアドレスがありません")
  end
  return false, say(ctx, "you have typed no From: line after DATA in this step",
                    "このステップではまだ DATA の後に From: 行を打っていません")
end

-- The mail was checked (inbox or check) in a mail client other than bob's.
function checks.checked_not_as_bob(ctx)
  return as_user(ctx, function(e, user)
    if e.kind == "command" and user ~= "bob" then
      local name = command_of(e)
      return name == "inbox" or name == "check"
    end
  end), ""
end

-- send ran and failed: a word of the subject or text taken for an address.
function checks.send_failed(ctx)
  for _, e in ipairs(ctx.events) do
    if e.kind == "command" and e.rc == 1 and command_of(e) == "send" then return true, "" end
  end
  return false, ""
end
