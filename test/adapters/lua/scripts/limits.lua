-- Scripts that run past their bounds.
function spin(event, ctx)
  while true do end
end

function spin_in_pcall(event, ctx)
  -- catching the budget error must not let the loop go on
  while true do
    pcall(function() while true do end end)
  end
end

function memory_bomb(event, ctx)
  local t = {}
  local i = 0
  while true do
    i = i + 1
    t[i] = string.rep("x", 1024) .. i
  end
end

function memory_bomb_caught(event, ctx)
  local ok = pcall(function()
    local t = {}
    for i = 1, 1e9 do t[i] = string.rep("y", 4096) .. i end
  end)
  return aura.allow()  -- answers as if nothing happened
end

function big_string(event, ctx)
  return aura.mutate({ s = string.rep("z", 1 << 28) })
end

function rep_empty(event, ctx)
  return aura.mutate({ s = string.rep("", 1 << 40) })
end

function quick(event, ctx)
  local n = 0
  for i = 1, 100 do n = n + i end
  return aura.mutate({ sum = n })
end

function deep_answer(event, ctx)
  local t = {}
  local cur = t
  for i = 1, 200 do cur.next = {}; cur = cur.next end
  return aura.mutate(t)
end
