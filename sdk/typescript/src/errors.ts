// Host call failures as JavaScript errors, by JSON-RPC error code.
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
export const HOST_SERVICE_FAILED = -32000;
export const PERMISSION_DENIED = -32001;

export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/** A host call answered with an error. */
export class HostError extends Error {
  constructor(readonly method: string, readonly code: number, readonly detail: string, readonly data?: unknown) {
    super(`${method}: ${detail} (code ${code})`);
    this.name = new.target.name;
  }
}
/** The plugin's declared permissions refuse the call (-32001). */
export class PermissionDenied extends HostError {}
/** A host service failed (-32000); data.code names aura's error. */
export class HostServiceError extends HostError {}
/** The host serves no such method (-32601). */
export class MethodNotFound extends HostError {}
/** Missing or mistyped params (-32602). */
export class InvalidParams extends HostError {}
/** The input ended (or the plugin shut down) while a host call waited. */
export class PluginStopped extends Error {}

/** A handler failed: the JSON-RPC error its answer carries. */
export class HandlerError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = "HandlerError";
  }
  toWire(): WireError {
    return this.data === undefined ? { code: this.code, message: this.message }
                                   : { code: this.code, message: this.message, data: this.data };
  }
}

export function hostError(method: string, error: unknown): HostError {
  const e = (typeof error === "object" && error !== null ? error : {}) as Partial<WireError>;
  const code = typeof e.code === "number" ? e.code : INTERNAL_ERROR;
  const message = typeof e.message === "string" ? e.message : String(error);
  const cls = code === PERMISSION_DENIED ? PermissionDenied
            : code === HOST_SERVICE_FAILED ? HostServiceError
            : code === METHOD_NOT_FOUND ? MethodNotFound
            : code === INVALID_PARAMS ? InvalidParams : HostError;
  return new cls(method, code, message, e.data);
}
