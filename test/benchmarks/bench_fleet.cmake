# The fleet (aura/nats/): a remote hook through a local nats-server beside the
# process adapter's round trip, throughput with 1, 2 and 4 workers, and the
# event stream's publish rate. Needs libnats; skips itself without nats-server.
if(AURA_HAVE_NATS)
  aura_add_benchmark(bench_fleet SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_fleet.cpp LIBS aura::nats)
  target_link_libraries(bench_fleet PRIVATE aura::isolated aura::process)
  add_dependencies(bench_fleet aura_bench_echo_child)
  target_compile_definitions(bench_fleet PRIVATE AURA_BENCH_WORKER=""
                                                 AURA_BENCH_ECHO_CHILD="$<TARGET_FILE:aura_bench_echo_child>")
endif()
