package plugin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
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

type response struct {
	result map[string]any
	err    *WireError
}

type runtime struct {
	p        *Plugin
	w        io.Writer
	wmu      sync.Mutex
	mu       sync.Mutex
	pending  map[string]chan response
	stopped  bool
	next     int
	inflight sync.WaitGroup
}

// Run serves the host: messages from r, answers to w, until shutdown or end of input.
// Requests run concurrently; it returns the exit status (0).
func (p *Plugin) Run(r io.Reader, w io.Writer) int {
	rt := &runtime{p: p, w: w, pending: map[string]chan response{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n') // any length: the buffer grows
		if err != nil {
			if len(line) > 0 {
				fmt.Fprintf(os.Stderr, "aura plugin: input ended inside a message (%d bytes); ignored\n", len(line))
			}
			rt.stop()
			rt.wait(time.Second)
			return 0
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
		if msg.Method == "" {
			rt.deliver(msg)
			continue
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
			rt.inflight.Add(1)
			go func(msg message) {
				defer rt.inflight.Done()
				rt.handle(msg)
			}(msg)
		}
	}
}

func (rt *runtime) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil,
			"error": WireError{Code: CodeInternalError, Message: "unencodable answer: " + err.Error()}})
	}
	rt.wmu.Lock()
	defer rt.wmu.Unlock()
	_, _ = rt.w.Write(append(b, '\n'))
}

func (rt *runtime) reply(id json.RawMessage, result any, e *WireError) {
	if !hasID(id) {
		return
	}
	if e != nil {
		rt.send(map[string]any{"jsonrpc": "2.0", "id": id, "error": e})
	} else {
		rt.send(map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
	}
}

func (rt *runtime) deliver(msg message) {
	key := string(bytes.TrimSpace(msg.ID))
	rt.mu.Lock()
	ch, ok := rt.pending[key]
	delete(rt.pending, key)
	rt.mu.Unlock()
	if !ok {
		return // an answer to something abandoned
	}
	if msg.Error != nil {
		ch <- response{err: msg.Error}
		return
	}
	var result map[string]any
	_ = json.Unmarshal(msg.Result, &result)
	if result == nil {
		result = map[string]any{}
	}
	ch <- response{result: result}
}

func (rt *runtime) hostCall(request json.RawMessage) HostCall {
	return func(method string, params map[string]any) (map[string]any, error) {
		rt.mu.Lock()
		if rt.stopped {
			rt.mu.Unlock()
			return nil, fmt.Errorf("%s: %w", method, ErrStopped)
		}
		rt.next++
		id := fmt.Sprintf("go-%d", rt.next)
		ch := make(chan response, 1)
		rt.pending[`"`+id+`"`] = ch
		rt.mu.Unlock()
		if _, set := params["call"]; !set && hasID(request) {
			params["call"] = request
		}
		rt.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		r, ok := <-ch
		if !ok {
			return nil, fmt.Errorf("%s: %w", method, ErrStopped)
		}
		if r.err != nil {
			return nil, NewHostError(method, *r.err)
		}
		return r.result, nil
	}
}

func (rt *runtime) stop() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.stopped = true
	for k, ch := range rt.pending {
		close(ch)
		delete(rt.pending, k)
	}
}

func (rt *runtime) wait(limit time.Duration) {
	done := make(chan struct{})
	go func() { rt.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
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
		Hook      *string         `json:"hook"`
		Event     Event           `json:"event"`
		Config    map[string]any  `json:"config"`
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Args      json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(orEmpty(msg.Params), &params); err != nil {
		rt.reply(msg.ID, nil, &WireError{Code: CodeInvalidParams, Message: msg.Method + ": " + err.Error()})
		return
	}
	inv := Invocation{Call: rt.hostCall(msg.ID), Config: params.Config}
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

// shutdown finishes what is in flight, runs the shutdown handlers, answers, all within Grace.
func (rt *runtime) shutdown(id json.RawMessage) {
	start := time.Now()
	rt.wait(rt.p.Grace / 2)
	rt.stop()
	rt.p.Shutdown(rt.p.Grace - time.Since(start))
	rt.reply(id, map[string]any{}, nil)
}
