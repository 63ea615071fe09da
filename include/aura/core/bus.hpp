// aura/core/bus.hpp - chains by event name, for typed and dynamic (JSON) use.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/chain.hpp"
#include "aura/core/condition.hpp"
#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"
#include "aura/core/fwd.hpp"
#include "aura/core/hook.hpp"
#include "aura/core/name_table.hpp"
#include "aura/core/outcome.hpp"
#include "aura/core/snapshot.hpp"
#include "aura/core/stats.hpp"

namespace aura {

namespace detail {

/// A small number per typed event, for the bus's lookup cache.
inline std::atomic<std::size_t> next_event_slot{0};
template <class E>
[[nodiscard]] std::size_t event_slot() noexcept {
  static const std::size_t slot = next_event_slot.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

template <class Unused, class T>
struct dependent_type {
  using type = T;
};

/// Moves what an outcome says about the hooks (verdict, reason, trail,
/// diagnostics) into an outcome of the event's other form (typed <-> JSON).
template <class To, class From>
void move_verdict(outcome<To>& to, outcome<From>& from) {
  to.verdict = from.verdict;
  to.reason = std::move(from.reason);
  to.denied_by = std::move(from.denied_by);
  to.trail = std::move(from.trail);
  to.diagnostics = std::move(from.diagnostics);
}

/// One event name's chain, typed or dynamic, behind a common face.
class topic {
 public:
  explicit topic(std::type_index type) : type_(type) {}
  virtual ~topic() = default;
  [[nodiscard]] std::type_index type() const noexcept { return type_; }
  [[nodiscard]] bool is_dynamic() const noexcept { return type_ == std::type_index(typeid(dynamic_event)); }

  virtual result<void> add_json(hook_options opts, json_hook fn) = 0;
  virtual result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) = 0;
  [[nodiscard]] virtual outcome<dynamic_event> emit_json(envelope<dynamic_event> env, context& ctx) = 0;
  virtual bool remove(std::string_view hook) = 0;
  virtual std::size_t remove_plugin(std::string_view plugin) = 0;
  [[nodiscard]] virtual std::vector<std::string> names() const = 0;
  [[nodiscard]] virtual std::vector<hook_stats> stats() const = 0;
  [[nodiscard]] virtual event_flags flags() const = 0;

 private:
  std::type_index type_;
};

template <class E>
class typed_topic final : public topic {
 public:
  explicit typed_topic(tracing trace) : topic(typeid(E)), chain_(trace) {}
  [[nodiscard]] aura::chain<E>& get() noexcept { return chain_; }

  result<void> add_json(hook_options opts, json_hook fn) override {
    if constexpr (event_traits<E>::is_dynamic || json_convertible<E>::value) {
      return chain_.add_json(std::move(opts), std::move(fn));
    } else {
      return no_json_form();
    }
  }

  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) override {
    if constexpr (event_traits<E>::is_dynamic || json_convertible<E>::value) {
      return chain_.replace_json(old_name, std::move(opts), std::move(fn));
    } else {
      (void)old_name;
      return no_json_form();
    }
  }

  [[nodiscard]] static result<void> no_json_form() {
    return fail(errc::unsupported, "event \"" + std::string(event_traits<E>::name) +
                                        "\" has no JSON form, so JSON hooks cannot join its chain");
  }

