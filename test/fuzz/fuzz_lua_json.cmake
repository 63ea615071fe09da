# libFuzzer target for the Lua adapter's JSON <-> Lua conversion (configure with
# CC=clang CXX=clang++ -DAURA_BUILD_FUZZERS=ON). Seeds: test/fuzz/corpus/lua_json/.
# Run: fuzz_lua_json -max_total_time=60 <scratch-dir> ${PROJECT_SOURCE_DIR}/test/fuzz/corpus/lua_json
if(AURA_HAVE_LUA AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  add_executable(fuzz_lua_json ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_lua_json.cpp)
  target_link_libraries(fuzz_lua_json PRIVATE aura::lua)
  target_compile_options(fuzz_lua_json PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_lua_json PRIVATE -fsanitize=fuzzer,address,undefined)
  if(COMMAND aura_strict)
    aura_strict(fuzz_lua_json)
  endif()
elseif(AURA_HAVE_LUA)
  message(STATUS "aura: fuzz_lua_json needs clang (libFuzzer); skipped")
endif()
