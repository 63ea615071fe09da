# Lua adapter benchmark: a small-event round trip beside an empty Lua function
# call (the floor). Needs Lua 5.4.
if(AURA_HAVE_LUA)
  aura_add_benchmark(bench_lua SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_lua.cpp LIBS aura::lua)
endif()
# Beside the in-process round trip: the isolated one (aura-worker) and the
# process adapter's (the echo child of bench_process.cmake).
if(TARGET bench_lua AND TARGET aura-worker)
  target_link_libraries(bench_lua PRIVATE aura::isolated aura::process)
  add_dependencies(bench_lua aura-worker aura_bench_echo_child)
  target_compile_definitions(bench_lua PRIVATE AURA_BENCH_WORKER="$<TARGET_FILE:aura-worker>"
                                               AURA_BENCH_ECHO_CHILD="$<TARGET_FILE:aura_bench_echo_child>")
endif()
