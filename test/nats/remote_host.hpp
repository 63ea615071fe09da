// test/nats/remote_host.hpp - a host whose plugins may be served by workers
// elsewhere: the `nats` runtime registered beside the others (docs/fleet.md
// shows this file).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <aura/nats/runtime.hpp>
#include <aura/plugin/host.hpp>
#include <aura/plugin/manifest_reader.hpp>

namespace fleet_test {

/// A host with the `nats` runtime, and the events it dispatches declared.
struct remote_host {
  aura::bus bus{aura::tracing::timings};
  std::shared_ptr<aura::nats::remote_runtime> remote;
  std::unique_ptr<aura::plugin::plugin_host> host;
  explicit remote_host(const std::string& url) {
    aura::nats::remote_options o;
    o.connection.servers = {url};
    o.connection.connect_timeout = std::chrono::milliseconds(2000);
    remote = std::make_shared<aura::nats::remote_runtime>(o);
    aura::plugin::runtime_registry rr;
    rr.set(aura::plugin::runtime_kind::nats, remote->loader());
    for (const char* e : {"intent.before_log", "intent.slow", "intent.fail"}) {
      (void)bus.declare(e, aura::vetoable | aura::patchable);
    }
    host = std::make_unique<aura::plugin::plugin_host>(bus, std::move(rr));
  }
  aura::result<void> load(const std::filesystem::path& manifest) {
    auto m = aura::plugin::read_manifest(manifest);
    if (!m) return aura::fail(std::move(m.error()));
    return host->load(std::move(*m));
  }
  [[nodiscard]] aura::nats::remote_hook_stats stats_of(const std::string& handler) const {
    for (auto& s : remote->stats()) {
      if (s.subject.size() >= handler.size() &&
          s.subject.compare(s.subject.size() - handler.size(), handler.size(), handler) == 0) {
        return s;
      }
    }
    return {};
  }
};

}  // namespace fleet_test
