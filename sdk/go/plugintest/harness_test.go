package plugintest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	plugin "aura.dev/plugin"
	"aura.dev/plugin/examples/guard"
	"aura.dev/plugin/plugintest"
)

// helpers: dec(h.RunHook(...)) and val(h.CallTool(...)) fail the test on an error.
func helpers(t *testing.T) (func(plugin.Decision, error) plugin.Decision, func(any, error) any) {
	return func(d plugin.Decision, err error) plugin.Decision {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return d
		}, func(v any, err error) any {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
}

func TestTheExampleDecides(t *testing.T) {
	dec, val := helpers(t)
	_, _ = dec, val
	h := plugintest.New(guard.Plugin())
	h.Config["prefix"] = "T-"
	d := dec(h.RunHook("check", h.SynthEvent("tool.before_execution", map[string]any{"args": map[string]any{"command": "rm -rf /"}})))
	if d.Kind != plugin.KindDeny || d.Reason != "guard: rm -rf is not allowed" {
		t.Fatalf("rm -rf: %+v", d)
	}
	d = dec(h.RunHook("check", h.SynthEvent("tool.before_execution", map[string]any{"args": map[string]any{"command": "ls"}})))
	if d.Kind != plugin.KindAllow {
		t.Fatalf("ls: %+v", d)
	}
	d = dec(h.RunHook("tag", h.SynthEvent("intent.before_log", map[string]any{"summary": "fix"})))
	after := val(d.Apply(map[string]any{"summary": "fix", "n": 1}))
	if !reflect.DeepEqual(after, map[string]any{"summary": "T-0: fix", "n": float64(1)}) {
		t.Fatalf("tag: %v", after)
	}
	if d := dec(h.RunHook("tag", h.SynthEvent("intent.before_log", map[string]any{"summary": "T-1"}))); d.Kind != plugin.KindAllow {
		t.Fatalf("the zero Decision allows: %+v", d)
	}
}

func TestStorageLogAndEffects(t *testing.T) {
	dec, val := helpers(t)
	_, _ = dec, val
	h := plugintest.New(guard.Plugin())
	h.Storage["count"] = "4"
	d := dec(h.RunHook("count", h.SynthEvent("demo.count", nil)))
	if h.Storage["count"] != "5" || !reflect.DeepEqual(h.Logs, [][2]string{{"info", "call 5"}}) {
		t.Fatalf("storage %v logs %v", h.Storage, h.Logs)
	}
	wire, _ := json.Marshal(d.Wire())
	if string(wire) != `{"decision":"allow","effects":{"inject_message":[{"content":"seen 5 times","role":"system"}]}}` {
		t.Fatalf("wire: %s", wire)
	}
	var methods []string
	for _, c := range h.Calls {
		methods = append(methods, c.Method)
	}
	if strings.Join(methods, ",") != "host/storage/get,host/storage/set,host/log" {
		t.Fatalf("calls: %v", methods)
	}
}

func TestPermissionErrorsAreGoErrors(t *testing.T) {
	dec, val := helpers(t)
	_, _ = dec, val
	h := plugintest.New(guard.Plugin())
	h.StorageMode = "read_only"
	_, err := h.RunHook("count", h.SynthEvent("demo.count", nil))
	var herr *plugin.HandlerError
	if !errors.As(err, &herr) || herr.Code != plugin.CodePermissionDenied || !strings.Contains(herr.Message, "write storage") {
		t.Fatalf("read-only storage: %v", err)
	}
	var seen error
	p := plugin.New("t").Hook("h", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
		if seen = ctx.Log("info", "x"); seen != nil {
			return plugin.Deny("no log"), nil
		}
		return plugin.Allow(), nil
	})
	h = plugintest.New(p)
	h.Grants["log"] = false
	if d := dec(h.RunHook("h", h.SynthEvent("e", nil))); d.Reason != "no log" {
		t.Fatalf("%+v", d)
	}
	var host *plugin.HostError
	if !errors.Is(seen, plugin.ErrPermissionDenied) || !errors.As(seen, &host) || host.Method != "host/log" {
		t.Fatalf("log refused: %#v", seen)
	}
}

