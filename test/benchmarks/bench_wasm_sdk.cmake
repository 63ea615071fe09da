# The WASM guest SDKs' guard plugins (sdk/wasm/*/examples) beside hand-written
# WAT (guard.wat: the same logic; policy.wat; allow.wat: the floor), built here
# with the real compilers. A missing toolchain leaves its plugin out.
if(AURA_HAVE_WASM AND AURA_WAT2WASM)
  set(sdk_dir ${CMAKE_CURRENT_BINARY_DIR}/wasm_sdk)
  file(MAKE_DIRECTORY ${sdk_dir})
  set(sdk_outputs)
  set(sdk_defs)
  foreach(p allow policy guard)
    add_custom_command(
      OUTPUT ${sdk_dir}/${p}_wat.wasm
      COMMAND ${AURA_WAT2WASM} ${PROJECT_SOURCE_DIR}/test/adapters/wasm/${p}.wat -o ${sdk_dir}/${p}_wat.wasm
      DEPENDS ${PROJECT_SOURCE_DIR}/test/adapters/wasm/${p}.wat
      COMMENT "wat2wasm ${p}.wat (bench_wasm_sdk)"
      VERBATIM)
    list(APPEND sdk_outputs ${sdk_dir}/${p}_wat.wasm)
    string(TOUPPER ${p} up)
    list(APPEND sdk_defs AURA_BENCH_WAT_${up}="${sdk_dir}/${p}_wat.wasm")
  endforeach()

  set(sdk_src ${PROJECT_SOURCE_DIR}/sdk/wasm)
  # C: the flags of sdk/wasm/build.sh
  find_program(AURA_WASM_CLANG NAMES clang clang-14)
  find_program(AURA_WASM_LD NAMES wasm-ld wasm-ld-14)
  file(GLOB sdk_wasm_rt LIST_DIRECTORIES false /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a)
  if(AURA_WASM_CLANG AND AURA_WASM_LD AND EXISTS /usr/lib/wasm32-wasi/libc.a AND sdk_wasm_rt)
    add_custom_command(
      OUTPUT ${sdk_dir}/guard_c.wasm
      COMMAND ${AURA_WASM_CLANG} --target=wasm32-wasi -O2 -Wall -Wextra -Werror -mexec-model=reactor -Wl,--no-entry
              -Wl,--strip-debug ${sdk_src}/c/examples/guard.c -o ${sdk_dir}/guard_c.wasm
      DEPENDS ${sdk_src}/c/examples/guard.c ${sdk_src}/c/aura_wasm.h
      COMMENT "clang --target=wasm32-wasi guard.c (bench_wasm_sdk)"
      VERBATIM)
    list(APPEND sdk_outputs ${sdk_dir}/guard_c.wasm)
    list(APPEND sdk_defs AURA_BENCH_GUARD_C="${sdk_dir}/guard_c.wasm")
  else()
    message(STATUS "aura: bench_wasm_sdk without the C guard (clang, wasm-ld, wasi-libc, libclang-rt-14-dev-wasm32)")
  endif()

  # Rust: Debian's rustc has the wasm32 std (libstd-rust-dev-wasm32); a rustup one may not
# (-DAURA_RUSTC_WASM=... names another, as RUSTC_WASM does for build.sh).
  find_program(AURA_RUSTC_WASM NAMES rustc PATHS /usr/bin NO_DEFAULT_PATH)
  if(AURA_RUSTC_WASM)
    execute_process(COMMAND ${AURA_RUSTC_WASM} --print sysroot OUTPUT_VARIABLE rust_sysroot
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  if(AURA_RUSTC_WASM AND rust_sysroot AND IS_DIRECTORY "${rust_sysroot}/lib/rustlib/wasm32-unknown-unknown")
    add_custom_command(
      OUTPUT ${sdk_dir}/guard_rs.wasm
      COMMAND ${AURA_RUSTC_WASM} --edition 2021 --crate-type rlib --crate-name aura_wasm --target wasm32-unknown-unknown
              -O -D warnings ${sdk_src}/rust/src/lib.rs -o ${sdk_dir}/libaura_wasm.rlib
      COMMAND ${AURA_RUSTC_WASM} --edition 2021 --crate-type cdylib --crate-name guard --target wasm32-unknown-unknown
              -O -C strip=debuginfo -D warnings --extern aura_wasm=${sdk_dir}/libaura_wasm.rlib
              ${sdk_src}/rust/examples/guard.rs -o ${sdk_dir}/guard_rs.wasm
      DEPENDS ${sdk_src}/rust/src/lib.rs ${sdk_src}/rust/examples/guard.rs
      COMMENT "rustc --target wasm32-unknown-unknown guard.rs (bench_wasm_sdk)"
      VERBATIM)
    list(APPEND sdk_outputs ${sdk_dir}/guard_rs.wasm)
    list(APPEND sdk_defs AURA_BENCH_GUARD_RS="${sdk_dir}/guard_rs.wasm")
  else()
    message(STATUS "aura: bench_wasm_sdk without the Rust guard (/usr/bin/rustc or AURA_RUSTC_WASM, with libstd-rust-dev-wasm32)")
  endif()

  # AssemblyScript: the compiler npm ci puts in node_modules, never fetched here.
  set(sdk_asc ${sdk_src}/assemblyscript/node_modules/assemblyscript/bin/asc.js)
  find_program(AURA_NODE NAMES node nodejs)
  if(AURA_NODE AND EXISTS ${sdk_asc})
    add_custom_command(
      OUTPUT ${sdk_dir}/guard_as.wasm
      COMMAND ${AURA_NODE} ${sdk_asc} examples/guard.ts --config asconfig.json -o ${sdk_dir}/guard_as.wasm
      WORKING_DIRECTORY ${sdk_src}/assemblyscript
      DEPENDS ${sdk_src}/assemblyscript/examples/guard.ts ${sdk_src}/assemblyscript/assembly/index.ts
              ${sdk_src}/assemblyscript/asconfig.json
      COMMENT "asc guard.ts (bench_wasm_sdk)"
      VERBATIM)
    list(APPEND sdk_outputs ${sdk_dir}/guard_as.wasm)
    list(APPEND sdk_defs AURA_BENCH_GUARD_AS="${sdk_dir}/guard_as.wasm")
  else()
    message(STATUS "aura: bench_wasm_sdk without the AssemblyScript guard (node, npm ci in sdk/wasm/assemblyscript)")
  endif()

  add_custom_target(bench_wasm_sdk_plugins DEPENDS ${sdk_outputs})
  aura_add_benchmark(bench_wasm_sdk SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_wasm_sdk.cpp LIBS aura::wasm)
  add_dependencies(bench_wasm_sdk bench_wasm_sdk_plugins)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_STANDARD GREATER_EQUAL 20)
    set_target_properties(bench_wasm_sdk PROPERTIES CXX_STANDARD 17)  # WABT's headers (see wasm/wabt.hpp)
  endif()
  target_compile_definitions(bench_wasm_sdk PRIVATE ${sdk_defs})
endif()
