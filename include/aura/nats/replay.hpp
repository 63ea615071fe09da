// aura/nats/replay.hpp - recorded traffic, read back and compared: the core of
// a shadow upgrade (`aura replay`). Records are what event_stream publishes
// (aura/nats/event_stream.hpp): from a JSON-lines file (`aura events tail
// --json --all > FILE`) or straight from the JetStream stream. Each recorded
// event is dispatched again, through another version of the plugins, and
// every verdict, reason, denier, final payload (so every patch) or effect
// that differs is reported.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/outcome.hpp"
#include "aura/nats/connection.hpp"

namespace aura::nats {

/// One recorded dispatch: the event as it was dispatched and its recorded outcome.
struct recorded_event {
  envelope<dynamic_event> event;
  nlohmann::json outcome;  ///< the record's "outcome" object
  std::string where;       ///< "file:line" or "stream:sequence", for reports
};

/// One thing that came out differently.
struct outcome_difference {
  std::string event_id;
  std::string event;
  std::string field;  ///< verdict, reason, denied_by, data, effects
  nlohmann::json recorded;
  nlohmann::json replayed;
  std::string where;
};

/// Reads one record; an error names `where` and the JSON pointer.
template <class Json = nlohmann::json>
[[nodiscard]] result<recorded_event> parse_record(const nlohmann::json& in, std::string where) {
  const Json& j = in;
  if (!j.is_object() || !j.contains("event")) {
    return fail(errc::parse_error, "not an aura event record (no \"event\")", where);
  }
  auto env = envelope_from_json<Json>(j["event"]);
  if (!env) return fail(std::move(env.error()).with_where(where + " /event" + env.error().where));
  auto out = j.find("outcome");
  if (out == j.end() || !out->is_object() || !out->contains("verdict")) {
    return fail(errc::parse_error, "the record has no \"outcome\" with a \"verdict\"", where + " /outcome");
  }
  return recorded_event{std::move(*env), *out, std::move(where)};
}

/// Every record of a JSON-lines file (blank lines skipped); the first bad line is an error naming file:line.
[[nodiscard]] inline result<std::vector<recorded_event>> read_records(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail(errc::not_found, "cannot read the recorded events", file.string());
  std::vector<recorded_event> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(n);
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return fail(errc::parse_error, "not JSON", where);
    auto r = parse_record(j, where);
    if (!r) return fail(std::move(r.error()));
    out.push_back(std::move(*r));
  }
  return out;
}

/// Every record the stream holds on `subject` now (read until `idle` passes with nothing new).
[[nodiscard]] inline result<std::vector<recorded_event>> read_records(connection& conn, const std::string& stream,
                                                                      const std::string& subject,
                                                                      std::chrono::milliseconds idle =
                                                                          std::chrono::milliseconds(500)) {
  jsCtx* js = nullptr;
  if (auto st = natsConnection_JetStream(&js, conn.get(), nullptr); st != NATS_OK) {
    return fail(nats_failure(st, "cannot open a JetStream context"));
  }
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Config.DeliverPolicy = js_DeliverAll;
  so.Config.AckPolicy = js_AckNone;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (auto st = js_SubscribeSync(&sub, js, subject.c_str(), nullptr, &so, &jerr); st != NATS_OK) {
    jsCtx_Destroy(js);
    error e = nats_failure(st, "cannot read " + subject + " in stream " + stream);
    return fail(std::move(e));
  }
  std::vector<recorded_event> out;
  result<std::vector<recorded_event>> bad;
  for (std::uint64_t n = 1;; ++n) {
    natsMsg* m = nullptr;
    if (natsSubscription_NextMsg(&m, sub, idle.count()) != NATS_OK) break;
    const std::string body(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    const std::string where = stream + ":" + std::to_string(n) + " (" + natsMsg_GetSubject(m) + ")";
    natsMsg_Destroy(m);
    auto r = parse_record(nlohmann::json::parse(body, nullptr, false), where);
    if (!r) {
      bad = fail(std::move(r.error()));
      break;
    }
    out.push_back(std::move(*r));
  }
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
  if (!bad) return bad;
  return out;
}

/// What differs between an outcome as recorded (the stream's "outcome"
/// object) and one computed now: verdict, reason, denier, final data (so
/// every patch), effects.
[[nodiscard]] inline std::vector<outcome_difference> compare(const nlohmann::json& was, const outcome<dynamic_event>& now,
                                                             const std::string& event_id, const std::string& event,
                                                             const std::string& where) {
  std::vector<outcome_difference> out;
  auto differ = [&](const char* field, nlohmann::json a, nlohmann::json b) {
    if (a != b) out.push_back(outcome_difference{event_id, event, field, std::move(a), std::move(b), where});
  };
  auto empty_as_null = [](nlohmann::json j) { return (j.is_object() && j.empty()) ? nlohmann::json() : j; };
  differ("verdict", was.value("verdict", ""), std::string(to_string(now.verdict)));
  differ("reason", was.value("reason", ""), now.reason);
  differ("denied_by", was.value("denied_by", ""), now.denied_by);
  differ("data", was.value("data", nlohmann::json()), now.data);
  differ("effects", empty_as_null(was.value("effects", nlohmann::json())), empty_as_null(now.effects));
  return out;
}

/// What differs between a recorded outcome and a replayed one.
[[nodiscard]] inline std::vector<outcome_difference> compare(const recorded_event& rec,
                                                             const outcome<dynamic_event>& now) {
  return compare(rec.outcome, now, rec.event.id, rec.event.name, rec.where);
}

inline void to_json(nlohmann::json& j, const outcome_difference& d) {
  j = nlohmann::json{{"event_id", d.event_id}, {"event", d.event}, {"field", d.field},
                     {"recorded", d.recorded}, {"replayed", d.replayed}, {"where", d.where}};
}

}  // namespace aura::nats
