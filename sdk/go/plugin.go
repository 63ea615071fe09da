// Package plugin writes aura process plugins in Go: hooks, tools and commands
// registered by name, typed decisions, host calls, and the JSON-RPC loop of
// docs/protocol.md. Package plugintest is its test harness.
package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// Event is one event as the host sends it.
type Event struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Time    string          `json:"time"`
	Source  string          `json:"source"`
	Session string          `json:"session"`
	Data    json.RawMessage `json:"data"`
	Meta    map[string]any  `json:"meta"`
}

// Decode reads the event's data into v.
func (e Event) Decode(v any) error {
	if len(e.Data) == 0 {
		return json.Unmarshal([]byte("null"), v)
	}
	return json.Unmarshal(e.Data, v)
}

// Map is the data as a generic object (empty when it is not one).
func (e Event) Map() map[string]any {
	var m map[string]any
	if e.Decode(&m) != nil || m == nil {
		return map[string]any{}
	}
	return m
}

type (
	HookFunc    func(ctx *Context, ev Event) (Decision, error)
	ToolFunc    func(ctx *Context, args json.RawMessage) (any, error)
	CommandFunc func(ctx *Context, args json.RawMessage) (any, error)
)

// Plugin is the registry of a plugin's handlers.
type Plugin struct {
	Name     string
	SDK      string
	Config   map[string]any
	hooks    map[string]HookFunc
	tools    map[string]ToolFunc
	commands map[string]CommandFunc
	shutdown []func()
	// Grace is how long shutdown handlers may take (the host's unload grace is 1 s).
	Grace time.Duration
}

// New makes an empty plugin.
func New(name string) *Plugin {
	return &Plugin{Name: name, SDK: SDKVersion, Config: map[string]any{}, hooks: map[string]HookFunc{},
		tools: map[string]ToolFunc{}, commands: map[string]CommandFunc{}, Grace: 800 * time.Millisecond}
}

func register[F any](table map[string]F, kind, name string, fn F) {
	if name == "" {
		panic(fmt.Sprintf("aura plugin: a %s name must not be empty", kind))
	}
	if _, dup := table[name]; dup {
		panic(fmt.Sprintf("aura plugin: %s %q is registered twice", kind, name))
	}
	table[name] = fn
}

// Hook registers the handler the manifest names `name`.
func (p *Plugin) Hook(name string, fn HookFunc) *Plugin {
	register(p.hooks, "hook", name, fn)
	return p
}

// Tool registers an MCP tool: the result is a string (text), an MCP result, or any JSON.
func (p *Plugin) Tool(name string, fn ToolFunc) *Plugin {
	register(p.tools, "tool", name, fn)
	return p
}

// Command registers a command: the result is a string (the output) or any JSON.
func (p *Plugin) Command(name string, fn CommandFunc) *Plugin {
	register(p.commands, "command", name, fn)
	return p
}

// OnShutdown runs fn when the host unloads the plugin (within Grace).
func (p *Plugin) OnShutdown(fn func()) *Plugin { p.shutdown = append(p.shutdown, fn); return p }

func names[F any](table map[string]F) []string {
	out := make([]string, 0, len(table))
	for k := range table {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func list[F any](table map[string]F) string {
	if len(table) == 0 {
		return "none"
	}
	return strings.Join(names(table), ", ")
}

// InitializeResult is the handshake's answer.
func (p *Plugin) InitializeResult() map[string]any {
	return map[string]any{"aura": ProtocolVersion, "sdk": p.SDK, "hooks": names(p.hooks)}
}

// Invocation is how one handler call reaches the host.
type Invocation struct {
	Call   HostCall
	Config map[string]any
	Clock  func() time.Time
}

func (p *Plugin) context(inv Invocation) *Context {
	cfg := inv.Config
	if cfg == nil {
		cfg = p.Config
	}
	return NewContext(p.Name, cfg, inv.Call, inv.Clock)
}

// guard turns a handler's error or panic into the answer the host gets.
func guard[T any](what string, run func() (T, error)) (out T, herr *HandlerError) {
	defer func() {
		if r := recover(); r != nil {
			herr = handlerError(CodeHostServiceFailed, "%s panicked: %v", what, r)
		}
	}()
	v, err := run()
	if err == nil {
		return v, nil
	}
	var he *HandlerError
	if errors.As(err, &he) {
		return v, he
	}
	var host *HostError
	if errors.As(err, &host) {
		e := handlerError(host.Code, "%s: %v", what, err)
		e.Data = map[string]any{"method": host.Method, "host_code": host.Code}
		return v, e
	}
	return v, handlerError(CodeHostServiceFailed, "%s failed: %v", what, err)
}

// RunHook runs hook `hook` for ev.
func (p *Plugin) RunHook(hook string, ev Event, inv Invocation) (Decision, *HandlerError) {
	fn, ok := p.hooks[hook]
	if !ok {
		return Decision{}, handlerError(CodeInvalidParams, "no hook named %q (this plugin has: %s)", hook, list(p.hooks))
	}
	ctx := p.context(inv)
	d, herr := guard("hook "+hook, func() (Decision, error) { return fn(ctx, ev) })
	if herr != nil {
		return d, herr
	}
	if d.Kind == "" {
		d.Kind = KindAllow // the zero Decision allows
	}
	if err := d.Validate(); err != nil {
		return d, handlerError(CodeInternalError, "hook %s: %v", hook, err)
	}
	return d, nil
}

// CallTool runs tool `name`.
func (p *Plugin) CallTool(name string, args json.RawMessage, inv Invocation) (any, *HandlerError) {
	fn, ok := p.tools[name]
	if !ok {
		return nil, handlerError(CodeInvalidParams, "no tool named %q (this plugin has: %s)", name, list(p.tools))
	}
	ctx := p.context(inv)
	r, herr := guard("tool "+name, func() (any, error) { return fn(ctx, args) })
	if s, ok := r.(string); ok && herr == nil {
		return map[string]any{"content": []any{map[string]any{"type": "text", "text": s}}, "isError": false}, nil
	}
	return r, herr
}

// RunCommand runs command `name`.
func (p *Plugin) RunCommand(name string, args json.RawMessage, inv Invocation) (any, *HandlerError) {
	fn, ok := p.commands[name]
	if !ok {
		return nil, handlerError(CodeInvalidParams, "no command named %q (this plugin has: %s)", name, list(p.commands))
	}
	ctx := p.context(inv)
	r, herr := guard("command "+name, func() (any, error) { return fn(ctx, args) })
	if s, ok := r.(string); ok && herr == nil {
		return map[string]any{"output": s}, nil
	}
	return r, herr
}

// Shutdown runs the shutdown handlers within `grace`; a handler that overruns is left behind.
func (p *Plugin) Shutdown(grace time.Duration) {
	deadline := time.Now().Add(grace)
	for _, fn := range p.shutdown {
		left := time.Until(deadline)
		if left <= 0 {
			fmt.Fprintln(os.Stderr, "aura plugin: shutdown grace spent; a handler was skipped")
			continue
		}
		done := make(chan struct{})
		go func(fn func()) {
			defer close(done)
			defer func() {
				if r := recover(); r != nil {
					fmt.Fprintln(os.Stderr, "aura plugin: a shutdown handler panicked:", r)
				}
			}()
			fn()
		}(fn)
		select {
		case <-done:
		case <-time.After(left):
			fmt.Fprintln(os.Stderr, "aura plugin: a shutdown handler overran the grace time")
		}
	}
}

// Main serves the host over stdin/stdout and exits with the status.
func (p *Plugin) Main() { os.Exit(p.Run(os.Stdin, os.Stdout)) }
