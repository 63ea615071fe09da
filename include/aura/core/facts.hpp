// aura/core/facts.hpp - the facts a host provides for conditions to read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aura {

/// A fact's value: a flag, a number or a text.
using fact_value = std::variant<bool, double, std::string>;

/// Named facts (`history`, `auto`, `model`...), read by conditions.
class facts {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, fact_value value) {
    values_[std::move(name)] = std::move(value);
    return *this;
  }
  // One overload per kind a caller writes, so that set("x", 0.5) and
  // set("x", true) pick the number and the flag (not an integer conversion).
  template <int = 0>
  facts& set(std::string name, bool value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, double value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, std::string value) { return set(std::move(name), fact_value(std::move(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, int value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long long value) {
    return set(std::move(name), fact_value(static_cast<double>(value)));
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, const char* value) { return set(std::move(name), fact_value(std::string(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  bool erase(std::string_view name) {
    auto it = values_.find(name);
    if (it == values_.end()) return false;
    values_.erase(it);
    return true;
  }

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] const fact_value* find(std::string_view name) const noexcept {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }
  /// A numeric fact (a bool reads as 0 or 1); nullopt when absent or text.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<double> number(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const double* d = std::get_if<double>(v)) return *d;
    if (const bool* b = std::get_if<bool>(v)) return *b ? 1.0 : 0.0;
    return std::nullopt;
  }
  /// A fact's truth: a true flag, a non-zero number, a non-empty text; absent is false.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool truthy(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return false;
    if (const bool* b = std::get_if<bool>(v)) return *b;
    if (const double* d = std::get_if<double>(v)) return *d != 0.0;
    return !std::get<std::string>(*v).empty();
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<std::string> text(std::string_view name) const {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const std::string* s = std::get_if<std::string>(v)) return *s;
    return std::nullopt;
  }
  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
  [[nodiscard]] const std::map<std::string, fact_value, std::less<>>& all() const noexcept { return values_; }

 private:
  std::map<std::string, fact_value, std::less<>> values_;
};

}  // namespace aura
