// Package plugintest runs a plugin's handlers with no host, against mocked
// host services, and runs a plugin directory under the real aura host.
package plugintest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	plugin "aura.dev/plugin"
)

// RecordedRequest is one request the plugin sent through host/http.
type RecordedRequest struct {
	Method, URL, Body string
	Headers           map[string]any
}

// Answer is a mocked HTTP response.
type Answer struct {
	Status  int
	Body    string
	Headers map[string]string
}

type route struct {
	method, url string
	answer      func(RecordedRequest) Answer
}

// MockHTTP answers host/http from routes and records every request.
type MockHTTP struct {
	Requests []RecordedRequest
	routes   []route
}

// Route answers METHOD URL (a path.Match glob; method "*" for any) with a fixed answer.
func (m *MockHTTP) Route(method, urlGlob string, a Answer) {
	m.RouteFunc(method, urlGlob, func(RecordedRequest) Answer { return a })
}

// RouteFunc answers with a function of the request.
func (m *MockHTTP) RouteFunc(method, urlGlob string, fn func(RecordedRequest) Answer) {
	m.routes = append(m.routes, route{strings.ToUpper(method), urlGlob, fn})
}

func glob(pattern, s string) bool {
	// path.Match's * stops at '/': a URL glob's * matches anything.
	ok, _ := path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(s, "/", "\x00"))
	return ok
}

func (m *MockHTTP) serve(params map[string]any) (map[string]any, error) {
	req := RecordedRequest{Method: "GET", Headers: map[string]any{}}
	if s, ok := params["method"].(string); ok {
		req.Method = strings.ToUpper(s)
	}
	req.URL, _ = params["url"].(string)
	req.Body, _ = params["body"].(string)
	switch h := params["headers"].(type) {
	case map[string]string:
		for k, v := range h {
			req.Headers[k] = v
		}
	case map[string]any:
		req.Headers = h
	}
	m.Requests = append(m.Requests, req)
	for _, r := range m.routes {
		if (r.method == "*" || r.method == req.Method) && glob(r.url, req.URL) {
			a := r.answer(req)
			if a.Status == 0 {
				a.Status = 200
			}
			headers := map[string]any{}
			for k, v := range a.Headers {
				headers[k] = v
			}
			return map[string]any{"status": a.Status, "body": a.Body, "headers": headers}, nil
		}
	}
	return nil, plugin.NewHostError("host/http", plugin.WireError{Code: plugin.CodeHostServiceFailed,
		Message: fmt.Sprintf("no mocked route for %s %s", req.Method, req.URL), Data: map[string]any{"code": "io_error"}})
}

// Call is one host call the plugin made.
type Call struct {
	Method string
	Params map[string]any
}

// Harness is a mock host for one plugin.
type Harness struct {
	Plugin      *plugin.Plugin
	Config      map[string]any
	Storage     map[string]string
	HTTP        *MockHTTP
	Logs        [][2]string // level, message
	Calls       []Call
	API         map[string]func(params map[string]any) (map[string]any, error)
	Grants      map[string]bool // call_api scopes: log, storage, http, and API method names
	StorageMode string          // "read_write", "read_only" or "none"
	Network     []string        // host globs host/http may reach; nil: any
	Time        time.Time
	events      int
}

