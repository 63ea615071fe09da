// aura/adapters/wasm/module.hpp - loading a .wasm module: decode, validate, check the
// ABI's exports and imports, cap memory, insert metering, prepare for the interpreter.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/adapters/wasm/as_env.hpp"
#include "aura/adapters/wasm/host_imports.hpp"
#include "aura/adapters/wasm/limits.hpp"
#include "aura/adapters/wasm/metering.hpp"
#include "aura/adapters/wasm/wabt.hpp"
#include "aura/adapters/wasm/wasi.hpp"
#include "aura/core/error.hpp"

namespace aura::wasm {

/// Table elements a module may declare or grow to (each costs host memory).
inline constexpr std::uint64_t max_table_elements = 1u << 16;

/// What one import of the prepared module is bound to, in import order.
struct import_binding {
  enum class kind : std::uint8_t { aura, wasi, as_env, refuel };
  kind of = kind::aura;
  host_fn fn = host_fn::log;  ///< when of == aura
  std::uint8_t wasi = 0;      ///< when of == wasi: the index in wasi_fns(); as_env: in as_env_fns()
};

/// A module ready to instantiate: decoded for WABT's interpreter, with its ABI
/// checked and its limits applied. Immutable and shared by every instance.
struct compiled_module {
  std::string name;
  wasm_limits limits;
  grants granted;
  wabt::Features features;
  wabt::interp::ModuleDesc desc;
  std::optional<meter_layout> meter;   ///< empty when metering is off
  std::vector<import_binding> imports;
  bool has_initialize = false;
  std::size_t original_bytes = 0;
  std::size_t prepared_bytes = 0;      ///< after metering was inserted
};

namespace detail {

inline std::string type_list(const std::vector<wabt::Type>& types) {
  std::string out = "(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i) out += ", ";
    out += types[i].GetName();
  }
  return out + ")";
}

inline std::string signature(const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results) {
  return type_list(params) + " -> " + type_list(results);
}

inline const char* kind_name(wabt::ExternalKind k) {
  switch (k) {
    case wabt::ExternalKind::Func: return "a function";
    case wabt::ExternalKind::Table: return "a table";
    case wabt::ExternalKind::Memory: return "a memory";
    case wabt::ExternalKind::Global: return "a global";
    case wabt::ExternalKind::Tag: return "a tag";
  }
  return "something else";
}

inline std::string wabt_errors(const wabt::Errors& errors) {
  std::string text = wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? std::string("malformed module") : text;
}

/// Checks an export's presence, kind and (for functions) signature.
inline result<void> check_export(const wabt::Module& m, std::string_view name, wabt::ExternalKind kind,
                                 const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results,
                                 bool required) {
  const wabt::Export* e = m.GetExport(name);
  if (!e) {
    if (!required) return {};
    return fail(errc::load_error, "missing export \"" + std::string(name) + "\"");
  }
  if (e->kind != kind) {
    return fail(errc::load_error, "export \"" + std::string(name) + "\" is " + kind_name(e->kind) + ", expected " +
                                      kind_name(kind));
  }
  if (kind == wabt::ExternalKind::Func) {
    const wabt::Func* f = m.GetFunc(e->var);
    if (!f) return fail(errc::load_error, "export \"" + std::string(name) + "\" names no function");
    const auto& sig = f->decl.sig;
    if (sig.param_types != params || sig.result_types != results) {
      return fail(errc::load_error, "export \"" + std::string(name) + "\" has signature " +
                                        signature(sig.param_types, sig.result_types) + ", expected " +
                                        signature(params, results));
    }
  }
  return {};
}

}  // namespace detail

/// Checks the exports the ABI needs: `memory`, `aura_alloc: (i32) -> (i32)`,
/// `aura_on_event: (i32, i32) -> (i32)`; optional `_initialize: () -> ()` and
/// the `aura_abi_v1` marker (any kind). A module marking only another ABI
/// version (`aura_abi_v2`, ...) is refused as a version mismatch.
[[nodiscard]] inline result<void> check_exports(const wabt::Module& m) {
  using T = wabt::Type;
  if (auto r = detail::check_export(m, "memory", wabt::ExternalKind::Memory, {}, {}, true); !r) return r;
  if (auto r = detail::check_export(m, "aura_alloc", wabt::ExternalKind::Func, {T::I32}, {T::I32}, true); !r) return r;
  if (auto r = detail::check_export(m, "aura_on_event", wabt::ExternalKind::Func, {T::I32, T::I32}, {T::I32}, true); !r) {
    return r;
  }
  if (auto r = detail::check_export(m, "_initialize", wabt::ExternalKind::Func, {}, {}, false); !r) return r;
  if (!m.GetExport("aura_abi_v1")) {
    for (const wabt::Export* e : m.exports) {
      if (e->name.rfind("aura_abi_v", 0) == 0) {
        return fail(errc::version_mismatch, "module marks ABI \"" + e->name + "\"; this host speaks aura_abi_v1");
      }
    }
  }
  return {};
}

