aura_add_fuzzer(fuzz_core SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_core.cpp)
