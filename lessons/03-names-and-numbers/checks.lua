-- Checks of lesson 03 that need code.

local say, words = lib.say, lib.words

-- Does one of the words match one of the patterns?
local function has_word(ws, pats)
  if type(pats) == "string" then pats = { pats } end
  for _, w in ipairs(ws) do
    for _, p in ipairs(pats) do
      if string.find(w, p) then return true end
    end
  end
  return false
end

-- The words a dig may be given for a server or a name, with or without the
-- root's dot, by name or by number.
local W = {
  root = { "^@a%.root%-servers%.example%.?$", "^@203%.0%.113%.53$" },
  ns_example = { "^@ns%.example%.?$", "^@203%.0%.113%.153$" },
  ns_b = { "^@ns%.b%.example%.?$", "^@198%.51%.100%.53$" },
  ns_a = { "^@ns%.a%.example%.?$", "^@192%.0%.2%.53$" },
  mail_b = "^mail%.b%.example%.?$",
  www_b = "^www%.b%.example%.?$",
  pc2_b = "^pc2%.b%.example%.?$",
  b = "^b%.example%.?$",
  ns = "^ns$",
  x = "^%-x$",
  norec = "^%+norec",
  trace = "^%+trace$",
  wire = "^%+wire$",
}

-- Whether a dig that succeeded in this step had every word of `want` and
-- none of `without`; the actual text lists the last digs run.
local function dig(ctx, want, without)
  local ran = {}
  for _, e in ipairs(ctx.events) do
    if e.kind == "command" and e.rc == 0 then
      local name, args = string.match(e.text or "", "^(%S+)%s*(.*)$")
      if name == "dig" then
        local ws, ok = words(args), true
        for _, p in ipairs(want) do
          if not has_word(ws, p) then ok = false end
        end
        for _, p in ipairs(without or {}) do
          if has_word(ws, p) then ok = false end
        end
        if ok then return true, "" end
        ran[#ran + 1] = "\"" .. e.text .. "\""
      end
    end
  end
  if #ran == 0 then
    return false, say(ctx, "you have not run dig in this step",
                      "このステップではまだ dig を実行していません")
  end
  local from = math.max(1, #ran - 2)
  return false, say(ctx, "you ran: ", "実行したコマンド: ") ..
                table.concat(ran, ", ", from)
end

function checks.trace_mail_b(ctx) return dig(ctx, { W.trace, W.mail_b }) end
function checks.root_norec(ctx) return dig(ctx, { W.root, W.mail_b, W.norec }) end
function checks.root_rd(ctx) return dig(ctx, { W.root, W.mail_b }, { W.norec }) end
function checks.ns_example_norec(ctx) return dig(ctx, { W.ns_example, W.mail_b, W.norec }) end
function checks.ns_b_norec(ctx) return dig(ctx, { W.ns_b, W.mail_b, W.norec }, { W.wire }) end
function checks.registry_ns(ctx) return dig(ctx, { W.ns_example, W.b, W.ns }) end
function checks.ptr_at_ns_b(ctx)
  return dig(ctx, { W.ns_b, W.x, "^192%.0%.2%.25$", W.norec })
end
function checks.ns_a_mail_b(ctx) return dig(ctx, { W.ns_a, W.mail_b, W.norec }) end
function checks.ns_a_pc2_b(ctx) return dig(ctx, { W.ns_a, W.pc2_b, W.norec }) end
function checks.wire_mail_b(ctx) return dig(ctx, { W.ns_b, W.mail_b, W.norec, W.wire }) end
function checks.wire_www_b(ctx) return dig(ctx, { W.ns_b, W.www_b, W.norec, W.wire }) end
function checks.trace_x_a(ctx) return dig(ctx, { W.x, "^192%.0%.2%.25$", W.trace }) end
function checks.trace_x_b(ctx) return dig(ctx, { W.x, "^198%.51%.100%.25$", W.trace }) end

-- The name was given where the server belongs: dig NAME NAME, without @.
function checks.server_without_at(ctx)
  for _, e in ipairs(ctx.events) do
    if e.kind == "command" and e.rc ~= 0 then
      local name, args = string.match(e.text or "", "^(%S+)%s*(.*)$")
      local first = words(args)[1] or ""
      if name == "dig" and (string.find(first, "^a%.root%-servers%.example%.?$") or
                            string.find(first, "^ns%.[ab]?%.?example%.?$")) then
        return true, ""
      end
    end
  end
  return false, ""
end

-- The DNS answers of this step: {name, type, server, rcode}.
local function answers(ctx)
  local out = {}
  for _, e in ipairs(ctx.events) do
    if e.kind == "dns" then
      out[#out + 1] = { name = e.text, qtype = e.service, server = e.host, rc = e.rc }
    end
  end
  return out
end

-- ns.example itself refused www.other.org (status REFUSED is 5).
function checks.refused_by_ns_example(ctx)
  local asked = {}
  for _, a in ipairs(answers(ctx)) do
    if a.name == "www.other.org." and a.server == "203.0.113.153" and a.rc == 5 then
      return true, ""
    end
    asked[#asked + 1] = a.name .. " @" .. a.server
  end
  if #asked == 0 then
    return false, say(ctx, "you have asked the DNS nothing in this step",
                      "このステップではまだ DNS に問い合わせていません")
  end
  return false, say(ctx, "you asked: ", "問い合わせ: ") .. table.concat(asked, ", ")
end

-- www.other.org asked of the resolver instead of ns.example.
function checks.other_org_at_resolver(ctx)
  for _, a in ipairs(answers(ctx)) do
    if a.name == "www.other.org." and a.server == "192.0.2.53" then return true, "" end
  end
  return false, ""
end

-- The same question asked twice of the resolver with a dialogue between:
-- an answer with `rcode` for a name matching `pat`, a server dialogue
-- closed, then the same name and type again.
local function twice_around_dialogue(ctx, pat, rcode)
  local first, closed = nil, false
  for _, e in ipairs(ctx.events) do
    if e.kind == "dns" and e.host == "192.0.2.53" and e.rc == rcode and
       string.find(e.text, pat) then
      if first and closed and first.text == e.text and first.service == e.service then
        return true, ""
      end
      if not first or not closed then first = e end
    elseif e.kind == "closed" and first then
      closed = true
    end
  end
  if not first then
    return false, say(ctx, "the first question has not been asked yet",
                      "最初の問い合わせをまだしていません")
  end
  if not closed then
    return false, say(ctx, "no server dialogue after the first question yet",
                      "最初の問い合わせのあと、まだサーバとの対話をしていません")
  end
  return false, say(ctx, "the same question has not been asked again after the dialogue",
                    "対話のあと、同じ問い合わせをまだしていません")
end

function checks.cache_mail_b(ctx)
  return twice_around_dialogue(ctx, "^mail%.b%.example%.$", 0)
end

function checks.negative_twice(ctx)
  return twice_around_dialogue(ctx, "%.", 3)
end

-- A name outside this world (REFUSED), other than the one the REFUSED step
-- asks about on purpose, and than an address given as a name (a mistake
-- of its own).
function checks.outside_world(ctx)
  for _, a in ipairs(answers(ctx)) do
    if a.rc == 5 and a.name ~= "www.other.org." and not string.find(a.name, "^[%d%.]+$") then
      return true, ""
    end
  end
  return false, ""
end