func TestMockHTTPNetworkAndClock(t *testing.T) {
	dec, val := helpers(t)
	_, _ = dec, val
	p := plugin.New("net").Hook("h", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
		id, _ := ev.Map()["t"].(string)
		r, err := ctx.Get("https://api.example.org/t/" + id)
		if err != nil {
			return plugin.Decision{}, err
		}
		if !r.OK() {
			return plugin.Deny("ticket " + id + ": " + r.Body), nil
		}
		if _, err := ctx.PostJSON("https://api.example.org/seen", map[string]string{"at": ctx.Now().Format(time.RFC3339)}); err != nil {
			return plugin.Decision{}, err
		}
		var body struct{ Open bool }
		if err := r.JSON(&body); err != nil || !body.Open {
			return plugin.Deny("closed"), nil
		}
		return plugin.Allow(), nil
	})
	h := plugintest.New(p)
	h.Network = []string{"api.example.org"}
	h.Time = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	h.HTTP.Route("GET", "https://api.example.org/t/1", plugintest.Answer{Body: `{"Open":true}`})
	h.HTTP.Route("GET", "https://api.example.org/t/2", plugintest.Answer{Status: 404, Body: "gone"})
	h.HTTP.Route("POST", "https://api.example.org/*", plugintest.Answer{Body: "{}"})
	if d := dec(h.RunHook("h", h.SynthEvent("e", map[string]string{"t": "1"}))); d.Kind != plugin.KindAllow {
		t.Fatalf("%+v", d)
	}
	if h.HTTP.Requests[1].Body != `{"at":"2026-05-01T10:00:00Z"}` || h.HTTP.Requests[1].Headers["content-type"] != "application/json" {
		t.Fatalf("post: %+v", h.HTTP.Requests[1])
	}
	if d := dec(h.RunHook("h", h.SynthEvent("e", map[string]string{"t": "2"}))); d.Reason != "ticket 2: gone" {
		t.Fatalf("%+v", d)
	}
	if _, err := h.RunHook("h", h.SynthEvent("e", map[string]string{"t": "3"})); err == nil ||
		!strings.Contains(err.Error(), "no mocked route for GET https://api.example.org/t/3") {
		t.Fatalf("unrouted: %v", err)
	}
	h.Network = []string{"other.example.org"}
	if _, err := h.RunHook("h", h.SynthEvent("e", map[string]string{"t": "1"})); err == nil || !strings.Contains(err.Error(), "reach api.example.org") {
		t.Fatalf("network: %v", err)
	}
	h.Advance(90 * time.Second)
	if ev := h.SynthEvent("x", nil); ev.Time != "2026-05-01T10:01:30.000Z" {
		t.Fatalf("clock: %s", ev.Time)
	}
}

func TestHostAPIAndFailures(t *testing.T) {
	dec, val := helpers(t)
	_, _ = dec, val
	p := plugin.New("api").
		Hook("h", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
			r, err := ctx.Call("intents/read", map[string]any{"n": 1})
			if err != nil {
				return plugin.Decision{}, err
			}
			return plugin.Deny(r["text"].(string)), nil
		}).
		Hook("boom", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) { panic("bad") }).
		Hook("empty", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) { return plugin.Deny(""), nil })
	h := plugintest.New(p)
	if _, err := h.RunHook("h", h.SynthEvent("e", nil)); err == nil || !strings.Contains(err.Error(), "no method host/intents/read") {
		t.Fatalf("unknown method: %v", err)
	}
	h.API["intents/read"] = func(params map[string]any) (map[string]any, error) {
		return map[string]any{"text": "n=" + fmt.Sprint(params["n"])}, nil
	}
	if _, err := h.RunHook("h", h.SynthEvent("e", nil)); err == nil || !strings.Contains(err.Error(), "call intents/read") {
		t.Fatalf("ungranted: %v", err)
	}
	h.Grants["intents/read"] = true
	if d := dec(h.RunHook("h", h.SynthEvent("e", nil))); d.Reason != "n=1" {
		t.Fatalf("%+v", d)
	}
	if _, err := h.RunHook("boom", h.SynthEvent("e", nil)); err == nil || !strings.Contains(err.Error(), "hook boom panicked: bad") {
		t.Fatalf("panic: %v", err)
	}
	if _, err := h.RunHook("empty", h.SynthEvent("e", nil)); err == nil || !strings.Contains(err.Error(), "hook empty: /reason") {
		t.Fatalf("empty reason: %v", err)
	}
	if _, err := h.RunHook("nope", h.SynthEvent("e", nil)); err == nil || !strings.Contains(err.Error(), `no hook named "nope" (this plugin has: boom, empty, h)`) {
		t.Fatalf("unknown hook: %v", err)
	}
}

func TestToolsAndCommands(t *testing.T) {
	dec, val := helpers(t)
	_, _ = dec, val
	h := plugintest.New(guard.Plugin())
	r := val(h.CallTool("echo", map[string]string{"text": "hi"}))
	if b, _ := json.Marshal(r); string(b) != `{"content":[{"text":"echo: hi","type":"text"}],"isError":false}` {
		t.Fatalf("tool: %s", b)
	}
	r = val(h.RunCommand("hello", "x"))
	if !reflect.DeepEqual(r, map[string]any{"output": "hello x"}) {
		t.Fatalf("command: %v", r)
	}
	if _, err := h.CallTool("nope", nil); err == nil || !strings.Contains(err.Error(), `no tool named "nope" (this plugin has: echo)`) {
		t.Fatalf("%v", err)
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }
