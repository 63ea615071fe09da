package plugin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// message is any JSON-RPC 2.0 message.
type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *WireError      `json:"error,omitempty"`
}

func hasID(id json.RawMessage) bool { return len(id) > 0 && string(id) != "null" }

type runtime struct {
	p       *Plugin
	br      *bufio.Reader
	w       io.Writer
	backlog []message       // requests that arrived while a host call waited
	current json.RawMessage // id of the request being served
	next    int
	eof     bool // the input ended: nobody reads answers any more
}

// Run serves the host: messages from r, answers to w, until shutdown or end of input.
// Requests are served in order, on the calling goroutine: while a host call waits,
// requests that arrive are kept and served after it (no goroutine hand-off per
// event, which would cost more than the rest of a round trip). It returns the exit status (0).
func (p *Plugin) Run(r io.Reader, w io.Writer) int {
	rt := &runtime{p: p, br: bufio.NewReaderSize(r, 64<<10), w: w}
	for {
		var msg message
		if len(rt.backlog) > 0 {
			msg, rt.backlog = rt.backlog[0], rt.backlog[1:]
		} else if m, ok := rt.read(); ok {
			msg = m
		}
		if rt.eof {
			return 0
		}
		if msg.Method == "" {
			continue // an answer to something abandoned
		}
		if msg.JSONRPC != "2.0" {
			rt.reply(msg.ID, nil, &WireError{Code: CodeInvalidRequest, Message: `jsonrpc must be "2.0"`})
			continue
		}
		switch msg.Method {
		case "initialize":
			rt.initialize(msg)
		case "shutdown":
			rt.shutdown(msg.ID)
			return 0
		default:
			rt.current = msg.ID
			rt.handle(msg)
			rt.current = nil
		}
	}
}

// read returns the next JSON-RPC object; false at end of input. Blank and malformed lines are skipped.
func (rt *runtime) read() (message, bool) {
	for {
		line, err := rt.br.ReadBytes('\n') // any length: the buffer grows
		if err != nil {
			if len(line) > 0 {
				fmt.Fprintf(os.Stderr, "aura plugin: input ended inside a message (%d bytes); ignored\n", len(line))
			}
			rt.eof = true
			return message{}, false
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var msg message
		if err := json.Unmarshal(line, &msg); err != nil {
			fmt.Fprintf(os.Stderr, "aura plugin: ignored a line that is not a JSON-RPC object (%v): %.120s\n", err, line)
			continue
		}
		return msg, true
	}
}

func (rt *runtime) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil,
			"error": WireError{Code: CodeInternalError, Message: "unencodable answer: " + err.Error()}})
	}
	_, _ = rt.w.Write(append(b, '\n'))
}

func (rt *runtime) reply(id json.RawMessage, result any, e *WireError) {
	if !hasID(id) || rt.eof {
		return
	}
	if e != nil {
		rt.send(map[string]any{"jsonrpc": "2.0", "id": id, "error": e})
	} else {
		rt.send(map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
	}
}

func (rt *runtime) hostCall(method string, params map[string]any) (map[string]any, error) {
	rt.next++
	id := fmt.Sprintf("go-%d", rt.next)
	if _, set := params["call"]; !set && hasID(rt.current) {
		params["call"] = rt.current
	}
	rt.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	want := `"` + id + `"`
	for {
		msg, ok := rt.read()
		if !ok {
			return nil, fmt.Errorf("%s: %w", method, ErrStopped)
		}
		if msg.Method != "" {
			rt.backlog = append(rt.backlog, msg)
			continue
		}
		if string(bytes.TrimSpace(msg.ID)) != want {
			continue
		}
		if msg.Error != nil {
			return nil, NewHostError(method, *msg.Error)
		}
		var result map[string]any
		_ = json.Unmarshal(msg.Result, &result)
		if result == nil {
			result = map[string]any{}
		}
		return result, nil
	}
}

func (rt *runtime) initialize(msg message) {
	var params struct {
		Aura   *int           `json:"aura"`
		SDK    string         `json:"sdk"`
		Plugin string         `json:"plugin"`
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(orEmpty(msg.Params), &params); err != nil {
		rt.reply(msg.ID, nil, &WireError{Code: CodeInvalidParams, Message: "initialize: " + err.Error()})
		return
	}
	if params.Aura != nil && *params.Aura != ProtocolVersion {
		rt.reply(msg.ID, nil, &WireError{Code: CodeInvalidParams,
			Message: fmt.Sprintf("this plugin speaks aura protocol %d, the host %d", ProtocolVersion, *params.Aura)})
		return
	}
	if params.SDK != "" {
		if err := CheckHostVersion(params.SDK, rt.p.SDK); err != nil {
			rt.reply(msg.ID, nil, &WireError{Code: CodeInvalidParams, Message: err.Error()})
			return
		}
	}
	if params.Config != nil {
		rt.p.Config = params.Config
	}
	if rt.p.Name == "" {
		rt.p.Name = params.Plugin
	}
	rt.reply(msg.ID, rt.p.InitializeResult(), nil)
}

func orEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	return raw
}

func (rt *runtime) handle(msg message) {
	var params struct {
		Hook      *string           `json:"hook"`
		Event     Event             `json:"event"`
		Config    map[string]any    `json:"config"`
		Name      string            `json:"name"`
		Arguments json.RawMessage   `json:"arguments"`
		Args      json.RawMessage   `json:"args"`
		TaskEnv   map[string]string `json:"task_env"`
	}
	if err := json.Unmarshal(orEmpty(msg.Params), &params); err != nil {
		rt.reply(msg.ID, nil, &WireError{Code: CodeInvalidParams, Message: msg.Method + ": " + err.Error()})
		return
	}
	if msg.Method == "event" || msg.Method == "tools/call" {
		applyTaskEnv(params.TaskEnv)
	}
	inv := Invocation{Call: rt.hostCall, Config: params.Config}
	var result any
	var herr *HandlerError
	switch msg.Method {
	case "event":
		if params.Hook == nil {
			herr = handlerError(CodeInvalidParams, "event: params.hook must be a string")
			break
		}
		var d Decision
		if d, herr = rt.p.RunHook(*params.Hook, params.Event, inv); herr == nil {
			result = d.Wire()
		}
	case "tools/call":
		result, herr = rt.p.CallTool(params.Name, params.Arguments, inv)
	case "command":
		result, herr = rt.p.RunCommand(params.Name, params.Args, inv)
	default:
		herr = handlerError(CodeMethodNotFound, "this plugin has no method %q", msg.Method)
	}
	if herr != nil {
		rt.reply(msg.ID, nil, &herr.WireError)
	} else {
		rt.reply(msg.ID, result, nil)
	}
}

// applyTaskEnv sets a task's env (idelchi/aura) in the process environment
// before the handler runs, over the startup values: the host sends it as
// params.task_env, already cut to what the plugin's env permission allows, so
// a handler reads it with os.Getenv as idelchi/aura's plugins do.
func applyTaskEnv(env map[string]string) {
	for k, v := range env {
		if k != "" && !strings.ContainsAny(k, "=\x00") && !strings.Contains(v, "\x00") {
			os.Setenv(k, v)
		}
	}
}

// shutdown runs the shutdown handlers within Grace, then answers.
func (rt *runtime) shutdown(id json.RawMessage) {
	rt.p.Shutdown(rt.p.Grace)
	rt.reply(id, map[string]any{}, nil)
}
