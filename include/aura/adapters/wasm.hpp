// aura/adapters/wasm.hpp - plugins as WebAssembly modules, run by WABT's interpreter.
//
// The ABI (DESIGN §5, specified in docs/adapters/wasm.md): the module exports
// `memory`, `aura_alloc(len) -> ptr` and `aura_on_event(ptr, len) -> i32`
// (0 = ok); per event the host writes the wire request into memory obtained
// from aura_alloc, calls aura_on_event, and reads the decision the guest handed
// to the import `aura.output_set(ptr, len)`. Memory pages, input and output
// bytes, fuel (instructions, metered at load) and a wall-clock deadline are
// capped per call; a trap is a hook error and the instance is replaced;
// concurrent calls run on separate instances.
//
// Needs libwabt (CMake target aura::wasm).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/adapters/detail/answer_check.hpp"
#include "aura/adapters/detail/plugin_file.hpp"
#include "aura/adapters/wasm/fwd.hpp"
#include "aura/adapters/wasm/host_imports.hpp"
#include "aura/adapters/wasm/instance.hpp"
#include "aura/adapters/wasm/limits.hpp"
#include "aura/adapters/wasm/metering.hpp"
#include "aura/adapters/wasm/module.hpp"
#include "aura/adapters/wasm/pool.hpp"
#include "aura/adapters/wasm/request.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/wire.hpp"

namespace aura {

struct wasm_options {
  std::string name;           ///< the plugin's name (errors, logs)
  wasm_limits limits;
  /// The plugin's own context: its permissions decide which capability
  /// imports are linked, and host calls go through it. When null, the
  /// context passed at dispatch serves host calls and the link decision uses
  /// default `aura::permissions{}` (config and log only).
  std::shared_ptr<context> ctx;
};

/// Counters of one plugin, readable while it runs.
struct wasm_stats {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;             ///< calls that returned an error
  std::uint64_t traps = 0;              ///< calls that ended with the instance dropped
  std::uint64_t instances_created = 0;  ///< including the one made at load
  std::uint64_t peak_memory_pages = 0;  ///< largest memory seen after a call
  std::uint64_t last_fuel_used = 0;     ///< instructions the latest call was charged
};

class wasm_plugin : public std::enable_shared_from_this<wasm_plugin> {
 public:
  /// Reads and loads a `.wasm` file.
  [[nodiscard]] static result<std::shared_ptr<wasm_plugin>> load(const std::filesystem::path& file,
                                                                 wasm_options options) {
    auto text = detail::read_plugin_file(file, "WASM module", options.name);
    if (!text) return fail(std::move(text.error()));
    std::vector<std::uint8_t> bytes(text->begin(), text->end());
    if (options.name.empty()) options.name = file.stem().string();
    auto loaded = load_bytes(std::move(bytes), std::move(options));
    if (!loaded && loaded.error().where.empty()) loaded.error().where = file.string();
    return loaded;
  }

  /// Loads a module from memory: decode, validate, check the ABI and the
  /// imports against the permissions, cap memory, meter, instantiate once.
  [[nodiscard]] static result<std::shared_ptr<wasm_plugin>> load_bytes(std::vector<std::uint8_t> bytes,
                                                                       wasm_options options) {
    const permissions perms = options.ctx ? options.ctx->perms() : permissions{};
    auto compiled =
        wasm::compile_module(bytes.data(), bytes.size(), options.name, options.limits, wasm::grants::from(perms));
    if (!compiled) return fail(std::move(compiled.error()).with_plugin(options.name));
    std::shared_ptr<wasm_plugin> self(new wasm_plugin(std::move(options), std::move(*compiled)));
    // One instance now, so a module that cannot instantiate (start trap, bad
    // data segment) fails to load rather than on its first event.
    auto first = wasm::instance::create(self->module_, self->options_.ctx.get());
    if (!first) {
      error e = std::move(first.error());
      if (e.code == errc::hook_failed) e.code = errc::load_error;
      return fail(std::move(e).with_plugin(self->options_.name));
    }
    self->pool_.seed(std::move(*first));
    self->created_.fetch_add(1, std::memory_order_relaxed);
    return self;
  }

