# The in-process adversarial suite (docs/security.md, "In-process mode"):
# Lua, WASM and the answer boundary shared by every adapter. Each case checks
# that the host stays alive, the call ends by its deadline plus the margin,
# the error names plugin and hook, and descriptors/RSS stay flat.
set(aura_inproc_dir ${CMAKE_CURRENT_SOURCE_DIR}/inproc)

if(AURA_HAVE_LUA)
  aura_add_test(security_inproc_lua
    SOURCES ${aura_inproc_dir}/security_lua.cpp ${aura_inproc_dir}/security_lua_patterns.cpp
    LIBS aura::lua
    LABELS security)
endif()

if(AURA_HAVE_WASM)
  aura_add_test(security_inproc_wasm SOURCES ${aura_inproc_dir}/security_wasm.cpp LIBS aura::wasm LABELS security)
  # WABT 1.0.32's interp headers do not compile as C++20 with GCC (see wabt.hpp).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_STANDARD GREATER_EQUAL 20)
    set_target_properties(security_inproc_wasm PROPERTIES CXX_STANDARD 17)
  endif()
endif()

aura_add_test(security_inproc_boundary SOURCES ${aura_inproc_dir}/security_boundary.cpp LIBS aura::process LABELS security)
