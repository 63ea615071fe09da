-- The ticket check as a Lua plugin: the tracker is asked through aura.http,
-- so the host's network permission applies (a refusal raises an error).

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

function on_intent_before_log(event, ctx)
  local tracker = ctx.config.tracker or "https://tracker.example.com"
  for _, ticket in ipairs(event.data.tickets or {}) do
    if ticket:match("^OPS%-%d%d%d$") then
      local answer, err = aura.http{url = tracker .. "/tickets/" .. ticket}
      if not answer then error("tracker lookup failed: " .. tostring(err)) end
      if answer.status == 200 then
        aura.log("info", ticket .. " exists")
        return aura.allow()
      end
    end
  end
  return aura.deny("Intent must reference an OPS-### ticket that exists in the tracker.")
end

function on_tidy(event, ctx)
  local summary = event.data.summary or ""
  if summary == trim(summary) then return aura.allow() end
  return aura.mutate({summary = trim(summary)}, {notice = "summary trimmed"})
end

-- Counts events in the plugin's storage (needs the storage permission).
function on_count(event, ctx)
  local n = tonumber(aura.storage.get("count") or "0") + 1
  aura.storage.set("count", tostring(n))
  return aura.allow()
end
