package plugin_test

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	plugin "aura.dev/plugin"
	"aura.dev/plugin/examples/guard"
)

// host drives Plugin.Run through pipes, as the aura host would.
type host struct {
	t      *testing.T
	in     *io.PipeWriter
	out    *bufio.Reader
	status chan int
}

func start(t *testing.T, p *plugin.Plugin) *host {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &host{t: t, in: inW, out: bufio.NewReader(outR), status: make(chan int, 1)}
	go func() { h.status <- p.Run(inR, outW); outW.Close() }()
	return h
}

func (h *host) send(v any) {
	h.t.Helper()
	if s, ok := v.(string); ok {
		if _, err := io.WriteString(h.in, s); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	b, _ := json.Marshal(v)
	if _, err := h.in.Write(append(b, '\n')); err != nil {
		h.t.Fatal(err)
	}
}

func (h *host) recv() map[string]any {
	h.t.Helper()
	line, err := h.out.ReadString('\n')
	if err != nil {
		h.t.Fatalf("the plugin closed its output: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		h.t.Fatalf("not JSON: %q", line)
	}
	return m
}

func (h *host) exit() int {
	h.t.Helper()
	select {
	case s := <-h.status:
		return s
	case <-time.After(5 * time.Second):
		h.t.Fatal("the plugin did not stop")
		return -1
	}
}

func event(id int, hook string, data any) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": id, "method": "event", "params": map[string]any{
		"aura": 1, "hook": hook, "config": map[string]any{"prefix": "P-"},
		"event": map[string]any{"id": "e", "name": "x", "time": "", "source": "", "session": "", "data": data, "meta": map[string]any{}}}}
}

var initialize = map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize",
	"params": map[string]any{"aura": 1, "sdk": "0.1.0", "plugin": "guard", "config": map[string]any{}}}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func expect(t *testing.T, got map[string]any, want string) {
	t.Helper()
	if jsonOf(got) != want {
		t.Fatalf("got  %s\nwant %s", jsonOf(got), want)
	}
}

