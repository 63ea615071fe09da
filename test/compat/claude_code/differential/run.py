#!/usr/bin/env python3
"""Differential check: the real Claude Code CLI against `aura hooks run`.

Each case is a .claude/settings.json, a scripted model turn (fake_messages_api.py
serves it on 127.0.0.1) and the same hook input for aura. The real CLI runs
offline (`claude -p`, ANTHROPIC_BASE_URL at the fake API); what its hooks made
the model see (tool results, hook feedback in the next request) is compared
with what `aura hooks run --json` says the model sees.

    run.py --aura PATH/TO/aura [--claude PATH/TO/claude] [--case TEXT]

--case runs only the cases whose name contains TEXT.

The CLI is $CLAUDE_CODE_BIN, else `claude` on PATH; it must be version
PINNED (npm: @anthropic-ai/claude-code@PINNED). Without it the run is skipped
(exit status 77), so CI without the package passes.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PINNED = "2.1.332"
HERE = os.path.dirname(os.path.abspath(__file__))
BASH_CALL = [{"name": "Bash", "input": {"command": "echo hi", "description": "say hi"}}]
PRE_INPUT = {"tool_name": "Bash", "tool_input": {"command": "echo hi", "description": "say hi"}, "tool_use_id": "toolu_1"}
POST_INPUT = dict(PRE_INPUT, tool_response={"stdout": "hi", "stderr": "", "interrupted": False, "isImage": False})
AGENT_CALL = [{"name": "Agent", "input": {"description": "look", "prompt": "look around", "subagent_type": "general-purpose"}}]
AGENT_INPUT = {"tool_name": "Agent", "tool_input": AGENT_CALL[0]["input"], "tool_use_id": "toolu_1"}
FAIL_CALL = [{"name": "Bash", "input": {"command": "echo broke >&2; exit 3", "description": "fail"}}]
FAIL_INPUT = {"tool_name": "Bash", "tool_input": {"command": "echo broke >&2; exit 3", "description": "fail"}, "tool_use_id": "toolu_1",
              "error": "Exit code 3\nbroke", "is_interrupt": False}


def hooks(event, command, matcher=None):
    group = {"hooks": [{"type": "command", "command": command}]}
    if matcher is not None:
        group["matcher"] = matcher
    return {"hooks": {event: [group]}}


def json_cmd(obj):
    return "printf %s '" + json.dumps(obj) + "'"


# name, settings, model script, prompt, aura event, aura input, check(claude_view, aura_outcome) -> (ok, detail)
def tool_result(view):
    return next((b for b in view["blocks"] if b.get("type") == "tool_result"), {})


def texts(view):
    return [b.get("text", "") for b in view["blocks"] if b.get("type") == "text"]


def feedback_in_texts(view, oc):
    want = (oc.get("feedback") or [""])[0].rstrip("\n")
    return any(want and want in t for t in texts(view)), f"aura {want!r} in {[t[-300:] for t in texts(view)[-2:]]!r}"


def same_input_keys(event, ignore=("prompt_id", "effort", "background_tasks", "session_crons", "duration_ms")):
    def check(v, oc):
        def keys(proj):
            with open(os.path.join(proj, "input-" + event + ".json")) as f:
                return sorted(k for k in json.load(f) if k not in ignore)
        c, a = keys(v["proj"]), keys(oc["_proj"])
        return c == a, f"claude {c} aura {a}"
    return check


def same_place(v, oc):
    def seen(proj):
        with open(os.path.join(proj, "where.txt")) as f:
            lines = f.read().split("\n")
        return lines[0] == proj and lines[1] == proj and lines[2] != "", lines
    (c_ok, c), (a_ok, a) = seen(v["proj"]), seen(oc["_proj"])
    return c_ok and a_ok, f"claude {c} aura {a}"


def user_sees(v, oc):
    want = (oc.get("user_messages") or [""])[0]
    return v["result"] == want, f"claude {v['result']!r} aura {want!r}"


def context_in_texts(v, oc):
    want = (oc.get("context") or [""])[0]
    return any(want and want in t for t in texts(v)), f"aura {oc.get('context')!r} in {[t[-200:] for t in texts(v)[-2:]]!r}"


DENY = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": "json-reason"}}
SUPPRESS = {"hookSpecificOutput": {"hookEventName": "UserPromptSubmit", "suppressOriginalPrompt": True}}


def stderr_lines(v, oc):
    """Claude Code writes each failed SessionEnd hook's message, then a newline, to its stderr."""
    want = oc.get("user_messages") or []
    ok = all(m + "\n" in v["stderr"] for m in want) if want else "SessionEnd hook" not in v["stderr"]
    return ok, f"claude {v['stderr'][-300:]!r} aura {want!r}"


