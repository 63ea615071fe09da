-- line 1
function ok() return aura.allow() end

function broken(event
  return aura.allow()
end
