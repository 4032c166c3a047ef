package fakeslack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/regionswitch-bot/regionswitch-bot/internal/fakeslack"
)

const testAppToken = "xapp-1-A1-test-app-secret-456"

// socketClient runs a slack-go Socket Mode client against srv until the
// test ends. Each event with a request goes to handle, from one goroutine.
func socketClient(t *testing.T, srv *fakeslack.Server, handle func(*socketmode.Client, socketmode.Event)) {
	t.Helper()
	api := slack.New(testToken, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(testAppToken))
	client := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = client.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-client.Events:
				if ev.Request != nil && ev.Type != socketmode.EventTypeHello {
					handle(client, ev)
				}
			}
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// ackAll acks every envelope with a payload naming the envelope and, for a
// slash command, its text.
func ackAll(client *socketmode.Client, ev socketmode.Event) {
	payload := map[string]string{"seen": string(ev.Type)}
	if cmd, ok := ev.Data.(slack.SlashCommand); ok {
		payload["text"] = cmd.Text
	}
	if cb, ok := ev.Data.(slack.InteractionCallback); ok {
		payload["user"] = cb.User.ID
	}
	_ = client.Ack(*ev.Request, payload)
}

func TestAppsConnectionsOpenAuth(t *testing.T) {
	srv := fakeslack.New(t)
	srv.Socket().RequireAppToken(testAppToken)
	for _, tc := range []struct {
		name, token, want string
	}{
		{"bot token", testToken, "not_allowed_token_type"},
		{"user token", "xoxp-1-user", "not_allowed_token_type"},
		{"not a token", "hunter2", "invalid_auth"},
		{"other app token", "xapp-1-A1-someone-else", "invalid_auth"},
		{"no token", "", "invalid_auth"}, // slack-go sends "Bearer " with nothing after it
		{"the app token", testAppToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := slack.New(testToken, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(tc.token))
			_, wsURL, err := api.StartSocketModeContext(context.Background())
			if got := slackError(t, err); got != tc.want {
				t.Fatalf("apps.connections.open with %s: error %q, want %q", tc.name, got, tc.want)
			}
			if tc.want == "" && !strings.HasPrefix(wsURL, "ws://127.0.0.1:") {
				t.Errorf("url = %q, want ws://127.0.0.1:port/...", wsURL)
			}
		})
	}
	calls := srv.CallsTo("apps.connections.open")
	if len(calls) != 6 {
		t.Fatalf("apps.connections.open calls = %d, want 6", len(calls))
	}
	for _, c := range calls {
		if strings.Contains(c.String(), "secret") {
			t.Errorf("Call.String shows a token: %s", c)
		}
	}
}

func TestSocketTicketIsOneTime(t *testing.T) {
	srv := fakeslack.New(t)
	api := slack.New(testToken, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(testAppToken))
	_, wsURL, err := api.StartSocketModeContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	defer conn.Close()
	var hello struct {
		Type           string `json:"type"`
		NumConnections int    `json:"num_connections"`
	}
	if err := conn.ReadJSON(&hello); err != nil || hello.Type != "hello" || hello.NumConnections != 1 {
		t.Errorf("first message = %+v (err %v), want hello with num_connections 1", hello, err)
	}
	_, resp, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("second dial with the same ticket: err %v, want 401", err)
	}
	_, resp, err = websocket.DefaultDialer.Dial(strings.Replace(wsURL, "ticket=", "ticket=x", 1), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("dial with a made-up ticket: err %v, want 401", err)
	}
}

func TestSocketEnvelopesAndAcks(t *testing.T) {
	srv := fakeslack.New(t)
	sock := srv.Socket()
	socketClient(t, srv, ackAll)
	sock.WaitConnections(t, waitTimeout, 1)

	env := sock.SendCommand(t, fakeslack.Command{Text: "execute checkout activate us-west-2", UserID: "U1", ChannelID: "C1", TriggerID: "trig"})
	ack := sock.WaitAck(t, waitTimeout, env)
	var got map[string]string
	if err := json.Unmarshal(ack.Payload, &got); err != nil {
		t.Fatalf("ack payload %s: %v", ack.Payload, err)
	}
	if got["seen"] != "slash_commands" || got["text"] != "execute checkout activate us-west-2" {
		t.Errorf("ack payload = %v, want the slash command seen with its text", got)
	}

	env2 := sock.SendInteraction(t, fakeslack.BlockActionBody("U2", "u2", "C1", "1.0", "rs_approve", "r1", "", "trig"))
	ack2 := sock.WaitAck(t, waitTimeout, env2)
	if !strings.Contains(string(ack2.Payload), `"user":"U2"`) || ack2.Connection != ack.Connection {
		t.Errorf("interactive ack = %+v, want user U2 on connection %s", ack2, ack.Connection)
	}
	if n := len(sock.Acks("")); n != 2 {
		t.Errorf("acks = %d, want 2", n)
	}
	for _, c := range srv.Calls() {
		if c.Method == fakeslack.MethodSocketAck && c.Token != "" {
			t.Errorf("an ack carries a token: %s", c)
		}
	}
}

