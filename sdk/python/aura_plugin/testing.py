"""A test harness: run a plugin's handlers with no host, against mocked host services.

    h = Harness(plugin, config={"prefix": "OPS-"})
    h.http.route("GET", "https://ops.example.org/api/tickets/OPS-1", json={"open": True})
    d = h.run_hook("check", h.synth_event("intent.before_log", {"summary": "OPS-1: fix"}))
    assert d.is_allow

`dispatch_with_aura` runs the same plugin directory under the real `aura` host.
"""
import datetime
import fnmatch
import json
import os
import subprocess
import urllib.parse

from .decision import Decision
from .errors import HOST_SERVICE_FAILED, METHOD_NOT_FOUND, PERMISSION_DENIED, HostError, host_error
from .plugin import Event, HandlerError


class MockHttp:
    """Answers host/http from routes; records every request in `requests`."""

    def __init__(self):
        self.routes = []
        self.requests = []

    def route(self, method, url, status=200, body="", json=None, headers=None, handler=None):
        """Answer METHOD URL (a glob) with status/body/json, or with handler(request) -> (status, body)."""
        if json is not None:
            body = _dumps(json)
        self.routes.append((method.upper(), url, status, body, dict(headers or {}), handler))
        return self

    def serve(self, params):
        request = {"method": params.get("method", "GET").upper(), "url": params.get("url"),
                   "headers": params.get("headers", {}), "body": params.get("body", "")}
        self.requests.append(request)
        for method, url, status, body, headers, handler in self.routes:
            if method in (request["method"], "*") and fnmatch.fnmatchcase(request["url"] or "", url):
                if handler is not None:
                    status, body = handler(request)
                return {"status": status, "headers": headers, "body": body}
        raise host_error("host/http", {"code": HOST_SERVICE_FAILED, "message": "no mocked route for %s %s" %
                                       (request["method"], request["url"]), "data": {"code": "io_error"}})


def _dumps(value):
    return json.dumps(value, separators=(",", ":"))


class Harness:
    """A mock host for one plugin. Attributes to set or inspect:

    config      the plugin configuration handlers see
    storage     a dict: the plugin's storage
    http        MockHttp: routes and recorded requests
    logs        [(level, message)] from ctx.log
    calls       [(method, params)] of every host call
    api         {"name": fn(params) -> result}: host/<name> methods
    grants      call_api scopes granted ("log", "storage", "http", API names); deny() removes one
    storage_mode "read_write", "read_only" or "none"
    network     host globs host/http may reach (None: any)
    """

    def __init__(self, plugin, config=None, grants=("log", "storage", "http", "config", "clock"),
                 storage_mode="read_write", network=None, now="2026-01-01T00:00:00.000Z"):
        self.plugin = plugin
        self.config = dict(config or {})
        self.storage = {}
        self.http = MockHttp()
        self.logs = []
        self.calls = []
        self.api = {}
        self.grants = set(grants)
        self.storage_mode = storage_mode
        self.network = network
        self.set_time(now)
        self._events = 0

    # ---- the clock ----

    def set_time(self, when):
        if isinstance(when, str):
            when = datetime.datetime.fromisoformat(when.replace("Z", "+00:00"))
        self.time = when

    def advance(self, seconds):
        self.time = self.time + datetime.timedelta(seconds=seconds)

    def _clock(self):
        return self.time

    # ---- permissions ----

    def deny(self, scope):
        """Takes a call_api scope away: calls needing it raise PermissionDenied."""
        self.grants.discard(scope)
        return self

    def _refuse(self, method, what):
        raise host_error(method, {"code": PERMISSION_DENIED,
                                  "message": "plugin %s may not %s" % (self.plugin.name or "(test)", what)})

    # ---- the mock host ----

    def host_call(self, method, params):
        self.calls.append((method, params))
        name = method[len("host/"):]
        if name == "log":
            if "log" not in self.grants:
                self._refuse(method, "log (call_api lacks \"log\")")
            self.logs.append((params.get("level", "info"), params.get("message", "")))
            return {}
        if name.startswith("storage/"):
            if "storage" not in self.grants or self.storage_mode == "none":
                self._refuse(method, "use storage")
            key = params.get("key")
            if not isinstance(key, str):
                raise host_error(method, {"code": -32602, "message": "params.key must be a string"})
            if name == "storage/get":
                return {"value": self.storage.get(key)}
            if self.storage_mode != "read_write":
                self._refuse(method, "write storage (read-only)")
            if name == "storage/set":
                self.storage[key] = params.get("value")
                return {}
            if name == "storage/delete":
                return {"removed": self.storage.pop(key, None) is not None}
        if name == "http":
            if "http" not in self.grants:
                self._refuse(method, "call http (call_api lacks \"http\")")
            host = urllib.parse.urlsplit(params.get("url") or "").hostname or ""
            if self.network is not None and not any(fnmatch.fnmatchcase(host, g) for g in self.network):
                self._refuse(method, "reach %s (not in permissions.network)" % host)
            return self.http.serve(params)
        if name in self.api:
            if name not in self.grants:
                self._refuse(method, "call %s (call_api lacks it)" % name)
            return self.api[name](params)
        raise HostError(method, METHOD_NOT_FOUND, "the host has no method %s" % method)

    # ---- driving handlers ----

    def synth_event(self, name, data=None, session="", source="", meta=None):
        self._events += 1
        stamp = self.time.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
            "%03dZ" % (self.time.microsecond // 1000)
        return Event(name, {} if data is None else data, "ev-test-%d" % self._events, stamp, source, session,
                     meta)

    def run_hook(self, hook, event, data=None):
        """The Decision of hook `hook` for `event` (an Event, or an event name with `data`).
        A failing handler raises HandlerError, as the host would see an error answer."""
        if isinstance(event, str):
            event = self.synth_event(event, data)
        return self.plugin.run_hook(hook, event, self.host_call, self.config, self._clock)

    def call_tool(self, name, arguments=None):
        return self.plugin.call_tool(name, arguments or {}, self.host_call, self.config, self._clock)

    def run_command(self, name, args=None):
        return self.plugin.run_command(name, args, self.host_call, self.config, self._clock)


def dispatch_with_aura(plugin_dir, event, data, aura=None, env=None, timeout=30, options=()):
    """Runs `aura --plugins PLUGIN_DIR dispatch EVENT --json --data DATA` (the real host) and
    returns its JSON answer (`verdict`, `reason`, `data`, `effects`, `trail`...). AURA names the binary;
    `options` are more global options (e.g. ["--state-dir", DIR, "--session", "s"] to keep storage)."""
    aura = aura or os.environ.get("AURA", "aura")
    proc = subprocess.run([aura, "--plugins", str(plugin_dir), *options, "dispatch", event, "--json", "--data", _dumps(data)],
                          capture_output=True, text=True, env=env, timeout=timeout)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise AssertionError("aura dispatch %s gave no JSON (status %d): %s %s" %
                             (event, proc.returncode, proc.stdout, proc.stderr))


__all__ = ["Harness", "MockHttp", "dispatch_with_aura", "Decision", "HandlerError"]
