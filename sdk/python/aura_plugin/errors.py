"""Host call failures as Python exceptions, by JSON-RPC error code."""

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
HOST_SERVICE_FAILED = -32000
PERMISSION_DENIED = -32001


class HostError(Exception):
    """A host call answered with an error: `code`, `message`, optional `data`."""

    def __init__(self, method, code, message, data=None):
        super().__init__("%s: %s (code %d)" % (method, message, code))
        self.method = method
        self.code = code
        self.message = message
        self.data = data


class PermissionDenied(HostError, PermissionError):
    """The plugin's declared permissions refuse the call (-32001)."""


class HostServiceError(HostError):
    """A host service (storage, http...) failed (-32000); data.code names the aura error."""


class MethodNotFound(HostError):
    """The host serves no such method (-32601)."""


class InvalidParams(HostError, ValueError):
    """Missing or mistyped params (-32602)."""


class PluginStopped(Exception):
    """stdin closed (or shutdown came) while a host call waited for its answer."""


def host_error(method, error):
    code = error.get("code", INTERNAL_ERROR) if isinstance(error, dict) else INTERNAL_ERROR
    message = error.get("message", "") if isinstance(error, dict) else str(error)
    data = error.get("data") if isinstance(error, dict) else None
    cls = {PERMISSION_DENIED: PermissionDenied, HOST_SERVICE_FAILED: HostServiceError,
           METHOD_NOT_FOUND: MethodNotFound, INVALID_PARAMS: InvalidParams}.get(code, HostError)
    return cls(method, code, message, data)
