// A generated schema in the shape of SchemaStore's GitHub workflow schema
// (draft 7, ~75 KB of JSON): some sixty definitions reached through $ref,
// thirty trigger events each with its own definition, jobs under a
// patternProperties name pattern, oneOf/anyOf unions, enums, patterns, and
// a $comment and a long description on most schema objects, as the real one
// has. The real file is not part of this repository (it is third-party
// data); bench_schema compiles it too when AURA_BENCH_SCHEMA names a copy.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace aura_bench {

inline nlohmann::json workflow_like_schema() {
  using nlohmann::json;
  auto text = [](const std::string& topic) {
    std::string t = "When the workflow uses " + topic + ", the runner applies it as described here. ";
    while (t.size() < 420) t += "It may be combined with the other keys of the same object; see the documentation. ";
    return t;
  };
  auto comment = [](const std::string& anchor) {
    return "https://docs.github.com/en/actions/reference/workflow-syntax-for-github-actions#" + anchor;
  };
  auto ref = [](const std::string& name) { return json{{"$ref", "#/definitions/" + name}}; };
  auto documented = [&](json schema, const std::string& topic) {
    schema["$comment"] = comment(topic);
    schema["description"] = text(topic);
    return schema;
  };

  json defs = json::object();
  defs["expressionSyntax"] = {{"type", "string"}, {"pattern", "^\\$\\{\\{(.|[\\r\\n])*\\}\\}$"}};
  defs["stringContainingExpressionSyntax"] = {{"type", "string"}, {"pattern", "^.*\\$\\{\\{(.|[\\r\\n])*\\}\\}.*$"}};
  defs["globs"] = {{"type", "array"}, {"items", {{"type", "string"}, {"minLength", 1}}}, {"minItems", 1}};
  defs["branch"] = documented(ref("globs"), "onpushpull_requestbranchestags");
  defs["path"] = documented(ref("globs"), "onpushpull_requestpaths");
  defs["types"] = documented({{"oneOf", json::array({{{"type", "array"}, {"minItems", 1}}, {{"type", "string"}}})}},
                             "oneventtypes");
  defs["name"] = {{"type", "string"}, {"pattern", "^[_a-zA-Z][a-zA-Z0-9_-]*$"}};
  defs["machine"] = {{"type", "string"}, {"enum", {"linux", "macos", "windows"}}};
  defs["architecture"] = {{"type", "string"}, {"enum", {"ARM32", "x64", "x86"}}};
  defs["env"] = documented(
      {{"oneOf", json::array({{{"type", "object"},
                               {"additionalProperties",
                                {{"oneOf", json::array({{{"type", "string"}}, {{"type", "number"}}, {{"type", "boolean"}}})}}}},
                              ref("stringContainingExpressionSyntax")})}},
      "env");
  defs["configuration"] = {
      {"oneOf", json::array({{{"type", "string"}},
                             {{"type", "number"}},
                             {{"type", "boolean"}},
                             {{"type", "object"}, {"additionalProperties", ref("configuration")}},
                             {{"type", "array"}, {"items", ref("configuration")}}})}};
  defs["permissions-level"] = {{"type", "string"}, {"enum", {"read", "write", "none"}}};
  json perm_props = json::object();
  for (const char* p : {"actions", "checks", "contents", "deployments", "id-token", "issues", "discussions", "packages",
                        "pages", "pull-requests", "repository-projects", "security-events", "statuses"})
    perm_props[p] = ref("permissions-level");
  defs["permissions-event"] = {{"type", "object"}, {"additionalProperties", false}, {"properties", perm_props}};
  defs["permissions"] = documented(
      {{"oneOf", json::array({{{"type", "string"}, {"enum", {"read-all", "write-all"}}}, ref("permissions-event")})}},
      "permissions");
  defs["shell"] = documented({{"anyOf", json::array({{{"type", "string"}},
                                                    {{"type", "string"},
                                                     {"enum", {"bash", "pwsh", "python", "sh", "cmd", "powershell"}}}})}},
                             "jobsjob_idstepsshell");
  defs["working-directory"] = documented({{"type", "string"}}, "jobsjob_idstepsworking-directory");
  defs["defaults"] = {{"type", "object"},
                      {"properties",
                       {{"run",
                         {{"type", "object"},
                          {"properties", {{"shell", ref("shell")}, {"working-directory", ref("working-directory")}}},
                          {"minProperties", 1},
                          {"additionalProperties", false}}}}},
                      {"minProperties", 1},
                      {"additionalProperties", false}};
  defs["concurrency"] = {{"type", "object"},
                         {"properties",
                          {{"group", documented({{"type", "string"}}, "concurrency")},
                           {"cancel-in-progress",
                            documented({{"oneOf", json::array({{{"type", "boolean"}}, ref("expressionSyntax")})}},
                                       "concurrency")}}},
                         {"required", {"group"}},
                         {"additionalProperties", false}};
  defs["ref"] = {
      {"properties",
       {{"branches", ref("branch")}, {"branches-ignore", ref("branch")}, {"tags", ref("branch")},
        {"tags-ignore", ref("branch")}, {"paths", ref("path")}, {"paths-ignore", ref("path")}}},
      {"oneOf",
       json::array({{{"type", "object"},
                     {"allOf", json::array({{{"not", {{"required", {"branches", "branches-ignore"}}}}},
                                            {{"not", {{"required", {"tags", "tags-ignore"}}}}},
                                            {{"not", {{"required", {"paths", "paths-ignore"}}}}}})}},
                    {{"type", "null"}}})}};
  defs["container"] = {
      {"type", "object"},
      {"properties",
       {{"image", documented({{"type", "string"}}, "jobsjob_idcontainerimage")},
        {"credentials", documented({{"type", "object"},
                                    {"properties", {{"username", {{"type", "string"}}}, {"password", {{"type", "string"}}}}}},
                                   "jobsjob_idcontainercredentials")},
        {"env", ref("env")},
        {"ports", documented({{"type", "array"},
                              {"items", {{"oneOf", json::array({{{"type", "number"}}, {{"type", "string"}}})}}},
                              {"minItems", 1}},
                             "jobsjob_idcontainerports")},
        {"volumes", documented({{"type", "array"},
                                {"items", {{"type", "string"}, {"pattern", "^[^:]+:[^:]+$"}}},
                                {"minItems", 1}},
                               "jobsjob_idcontainervolumes")},
        {"options", documented({{"type", "string"}}, "jobsjob_idcontaineroptions")}}},
      {"required", {"image"}},
      {"additionalProperties", false}};
  defs["environment"] = documented({{"type", "object"},
                                    {"properties", {{"name", {{"type", "string"}}}, {"url", {{"type", "string"}}}}},
                                    {"required", {"name"}},
                                    {"additionalProperties", false}},
                                   "jobsjob_idenvironment");
  defs["step"] = {
      {"type", "object"},
      {"additionalProperties", false},
      {"dependencies", {{"working-directory", {"run"}}, {"shell", {"run"}}}},
      {"oneOf", json::array({{{"type", "object"}, {"required", {"uses"}}}, {{"type", "object"}, {"required", {"run"}}}})},
      {"properties",
       {{"id", documented({{"type", "string"}}, "jobsjob_idstepsid")},
        {"if", documented({{"type", {"boolean", "number", "string"}}}, "jobsjob_idstepsif")},
        {"name", documented({{"type", "string"}}, "jobsjob_idstepsname")},
        {"uses", documented({{"type", "string"}}, "jobsjob_idstepsuses")},
        {"run", documented({{"type", "string"}}, "jobsjob_idstepsrun")},
        {"working-directory", ref("working-directory")},
        {"shell", ref("shell")},
        {"with", documented(ref("env"), "jobsjob_idstepswith")},
        {"env", documented(ref("env"), "jobsjob_idstepsenv")},
        {"continue-on-error",
         documented({{"oneOf", json::array({{{"type", "boolean"}}, ref("expressionSyntax")})}}, "continue-on-error")},
        {"timeout-minutes",
         documented({{"oneOf", json::array({{{"type", "number"}}, ref("expressionSyntax")})}}, "timeout-minutes")}}}};
  defs["normalJob"] = {
      {"type", "object"},
      {"properties",
       {{"name", documented({{"type", "string"}}, "jobsjob_idname")},
        {"needs", documented({{"oneOf", json::array({{{"type", "array"}, {"items", ref("name")}, {"minItems", 1}},
                                                     ref("name")})}},
                             "jobsjob_idneeds")},
        {"permissions", ref("permissions")},
        {"runs-on",
         documented({{"anyOf", json::array({{{"type", "string"}},
                                           {{"type", "array"}, {"items", {{"type", "string"}}}, {"minItems", 1}},
                                           {{"type", "object"},
                                            {"properties", {{"group", {{"type", "string"}}},
                                                            {"labels", {{"oneOf", json::array({{{"type", "string"}},
                                                                                              {{"type", "array"},
                                                                                               {"items", {{"type", "string"}}}}})}}}}}},
                                           ref("stringContainingExpressionSyntax")})}},
                    "jobsjob_idruns-on")},
        {"environment", {{"oneOf", json::array({{{"type", "string"}}, ref("environment")})}}},
        {"outputs", documented({{"type", "object"}, {"additionalProperties", {{"type", "string"}}}, {"minProperties", 1}},
                               "jobsjob_idoutputs")},
        {"env", ref("env")},
        {"defaults", ref("defaults")},
        {"if", documented({{"type", {"boolean", "number", "string"}}}, "jobsjob_idif")},
        {"steps", documented({{"type", "array"}, {"items", ref("step")}, {"minItems", 1}}, "jobsjob_idsteps")},
        {"timeout-minutes",
         documented({{"oneOf", json::array({{{"type", "number"}}, ref("expressionSyntax")})}}, "timeout-minutes")},
        {"strategy",
         documented({{"type", "object"},
                     {"properties",
                      {{"matrix", {{"oneOf", json::array({{{"type", "object"},
                                                           {"patternProperties",
                                                            {{"^(in|ex)clude$",
                                                              {{"oneOf", json::array({ref("expressionSyntax"),
                                                                                      {{"type", "array"},
                                                                                       {"items", {{"type", "object"},
                                                                                                  {"additionalProperties",
                                                                                                   ref("configuration")}}},
                                                                                       {"minItems", 1}}})}}}}},
                                                           {"additionalProperties",
                                                            {{"oneOf", json::array({{{"type", "array"},
                                                                                    {"items", ref("configuration")},
                                                                                    {"minItems", 1}},
                                                                                   ref("expressionSyntax")})}}},
                                                           {"minProperties", 1}},
                                                          ref("expressionSyntax")})}}},
                       {"fail-fast", {{"type", {"boolean", "string"}}}},
                       {"max-parallel", {{"type", {"number", "string"}}}}}},
                     {"required", {"matrix"}},
                     {"additionalProperties", false}},
                    "jobsjob_idstrategy")},
        {"continue-on-error",
         documented({{"oneOf", json::array({{{"type", "boolean"}}, ref("expressionSyntax")})}}, "continue-on-error")},
        {"container", {{"oneOf", json::array({{{"type", "string"}}, ref("container")})}}},
        {"services", documented({{"type", "object"}, {"additionalProperties", ref("container")}}, "jobsjob_idservices")},
        {"concurrency", {{"oneOf", json::array({{{"type", "string"}}, ref("concurrency")})}}}}},
      {"required", {"runs-on"}},
      {"additionalProperties", false}};
  defs["reusableWorkflowCallJob"] = {
      {"type", "object"},
      {"properties",
       {{"name", documented({{"type", "string"}}, "jobsjob_idname")},
        {"needs", {{"oneOf", json::array({{{"type", "array"}, {"items", ref("name")}, {"minItems", 1}}, ref("name")})}}},
        {"permissions", ref("permissions")},
        {"if", {{"type", {"boolean", "number", "string"}}}},
        {"uses", documented({{"type", "string"}, {"pattern", "^(.+\\/)+(.+)\\.(ya?ml)(@.+)?$"}}, "jobsjob_iduses")},
        {"with", ref("env")},
        {"secrets", {{"oneOf", json::array({ref("env"), {{"type", "string"}, {"enum", {"inherit"}}}})}}},
        {"strategy", {{"type", "object"}}},
        {"concurrency", {{"oneOf", json::array({{{"type", "string"}}, ref("concurrency")})}}}}},
      {"required", {"uses"}},
      {"additionalProperties", false}};

  // thirty trigger events, each with its activity types
  const char* events[] = {"branch_protection_rule", "check_run", "check_suite", "create", "delete", "deployment",
                          "deployment_status", "discussion", "discussion_comment", "fork", "gollum", "issue_comment",
                          "issues", "label", "member", "merge_group", "milestone", "page_build", "project",
                          "project_card", "project_column", "public", "pull_request", "pull_request_review",
                          "pull_request_review_comment", "pull_request_target", "push", "registry_package", "release",
                          "status"};
  json event_names = json::array();
  json on_props = json::object();
  for (const char* e : events) {
    event_names.push_back(e);
    json types = json::array();
    for (const char* t : {"created", "edited", "deleted", "opened", "closed", "reopened"})
      types.push_back(std::string(t));
    defs[std::string("event_") + e] = documented(
        {{"oneOf", json::array({{{"type", "null"}},
                                {{"type", "object"},
                                 {"properties",
                                  {{"types", {{"$ref", "#/definitions/types"}, {"items", {{"type", "string"}, {"enum", types}}},
                                              {"default", types}}}}}}})}},
        std::string("on") + e);
    on_props[e] = ref(std::string("event_") + e);
  }
  defs["event"] = {{"type", "string"}, {"enum", event_names}};
  on_props["schedule"] = documented(
      {{"type", "array"},
       {"items", {{"type", "object"}, {"properties", {{"cron", {{"type", "string"}}}}}, {"additionalProperties", false}}},
       {"minItems", 1}},
      "onschedule");
  on_props["workflow_dispatch"] = documented(
      {{"oneOf", json::array({{{"type", "null"}},
                              {{"type", "object"},
                               {"properties",
                                {{"inputs", {{"type", "object"},
                                             {"patternProperties",
                                              {{"^[_a-zA-Z][a-zA-Z0-9_-]*$",
                                                {{"type", "object"},
                                                 {"properties", {{"description", {{"type", "string"}}},
                                                                 {"required", {{"type", "boolean"}}},
                                                                 {"type", {{"type", "string"},
                                                                           {"enum", {"string", "choice", "boolean",
                                                                                     "number", "environment"}}}}}},
                                                 {"required", {"description"}},
                                                 {"additionalProperties", false}}}}},
                                             {"additionalProperties", false}}}}}}})}},
      "onworkflow_dispatch");

  json schema = {
      {"$schema", "http://json-schema.org/draft-07/schema#"},
      {"$id", "https://json.schemastore.org/github-workflow.json"},
      {"$comment", comment("about")},
      {"definitions", defs},
      {"properties",
       {{"name", documented({{"type", "string"}}, "name")},
        {"run-name", documented({{"type", "string"}}, "run-name")},
        {"on", documented({{"oneOf", json::array({ref("event"),
                                                 {{"type", "array"}, {"items", ref("event")}, {"minItems", 1}},
                                                 {{"type", "object"}, {"properties", on_props},
                                                  {"additionalProperties", false}}})}},
                          "on")},
        {"env", ref("env")},
        {"defaults", ref("defaults")},
        {"concurrency", {{"oneOf", json::array({{{"type", "string"}}, ref("concurrency")})}}},
        {"jobs", documented({{"type", "object"},
                             {"patternProperties",
                              {{"^[_a-zA-Z][a-zA-Z0-9_-]*$",
                                {{"oneOf", json::array({ref("normalJob"), ref("reusableWorkflowCallJob")})}}}}},
                             {"minProperties", 1},
                             {"additionalProperties", false}},
                            "jobs")},
        {"permissions", ref("permissions")}}},
      {"required", {"on", "jobs"}},
      {"type", "object"}};
  return schema;
}

/// A small workflow the schema accepts.
inline nlohmann::json workflow_instance() {
  return nlohmann::json::parse(R"({
    "name": "ci",
    "on": {"push": {"types": ["created"]}, "pull_request": null},
    "jobs": {
      "build": {"runs-on": "ubuntu-latest", "steps": [{"uses": "actions/checkout@v4"}, {"run": "make", "shell": "bash"}]}
    }
  })");
}

}  // namespace aura_bench
