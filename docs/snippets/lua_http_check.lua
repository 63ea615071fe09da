function on_intent(event, ctx)
  local res, err = aura.http{url = "https://api.example.com/check"}
  if not res then return aura.deny("check service unavailable: " .. err) end
  return aura.allow()
end
