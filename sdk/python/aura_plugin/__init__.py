"""aura-plugin: write aura process plugins in Python.

    from aura_plugin import Plugin, allow, deny

    plugin = Plugin("guard")

    @plugin.hook("check")
    def check(event, ctx):
        return deny("no") if "rm -rf" in str(event.data) else allow()

    if __name__ == "__main__":
        plugin.run()
"""
from .context import Context, Http, Response, Storage
from .decision import Decision, allow, apply_json_patch, apply_merge_patch, deny, json_patch, mutate
from .errors import (HostError, HostServiceError, InvalidParams, MethodNotFound, PermissionDenied,
                     PluginStopped)
from .plugin import PROTOCOL_VERSION, SDK_VERSION, Event, HandlerError, Plugin

__version__ = SDK_VERSION
__all__ = ["Plugin", "Event", "Context", "Decision", "allow", "deny", "mutate", "json_patch",
           "apply_merge_patch", "apply_json_patch", "Response", "Storage", "Http", "HostError",
           "HostServiceError", "PermissionDenied", "MethodNotFound", "InvalidParams", "PluginStopped",
           "HandlerError", "SDK_VERSION", "PROTOCOL_VERSION"]