// New makes a harness granting log, storage and http, read-write storage, any network, at 2026-01-01T00:00:00Z.
func New(p *plugin.Plugin) *Harness {
	return &Harness{Plugin: p, Config: map[string]any{}, Storage: map[string]string{}, HTTP: &MockHTTP{},
		API:         map[string]func(map[string]any) (map[string]any, error){},
		Grants:      map[string]bool{"log": true, "storage": true, "http": true, "config": true, "clock": true},
		StorageMode: "read_write", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Advance moves the clock.
func (h *Harness) Advance(d time.Duration) { h.Time = h.Time.Add(d) }

func (h *Harness) refuse(method, what string) error {
	name := h.Plugin.Name
	if name == "" {
		name = "(test)"
	}
	return plugin.NewHostError(method, plugin.WireError{Code: plugin.CodePermissionDenied,
		Message: fmt.Sprintf("plugin %s may not %s", name, what)})
}

// HostCall is the mock host's answer to one host call.
func (h *Harness) HostCall(method string, params map[string]any) (map[string]any, error) {
	h.Calls = append(h.Calls, Call{method, params})
	name := strings.TrimPrefix(method, "host/")
	switch {
	case name == "log":
		if !h.Grants["log"] {
			return nil, h.refuse(method, `log (call_api lacks "log")`)
		}
		level, _ := params["level"].(string)
		if level == "" {
			level = "info"
		}
		msg, _ := params["message"].(string)
		h.Logs = append(h.Logs, [2]string{level, msg})
		return map[string]any{}, nil
	case strings.HasPrefix(name, "storage/"):
		if !h.Grants["storage"] || h.StorageMode == "none" {
			return nil, h.refuse(method, "use storage")
		}
		key, ok := params["key"].(string)
		if !ok {
			return nil, plugin.NewHostError(method, plugin.WireError{Code: plugin.CodeInvalidParams, Message: "params.key must be a string"})
		}
		if name == "storage/get" {
			if v, ok := h.Storage[key]; ok {
				return map[string]any{"value": v}, nil
			}
			return map[string]any{"value": nil}, nil
		}
		if h.StorageMode != "read_write" {
			return nil, h.refuse(method, "write storage (read-only)")
		}
		if name == "storage/set" {
			h.Storage[key] = fmt.Sprint(params["value"])
			return map[string]any{}, nil
		}
		if name == "storage/delete" {
			_, had := h.Storage[key]
			delete(h.Storage, key)
			return map[string]any{"removed": had}, nil
		}
	case name == "http":
		if !h.Grants["http"] {
			return nil, h.refuse(method, `call http (call_api lacks "http")`)
		}
		raw, _ := params["url"].(string)
		host := ""
		if u, err := url.Parse(raw); err == nil {
			host = u.Hostname()
		}
		if h.Network != nil {
			allowed := false
			for _, g := range h.Network {
				allowed = allowed || glob(g, host)
			}
			if !allowed {
				return nil, h.refuse(method, fmt.Sprintf("reach %s (not in permissions.network)", host))
			}
		}
		return h.HTTP.serve(params)
	}
	if fn, ok := h.API[name]; ok {
		if !h.Grants[name] {
			return nil, h.refuse(method, fmt.Sprintf("call %s (call_api lacks it)", name))
		}
		return fn(params)
	}
	return nil, plugin.NewHostError(method, plugin.WireError{Code: plugin.CodeMethodNotFound, Message: "the host has no method " + method})
}

// SynthEvent makes an event named `name` with `data` (any JSON-encodable value), stamped by the clock.
func (h *Harness) SynthEvent(name string, data any) plugin.Event {
	h.events++
	if data == nil {
		data = map[string]any{}
	}
	raw, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("plugintest: event data: %v", err))
	}
	return plugin.Event{ID: fmt.Sprintf("ev-test-%d", h.events), Name: name,
		Time: h.Time.UTC().Format("2006-01-02T15:04:05.000Z"), Data: raw, Meta: map[string]any{}}
}

func (h *Harness) invocation() plugin.Invocation {
	return plugin.Invocation{Call: h.HostCall, Config: h.Config, Clock: func() time.Time { return h.Time }}
}

// RunHook is the decision of `hook` for ev; a failing handler returns the error the host would get.
func (h *Harness) RunHook(hook string, ev plugin.Event) (plugin.Decision, error) {
	d, herr := h.Plugin.RunHook(hook, ev, h.invocation())
	if herr != nil {
		return d, herr
	}
	return d, nil
}

// CallTool runs a tool with `args` (any JSON-encodable value).
func (h *Harness) CallTool(name string, args any) (any, error) {
	raw, _ := json.Marshal(args)
	r, herr := h.Plugin.CallTool(name, raw, h.invocation())
	if herr != nil {
		return r, herr
	}
	return r, nil
}

// RunCommand runs a command with `args`.
func (h *Harness) RunCommand(name string, args any) (any, error) {
	raw, _ := json.Marshal(args)
	r, herr := h.Plugin.RunCommand(name, raw, h.invocation())
	if herr != nil {
		return r, herr
	}
	return r, nil
}

// DispatchWithAura runs `aura --plugins DIR [options] dispatch EVENT --json --data DATA` (the
// real host; aura "" means $AURA, else "aura") and returns its JSON (verdict, reason, data, effects, trail).
func DispatchWithAura(aura, pluginDir, event string, data any, env []string, options ...string) (map[string]any, error) {
	if aura == "" {
		aura = os.Getenv("AURA")
	}
	if aura == "" {
		aura = "aura"
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	args := append(append([]string{"--plugins", pluginDir}, options...), "dispatch", event, "--json", "--data", string(raw))
	cmd := exec.Command(aura, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var result map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &result); err != nil {
		return nil, fmt.Errorf("aura dispatch %s gave no JSON (%v): %s %s", event, runErr, out, stderr.String())
	}
	return result, nil
}
