# bench_schema: aura::schema beside valijson (Debian libvalijson-dev, header-only).
if(EXISTS /usr/include/valijson/validator.hpp)
  aura_add_benchmark(bench_schema SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_schema.cpp)
else()
  message(STATUS "aura: valijson not found, bench_schema skipped")
endif()
