# The language SDKs' process plugins beside the C++ echo child (bench_process.cmake builds it).
aura_add_benchmark(bench_sdk SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_sdk.cpp LIBS aura::process)
add_dependencies(bench_sdk aura_bench_echo_child)
target_compile_definitions(bench_sdk PRIVATE AURA_BENCH_ECHO_CHILD="$<TARGET_FILE:aura_bench_echo_child>")