# A prompt given as (first, "resume"): Claude Code runs once with `first`, then again with --resume of that session.
RESUME = ("go", "resume")


def capture(event):
    return hooks(event, "cat > \"$CLAUDE_PROJECT_DIR/input-" + event + ".json\"")


CASES = [
    ("PreToolUse exit 2: tool result text", hooks("PreToolUse", "echo 'nope, not here' >&2; exit 2", "Bash"), BASH_CALL, "go",
     "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == oc["reason"] and tool_result(v).get("is_error") is True,
                    f"claude {tool_result(v).get('content')!r} aura {oc['reason']!r}")),
    ("PreToolUse exit 2, no stderr", hooks("PreToolUse", "exit 2", "Bash"), BASH_CALL, "go", "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == oc["reason"], f"claude {tool_result(v).get('content')!r} aura {oc['reason']!r}")),
    ("PreToolUse JSON deny: tool result text",
     hooks("PreToolUse", json_cmd({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                                          "permissionDecisionReason": "use rg"}}), "Bash"),
     BASH_CALL, "go", "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == oc["reason"], f"claude {tool_result(v).get('content')!r} aura {oc['reason']!r}")),
    ("PreToolUse exit 1: never blocks, stderr not to the model", hooks("PreToolUse", "echo oops >&2; exit 1", "Bash"), BASH_CALL,
     "go", "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == "hi" and oc["decision"] is None and not oc["feedback"],
                    f"claude {tool_result(v).get('content')!r} aura {oc['decision']!r} {oc['feedback']!r}")),
    ("PreToolUse exit 2: a JSON allow does not lift the block",
     hooks("PreToolUse", json_cmd({"hookSpecificOutput": {"permissionDecision": "allow"}}) + "; echo no >&2; exit 2", "Bash"),
     BASH_CALL, "go", "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == oc["reason"], f"claude {tool_result(v).get('content')!r} aura {oc['reason']!r}")),
    ("PreToolUse updatedInput without a decision",
     hooks("PreToolUse", json_cmd({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                                          "updatedInput": {"command": "echo rewritten"}}}), "Bash"),
     BASH_CALL, "go", "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == "rewritten" and oc.get("updated_input") == {"command": "echo rewritten"},
                    f"claude {tool_result(v).get('content')!r} aura {oc.get('updated_input')!r}")),
    ("PreToolUse matcher: Edit|Write does not match Bash", hooks("PreToolUse", "exit 2", "Edit|Write"), BASH_CALL, "go",
     "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == "hi" and not oc["runs"], f"claude {tool_result(v).get('content')!r} aura {len(oc['runs'])} runs")),
    ("PostToolUse JSON block: feedback text",
     hooks("PostToolUse", json_cmd({"decision": "block", "reason": "lint failed: x"}), "Bash"), BASH_CALL, "go",
     "PostToolUse", POST_INPUT, feedback_in_texts),
    ("PostToolUse exit 2: feedback text", hooks("PostToolUse", "echo lint-err >&2; exit 2", "Bash"), BASH_CALL, "go",
     "PostToolUse", POST_INPUT, feedback_in_texts),
    ("Stop JSON block: feedback text",
     hooks("Stop", "test -f stopped && exit 0; touch stopped; " + json_cmd({"decision": "block", "reason": "run tests"})), [], "go",
     "Stop", {"stop_hook_active": False}, feedback_in_texts),
    ("PreToolUse input fields", capture("PreToolUse"), BASH_CALL, "go", "PreToolUse", PRE_INPUT, same_input_keys("PreToolUse")),
    ("PostToolUse input fields", capture("PostToolUse"), BASH_CALL, "go", "PostToolUse",
     POST_INPUT, same_input_keys("PostToolUse")),
    ("UserPromptSubmit input fields", capture("UserPromptSubmit"), [], "go", "UserPromptSubmit", {"prompt": "go"},
     same_input_keys("UserPromptSubmit")),
    ("SessionStart input fields", capture("SessionStart"), [], "go", "SessionStart", {"source": "startup"}, same_input_keys("SessionStart")),
    ("Stop input fields", capture("Stop"), [], "go", "Stop", {}, same_input_keys("Stop")),
    ("SessionEnd input fields", capture("SessionEnd"), [], "go", "SessionEnd", {"reason": "other"}, same_input_keys("SessionEnd")),
    ("cwd is the project root, CLAUDE_PROJECT_DIR too, HOME passed",
     hooks("SessionStart", "{ pwd -P; cd \"$CLAUDE_PROJECT_DIR\" && pwd -P; echo \"$HOME\"; } > where.txt"), [], "go",
     "SessionStart", {}, same_place),
    # Claude Code: a failed tool's PostToolUseFailure exit 2 sends its stderr to the model beside the error result.
    ("PostToolUseFailure exit 2: feedback text", hooks("PostToolUseFailure", "echo fix-the-command >&2; exit 2", "Bash"), FAIL_CALL,
     "go", "PostToolUseFailure", FAIL_INPUT, feedback_in_texts),
    ("PostToolUseFailure input fields", capture("PostToolUseFailure"), FAIL_CALL, "go", "PostToolUseFailure", FAIL_INPUT,
     same_input_keys("PostToolUseFailure")),
    # Claude Code: UserPromptSubmit exit 2 erases the prompt; the model is never asked.
    ("UserPromptSubmit exit 2: prompt blocked, model not called", hooks("UserPromptSubmit", "echo no-prompts >&2; exit 2"), [], "go",
     "UserPromptSubmit", {"prompt": "go"},
     lambda v, oc: (not v["blocks"] and oc["blocked"] and not oc["feedback"], f"claude {len(v['blocks'])} blocks aura {oc['blocked']} {oc['feedback']!r}")),
    ("Stop exit 2: feedback text", hooks("Stop", "test -f stopped && exit 0; touch stopped; echo keep going >&2; exit 2"), [], "go",
     "Stop", {"stop_hook_active": False}, feedback_in_texts),
    # JSON on stdout is read on every exit status; on exit 2 a JSON deny or block replaces stderr as the text.
    ("PreToolUse exit 2 with a JSON deny: the JSON's reason", hooks("PreToolUse", json_cmd(DENY) + "; echo stderr-text >&2; exit 2", "Bash"),
     BASH_CALL, "go", "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == oc["reason"], f"claude {tool_result(v).get('content')!r} aura {oc['reason']!r}")),
    ("PreToolUse exit 2: the JSON's additionalContext reaches the model",
     hooks("PreToolUse", json_cmd({"hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": "ctx-marker"}}) +
           "; echo stderr-text >&2; exit 2", "Bash"), BASH_CALL, "go", "PreToolUse", PRE_INPUT,
     lambda v, oc: (context_in_texts(v, oc)[0] and tool_result(v).get("content") == oc["reason"], context_in_texts(v, oc)[1])),
    ("PostToolUse exit 2 with decision block: the JSON's reason",
     hooks("PostToolUse", json_cmd({"decision": "block", "reason": "json-reason"}) + "; echo lint-err >&2; exit 2", "Bash"), BASH_CALL,
     "go", "PostToolUse", POST_INPUT, feedback_in_texts),
    ("PreToolUse exit 1 with a JSON deny: denied", hooks("PreToolUse", json_cmd(DENY) + "; exit 1", "Bash"), BASH_CALL, "go",
     "PreToolUse", PRE_INPUT,
     lambda v, oc: (tool_result(v).get("content") == oc["reason"] and oc["decision"] == "deny",
                    f"claude {tool_result(v).get('content')!r} aura {oc['decision']!r} {oc['reason']!r}")),
    ("Stop exit 3 with decision block: feedback text",
     hooks("Stop", "test -f stopped && exit 0; touch stopped; " + json_cmd({"decision": "block", "reason": "run-tests"}) + "; exit 3"),
     [], "go", "Stop", {"stop_hook_active": False}, feedback_in_texts),
    # Two JSON objects on two lines: not one JSON document, so a failure; nothing of it reaches the model.
    ("UserPromptSubmit two JSON lines: nothing reaches the model",
     hooks("UserPromptSubmit", json_cmd({"hookSpecificOutput": {"hookEventName": "UserPromptSubmit", "additionalContext": "ctx-A"}}) +
           "; echo; " + json_cmd({"systemMessage": "sys-B"})), [], "go", "UserPromptSubmit", {"prompt": "go"},
     lambda v, oc: (not any("ctx-A" in t for t in texts(v)) and not oc["context"], f"claude {[t[-120:] for t in texts(v)[-2:]]!r} aura {oc['context']!r}")),
    # A blocked prompt's message repeats the prompt, unless suppressOriginalPrompt.
    ("UserPromptSubmit decision block: the message and the prompt", hooks("UserPromptSubmit", json_cmd({"decision": "block", "reason": "no"})),
     [], "go", "UserPromptSubmit", {"prompt": "go"}, user_sees),
    ("UserPromptSubmit suppressOriginalPrompt", hooks("UserPromptSubmit", json_cmd(dict(SUPPRESS, decision="block", reason="no"))),
     [], "go", "UserPromptSubmit", {"prompt": "go"}, user_sees),
    ("UserPromptSubmit exit 2: the message and the prompt", hooks("UserPromptSubmit", "echo no-prompts >&2; exit 2"), [], "go",
     "UserPromptSubmit", {"prompt": "go"}, user_sees),
    # A matcher with a tool's old name: "Task" selects the Agent tool (Claude Code's alias table).
    ("PreToolUse matcher Task selects Agent", hooks("PreToolUse", "echo no-agents >&2; exit 2", "Task"), AGENT_CALL, "go",
     "PreToolUse", AGENT_INPUT,
     lambda v, oc: (tool_result(v).get("content") == oc["reason"], f"claude {tool_result(v).get('content')!r} aura {oc['reason']!r}")),
    # SessionEnd runs as Claude Code exits: a failed hook is one line on its stderr.
    ("SessionEnd exit 1: the failure line", hooks("SessionEnd", "echo bye-err >&2; exit 1"), [], "go", "SessionEnd", {"reason": "other"},
     stderr_lines),
    ("SessionEnd exit 2 with a JSON block: its reason", hooks("SessionEnd", json_cmd({"decision": "block", "reason": "r-end"}) + "; exit 2"),
     [], "go", "SessionEnd", {"reason": "other"}, stderr_lines),
    ("SessionEnd exit 3 without stderr: nothing", hooks("SessionEnd", "exit 3"), [], "go", "SessionEnd", {"reason": "other"}, stderr_lines),
    ("SessionEnd timeout: Hook cancelled", hooks("SessionEnd", "sleep 5"), [], "go", "SessionEnd", {"reason": "other"}, stderr_lines),
    ("SessionStart resume input fields", capture("SessionStart"), [], RESUME, "SessionStart", {"source": "resume"},
     same_input_keys("SessionStart")),
    ("UserPromptSubmit exit 2 with suppressOriginalPrompt", hooks("UserPromptSubmit", json_cmd(SUPPRESS) + "; echo no-prompts >&2; exit 2"),
     [], "go", "UserPromptSubmit", {"prompt": "go"}, user_sees),
]


