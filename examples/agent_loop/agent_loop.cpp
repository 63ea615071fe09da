// A small agent loop wired through the agent catalog: a scripted fake model,
// two tools with JSON Schemas, and hooks on session.start, chat.before, the
// tool pipeline, tool.after_execution, messages.transform, agent.error and
// chat.after_response. Its output is compared with expected_output.txt in CI.
#include <aura/aura.hpp>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace ag = aura::agent;
using json = nlohmann::json;

namespace {

/// One scripted model answer: tool calls, final text, or a failure.
struct model_step {
  std::vector<ag::tool_call_ref> calls;
  std::string text;
  std::string failure;
};

/// The fake model: plays its script, one step per request.
class scripted_model {
 public:
  explicit scripted_model(std::vector<model_step> script) : script_(std::move(script)) {}
  model_step respond(const std::vector<ag::message>& request) {
    last_request_size_ = request.size();
    return next_ < script_.size() ? script_[next_++] : model_step{{}, "(script exhausted)", {}};
  }
  std::size_t last_request_size() const { return last_request_size_; }

 private:
  std::vector<model_step> script_;
  std::size_t next_ = 0;
  std::size_t last_request_size_ = 0;
};

ag::tool_call_ref call(std::string id, std::string tool, json args) {
  return ag::tool_call_ref{std::move(id), std::move(tool), std::move(args)};
}

ag::message make(std::string role, std::string content) {
  ag::message m;
  m.role = std::move(role);
  m.content = std::move(content);
  return m;
}

std::string ids_of(const std::vector<ag::message>& v) {
  std::string out;
  for (const auto& m : v) out += (out.empty() ? "" : " ") + m.id;
  return out;
}

}  // namespace