/// Checks every import against the host functions (module "aura", under the
/// plugin's grants), WASI preview 1 (module "wasi_snapshot_preview1", always
/// linked: see wasi.hpp) and AssemblyScript's runtime imports (module "env":
/// see as_env.hpp), returning what each is bound to.
[[nodiscard]] inline result<std::vector<import_binding>> check_imports(const wabt::Module& m, const grants& g) {
  std::vector<import_binding> out;
  for (const wabt::Import* imp : m.imports) {
    const std::string full = imp->module_name + "." + imp->field_name;
    if (imp->kind() != wabt::ExternalKind::Func) {
      return fail(errc::load_error, "import \"" + full + "\" is " + detail::kind_name(imp->kind()) +
                                        "; a plugin imports only aura.*, wasi_snapshot_preview1.* and env.* functions");
    }
    const auto& sig = wabt::cast<wabt::FuncImport>(imp)->func.decl.sig;
    auto check_sig = [&](const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results) -> result<void> {
      if (sig.param_types == params && sig.result_types == results) return {};
      return fail(errc::load_error, "import \"" + full + "\" has signature " +
                                        detail::signature(sig.param_types, sig.result_types) + ", expected " +
                                        detail::signature(params, results));
    };
    if (imp->module_name == wasi_module) {
      const auto index = find_wasi_fn(imp->field_name);
      if (!index) return fail(errc::load_error, "import \"" + full + "\" is not a WASI preview 1 function");
      const wasi_fn_spec& spec = wasi_fns()[*index];
      if (auto r = check_sig(wasi_params(spec), wasi_results(spec)); !r) return fail(std::move(r.error()));
      out.push_back(import_binding{import_binding::kind::wasi, host_fn::log, *index});
      continue;
    }
    if (imp->module_name == as_env_module) {
      const auto index = find_as_env_fn(imp->field_name);
      if (!index) {
        return fail(errc::load_error, "import \"" + full +
                                          "\" is not provided: module \"env\" has only AssemblyScript's abort, seed, "
                                          "Date.now and console.log");
      }
      const as_env_fn_spec& spec = as_env_fns()[*index];
      if (auto r = check_sig(as_env_params(spec), as_env_results(spec)); !r) return fail(std::move(r.error()));
      out.push_back(import_binding{import_binding::kind::as_env, host_fn::log, *index});
      continue;
    }
    if (imp->module_name != "aura") {
      return fail(errc::load_error, "import \"" + full +
                                        "\" is not provided: only modules \"aura\", \"wasi_snapshot_preview1\" and "
                                        "\"env\" (AssemblyScript's runtime) are linked");
    }
    const host_fn_spec* spec = nullptr;
    for (const auto& s : host_fns()) {
      if (s.name == imp->field_name) spec = &s;
    }
    if (!spec) return fail(errc::load_error, "import \"" + full + "\" is not an aura host function");
    if (!g.allows(spec->fn)) {
      return fail(errc::permission_denied, "import \"" + full + "\" is not granted by the plugin's permissions (needs " +
                                               std::string(grants::requirement(spec->fn)) + ")");
    }
    if (auto r = check_sig(spec->params, spec->results); !r) return fail(std::move(r.error()));
    out.push_back(import_binding{import_binding::kind::aura, spec->fn, 0});
  }
  return out;
}

