// aura/plugin/version_range.hpp - semantic versions and the SDK ranges manifests state.
//
// A manifest says which SDK it was built against. A bare version is a tilde
// range: "0.1.0" means ~0.1.0, i.e. >= 0.1.0 and < 0.2.0, so a plugin built
// against 0.1.0 loads on 0.1.5, but one built against 0.1.5 does not load on
// 0.1.0 (it may use what 0.1.5 added), and 0.2.0 does not load on 0.1.x.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/core/version.hpp"

namespace aura::plugin {

/// MAJOR.MINOR.PATCH with an optional pre-release tag (build metadata is ignored).
struct semver {
  int major = 0, minor = 0, patch = 0;
  std::string pre;  ///< "rc.1" in 1.0.0-rc.1; empty for a release

  [[nodiscard]] std::string str() const {
    std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    if (!pre.empty()) s += "-" + pre;
    return s;
  }
  /// Orders by number, and a pre-release before its release (tags compared as text).
  [[nodiscard]] friend bool operator<(const semver& a, const semver& b) noexcept {
    if (std::tie(a.major, a.minor, a.patch) != std::tie(b.major, b.minor, b.patch)) {
      return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
    }
    if (a.pre.empty() != b.pre.empty()) return !a.pre.empty();
    return a.pre < b.pre;
  }
  [[nodiscard]] friend bool operator==(const semver& a, const semver& b) noexcept {
    return std::tie(a.major, a.minor, a.patch, a.pre) == std::tie(b.major, b.minor, b.patch, b.pre);
  }
  [[nodiscard]] friend bool operator!=(const semver& a, const semver& b) noexcept { return !(a == b); }
  [[nodiscard]] friend bool operator<=(const semver& a, const semver& b) noexcept { return !(b < a); }
  [[nodiscard]] friend bool operator>(const semver& a, const semver& b) noexcept { return b < a; }
  [[nodiscard]] friend bool operator>=(const semver& a, const semver& b) noexcept { return !(a < b); }

  /// "1.2.3", "1.2" (patch 0), "1" (minor and patch 0), "1.2.3-rc.1+build".
  [[nodiscard]] static result<semver> parse(std::string_view text) {
    const std::string shown(text);
    auto bad = [&](const char* why) {
      return fail(errc::parse_error, "\"" + shown + "\" is not a version (MAJOR.MINOR.PATCH): " + why);
    };
    if (auto plus = text.find('+'); plus != std::string_view::npos) text = text.substr(0, plus);
    semver v;
    if (auto dash = text.find('-'); dash != std::string_view::npos) {
      v.pre = std::string(text.substr(dash + 1));
      if (v.pre.empty()) return bad("empty pre-release tag");
      text = text.substr(0, dash);
    }
    int* parts[3] = {&v.major, &v.minor, &v.patch};
    std::size_t i = 0, pos = 0;
    while (true) {
      if (i == 3) return bad("more than three numbers");
      std::size_t end = pos;
      std::int64_t n = 0;
      while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        n = n * 10 + (text[end] - '0');
        if (n > 1000000000) return bad("number too large");
        ++end;
      }
      if (end == pos) return bad("expected a number");
      *parts[i++] = static_cast<int>(n);
      if (end == text.size()) break;
      if (text[end] != '.') return bad("unexpected character");
      pos = end + 1;
    }
    return v;
  }
};

/// The SDK this host was built with.
[[nodiscard]] inline semver host_sdk() noexcept {
  return semver{version_major, version_minor, version_patch, {}};
}

/// A set of versions: comparators that must all hold ("~0.1.0", "^1.2",
/// ">=0.1.0, <0.3.0", "=0.1.2", "*"). A bare version is read as a tilde range.
class version_range {
 public:
  enum class op { eq, lt, le, gt, ge };
  struct comparator {
    op kind;
    semver v;
  };

  [[nodiscard]] static result<version_range> parse(std::string_view text) {
    version_range r;
    r.text_ = std::string(trim(text));
    if (r.text_.empty()) return fail(errc::parse_error, "an empty version range");
    if (r.text_ == "*") return r;
    std::string_view rest = r.text_;
    while (!rest.empty()) {
      std::size_t cut = rest.find_first_of(", ");
      std::string_view part = trim(rest.substr(0, cut));
      rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
      if (part.empty()) continue;
      if (auto added = r.add(part); !added) return fail(std::move(added.error()));
    }
    if (r.all_.empty()) return fail(errc::parse_error, "\"" + r.text_ + "\" is not a version range");
    return r;
  }

  [[nodiscard]] bool contains(const semver& v) const noexcept {
    for (const comparator& c : all_) {
      bool ok = false;
      switch (c.kind) {
        case op::eq: ok = v == c.v; break;
        case op::lt: ok = v < c.v; break;
        case op::le: ok = v <= c.v; break;
        case op::gt: ok = v > c.v; break;
        case op::ge: ok = v >= c.v; break;
      }
      if (!ok) return false;
    }
    return true;
  }
  /// The range as written ("~0.1.0" for a bare "0.1.0").
  [[nodiscard]] const std::string& str() const noexcept { return text_; }

 private:
  [[nodiscard]] static std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  result<void> add(std::string_view part) {
    auto read = [&](std::size_t skip) { return semver::parse(trim(part.substr(skip))); };
    auto with_range = [&](result<semver> v) -> result<semver> {
      if (!v) return fail(errc::parse_error, "bad version range \"" + text_ + "\": " + v.error().message);
      return v;
    };
    if (part.rfind(">=", 0) == 0 || part.rfind("<=", 0) == 0) {
      auto v = with_range(read(2));
      if (!v) return fail(std::move(v.error()));
      all_.push_back({part[0] == '>' ? op::ge : op::le, *v});
    } else if (part[0] == '>' || part[0] == '<' || part[0] == '=') {
      auto v = with_range(read(1));
      if (!v) return fail(std::move(v.error()));
      all_.push_back({part[0] == '>' ? op::gt : part[0] == '<' ? op::lt : op::eq, *v});
    } else if (part[0] == '^') {
      auto v = with_range(read(1));
      if (!v) return fail(std::move(v.error()));
      semver upper = v->major > 0 ? semver{v->major + 1, 0, 0, {}}
                   : v->minor > 0 ? semver{0, v->minor + 1, 0, {}}
                                  : semver{0, 0, v->patch + 1, {}};
      all_.push_back({op::ge, *v});
      all_.push_back({op::lt, upper});
    } else {
      const bool tilde = part[0] == '~';
      auto v = with_range(read(tilde ? 1 : 0));
      if (!v) return fail(std::move(v.error()));
      if (!tilde && all_.empty() && text_ == std::string(part)) text_ = "~" + text_;
      all_.push_back({op::ge, *v});
      all_.push_back({op::lt, semver{v->major, v->minor + 1, 0, {}}});
    }
    return {};
  }

  std::string text_;
  std::vector<comparator> all_;
};

/// Checks a plugin's SDK range against `host`: the error reads
/// `plugin "NAME": plugin requires SDK ~X, host has Y`.
[[nodiscard]] inline result<void> check_sdk(const std::string& plugin, const version_range& wanted,
                                            const semver& host = host_sdk()) {
  if (wanted.contains(host)) return {};
  error e{errc::version_mismatch, "plugin requires SDK " + wanted.str() + ", host has " + host.str(), plugin, {}, {}};
  return fail(std::move(e));
}

}  // namespace aura::plugin
