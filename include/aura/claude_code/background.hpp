// aura/claude_code/background.hpp - a profile's session state: `once` hooks and `async` hooks.
//
// A hook with "once": true runs the first time its event fires in a session
// (keyed by the input's session_id and the hook's file#pointer), then no
// more. A command hook with "async": true is started in the background: the
// event does not wait for it and its exit code and decision are not applied;
// when it has finished, the systemMessage and additionalContext of its JSON
// output are given to the model with the next event's outcome (Claude Code:
// on the next turn), with the variables it exported to CLAUDE_ENV_FILE. An
// "asyncRewake" hook that exits 2 wakes the model instead: its stderr (else
// stdout) is a message queued for the model's next turn even when no event
// comes (`on_finished` tells the host at once); its other exits deliver
// nothing. The state ends with the profile: background hooks still running
// then are killed (their process group) and reaped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "aura/claude_code/runner.hpp"
#include "aura/claude_code/settings.hpp"

namespace aura::claude_code {

/// An async hook that finished.
struct async_result {
  std::string event;      ///< the event that started it
  std::string hook_name;  ///< "<event>:<match value>" (e.g. "PostToolUse:Write"), or the event
  bool async_rewake = false;   ///< the hook's asyncRewake
  std::string rewake_message;  ///< its rewakeMessage
  std::string rewake_summary;  ///< its rewakeSummary
  hook_run run;
};

class session_state {
 public:
  session_state() = default;
  session_state(const session_state&) = delete;
  session_state& operator=(const session_state&) = delete;
  ~session_state() { shutdown(); }

  /// Whether the "once" hook `h` has already run successfully in `session`
  /// (then Claude Code has removed it; a failed run leaves it in place).
  [[nodiscard]] bool once_done(const std::string& session, const hook_command& h) const {
    std::lock_guard<std::mutex> lock(m_);
    return once_.count(once_key(session, h)) != 0;
  }
  /// Records that `h` ran successfully in `session`: it does not run there again.
  void mark_once(const std::string& session, const hook_command& h) {
    std::lock_guard<std::mutex> lock(m_);
    once_.insert(once_key(session, h));
  }

  /// Called on the hook's own thread as each async hook finishes, before
  /// take_finished sees it: a host wakes its model here for an asyncRewake
  /// hook that exited 2. Set it before starting hooks; it must not call start.
  void on_finished(std::function<void(const async_result&)> fn) {
    std::lock_guard<std::mutex> lock(m_);
    on_finished_ = std::move(fn);
  }

  /// Starts `req` in the background with `input` on stdin; `hook_name`
  /// names it in an asyncRewake message.
  void start(run_request req, std::string event, std::string input, std::string hook_name = {}) {
    std::lock_guard<std::mutex> lock(m_);
    if (stopping_) return;
    reap_locked();
    req.cancel = &stopping_;
    jobs_.emplace_back();
    job& j = jobs_.back();
    ++running_;
    async_result head;
    head.event = std::move(event);
    head.hook_name = hook_name.empty() ? head.event : std::move(hook_name);
    if (req.hook) {
      head.async_rewake = req.hook->async_rewake;
      head.rewake_message = req.hook->rewake_message;
      head.rewake_summary = req.hook->rewake_summary;
    }
    j.thread = std::thread([this, &j, req = std::move(req), head = std::move(head), input = std::move(input)]() mutable {
      head.run = run_command(req, input);
      std::function<void(const async_result&)> notify;
      {
        std::lock_guard<std::mutex> l(m_);
        notify = on_finished_;
      }
      if (notify) notify(head);
      std::lock_guard<std::mutex> l(m_);
      finished_.push_back(std::move(head));
      j.done = true;
      --running_;
      cv_.notify_all();
    });
  }

  /// The async hooks that finished since the last call, in the order they finished.
  [[nodiscard]] std::vector<async_result> take_finished() {
    std::lock_guard<std::mutex> lock(m_);
    reap_locked();
    return std::exchange(finished_, {});
  }

  /// How many async hooks are still running.
  [[nodiscard]] std::size_t running() const {
    std::lock_guard<std::mutex> lock(m_);
    return running_;
  }

  /// Waits up to `budget` for every async hook to finish; false if some still run.
  bool wait(std::chrono::milliseconds budget) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, budget, [this] { return running_ == 0; });
  }

  /// Kills the async hooks still running and joins their threads (the destructor does it).
  void shutdown() {
    std::list<job> jobs;
    {
      std::lock_guard<std::mutex> lock(m_);
      stopping_ = true;
      jobs.splice(jobs.end(), jobs_);
    }
    for (auto& j : jobs) {
      if (j.thread.joinable()) j.thread.join();
    }
  }

 private:
  struct job {
    std::thread thread;
    bool done = false;
  };
  void reap_locked() {
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->done) {
        it->thread.join();  // it has left the lock and only returns
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }

  mutable std::mutex m_;
  std::condition_variable cv_;
  std::set<std::string> once_;
  static std::string once_key(const std::string& session, const hook_command& h) {
    return session + "\n" + h.file.string() + "#" + h.pointer;
  }
  std::list<job> jobs_;
  std::vector<async_result> finished_;
  std::function<void(const async_result&)> on_finished_;
  std::size_t running_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace aura::claude_code
