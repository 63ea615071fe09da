// tool_pipeline: five hooks each changing one field of 5-property tool
// arguments, re-validated after each (DESIGN §7 budget: <= 2 us for the chain).
// Beside it: the same five edits and validations written by hand (the floor),
// the pipeline with no hooks (its fixed cost), the discard_patch policy, and
// five JSON (plugin-style) hooks answering Merge Patches.
#include <benchmark/benchmark.h>

#include <string>

#include <aura/agent/agent.hpp>

#include "alloc_counter.hpp"
#include "support/tool_schemas.hpp"

namespace {

namespace ag = aura::agent;
using json = nlohmann::json;

const json& schema() {
  static const json s = aura_test::write_file_schema();
  return s;
}

json input_args() {
  return {{"path", "src/main.cpp"}, {"content", "int main() {}"}, {"mode", "overwrite"}, {"line", 0}, {"backup", false}};
}

void report(benchmark::State& state, unsigned long long allocs) {
  state.counters["allocs/run"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
}

// The five edits: one field each.
void edit(int i, json& args) {
  switch (i) {
    case 0: args["path"] = "src/app.cpp"; break;
    case 1: args["content"] = "int main() { return 0; }"; break;
    case 2: args["mode"] = "append"; break;
    case 3: args["line"] = 12; break;
    default: args["backup"] = true; break;
  }
}

void add_native_hooks(ag::tool_pipeline& p) {
  for (int i = 0; i < 5; ++i) {
    (void)p.add({"h" + std::to_string(i), i}, [i](const ag::tool_before_execution&) {
      return aura::mutate([i](ag::tool_before_execution& e) { edit(i, e.args); });
    });
  }
}

aura::envelope<ag::tool_before_execution> make_call() {
  ag::tool_before_execution call;
  call.tool = "write_file";
  call.call_id = "call_1";
  call.args = input_args();
  call.host.session_id = "s1";
  return aura::make_envelope(std::move(call));
}

void run_pipeline(benchmark::State& state, ag::tool_pipeline& p) {
  aura::context ctx;
  const auto env = make_call();
  {  // sanity: every edit lands and the call runs
    auto out = p.run(env, ctx);
    if (!out.runs() || (p.size() == 5 && out.args["backup"] != true)) state.SkipWithError("pipeline did not apply the edits");
  }
  const auto before = bench::allocations.load();
  for (auto _ : state) {
    auto out = p.run(env, ctx);
    benchmark::DoNotOptimize(out.status);
  }
  report(state, bench::allocations.load() - before);
}

void BM_tool_pipeline_5_edits(benchmark::State& state) {
  ag::tool_registry tools;
  (void)tools.add({"write_file", "", schema(), false, {}});
  ag::tool_pipeline p(tools);  // defaults: reject_call, check_input, tracing::decisions
  add_native_hooks(p);
  run_pipeline(state, p);
}

void BM_tool_pipeline_5_edits_untraced(benchmark::State& state) {
  ag::tool_registry tools;
  (void)tools.add({"write_file", "", schema(), false, {}});
  ag::tool_pipeline p(tools, {ag::invalid_args_policy::reject_call, true, aura::tracing::off});
  add_native_hooks(p);
  run_pipeline(state, p);
}

void BM_tool_pipeline_5_edits_discard_policy(benchmark::State& state) {
  ag::tool_registry tools;
  (void)tools.add({"write_file", "", schema(), false, {}});
  ag::tool_pipeline p(tools, {ag::invalid_args_policy::discard_patch, true, aura::tracing::decisions});
  add_native_hooks(p);
  run_pipeline(state, p);
}

void BM_tool_pipeline_no_hooks(benchmark::State& state) {
  ag::tool_registry tools;
  (void)tools.add({"write_file", "", schema(), false, {}});
  ag::tool_pipeline p(tools);
  run_pipeline(state, p);
}

void BM_tool_pipeline_5_json_hooks(benchmark::State& state) {
  ag::tool_registry tools;
  (void)tools.add({"write_file", "", schema(), false, {}});
  ag::tool_pipeline p(tools);
  for (int i = 0; i < 5; ++i) {
    json args = json::object();
    edit(i, args);
    const json patch = {{"args", args}};
    (void)p.add_json({"j" + std::to_string(i), i},
                     [patch](const aura::envelope<aura::dynamic_event>&, aura::context&)
                         -> aura::result<aura::decision<aura::dynamic_event>> {
                       return aura::decision<aura::dynamic_event>(aura::mutate(patch));
                     });
  }
  run_pipeline(state, p);
}

// The floor: copy the arguments, then five edits each followed by validation.
void BM_baseline_edit_and_validate_by_hand(benchmark::State& state) {
  auto v = aura::schema::compile(schema());
  if (!v) {
    state.SkipWithError("schema did not compile");
    return;
  }
  const json args = input_args();
  const auto before = bench::allocations.load();
  for (auto _ : state) {
    json work = args;
    bool ok = v->validate(work);
    for (int i = 0; i < 5 && ok; ++i) {
      edit(i, work);
      ok = v->validate(work);
    }
    benchmark::DoNotOptimize(ok);
  }
  report(state, bench::allocations.load() - before);
}

}  // namespace

BENCHMARK(BM_tool_pipeline_5_edits);
BENCHMARK(BM_tool_pipeline_5_edits_untraced);
BENCHMARK(BM_tool_pipeline_5_edits_discard_policy);
BENCHMARK(BM_tool_pipeline_no_hooks);
BENCHMARK(BM_tool_pipeline_5_json_hooks);
BENCHMARK(BM_baseline_edit_and_validate_by_hand);
BENCHMARK_MAIN();
