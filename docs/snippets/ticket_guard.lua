-- ticket_guard.lua
function on_intent(event, ctx)
  for _, t in ipairs(event.data.tickets) do
    if t:match("^OPS%-%d+$") then return aura.allow() end
  end
  return aura.deny("Intent must reference an OPS-### ticket.")
end
