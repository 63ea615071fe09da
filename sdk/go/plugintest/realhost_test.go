package plugintest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"aura.dev/plugin/plugintest"
)

// The example plugin, built with `go build`, under the real aura host; AURA names the binary.
func TestTheSameDecisionsUnderTheRealHost(t *testing.T) {
	aura := os.Getenv("AURA")
	if aura == "" {
		t.Skip("AURA does not name the aura binary")
	}
	dir := t.TempDir()
	pluginDir := filepath.Join(dir, "plugins", "guard")
	if err := os.MkdirAll(pluginDir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join("..", "examples", "guard", "aura-plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pluginDir, "aura-plugin.json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(pluginDir, "guard"), "aura.dev/plugin/examples/guard/cmd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "HOME="+dir)
	run := func(event string, data any) map[string]any {
		t.Helper()
		out, err := plugintest.DispatchWithAura(aura, filepath.Join(dir, "plugins"), event, data, env,
			"--state-dir", filepath.Join(dir, "state"), "--session", "t")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	denied := run("tool.before_execution", map[string]any{"tool": "bash", "args": map[string]any{"command": "rm -rf /"}})
	if denied["verdict"] != "deny" || denied["reason"] != "guard: rm -rf is not allowed" {
		t.Fatalf("rm -rf: %v", denied)
	}
	if out := run("tool.before_execution", map[string]any{"tool": "bash", "args": map[string]any{"command": "ls"}}); out["verdict"] != "allow" {
		t.Fatalf("ls: %v", out)
	}
	if out := run("intent.before_log", map[string]any{"summary": "fix"}); out["data"].(map[string]any)["summary"] != "OPS-0: fix" {
		t.Fatalf("tag: %v", out)
	}
	for _, want := range []string{"seen 1 times", "seen 2 times"} {
		if out := run("demo.count", map[string]any{}); !strings.Contains(jsonOf(out["effects"]), want) {
			t.Fatalf("count: want %q in %v", want, out)
		}
	}
}
