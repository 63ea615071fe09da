// aura/plugin/runtimes/shared_object.hpp - native plugins as shared objects
// (Rustant's native plugins), loaded with dlopen through the C ABI of
// aura/plugin/c_abi.h. Link the program with ${CMAKE_DL_LIBS}.
//
// At load the host checks the ABI version, reads the plugin's metadata and
// checks its capabilities: hooks need HookRegistration, tools need
// ToolRegistration, every capability the plugin states must be declared in its
// manifest (when it has one) and granted by the host. Host services behind a
// capability (fs/read, shell/run, secret/get, http) are refused at call time
// to a plugin that did not declare it. The code runs in the host's process
// with the host's privileges and cannot be interrupted: no timeout applies to
// its calls, and a crash in it is a crash of the host (docs/security.md).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dlfcn.h>

#include <nlohmann/json.hpp>

#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/error.hpp"
#include "aura/core/wire.hpp"
#include "aura/plugin/c_abi.h"
#include "aura/plugin/detail/run.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/runtime.hpp"

namespace aura::plugin {

/// Rustant's capability names.
[[nodiscard]] inline const std::vector<std::string>& rustant_capabilities() {
  static const std::vector<std::string> all{"ToolRegistration", "HookRegistration", "FileSystemAccess",
                                            "NetworkAccess",    "ShellExecution",   "SecretAccess"};
  return all;
}

/// Rustant's seven hook points as agent catalog events (other names pass through).
[[nodiscard]] inline std::string rustant_hook_event(std::string_view point) {
  static const std::map<std::string_view, std::string_view> table{
      {"BeforeToolExecution", "tool.before_execution"}, {"AfterToolExecution", "tool.after_execution"},
      {"BeforeLlmRequest", "chat.before"},              {"AfterLlmResponse", "chat.after_response"},
      {"OnSessionStart", "session.start"},              {"OnSessionEnd", "session.end"},
      {"OnError", "agent.error"}};
  auto it = table.find(point);
  return std::string(it == table.end() ? point : it->second);
}

/// What the host grants shared-object plugins.
struct shared_object_options {
  std::vector<std::string> granted = rustant_capabilities();  ///< capabilities the host allows at all
  std::map<std::string, std::string> secrets;                 ///< what `secret/get` serves
  std::chrono::milliseconds shell_timeout{10000};             ///< `shell/run`
};

/// One dlopen'ed plugin. Thread-safe as far as the plugin's own code is.
class shared_object_plugin {
 public:
  shared_object_plugin(const shared_object_plugin&) = delete;
  shared_object_plugin& operator=(const shared_object_plugin&) = delete;
  ~shared_object_plugin() { close(); }

  /// Opens `file`, checks ABI and capabilities, calls on_load. `declared`:
  /// the manifest's capabilities (null: a bare .so, its metadata is its manifest).
  [[nodiscard]] static result<std::shared_ptr<shared_object_plugin>> open(const std::filesystem::path& file,
                                                                          const std::vector<std::string>* declared,
                                                                          shared_object_options opts,
                                                                          std::shared_ptr<context> ctx,
                                                                          bool run_on_load = true) {
    std::shared_ptr<shared_object_plugin> p(new shared_object_plugin(file, std::move(opts), std::move(ctx)));
    if (auto r = p->start(declared, run_on_load); !r) return fail(std::move(r.error()));
    return p;
  }

  [[nodiscard]] const nlohmann::json& metadata() const noexcept { return meta_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] bool has_capability(std::string_view c) const {
    return std::find(caps_.begin(), caps_.end(), c) != caps_.end();
  }
  [[nodiscard]] bool implements(const std::string& handler) const { return handlers_.count(handler) != 0; }

