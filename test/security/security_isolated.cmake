# The isolated mode (aura/adapters/isolated, tools/aura-worker): hostile Lua
# and WASM guests, a worker that misbehaves (aura-worker-attacks, a test build
# with attack_* hooks), process plugins with lingering grandchildren.
if(NOT AURA_HAVE_WORKER)
  message(STATUS "aura: isolated-mode security tests skipped (no Lua or WABT for aura-worker)")
  return()
endif()

aura_add_worker(aura-worker-attacks ATTACKS)

set(iso_dir ${CMAKE_CURRENT_SOURCE_DIR}/isolated)
set(iso_defs AURA_TEST_WORKER="$<TARGET_FILE:aura-worker>"
             AURA_TEST_ATTACK_WORKER="$<TARGET_FILE:aura-worker-attacks>")

if(AURA_HAVE_LUA)
  aura_add_test(security_isolated_lua
    SOURCES ${iso_dir}/test_isolated_lua.cpp ${iso_dir}/test_isolated_attacks.cpp
    LIBS aura::isolated
    LABELS security)
  target_compile_definitions(security_isolated_lua PRIVATE ${iso_defs})
  add_dependencies(security_isolated_lua aura-worker aura-worker-attacks)

  # The issue's classes again, in a worker and in process side by side, and
  # the 1,000-repetition soak.
  aura_add_test(security_isolated_variants
    SOURCES ${iso_dir}/test_isolated_variants.cpp ${iso_dir}/test_isolated_soak.cpp
    LIBS aura::isolated aura::lua
    LABELS security)
  target_compile_definitions(security_isolated_variants PRIVATE ${iso_defs})
  add_dependencies(security_isolated_variants aura-worker)
endif()

execute_process(COMMAND python3 -c "import sys; print(sys.executable)"
                OUTPUT_VARIABLE iso_python OUTPUT_STRIP_TRAILING_WHITESPACE)
if(iso_python)
  aura_add_test(security_process_linger
    SOURCES ${iso_dir}/test_process_lingering.cpp ${iso_dir}/test_process_variants.cpp
    LIBS aura::process
    LABELS security)
  target_compile_definitions(security_process_linger PRIVATE ${iso_defs}
    AURA_TEST_PYTHON="${iso_python}" AURA_TEST_LINGER_PLUGIN="${iso_dir}/linger_plugin.py"
    AURA_TEST_BAD_BYTES_PLUGIN="${iso_dir}/bad_bytes_plugin.py")
endif()

if(AURA_HAVE_WASM AND AURA_WAT2WASM)
  set(iso_wasm_dir ${CMAKE_CURRENT_BINARY_DIR}/isolated)
  file(MAKE_DIRECTORY ${iso_wasm_dir})
  set(iso_wasm_files)
  set(iso_wasm_defs)
  foreach(p spin fill grow clock)
    add_custom_command(
      OUTPUT ${iso_wasm_dir}/${p}.wasm
      COMMAND ${AURA_WAT2WASM} ${iso_dir}/${p}.wat -o ${iso_wasm_dir}/${p}.wasm
      DEPENDS ${iso_dir}/${p}.wat
      COMMENT "wat2wasm ${p}.wat"
      VERBATIM)
    list(APPEND iso_wasm_files ${iso_wasm_dir}/${p}.wasm)
    string(TOUPPER ${p} up)
    list(APPEND iso_wasm_defs AURA_TEST_WASM_${up}="${iso_wasm_dir}/${p}.wasm")
  endforeach()
  add_custom_command(
    OUTPUT ${iso_wasm_dir}/allow.wasm
    COMMAND ${AURA_WAT2WASM} ${PROJECT_SOURCE_DIR}/test/adapters/wasm/allow.wat -o ${iso_wasm_dir}/allow.wasm
    DEPENDS ${PROJECT_SOURCE_DIR}/test/adapters/wasm/allow.wat
    COMMENT "wat2wasm allow.wat"
    VERBATIM)
  list(APPEND iso_wasm_files ${iso_wasm_dir}/allow.wasm)
  list(APPEND iso_wasm_defs AURA_TEST_WASM_ALLOW="${iso_wasm_dir}/allow.wasm")
  add_custom_target(security_isolated_wasm_modules DEPENDS ${iso_wasm_files})

  aura_add_test(security_isolated_wasm
    SOURCES ${iso_dir}/test_isolated_wasm.cpp
    LIBS aura::isolated
    LABELS security)
  target_compile_definitions(security_isolated_wasm PRIVATE ${iso_defs} ${iso_wasm_defs})
  add_dependencies(security_isolated_wasm aura-worker security_isolated_wasm_modules)

  aura_add_test(security_isolated_wasm_variants
    SOURCES ${iso_dir}/test_isolated_wasm_variants.cpp
    LIBS aura::isolated aura::wasm
    LABELS security)
  target_compile_definitions(security_isolated_wasm_variants PRIVATE ${iso_defs})
  add_dependencies(security_isolated_wasm_variants aura-worker)
  # WABT 1.0.32's headers do not compile as C++20 with GCC (see adapters/wasm/wabt.hpp).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_STANDARD GREATER_EQUAL 20)
    set_target_properties(security_isolated_wasm_variants PROPERTIES CXX_STANDARD 17)
  endif()
endif()
