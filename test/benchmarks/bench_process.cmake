# Process adapters: persistent-child round trip and one-process-per-event cost.
add_executable(aura_bench_echo_child ${PROJECT_SOURCE_DIR}/test/adapters/process/plugins/cpp_plugin.cpp)
target_link_libraries(aura_bench_echo_child PRIVATE nlohmann_json::nlohmann_json)
target_compile_options(aura_bench_echo_child PRIVATE -O2)
aura_strict(aura_bench_echo_child)
aura_add_benchmark(bench_process SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_process.cpp LIBS aura::process)
add_dependencies(bench_process aura_bench_echo_child)
target_compile_definitions(bench_process PRIVATE AURA_BENCH_ECHO_CHILD="$<TARGET_FILE:aura_bench_echo_child>")