int main() {
  // ---- tools: schemas compiled once ------------------------------------------------------
  ag::tool_registry tools;
  auto added = tools.add({"read_file", "Reads a file",
                          json::parse(R"({"type":"object","properties":{"path":{"type":"string"}},
                                          "required":["path"],"additionalProperties":false})"),
                          false, {}});
  if (added) {
    added = tools.add({"write_file", "Writes a file",
                       json::parse(R"({"type":"object","properties":{
                                        "path":{"type":"string","minLength":1},"content":{"type":"string"},
                                        "mode":{"enum":["overwrite","append"]}},
                                      "required":["path","content"],"additionalProperties":false})"),
                       false, {}});
  }
  if (!added) {
    std::cerr << added.error().describe() << "\n";
    return 1;
  }
  std::map<std::string, std::string> files{{"workspace/todo.txt", "1. write notes\nAPI_KEY=sk-secret-123\n"}};

  // ---- hooks ------------------------------------------------------------------------------
  aura::bus bus;
  ag::register_predicates(bus.predicates());
  (void)bus.on<ag::session_start>("rules", [](const ag::session_start&) {
    ag::turn_effects fx;
    fx.system_append = {"Work only inside workspace/."};
    return aura::allow().with(fx);
  });
  (void)bus.on<ag::chat_before>(aura::hook_options("late-reminder").with_condition("iteration_gt:2"),
                                [](const ag::chat_before&) {
                                  ag::chat_effects fx;
                                  fx.system_append = {"Finish up: answer in one sentence."};
                                  fx.disabled_tools = {"write_*"};
                                  return aura::allow().with(fx);
                                });
  (void)bus.on<ag::tool_after_execution>("redact", [](const ag::tool_after_execution& e) {
    ag::tool_output_effects fx;
    auto at = e.output.find("sk-");
    if (at != std::string::npos) fx.output = e.output.substr(0, at) + "[redacted]\n";
    return aura::allow().with(fx);
  });
  (void)bus.on<ag::agent_error>("retry-overload", [](const ag::agent_error& e) {
    ag::error_effects fx;
    fx.retry = e.kind == "overloaded";
    return aura::allow().with(fx);
  });
  (void)bus.on<ag::chat_after_response>("sign", [](const ag::chat_after_response& e) {
    ag::response_effects fx;
    fx.response = e.response + " -- checked by aura";
    return aura::allow().with(fx);
  });

  ag::tool_pipeline pipeline(tools);
  pipeline.set_predicates(&bus.predicates());
  (void)pipeline.add({"10-sandbox", 10}, [](const ag::tool_before_execution& e) -> aura::decision<ag::tool_before_execution> {
    const std::string path = e.args.value("path", "");
    if (path.rfind("workspace/", 0) == 0) return aura::allow();
    ag::turn_effects fx;
    fx.messages = {ag::injected_message{"system", "Paths are relative to workspace/.", "[sandbox] ", true}};
    return aura::mutate([path](ag::tool_before_execution& v) { v.args["path"] = "workspace/" + path; }).with(fx);
  });
  (void)pipeline.add({"20-guard", 20}, [](const ag::tool_before_execution& e) -> aura::decision<ag::tool_before_execution> {
    if (e.args.value("path", "").find(".env") != std::string::npos) {
      ag::turn_effects fx;
      fx.messages = {ag::injected_message{"system", "Secrets live in the vault, not in files.", "", true}};
      return aura::deny("writing .env files is not allowed").with(fx);
    }
    return aura::allow();
  });
  // A plugin-style JSON hook: defaults write mode to "append" for notes, via a Merge Patch.
  (void)pipeline.add_json({"30-notes-plugin", 30},
                          [](const aura::envelope<aura::dynamic_event>& env, aura::context&)
                              -> aura::result<aura::decision<aura::dynamic_event>> {
                            const json& args = env.data["args"];
                            if (env.data["tool"] != "write_file" || args.contains("mode"))
                              return aura::decision<aura::dynamic_event>(aura::allow());
                            return aura::decision<aura::dynamic_event>(aura::mutate(json{{"args", {{"mode", "append"}}}}));
                          });
  // A buggy hook: turns the mode into a number, which the schema rejects.
  (void)pipeline.add({"40-buggy", 40}, [](const ag::tool_before_execution& e) -> aura::decision<ag::tool_before_execution> {
    if (e.args.value("content", "") != "boom") return aura::allow();
    return aura::mutate([](ag::tool_before_execution& v) { v.args["mode"] = 1; });
  });

  ag::transform_pipeline transforms;
  (void)transforms.add("elide-old-tool-output", [](const ag::messages_transform& t) {
    auto v = t.messages;
    // Keep only the latest tool result in full: the request gets shorter,
    // the stored history does not change.
    std::size_t last_tool = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i].role == "tool") last_tool = i;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i].role == "tool" && i != last_tool) v[i].content = "[elided]";
    return v;
  });

  // ---- the script ---------------------------------------------------------------------------
  scripted_model model({
      {{call("c1", "read_file", {{"path", "todo.txt"}})}, "", ""},
      {{call("c2", "write_file", {{"path", "notes.txt"}, {"content", "notes v1\n"}}),
        call("c3", "write_file", {{"path", ".env"}, {"content", "KEY=1"}}),
        call("c4", "write_file", {{"path", "x.txt"}, {"content", "boom"}}),
        call("c5", "write_file", {{"path", "y.txt"}})},
       "", ""},
      {{}, "", "overloaded"},
      {{}, "Wrote workspace/notes.txt.", ""},
  });

  // ---- the loop -------------------------------------------------------------------------------
  ag::host_state host;
  host.session_id = "demo";
  host.agent = "build";
  host.mode = "interactive";
  host.workdir = ".";
  host.model = {"local/fake-coder", "local", 8192, 1.5, {"tools"}};
  host.available_tools = tools.names();
  aura::context ctx;

  auto start = bus.emit(ag::session_start{host, "startup"}, ctx);
  std::vector<ag::message> history;
  std::uint64_t last_id = 0;  // ids are never reused, even after ejected messages leave
  auto store = [&](ag::message m) {
    m.id = ag::format_message_id(++last_id);
    history.push_back(std::move(m));
    return history.back().id;
  };
  store(make("system", "You are a careful coding agent.\n\n" + start.effects.system_suffix()));
  store(make("user", "Write my notes."));
  std::cout << "[session] system prompt: " << json(history[0].content).dump() << "\n";

  int retries = 0;
  std::vector<std::string> eject;  // ids of injected messages to drop after the next request
  for (int iteration = 1; iteration <= 8; ++iteration) {
    host.iteration = iteration;
    host.message_count = static_cast<std::int64_t>(history.size());
    ctx.set_facts(ag::make_facts(host));

    auto before = bus.emit(ag::chat_before{host, iteration == 1 ? "Write my notes." : ""}, ctx);
    auto offered = before.effects.enabled_tools(host.available_tools);
    auto request = transforms.run(history, host, ctx);
    std::string offered_text;
    for (const auto& t : offered) offered_text += (offered_text.empty() ? "" : ",") + t;
    std::size_t elided = 0;
    for (const auto& m : request.messages) elided += m.content == "[elided]" ? 1 : 0;
    std::cout << "[turn " << iteration << "] request " << ids_of(request.messages) << " | elided " << elided
              << " | tools " << offered_text;
    if (!before.effects.system_append.empty()) std::cout << " | system+ " << json(before.effects.system_suffix()).dump();
    std::cout << "\n";

    model_step step = model.respond(request.messages);
    // Injected messages marked `eject` leave the history once a request carried them.
    if (!eject.empty()) {
      std::string gone;
      for (auto it = history.begin(); it != history.end();) {
        if (std::find(eject.begin(), eject.end(), it->id) != eject.end()) {
          gone += " " + it->id;
          it = history.erase(it);
        } else {
          ++it;
        }
      }
      eject.clear();
      std::cout << "  [eject]" << gone << "\n";
    }
    if (!step.failure.empty()) {
      auto err = bus.emit(ag::agent_error{host, step.failure, "model returned 529", "", retries, true, 529}, ctx);
      auto action = err.effects.action(retries);
      std::cout << "[error] " << step.failure << " -> " << ag::to_string(action) << "\n";
      if (action == ag::error_action::retry) {
        ++retries;
        continue;
      }
      break;
    }
    if (step.calls.empty()) {
      auto after = bus.emit(ag::chat_after_response{host, step.text, "", 12, {}}, ctx);
      auto kept = after.effects.final_response(step.text);
      std::cout << "[answer] " << kept.value_or("(dropped)") << "\n";
      if (kept) store(make("assistant", *kept));
      break;
    }

    ag::message assistant = make("assistant", "");
    assistant.type = "tool_call";
    assistant.tool_calls = step.calls;
    store(assistant);
    std::vector<ag::message> injected;
    std::vector<bool> injected_eject;
    for (const auto& c : step.calls) {
      ag::tool_before_execution pre{host, c.name, c.id, c.arguments};
      auto gate = pipeline.run(pre, ctx);
      std::string output;
      std::cout << "[tool] " << c.id << " " << c.name << " -> " << ag::to_string(gate.status);
      if (gate.runs()) {
        const std::string path = gate.args["path"];
        if (c.name == "read_file") {
          output = files.count(path) ? files[path] : "(no such file)";
        } else {
          std::string& f = files[path];
          f = gate.args["mode"] == "append" ? f + gate.args["content"].get<std::string>() : gate.args["content"].get<std::string>();
          output = "wrote " + path;
        }
        auto post = bus.emit(ag::tool_after_execution{host, c.name, c.id, gate.args, output, false, 1}, ctx);
        output = post.effects.final_output(output);
        std::cout << " " << gate.args.dump() << "\n";
      } else {
        output = gate.reason;
        std::cout << ": " << json(gate.reason).dump() << "\n";
      }
      for (const auto& m : gate.effects.messages) {
        std::cout << "  [inject] " << m.role << ": " << m.text() << "\n";
        injected.push_back(make(m.role == "system" ? "user" : m.role, m.text()));
        injected_eject.push_back(m.eject);
      }
      ag::message result = make("tool", output);
      result.type = "tool_result";
      result.tool_name = c.name;
      result.tool_call_id = c.id;
      store(result);
      ++host.stats.tool_calls;
      if (!gate.runs()) ++host.stats.tool_errors;
    }
    for (std::size_t i = 0; i < injected.size(); ++i) {
      auto id = store(std::move(injected[i]));
      if (injected_eject[i]) eject.push_back(id);
    }
    std::cout << "  [history] " << history.size() << " messages; last tool output: "
              << json(history[history.size() - 1 - injected.size()].content).dump() << "\n";
  }

  for (const auto& [path, body] : files) std::cout << "[file] " << path << " = " << json(body).dump() << "\n";
  std::cout << "[stats] tool_calls=" << host.stats.tool_calls << " tool_errors=" << host.stats.tool_errors
            << " retries=" << retries << " stored_messages=" << history.size() << "\n";
  return 0;
}
