-- Handlers for each decision kind, used by test_lua_plugin.cpp.

function on_allow(event, ctx)
  return aura.allow()
end

function on_deny(event, ctx)
  return aura.deny("summary must mention a ticket, got: " .. event.data.summary)
end

function on_mutate(event, ctx)
  return aura.mutate({ summary = event.data.summary .. " [OPS-1]", draft = aura.null })
end

function on_json_patch(event, ctx)
  return aura.mutate({ { op = "add", path = "/tickets/-", value = "OPS-2" } }, "json_patch")
end

function on_allow_effects(event, ctx)
  return aura.allow({ notice = "seen " .. event.name })
end

function on_deny_effects(event, ctx)
  return aura.deny("blocked", { notice = "denied" })
end

function on_mutate_effects(event, ctx)
  return aura.mutate({ n = 1 }, { notice = "patched" })
end

function on_plain_table(event, ctx)
  -- the wire form written by hand is accepted too
  return { decision = "deny", reason = "plain" }
end

-- what the handler sees
function echo(event, ctx)
  return aura.mutate({
    id = event.id, name = event.name, time = event.time, source = event.source,
    session = event.session, data = event.data, meta = event.meta,
    hook = ctx.hook, plugin = ctx.plugin, config = ctx.config,
  })
end

function check_ticket(event, ctx)
  for _, t in ipairs(event.data.tickets) do
    if t:match("^OPS%-%d+$") then return aura.allow() end
  end
  return aura.deny("Intent must reference an OPS-### ticket.")
end

-- a local helper is not a handler
local function helper() return 1 end
counter = 0
function count_calls(event, ctx)
  counter = counter + helper()
  return aura.mutate({ calls = counter })
end
