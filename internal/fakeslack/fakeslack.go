// Package fakeslack is a local, stateful fake of the Slack Web API for
// tests, and builds the signed requests Slack sends to an app (slash
// commands, block actions, view submissions).
//
// The fake speaks the wire protocol that slack-go's client uses, so tests
// point the real client at it with slack.OptionAPIURL(srv.APIURL()). It
// records every call, keeps the messages that chat.postMessage and
// chat.update produce, and lets a test inject Slack errors (FailNext) or
// stall a method (Hold). Tokens are recorded so that tests can assert
// authentication, but never appear in failure output.
package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// MethodResponseURL is the Call.Method of a POST to a URL from
// Server.ResponseURL.
const MethodResponseURL = "response_url"

// Identities the fake answers with, for auth.test and the payloads built by
// BlockActionBody and ViewSubmissionBody.
const (
	BotUserID = "UBOT"
	BotID     = "BBOT"
	TeamID    = "T1"
	AppID     = "A1"
)

// maxBody bounds what the fake reads of one request.
const maxBody = 10 << 20

// Call is one request the fake received.
type Call struct {
	// Method is the Web API method ("chat.postMessage") or
	// MethodResponseURL.
	Method string
	// Params holds the form fields (query and body) or the top-level fields
	// of a JSON body. JSON strings are unquoted; other JSON values (objects,
	// arrays, booleans, numbers) are kept as compact JSON text, so a blocks
	// field is always a JSON string. The token is not among them: see Token.
	Params map[string]string
	// Body is the raw request body.
	Body []byte
	// Token is the token the call was made with: the bearer token of the
	// Authorization header, or else the form field "token". Empty if none.
	Token string
	// At is when the call arrived.
	At time.Time
}

// String describes the call for test output with the token redacted to its
// type prefix ("xoxb-…"). The body is left out, since a form body carries
// the token.
func (c Call) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s token=%s", c.At.Format("15:04:05.000000"), c.Method, redact(c.Token))
	for _, k := range slices.Sorted(maps.Keys(c.Params)) {
		v := c.Params[k]
		if len(v) > 300 {
			v = v[:300] + "…"
		}
		fmt.Fprintf(&b, " %s=%q", k, v)
	}
	return b.String()
}

// redact keeps only the type prefix of a Slack token ("xoxb-…").
func redact(token string) string {
	if token == "" {
		return "(none)"
	}
	if i := strings.IndexByte(token, '-'); i > 0 && i <= 5 {
		return token[:i+1] + "…"
	}
	return "…"
}

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	c.Body = slices.Clone(c.Body)
	return c
}

// Server is the fake Slack. Its methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed at cleanup, so that held calls give up

	mu       sync.Mutex
	calls    []Call
	changed  chan struct{}            // closed and replaced whenever a call arrives
	failures map[string][]string      // method -> queued Slack errors
	holds    map[string]chan struct{} // method -> gate, closed by release
	groups   map[string][]string      // user group ID -> user IDs
	messages map[string][]*Message    // channel -> messages in post order
	tsBase   int64                    // seconds part of the first ts
	tsSeq    int64                    // ts counter
	viewSeq  int                      // view ID counter
}

// New starts a fake Slack on a local port. tb.Cleanup releases held calls
// and closes it.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		done:     make(chan struct{}),
		changed:  make(chan struct{}),
		failures: make(map[string][]string),
		holds:    make(map[string]chan struct{}),
		groups:   make(map[string][]string),
		messages: make(map[string][]*Message),
		tsBase:   time.Now().Unix(),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/response/{id}", s.serveResponseURL)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// APIURL is the base URL of the Web API, with a trailing slash, for
// slack.OptionAPIURL.
func (s *Server) APIURL() string {
	return s.srv.URL + "/api/"
}

// ResponseURL is a URL on the fake that stands for a response_url Slack
// hands out with a command or an interaction. A POST to it is recorded as a
// Call with Method MethodResponseURL, Params["id"] = id and the top-level
// fields of its JSON body (text, response_type, replace_original, blocks as
// JSON text). It answers {"ok":true}, or 400 invalid_payload if the body is
// not a JSON object.
func (s *Server) ResponseURL(id string) string {
	return s.srv.URL + "/response/" + url.PathEscape(id)
}

// Calls returns a copy of every call received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot()
}

// CallsTo returns the calls of one method (or MethodResponseURL), in
// arrival order.
func (s *Server) CallsTo(method string) []Call {
	return filter(s.Calls(), method)
}

func filter(calls []Call, method string) []Call {
	var out []Call
	for _, c := range calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) snapshot() []Call {
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.clone()
	}
	return out
}

// WaitFor waits until cond holds for the calls received so far and returns
// them. cond is evaluated at once and again each time a call arrives, outside
// the fake's lock (it may call other methods of s). On timeout it fails the
// test with tb.Fatalf, naming what and listing the calls (tokens redacted);
// like Fatalf, call it from the test's goroutine.
//
// A call is recorded when it arrives. For a call that is not held its effect
// on the fake's state (a message posted or updated) is visible by the time
// it is recorded; for a held call, only after release.
func (s *Server) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func(calls []Call) bool) []Call {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		calls := s.snapshot()
		changed := s.changed
		s.mu.Unlock()
		if cond(calls) {
			return calls
		}
		select {
		case <-changed:
		case <-timer.C:
			tb.Fatalf("fakeslack: timed out after %v waiting for %s; %d calls:%s", timeout, what, len(calls), dump(calls))
			return nil
		}
	}
}

