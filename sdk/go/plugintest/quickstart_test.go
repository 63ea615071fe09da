// The docs' harness example (docs/sdks.md): the example plugin with mocked host services.
package plugintest_test

import (
	"testing"

	"aura.dev/plugin/examples/guard"
	"aura.dev/plugin/plugintest"
)

func TestQuickstart(t *testing.T) {
	h := plugintest.New(guard.Plugin())
	denied, err := h.RunHook("check", h.SynthEvent("tool.before_execution",
		map[string]any{"args": map[string]any{"command": "rm -rf /"}}))
	if err != nil || denied.Reason != "guard: rm -rf is not allowed" {
		t.Fatalf("check: %+v %v", denied, err)
	}
	h.Storage["count"] = "41"
	counted, err := h.RunHook("count", h.SynthEvent("demo.count", nil))
	if err != nil || h.Storage["count"] != "42" || h.Logs[0] != [2]string{"info", "call 42"} {
		t.Fatalf("count: %v storage %v logs %v", err, h.Storage, h.Logs)
	}
	if got := jsonOf(counted.Effects); got != `{"inject_message":[{"content":"seen 42 times","role":"system"}]}` {
		t.Fatalf("effects: %s", got)
	}
}