  /// One hook call: the wire request in, the wire decision out.
  [[nodiscard]] result<decision<dynamic_event>> call_hook(const std::string& handler, const envelope<dynamic_event>& ev) {
    if (!implements(handler)) {
      return fail(error{errc::not_found, "the shared object registers no hook \"" + handler + "\"", name_, handler, file_.string()});
    }
    const nlohmann::json config = ctx_ ? ctx_->config() : nlohmann::json::object();
    const std::string req = wire::request(handler, ev, config).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto answer = exchange(api_->call_hook, handler, req);
    if (!answer) {
      error e = std::move(answer.error());
      e.hook = handler;
      return fail(std::move(e));
    }
    auto d = wire::parse_decision(std::string_view(*answer));
    if (!d) {
      error e = std::move(d.error());
      e.plugin = name_;
      e.hook = handler;
      return fail(std::move(e));
    }
    return d;
  }

  /// One tool call: the arguments in, the plugin's JSON answer out.
  [[nodiscard]] result<nlohmann::json> call_tool(const std::string& tool, const nlohmann::json& args) {
    if (!has_capability("ToolRegistration")) {
      return fail(error{errc::permission_denied, "the plugin may not offer tools (no ToolRegistration)", name_, {}, {}});
    }
    auto answer = exchange(api_->call_tool, tool, args.dump());
    if (!answer) return fail(std::move(answer.error()));
    auto j = nlohmann::json::parse(*answer, nullptr, false);
    if (j.is_discarded()) return nlohmann::json(*answer);  // plain text is a text result
    return j;
  }

  /// on_unload, destroy, dlclose (once).
  void close() {
    if (!handle_) return;
    if (api_) {
      if (loaded_) api_->on_unload(api_->self);
      api_->destroy(api_->self);
    }
    api_ = nullptr;
    ::dlclose(handle_);
    handle_ = nullptr;
  }

 private:
  shared_object_plugin(std::filesystem::path file, shared_object_options opts, std::shared_ptr<context> ctx)
      : file_(std::move(file)), opts_(std::move(opts)), ctx_(std::move(ctx)) {}

  [[nodiscard]] error load_error(errc code, std::string message) const {
    return error{code, std::move(message), name_, {}, file_.string()};
  }

  result<void> start(const std::vector<std::string>* declared, bool run_on_load) {
    ::dlerror();
    handle_ = ::dlopen(file_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* why = ::dlerror();
      return fail(load_error(errc::load_error, std::string("dlopen failed: ") + (why ? why : "unknown error")));
    }
    void* sym = ::dlsym(handle_, AURA_PLUGIN_CREATE_SYMBOL);
    if (!sym) {
      // Rustant's own entry returns a Rust trait object (Box<dyn Plugin>), whose
      // layout is Rust's and unstable: no C host can call it, so say how to port.
      if (::dlsym(handle_, "rustant_plugin_create")) {
        return fail(load_error(errc::unsupported,
                               "the shared object exports rustant_plugin_create (a Rust Box<dyn Plugin>, which a C "
                               "host cannot call): export " AURA_PLUGIN_CREATE_SYMBOL " from aura/plugin/c_abi.h"));
      }
      return fail(load_error(errc::load_error, "the shared object exports no " AURA_PLUGIN_CREATE_SYMBOL));
    }
    aura_plugin_create_fn create = nullptr;
    static_assert(sizeof(create) == sizeof(sym), "function and object pointers differ in size");
    std::memcpy(&create, &sym, sizeof sym);  // POSIX: dlsym's result is the function's address
    api_ = create();
    if (!api_) return fail(load_error(errc::load_error, AURA_PLUGIN_CREATE_SYMBOL " returned null"));
    if (api_->abi_version != AURA_PLUGIN_ABI_VERSION) {
      const auto v = api_->abi_version;
      api_ = nullptr;  // not ours to call into
      return fail(load_error(errc::version_mismatch, "the plugin was built for C ABI " + std::to_string(v) +
                                                         ", this host speaks " + std::to_string(AURA_PLUGIN_ABI_VERSION)));
    }
    if (!api_->metadata || !api_->on_load || !api_->on_unload || !api_->call_hook || !api_->call_tool ||
        !api_->free_buffer || !api_->destroy) {
      api_ = nullptr;
      return fail(load_error(errc::load_error, "the plugin leaves a function pointer of aura_plugin null"));
    }
    const char* text = api_->metadata(api_->self);
    meta_ = nlohmann::json::parse(text ? text : "", nullptr, false);
    if (!meta_.is_object() || !meta_.contains("name") || !meta_["name"].is_string()) {
      return fail(load_error(errc::load_error, "the plugin's metadata is not a JSON object with a string \"name\""));
    }
    name_ = meta_["name"].get<std::string>();
    if (auto r = check_capabilities(declared); !r) return r;
    for (const auto& h : meta_.value("hooks", nlohmann::json::array())) {
      if (h.is_object() && h.contains("handler") && h["handler"].is_string()) handlers_.insert(h["handler"].get<std::string>());
    }
    bridge_ = aura_host_api{AURA_PLUGIN_ABI_VERSION, this, &shared_object_plugin::host_call};
    if (!run_on_load) return {};
    if (api_->on_load(api_->self, &bridge_) != 0) {
      return fail(load_error(errc::load_error, "the plugin's on_load failed"));
    }
    loaded_ = true;
    return {};
  }

