# fuzz_schema: schema compilation, validate()/check() agreement and the regex
# engine. Seeds: test/fuzz/corpus/schema/.
aura_add_fuzzer(fuzz_schema SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_schema.cpp)
