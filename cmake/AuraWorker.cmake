# aura-worker: the helper executable of the isolated mode (tools/aura-worker).
# Built when this build has Lua or WABT; with libseccomp it filters system
# calls, without it it says so loudly at every start (docs/security.md).
# Installed to libexec/aura, where aura/adapters/isolated/options.hpp looks.
#
# aura_add_worker(<target> [ATTACKS]) makes one; ATTACKS adds the test-only
# attack_* hooks (tools/aura-worker/attacks.hpp) for test/security.
function(aura_add_worker target)
  cmake_parse_arguments(W "ATTACKS" "" "" ${ARGN})
  add_executable(${target} ${PROJECT_SOURCE_DIR}/tools/aura-worker/main.cpp)
  target_link_libraries(${target} PRIVATE aura::aura)
  if(AURA_HAVE_LUA)
    target_link_libraries(${target} PRIVATE aura::lua)
    target_compile_definitions(${target} PRIVATE AURA_WORKER_LUA=1)
  endif()
  if(AURA_HAVE_WASM)
    target_link_libraries(${target} PRIVATE aura::wasm)
    target_compile_definitions(${target} PRIVATE AURA_WORKER_WASM=1)
    # WABT 1.0.32's headers do not compile as C++20 with GCC (see adapters/wasm/wabt.hpp).
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_STANDARD GREATER_EQUAL 20)
      set_target_properties(${target} PROPERTIES CXX_STANDARD 17)
    endif()
  endif()
  if(AURA_HAVE_SECCOMP)
    target_link_libraries(${target} PRIVATE PkgConfig::AURA_SECCOMP)
    target_compile_definitions(${target} PRIVATE AURA_WORKER_SECCOMP=1)
  endif()
  if(W_ATTACKS)
    target_compile_definitions(${target} PRIVATE AURA_WORKER_ATTACKS=1)
  endif()
  if(COMMAND aura_strict)
    aura_strict(${target})
  endif()
  # A sanitizer's runtime makes system calls the worker's seccomp filter
  # refuses (LeakSanitizer even needs ptrace): the worker is built without
  # sanitizers; sanitizer builds check the host side, and the same runtimes
  # in process.
  if(CMAKE_CXX_FLAGS MATCHES "-fsanitize")
    target_compile_options(${target} PRIVATE -fno-sanitize=all)
    target_link_options(${target} PRIVATE -fno-sanitize=all)
  endif()
endfunction()

option(AURA_WITH_WORKER "Build (and install) aura-worker, the isolated mode's helper" ON)
set(AURA_HAVE_WORKER OFF)
if(AURA_WITH_WORKER AND (AURA_HAVE_LUA OR AURA_HAVE_WASM))
  aura_add_worker(aura-worker)
  set(AURA_HAVE_WORKER ON)
  if(NOT AURA_HAVE_SECCOMP)
    message(WARNING "libseccomp not found: aura-worker is built WITHOUT a system-call filter (install libseccomp-dev)")
  endif()
  if(AURA_INSTALL)
    include(GNUInstallDirs)
    install(TARGETS aura-worker RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/aura)
  endif()
endif()
