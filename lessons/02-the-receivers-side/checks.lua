-- Checks of lesson 02 that need code.

local say, this_step, command_of, as_user = lib.say, lib.this_step, lib.command_of, lib.as_user

-- The line was dropped: a POP3 session in which messages were marked
-- (DELE) closed without QUIT, so it never reached the UPDATE state.
function checks.dropped_line(ctx)
  local marked, quit, open = {}, {}, false
  for _, e in ipairs(ctx.events) do
    if e.service == "pop3" then
      if e.kind == "connect" then
        open = true
      elseif e.kind == "sent" then
        if matches(e.text, "^DELE ", true) then marked[e.session] = true end
        if matches(e.text, "^QUIT", true) then quit[e.session] = true end
      elseif e.kind == "closed" then
        open = false
        if marked[e.session] and not quit[e.session] then return true, "" end
      end
    end
  end
  for _, q in pairs(quit) do
    if q then
      return false, say(ctx, "you left with QUIT", "QUIT で抜けました")
    end
  end
  return false, say(ctx, "the dialogue is still open, or nothing was marked in it",
                    "対話がまだ続いているか、DELE で印を付けていません")
end

-- The whole header was shown: read N --headers, read N --raw or headers N.
function checks.whole_header(ctx)
  local ran = {}
  for _, e in ipairs(ctx.events) do
    if e.kind == "command" then
      local name, args = command_of(e)
      if e.rc == 0 and (name == "headers" or (name == "read" and
          (string.find(args, "%-%-headers") or string.find(args, "%-%-raw")))) then
        return true, ""
      end
      if name == "read" or name == "headers" then ran[#ran + 1] = e.text end
    end
  end
  if #ran == 0 then
    return false, say(ctx, "you have not read a mail in this step",
                      "このステップではまだメールを読んでいません")
  end
  return false, say(ctx, "you ran: ", "実行したコマンド: ") .. table.concat(ran, ", ")
end

-- The mail was checked (inbox or check) in a mail client other than bob's
-- (a mistake on the steps where bob checks his).
function checks.checked_not_as_bob(ctx)
  return as_user(ctx, function(e, user)
    if e.kind == "command" and user ~= "bob" then
      local name = command_of(e)
      return name == "inbox" or name == "check"
    end
  end), ""
end

-- inbox --delete (or check --delete) run in a mail client other than bob's.
function checks.deleted_not_as_bob(ctx)
  return as_user(ctx, function(e, user)
    if e.kind == "command" and user ~= "bob" then
      local name, args = command_of(e)
      return (name == "inbox" or name == "check") and string.find(args, "%-%-delete") ~= nil
    end
  end), ""
end

-- send ran and failed, other than bob's own server refusing carol: a word
-- of the subject or text taken for an address.
function checks.send_failed(ctx)
  return as_user(ctx, function(e, user)
    if e.kind == "command" and e.rc ~= 0 and command_of(e) == "send" then
      return not (user == "bob" and string.find(e.text, "carol@b%.example"))
    end
  end), ""
end

-- send to carol failed in bob's mail client: his own server, which knows
-- its users, refuses her at once.
function checks.refused_as_bob(ctx)
  return as_user(ctx, function(e, user)
    return e.kind == "command" and e.rc ~= 0 and user == "bob" and command_of(e) == "send"
           and string.find(e.text, "carol@b%.example") ~= nil
  end), ""
end
