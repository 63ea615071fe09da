// aura/adapters/jsonrpc/fwd.hpp - forward declarations of the JSON-RPC pieces.
#pragma once

namespace aura::jsonrpc {
struct message;
}  // namespace aura::jsonrpc
