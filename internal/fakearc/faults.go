package fakearc

import (
	"fmt"
	"net/http"
	"strings"
)

// errorNamespace prefixes short error type names in the __type field.
const errorNamespace = "com.amazonaws.arcregionswitch#"

// Error is a modeled error the fake answers with.
type Error struct {
	// Type is the error shape name, e.g. "AccessDeniedException". A name
	// without "#" is sent as "com.amazonaws.arcregionswitch#" + Type. The SDK
	// returns its typed exception (types.AccessDeniedException, ...) only if
	// the operation's model lists that error; otherwise a
	// *smithy.GenericAPIError whose ErrorCode is the full __type.
	Type string
	// Message is the error's message ("" is sent as is).
	Message string
	// Status is the HTTP status; 0 means the default for Type:
	// AccessDeniedException 403, ResourceNotFoundException 404,
	// InternalServerException 500, anything else 400.
	Status int
}

func (e *Error) wireType() string {
	if e.Type == "" {
		return errorNamespace + "InternalServerException"
	}
	if strings.Contains(e.Type, "#") {
		return e.Type
	}
	return errorNamespace + e.Type
}

func (e *Error) status() int {
	if e.Status != 0 {
		return e.Status
	}
	_, short, _ := strings.Cut(e.wireType(), "#")
	switch short {
	case "AccessDeniedException":
		return http.StatusForbidden
	case "ResourceNotFoundException", "UnknownOperationException":
		return http.StatusNotFound
	case "InternalServerException":
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

func errIllegalArgument(format string, args ...any) *Error {
	return &Error{Type: "IllegalArgumentException", Message: fmt.Sprintf(format, args...)}
}

func errIllegalState(format string, args ...any) *Error {
	return &Error{Type: "IllegalStateException", Message: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) *Error {
	return &Error{Type: "ResourceNotFoundException", Message: fmt.Sprintf(format, args...)}
}

type handlerFunc = func(region string, in map[string]any) (map[string]any, *Error)

// FailNext makes the next call of op answer e instead of running. Calls to
// FailNext queue: each queued error is used by one call, in order.
func (s *Server) FailNext(op string, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[op] = append(s.failNext[op], e)
}

// Handle overrides operation op (which need not be one the fake implements)
// with h until Handle(op, nil) restores the built-in behaviour. h receives
// the call's SigV4 Region and decoded input (see [Call.Input]) and returns
// the output to encode or a modeled error. Output values may be string,
// bool, any integer or float type, time.Time (sent as a timestamp), []byte,
// nil, and slices or string-keyed maps of these; a nil map is sent as an
// empty map. h runs without the fake's lock held, so it may call the
// Server's methods; it runs after SetControlPlaneDown and FailNext.
func (s *Server) Handle(op string, h func(region string, in map[string]any) (map[string]any, *Error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.handlers, op)
		return
	}
	s.handlers[op] = h
}

// Hold makes calls to op block after they have run and been recorded, until
// release is called, the client disconnects or the test ends; the response
// is then written (or dropped, if the client is gone). The operation's
// effects are therefore visible while it is held, as when AWS has acted but
// the caller crashed before reading the answer. release is idempotent; a
// later Hold of the same op replaces this one for calls not yet held.
func (s *Server) Hold(op string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.holds[op] = ch
	s.mu.Unlock()
	var done bool
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if done {
			return
		}
		done = true
		close(ch)
		if s.holds[op] == ch {
			delete(s.holds, op)
		}
	}
}

func (s *Server) holdFor(op string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holds[op]
}

// SetRegionDown makes calls signed for region (down) or restores them. A call
// to a down Region is recorded, then its connection is closed without a
// response, so the SDK returns a transport error (not an API error).
func (s *Server) SetRegionDown(region string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regionDown[region] = down
}

func (s *Server) isRegionDown(region string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.regionDown[region]
}

// controlPlaneOps are the operations served by the us-east-1 control plane.
var controlPlaneOps = map[string]bool{
	"GetPlan":                 true,
	"ListPlans":               true,
	"CreatePlan":              true,
	"UpdatePlan":              true,
	"DeletePlan":              true,
	"TagResource":             true,
	"UntagResource":           true,
	"ListTagsForResource":     true,
	"ListRoute53HealthChecks": true,
}

// SetControlPlaneDown makes control-plane operations (GetPlan, ListPlans,
// CreatePlan, UpdatePlan, DeletePlan, TagResource, UntagResource,
// ListTagsForResource, ListRoute53HealthChecks) answer HTTP 503 with
// InternalServerException, or restores them. It takes precedence over
// FailNext (a queued error stays queued) and Handle.
func (s *Server) SetControlPlaneDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.controlPlaneDown = down
}

// dispatch runs op: control plane outage, then FailNext, then Handle, then
// the built-in operation.
func (s *Server) dispatch(op, region string, in map[string]any) (map[string]any, *Error) {
	s.mu.Lock()
	if s.controlPlaneDown && controlPlaneOps[op] {
		s.mu.Unlock()
		return nil, &Error{Type: "InternalServerException", Message: "control plane unavailable", Status: http.StatusServiceUnavailable}
	}
	if q := s.failNext[op]; len(q) > 0 {
		e := q[0]
		s.failNext[op] = q[1:]
		s.mu.Unlock()
		return nil, &e
	}
	if h := s.handlers[op]; h != nil {
		s.mu.Unlock()
		return h(region, in)
	}
	defer s.mu.Unlock()
	fn := builtins[op]
	if fn == nil {
		return nil, &Error{Type: "UnknownOperationException", Message: "unknown operation " + op, Status: http.StatusNotFound}
	}
	return fn(s, region, in)
}
