-- Handlers that answer outside the protocol.
function returns_nothing(event, ctx) end
function returns_number(event, ctx) return 42 end
function returns_string(event, ctx) return "allow" end
function unknown_kind(event, ctx) return { decision = "maybe" } end
function deny_without_reason(event, ctx) return { decision = "deny" } end
function bad_patch_format(event, ctx) return { decision = "mutate", patch = {}, patch_format = "xml" } end
function function_in_patch(event, ctx) return aura.mutate({ a = { b = print or function() end } }) end
function cyclic_patch(event, ctx)
  local t = {}
  t.self = t
  return aura.mutate({ loop = t })
end
function raises(event, ctx) error("boom in handler") end
function raises_table(event, ctx) error({ code = 7 }) end
function calls_nil(event, ctx) local x = nil; return x.y end
function bad_deny_arg(event, ctx) return aura.deny() end
function bad_mutate_format(event, ctx) return aura.mutate({}, "yaml") end
not_a_function = 5
