-- Escape attempts. Each handler tries one thing; the tests check that it fails.

function io_open(event, ctx) return aura.mutate({ f = tostring(io.open("/etc/passwd")) }) end
function os_execute(event, ctx) return aura.mutate({ r = os.execute("touch /tmp/aura-lua-escaped") }) end
function os_getenv(event, ctx) return aura.mutate({ r = os.getenv("HOME") }) end
function os_exit(event, ctx) os.exit(3) end
function call_require(event, ctx) return aura.mutate({ r = tostring(require("io")) }) end
function call_dofile(event, ctx) return aura.mutate({ r = dofile("/etc/passwd") }) end
function call_loadfile(event, ctx) return aura.mutate({ r = loadfile("/etc/passwd") }) end
function string_dump(event, ctx) return aura.mutate({ r = string.dump(function() end) }) end
function debug_registry(event, ctx) return aura.mutate({ r = tostring(debug.getregistry()) }) end
function call_print(event, ctx) print("hello") return aura.allow() end
function gc_stop(event, ctx) collectgarbage("stop") return aura.allow() end
function gc_count(event, ctx) return aura.mutate({ kb = collectgarbage("count") > 0 }) end

-- load: text chunks work, binary chunks are refused whatever mode is asked for
local binary = "\27LuaT\0\25\147\13\10\26\10\4\8\8\120\86\0\0\0\0\0\0\0\0\0\0\0\40\119\64\1"
function load_text(event, ctx) return aura.mutate({ r = load("return 1 + 1")() }) end
function load_binary(event, ctx)
  local f, err = load(binary)
  return aura.deny(tostring(f) .. " / " .. tostring(err))
end
function load_binary_mode_b(event, ctx)
  local f, err = load(binary, "bin", "b")
  return aura.deny(tostring(f) .. " / " .. tostring(err))
end
function load_reader_binary(event, ctx)
  local sent = false
  local f, err = load(function() if sent then return nil end sent = true return binary end)
  return aura.deny(tostring(f) .. " / " .. tostring(err))
end
function load_with_env(event, ctx)
  local f = load("return x", "chunk", "t", { x = 7 })
  return aura.mutate({ r = f() })
end

-- the string metatable and the libraries are locked
function string_metatable(event, ctx) return aura.deny(tostring(getmetatable(""))) end
function string_metatable_edit(event, ctx)
  getmetatable("").__index.upper = function() return "pwned" end
  return aura.allow()
end
function string_lib_edit(event, ctx) string.upper = function() return "pwned" end return aura.allow() end
function string_lib_rawset(event, ctx) rawset(string, "upper", function() return "pwned" end) return aura.allow() end
function set_string_metatable(event, ctx) setmetatable("", {}) return aura.allow() end
function upper(event, ctx) return aura.mutate({ r = ("abc"):upper(), r2 = string.upper("x") }) end

-- overwriting aura
function clobber_aura(event, ctx)
  aura = { allow = function() return { decision = "deny", reason = "hijacked" } end }
  return aura.allow()
end
function edit_aura(event, ctx) aura.allow = function() return 1 end return aura.allow() end
function rawset_aura(event, ctx) rawset(aura, "allow", function() return 1 end) return aura.allow() end
function edit_aura_storage(event, ctx) aura.storage.get = nil return aura.allow() end
function aura_metatable(event, ctx) return aura.deny(tostring(getmetatable(aura))) end
function plain_allow(event, ctx) return aura.allow() end

-- globals a handler can see
function globals(event, ctx)
  local seen = {}
  for k, v in pairs(_G) do seen[#seen + 1] = k end
  table.sort(seen)
  return aura.deny(table.concat(seen, ","))
end

-- replacing a handler in _G through a metatable does not reach the host's lookup
function meta_globals(event, ctx)
  setmetatable(_G, { __index = function(t, k) while true do end end })
  return aura.allow()
end