  [[nodiscard]] outcome<dynamic_event> emit_json(envelope<dynamic_event> env, context& ctx) override {
    if constexpr (event_traits<E>::is_dynamic) {
      return chain_.dispatch(std::move(env), ctx);
    } else if constexpr (json_convertible<E>::value) {
      // A JSON emit on a typed event: read the payload as E, run the typed chain.
      outcome<dynamic_event> out;
      envelope<E> typed;
      try {
        typed.data = env.data.template get<E>();
      } catch (const std::exception& ex) {
        out.verdict = verdict::deny;
        out.reason = "payload does not fit event \"" + env.name + "\": " + ex.what();
        out.diagnostics.push_back(error{errc::invalid_argument, out.reason, {}, {}, {}});
        out.data = std::move(env.data);
        return out;
      }
      typed.id = std::move(env.id);
      typed.name = std::move(env.name);
      typed.time = env.time;
      typed.source = std::move(env.source);
      typed.session = std::move(env.session);
      typed.meta = std::move(env.meta);
      outcome<E> r = chain_.dispatch(std::move(typed), ctx);
      move_verdict(out, r);
      out.data = nlohmann::json(r.data);
      out.effects = nlohmann::json(r.effects);
      return out;
    } else {
      outcome<dynamic_event> out;
      out.verdict = verdict::deny;
      out.reason = "event \"" + env.name + "\" is typed and has no JSON form";
      out.diagnostics.push_back(error{errc::unsupported, out.reason, {}, {}, {}});
      out.data = std::move(env.data);
      return out;
    }
  }

  bool remove(std::string_view hook) override { return chain_.remove(hook); }
  std::size_t remove_plugin(std::string_view plugin) override { return chain_.remove_plugin(plugin); }
  [[nodiscard]] std::vector<std::string> names() const override { return chain_.names(); }
  [[nodiscard]] std::vector<hook_stats> stats() const override { return chain_.stats(); }
  [[nodiscard]] event_flags flags() const override { return chain_.flags(); }

 private:
  aura::chain<E> chain_;
};

}  // namespace detail

/// Chains by event name. Typed hooks (`on<E>`) and JSON hooks (`on(name, ...)`)
/// on the same name share one chain, ordered together by (priority, name); a
/// typed event is serialised only when a JSON hook actually runs.
///
/// `aura::bus` is `basic_bus<>`: a class template only so that its members,
/// and the dynamic chain they use, are compiled in the files that use them,
/// not in every file that includes the header (DESIGN §7's compile budget).
template <class Unused>
class basic_bus {
  // Every use of the dynamic chain depends on the template parameter, so
  // nothing of it is instantiated until a member is.
  using dyn_event = typename detail::dependent_type<Unused, dynamic_event>::type;

 public:
  /// `trace`: what each dispatch records, for every chain of the bus (see
  /// aura::tracing; the default builds no trail and costs next to nothing).
  explicit basic_bus(tracing trace = tracing::sampled) : trace_(trace) {}
  basic_bus(const basic_bus&) = delete;
  basic_bus& operator=(const basic_bus&) = delete;

  // ---- the runtime catalog (dynamic events) ----------------------------------

  /// Declares a dynamic event's flags, an optional payload check (for a JSON
  /// Schema, see aura::schema::payload_check) and an optional effects fold (the
  /// catalog's rules, see agent::declare_catalog; empty: fold_json_effects).
  /// Re-declaring updates all three.
  result<void> declare(std::string name, event_flags flags, payload_check<dyn_event> check = {},
                       effects_fold<dyn_event> fold = {}) {
    if (name.empty()) return fail(errc::invalid_argument, "an event needs a name");
    auto t = topic_for(name, typeid(dyn_event), [&] { return make_dynamic(); });
    if (!t) return fail(std::move(t.error()));
    if (!(*t)->is_dynamic()) {
      return fail(errc::already_exists, "event \"" + name + "\" is a typed event; its flags are its traits");
    }
    auto& c = static_cast<detail::typed_topic<dyn_event>&>(**t).get();
    c.set_flags(flags);
    c.set_payload_check(std::move(check));
    c.set_effects_fold(std::move(fold));
    return {};
  }

  /// The flags an event has: its traits if typed, its declaration if dynamic.
  [[nodiscard]] std::optional<event_flags> flags_of(std::string_view name) const {
    const auto* n = topics_.find(name);
    if (!n) return std::nullopt;
    return n->value.load(std::memory_order_acquire)->flags();
  }

