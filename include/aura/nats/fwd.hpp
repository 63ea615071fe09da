// aura/nats/fwd.hpp - forward declarations of the fleet module (NATS workers,
// the `nats` runtime, the JetStream event stream). Needs libnats (target aura::nats).
#pragma once

#include <cstdint>

namespace aura::nats {

struct tls_options;
struct connection_options;
class connection;

class circuit_breaker;
struct breaker_options;

struct remote_options;
struct worker_options;
class worker;

enum class full_policy : std::uint8_t;
struct stream_options;
struct stream_stats;
class event_stream;

}  // namespace aura::nats
