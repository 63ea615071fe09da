-- audit-log: an aura Lua plugin. Runs first on every event it reads and
-- appends "<event> <session> <what>" to the log in its private storage.
function record(event, ctx)
  local what = event.data.summary or (event.data.args and event.data.args.command) or ""
  local line = event.name .. " " .. (event.session or "-") .. " " .. what .. "\n"
  local log = aura.storage.get("audit.log") or ""
  aura.storage.set("audit.log", log .. line)
  return aura.allow()
end
