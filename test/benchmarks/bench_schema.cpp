// bench_schema: aura::schema against valijson (nlohmann adapter) on a
// 5-property tool-argument object, valid and invalid, plus the compile time
// of that schema and the heap allocations of the valid path (this binary
// replaces the global operator new to count them).
#include <aura/schema/schema.hpp>

#include <benchmark/benchmark.h>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "support/tool_schemas.hpp"

// Counting allocator: every heap allocation in this binary goes through it.
// GCC pairs the inlined replacement new with std::free and warns; that
// pairing is exactly what replacing both operators means.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace bench {
std::atomic<unsigned long long> allocations{0};
}  // namespace bench

void* operator new(std::size_t n) {
  bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

const nlohmann::json& tool_schema() {
  static const nlohmann::json s = aura_test::five_property_schema();
  return s;
}

const nlohmann::json& valid_args() {
  static const nlohmann::json j =
      nlohmann::json::parse(R"({"path": "src/main.cpp", "mode": "write", "depth": 3, "tags": ["a", "b"], "force": false})");
  return j;
}

// Fails on its first property (in key order, "depth" comes first): the
// fast path should stop there.
const nlohmann::json& invalid_args() {
  static const nlohmann::json j =
      nlohmann::json::parse(R"({"path": "src/main.cpp", "mode": "write", "depth": 42, "tags": ["a", "b"], "force": false})");
  return j;
}

const aura::schema::validator& aura_validator() {
  static const aura::schema::validator v = *aura::schema::compile(tool_schema());
  return v;
}

struct valijson_state {
  valijson::Schema schema;
  valijson_state() {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(tool_schema());
    parser.populateSchema(adapter, schema);
  }
};
const valijson_state& valijson_schema() {
  static const valijson_state s;
  return s;
}

bool valijson_validate(const nlohmann::json& instance) {
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter adapter(instance);
  return validator.validate(valijson_schema().schema, adapter, nullptr);
}

void check_agreement() {
  if (!aura_validator().validate(valid_args()) || aura_validator().validate(invalid_args()) ||
      !valijson_validate(valid_args()) || valijson_validate(invalid_args())) {
    std::abort();  // the two libraries must agree before their speed means anything
  }
}

void aura_valid(benchmark::State& state) {
  check_agreement();
  const auto& v = aura_validator();
  const auto& j = valid_args();
  unsigned long long before = bench::allocations.load();
  for (auto _ : state) benchmark::DoNotOptimize(v.validate(j));
  state.counters["allocs/iter"] = static_cast<double>(bench::allocations.load() - before) /
                                  static_cast<double>(state.iterations());
}
BENCHMARK(aura_valid);

void aura_invalid(benchmark::State& state) {
  const auto& v = aura_validator();
  const auto& j = invalid_args();
  unsigned long long before = bench::allocations.load();
  for (auto _ : state) benchmark::DoNotOptimize(v.validate(j));
  state.counters["allocs/iter"] = static_cast<double>(bench::allocations.load() - before) /
                                  static_cast<double>(state.iterations());
}
BENCHMARK(aura_invalid);

void aura_check_invalid(benchmark::State& state) {
  const auto& v = aura_validator();
  const auto& j = invalid_args();
  for (auto _ : state) benchmark::DoNotOptimize(v.check(j));
}
BENCHMARK(aura_check_invalid);

void valijson_valid(benchmark::State& state) {
  const auto& j = valid_args();
  unsigned long long before = bench::allocations.load();
  for (auto _ : state) benchmark::DoNotOptimize(valijson_validate(j));
  state.counters["allocs/iter"] = static_cast<double>(bench::allocations.load() - before) /
                                  static_cast<double>(state.iterations());
}
BENCHMARK(valijson_valid);

void valijson_invalid(benchmark::State& state) {
  const auto& j = invalid_args();
  for (auto _ : state) benchmark::DoNotOptimize(valijson_validate(j));
}
BENCHMARK(valijson_invalid);

void aura_compile(benchmark::State& state) {
  const auto& s = tool_schema();
  for (auto _ : state) benchmark::DoNotOptimize(aura::schema::compile(s));
}
BENCHMARK(aura_compile);

void valijson_compile(benchmark::State& state) {
  const auto& s = tool_schema();
  for (auto _ : state) {
    valijson::Schema schema;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(s);
    parser.populateSchema(adapter, schema);
    benchmark::DoNotOptimize(schema);
  }
}
BENCHMARK(valijson_compile);

}  // namespace

BENCHMARK_MAIN();