  /// The predicates `when` conditions may name (fill before adding hooks).
  [[nodiscard]] predicate_registry& predicates() noexcept { return predicates_; }

  // ---- typed events ------------------------------------------------------------

  /// The chain behind typed event E (created on first use).
  template <class E>
  [[nodiscard]] result<std::reference_wrapper<chain<E>>> chain_for() {
    static_assert(!event_traits<E>::is_dynamic, "use declare()/on(name, ...) for dynamic events");
    const std::string name(event_traits<E>::name);
    auto t = topic_for(name, typeid(E), [&] { return make_typed<E>(name); });
    if (!t) return fail(std::move(t.error()));
    if ((*t)->type() != std::type_index(typeid(E))) {
      return fail(errc::already_exists, "event \"" + name + "\" is already registered with another C++ type");
    }
    return std::ref(static_cast<detail::typed_topic<E>&>(**t).get());
  }

  /// Adds a native hook for typed event E.
  template <class E, class F>
  result<void> on(hook_options opts, F&& fn) {
    auto c = chain_for<E>();
    if (!c) return fail(std::move(c.error()));
    return c->get().add(std::move(opts), std::forward<F>(fn));
  }

  /// Dispatches a typed event (a fresh id and the current time).
  template <class E>
  [[nodiscard]] outcome<E> emit(E data, context& ctx = host_context()) {
    return emit(make_envelope<E>(std::move(data)), ctx);
  }

  /// Dispatches a caller-owned envelope (copied only if a hook mutates it).
  template <class E>
  [[nodiscard]] outcome<E> emit(const envelope<E>& env, context& ctx = host_context()) {
    static_assert(!event_traits<E>::is_dynamic, "emit(name, json) for dynamic events");
    detail::topic* t = typed_topic_of<E>(env.name);
    if (t && t->type() == std::type_index(typeid(E))) {
      return static_cast<detail::typed_topic<E>&>(*t).get().dispatch(env, ctx);
    }
    return emit_elsewhere(t, envelope<E>(env), ctx);
  }

  /// Dispatches an envelope the bus may edit in place.
  template <class E>
  [[nodiscard]] outcome<E> emit(envelope<E>&& env, context& ctx = host_context()) {
    static_assert(!event_traits<E>::is_dynamic, "emit(name, json) for dynamic events");
    detail::topic* t = typed_topic_of<E>(env.name);
    if (t && t->type() == std::type_index(typeid(E))) {
      return static_cast<detail::typed_topic<E>&>(*t).get().dispatch(std::move(env), ctx);
    }
    return emit_elsewhere(t, std::move(env), ctx);
  }

 private:
  /// A typed emit on a name with no chain, a JSON chain, or another type's.
  template <class E>
  [[nodiscard]] outcome<E> emit_elsewhere(detail::topic* t, envelope<E> env, context& ctx) {
    if (!t) return pass_through(std::move(env));
    if (t->is_dynamic()) {
      if constexpr (detail::json_convertible<E>::value) {
        if (t->names().empty()) return pass_through(std::move(env));
        return through_json(*t, std::move(env), ctx);
      }
    }
    outcome<E> out = pass_through(std::move(env));
    out.verdict = verdict::deny;
    out.reason = "event \"" + std::string(event_traits<E>::name) + "\" is registered with another C++ type";
    out.diagnostics.push_back(error{errc::invalid_argument, out.reason, {}, {}, {}});
    return out;
  }

  /// The topic of `name` for typed event E: names never leave a bus, so the
  /// entry found for E's own name is cached in a slot per type (no hashing).
  template <class E>
  [[nodiscard]] detail::topic* typed_topic_of(std::string_view name) const {
    if (name != event_traits<E>::name) return value_of(topics_.find(name));
    const std::size_t slot = detail::event_slot<E>();
    if (slot < typed_cache_.size()) {
      if (const auto* n = typed_cache_[slot].load(std::memory_order_acquire)) return value_of(n);
    }
    const auto* n = topics_.find(name);
    if (n && slot < typed_cache_.size()) typed_cache_[slot].store(n, std::memory_order_release);
    return value_of(n);
  }
  [[nodiscard]] static detail::topic* value_of(const typename detail::name_table<detail::topic>::node* n) noexcept {
    return n ? n->value.load(std::memory_order_acquire) : nullptr;
  }

