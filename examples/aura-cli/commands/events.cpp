// `aura events tail`: watches the JetStream event stream (docs/fleet.md).
#include <csignal>
#include <iostream>

#include <aura/nats/event_stream.hpp>

#include "../cli.hpp"

namespace aura_cli {

namespace {

volatile std::sig_atomic_t tail_stop = 0;
extern "C" void on_tail_signal(int) { tail_stop = 1; }

std::string one_line(const json& rec) {
  const json& ev = rec.value("event", json::object());
  const json& out = rec.value("outcome", json::object());
  std::string line = ev.value("time", "") + "  " + ev.value("name", "?") + "  " + ev.value("id", "?") + "  " +
                     out.value("verdict", "?");
  if (out.value("verdict", "") == "deny") line += " by " + out.value("denied_by", "?") + ": " + out.value("reason", "");
  if (auto d = out.find("diagnostics"); d != out.end() && d->is_array() && !d->empty()) {
    line += "  (" + std::to_string(d->size()) + " diagnostic" + (d->size() > 1 ? "s" : "") + ")";
  }
  return line;
}

int run_events_tail(setup&, args_view& a) {
  auto p = parse_rest(a, {"--nats", "--subject", "--stream", "--count"}, {"--all", "--json"});
  aura::nats::connection_options c;
  if (p.has("--nats")) c.servers = {p.get("--nats")};
  c.name = "aura-events-tail";
  const std::string subject = p.get("--subject", "aura.events.>");
  const std::string stream = p.get("--stream", "AURA_EVENTS");
  const long count = std::atol(p.get("--count", "0").c_str());
  if (count < 0) throw cli_error{"--count wants a number of events (0: until interrupted)"};
  auto conn = aura::nats::connection::open(c);
  if (!conn) {
    print_error(conn.error());
    return 1;
  }
  jsCtx* js = nullptr;
  if (auto st = natsConnection_JetStream(&js, (*conn)->get(), nullptr); st != NATS_OK) {
    print_error(aura::nats::nats_failure(st, "cannot open a JetStream context"));
    return 1;
  }
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Config.DeliverPolicy = p.has("--all") ? js_DeliverAll : js_DeliverNew;
  so.Config.AckPolicy = js_AckNone;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (auto st = js_SubscribeSync(&sub, js, subject.c_str(), nullptr, &so, &jerr); st != NATS_OK) {
    aura::error e = aura::nats::nats_failure(st, "cannot follow " + subject + " in stream " + stream);
    e.where = c.servers.front();
    print_error(e);
    jsCtx_Destroy(js);
    return 1;
  }
  std::signal(SIGINT, on_tail_signal);
  std::signal(SIGTERM, on_tail_signal);
  long seen = 0;
  while (!tail_stop && (count == 0 || seen < count)) {
    natsMsg* m = nullptr;
    const natsStatus st = natsSubscription_NextMsg(&m, sub, 250);
    if (st == NATS_TIMEOUT) continue;
    if (st != NATS_OK) {
      print_error(aura::nats::nats_failure(st, "the subscription ended"));
      break;
    }
    const std::string body(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    natsMsg_Destroy(m);
    ++seen;
    if (p.has("--json")) {
      std::cout << body << "\n";
    } else {
      auto rec = json::parse(body, nullptr, false);
      std::cout << (rec.is_object() ? one_line(rec) : "(not an aura event record) " + body.substr(0, 200)) << "\n";
    }
    std::cout.flush();
  }
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
  return 0;
}

}  // namespace

extern const command events_tail_command{"tail", "events", "events tail [--subject S]",
    "watch the event stream on NATS JetStream",
    "usage: aura events tail [--nats URL] [--subject S] [--stream NAME] [--all] [--count N] [--json]\n\n"
    "Prints each event record the hosts publish (docs/fleet.md) as it arrives: time, event, id,\n"
    "verdict (and who denied, why). --subject narrows it (default aura.events.>, e.g.\n"
    "aura.events.tool.>), --all starts from the stream's first record instead of the next one,\n"
    "--count stops after N, --json prints the records as published. URL defaults to\n"
    "nats://127.0.0.1:4222, the stream to AURA_EVENTS.\n",
    &run_events_tail, false};

}  // namespace aura_cli
