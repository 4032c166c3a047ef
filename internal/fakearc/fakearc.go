// Package fakearc is a fake AWS ARC Region switch endpoint for tests.
//
// It speaks the real wire protocol (smithy RPC v2 CBOR), so the real SDK
// client (arcregionswitch.New with BaseEndpoint set to [Server.URL], any
// static credentials and any Region) signs, serializes, deserializes and
// classifies errors exactly as it does against AWS. The fake owns an
// in-memory set of plans and executions, records every call, and lets a test
// inject faults: modeled errors ([Server.FailNext]), overridden operations
// ([Server.Handle]), calls held in flight ([Server.Hold]), Regions whose
// connections drop ([Server.SetRegionDown]) and an unavailable control plane
// ([Server.SetControlPlaneDown]).
//
// The Region of a call is the Region of the SigV4 credential scope of its
// Authorization header; a call without one is answered AccessDeniedException.
//
// Regionality follows ARC: a plan is visible to the data plane only in the
// Regions it lists (GetPlanInRegion, ListPlansInRegion, StartPlanExecution,
// GetPlanEvaluationStatus), and an execution can be read or changed only in
// the Region it was started in (GetPlanExecution, ListPlanExecutionEvents,
// ApprovePlanExecutionStep, UpdatePlanExecution, UpdatePlanExecutionStep,
// CancelPlanExecution); elsewhere the answer is ResourceNotFoundException.
// An execution added with an empty Region is visible everywhere.
// ListPlanExecutions lists the plan's executions from every Region, newest
// first. Control-plane operations ignore the Region.
//
// All methods are safe for concurrent use.
package fakearc

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Call is one request the fake received.
type Call struct {
	// Operation is the operation name taken from the request path, e.g.
	// "StartPlanExecution".
	Operation string
	// Region is the Region of the SigV4 credential scope ("" if unsigned).
	Region string
	// Input is the decoded CBOR request body: text strings are string,
	// integers int64 (uint64 if too large), floats float64, timestamps
	// time.Time, lists []any and maps map[string]any. Do not modify it.
	Input map[string]any
	// At is when the fake received the call.
	At time.Time
}

// Server is a fake ARC Region switch endpoint. Create it with [New].
type Server struct {
	tb     testing.TB
	ts     *httptest.Server
	closed chan struct{} // closed at cleanup; releases held calls

	mu      sync.Mutex
	calls   []Call
	changed chan struct{} // closed and replaced whenever a call is recorded
	reqSeq  int

	plans     map[string]*planState
	planOrder []string
	execs     []*Execution
	execByID  map[string]*Execution
	execSeq   int

	failNext         map[string][]Error
	handlers         map[string]handlerFunc
	holds            map[string]chan struct{}
	regionDown       map[string]bool
	controlPlaneDown bool
}

// New starts a fake on a local httptest server. tb.Cleanup releases every
// held call and closes the server.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		tb:         tb,
		closed:     make(chan struct{}),
		changed:    make(chan struct{}),
		plans:      map[string]*planState{},
		execByID:   map[string]*Execution{},
		failNext:   map[string][]Error{},
		handlers:   map[string]handlerFunc{},
		holds:      map[string]chan struct{}{},
		regionDown: map[string]bool{},
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(func() {
		close(s.closed)
		s.ts.Close()
	})
	return s
}

// URL returns the base URL to use as the SDK client's BaseEndpoint.
func (s *Server) URL() string { return s.ts.URL }

const operationPrefix = "/service/ArcRegionSwitch/operation/"

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.URL.Path, operationPrefix)
	if r.Method != http.MethodPost || !ok || op == "" || strings.Contains(op, "/") {
		s.writeError(w, &Error{Type: "UnknownOperationException", Message: fmt.Sprintf("unknown operation %s %s", r.Method, r.URL.Path), Status: http.StatusNotFound})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	in, err := decodeInput(body)
	if err != nil {
		s.writeError(w, &Error{Type: "SerializationException", Message: err.Error(), Status: http.StatusBadRequest})
		return
	}
	call := Call{Operation: op, Region: regionFromAuth(r.Header.Get("Authorization")), Input: in, At: time.Now()}

	if s.isRegionDown(call.Region) {
		s.record(call)
		dropConnection(w)
		return
	}

	var out map[string]any
	var e *Error
	switch {
	case r.Header.Get("smithy-protocol") != "rpc-v2-cbor":
		e = &Error{Type: "SerializationException", Message: "missing header smithy-protocol: rpc-v2-cbor", Status: http.StatusBadRequest}
	case call.Region == "":
		e = &Error{Type: "AccessDeniedException", Message: "missing or malformed SigV4 Authorization header"}
	default:
		out, e = s.dispatch(op, call.Region, in)
	}
	s.record(call)

	if held := s.holdFor(op); held != nil {
		select {
		case <-held:
		case <-r.Context().Done():
			return // the client gave up or crashed; the operation already ran
		case <-s.closed:
			return
		}
	}
	if e != nil {
		s.writeError(w, e)
		return
	}
	s.writeOutput(w, out)
}

// dropConnection closes the client's connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // closes the connection without a response
	}
	conn.Close()
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

// Calls returns every call received so far, in order of arrival.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls of operation op received so far, in order.
func (s *Server) CallsTo(op string) []Call {
	return filterOp(s.Calls(), op)
}

// WaitForCalls blocks until at least n calls of op (of any operation if op is
// "") have been recorded, and returns them. A call is recorded once its
// effects on the fake's state are visible, before a [Server.Hold] blocks it.
// On timeout it fails tb with tb.Fatalf, so call it from the test goroutine.
func (s *Server) WaitForCalls(tb testing.TB, op string, n int, timeout time.Duration) []Call {
	tb.Helper()
	all := s.WaitFor(tb, timeout, fmt.Sprintf("%d calls to %q", n, op), func(calls []Call) bool {
		return len(filterOp(calls, op)) >= n
	})
	return filterOp(all, op)
}

// WaitFor waits until cond holds for the calls recorded so far, re-checking
// whenever a call arrives (never by sleeping), and returns them. On timeout
// it fails tb, naming what it waited for.
func (s *Server) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func(calls []Call) bool) []Call {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		calls := append([]Call(nil), s.calls...)
		changed := s.changed
		s.mu.Unlock()
		if cond(calls) {
			return calls
		}
		select {
		case <-changed:
		case <-timer.C:
			tb.Fatalf("fakearc: waited %v for %s; %d calls recorded", timeout, what, len(calls))
			return calls
		}
	}
}

// filterOp keeps the calls of op ("" keeps all).
func filterOp(calls []Call, op string) []Call {
	if op == "" {
		return calls
	}
	var out []Call
	for _, c := range calls {
		if c.Operation == op {
			out = append(out, c)
		}
	}
	return out
}
