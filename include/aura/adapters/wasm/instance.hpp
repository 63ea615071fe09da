// aura/adapters/wasm/instance.hpp - one live instance of a plugin module: its own
// interpreter store, thread and memory, and the host functions bound to it.
//
// A WABT Store is single-threaded, so each instance owns one; concurrent calls
// use separate instances (see pool.hpp). An instance that trapped is never
// reused: its memory may hold half-written state.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/adapters/wasm/as_env.hpp"
#include "aura/adapters/wasm/host_imports.hpp"
#include "aura/adapters/wasm/module.hpp"
#include "aura/adapters/wasm/wabt.hpp"
#include "aura/adapters/wasm/wasi.hpp"
#include "aura/core/context.hpp"
#include "aura/core/error.hpp"

namespace aura::wasm {

class instance {
 public:
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;
  ~instance() {
    // RefPtrs and the thread refer to the store: release them first.
    alloc_.reset();
    on_event_.reset();
    extra_.clear();
    memory_.reset();
    fuel_.reset();
    inst_.reset();
    thread_.reset();
  }

  /// Instantiates `module` (running its start function and `_initialize`
  /// under the call limits). `ctx` serves host calls made while initialising.
  [[nodiscard]] static result<std::unique_ptr<instance>> create(std::shared_ptr<const compiled_module> module,
                                                                context* ctx) {
    std::unique_ptr<instance> self(new instance(std::move(module)));
    if (auto r = self->instantiate(ctx); !r) return fail(std::move(r.error()));
    return self;
  }

  /// Runs one event: writes `request` into guest memory through aura_alloc,
  /// calls aura_on_event and returns the bytes handed to aura.output_set.
  /// Any error leaves `broken()` set when the instance must not be reused.
  /// `deadline` (when not zero) replaces the limits' deadline for this call.
  [[nodiscard]] result<std::string> handle(std::string_view request, context* ctx,
                                           std::chrono::milliseconds deadline = {}) {
    if (request.size() > module_->limits.input_bytes) {
      return fail(errc::limit_exceeded, "request is " + std::to_string(request.size()) +
                                            " bytes, more than the input limit of " +
                                            std::to_string(module_->limits.input_bytes));
    }
    begin_call(ctx, deadline);
    const auto len = static_cast<std::uint32_t>(request.size());
    auto ptr = call_i32(alloc_, {wabt::interp::Value::Make(len)}, "aura_alloc");
    if (!ptr) return fail(std::move(ptr.error()));
    const auto p = static_cast<std::uint32_t>(*ptr);
    if (static_cast<std::uint64_t>(p) + len > memory_->ByteSize() || (p == 0 && len > 0)) {
      broken_ = true;
      return fail(errc::protocol_error, "aura_alloc(" + std::to_string(len) + ") returned " + std::to_string(p) +
                                            ", which is null or outside guest memory (" +
                                            std::to_string(memory_->ByteSize()) + " bytes)");
    }
    if (len > 0) std::memcpy(memory_->UnsafeData() + p, request.data(), len);
    auto rc = call_i32(on_event_, {wabt::interp::Value::Make(p), wabt::interp::Value::Make(len)}, "aura_on_event");
    if (!rc) return fail(std::move(rc.error()));
    if (*rc != 0) {
      return fail(errc::hook_failed, "aura_on_event returned " + std::to_string(*rc) +
                                         (state_.has_error ? ": " + state_.error_message : std::string()));
    }
    if (!state_.has_output) {
      return fail(errc::protocol_error, "aura_on_event returned 0 without calling aura.output_set");
    }
    return std::move(state_.output);
  }

  /// Calls an exported `[] -> []` function under the call limits (benchmarks, tests).
  [[nodiscard]] result<void> call_void(std::string_view export_name, context* ctx) {
    auto f = find_func(export_name);
    if (!f) return fail(errc::not_found, "no exported function \"" + std::string(export_name) + "\"");
    begin_call(ctx);
    wabt::interp::Values results;
    return run(*f, {}, results, export_name);
  }

