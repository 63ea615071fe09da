// aura/core/fwd.hpp - forward declarations of the core module.
#pragma once

namespace aura {
struct error;
struct dynamic_event;
struct no_effects;
template <class E>
struct envelope;
template <class E>
class decision;
template <class E>
struct outcome;
template <class E>
class chain;
template <class Unused = void>
class basic_bus;
/// The event bus (see aura/core/bus.hpp).
using bus = basic_bus<>;
class context;
class condition;
class predicate_registry;
class facts;
struct permissions;
struct hook_options;
struct trail_entry;
struct hook_stats;
class logger;
class clock_source;
class storage;
class http_client;
class hook_sink;
class rotating_log;
struct rotation_policy;
struct http_request;
struct http_response;
}  // namespace aura
