# Lua adapter benchmark: a small-event round trip beside an empty Lua function
# call (the floor). Needs Lua 5.4.
if(AURA_HAVE_LUA)
  aura_add_benchmark(bench_lua SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_lua.cpp LIBS aura::lua)
endif()
