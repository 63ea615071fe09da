-- The SDK examples' guard in Lua (aura's in-process Lua API), for the
-- cross-language test (run.sh all): the same check and tag decisions.
function check(event, ctx)
  local args = event.data.args or {}
  local command = args.command
  if type(command) ~= "string" then return aura.allow() end
  if string.find(command, "rm -rf", 1, true) then return aura.deny("guard: rm -rf is not allowed") end
  return aura.allow()
end

function tag(event, ctx)
  local summary = event.data.summary
  if type(summary) ~= "string" then error("tag: the event has no summary") end
  if string.sub(summary, 1, 4) == "OPS-" then return aura.allow() end
  return aura.mutate({summary = "OPS-0: " .. summary})
end
