package fakeslack

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Socket Mode, as the fake plays it: apps.connections.open on the Web API
// (authenticated with an app-level token, xapp-...) hands out a one-time
// ws:// URL; the WebSocket behind it greets with hello, carries the
// envelopes a test sends (each to one connection, round robin, as Slack
// spreads them over an app's connections) and records what the app sends
// back. Connections, deliveries and acks are recorded as Calls, so
// Server.WaitFor waits on them like on Web API calls.

// Call.Method values of Socket Mode events.
const (
	// MethodSocketConnect: a WebSocket connected and got its hello.
	// Params: connection (its ID, "1", "2", ...).
	MethodSocketConnect = "socket_mode.connect"
	// MethodSocketSend: the fake sent an envelope. Params: envelope_id,
	// type, connection.
	MethodSocketSend = "socket_mode.send"
	// MethodSocketAck: the app sent a message on its WebSocket, normally
	// an ack. Params: connection and the message's top-level fields as in
	// jsonParams (envelope_id; payload as compact JSON, absent if none).
	MethodSocketAck = "socket_mode.ack"
	// MethodSocketClose: a WebSocket closed. Params: connection, reason
	// ("client", "disconnect", "drop" or "shutdown").
	MethodSocketClose = "socket_mode.close"
)

func init() {
	apiMethods["apps.connections.open"] = (*Server).appsConnectionsOpen
}

// sockets holds each Server's Socket Mode fake, created on first use.
var sockets sync.Map // *Server -> *Socket

// Socket is the Socket Mode side of a fake Slack. Get it with
// Server.Socket; its methods are safe for concurrent use.
type Socket struct {
	srv *Server
	ws  *httptest.Server

	mu           sync.Mutex
	appToken     string // required token; "" accepts any xapp- token
	tickets      map[string]bool
	conns        []*socketConn // open, in connection order
	next         int           // round-robin position
	connSeq      int
	envSeq       int
	pingInterval time.Duration
	grace        time.Duration // from disconnect message to close
	closed       bool
}

type socketConn struct {
	id       int
	ws       *websocket.Conn
	writeMu  sync.Mutex
	draining bool // sent a disconnect: gets no more envelopes
	reason   string
	done     chan struct{}
}

// Socket returns the server's Socket Mode fake, starting its WebSocket
// listener on first use. apps.connections.open works without calling it
// (so an app can connect before the test looks), accepting any app-level
// token unless RequireAppToken says otherwise.
func (s *Server) Socket() *Socket {
	if k, ok := sockets.Load(s); ok {
		return k.(*Socket)
	}
	k := &Socket{srv: s, tickets: map[string]bool{}, pingInterval: 5 * time.Second, grace: 10 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("/link/", k.serveLink)
	k.ws = httptest.NewServer(mux)
	if prev, loaded := sockets.LoadOrStore(s, k); loaded {
		k.ws.Close()
		return prev.(*Socket)
	}
	go func() {
		<-s.done
		k.shutdown()
		sockets.Delete(s)
	}()
	return k
}

// RequireAppToken makes apps.connections.open accept only token.
func (k *Socket) RequireAppToken(token string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.appToken = token
}

// SetPingInterval sets how often the fake pings each connection (default
// 5s). slack-go reconnects when it hears no ping for 30s.
func (k *Socket) SetPingInterval(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pingInterval = d
}

// SetDisconnectGrace sets how long a connection stays open after its
// disconnect message before the fake closes it (default 10s, as Slack).
func (k *Socket) SetDisconnectGrace(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.grace = d
}

// appsConnectionsOpen answers apps.connections.open: only an app-level
// token is accepted (a bot or user token gets not_allowed_token_type, as
// from Slack). It runs with s.mu held.
func (s *Server) appsConnectionsOpen(c Call) reply {
	switch {
	case strings.HasPrefix(c.Token, "xoxb-"), strings.HasPrefix(c.Token, "xoxp-"):
		return errReply("not_allowed_token_type")
	case !strings.HasPrefix(c.Token, "xapp-"):
		return errReply("invalid_auth")
	}
	k := s.Socket()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return errReply("internal_error")
	}
	if k.appToken != "" && c.Token != k.appToken {
		return errReply("invalid_auth")
	}
	ticket := rand.Text()
	k.tickets[ticket] = true
	u := "ws" + strings.TrimPrefix(k.ws.URL, "http") + "/link/?ticket=" + ticket + "&app_id=" + AppID
	return okReply(map[string]any{"url": u})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveLink is the WebSocket endpoint: a valid, unused ticket upgrades.
func (k *Socket) serveLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	k.mu.Lock()
	valid := k.tickets[ticket] && !k.closed
	delete(k.tickets, ticket)
	k.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		_ = ws.Close()
		return
	}
	k.connSeq++
	c := &socketConn{id: k.connSeq, ws: ws, done: make(chan struct{})}
	k.conns = append(k.conns, c)
	n, ping := len(k.conns), k.pingInterval
	k.mu.Unlock()

	hello := map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info":      map[string]any{"host": "fakeslack", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": AppID},
	}
	if err := c.write(hello); err != nil {
		k.remove(c, "client")
		return
	}
	k.srv.recordEvent(Call{Method: MethodSocketConnect, Params: map[string]string{"connection": strconv.Itoa(c.id)}})
	go c.pinger(ping)
	k.read(c)
}

