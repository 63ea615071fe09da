# fuzz_jsonrpc: the process adapter's line reader, JSON-RPC decoder and
# wire-decision parser. Run: fuzz_jsonrpc test/fuzz/corpus/jsonrpc
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(STATUS "aura: fuzz_jsonrpc needs clang (libFuzzer); skipped")
  return()
endif()
add_executable(fuzz_jsonrpc ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_jsonrpc.cpp)
target_link_libraries(fuzz_jsonrpc PRIVATE aura::process)
target_compile_options(fuzz_jsonrpc PRIVATE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1)
target_link_options(fuzz_jsonrpc PRIVATE -fsanitize=fuzzer,address,undefined)
aura_strict(fuzz_jsonrpc)
