package plugin

import (
	"errors"
	"fmt"
)

// JSON-RPC error codes of the protocol (docs/protocol.md §2).
const (
	CodeParseError        = -32700
	CodeInvalidRequest    = -32600
	CodeMethodNotFound    = -32601
	CodeInvalidParams     = -32602
	CodeInternalError     = -32603
	CodeHostServiceFailed = -32000
	CodePermissionDenied  = -32001
)

// Sentinels to test a HostError with errors.Is.
var (
	ErrPermissionDenied = errors.New("permission denied")
	ErrHostService      = errors.New("host service failed")
	ErrMethodNotFound   = errors.New("method not found")
	ErrInvalidParams    = errors.New("invalid params")
	// ErrStopped: the input ended (or the plugin shut down) while a host call waited.
	ErrStopped = errors.New("the plugin is stopping")
)

// HostError is a host call answered with an error.
type HostError struct {
	Method  string
	Code    int
	Message string
	Data    any
}

func (e *HostError) Error() string {
	return fmt.Sprintf("%s: %s (code %d)", e.Method, e.Message, e.Code)
}

// Is makes errors.Is(err, ErrPermissionDenied) and the others work.
func (e *HostError) Is(target error) bool {
	switch target {
	case ErrPermissionDenied:
		return e.Code == CodePermissionDenied
	case ErrHostService:
		return e.Code == CodeHostServiceFailed
	case ErrMethodNotFound:
		return e.Code == CodeMethodNotFound
	case ErrInvalidParams:
		return e.Code == CodeInvalidParams
	}
	return false
}

// WireError is a JSON-RPC error object.
type WireError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// HandlerError is what a failed handler answers: the host applies the hook's failure policy.
type HandlerError struct{ WireError }

func (e *HandlerError) Error() string { return e.Message }

func handlerError(code int, format string, args ...any) *HandlerError {
	return &HandlerError{WireError{Code: code, Message: fmt.Sprintf(format, args...)}}
}

// NewHostError builds the error of a host call answered with `e`.
func NewHostError(method string, e WireError) *HostError {
	return &HostError{Method: method, Code: e.Code, Message: e.Message, Data: e.Data}
}