// read records what the app sends on c until c closes.
func (k *Socket) read(c *socketConn) {
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			k.remove(c, "client")
			return
		}
		params, ok := jsonParams(msg)
		if !ok {
			params = map[string]string{}
		}
		params["connection"] = strconv.Itoa(c.id)
		k.srv.recordEvent(Call{Method: MethodSocketAck, Params: params, Body: msg})
	}
}

func (c *socketConn) write(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (c *socketConn) pinger(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("fakeslack"), time.Now().Add(5*time.Second)); err != nil {
				return
			}
		}
	}
}

// remove closes c and records why, once.
func (k *Socket) remove(c *socketConn, reason string) {
	k.mu.Lock()
	found := false
	for i, o := range k.conns {
		if o == c {
			k.conns = append(k.conns[:i], k.conns[i+1:]...)
			found = true
			break
		}
	}
	if found && c.reason != "" {
		reason = c.reason
	}
	k.mu.Unlock()
	if !found {
		return
	}
	close(c.done)
	_ = c.ws.Close()
	k.srv.recordEvent(Call{Method: MethodSocketClose, Params: map[string]string{"connection": strconv.Itoa(c.id), "reason": reason}})
}

// shutdown closes every connection and the listener; at the Server's
// cleanup.
func (k *Socket) shutdown() {
	k.mu.Lock()
	k.closed = true
	conns := append([]*socketConn(nil), k.conns...)
	for _, c := range conns {
		c.reason = "shutdown"
	}
	k.mu.Unlock()
	for _, c := range conns {
		k.remove(c, "shutdown")
	}
	k.ws.Close()
}

// Connections returns the IDs of the open connections that take new
// envelopes (not those told to disconnect), in connection order.
func (k *Socket) Connections() []int {
	k.mu.Lock()
	defer k.mu.Unlock()
	var ids []int
	for _, c := range k.conns {
		if !c.draining {
			ids = append(ids, c.id)
		}
	}
	return ids
}

// WaitConnections waits until exactly n connections take envelopes.
func (k *Socket) WaitConnections(tb testing.TB, timeout time.Duration, n int) {
	tb.Helper()
	k.srv.WaitFor(tb, timeout, fmt.Sprintf("%d Socket Mode connection(s)", n), func([]Call) bool {
		return len(k.Connections()) == n
	})
}