  result<void> check_capabilities(const std::vector<std::string>* declared) {
    const auto stated = meta_.value("capabilities", nlohmann::json::array());
    if (!stated.is_array()) return fail(load_error(errc::load_error, "metadata \"capabilities\" must be an array"));
    for (const auto& c : stated) {
      if (!c.is_string()) return fail(load_error(errc::load_error, "metadata \"capabilities\" must hold strings"));
      const std::string cap = c.get<std::string>();
      const auto& known = rustant_capabilities();
      if (std::find(known.begin(), known.end(), cap) == known.end()) {
        return fail(load_error(errc::invalid_argument, "unknown capability \"" + cap + "\""));
      }
      if (declared && std::find(declared->begin(), declared->end(), cap) == declared->end()) {
        return fail(load_error(errc::permission_denied, "the plugin requests capability " + cap +
                                                            ", which its manifest does not declare"));
      }
      if (std::find(opts_.granted.begin(), opts_.granted.end(), cap) == opts_.granted.end()) {
        return fail(load_error(errc::permission_denied, "the host does not grant capability " + cap));
      }
      caps_.push_back(cap);
    }
    auto nonempty = [&](const char* key) {
      auto it = meta_.find(key);
      return it != meta_.end() && it->is_array() && !it->empty();
    };
    if (nonempty("hooks") && !has_capability("HookRegistration")) {
      return fail(load_error(errc::permission_denied, "the plugin registers hooks without the HookRegistration capability"));
    }
    if (nonempty("tools") && !has_capability("ToolRegistration")) {
      return fail(load_error(errc::permission_denied, "the plugin registers tools without the ToolRegistration capability"));
    }
    return {};
  }

  using call_fn = int (*)(void*, const char*, const char*, size_t, char**, size_t*);
  [[nodiscard]] result<std::string> exchange(call_fn fn, const std::string& what, const std::string& request) {
    if (!api_) return fail(error{errc::crashed, "the plugin is closed", name_, {}, {}});
    char* answer = nullptr;
    size_t len = 0;
    const int rc = fn(api_->self, what.c_str(), request.data(), request.size(), &answer, &len);
    std::string text = answer ? std::string(answer, len) : std::string();
    if (answer) api_->free_buffer(api_->self, answer);
    if (rc != 0) {
      return fail(error{errc::hook_failed, "\"" + what + "\" failed (status " + std::to_string(rc) + ")" +
                                               (text.empty() ? "" : ": " + text),
                        name_, {}, {}});
    }
    return text;
  }

  // The plugin's way into the host. The answer lives in a thread_local buffer
  // until this thread's next host call (c_abi.h).
  static int host_call(void* host, const char* method, const char* request, size_t request_len, const char** answer,
                       size_t* answer_len) {
    thread_local std::string buffer;
    auto* self = static_cast<shared_object_plugin*>(host);
    auto r = self->serve(method ? method : "", nlohmann::json::parse(std::string(request ? request : "", request_len),
                                                                     nullptr, false));
    buffer = r ? r->dump() : r.error().message;
    if (answer) *answer = buffer.c_str();
    if (answer_len) *answer_len = buffer.size();
    return r ? 0 : 1;
  }

