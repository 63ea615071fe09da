# Network permission and the default HTTP client (aura::http, libcurl):
# URL tricks, redirects re-checked per hop, size caps, slow servers, proxies
# and netrc in the environment; then the same through each runtime's adapter.
# Servers are started by the tests on 127.0.0.1.
if(TARGET aura::http)
  aura_add_test(security_net SOURCES net_attacks.cpp LIBS aura::http Threads::Threads LABELS "security;net")

  if(AURA_HAVE_LUA)
    execute_process(COMMAND python3 -c "import sys; print(sys.executable)"
                    OUTPUT_VARIABLE aura_security_python OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT aura_security_python)
      set(aura_security_python python3)
    endif()
    set(aura_security_net_libs aura::http aura::lua aura::process)
    set(aura_security_net_defs AURA_SECURITY_PYTHON="${aura_security_python}"
        AURA_SECURITY_PY_PLUGIN="${PROJECT_SOURCE_DIR}/test/adapters/process/plugins/py_plugin.py")
    # WABT 1.0.32's headers do not compile as C++20 with GCC: there the WASM case is left out.
    set(aura_security_wasm_ok ON)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_STANDARD GREATER_EQUAL 20)
      set(aura_security_wasm_ok OFF)
    endif()
    if(AURA_HAVE_WASM AND AURA_WAT2WASM AND aura_security_wasm_ok)
      set(aura_security_caps ${CMAKE_CURRENT_BINARY_DIR}/security_caps.wasm)
      add_custom_command(OUTPUT ${aura_security_caps}
        COMMAND ${AURA_WAT2WASM} ${PROJECT_SOURCE_DIR}/test/adapters/wasm/caps.wat -o ${aura_security_caps}
        DEPENDS ${PROJECT_SOURCE_DIR}/test/adapters/wasm/caps.wat
        COMMENT "wat2wasm caps.wat (security_net_runtimes)" VERBATIM)
      add_custom_target(security_net_caps DEPENDS ${aura_security_caps})
      list(APPEND aura_security_net_libs aura::wasm)
      list(APPEND aura_security_net_defs AURA_SECURITY_WASM_CAPS="${aura_security_caps}")
    endif()
    aura_add_test(security_net_runtimes SOURCES net_runtimes.cpp LIBS ${aura_security_net_libs}
                  LABELS "security;net")
    target_compile_definitions(security_net_runtimes PRIVATE ${aura_security_net_defs})
    if(TARGET security_net_caps)
      add_dependencies(security_net_runtimes security_net_caps)
    endif()
  endif()
endif()