func TestSocketRoundRobin(t *testing.T) {
	srv := fakeslack.New(t)
	sock := srv.Socket()
	socketClient(t, srv, ackAll)
	socketClient(t, srv, ackAll)
	sock.WaitConnections(t, waitTimeout, 2)

	perConn := map[string]int{}
	for range 6 {
		env := sock.SendCommand(t, fakeslack.Command{Text: "help", UserID: "U1", ChannelID: "C1"})
		perConn[sock.WaitAck(t, waitTimeout, env).Connection]++
	}
	if len(perConn) != 2 || perConn["1"] != 3 || perConn["2"] != 3 {
		t.Errorf("acks per connection = %v, want 3 on each of 1 and 2", perConn)
	}
	if n := len(srv.CallsTo(fakeslack.MethodSocketSend)); n != 6 {
		t.Errorf("deliveries = %d, want 6 (each envelope to one connection)", n)
	}
}

func TestSocketDisconnectAndDrop(t *testing.T) {
	srv := fakeslack.New(t)
	sock := srv.Socket()
	socketClient(t, srv, ackAll)
	sock.WaitConnections(t, waitTimeout, 1)

	if n := sock.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("Disconnect told %d connections, want 1", n)
	}
	srv.WaitFor(t, waitTimeout, "reconnection after disconnect", func(calls []fakeslack.Call) bool {
		return closedWith(calls, "disconnect") == 1 && len(filterCalls(calls, fakeslack.MethodSocketConnect)) == 2 && len(sock.Connections()) == 1
	})
	if ids := sock.Connections(); len(ids) != 1 || ids[0] != 2 {
		t.Errorf("connections = %v, want [2]", ids)
	}
	sock.WaitAck(t, waitTimeout, sock.SendCommand(t, fakeslack.Command{Text: "help", UserID: "U1", ChannelID: "C1"}))

	if n := sock.Drop(); n != 1 {
		t.Fatalf("Drop closed %d connections, want 1", n)
	}
	srv.WaitFor(t, waitTimeout, "reconnection after a dropped connection", func(calls []fakeslack.Call) bool {
		return closedWith(calls, "drop") == 1 && len(filterCalls(calls, fakeslack.MethodSocketConnect)) == 3 && len(sock.Connections()) == 1
	})
	ack := sock.WaitAck(t, waitTimeout, sock.SendCommand(t, fakeslack.Command{Text: "help", UserID: "U1", ChannelID: "C1"}))
	if ack.Connection != "3" {
		t.Errorf("ack on connection %s, want 3", ack.Connection)
	}
	if n := len(srv.CallsTo("apps.connections.open")); n != 3 {
		t.Errorf("apps.connections.open calls = %d, want 3 (one per connection)", n)
	}
}

func closedWith(calls []fakeslack.Call, reason string) int {
	n := 0
	for _, c := range filterCalls(calls, fakeslack.MethodSocketClose) {
		if c.Params["reason"] == reason {
			n++
		}
	}
	return n
}

func filterCalls(calls []fakeslack.Call, method string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func TestViewRequestBodies(t *testing.T) {
	view := fakeslack.ViewRef{ID: "V1", Hash: "h1", CallbackID: "rs_execute_form", PrivateMetadata: `{"channel":"C1"}`}
	for _, tc := range []struct {
		name string
		body []byte
		want slack.InteractionType
	}{
		{"suggestion", fakeslack.BlockSuggestionBody("U1", view, "rs_plan", "rs_plan_select", "chec"), slack.InteractionTypeBlockSuggestion},
		{"select", fakeslack.ViewSelectBody("U1", view, "rs_plan", "rs_plan_select", "external_select", "checkout", "checkout"), slack.InteractionTypeBlockActions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := fakeslack.NewSignedRequest(t, "s", "http://example.invalid/", tc.body, time.Now())
			cb, err := slack.InteractionCallbackParse(req)
			if err != nil {
				t.Fatal(err)
			}
			if cb.Type != tc.want || cb.User.ID != "U1" || cb.View.ID != "V1" || cb.View.Hash != "h1" || cb.View.CallbackID != "rs_execute_form" || cb.View.PrivateMetadata != `{"channel":"C1"}` {
				t.Errorf("parsed %+v", cb)
			}
			switch tc.want {
			case slack.InteractionTypeBlockSuggestion:
				if cb.ActionID != "rs_plan_select" || cb.BlockID != "rs_plan" || cb.Value != "chec" {
					t.Errorf("suggestion action %q block %q value %q", cb.ActionID, cb.BlockID, cb.Value)
				}
			default:
				a := cb.ActionCallback.BlockActions
				if len(a) != 1 || a[0].ActionID != "rs_plan_select" || a[0].SelectedOption.Value != "checkout" {
					t.Errorf("actions = %+v", a)
				}
			}
		})
	}
}
