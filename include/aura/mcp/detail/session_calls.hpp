// aura/mcp/detail/session_calls.hpp - how a session runs its tool calls, out
// of server.hpp so that it stays a readable size: the worker loop, one call
// through the pipeline and the tool, progress and its ticker.
#pragma once

#include "aura/mcp/server.hpp"

namespace aura::mcp {

/// A worker: runs queued calls; one idle for a while ends (the session
/// keeps no threads it does not use), as do all at close.
inline void session::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    const bool got = work_cv_.wait_for(lock, std::chrono::seconds(10), [this] { return closed_ || !tasks_.empty(); });
    --idle_;
    if (closed_ || !got) return;
    task t = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    run_call(t.c, std::move(t.entry), std::move(t.args));
    lock.lock();
  }
}

inline void session::run_call(const std::shared_ptr<call>& c, tool_catalog::entry_ptr entry, nlohmann::json args) {
  nlohmann::json result;
  const auto start = std::chrono::steady_clock::now();
  try {
    agent::tool_before_execution ev;
    ev.tool = entry->name;
    ev.call_id = "mcp-" + id_ + "-" + c->id.dump();
    ev.args = std::move(args);
    agent::tool_outcome before = srv_->pipeline().run(std::move(ev));
    nlohmann::json ran_with = before.args;
    if (!before.runs()) {
      result = tool_error(before.reason);
    } else if (c->ctl.is_cancelled()) {
      result = tool_error("cancelled before it ran");
    } else {
      auto r = entry->call(before.args, c->ctl);
      if (!r) {
        result = tool_error("tool \"" + entry->name + "\" failed: " + r.error().describe());
      } else {
        result = normalize_result(std::move(*r));
      }
    }
    check_output(*entry, result);
    if (aura::bus* bus = srv_->bus(); bus && before.runs()) {
      agent::tool_after_execution after;
      after.tool = entry->name;
      after.call_id = "mcp-" + id_ + "-" + c->id.dump();
      after.args = ran_with;
      after.output = result_text(result);
      after.is_error = result.value("isError", false);
      after.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      auto seen = bus->emit(std::move(after));
      if (seen.effects.output) {
        const bool err = result.value("isError", false);
        nlohmann::json keep = result.contains("structuredContent") ? result["structuredContent"] : nlohmann::json();
        result = nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", *seen.effects.output}}})},
                                {"isError", err}};
        if (!keep.is_null()) result["structuredContent"] = std::move(keep);
      }
    }
  } catch (const std::exception& e) {
    result = tool_error(std::string("tool call failed inside the server: ") + e.what());
  }
  bool send = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    c->done = true;
    auto it = calls_.find(key_of(c->id));
    if (it != calls_.end() && it->second == c) {
      calls_.erase(it);
      send = !c->ctl.is_cancelled();
    }
    c->ctl.progress = nullptr;
  }
  cv_.notify_all();
  if (send) reply(c->id, std::move(result));
}

inline void session::progress(call& c, double value, std::optional<double> total, const std::string& message) {
  nlohmann::json params;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (c.progress_token.is_null() || c.done || c.ctl.is_cancelled() || value <= c.reported) return;
    c.reported = value;
    params = {{"progressToken", c.progress_token}, {"progress", value}};
  }
  if (total) params["total"] = *total;
  if (!message.empty()) params["message"] = message;
  out(rpc::notification("notifications/progress", std::move(params)), c.id);
}

/// While calls with a progress token run: every interval, each reports the
/// seconds it has been running (progress without a total: the tool gives none).
inline void session::tick() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    cv_.wait_for(lock, srv_->options().progress_interval);
    if (closed_) break;
    std::vector<std::shared_ptr<call>> due;
    for (auto& [k, c] : calls_) {
      if (!c->progress_token.is_null() && !c->done) due.push_back(c);
    }
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    for (auto& c : due) {
      const double secs = std::chrono::duration<double>(now - c->started).count();
      progress(*c, secs, std::nullopt, "\"" + c->tool + "\" running for " + std::to_string(static_cast<long>(secs * 1000)) + " ms");
    }
    lock.lock();
  }
}

}  // namespace aura::mcp
