// Package guard denies rm -rf, tags summaries, counts calls in storage, serves a tool and a command.
package guard

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	plugin "aura.dev/plugin"
)

// Plugin is the example's registry (the tests drive it through plugintest).
func Plugin() *plugin.Plugin {
	return plugin.New("guard").
		Hook("check", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
			var data struct {
				Args struct {
					Command string `json:"command"`
				} `json:"args"`
			}
			if err := ev.Decode(&data); err != nil {
				return plugin.Decision{}, fmt.Errorf("event data: %w", err)
			}
			if strings.Contains(data.Args.Command, "rm -rf") {
				return plugin.Deny("guard: rm -rf is not allowed"), nil
			}
			return plugin.Allow(), nil
		}).
		Hook("tag", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
			prefix, ok := ctx.Config["prefix"].(string)
			if !ok {
				prefix = "OPS-"
			}
			summary, _ := ev.Map()["summary"].(string)
			if strings.HasPrefix(summary, prefix) {
				return plugin.Decision{}, nil // the zero Decision allows
			}
			return plugin.Mutate(map[string]any{"summary": prefix + "0: " + summary}), nil
		}).
		Hook("count", func(ctx *plugin.Context, ev plugin.Event) (plugin.Decision, error) {
			old, _, err := ctx.StorageGet("count")
			if err != nil {
				return plugin.Decision{}, err
			}
			n, _ := strconv.Atoi(old)
			n++
			if err := ctx.StorageSet("count", strconv.Itoa(n)); err != nil {
				return plugin.Decision{}, err
			}
			if err := ctx.Log("info", fmt.Sprintf("call %d", n)); err != nil {
				return plugin.Decision{}, err
			}
			return plugin.Allow().InjectMessage("system", fmt.Sprintf("seen %d times", n)), nil
		}).
		Tool("echo", func(ctx *plugin.Context, args json.RawMessage) (any, error) {
			var a struct {
				Text string `json:"text"`
			}
			_ = json.Unmarshal(args, &a)
			return "echo: " + a.Text, nil
		}).
		Command("hello", func(ctx *plugin.Context, args json.RawMessage) (any, error) {
			var s string
			if json.Unmarshal(args, &s) != nil {
				s = string(args)
			}
			return "hello " + s, nil
		})
}