func dump(calls []Call) string {
	if len(calls) == 0 {
		return " (none)"
	}
	var b strings.Builder
	for i, c := range calls {
		fmt.Fprintf(&b, "\n  #%d %s", i+1, c)
	}
	return b.String()
}

// SetUserGroup sets the members of a user group, as usergroups.users.list
// reports them. usergroups.users.list answers no_such_subteam for a group
// that was never set.
func (s *Server) SetUserGroup(groupID string, userIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[groupID] = slices.Clone(userIDs)
}

// FailNext makes the next call of method (or MethodResponseURL) fail with
// slackError: a Web API method answers {"ok":false,"error":slackError}
// ("ratelimited" answers HTTP 429 with Retry-After: 1, as Slack does), a
// response URL answers HTTP 404 with the same JSON. Calls to FailNext queue
// up: each failure is used by one call, in order. The failing call is
// recorded and changes no state.
func (s *Server) FailNext(method, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], slackError)
}

// Hold makes calls of method (or MethodResponseURL) that arrive from now on
// wait, without an answer, until release is called, the caller gives up, or
// the test ends. They are recorded on arrival; their effect and answer come
// after release. release is idempotent and may be deferred. A second Hold on
// the same method before release starts a new gate: calls wait on the gate
// in place when they arrive.
func (s *Server) Hold(method string) (release func()) {
	gate := make(chan struct{})
	s.mu.Lock()
	s.holds[method] = gate
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.holds[method] == gate {
				delete(s.holds, method)
			}
			s.mu.Unlock()
			close(gate)
		})
	}
}

// reply is what a method answers.
type reply struct {
	status int // 0 means 200
	header map[string]string
	body   map[string]any
}

func okReply(fields map[string]any) reply {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return reply{body: fields}
}

func errReply(slackError string) reply {
	return reply{body: map[string]any{"ok": false, "error": slackError}}
}

// handler computes the answer to a call, with s.mu held.
type handler func(s *Server, c Call) reply

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	params, token, perr := parseParams(r, body)
	c := Call{Method: method, Params: params, Body: body, Token: token, At: time.Now()}

	h, known := apiMethods[method]
	switch {
	case perr != "":
		h = func(*Server, Call) reply { return errReply(perr) }
	case !known:
		h = func(*Server, Call) reply { return errReply("unknown_method") }
	case token == "":
		h = func(*Server, Call) reply { return errReply("not_authed") }
	}
	s.dispatch(w, r, c, h, http.StatusOK)
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	params, valid := jsonParams(body)
	if params == nil {
		params = map[string]string{}
	}
	params["id"] = r.PathValue("id")
	c := Call{Method: MethodResponseURL, Params: params, Body: body, Token: bearer(r), At: time.Now()}
	h := func(*Server, Call) reply { return okReply(nil) }
	if !valid {
		h = func(*Server, Call) reply {
			return reply{status: http.StatusBadRequest, body: map[string]any{"ok": false, "error": "invalid_payload"}}
		}
	}
	s.dispatch(w, r, c, h, http.StatusNotFound)
}

// dispatch records c, then answers it with an injected failure (HTTP status
// failStatus) or with h, after any hold on its method.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, c Call, h handler, failStatus int) {
	s.mu.Lock()
	s.calls = append(s.calls, c.clone())
	close(s.changed)
	s.changed = make(chan struct{})
	if q := s.failures[c.Method]; len(q) > 0 {
		failure := q[0]
		s.failures[c.Method] = q[1:]
		h = func(*Server, Call) reply {
			rep := errReply(failure)
			rep.status = failStatus
			if failure == "ratelimited" && failStatus == http.StatusOK {
				rep.status = http.StatusTooManyRequests
				rep.header = map[string]string{"Retry-After": "1"}
			}
			return rep
		}
	}
	gate := s.holds[c.Method]
	if gate == nil {
		rep := h(s, c)
		s.mu.Unlock()
		write(w, rep)
		return
	}
	s.mu.Unlock()

	select {
	case <-gate:
	case <-r.Context().Done():
		return
	case <-s.done:
		http.Error(w, "fakeslack: closed while the call was held", http.StatusServiceUnavailable)
		return
	}
	s.mu.Lock()
	rep := h(s, c)
	s.mu.Unlock()
	write(w, rep)
}

func write(w http.ResponseWriter, rep reply) {
	b, err := json.Marshal(rep.body)
	if err != nil {
		http.Error(w, "fakeslack: encoding reply: "+err.Error(), http.StatusInternalServerError)
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if rep.status != 0 {
		w.WriteHeader(rep.status)
	}
	_, _ = w.Write(b)
}

// parseParams reads a Web API call's parameters and token. A body that
// cannot be parsed yields the Slack error to answer with.
func parseParams(r *http.Request, body []byte) (params map[string]string, token, slackError string) {
	params = map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(body) == 0:
	case ctype == "application/json":
		fields, ok := jsonParams(body)
		if !ok {
			slackError = "invalid_json"
		}
		maps.Copy(params, fields)
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			slackError = "invalid_form_data"
		}
		for k, v := range form {
			params[k] = v[0]
		}
	}
	token = bearer(r)
	if token == "" {
		token = params["token"]
	}
	delete(params, "token")
	return params, token, slackError
}

func bearer(r *http.Request) string {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(token)
}

// jsonParams flattens a JSON object's top-level fields into strings: strings
// unquoted, other values as compact JSON. ok is false if body is not a JSON
// object.
func jsonParams(body []byte) (params map[string]string, ok bool) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, false
	}
	params = make(map[string]string, len(fields))
	for k, raw := range fields {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			params[k] = s
			continue
		}
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			params[k] = string(raw)
			continue
		}
		params[k] = b.String()
	}
	return params, true
}
