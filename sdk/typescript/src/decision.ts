// Typed decisions a hook returns: allow, deny(reason), mutate(patch).
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type JsonPatchOp =
  | { op: "add" | "replace" | "test"; path: string; value: Json }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

export interface WireDecision {
  decision: "allow" | "deny" | "mutate";
  reason?: string;
  patch?: Json;
  patch_format?: "merge" | "json_patch";
  effects?: JsonObject;
}

const OPS = ["add", "remove", "replace", "move", "copy", "test"];

export class Decision {
  readonly effects: JsonObject;
  constructor(readonly kind: "allow" | "deny" | "mutate", readonly reason?: string, readonly patch?: Json,
              readonly patchFormat?: "merge" | "json_patch", effects?: JsonObject) {
    this.effects = { ...(effects ?? {}) };
  }
  get isAllow(): boolean { return this.kind === "allow"; }
  get isDeny(): boolean { return this.kind === "deny"; }
  get isMutate(): boolean { return this.kind === "mutate"; }

  /** Adds a side output; arrays under one key concatenate. */
  withEffect(key: string, value: Json): this {
    const old = this.effects[key];
    this.effects[key] = Array.isArray(old) && Array.isArray(value) ? [...old, ...value] : value;
    return this;
  }
  injectMessage(content: string, role = "system"): this {
    return this.withEffect("inject_message", [{ role, content }]);
  }
  toWire(): WireDecision {
    const out: WireDecision = { decision: this.kind };
    if (this.kind === "deny") out.reason = this.reason;
    if (this.kind === "mutate") { out.patch = this.patch; out.patch_format = this.patchFormat; }
    if (Object.keys(this.effects).length > 0) out.effects = this.effects;
    return out;
  }
  /** The event data after this decision (a copy). */
  apply(data: Json): Json {
    if (this.kind !== "mutate") return clone(data);
    return this.patchFormat === "json_patch" ? applyJsonPatch(data, this.patch as JsonPatchOp[])
                                             : applyMergePatch(data, this.patch as Json);
  }
}

export function allow(effects?: JsonObject): Decision { return new Decision("allow", undefined, undefined, undefined, effects); }

export function deny(reason: string, effects?: JsonObject): Decision {
  if (typeof reason !== "string" || reason === "") throw new TypeError(`deny() needs a non-empty reason string (got ${JSON.stringify(reason)})`);
  return new Decision("deny", reason, undefined, undefined, effects);
}

/** A JSON Merge Patch (RFC 7396) of the event's data. */
export function mutate(patch: Json, effects?: JsonObject): Decision {
  return new Decision("mutate", undefined, patch, "merge", effects);
}

/** A JSON Patch (RFC 6902). */
export function jsonPatch(ops: JsonPatchOp[], effects?: JsonObject): Decision {
  if (!Array.isArray(ops)) throw new TypeError("jsonPatch() needs an array of operations");
  ops.forEach((op, i) => {
    const o = op as Record<string, unknown>;
    if (typeof o !== "object" || o === null || !OPS.includes(o.op as string))
      throw new TypeError(`json_patch operation ${i}: "op" must be one of ${OPS.join(", ")} (got ${JSON.stringify(op)})`);
    if (typeof o.path !== "string") throw new TypeError(`json_patch operation ${i}: "path" must be a JSON pointer string`);
    if (["add", "replace", "test"].includes(o.op as string) && !("value" in o))
      throw new TypeError(`json_patch operation ${i}: ${o.op} needs a "value"`);
    if (["move", "copy"].includes(o.op as string) && typeof o.from !== "string")
      throw new TypeError(`json_patch operation ${i}: ${o.op} needs a "from" pointer`);
  });
  return new Decision("mutate", undefined, ops as unknown as Json, "json_patch", effects);
}

/** A Decision from what a handler returned: a Decision, undefined/null (allow) or a wire object. */
export function toDecision(value: unknown): Decision {
  if (value === undefined || value === null) return allow();
  if (value instanceof Decision) return value;
  const v = value as Partial<WireDecision>;
  if (typeof v === "object" && ["allow", "deny", "mutate"].includes(v.decision as string)) {
    if (v.decision === "allow") return allow(v.effects);
    if (v.decision === "deny") return deny(v.reason as string, v.effects);
    return v.patch_format === "json_patch" ? jsonPatch(v.patch as unknown as JsonPatchOp[], v.effects) : mutate(v.patch as Json, v.effects);
  }
  throw new TypeError(`a hook must return a Decision (allow(), deny(reason), mutate(patch)) or nothing, got ${JSON.stringify(value)}`);
}

function clone<T>(v: T): T { return v === undefined ? v : JSON.parse(JSON.stringify(v)); }
function isObject(v: unknown): v is JsonObject { return typeof v === "object" && v !== null && !Array.isArray(v); }

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k] ?? null, v);
  }
  return out;
}

function tokens(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new Error(`JSON pointer "${path}" does not start with /`);
  return path.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}
function parentOf(doc: Json, path: string): [Json, string] {
  const t = tokens(path);
  let node: Json = doc;
  for (const k of t.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(k)] : isObject(node) ? node[k] : undefined;
    if (next === undefined) throw new Error(`${path}: no member ${k}`);
    node = next;
  }
  return [node, t[t.length - 1]];
}
function get(doc: Json, path: string): Json {
  if (path === "") return doc;
  const [p, k] = parentOf(doc, path);
  const v = Array.isArray(p) ? p[Number(k)] : isObject(p) ? p[k] : undefined;
  if (v === undefined) throw new Error(`${path} does not exist`);
  return v;
}
function add(doc: Json, path: string, value: Json): Json {
  if (path === "") return value;
  const [p, k] = parentOf(doc, path);
  if (Array.isArray(p)) {
    const i = k === "-" ? p.length : Number(k);
    if (!Number.isInteger(i) || i < 0 || i > p.length) throw new Error(`${path}: index out of range`);
    p.splice(i, 0, value);
  } else if (isObject(p)) p[k] = value;
  else throw new Error(`${path}: parent is not a container`);
  return doc;
}
function remove(doc: Json, path: string): Json {
  get(doc, path);
  if (path === "") return null;
  const [p, k] = parentOf(doc, path);
  if (Array.isArray(p)) p.splice(Number(k), 1);
  else delete (p as JsonObject)[k];
  return doc;
}

export function applyJsonPatch(target: Json, ops: JsonPatchOp[]): Json {
  let doc = clone(target);
  ops.forEach((op, i) => {
    try {
      switch (op.op) {
        case "add": doc = add(doc, op.path, clone(op.value)); break;
        case "remove": doc = remove(doc, op.path); break;
        case "replace": doc = add(remove(doc, op.path), op.path, clone(op.value)); break;
        case "copy": doc = add(doc, op.path, clone(get(doc, op.from))); break;
        case "move": { const v = clone(get(doc, op.from)); doc = add(remove(doc, op.from), op.path, v); break; }
        case "test":
          if (JSON.stringify(get(doc, op.path)) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
          break;
      }
    } catch (e) {
      throw new Error(`json_patch operation ${i} (${JSON.stringify(op)}): ${(e as Error).message}`);
    }
  });
  return doc;
}