  [[nodiscard]] result<nlohmann::json> serve(const std::string& method, const nlohmann::json& params) {
    auto refuse = [&](const char* cap) {
      return fail(error{errc::permission_denied,
                        "host service \"" + method + "\" needs capability " + cap + ", which the plugin did not declare",
                        name_, {}, {}});
    };
    if (!params.is_object()) return fail(errc::invalid_argument, method + ": the request must be a JSON object");
    if (method == "log") {
      const std::string message = params.value("message", "");
      if (ctx_) (void)ctx_->log(log_level::info, message);
      return nlohmann::json::object();
    }
    if (method == "fs/read") {
      if (!has_capability("FileSystemAccess")) return refuse("FileSystemAccess");
      auto text = detail::read_file(params.value("path", ""));
      if (!text) return fail(std::move(text.error()));
      return nlohmann::json{{"content", *text}};
    }
    if (method == "shell/run") {
      if (!has_capability("ShellExecution")) return refuse("ShellExecution");
      auto argv = params.value("argv", std::vector<std::string>{});
      if (argv.empty()) return fail(errc::invalid_argument, "shell/run: needs a non-empty \"argv\"");
      std::error_code ec;
      auto r = detail::run_command(argv, std::filesystem::current_path(ec), {{"PATH", "/usr/bin:/bin"}}, {},
                                   opts_.shell_timeout);
      if (!r) return fail(std::move(r.error()));
      return nlohmann::json{{"exit_code", r->exit_code}, {"stdout", r->out}, {"stderr", r->err}};
    }
    if (method == "secret/get") {
      if (!has_capability("SecretAccess")) return refuse("SecretAccess");
      auto it = opts_.secrets.find(params.value("name", ""));
      if (it == opts_.secrets.end()) return fail(errc::not_found, "no secret \"" + params.value("name", "") + "\"");
      return nlohmann::json{{"value", it->second}};
    }
    if (method == "http") {
      if (!has_capability("NetworkAccess")) return refuse("NetworkAccess");
      return serve_http(params);
    }
    return fail(errc::not_found, "no host service \"" + method + "\"");
  }

  // "http" {url, method, headers, body, timeout_ms}: through context::http,
  // so the manifest's `network` permission and the host's client apply.
  [[nodiscard]] result<nlohmann::json> serve_http(const nlohmann::json& params) {
    http_request req;
    const auto url = params.find("url");
    if (url == params.end() || !url->is_string() || url->get<std::string>().empty()) {
      return fail(errc::invalid_argument, "http: needs a string \"url\"");
    }
    req.url = url->get<std::string>();
    if (auto m = params.find("method"); m != params.end()) {
      if (!m->is_string()) return fail(errc::invalid_argument, "http: \"method\" must be a string");
      req.method = m->get<std::string>();
    }
    if (auto b = params.find("body"); b != params.end()) {
      if (!b->is_string()) return fail(errc::invalid_argument, "http: \"body\" must be a string");
      req.body = b->get<std::string>();
    }
    if (auto h = params.find("headers"); h != params.end()) {
      if (!h->is_object()) return fail(errc::invalid_argument, "http: \"headers\" must be an object of strings");
      for (auto it = h->begin(); it != h->end(); ++it) {
        if (!it->is_string()) return fail(errc::invalid_argument, "http: header \"" + it.key() + "\" must be a string");
        req.headers[it.key()] = it->get<std::string>();
      }
    }
    if (auto t = params.find("timeout_ms"); t != params.end()) {
      if (!t->is_number_integer() || t->get<long long>() <= 0) {
        return fail(errc::invalid_argument, "http: \"timeout_ms\" must be a positive integer");
      }
      req.timeout = std::chrono::milliseconds(t->get<long long>());
    }
    if (!ctx_) return fail(errc::unsupported, "http: the plugin has no host context");
    auto r = ctx_->http(req);
    if (!r) return fail(std::move(r.error()));
    return nlohmann::json{{"status", r->status}, {"headers", r->headers}, {"body", r->body}};
  }

