// aura/testing/fwd.hpp - forward declarations of the testing module.
#pragma once

namespace aura::testing {
class mock_clock;
class mock_logger;
class mock_storage;
class mock_http;
class http_route;
struct log_line;
struct storage_op;
template <class E>
struct hook_answer;
enum class config_layer : unsigned char;
class harness;
}  // namespace aura::testing