def find_claude(arg):
    for c in [arg, os.environ.get("CLAUDE_CODE_BIN"), shutil.which("claude")]:
        if c and os.path.exists(c):
            return c
    return None


def run_claude(claude, settings, script, prompt, work):
    proj = os.path.join(work, "claude-proj")
    os.makedirs(os.path.join(proj, ".claude"))
    os.makedirs(os.path.join(work, "home"))
    with open(os.path.join(proj, ".claude", "settings.json"), "w") as f:
        json.dump(settings, f)
    with open(os.path.join(work, "script.json"), "w") as f:
        json.dump(script, f)
    log, port_file = os.path.join(work, "log.jsonl"), os.path.join(work, "port")
    api = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_messages_api.py"), os.path.join(work, "script.json"), log, port_file])
    try:
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read():
                break
            time.sleep(0.05)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE"))}
        env.update(HOME=os.path.join(work, "home"), ANTHROPIC_BASE_URL="http://127.0.0.1:" + open(port_file).read(),
                   ANTHROPIC_API_KEY="sk-ant-offline", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_AUTOUPDATER="1")
        resume = []
        if isinstance(prompt, tuple):  # a first session, then the same one resumed
            first = subprocess.run([claude, "-p", prompt[0], "--output-format", "json"], cwd=proj, env=env,
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
            resume, prompt = ["--resume", json.loads(first.stdout)["session_id"]], prompt[0]
        run = subprocess.run([claude, "-p", prompt, "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash"] + resume,
                             cwd=proj, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        out = run.stdout
    finally:
        api.kill()
        api.wait()
    reqs = [json.loads(line) for line in open(log)] if os.path.exists(log) else []
    main = [r["body"] for r in reqs if r["body"].get("tools")]
    blocks = []
    for m in (main[-1]["messages"] if main else []):
        c = m.get("content")
        if isinstance(c, str):
            blocks.append({"type": "text", "text": c})
        elif isinstance(c, list):
            blocks.extend(b for b in c if isinstance(b, dict))
    # What the user is shown: the run's result line (a blocked prompt's message, ...).
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    result = next((e.get("result") for e in events if e.get("type") == "result"), None)
    return {"blocks": blocks, "proj": os.path.realpath(proj), "result": result, "stderr": run.stderr}


def run_aura(aura, settings, event, hook_input, work):
    proj = os.path.join(work, "aura-proj")
    os.makedirs(os.path.join(proj, ".claude"))
    with open(os.path.join(proj, ".claude", "settings.json"), "w") as f:
        json.dump(settings, f)
    r = subprocess.run([aura, "hooks", "run", event, "--input", json.dumps(hook_input), "--project", proj, "--no-user-settings",
                        "--managed-settings", os.path.join(work, "none.json"), "--json"], cwd=proj, capture_output=True, text=True, timeout=120)
    oc = json.loads(r.stdout)
    oc["_proj"] = os.path.realpath(proj)
    return oc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aura", required=True)
    ap.add_argument("--claude")
    ap.add_argument("--case", help="run only the cases whose name contains this text")
    a = ap.parse_args()
    a.aura = os.path.abspath(a.aura)  # the runs change directory
    claude = find_claude(a.claude)
    if not claude:
        print("skip: no Claude Code CLI (set CLAUDE_CODE_BIN; npm @anthropic-ai/claude-code@" + PINNED + ")")
        return 77
    version = subprocess.run([claude, "--version"], capture_output=True, text=True).stdout.split(" ")[0].strip()
    if version != PINNED:
        print(f"skip: Claude Code {version} found, these cases are pinned to {PINNED}")
        return 77
    failures = 0
    cases = [c for c in CASES if not a.case or a.case in c[0]]
    for name, settings, script, prompt, event, hook_input, check in cases:
        work = tempfile.mkdtemp(prefix="aura-ccdiff-")
        try:
            view = run_claude(claude, settings, script, prompt, work)
            oc = run_aura(a.aura, settings, event, hook_input, work)
            ok, detail = check(view, oc)
        except Exception as e:  # a case that cannot run is a failure, with its reason
            ok, detail = False, repr(e)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
        failures += not ok
    print(f"{len(cases)} cases, {failures} failed (Claude Code {version})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