  [[nodiscard]] const std::string& name() const noexcept { return options_.name; }
  [[nodiscard]] const wasm_limits& limits() const noexcept { return options_.limits; }
  [[nodiscard]] const wasm::compiled_module& module() const noexcept { return *module_; }

  /// The hook for `handler` (the "hook" member of each request). `timeout`
  /// (a manifest hook's `timeout_ms`), when not zero, replaces
  /// `limits.deadline` for this hook's calls. The closure keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    std::shared_ptr<wasm_plugin> self = shared_from_this();
    return [self, handler = std::move(handler), timeout](const envelope<dynamic_event>& event, context& ctx) {
      return self->call(handler, event, ctx, timeout);
    };
  }

  /// One call: request out, decision back. Errors name plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& event,
                                                     context& dispatch_ctx, std::chrono::milliseconds timeout = {}) {
    context& ctx = options_.ctx ? *options_.ctx : dispatch_ctx;
    calls_.fetch_add(1, std::memory_order_relaxed);
    auto answer = run(handler, event, ctx, timeout.count() > 0 ? timeout : options_.limits.deadline);
    if (!answer) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      answer = fail(std::move(answer.error()).with_plugin(options_.name).with_hook(handler));
    }
    aura::detail::check_plugin_answer(answer, ctx, options_.name, handler);
    return answer;
  }

  [[nodiscard]] wasm_stats stats() const {
    wasm_stats s;
    s.calls = calls_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.traps = traps_.load(std::memory_order_relaxed);
    s.instances_created = created_.load(std::memory_order_relaxed) + pool_.instances_created();
    s.peak_memory_pages = peak_pages_.load(std::memory_order_relaxed);
    s.last_fuel_used = last_fuel_.load(std::memory_order_relaxed);
    return s;
  }

  /// An instance of this plugin for direct use (benchmarks, tests of the
  /// raw ABI); it returns to the pool when the lease ends, which must be
  /// before the plugin is destroyed.
  [[nodiscard]] result<wasm::instance_pool::lease> lease_instance() {
    return pool_.acquire(std::chrono::steady_clock::now() + options_.limits.deadline, options_.ctx.get());
  }

 private:
  wasm_plugin(wasm_options options, std::shared_ptr<const wasm::compiled_module> module)
      : options_(std::move(options)), module_(std::move(module)), pool_(module_, options_.limits.max_instances) {}

  result<decision<dynamic_event>> run(const std::string& handler, const envelope<dynamic_event>& event, context& ctx,
                                      std::chrono::milliseconds deadline) {
    std::string request;
    request.reserve(512);
    wasm::write_request(request, handler, event, ctx.config());
    auto inst = pool_.acquire(std::chrono::steady_clock::now() + deadline, &ctx);
    if (!inst) return fail(std::move(inst.error()));
    auto out = (*inst)->handle(request, &ctx, deadline);
    note_call(**inst);
    if (!out) return fail(std::move(out.error()));
    return wire::parse_decision(std::string_view(*out), options_.limits.answer);
  }

  void note_call(const wasm::instance& inst) {
    if (inst.broken()) traps_.fetch_add(1, std::memory_order_relaxed);
    last_fuel_.store(inst.fuel_used(), std::memory_order_relaxed);
    const std::uint64_t pages = inst.memory_pages();
    std::uint64_t peak = peak_pages_.load(std::memory_order_relaxed);
    while (pages > peak && !peak_pages_.compare_exchange_weak(peak, pages, std::memory_order_relaxed)) {
    }
  }

  wasm_options options_;
  std::shared_ptr<const wasm::compiled_module> module_;
  wasm::instance_pool pool_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> traps_{0};
  std::atomic<std::uint64_t> created_{0};
  std::atomic<std::uint64_t> peak_pages_{0};
  std::atomic<std::uint64_t> last_fuel_{0};
};

}  // namespace aura
