-- The host API, used with several permission sets.
function log(event, ctx)
  aura.log("info", "hello from " .. ctx.plugin)
  aura.log("plain message")
  return aura.allow()
end
function bad_log_level(event, ctx) aura.log("loud", "x") return aura.allow() end
function config(event, ctx)
  return aura.mutate({ all = aura.config(), threshold = aura.config("threshold"), missing = aura.config("nope") })
end
function storage(event, ctx)
  local before = aura.storage.get("visits")
  local n = (tonumber(before) or 0) + 1
  assert(aura.storage.set("visits", tostring(n)))
  local removed = aura.storage.remove("scratch")
  return aura.mutate({ before = before or aura.null, visits = n, removed = removed })
end
function storage_guarded(event, ctx)
  local ok, err = pcall(aura.storage.set, "k", "v")
  return aura.deny(tostring(ok) .. ": " .. tostring(err))
end
function http(event, ctx)
  local res, err = aura.http({ url = "https://api.example.com/check?x=1", method = "POST", body = "q",
                               headers = { ["x-k"] = "v" } })
  if not res then return aura.deny("http failed: " .. err) end
  return aura.mutate({ status = res.status, body = res.body })
end
function http_bad_request(event, ctx) aura.http({ url = 5 }) return aura.allow() end
function getenv(event, ctx)
  return aura.mutate({ var = os.getenv("AURA_LUA_TEST_VAR") or aura.null, unset = os.getenv("AURA_LUA_UNSET") or aura.null })
end
function getenv_home(event, ctx) return aura.mutate({ home = os.getenv("HOME") }) end