 public:
  // ---- dynamic (JSON) events -----------------------------------------------------

  /// Adds a JSON hook for event `name` (typed or dynamic).
  result<void> on(const std::string& name, hook_options opts, json_hook fn) {
    auto t = topic_for(name, typeid(dyn_event), [&] { return make_dynamic(); });
    if (!t) return fail(std::move(t.error()));
    return named_event((*t)->add_json(std::move(opts), std::move(fn)), **t, name);
  }

  /// Dispatches a JSON event by name.
  [[nodiscard]] outcome<dyn_event> emit(std::string name, nlohmann::json data, context& ctx = host_context()) {
    return emit(make_envelope(std::move(name), std::move(data)), ctx);
  }

  [[nodiscard]] outcome<dyn_event> emit(envelope<dyn_event> env, context& ctx = host_context()) {
    detail::topic* t = value_of(topics_.find(env.name));
    if (!t) {
      outcome<dyn_event> out;
      out.data = std::move(env.data);
      return out;
    }
    return t->emit_json(std::move(env), ctx);
  }

  // ---- management ---------------------------------------------------------------

  /// Removes hook `hook` of event `event`; false if there is none.
  bool off(std::string_view event, std::string_view hook) {
    detail::topic* t = value_of(topics_.find(event));
    return t && t->remove(hook);
  }

  /// Replaces JSON hook `old_hook` of event `event` in one step (see
  /// chain::replace_json): each dispatch runs the old hook or the new one.
  result<void> replace(std::string_view event, std::string_view old_hook, hook_options opts, json_hook fn) {
    detail::topic* t = value_of(topics_.find(event));
    if (!t) {
      return fail(error{errc::not_found, "no chain for event \"" + std::string(event) + "\" to replace a hook in",
                        opts.plugin, opts.name, {}});
    }
    return named_event(t->replace_json(old_hook, std::move(opts), std::move(fn)), *t, event);
  }

