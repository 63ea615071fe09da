find_package(Boost QUIET)
if(Boost_FOUND)
  aura_add_benchmark(bench_dispatch SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_dispatch.cpp LIBS Boost::headers)
endif()