  [[nodiscard]] bool broken() const noexcept { return broken_; }
  [[nodiscard]] std::uint64_t memory_pages() const { return memory_->PageSize(); }
  /// Fuel the last call used (0 without metering).
  [[nodiscard]] std::uint64_t fuel_used() const {
    if (!fuel_) return 0;
    const auto left = static_cast<std::int64_t>(fuel_->Get().Get<std::uint64_t>());
    const std::uint64_t granted = state_.budget - state_.budget_left;
    return left >= 0 ? granted - static_cast<std::uint64_t>(left) : granted + static_cast<std::uint64_t>(-left);
  }
  [[nodiscard]] const call_state& last_call() const noexcept { return state_; }

 private:
  explicit instance(std::shared_ptr<const compiled_module> module) : module_(std::move(module)) {}

  result<void> instantiate(context* ctx) {
    using namespace wabt::interp;
    store_ = std::make_unique<Store>(module_->features);
    Module::Ptr mod = Module::New(*store_, module_->desc);
    RefVec imports;
    std::vector<HostFunc::Ptr> keep;  // rooted until the instance references them
    for (const import_binding& b : module_->imports) {
      if (b.of == import_binding::kind::refuel) {
        keep.push_back(HostFunc::New(*store_, FuncType({}, {}),
                                     [this](Thread& thread, const Values&, Values&, Trap::Ptr* trap) {
                                       return refuel(thread, trap);
                                     }));
        imports.push_back(keep.back().ref());
        continue;
      }
      if (b.of == import_binding::kind::wasi) {
        const wasi_fn_spec& spec = wasi_fns()[b.wasi];
        keep.push_back(HostFunc::New(*store_, FuncType(wasi_params(spec), wasi_results(spec)),
                                     [this, &spec](Thread& thread, const Values& params, Values& results,
                                                   Trap::Ptr* trap) -> wabt::Result {
                                       std::string message;
                                       Memory* memory = memory_ ? memory_.get() : caller_memory(thread);
                                       if (memory && run_wasi_fn(spec, state_, wasi_, *memory, params, results, message)) {
                                         return charge_host_call(thread, trap);
                                       }
                                       if (!memory) message = std::string(wasi_module) + "." + std::string(spec.name) + " called with no memory";
                                       *trap = Trap::New(*store_, message);
                                       return wabt::Result::Error;
                                     }));
        imports.push_back(keep.back().ref());
        continue;
      }
      if (b.of == import_binding::kind::as_env) {
        const as_env_fn_spec& spec = as_env_fns()[b.wasi];
        keep.push_back(HostFunc::New(*store_, FuncType(as_env_params(spec), as_env_results(spec)),
                                     [this, &spec](Thread& thread, const Values& params, Values& results,
                                                   Trap::Ptr* trap) -> wabt::Result {
                                       std::string message;
                                       Memory* memory = memory_ ? memory_.get() : caller_memory(thread);
                                       if (memory && run_as_env_fn(spec, state_, wasi_, *memory, params, results, message)) {
                                         return charge_host_call(thread, trap);
                                       }
                                       if (!memory) message = std::string(as_env_module) + "." + std::string(spec.name) + " called with no memory";
                                       *trap = Trap::New(*store_, message);
                                       return wabt::Result::Error;
                                     }));
        imports.push_back(keep.back().ref());
        continue;
      }
      const host_fn_spec& spec = host_fns()[static_cast<std::size_t>(b.fn)];
      const host_fn fn = b.fn;
      keep.push_back(HostFunc::New(*store_, FuncType(spec.params, spec.results),
                                      [this, fn](Thread& thread, const Values& params, Values& results,
                                                 Trap::Ptr* trap) -> wabt::Result {
                                        std::string message;
                                        // A raw pointer: copying a RefPtr takes an interpreter root per call.
                                        Memory* memory = memory_ ? memory_.get() : caller_memory(thread);
                                        if (memory && run_host_fn(fn, state_, *memory, params, results, message)) {
                                          return charge_host_call(thread, trap);
                                        }
                                        if (!memory) message = "aura.* called with no memory";
                                        *trap = Trap::New(*store_, message);
                                        return wabt::Result::Error;
                                      }));
      imports.push_back(keep.back().ref());
    }
    thread_ = std::make_unique<Thread>(*store_);
    begin_call(ctx);
    // A start function runs inside Instantiate, before the exports are looked
    // up here: host functions then find memory and counter through the
    // calling instance (caller_memory, caller_fuel).
    Trap::Ptr trap;
    inst_ = Instance::Instantiate(*store_, mod.ref(), imports, &trap);
    if (!inst_) {
      broken_ = true;
      return fail(state_.fault ? *state_.fault
                               : error{errc::load_error,
                                       "instantiation failed: " + (trap ? trap->message() : std::string("unknown")),
                                       {}, {}, {}});
    }
    const auto& exports = mod->export_types();
    for (std::size_t i = 0; i < exports.size(); ++i) {
      const std::string& n = exports[i].name;
      const Ref ref = inst_->exports()[i];
      if (n == "memory") memory_ = store_->UnsafeGet<Memory>(ref);
      if (n == "aura_alloc") alloc_ = store_->UnsafeGet<Func>(ref);
      if (n == "aura_on_event") on_event_ = store_->UnsafeGet<Func>(ref);
    }
    if (module_->meter) fuel_ = store_->UnsafeGet<Global>(inst_->globals()[module_->meter->fuel_global]);
    if (module_->has_initialize) {
      if (auto r = call_void("_initialize", ctx); !r) return fail(std::move(r.error()));
    }
    return {};
  }

