"""What a handler gets besides its input: config, log, storage, http, clock, host API."""
import datetime
import json as _json


class Response:
    """An HTTP answer from host/http."""

    def __init__(self, status, headers=None, body=""):
        self.status = status
        self.headers = dict(headers or {})
        self.body = body

    @property
    def ok(self):
        return 200 <= self.status < 300

    def json(self):
        return _json.loads(self.body)

    def __repr__(self):
        return "Response(%d, %r)" % (self.status, self.body[:80])


class Storage:
    """The plugin's key/value storage (host/storage/*): string values."""

    def __init__(self, call):
        self._call = call

    def get(self, key, default=None):
        value = self._call("host/storage/get", {"key": key}).get("value")
        return default if value is None else value

    def set(self, key, value):
        if not isinstance(value, str):
            raise TypeError("storage values are strings (got %s for %r)" % (type(value).__name__, key))
        self._call("host/storage/set", {"key": key, "value": value})

    def delete(self, key):
        return bool(self._call("host/storage/delete", {"key": key}).get("removed"))


class Http:
    """HTTP through the host (host/http), checked against the plugin's network permissions."""

    def __init__(self, call):
        self._call = call

    def request(self, method, url, headers=None, body=None, json=None, timeout_ms=None):
        params = {"method": method, "url": url}
        headers = dict(headers or {})
        if json is not None:
            body = _json.dumps(json, separators=(",", ":"))
            headers.setdefault("content-type", "application/json")
        if headers:
            params["headers"] = headers
        if body is not None:
            params["body"] = body
        if timeout_ms is not None:
            params["timeout_ms"] = timeout_ms
        r = self._call("host/http", params)
        return Response(r.get("status", 0), r.get("headers"), r.get("body", ""))

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, **kw):
        return self.request("POST", url, **kw)

    def get_json(self, url, **kw):
        return self.get(url, **kw).json()


class Context:
    """Handed to every handler. `call(method, params)` reaches any host/<name> method."""

    def __init__(self, call, config=None, plugin="", clock=None):
        self._raw_call = call
        self.config = config if isinstance(config, dict) else {}
        self.plugin = plugin
        self.storage = Storage(self.call)
        self.http = Http(self.call)
        self._clock = clock

    def call(self, method, params=None):
        if not method.startswith("host/"):
            method = "host/" + method
        return self._raw_call(method, dict(params or {}))

    def log(self, message, level="info"):
        if level not in ("debug", "info", "warn", "warning", "error"):
            raise ValueError("log level must be debug, info, warn or error (got %r)" % (level,))
        self.call("host/log", {"level": level, "message": str(message)})

    def now(self):
        """The current UTC time (the harness's clock in tests)."""
        if self._clock is not None:
            return self._clock()
        return datetime.datetime.now(datetime.timezone.utc)