func TestHandshakeEventsToolsCommandsShutdown(t *testing.T) {
	h := start(t, guard.Plugin())
	h.send(initialize)
	expect(t, h.recv(), `{"id":1,"jsonrpc":"2.0","result":{"aura":1,"hooks":["check","count","tag"],"sdk":"0.1.0"}}`)
	h.send(event(2, "check", map[string]any{"args": map[string]any{"command": "rm -rf /"}}))
	expect(t, h.recv(), `{"id":2,"jsonrpc":"2.0","result":{"decision":"deny","reason":"guard: rm -rf is not allowed"}}`)
	h.send(event(3, "tag", map[string]any{"summary": "x"}))
	expect(t, h.recv(), `{"id":3,"jsonrpc":"2.0","result":{"decision":"mutate","patch":{"summary":"P-0: x"},"patch_format":"merge"}}`)
	h.send(map[string]any{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": map[string]any{"name": "echo", "arguments": map[string]any{"text": "t"}}})
	expect(t, h.recv(), `{"id":4,"jsonrpc":"2.0","result":{"content":[{"text":"echo: t","type":"text"}],"isError":false}}`)
	h.send(map[string]any{"jsonrpc": "2.0", "id": 5, "method": "command", "params": map[string]any{"name": "hello", "args": "w"}})
	expect(t, h.recv(), `{"id":5,"jsonrpc":"2.0","result":{"output":"hello w"}}`)
	h.send(map[string]any{"jsonrpc": "2.0", "id": 6, "method": "frobnicate", "params": map[string]any{}})
	if e := h.recv()["error"].(map[string]any); e["code"].(float64) != -32601 {
		t.Fatalf("unknown method: %v", e)
	}
	h.send(event(7, "nope", nil))
	if e := h.recv()["error"].(map[string]any); e["code"].(float64) != -32602 || !strings.Contains(e["message"].(string), `no hook named "nope"`) {
		t.Fatalf("unknown hook: %v", e)
	}
	h.send(map[string]any{"jsonrpc": "2.0", "id": 8, "method": "shutdown", "params": map[string]any{}})
	expect(t, h.recv(), `{"id":8,"jsonrpc":"2.0","result":{}}`)
	if h.exit() != 0 {
		t.Fatal("exit status")
	}
}

func TestBlankCRLFGarbagePiecesHugeLinesAndHalfALine(t *testing.T) {
	h := start(t, guard.Plugin())
	h.send("\n\r\n   \n")
	b, _ := json.Marshal(initialize)
	h.send(string(b) + "\r\n")
	if h.recv()["id"].(float64) != 1 {
		t.Fatal("initialize after blank lines")
	}
	h.send("this is not json\n[1,2]\n")
	h.send(event(2, "check", map[string]any{"args": map[string]any{"command": "ls " + strings.Repeat("x", 20<<20)}}))
	expect(t, h.recv(), `{"id":2,"jsonrpc":"2.0","result":{"decision":"allow"}}`)
	raw, _ := json.Marshal(event(3, "check", map[string]any{"args": map[string]any{"command": "rm -rf x"}}))
	h.send(string(raw[:10]))
	h.send(string(raw[10:]) + "\n")
	if h.recv()["result"].(map[string]any)["decision"] != "deny" {
		t.Fatal("a message in pieces")
	}
	h.send(string(raw[:30]))
	h.in.Close()
	if h.exit() != 0 {
		t.Fatal("half a line then end of input: a clean exit")
	}
}

func TestHostCallsInOrderAndRefused(t *testing.T) {
	h := start(t, guard.Plugin())
	h.send(initialize)
	h.recv()
	h.send(event(2, "count", nil))
	get := h.recv()
	expect(t, map[string]any{"m": get["method"], "p": get["params"]}, `{"m":"host/storage/get","p":{"call":2,"key":"count"}}`)
	h.send(event(3, "check", map[string]any{"args": map[string]any{"command": "ls"}})) // kept, served after 2
	h.send(map[string]any{"jsonrpc": "2.0", "id": "stale", "result": map[string]any{}})
	h.send(map[string]any{"jsonrpc": "2.0", "id": get["id"], "result": map[string]any{"value": "41"}})
	set := h.recv()
	expect(t, set["params"].(map[string]any), `{"call":2,"key":"count","value":"42"}`)
	h.send(map[string]any{"jsonrpc": "2.0", "id": set["id"], "error": map[string]any{"code": -32001, "message": "plugin guard may not write storage"}})
	answer := h.recv()
	e := answer["error"].(map[string]any)
	if answer["id"].(float64) != 2 || e["code"].(float64) != -32001 || !strings.Contains(e["message"].(string), "may not write storage") {
		t.Fatalf("refusal: %v", answer)
	}
	expect(t, h.recv(), `{"id":3,"jsonrpc":"2.0","result":{"decision":"allow"}}`)
	h.send(event(4, "count", nil))
	if h.recv()["method"] != "host/storage/get" {
		t.Fatal("a host call")
	}
	h.in.Close() // end of input while a host call waits
	if h.exit() != 0 {
		t.Fatal("exit status")
	}
}

func TestShutdownWithinTheGraceAndVersionRules(t *testing.T) {
	p := plugin.New("slow").Hook("h", func(*plugin.Context, plugin.Event) (plugin.Decision, error) { return plugin.Allow(), nil })
	p.OnShutdown(func() { time.Sleep(30 * time.Second) })
	h := start(t, p)
	h.send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{"aura": 2}})
	if m := h.recv()["error"].(map[string]any)["message"].(string); !strings.Contains(m, "protocol 1, the host 2") {
		t.Fatal(m)
	}
	h.send(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": map[string]any{"aura": 1, "sdk": "0.2.0"}})
	if m := h.recv()["error"].(map[string]any)["message"].(string); !strings.Contains(m, "version_mismatch: the plugin is written for SDK 0.1.0 (~0.1.0), the host is 0.2.0") {
		t.Fatal(m)
	}
	h.send(initialize)
	h.recv()
	began := time.Now()
	h.send(map[string]any{"jsonrpc": "2.0", "id": 9, "method": "shutdown", "params": map[string]any{}})
	expect(t, h.recv(), `{"id":9,"jsonrpc":"2.0","result":{}}`)
	if h.exit() != 0 || time.Since(began) > time.Second {
		t.Fatalf("shutdown took %v (the unload grace is 1 s)", time.Since(began))
	}
	for _, c := range []struct {
		host, plugin string
		ok           bool
	}{{"0.1.0", "0.1.0", true}, {"0.1.5", "0.1.2", true}, {"0.1.0", "0.1.1", false}, {"0.2.0", "0.1.0", false},
		{"1.1.0", "0.1.0", false}, {"0.1.0-rc1", "0.1.0+build", true}} {
		if err := plugin.CheckHostVersion(c.host, c.plugin); (err == nil) != c.ok {
			t.Errorf("host %s plugin %s: %v", c.host, c.plugin, err)
		}
	}
	if _, err := plugin.ParseVersion("1.x.0"); err == nil || !strings.Contains(err.Error(), `part 2 ("x")`) {
		t.Errorf("ParseVersion: %v", err)
	}
}

func TestDecisions(t *testing.T) {
	if err := plugin.JSONPatch(plugin.PatchOp{Op: "frob", Path: "/a"}).Validate(); err == nil || !strings.Contains(err.Error(), `/patch/0: "op" must be`) {
		t.Errorf("bad op: %v", err)
	}
	if err := plugin.JSONPatch(plugin.PatchOp{Op: "move", Path: "/a"}).Validate(); err == nil || !strings.Contains(err.Error(), "needs a \"from\"") {
		t.Errorf("move without from: %v", err)
	}
	d := plugin.JSONPatch(plugin.PatchOp{Op: "replace", Path: "/a", Value: nil}).WithEffect("k", []any{1}).WithEffect("k", []any{2})
	if got := jsonOf(d.Wire()); got != `{"decision":"mutate","effects":{"k":[1,2]},"patch":[{"op":"replace","path":"/a","value":null}],"patch_format":"json_patch"}` {
		t.Errorf("wire: %s", got)
	}
	got := plugin.MergePatch(map[string]any{"a": "b", "c": map[string]any{"d": "e", "f": "g"}}, map[string]any{"a": "z", "c": map[string]any{"f": nil}})
	if jsonOf(got) != `{"a":"z","c":{"d":"e"}}` {
		t.Errorf("merge patch: %s", jsonOf(got))
	}
}

// A task's env (idelchi/aura) arrives as params.task_env and is in the
// process environment when the hook or tool runs.
func TestTaskEnvIsSetBeforeTheHandler(t *testing.T) {
	t.Setenv("AURA_SDK_TASK_LEVEL", "startup")
	p := plugin.New("gotify").
		Hook("before", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
			return plugin.Deny("level=" + os.Getenv("AURA_SDK_TASK_LEVEL")), nil
		}).
		Tool("Gotify", func(ctx *plugin.Context, args json.RawMessage) (any, error) {
			return "level=" + os.Getenv("AURA_SDK_TASK_LEVEL"), nil
		})
	h := start(t, p)
	h.send(initialize)
	h.recv()
	h.send(event(2, "before", nil))
	expect(t, h.recv(), `{"id":2,"jsonrpc":"2.0","result":{"decision":"deny","reason":"level=startup"}}`)
	ev := event(3, "before", nil)
	ev["params"].(map[string]any)["task_env"] = map[string]any{"AURA_SDK_TASK_LEVEL": "ERROR", "BAD=NAME": "x"}
	h.send(ev)
	expect(t, h.recv(), `{"id":3,"jsonrpc":"2.0","result":{"decision":"deny","reason":"level=ERROR"}}`)
	h.send(map[string]any{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": map[string]any{
		"name": "Gotify", "arguments": map[string]any{}, "task_env": map[string]any{"AURA_SDK_TASK_LEVEL": "DEBUG"}}})
	expect(t, h.recv(), `{"id":4,"jsonrpc":"2.0","result":{"content":[{"text":"level=DEBUG","type":"text"}],"isError":false}}`)
	h.send(map[string]any{"jsonrpc": "2.0", "id": 5, "method": "shutdown", "params": map[string]any{}})
	h.recv()
	h.exit()
}
