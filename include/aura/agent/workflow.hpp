// aura/agent/workflow.hpp - the developer-workflow catalog: intents, proofs,
// PR reviews, zones, live sync, messages, commits and the daemon.
// session.start / session.end are the agent events of events.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/event.hpp"

namespace aura::agent {

/// An intent is about to be logged: hooks may veto it (no ticket, ...) or tidy it.
struct intent_before_log {
  static constexpr std::string_view name = "intent.before_log";
  static constexpr event_flags flags = vetoable | patchable;
  std::string summary;
  std::vector<std::string> tickets;
  std::vector<std::string> files;
};
/// An intent was logged.
struct intent_after_log {
  static constexpr std::string_view name = "intent.after_log";
  std::string id;
  std::string summary;
  std::vector<std::string> tickets;
};
/// The work done does not match the logged intent.
struct intent_mismatch {
  static constexpr std::string_view name = "intent.mismatch";
  std::string intent_id;
  std::string expected;
  std::string observed;
  std::vector<std::string> files;
};
/// A proof (tests, build, check) started.
struct prove_started {
  static constexpr std::string_view name = "prove.started";
  std::string command;
  std::string target;
};
/// A proof passed.
struct prove_passed {
  static constexpr std::string_view name = "prove.passed";
  std::string command;
  std::string target;
  std::int64_t duration_ms = 0;
};
/// A proof failed.
struct prove_failed {
  static constexpr std::string_view name = "prove.failed";
  std::string command;
  std::string target;
  int exit_code = 0;
  std::string output;
};
/// A review found something.
struct pr_review_finding {
  static constexpr std::string_view name = "pr_review.finding";
  std::string pr;
  std::string file;
  std::int64_t line = 0;
  std::string severity;  ///< "info", "warning", "error"
  std::string message;
};
/// A review finished.
struct pr_review_done {
  static constexpr std::string_view name = "pr_review.done";
  std::string pr;
  std::int64_t findings = 0;
  std::string verdict;  ///< "approve", "request_changes", "comment"
};
/// An agent is about to claim a zone (paths it alone edits): vetoable.
struct zone_before_claim {
  static constexpr std::string_view name = "zone.before_claim";
  static constexpr event_flags flags = vetoable;
  std::string zone;
  std::string agent;
  std::vector<std::string> paths;
};
/// A claim was refused because another agent holds the zone.
struct zone_blocked {
  static constexpr std::string_view name = "zone.blocked";
  std::string zone;
  std::string agent;
  std::string holder;
};
/// Changes pushed to the shared live branch.
struct live_push {
  static constexpr std::string_view name = "live.push";
  std::string branch;
  std::string commit;
  std::vector<std::string> files;
};
/// Changes pulled from the shared live branch.
struct live_pull {
  static constexpr std::string_view name = "live.pull";
  std::string branch;
  std::string commit;
  std::vector<std::string> files;
};
/// A message from another agent or a human.
struct msg_received {
  static constexpr std::string_view name = "msg.received";
  std::string from;
  std::string channel;
  std::string text;
};
/// A commit is about to be made: vetoable, and the message patchable.
struct commit_pre {
  static constexpr std::string_view name = "commit.pre";
  static constexpr event_flags flags = vetoable | patchable;
  std::string message;
  std::vector<std::string> files;
  std::string branch;
};
/// A commit was made.
struct commit_post {
  static constexpr std::string_view name = "commit.post";
  std::string sha;
  std::string message;
  std::string branch;
};
/// The background daemon started.
struct daemon_start {
  static constexpr std::string_view name = "daemon.start";
  std::int64_t pid = 0;
  std::string version;
};
/// The background daemon is stopping.
struct daemon_stop {
  static constexpr std::string_view name = "daemon.stop";
  std::string reason;
};

// Templates (not NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE's inline functions) so the
// conversions are compiled only where used; missing keys keep their defaults.
#define AURA_AGENT_WORKFLOW_JSON(Type, ...)                                                          \
  template <class BasicJson>                                                                        \
  void to_json(BasicJson& nlohmann_json_j, const Type& nlohmann_json_t) {                           \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                         \
  }                                                                                                 \
  template <class BasicJson>                                                                        \
  void from_json(const BasicJson& nlohmann_json_j, Type& nlohmann_json_t) {                         \
    const Type nlohmann_json_default_obj{};                                                         \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__))          \
  }

AURA_AGENT_WORKFLOW_JSON(intent_before_log, summary, tickets, files)
AURA_AGENT_WORKFLOW_JSON(intent_after_log, id, summary, tickets)
AURA_AGENT_WORKFLOW_JSON(intent_mismatch, intent_id, expected, observed, files)
AURA_AGENT_WORKFLOW_JSON(prove_started, command, target)
AURA_AGENT_WORKFLOW_JSON(prove_passed, command, target, duration_ms)
AURA_AGENT_WORKFLOW_JSON(prove_failed, command, target, exit_code, output)
AURA_AGENT_WORKFLOW_JSON(pr_review_finding, pr, file, line, severity, message)
AURA_AGENT_WORKFLOW_JSON(pr_review_done, pr, findings, verdict)
AURA_AGENT_WORKFLOW_JSON(zone_before_claim, zone, agent, paths)
AURA_AGENT_WORKFLOW_JSON(zone_blocked, zone, agent, holder)
AURA_AGENT_WORKFLOW_JSON(live_push, branch, commit, files)
AURA_AGENT_WORKFLOW_JSON(live_pull, branch, commit, files)
AURA_AGENT_WORKFLOW_JSON(msg_received, from, channel, text)
AURA_AGENT_WORKFLOW_JSON(commit_pre, message, files, branch)
AURA_AGENT_WORKFLOW_JSON(commit_post, sha, message, branch)
AURA_AGENT_WORKFLOW_JSON(daemon_start, pid, version)
AURA_AGENT_WORKFLOW_JSON(daemon_stop, reason)

#undef AURA_AGENT_WORKFLOW_JSON

}  // namespace aura::agent
