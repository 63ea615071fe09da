# libFuzzer target for WASM module loading (configure with CC=clang CXX=clang++
# -DAURA_BUILD_FUZZERS=ON). Seeds: test/fuzz/corpus/wasm/.
# Run: fuzz_wasm -max_total_time=60 <scratch-dir> ${PROJECT_SOURCE_DIR}/test/fuzz/corpus/wasm
if(AURA_HAVE_WASM AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  add_executable(fuzz_wasm ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_wasm.cpp)
  target_link_libraries(fuzz_wasm PRIVATE aura::wasm)
  target_compile_options(fuzz_wasm PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_wasm PRIVATE -fsanitize=fuzzer,address,undefined)
  if(COMMAND aura_strict)
    aura_strict(fuzz_wasm)
  endif()
elseif(AURA_HAVE_WASM)
  message(STATUS "aura: fuzz_wasm needs clang (libFuzzer); skipped")
endif()