  void begin_call(context* ctx, std::chrono::milliseconds deadline = {}) {
    state_.ctx = ctx;
    state_.reset_outputs();
    state_.output_limit = module_->limits.output_bytes;
    state_.budget = module_->limits.fuel;
    state_.budget_left = module_->limits.fuel;
    state_.slice = std::max<std::uint64_t>(1, module_->limits.fuel_slice);
    state_.deadline_ms = deadline.count() > 0 ? deadline : module_->limits.deadline;
    state_.deadline = std::chrono::steady_clock::now() + state_.deadline_ms;
    state_.host_bytes = 0;
    wasi_.begin_call(module_->limits.output_bytes);
    if (fuel_) {
      // The first slice goes straight into the counter: no host call for short events.
      const std::uint64_t first = std::min(state_.slice, state_.budget_left);
      state_.budget_left -= first;
      fuel_->UnsafeSet(wabt::interp::Value::Make(first));
    }
  }

  /// Fuel a host call costs besides its bytes (a call is far dearer than an instruction).
  static constexpr std::int64_t host_call_fuel = 100;

  /// After a host function: charges the call and the guest bytes it read
  /// (one fuel per 2^bytes_shift) and reads the clock, so host-call spam ends
  /// at the deadline or the budget like any loop.
  wabt::Result charge_host_call(wabt::interp::Thread& thread, wabt::interp::Trap::Ptr* trap) {
    if (!module_->meter) return wabt::Result::Ok;
    wabt::interp::Global::Ptr fuel = fuel_ ? fuel_ : caller_fuel(thread);
    if (!fuel) return wabt::Result::Ok;
    const std::uint64_t bytes = state_.host_bytes;
    state_.host_bytes = 0;
    auto counter = static_cast<std::int64_t>(fuel->Get().Get<std::uint64_t>());
    counter -= host_call_fuel + static_cast<std::int64_t>(bytes >> module_->meter->bytes_shift);
    fuel->UnsafeSet(wabt::interp::Value::Make(static_cast<std::uint64_t>(counter)));
    if (counter < 0 || std::chrono::steady_clock::now() >= state_.deadline) return refuel(thread, trap);
    return wabt::Result::Ok;
  }

  /// The metering's refuel import: the counter went below zero.
  wabt::Result refuel(wabt::interp::Thread& thread, wabt::interp::Trap::Ptr* trap) {
    using wabt::interp::Value;
    wabt::interp::Global::Ptr fuel = fuel_ ? fuel_ : caller_fuel(thread);
    if (!fuel) {
      *trap = wabt::interp::Trap::New(*store_, "aura_meter.refuel: no fuel counter");
      return wabt::Result::Error;
    }
    std::int64_t counter = static_cast<std::int64_t>(fuel->Get().Get<std::uint64_t>());
    auto stop = [&](errc code, std::string message) {
      state_.fault = error{code, message, {}, {}, {}};
      *trap = wabt::interp::Trap::New(*store_, message);
      return wabt::Result::Error;
    };
    if (std::chrono::steady_clock::now() >= state_.deadline) {
      return stop(errc::timeout, "wall-clock deadline of " + std::to_string(state_.deadline_ms.count()) +
                                     " ms passed");
    }
    while (counter < 0) {
      if (state_.budget_left == 0) {
        return stop(errc::limit_exceeded, "fuel exhausted: the call ran past its budget of " +
                                              std::to_string(state_.budget) + " instructions");
      }
      const std::uint64_t grant = std::min(state_.slice, state_.budget_left);
      state_.budget_left -= grant;
      counter += static_cast<std::int64_t>(grant);
    }
    fuel->UnsafeSet(Value::Make(static_cast<std::uint64_t>(counter)));
    return wabt::Result::Ok;
  }

