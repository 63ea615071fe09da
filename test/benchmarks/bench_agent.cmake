# Agent catalog: the before-tool-execution chain (5 argument edits, each
# re-validated against the tool's schema) beside the bare edit+validate loop.
aura_add_benchmark(bench_agent SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_agent.cpp)
