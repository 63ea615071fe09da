# MCP: a tools/call round trip over the stdio transport beside a bare JSON-RPC echo over the same kind of pipe.
aura_add_benchmark(bench_mcp SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_mcp.cpp)
