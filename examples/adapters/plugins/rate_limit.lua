-- A Lua plugin: allows at most `config.max_calls` tool calls per session.
local calls = 0

function on_tool(event, ctx)
  calls = calls + 1
  local max = (ctx.config and ctx.config.max_calls) or 3
  if calls > max then
    return aura.deny("rate limit: more than " .. max .. " tool calls")
  end
  return aura.allow()
end