  std::filesystem::path file_;
  shared_object_options opts_;
  std::shared_ptr<context> ctx_;
  void* handle_ = nullptr;
  const aura_plugin* api_ = nullptr;
  aura_host_api bridge_{};
  bool loaded_ = false;
  nlohmann::json meta_;
  std::string name_;
  std::vector<std::string> caps_;
  std::set<std::string> handlers_;
};

namespace detail {
class shared_object_instance final : public plugin_instance {
 public:
  explicit shared_object_instance(std::shared_ptr<shared_object_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override {
    if (!p_->implements(spec.handler)) {
      return fail(error{errc::not_found, "the shared object registers no hook \"" + spec.handler + "\"", p_->name(),
                        spec.handler, spec.where});
    }
    auto p = p_;
    std::string handler = spec.handler;
    return json_hook([p, handler](const envelope<dynamic_event>& ev, context&) { return p->call_hook(handler, ev); });
  }
  [[nodiscard]] result<nlohmann::json> request(const std::string& method, const nlohmann::json& params,
                                               std::chrono::milliseconds,
                                               const std::atomic<bool>* = nullptr) override {
    if (method != "tools/call") return plugin_instance::request(method, params, {});
    return p_->call_tool(params.value("name", ""), params.value("arguments", nlohmann::json::object()));
  }
  result<void> stop(std::chrono::milliseconds) override {
    p_->close();
    return {};
  }

 private:
  std::shared_ptr<shared_object_plugin> p_;
};
}  // namespace detail

/// A manifest for a bare shared object (Rustant: the plugin's metadata is its
/// manifest): kind shared_object, its hooks (hook points mapped to catalog
/// events), tools and capabilities. The object is opened once to read them.
[[nodiscard]] inline result<manifest> manifest_of_shared_object(const std::filesystem::path& file,
                                                                shared_object_options opts = {}) {
  auto p = shared_object_plugin::open(file, nullptr, std::move(opts), nullptr, /*run_on_load=*/false);
  if (!p) return fail(std::move(p.error()));
  const nlohmann::json& meta = (*p)->metadata();
  manifest m;
  m.name = (*p)->name();
  m.version = meta.value("version", "0.0.0");
  m.description = meta.value("description", "");
  m.file = file;
  std::error_code ec;
  m.dir = std::filesystem::absolute(file, ec).parent_path();
  m.runtime.kind = runtime_kind::shared_object;
  m.runtime.entrypoint = file.filename().string();
  m.capabilities = meta.value("capabilities", std::vector<std::string>{});
  for (const auto& h : meta.value("hooks", nlohmann::json::array())) {
    hook_spec s;
    s.handler = h.value("handler", "");
    s.event = h.contains("event") ? h.value("event", "") : rustant_hook_event(h.value("point", ""));
    s.where = file.string();
    m.hooks.push_back(std::move(s));
  }
  for (const auto& t : meta.value("tools", nlohmann::json::array())) {
    command_spec c;
    c.name = t.value("name", "");
    c.description = t.value("description", "");
    c.input_schema = t.value("inputSchema", nlohmann::json{{"type", "object"}});
    c.where = file.string();
    m.tools.push_back(std::move(c));
  }
  m.perms.call_api = {"log"};
  // NetworkAccess is Rustant's grant of the network as a whole: any host, any
  // port. A manifest beside the .so narrows it with `network`.
  if ((*p)->has_capability("NetworkAccess")) {
    m.perms.call_api.push_back("http");
    m.perms.network = {"*:*"};
  }
  return m;
}

/// The loader for "shared_object" plugins.
[[nodiscard]] inline runtime_loader shared_object_loader(shared_object_options opts = {}) {
  return [opts](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    auto p = shared_object_plugin::open(req.spec.dir / req.spec.runtime.entrypoint, &req.spec.capabilities, opts, req.ctx);
    if (!p) return fail(detail::adapter_load_error(std::move(p.error()), req.spec));
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::shared_object_instance>(std::move(*p)));
  };
}

}  // namespace aura::plugin
