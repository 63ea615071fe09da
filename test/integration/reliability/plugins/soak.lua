-- soak.lua: allows every tick, and denies one whose data says so.
function on_tick(event, ctx)
  if event.data.deny then
    return aura.deny("asked to deny")
  end
  return aura.allow()
end
