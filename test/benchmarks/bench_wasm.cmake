# WASM adapter benchmark: a small-event round trip beside an empty export (the
# floor), each metered and unmetered. Needs WABT and wat2wasm.
if(AURA_HAVE_WASM AND AURA_WAT2WASM)
  set(bench_wasm_outputs)
  foreach(p allow policy)
    add_custom_command(
      OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/bench_wasm_${p}.wasm
      COMMAND ${AURA_WAT2WASM} ${PROJECT_SOURCE_DIR}/test/adapters/wasm/${p}.wat
              -o ${CMAKE_CURRENT_BINARY_DIR}/bench_wasm_${p}.wasm
      DEPENDS ${PROJECT_SOURCE_DIR}/test/adapters/wasm/${p}.wat
      COMMENT "wat2wasm ${p}.wat (benchmark)"
      VERBATIM)
    list(APPEND bench_wasm_outputs ${CMAKE_CURRENT_BINARY_DIR}/bench_wasm_${p}.wasm)
  endforeach()
  add_custom_target(bench_wasm_plugins DEPENDS ${bench_wasm_outputs})
  aura_add_benchmark(bench_wasm SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_wasm.cpp LIBS aura::wasm)
  add_dependencies(bench_wasm bench_wasm_plugins)
  # WABT 1.0.32's interp headers are not C++20-clean under GCC (see wasm/wabt.hpp).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_STANDARD GREATER_EQUAL 20)
    set_target_properties(bench_wasm PROPERTIES CXX_STANDARD 17)
  endif()
  target_compile_definitions(bench_wasm PRIVATE
    AURA_BENCH_WASM_ALLOW="${CMAKE_CURRENT_BINARY_DIR}/bench_wasm_allow.wasm"
    AURA_BENCH_WASM_POLICY="${CMAKE_CURRENT_BINARY_DIR}/bench_wasm_policy.wasm")
endif()
# Beside the in-process round trip: the isolated one (aura-worker) and the
# process adapter's (the echo child of bench_process.cmake).
if(TARGET bench_wasm AND TARGET aura-worker)
  target_link_libraries(bench_wasm PRIVATE aura::isolated aura::process)
  add_dependencies(bench_wasm aura-worker aura_bench_echo_child)
  target_compile_definitions(bench_wasm PRIVATE AURA_BENCH_WORKER="$<TARGET_FILE:aura-worker>"
                                                AURA_BENCH_ECHO_CHILD="$<TARGET_FILE:aura_bench_echo_child>")
endif()
