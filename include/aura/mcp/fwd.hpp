// aura/mcp/fwd.hpp - forward declarations of the MCP module (server, client, transports).
#pragma once

namespace aura::mcp {
// protocol.hpp
enum class log_level : int;
// tool_catalog.hpp
struct call_control;
struct tool_entry;
class tool_catalog;
// plugin_tools.hpp
class plugin_sync;
// server.hpp
struct server_options;
class server;
class session;
// log_forwarder.hpp
class log_forwarder;
// stdio.hpp
struct stdio_limits;
// http_server.hpp
struct http_request;
class http_connection;
class http_server;
// streamable_http.hpp
struct http_transport_options;
class http_transport;
// client.hpp
struct client_options;
class client;
// upstream.hpp
class upstream;
}  // namespace aura::mcp