/// Lowers memory and table maxima to the caps; refuses initial sizes above them.
[[nodiscard]] inline result<void> apply_caps(wabt::Module& m, const wasm_limits& limits) {
  for (wabt::Memory* mem : m.memories) {
    auto& l = mem->page_limits;
    if (l.initial > limits.memory_pages) {
      return fail(errc::limit_exceeded, "memory declares " + std::to_string(l.initial) +
                                            " initial pages, more than the cap of " +
                                            std::to_string(limits.memory_pages));
    }
    l.max = l.has_max ? std::min<std::uint64_t>(l.max, limits.memory_pages) : limits.memory_pages;
    l.has_max = true;
  }
  for (wabt::Table* t : m.tables) {
    auto& l = t->elem_limits;
    if (l.initial > max_table_elements) {
      return fail(errc::limit_exceeded, "table declares " + std::to_string(l.initial) +
                                            " initial elements, more than the cap of " +
                                            std::to_string(max_table_elements));
    }
    l.max = l.has_max ? std::min<std::uint64_t>(l.max, max_table_elements) : max_table_elements;
    l.has_max = true;
  }
  return {};
}

/// Decodes, validates, checks and prepares `bytes`. Every refusal is a
/// load_error (or limit_exceeded / permission_denied / version_mismatch) whose
/// message names the export, import or limit at fault.
[[nodiscard]] inline result<std::shared_ptr<const compiled_module>> compile_module(const std::uint8_t* data,
                                                                                  std::size_t size,
                                                                                  std::string name,
                                                                                  const wasm_limits& limits,
                                                                                  const grants& g) {
  if (size > limits.module_bytes) {
    return fail(errc::limit_exceeded, "module is " + std::to_string(size) + " bytes, more than the limit of " +
                                          std::to_string(limits.module_bytes));
  }
  if (size < 8) return fail(errc::load_error, "not a WebAssembly module: " + std::to_string(size) + " bytes");
  auto out = std::make_shared<compiled_module>();
  out->name = std::move(name);
  out->limits = limits;
  out->granted = g;
  out->original_bytes = size;
  const std::string file = out->name.empty() ? std::string("<wasm>") : out->name;

  wabt::Module ir;
  wabt::Errors errors;
  {
    const wabt::ReadBinaryOptions options(out->features, nullptr, /*read_debug_names=*/false,
                                          /*stop_on_first_error=*/true, /*fail_on_custom_section_error=*/false);
    // The interpreter's reader validates every instruction as it decodes; the
    // IR reader does not, and WABT 1.0.32's asserts (aborting the host) on some
    // malformed bodies, e.g. an initializer expression holding `unreachable`.
    // So nothing reaches the IR reader that the validating reader refused.
    {
      wabt::interp::ModuleDesc checked;
      if (wabt::Failed(wabt::interp::ReadBinaryInterp(file, data, size, options, &errors, &checked))) {
        return fail(errc::load_error, "malformed module: " + detail::wabt_errors(errors));
      }
    }
    if (wabt::Failed(wabt::ReadBinaryIr(file.c_str(), data, size, options, &errors, &ir))) {
      return fail(errc::load_error, "malformed module: " + detail::wabt_errors(errors));
    }
  }
  if (wabt::Failed(wabt::ValidateModule(&ir, &errors, wabt::ValidateOptions(out->features)))) {
    return fail(errc::load_error, "invalid module: " + detail::wabt_errors(errors));
  }
  if (auto r = check_exports(ir); !r) return fail(std::move(r.error()));
  auto imports = check_imports(ir, g);
  if (!imports) return fail(std::move(imports.error()));
  out->imports = std::move(*imports);
  out->has_initialize = ir.GetExport("_initialize") != nullptr;
  if (auto r = apply_caps(ir, limits); !r) return fail(std::move(r.error()));
  if (auto r = check_nesting(ir); !r) return fail(std::move(r.error()));
  if (limits.metering) {
    out->meter = insert_metering(ir, limits.bytes_per_fuel);
    // The refuel import was appended after the module's own imports.
    out->imports.push_back(import_binding{import_binding::kind::refuel, host_fn::log, 0});
  }

  wabt::MemoryStream stream;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &ir, wabt::WriteBinaryOptions(out->features, true, false, false)))) {
    return fail(errc::load_error, "could not re-encode the module after metering");
  }
  const std::vector<std::uint8_t>& prepared = stream.output_buffer().data;
  out->prepared_bytes = prepared.size();
  errors.clear();
  const wabt::ReadBinaryOptions options(out->features, nullptr, false, true, false);
  if (wabt::Failed(wabt::interp::ReadBinaryInterp(file, prepared.data(), prepared.size(), options, &errors,
                                                  &out->desc))) {
    // The original validated, so this is the metering's fault, not the plugin's.
    return fail(errc::load_error, "metered module failed to decode: " + detail::wabt_errors(errors));
  }
  return std::shared_ptr<const compiled_module>(std::move(out));
}

}  // namespace aura::wasm
