-- Answers that are not answers, chosen by the question's first label: a
-- record that is not one (its address has five parts), a record that is
-- not a string, an rcode given as a number, an rcode nobody knows (made
-- by the table's __index, so only the host's stack holds it), an ID out
-- of range. Each makes s:answer raise, naming what is wrong.
local BAD = {
  record = function(q) return {answer = {q.name .. " 60 IN A 192.0.2.1.5"}} end,
  number = function(q) return {authority = {q.name .. " 60 IN A 192.0.2.1", 42}} end,
  rcode3 = function(q) return {rcode = 3} end,
  unknown = function(q)
    return setmetatable({}, {__index = function(_, k)
      if k == "rcode" then return "NO" .. string.rep("PE", 20) end
    end})
  end,
  id = function(q) return {id = 65536} end,
}

function on_datagram(s, q)
  s:answer(BAD[q.name:match("^[^.]*")](q))
end
