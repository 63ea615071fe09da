package plugin

import (
	"encoding/json"
	"fmt"
	"time"
)

// HostCall sends one host call (method "host/...") and returns its result.
type HostCall func(method string, params map[string]any) (map[string]any, error)

// Context is what a handler gets besides its input.
type Context struct {
	Plugin string
	Config map[string]any
	call   HostCall
	clock  func() time.Time
}

// NewContext is for runtimes and harnesses; handlers receive theirs.
func NewContext(plugin string, config map[string]any, call HostCall, clock func() time.Time) *Context {
	if config == nil {
		config = map[string]any{}
	}
	if clock == nil {
		clock = func() time.Time { return time.Now().UTC() }
	}
	return &Context{Plugin: plugin, Config: config, call: call, clock: clock}
}

// Call reaches any host method ("host/" is added when missing).
func (c *Context) Call(method string, params map[string]any) (map[string]any, error) {
	if len(method) < 5 || method[:5] != "host/" {
		method = "host/" + method
	}
	copied := map[string]any{}
	for k, v := range params {
		copied[k] = v
	}
	return c.call(method, copied)
}

// Log writes to the plugin's log: level debug, info, warn or error.
func (c *Context) Log(level, message string) error {
	switch level {
	case "debug", "info", "warn", "warning", "error":
	default:
		return fmt.Errorf("log level must be debug, info, warn or error (got %q)", level)
	}
	_, err := c.Call("host/log", map[string]any{"level": level, "message": message})
	return err
}

// Now is the current time (the harness's clock in tests).
func (c *Context) Now() time.Time { return c.clock() }

// StorageGet returns the value of key and whether it is set.
func (c *Context) StorageGet(key string) (string, bool, error) {
	r, err := c.Call("host/storage/get", map[string]any{"key": key})
	if err != nil {
		return "", false, err
	}
	v, ok := r["value"].(string)
	return v, ok, nil
}

// StorageSet stores value under key.
func (c *Context) StorageSet(key, value string) error {
	_, err := c.Call("host/storage/set", map[string]any{"key": key, "value": value})
	return err
}

// StorageDelete removes key; true when it was set.
func (c *Context) StorageDelete(key string) (bool, error) {
	r, err := c.Call("host/storage/delete", map[string]any{"key": key})
	if err != nil {
		return false, err
	}
	removed, _ := r["removed"].(bool)
	return removed, nil
}

// Request is an HTTP request made through the host.
type Request struct {
	Method    string
	URL       string
	Headers   map[string]string
	Body      string
	TimeoutMs int
}

// Response is what host/http answered.
type Response struct {
	Status  int
	Headers map[string]string
	Body    string
}

// OK is a 2xx status.
func (r Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// JSON decodes the body into v.
func (r Response) JSON(v any) error { return json.Unmarshal([]byte(r.Body), v) }

// HTTP sends a request through the host (checked against permissions.network).
func (c *Context) HTTP(req Request) (Response, error) {
	params := map[string]any{"url": req.URL, "method": "GET"}
	if req.Method != "" {
		params["method"] = req.Method
	}
	if len(req.Headers) > 0 {
		params["headers"] = req.Headers
	}
	if req.Body != "" {
		params["body"] = req.Body
	}
	if req.TimeoutMs > 0 {
		params["timeout_ms"] = req.TimeoutMs
	}
	r, err := c.Call("host/http", params)
	if err != nil {
		return Response{}, err
	}
	out := Response{Headers: map[string]string{}}
	if s, ok := r["status"].(float64); ok {
		out.Status = int(s)
	} else if s, ok := r["status"].(int); ok {
		out.Status = s
	}
	out.Body, _ = r["body"].(string)
	if h, ok := r["headers"].(map[string]any); ok {
		for k, v := range h {
			out.Headers[k] = fmt.Sprint(v)
		}
	} else if h, ok := r["headers"].(map[string]string); ok {
		out.Headers = h
	}
	return out, nil
}

// Get is HTTP GET url.
func (c *Context) Get(url string) (Response, error) { return c.HTTP(Request{Method: "GET", URL: url}) }

// PostJSON POSTs v as JSON.
func (c *Context) PostJSON(url string, v any) (Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Response{}, err
	}
	return c.HTTP(Request{Method: "POST", URL: url, Body: string(b), Headers: map[string]string{"content-type": "application/json"}})
}