// Envelope is a Socket Mode message from Slack to the app.
type Envelope struct {
	EnvelopeID             string          `json:"envelope_id"`
	Type                   string          `json:"type"`
	Payload                json.RawMessage `json:"payload"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
}

// Send delivers an envelope of type typ ("slash_commands", "interactive",
// "events_api") with payload to one connection, round robin, and returns
// its envelope ID. It fails the test if no connection takes envelopes or
// the write fails.
func (k *Socket) Send(tb testing.TB, typ string, payload json.RawMessage) string {
	tb.Helper()
	k.mu.Lock()
	var open []*socketConn
	for _, c := range k.conns {
		if !c.draining {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		k.mu.Unlock()
		tb.Fatalf("fakeslack: no Socket Mode connection to send a %s envelope to", typ)
		return ""
	}
	c := open[k.next%len(open)]
	k.next++
	k.envSeq++
	env := Envelope{
		EnvelopeID: fmt.Sprintf("env-%04d-%s", k.envSeq, strings.ToLower(rand.Text()[:8])), Type: typ,
		Payload: payload, AcceptsResponsePayload: typ != "events_api",
	}
	k.mu.Unlock()
	if err := c.write(env); err != nil {
		tb.Fatalf("fakeslack: sending envelope on connection %d: %v", c.id, err)
	}
	k.srv.recordEvent(Call{Method: MethodSocketSend, Params: map[string]string{
		"envelope_id": env.EnvelopeID, "type": typ, "connection": strconv.Itoa(c.id),
	}})
	return env.EnvelopeID
}

// SendCommand delivers the slash command c (as a slash_commands envelope).
func (k *Socket) SendCommand(tb testing.TB, c Command) string {
	tb.Helper()
	return k.Send(tb, "slash_commands", c.JSON())
}

// SendInteraction delivers an interaction built for HTTP (the
// payload=<JSON> form body of BlockActionBody, ViewSubmissionBody,
// BlockSuggestionBody, ...) as an interactive envelope.
func (k *Socket) SendInteraction(tb testing.TB, formBody []byte) string {
	tb.Helper()
	form, err := url.ParseQuery(string(formBody))
	if err != nil || !json.Valid([]byte(form.Get("payload"))) {
		tb.Fatalf("fakeslack: %q is not a payload=<JSON> form body", formBody)
	}
	return k.Send(tb, "interactive", json.RawMessage(form.Get("payload")))
}

// Disconnect sends a disconnect message (reason such as
// "refresh_requested" or "warning") on every connection that takes
// envelopes, which then gets no more; the fake closes each after the
// disconnect grace unless the app closes it first. It returns how many
// connections were told.
func (k *Socket) Disconnect(reason string) int {
	k.mu.Lock()
	var told []*socketConn
	for _, c := range k.conns {
		if !c.draining {
			c.draining, c.reason = true, "disconnect"
			told = append(told, c)
		}
	}
	grace := k.grace
	k.mu.Unlock()
	msg := map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "fakeslack"}}
	for _, c := range told {
		_ = c.write(msg)
		time.AfterFunc(grace, func() { k.remove(c, "disconnect") })
	}
	return len(told)
}

// Drop closes every connection at once, without a disconnect message, as
// a network failure would.
func (k *Socket) Drop() int {
	k.mu.Lock()
	conns := append([]*socketConn(nil), k.conns...)
	for _, c := range conns {
		c.reason = "drop"
	}
	k.mu.Unlock()
	for _, c := range conns {
		k.remove(c, "drop")
	}
	return len(conns)
}

// Ack is what an app sent back for an envelope.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload as compact JSON, nil if it had none.
	Payload json.RawMessage
	// Connection is the ID of the connection the ack came on.
	Connection string
}

// Acks returns the acks received so far for envelopeID ("" for all), in
// arrival order.
func (k *Socket) Acks(envelopeID string) []Ack {
	return acksIn(k.srv.Calls(), envelopeID)
}

func acksIn(calls []Call, envelopeID string) []Ack {
	var out []Ack
	for _, c := range calls {
		if c.Method != MethodSocketAck || envelopeID != "" && c.Params["envelope_id"] != envelopeID {
			continue
		}
		a := Ack{EnvelopeID: c.Params["envelope_id"], Connection: c.Params["connection"]}
		if p, ok := c.Params["payload"]; ok && p != "null" {
			a.Payload = json.RawMessage(p)
		}
		out = append(out, a)
	}
	return out
}

// WaitAck waits for the ack of envelopeID and returns it.
func (k *Socket) WaitAck(tb testing.TB, timeout time.Duration, envelopeID string) Ack {
	tb.Helper()
	calls := k.srv.WaitFor(tb, timeout, "ack of envelope "+envelopeID, func(calls []Call) bool {
		return len(acksIn(calls, envelopeID)) > 0
	})
	return acksIn(calls, envelopeID)[0]
}

// JSON returns the command as the JSON object Socket Mode carries in a
// slash_commands envelope: the fields of Encode, as strings.
func (c Command) JSON() json.RawMessage {
	form, _ := url.ParseQuery(string(c.Encode()))
	fields := make(map[string]string, len(form))
	for k, v := range form {
		fields[k] = v[0]
	}
	b, _ := json.Marshal(fields)
	return b
}

// recordEvent records a call that did not come through the Web API.
func (s *Server) recordEvent(c Call) {
	c.At = time.Now()
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c.clone())
	close(s.changed)
	s.changed = make(chan struct{})
}
