// @aura/plugin: write aura process plugins in TypeScript.
export { Context, Http, Response, Storage, type HostCall, type LogLevel, type RequestOptions } from "./context";
export { Decision, allow, deny, mutate, jsonPatch, toDecision, applyMergePatch, applyJsonPatch,
         type Json, type JsonObject, type JsonPatchOp, type WireDecision } from "./decision";
export { HostError, PermissionDenied, HostServiceError, MethodNotFound, InvalidParams, PluginStopped, HandlerError,
         PERMISSION_DENIED, HOST_SERVICE_FAILED, METHOD_NOT_FOUND, INVALID_PARAMS } from "./errors";
export { Plugin, SDK_VERSION, PROTOCOL_VERSION, type Event, type HookHandler, type ToolHandler, type CommandHandler,
         type Invocation } from "./plugin";