  /// Removes every hook a plugin owns, on every event; returns how many.
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t n = 0;
    for (const auto& [name, t] : sorted_topics()) n += t->remove_plugin(plugin);
    return n;
  }

  /// Event names with a chain.
  [[nodiscard]] std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& kv : sorted_topics()) out.push_back(kv.first);
    return out;
  }

  /// Hook names of one event, in run order.
  [[nodiscard]] std::vector<std::string> hooks(std::string_view event) const {
    detail::topic* t = value_of(topics_.find(event));
    return t ? t->names() : std::vector<std::string>{};
  }

  /// Every hook's figures, with its event name.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    std::vector<hook_stats> out;
    for (const auto& [name, t] : sorted_topics()) {
      for (auto s : t->stats()) {
        s.event = name;
        out.push_back(std::move(s));
      }
    }
    return out;
  }

 private:
  /// Every (name, topic) in name order; a copy, so no lock is held while the
  /// topics are used.
  [[nodiscard]] std::vector<std::pair<std::string, detail::topic*>> sorted_topics() const {
    std::vector<std::pair<std::string, detail::topic*>> out;
    {
      std::lock_guard<std::mutex> lock(writers_);
      out.reserve(topics_.nodes().size());
      for (const auto& n : topics_.nodes()) out.emplace_back(n->name, n->value.load(std::memory_order_acquire));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

  /// A dynamic chain's errors do not know the event's name (a typed one's do).
  static result<void> named_event(result<void> r, const detail::topic& t, std::string_view event) {
    if (!r && t.is_dynamic()) r.error().message += " for \"" + std::string(event) + "\"";
    return r;
  }

  std::shared_ptr<detail::topic> make_dynamic() {
    auto t = std::make_shared<detail::typed_topic<dyn_event>>(trace_);
    t->get().set_predicates(&predicates_);
    return t;
  }
  template <class E>
  std::shared_ptr<detail::topic> make_typed(const std::string& name) {
    auto t = std::make_shared<detail::typed_topic<E>>(trace_);
    t->get().set_predicates(&predicates_);
    (void)name;
    return t;
  }

  /// Finds or creates the topic for `name`. A typed registration on a name
  /// that so far had only JSON hooks takes those hooks into the typed chain.
  /// Topics live as long as the bus (a replaced one too: dispatches may be in it).
  template <class Make>
  result<detail::topic*> topic_for(const std::string& name, std::type_index want, Make&& make) {
    auto promotes = [&](const detail::topic& t) { return want != std::type_index(typeid(dyn_event)) && t.is_dynamic(); };
    if (detail::topic* t = value_of(topics_.find(name)); t && !promotes(*t)) return t;
    std::lock_guard<std::mutex> lock(writers_);
    auto* found = topics_.find_for_writer(name);
    if (!found) {
      std::shared_ptr<detail::topic> fresh = make();
      detail::topic* raw = fresh.get();
      topics_.insert(name, std::move(fresh));
      return raw;
    }
    detail::topic* cur = found->value.load(std::memory_order_acquire);
    if (!promotes(*cur)) return cur;
    // Promote: move the JSON hooks into the new typed chain.
    auto& old = static_cast<detail::typed_topic<dyn_event>&>(*cur).get();
    std::shared_ptr<detail::topic> chosen = make();
    for (auto& [opts, fn] : old.exported_hooks()) {
      if (auto r = chosen->add_json(opts, fn); !r) return fail(std::move(r.error()));
    }
    detail::topic* raw = chosen.get();
    topics_.replace(*found, std::move(chosen));
    return raw;
  }

  template <class E>
  [[nodiscard]] static outcome<E> pass_through(envelope<E> env) {
    outcome<E> out;
    out.data = std::move(env.data);
    return out;
  }

  template <class E>
  [[nodiscard]] static outcome<E> through_json(detail::topic& t, envelope<E> env, context& ctx) {
    outcome<dyn_event> r = t.emit_json(to_dynamic(env), ctx);
    outcome<E> out;
    detail::move_verdict(out, r);
    out.data = std::move(env.data);
    if (r.verdict == verdict::mutate) {
      try {
        out.data = r.data.template get<E>();
      } catch (const std::exception& ex) {
        out.verdict = verdict::allow;
        out.diagnostics.push_back(error{errc::validation_failed,
                                        std::string("mutation does not fit the event type, discarded: ") + ex.what(),
                                        {}, {}, {}});
      }
    }
    if constexpr (detail::json_convertible<effects_t<E>>::value) {
      if (!r.effects.is_null()) try {
        out.effects = r.effects.template get<effects_t<E>>();
      } catch (const std::exception& ex) {
        out.diagnostics.push_back(
            error{errc::protocol_error, std::string("effects do not fit the event's effects type: ") + ex.what(), {}, {}, {}});
      }
    }
    return out;
  }

  tracing trace_;
  predicate_registry predicates_;
  detail::name_table<detail::topic> topics_;  // lock-free lookup; edits under writers_
  mutable std::mutex writers_;                 // registration only: dispatch never takes it
  mutable std::array<std::atomic<const typename detail::name_table<detail::topic>::node*>, 32> typed_cache_{};
};

}  // namespace aura

#if defined(AURA_COMPILED)
// The compiled mode (aura::aura_compiled): the bus's members that do not
// depend on a typed event (the catalog, dynamic events, the event map) are
// compiled once, in the library; on<E>/emit<E> still compile where used.
namespace aura {
extern template class detail::name_table<detail::topic>;
extern template class basic_bus<void>;
}  // namespace aura
#endif
