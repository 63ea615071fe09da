// bench_schema: aura::schema against valijson (nlohmann adapter) on a
// 5-property tool-argument object, valid and invalid, plus the compile time
// of that schema and of a GitHub-workflow-shaped schema (workflow_schema.hpp;
// also of any schema file named by the environment variable
// AURA_BENCH_SCHEMA, e.g. a copy of SchemaStore's github-workflow.json), and
// the heap allocations of the valid path (this binary replaces the global
// operator new to count them).
#include <aura/schema/schema.hpp>

#include <benchmark/benchmark.h>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>

#include "support/tool_schemas.hpp"
#include "workflow_schema.hpp"

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

void compile_aura(benchmark::State& state, const nlohmann::json& s) {
  if (!aura::schema::compile(s)) {
    state.SkipWithError("aura::schema cannot compile this schema");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(aura::schema::compile(s));
}

void compile_valijson(benchmark::State& state, const nlohmann::json& s) {
  for (auto _ : state) {
    valijson::Schema schema;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(s);
    parser.populateSchema(adapter, schema);
    benchmark::DoNotOptimize(schema);
  }
}

const nlohmann::json& workflow_schema() {
  static const nlohmann::json s = aura_bench::workflow_like_schema();
  return s;
}

void workflow_agreement() {
  // both libraries must accept the generated schema and the same workflow
  const nlohmann::json instance = aura_bench::workflow_instance();
  auto v = aura::schema::compile(workflow_schema());
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter adapter(workflow_schema());
  parser.populateSchema(adapter, schema);
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter target(instance);
  nlohmann::json bad = instance;
  bad["jobs"]["build"]["runs-on"] = 5;
  valijson::adapters::NlohmannJsonAdapter bad_target(bad);
  if (!v || !v->validate(instance) || v->validate(bad) || !validator.validate(schema, target, nullptr) ||
      validator.validate(schema, bad_target, nullptr))
    std::abort();
}

void aura_compile_workflow(benchmark::State& state) {
  workflow_agreement();
  compile_aura(state, workflow_schema());
}
BENCHMARK(aura_compile_workflow);

void valijson_compile_workflow(benchmark::State& state) { compile_valijson(state, workflow_schema()); }
BENCHMARK(valijson_compile_workflow);

}  // namespace

int main(int argc, char** argv) {
  // AURA_BENCH_SCHEMA: a schema file compiled by both libraries as well
  static nlohmann::json file_schema;
  if (const char* path = std::getenv("AURA_BENCH_SCHEMA"); path != nullptr && *path != '\0') {
    std::ifstream in(path);
    file_schema = nlohmann::json::parse(in, nullptr, false);
    if (file_schema.is_discarded()) {
      std::fprintf(stderr, "AURA_BENCH_SCHEMA=%s is not a JSON file\n", path);
      return 2;
    }
    benchmark::RegisterBenchmark("aura_compile_file", [](benchmark::State& st) { compile_aura(st, file_schema); });
    benchmark::RegisterBenchmark("valijson_compile_file", [](benchmark::State& st) { compile_valijson(st, file_schema); });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
