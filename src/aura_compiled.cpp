// src/aura_compiled.cpp - the compiled mode's one translation unit (target
// aura::aura_compiled, the pattern of fmt's and spdlog's compiled builds).
// Files built with AURA_COMPILED (set by linking aura::aura_compiled) see
// `extern template` declarations for what is instantiated here, so they
// neither instantiate nor generate it; header-only use stays the default.
#if !defined(AURA_COMPILED)
#error "src/aura_compiled.cpp is built with AURA_COMPILED (target aura::aura_compiled)"
#endif

#include <aura/aura.hpp>

namespace aura {
template class condition_parser<0>;
template result<condition> condition::parse<0>(std::string_view, const predicate_registry*);
template result<void> condition::check_syntax<0>(std::string_view);
template bool condition::evaluate<0>(const facts&) const;
template context& host_context<0>();
template class chain<dynamic_event>;
template class detail::name_table<detail::topic>;
template class basic_bus<void>;
namespace detail {
template result<std::optional<condition>> parse_gate<0>(const hook_options&, const predicate_registry*);
}  // namespace detail
}  // namespace aura