  /// During the start function: the memory of the calling instance (owned by the store).
  wabt::interp::Memory* caller_memory(wabt::interp::Thread& thread) {
    wabt::interp::Instance* caller = thread.GetCallerInstance();
    if (!caller || caller->memories().empty()) return nullptr;
    return store_->UnsafeGet<wabt::interp::Memory>(caller->memories()[0]).get();
  }
  wabt::interp::Global::Ptr caller_fuel(wabt::interp::Thread& thread) {
    wabt::interp::Instance* caller = thread.GetCallerInstance();
    if (!caller || !module_->meter || caller->globals().size() <= module_->meter->fuel_global) return {};
    return store_->UnsafeGet<wabt::interp::Global>(caller->globals()[module_->meter->fuel_global]);
  }

  /// An exported function by name, looked up once and kept (the lookup walks
  /// the export list and takes interpreter roots; repeated calls should not).
  [[nodiscard]] wabt::interp::Func::Ptr* find_func(std::string_view name) {
    if (name == "aura_alloc") return &alloc_;
    if (name == "aura_on_event") return &on_event_;
    for (auto& [n, f] : extra_) {
      if (n == name) return &f;
    }
    auto mod = store_->UnsafeGet<wabt::interp::Module>(inst_->module());
    const auto& exports = mod->export_types();
    for (std::size_t i = 0; i < exports.size(); ++i) {
      if (exports[i].name == name && exports[i].type->kind == wabt::ExternalKind::Func) {
        extra_.emplace_back(std::string(name), store_->UnsafeGet<wabt::interp::Func>(inst_->exports()[i]));
        return &extra_.back().second;
      }
    }
    return nullptr;
  }

  result<void> run(wabt::interp::Func::Ptr& f, const wabt::interp::Values& params, wabt::interp::Values& results,
                   std::string_view what) {
    wabt::interp::Trap::Ptr trap;
    const bool ok = wabt::Succeeded(f->Call(*thread_, params, results, &trap));
    wasi_.end_call();
    wasi_.flush(state_.ctx);  // a partial stdout line is logged when the guest returns or traps
    if (ok) return {};
    broken_ = true;  // also after exit(0): an exited program is not called again (the pool makes a new one)
    if (state_.exited && !state_.fault) {  // proc_exit(0): the function returned zero
      results.assign(f->type().results.size(), wabt::interp::Value::Make(std::uint64_t{0}));
      return {};
    }
    if (state_.fault) return fail(*state_.fault);
    // A guest that said why before trapping (AssemblyScript's abort, a Rust
    // panic hook): its words first, the trap after them.
    const std::string trapped = "trap in " + std::string(what) + ": " + (trap ? trap->message() : std::string("unknown"));
    if (state_.has_error) return fail(errc::hook_failed, state_.error_message + " (" + trapped + ")");
    return fail(errc::hook_failed, trapped);
  }

  result<std::int32_t> call_i32(wabt::interp::Func::Ptr& f, const wabt::interp::Values& params, std::string_view what) {
    wabt::interp::Values results;
    if (auto r = run(f, params, results, what); !r) return fail(std::move(r.error()));
    return static_cast<std::int32_t>(results.at(0).Get<std::uint32_t>());
  }

  std::shared_ptr<const compiled_module> module_;
  std::unique_ptr<wabt::interp::Store> store_;
  std::unique_ptr<wabt::interp::Thread> thread_;
  wabt::interp::Instance::Ptr inst_;
  wabt::interp::Memory::Ptr memory_;
  wabt::interp::Func::Ptr alloc_;
  wabt::interp::Func::Ptr on_event_;
  std::list<std::pair<std::string, wabt::interp::Func::Ptr>> extra_;  ///< stable addresses
  wabt::interp::Global::Ptr fuel_;
  call_state state_;
  wasi_state wasi_;
  bool broken_ = false;
};

}  // namespace aura::wasm
