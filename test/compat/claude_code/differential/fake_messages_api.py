#!/usr/bin/env python3
"""A scripted stand-in for the Messages API on 127.0.0.1, for running the real
Claude Code CLI offline (ANTHROPIC_BASE_URL). Usage:
    fake_messages_api.py SCRIPT.json LOG.jsonl PORT_FILE
SCRIPT.json is a list of tool calls, [{"name": "Bash", "input": {...}}, ...]:
the n-th request of the main conversation that already holds n tool results
gets the n-th call; once the script is done, or for a request without tools,
the answer is the text "done". Every request body is appended to LOG.jsonl.
"""
import json
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPT = json.load(open(sys.argv[1]))
LOG = sys.argv[2]


def count_tool_results(messages):
    n = 0
    for m in messages:
        if m.get("role") == "user" and isinstance(m.get("content"), list):
            n += sum(1 for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_result")
    return n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.send_json(200, {})

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", "0") or 0))
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            req = {}
        with open(LOG, "a") as f:
            f.write(json.dumps({"path": self.path, "body": req}) + "\n")
        if not self.path.startswith("/v1/messages") or "count_tokens" in self.path:
            self.send_json(200, {"input_tokens": 10})
            return
        n = count_tool_results(req.get("messages", []))
        if req.get("tools") and n < len(SCRIPT):
            call = SCRIPT[n]
            block = {"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:20], "name": call["name"], "input": call["input"]}
            stop = "tool_use"
        else:
            block = {"type": "text", "text": "done"}
            stop = "end_turn"
        model = req.get("model", "claude-sonnet-4-5")
        msg = {"id": "msg_" + uuid.uuid4().hex[:20], "type": "message", "role": "assistant", "model": model,
               "content": [block], "stop_reason": stop, "stop_sequence": None,
               "usage": {"input_tokens": 10, "output_tokens": 5}}
        if not req.get("stream"):
            self.send_json(200, msg)
            return
        events = []
        start = dict(msg, content=[], stop_reason=None)
        events.append(("message_start", {"type": "message_start", "message": start}))
        if block["type"] == "text":
            events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}))
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": block["text"]}}))
        else:
            events.append(("content_block_start", {"type": "content_block_start", "index": 0,
                                                   "content_block": {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}}))
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                         "usage": {"output_tokens": 5}}))
        events.append(("message_stop", {"type": "message_stop"}))
        body = "".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[3], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
