aura_add_benchmark(bench_plugin SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_plugin.cpp)
